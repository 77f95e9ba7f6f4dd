use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use propdesk_domain::attachment::Limits;
use propdesk_store::Db;
use std::path::{Path, PathBuf};
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
    /// Where attachment files are kept: outside any web root, served only through the
    /// access-checked attachment routes. Defaults next to the SQLite file.
    pub attachments_dir: PathBuf,
    /// Size limits per attachment (CMP-3): images and PDF, audio and video.
    pub attachment_limits: Limits,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            secure_cookies: false,
            max_login_failures: 5,
            lockout_minutes: 15,
            session_hours: 12,
            token_hours: 24,
            attachments_dir: PathBuf::from("data/attachments"),
            attachment_limits: Limits::default(),
        }
    }
}

/// The default attachments directory for a database URL: `attachments/` beside the SQLite
/// file (`sqlite:data/propdesk.db` → `data/attachments`), `data/attachments` otherwise.
pub fn default_attachments_dir(database_url: &str) -> PathBuf {
    let file = database_url.strip_prefix("sqlite://").or_else(|| database_url.strip_prefix("sqlite:"));
    match file.map(|f| f.split('?').next().unwrap_or(f)) {
        Some(f) if !f.is_empty() && !f.starts_with(':') => Path::new(f).parent().unwrap_or(Path::new("")).join("attachments"),
        _ => PathBuf::from("data/attachments"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_3_attachments_live_beside_the_sqlite_file() {
        assert_eq!(default_attachments_dir("sqlite:data/propdesk.db"), PathBuf::from("data/attachments"));
        assert_eq!(default_attachments_dir("sqlite:///var/lib/propdesk/p.db?mode=rwc"), PathBuf::from("/var/lib/propdesk/attachments"));
        assert_eq!(default_attachments_dir("sqlite:p.db"), PathBuf::from("attachments"));
        assert_eq!(default_attachments_dir("sqlite::memory:"), PathBuf::from("data/attachments"));
        assert_eq!(default_attachments_dir("postgres://db/propdesk"), PathBuf::from("data/attachments"));
    }
}
