//! Delivery of the notification outbox. Ops transactions enqueue messages (`ops::notify`);
//! this job moves every due message into its channel and marks it delivered, a batch per
//! transaction. Safe with several nodes: on PostgreSQL a batch is taken `FOR UPDATE SKIP
//! LOCKED`, so nodes take different rows; on SQLite the one writer serialises batches; and
//! the inbox holds a message at most once (unique `outbox_id`), so even a repeated delivery
//! cannot show it twice. A message whose delivery fails is tried again later, with a growing
//! pause, up to `MAX_ATTEMPTS` times; its last error stays on the row for the operator.

use crate::error::AppResult;
use chrono::{DateTime, Duration, Utc};
use propdesk_store::models::outbox::{self, OutboxRow};
use propdesk_store::{Db, Tx};

/// How often the job looks for due messages.
pub const EVERY_SECS: u64 = 10;
/// Messages per transaction.
pub const BATCH: i64 = 200;
/// After this many failed attempts a message is left alone (its `last_error` says why).
pub const MAX_ATTEMPTS: i64 = 8;

const SAVEPOINT: &str = "pd_outbox_message";

/// What one run delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    pub delivered: usize,
    pub failed: usize,
}

/// Delivers every message due at `now`, batch after batch.
pub async fn deliver_due(db: &Db, now: DateTime<Utc>) -> AppResult<Delivered> {
    let mut total = Delivered::default();
    loop {
        let r = deliver_batch(db, now, BATCH).await?;
        total.delivered += r.delivered;
        total.failed += r.failed;
        // A failed message is due again only later, so a short batch means nothing is left.
        if ((r.delivered + r.failed) as i64) < BATCH {
            return Ok(total);
        }
    }
}

/// One batch in one transaction: each message under a savepoint, so a failure is recorded
/// on its row while the others are still delivered.
async fn deliver_batch(db: &Db, now: DateTime<Utc>, limit: i64) -> AppResult<Delivered> {
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let due = outbox::due(&mut tx, now, limit, MAX_ATTEMPTS, lock).await?;
    let mut r = Delivered::default();
    for m in &due {
        tx.savepoint(SAVEPOINT).await?;
        match send(&mut tx, m, now).await {
            Ok(()) => {
                tx.end_savepoint(SAVEPOINT, true).await?;
                outbox::mark_delivered(&mut tx, m.id, now).await?;
                r.delivered += 1;
            }
            Err(e) => {
                tx.end_savepoint(SAVEPOINT, false).await?;
                let error = format!("{e:#}");
                tracing::warn!(outbox_id = m.id, attempts = m.attempts + 1, error = %error, "notification not delivered; will retry");
                outbox::mark_failed(&mut tx, m.id, &error, now + retry_after(m.attempts + 1)).await?;
                r.failed += 1;
            }
        }
    }
    tx.commit().await?;
    Ok(r)
}

/// The pause before the next attempt: 30 s doubling per failure, at most 6 hours.
pub fn retry_after(attempts: i64) -> Duration {
    let secs = 30i64.saturating_mul(1i64 << attempts.clamp(0, 20));
    Duration::seconds(secs.min(6 * 3600))
}

/// The channels a message goes out on. Today that is the recipient's staff inbox, written in
/// the delivering transaction. An SMS or e-mail sender is one more step here — its address
/// from the recipient's staff row, its call returning `Err` to have the message tried again
/// later; the inbox step ignores a message it already holds, so a retry never doubles it.
async fn send(tx: &mut Tx, m: &OutboxRow, now: DateTime<Utc>) -> anyhow::Result<()> {
    outbox::put_inbox(tx, m, now).await?;
    Ok(())
}

/// The job loop: delivers due messages every `EVERY_SECS`; errors are logged and retried.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(EVERY_SECS));
        loop {
            tick.tick().await;
            match deliver_due(&db, Utc::now()).await {
                Ok(r) if r.delivered + r.failed > 0 => tracing::info!(delivered = r.delivered, failed = r.failed, "notifications delivered"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = ?e, "notification delivery failed"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped() {
        assert_eq!(retry_after(1), Duration::seconds(60));
        assert_eq!(retry_after(2), Duration::seconds(120));
        assert_eq!(retry_after(30), Duration::hours(6));
    }
}
