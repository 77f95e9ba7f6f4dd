//! A stand-in for an SMS/IM gateway (POR-2): an HTTP endpoint that records each webhook POST and
//! answers with a status the test sets, checking every message's signature.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use propdesk::jobs::party_messages::{HEADER_ID, HEADER_SIGNATURE, HEADER_TIMESTAMP, signature};
use serde_json::Value;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

/// The signing key the tests give their webhook channels.
pub const KEY: &str = "gateway-signing-key-0001";

/// One POST as the gateway received it: headers and body.
type Received = (HeaderMap, Vec<u8>);

/// An SMS gateway stand-in: records each POST (headers, body) and answers with `status`.
#[derive(Clone, Default)]
pub struct Gateway {
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
}

impl Gateway {
    pub async fn start() -> (Gateway, String) {
        let g = Gateway { status: Arc::new(AtomicU16::new(200)), ..Default::default() };
        async fn hook(State(g): State<Gateway>, headers: HeaderMap, body: axum::body::Bytes) -> StatusCode {
            g.got.lock().expect("lock").push((headers, body.to_vec()));
            StatusCode::from_u16(g.status.load(Ordering::SeqCst)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
        }
        let app = axum::Router::new().route("/hook", axum::routing::post(hook)).with_state(g.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (g, format!("http://{addr}/hook"))
    }
    /// Sets the status the gateway answers with.
    pub fn answer(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }
    /// The messages received so far, each checked against the signing key.
    pub fn messages(&self) -> Vec<Value> {
        let got = self.got.lock().expect("lock");
        got.iter()
            .map(|(h, body)| {
                let ts: i64 = h.get(HEADER_TIMESTAMP).and_then(|v| v.to_str().ok()).and_then(|s| s.parse().ok()).expect("timestamp header");
                let sig = h.get(HEADER_SIGNATURE).and_then(|v| v.to_str().ok()).expect("signature header");
                assert_eq!(sig, signature(KEY, ts, body), "POR-2: every webhook message is signed with the channel's key");
                let v: Value = serde_json::from_slice(body).expect("json body");
                assert_eq!(h.get(HEADER_ID).and_then(|v| v.to_str().ok()), Some(v["id"].to_string().as_str()));
                v
            })
            .collect()
    }
}
