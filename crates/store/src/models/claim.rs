//! CMP-12 claims.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::claim::ClaimStatus;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ClaimRow {
    pub id: i64,
    pub project_id: i64,
    pub complaint_id: i64,
    pub complaint_number: String,
    pub number: String,
    pub claimant: String,
    pub claimed_amount: i64,
    pub offered_amount: Option<i64>,
    #[sqlx(try_from = "String")]
    pub status: ClaimStatus,
    pub plan: String,
    pub legal_advice: String,
    pub responsibility: String,
    pub report: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

const SELECT: &str =
    "SELECT k.id, k.project_id, k.complaint_id, c.number AS complaint_number, k.number, k.claimant, k.claimed_amount, k.offered_amount, k.status,
    k.plan, k.legal_advice, k.responsibility, k.report, k.decided_at, k.created_at, k.version FROM claims k JOIN complaints c ON c.id = k.complaint_id";

pub async fn insert(c: &mut impl AsEx, project_id: i64, complaint_id: i64, number: &str, claimant: &str, amount: i64, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO claims (project_id, complaint_id, number, claimant, claimed_amount, status, created_at) VALUES ($1, $2, $3, $4, $5, 'received', $6)",
    )
    .arg(project_id)
    .arg(complaint_id)
    .arg(number)
    .arg(claimant)
    .arg(amount)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<ClaimRow>> {
    // FOR UPDATE cannot lock the joined complaint here; lock the claim row alone.
    let lock = if lock.is_empty() { String::new() } else { " FOR UPDATE OF k".to_string() };
    let sql = Sql::new(SELECT).push(" WHERE k.id = ").bind(id).push(" AND k.project_id IN ").bind_list(&actor.projects).push(&lock);
    c.ex().fetch_optional(sql).await
}

pub async fn list(c: &mut impl AsEx, actor: &Actor, complaint_id: Option<i64>) -> Result<Vec<ClaimRow>> {
    let mut sql = Sql::new(SELECT).push(" WHERE k.project_id IN ").bind_list(&actor.projects);
    if let Some(id) = complaint_id {
        sql = sql.push(" AND k.complaint_id = ").bind(id);
    }
    c.ex().fetch_all(sql.push(" ORDER BY k.id DESC LIMIT 500")).await
}

/// The new state of a claim after an action, written only at `version`.
pub struct ClaimUpdate<'a> {
    pub status: ClaimStatus,
    pub offered_amount: Option<i64>,
    pub plan: Option<&'a str>,
    pub legal_advice: Option<&'a str>,
    pub responsibility: Option<&'a str>,
    pub report: Option<&'a str>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, u: &ClaimUpdate<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE claims SET status = $1, offered_amount = COALESCE($2, offered_amount), plan = COALESCE($3, plan), legal_advice = COALESCE($4, legal_advice),
         responsibility = COALESCE($5, responsibility), report = COALESCE($6, report), decided_by = COALESCE($7, decided_by), decided_at = COALESCE($8, decided_at),
         version = version + 1 WHERE id = $9 AND version = $10",
    )
    .arg(u.status.code())
    .arg(u.offered_amount)
    .arg(u.plan)
    .arg(u.legal_advice)
    .arg(u.responsibility)
    .arg(u.report)
    .arg(u.decided_by)
    .arg(u.decided_at)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}
