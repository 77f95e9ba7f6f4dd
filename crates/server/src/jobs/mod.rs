//! Background jobs. Each is safe to run on several nodes at once: it only performs
//! idempotent, set-based statements, passes that must run once take a lease row
//! (`escalation`), the outbox delivery takes its rows with SKIP LOCKED (`outbox`), and messages to
//! parties are taken under a lease before they go on the wire (`party_messages`).

pub mod escalation;
pub mod outbox;
pub mod party_messages;

use crate::state::AppState;
use chrono::Utc;
use propdesk_store::models::staff;
use std::time::Duration;

pub fn spawn(state: AppState) {
    escalation::spawn(state.db.clone());
    outbox::spawn(state.db.clone());
    party_messages::spawn(state.db.clone());
    // CMP-14: complaints from before the search index (searches scan with LIKE until done).
    let db = state.db.clone();
    tokio::spawn(async move {
        match crate::ops::complaint::index_search_backlog(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(indexed = n, "complaint search backfill done"),
            Err(e) => tracing::warn!(error = ?e, "complaint search backfill failed; `propdesk migrate` finishes it"),
        }
        match crate::ops::work_order::index_search_backlog(&db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(indexed = n, "work-order search backfill done"),
            Err(e) => tracing::warn!(error = ?e, "work-order search backfill failed; `propdesk migrate` finishes it"),
        }
    });
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purge_sessions(&state).await {
                tracing::warn!(error = %e, "session purge failed");
            }
        }
    });
}

/// Deletes expired sessions and API tokens.
pub async fn purge_sessions(state: &AppState) -> anyhow::Result<u64> {
    let mut tx = state.db.begin().await?;
    let n = staff::purge_expired(&mut tx, Utc::now()).await?;
    tx.commit().await?;
    Ok(n)
}
