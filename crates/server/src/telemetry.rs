use tracing_subscriber::EnvFilter;

/// Structured logs: JSON lines when `PROPDESK_LOG_FORMAT=json`, readable text otherwise.
pub fn init() {
    let filter = EnvFilter::try_from_env("PROPDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let json = std::env::var("PROPDESK_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
