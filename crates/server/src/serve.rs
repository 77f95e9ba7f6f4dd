use crate::state::{AppState, Config};
use crate::{app, demo, jobs};
use propdesk_store::Db;
use std::net::SocketAddr;
use std::time::Instant;

/// Connects and migrates.
pub async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await.map_err(|e| anyhow::anyhow!("cannot open database: {e}"))?;
    db.migrate().await?;
    Ok(db)
}

pub async fn run(url: &str, listen: &str, with_demo: bool, secure_cookies: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let db = open(url).await?;
    if with_demo {
        demo::load_if_empty(&db).await?;
    }
    let state = AppState::new(db.clone(), Config { secure_cookies, ..Config::default() });
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
