use crate::state::{AppState, Config, default_attachments_dir};
use crate::{app, demo, jobs};
use propdesk_domain::attachment::Limits;
use propdesk_store::Db;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

/// Attachment settings from the command line; `None` keeps the default.
#[derive(Debug, Clone, Default)]
pub struct Files {
    pub dir: Option<PathBuf>,
    pub max_image_mb: Option<u64>,
    pub max_media_mb: Option<u64>,
}

/// Connects and migrates.
pub async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await.map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
    db.migrate().await?;
    Ok(db)
}

pub async fn run(url: &str, listen: &str, with_demo: bool, secure_cookies: bool, files: Files) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = open(url).await?;
    if with_demo {
        demo::load_if_empty(&db).await?;
    }
    let defaults = Config::default();
    let attachments_dir = files.dir.unwrap_or_else(|| default_attachments_dir(url));
    // Made at start, so a directory the process cannot write is found now, not at the first upload.
    std::fs::create_dir_all(&attachments_dir).map_err(|e| anyhow::anyhow!("cannot create attachments directory {}: {e}", attachments_dir.display()))?;
    let mb = |n: Option<u64>, default: u64| n.map(|n| n * 1024 * 1024).unwrap_or(default);
    let attachment_limits = Limits {
        image_or_pdf: mb(files.max_image_mb, defaults.attachment_limits.image_or_pdf),
        audio_or_video: mb(files.max_media_mb, defaults.attachment_limits.audio_or_video),
    };
    let state = AppState::new(db.clone(), Config { secure_cookies, attachments_dir, attachment_limits, ..defaults });
    let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr()?;
    jobs::spawn(state.clone());
    tracing::info!(%addr, backend = ?db.backend(), startup_ms = started.elapsed().as_millis() as u64, "propdesk listening");
    println!("propdesk is running at http://{addr}  (Ctrl-C to stop)");
    axum::serve(listener, app::router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    db.close().await;
    Ok(())
}
