//! What `propdesk bench` writes and counts outside the application's own statements: the bulk
//! complaint loader (SQLite only) and the counts its reports print.

use crate::{AsEx, Result, Sql, Tx};
use chrono::{DateTime, Utc};

/// One generated complaint of a bulk load.
pub struct BulkComplaint<'a> {
    pub project_id: i64,
    pub number: String,
    pub complainant: String,
    pub contact_phone: String,
    pub channel: &'a str,
    pub content: String,
    pub severity: &'a str,
    pub important_kind: Option<&'a str>,
    pub major_reason: Option<&'a str>,
    pub status: &'a str,
    pub received_at: DateTime<Utc>,
    pub next_due: Option<DateTime<Utc>>,
    pub callback_due: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub topic: String,
}

const BULK_COLS: usize = 17;

/// Drops the secondary indexes of `complaints` before a bulk load (they are built once at the
/// end, by sorting, instead of row by row) and returns their CREATE statements.
pub async fn drop_complaint_indexes(tx: &mut Tx) -> Result<Vec<String>> {
    let indexes: Vec<(String, String)> = tx
        .ex()
        .fetch_all(Sql::new("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL ORDER BY name"))
        .await?;
    for (name, _) in &indexes {
        tx.ex().execute(Sql::new(&format!("DROP INDEX {name}"))).await?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}

/// Builds the indexes `drop_complaint_indexes` dropped and refreshes the planner's statistics.
pub async fn restore_indexes(tx: &mut Tx, creates: &[String]) -> Result<()> {
    for sql in creates {
        tx.ex().execute(Sql::new(sql)).await?;
    }
    tx.ex().execute(Sql::new("ANALYZE")).await?;
    Ok(())
}

/// Inserts the rows in one multi-row statement.
pub async fn insert_complaints(tx: &mut Tx, rows: &[BulkComplaint<'_>]) -> Result<()> {
    // Anonymous `?` placeholders (SQLite only, as this loader is): binding 8,500 named `$n`
    // parameters costs a linear name lookup each, which made the load several times slower.
    let row = format!("({})", vec!["?"; BULK_COLS].join(", "));
    let mut sql = Sql::new(&format!(
        "INSERT INTO complaints (project_id, number, complainant, contact_phone, channel, content, severity, important_kind, major_reason, status, received_at,
         next_due, callback_due, resolved_at, closed_at, topic, created_at) VALUES {}",
        vec![row.as_str(); rows.len()].join(", ")
    ));
    for r in rows {
        sql = sql
            .arg(r.project_id)
            .arg(r.number.as_str())
            .arg(r.complainant.as_str())
            .arg(r.contact_phone.as_str())
            .arg(r.channel)
            .arg(r.content.as_str())
            .arg(r.severity)
            .arg(r.important_kind)
            .arg(r.major_reason)
            .arg(r.status)
            .arg(r.received_at)
            .arg(r.next_due)
            .arg(r.callback_due)
            .arg(r.resolved_at)
            .arg(r.closed_at)
            .arg(r.topic.as_str())
            .arg(r.received_at);
    }
    tx.ex().execute(sql).await?;
    Ok(())
}

/// Reception records, and the complaints that came from one.
pub async fn reception_counts(c: &mut impl AsEx) -> Result<(i64, i64)> {
    let records = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM reception_records")).await?;
    let complaints = c.ex().scalar(Sql::new("SELECT COUNT(*) FROM complaints WHERE reception_id IS NOT NULL")).await?;
    Ok((records, complaints))
}

/// Which complaints `count_complaints` counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplaintCount {
    /// Only those not closed or invalid.
    pub open_only: bool,
    pub project_id: Option<i64>,
    /// Received at or after.
    pub received_from: Option<DateTime<Utc>>,
    /// Received after (exclusive).
    pub received_after: Option<DateTime<Utc>>,
    /// Received before (exclusive).
    pub received_before: Option<DateTime<Utc>>,
    /// Received at or before.
    pub received_until: Option<DateTime<Utc>>,
}

pub async fn count_complaints(c: &mut impl AsEx, f: ComplaintCount) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM complaints WHERE 1 = 1");
    if f.open_only {
        sql = sql.push(" AND status NOT IN ('closed', 'invalid')");
    }
    if let Some(p) = f.project_id {
        sql = sql.push(" AND project_id = ").bind(p);
    }
    if let Some(t) = f.received_from {
        sql = sql.push(" AND received_at >= ").bind(t);
    }
    if let Some(t) = f.received_after {
        sql = sql.push(" AND received_at > ").bind(t);
    }
    if let Some(t) = f.received_before {
        sql = sql.push(" AND received_at < ").bind(t);
    }
    if let Some(t) = f.received_until {
        sql = sql.push(" AND received_at <= ").bind(t);
    }
    c.ex().scalar(sql).await
}

/// FEE bench: pays every bill line of a project in full except those of every tenth payer (by
/// id), so a tenth of the payers are overdue.
pub async fn pay_all_but_every_tenth_payer(tx: &mut Tx, project_id: i64) -> Result<u64> {
    let sql = Sql::new("UPDATE bill_lines SET paid = amount WHERE project_id = ").bind(project_id).push(" AND payer_id % 10 <> 3");
    tx.ex().execute(sql).await
}
