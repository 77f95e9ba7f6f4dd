//! CMP-9: disagreements between the departments on a complaint and the head's decisions.
//! The complaint row carries `decision_requested_at` while one is open; this table keeps the
//! texts. The caller has already checked that the actor may see the complaint.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct DecisionRow {
    pub id: i64,
    pub complaint_id: i64,
    /// JSON array of `{"department_id", "department_name", "opinion"}`.
    pub opinions: String,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub decision: Option<String>,
    /// JSON arrays of department ids.
    pub responsible: Option<String>,
    pub released: Option<String>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub struct NewRequest<'a> {
    pub complaint_id: i64,
    pub project_id: i64,
    pub opinions: &'a str,
    pub by: Option<i64>,
    pub by_name: &'a str,
    pub at: DateTime<Utc>,
}

/// Opens a disagreement; a second open one on the same complaint is a unique violation.
pub async fn open(c: &mut impl AsEx, n: &NewRequest<'_>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO complaint_decisions (complaint_id, project_id, opinions, requested_by, requested_by_name, requested_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .arg(n.complaint_id)
    .arg(n.project_id)
    .arg(n.opinions)
    .arg(n.by)
    .arg(n.by_name)
    .arg(n.at);
    c.ex().insert(sql).await
}

pub struct Decided<'a> {
    pub decision: &'a str,
    pub responsible: &'a str,
    pub released: &'a str,
    pub by: Option<i64>,
    pub by_name: &'a str,
    pub at: DateTime<Utc>,
}

/// Records the decision on the complaint's open disagreement; false when none is open.
pub async fn decide(c: &mut impl AsEx, complaint_id: i64, d: &Decided<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE complaint_decisions SET decision = $1, responsible = $2, released = $3, decided_by = $4, decided_by_name = $5, decided_at = $6
         WHERE complaint_id = $7 AND decided_at IS NULL",
    )
    .arg(d.decision)
    .arg(d.responsible)
    .arg(d.released)
    .arg(d.by)
    .arg(d.by_name)
    .arg(d.at)
    .arg(complaint_id);
    Ok(c.ex().execute(sql).await? == 1)
}

/// Every disagreement of a complaint, oldest first.
pub async fn for_complaint(c: &mut impl AsEx, complaint_id: i64) -> Result<Vec<DecisionRow>> {
    let sql = Sql::new(
        "SELECT id, complaint_id, opinions, requested_by_name, requested_at, decision, responsible, released, decided_by_name, decided_at
         FROM complaint_decisions WHERE complaint_id = $1 ORDER BY id",
    )
    .arg(complaint_id);
    c.ex().fetch_all(sql).await
}
