//! POR-2: sending messages to owners, tenants and merchants through the company's channels
//! (e-mail over SMTP; a signed JSON POST to an SMS/IM gateway). Ops transactions queue the
//! messages (`ops::channel`); this job takes due ones under a lease, sends them outside any
//! transaction, and records each outcome. A failed message is tried again with a growing
//! pause until `channel::MAX_ATTEMPTS`; then the notices page shows it as failed, so staff
//! deliver that one by hand. Delivery is at least once: a node that dies after sending but
//! before recording sends again when the lease ends, so the webhook carries the message id for
//! the gateway to drop repeats.

use crate::error::AppResult;
use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use propdesk_domain::channel::{EmailSettings, MAX_ATTEMPTS, Settings, SmtpSecurity, WebhookSettings};
use propdesk_store::Db;
use propdesk_store::models::channel::{self as store, Outgoing};
use sha2::Sha256;
use std::collections::HashMap;

/// How often the job looks for due messages.
pub const EVERY_SECS: u64 = 15;
/// Messages taken per run of the loop.
pub const BATCH: i64 = 100;
/// How long a taken message is left alone before another run may take it again.
const LEASE_SECS: i64 = 300;
/// The longest one send may take.
const SEND_TIMEOUT_SECS: u64 = 20;

/// What one run sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

/// The clients the channels send with, built once.
#[derive(Clone)]
pub struct Transports {
    http: reqwest::Client,
}

impl Transports {
    pub fn new() -> anyhow::Result<Transports> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(SEND_TIMEOUT_SECS))
            .user_agent(concat!("propdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .context("building the HTTP client")?;
        Ok(Transports { http })
    }

    /// Sends one message through a channel. `Err` says why, in words safe to show staff and
    /// to log: never the secret.
    pub async fn send(&self, settings: &Settings, secret: &str, m: &Envelope<'_>) -> anyhow::Result<()> {
        match settings {
            Settings::Email(e) => send_email(e, secret, m).await,
            Settings::Webhook(w) => self.send_webhook(w, secret, m).await,
        }
    }

    async fn send_webhook(&self, w: &WebhookSettings, secret: &str, m: &Envelope<'_>) -> anyhow::Result<()> {
        let body = serde_json::to_vec(&serde_json::json!({
            "id": m.id,
            "kind": m.kind,
            "to": m.to,
            "subject": m.subject,
            "body": m.body,
            "project_id": m.project_id,
            "party_id": m.party_id,
        }))?;
        let timestamp = Utc::now().timestamp();
        let resp = self
            .http
            .post(&w.url)
            .header("content-type", "application/json")
            .header(HEADER_ID, m.id.to_string())
            .header(HEADER_TIMESTAMP, timestamp.to_string())
            .header(HEADER_SIGNATURE, signature(secret, timestamp, &body))
            .body(body)
            .send()
            .await
            .map_err(|e| anyhow!("网关无法连接 (gateway unreachable): {}", e.without_url()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = resp.text().await.unwrap_or_default();
        bail!("网关拒绝 (gateway answered) {status}: {}", text.chars().take(200).collect::<String>())
    }
}

/// The webhook's headers: the message id (a retry carries the same), the time it was signed,
/// and `sha256=` + hex HMAC-SHA256 over `timestamp.body` with the channel's signing key.
pub const HEADER_ID: &str = "x-propdesk-message-id";
pub const HEADER_TIMESTAMP: &str = "x-propdesk-timestamp";
pub const HEADER_SIGNATURE: &str = "x-propdesk-signature";

/// What a gateway checks: HMAC-SHA256 of `{timestamp}.{body}` keyed with the signing key.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // An HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + bytes.len() * 2);
    hex.push_str("sha256=");
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// One message on its way: where to, what, and what it is about.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub project_id: i64,
    pub party_id: i64,
}

async fn send_email(e: &EmailSettings, secret: &str, m: &Envelope<'_>) -> anyhow::Result<()> {
    let email = Message::builder()
        .from(e.from.parse().map_err(|_| anyhow!("发件地址无效 (bad sender address)"))?)
        .to(m.to.parse().map_err(|_| anyhow!("收件地址无效 (bad recipient address)"))?)
        .subject(m.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(m.body.to_string())
        .context("composing the e-mail")?;
    let builder = match e.security {
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&e.host)?,
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&e.host)?,
        SmtpSecurity::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&e.host),
    };
    let mut builder = builder.port(e.port).timeout(Some(std::time::Duration::from_secs(SEND_TIMEOUT_SECS)));
    if !e.username.is_empty() {
        builder = builder.credentials(Credentials::new(e.username.clone(), secret.to_string()));
    }
    builder.build().send(email).await.map_err(|err| anyhow!("邮件服务器拒绝或无法连接 (SMTP): {err}"))?;
    Ok(())
}

