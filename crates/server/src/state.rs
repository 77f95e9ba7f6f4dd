use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use propdesk_store::Db;
use std::sync::{Arc, OnceLock};

#[derive(Clone, Debug)]
pub struct Config {
    /// Mark cookies `Secure` (when served over HTTPS).
    pub secure_cookies: bool,
    /// Failed logins per username or address before the lock.
    pub max_login_failures: i64,
    pub lockout_minutes: i64,
    pub session_hours: i64,
    pub token_hours: i64,
}

impl Default for Config {
    fn default() -> Self {
        Config { secure_cookies: false, max_login_failures: 5, lockout_minutes: 15, session_hours: 12, token_hours: 24 }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub cfg: Arc<Config>,
    pub metrics: PrometheusHandle,
}

impl AppState {
    pub fn new(db: Db, cfg: Config) -> AppState {
        AppState { db, cfg: Arc::new(cfg), metrics: metrics_handle() }
    }
}

/// The Prometheus recorder is process-wide; tests start many apps in one process.
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed; serving an empty registry");
                PrometheusBuilder::new().build_recorder().handle()
            }
        })
        .clone()
}