/// The pause before the next attempt: a minute doubling per failure, at most 6 hours.
pub fn retry_after(attempts: i64) -> Duration {
    let secs = 60i64.saturating_mul(1i64 << (attempts - 1).clamp(0, 20));
    Duration::seconds(secs.min(6 * 3600))
}

/// Sends every message due at `now`, batch after batch.
pub async fn deliver_due(db: &Db, t: &Transports, now: DateTime<Utc>) -> AppResult<Sent> {
    let mut total = Sent::default();
    loop {
        let batch = take(db, now).await?;
        let n = batch.len() as i64;
        let r = send_batch(db, t, &batch, now).await?;
        total.sent += r.sent;
        total.failed += r.failed;
        if n < BATCH {
            return Ok(total);
        }
    }
}

async fn take(db: &Db, now: DateTime<Utc>) -> AppResult<Vec<Outgoing>> {
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let rows = store::take_due(&mut tx, now, now + Duration::seconds(LEASE_SECS), BATCH, MAX_ATTEMPTS, lock).await?;
    tx.commit().await?;
    Ok(rows)
}

async fn send_batch(db: &Db, t: &Transports, batch: &[Outgoing], now: DateTime<Utc>) -> AppResult<Sent> {
    if batch.is_empty() {
        return Ok(Sent::default());
    }
    let mut ids: Vec<i64> = batch.iter().map(|m| m.channel_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let channels: HashMap<i64, (Option<Settings>, String)> = {
        let mut c = db.read().await?;
        store::with_secrets(&mut c, &ids).await?.into_iter().map(|ch| (ch.id, (serde_json::from_str(&ch.settings).ok(), ch.secret))).collect()
    };
    let mut outcomes = Vec::with_capacity(batch.len());
    for m in batch {
        let r = match channels.get(&m.channel_id) {
            Some((Some(settings), secret)) => {
                let msg = Envelope {
                    id: m.id,
                    kind: m.kind.code(),
                    to: &m.address,
                    subject: &m.subject,
                    body: &m.body,
                    project_id: m.project_id,
                    party_id: m.party_id,
                };
                t.send(settings, secret, &msg).await
            }
            _ => Err(anyhow!("通知渠道设置无效 (channel settings unreadable)")),
        };
        outcomes.push((m, r));
    }
    let mut sent = Sent::default();
    let done = Utc::now().max(now);
    let mut tx = db.begin().await?;
    for (m, r) in outcomes {
        match r {
            Ok(()) => {
                store::mark_sent(&mut tx, m.id, done).await?;
                sent.sent += 1;
            }
            Err(e) => {
                let error = format!("{e:#}");
                tracing::warn!(party_message_id = m.id, channel_id = m.channel_id, attempts = m.attempts + 1, error = %error, "message to a party not sent; will retry");
                store::mark_failed(&mut tx, m.id, &error, done + retry_after(m.attempts + 1)).await?;
                sent.failed += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(sent)
}

/// The job loop: sends due messages every `EVERY_SECS`; errors are logged and retried.
pub fn spawn(db: Db) {
    let t = match Transports::new() {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = ?e, "messages to parties cannot be sent: no HTTP client");
            return;
        }
    };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(EVERY_SECS));
        loop {
            tick.tick().await;
            match deliver_due(&db, &t, Utc::now()).await {
                Ok(r) if r.sent + r.failed > 0 => tracing::info!(sent = r.sent, failed = r.failed, "messages to parties sent"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "sending messages to parties failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn por_2_retries_back_off_from_a_minute_to_six_hours() {
        assert_eq!(retry_after(1), Duration::seconds(60));
        assert_eq!(retry_after(3), Duration::seconds(240));
        assert_eq!(retry_after(40), Duration::hours(6));
    }

    #[test]
    fn por_2_the_webhook_signature_is_hmac_sha256_of_timestamp_and_body() {
        // Computed independently: python3 -c "import hmac,hashlib;print(hmac.new(b'Jefe',b'1.{}',hashlib.sha256).hexdigest())"
        let s = signature("Jefe", 1, b"{}");
        assert_eq!(s, "sha256=dc7943cccf20f64327d263db5e2aca27c2b8175e8e6e7ea04f482091bf456b0f");
        assert_ne!(s, signature("Jefe", 2, b"{}"), "the timestamp is signed");
        assert_ne!(s, signature("other key", 1, b"{}"));
    }
}
