//! RCP: reception records (业主接待记录), what they started, the shift log and handover
//! (RCP-6) and the lost-and-found register (FD-3). Every read is scoped by the actor's
//! projects, so another project's record is simply not found (SEC-2).

use crate::{AsEx, Page, Paged, Result, Sql, like_contains};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::reception::{Category, Channel, ReceptionStatus};

pub use propdesk_domain::reception::FollowUpState;

propdesk_domain::text_enum! {
    /// RCP-6: a shift is on duty until it is handed over.
    ShiftStatus {
        OnDuty = "on_duty", "当班中", "On duty";
        HandedOver = "handed_over", "已交班", "Handed over";
    }
}

propdesk_domain::text_enum! {
    /// FD-3: a registered item is kept until it is claimed.
    LostStatus {
        Kept = "kept", "保管中", "Kept";
        Claimed = "claimed", "已认领", "Claimed";
    }
}

/// A reception record with what it started: the complaint (if any) and the lost items
/// registered from it that are still kept.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ReceptionRow {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    #[sqlx(try_from = "String")]
    pub channel: Channel,
    #[sqlx(try_from = "String")]
    pub category: Category,
    pub unit_id: Option<i64>,
    pub unit_label: Option<String>,
    pub party_id: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub content: String,
    pub taken_by: Option<i64>,
    pub taken_by_name: Option<String>,
    pub received_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "String")]
    pub status: ReceptionStatus,
    pub follow_up: String,
    #[sqlx(try_from = "String")]
    pub follow_up_state: FollowUpState,
    pub follow_up_done_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub report_to: String,
    pub idempotency_key: Option<String>,
    pub version: i64,
    pub complaint_id: Option<i64>,
    pub complaint_number: Option<String>,
    pub complaint_status: Option<String>,
    pub lost_kept: i64,
    /// RCP-3: the return slip of an after-sales record.
    pub return_slip_id: Option<i64>,
    pub return_slip_number: Option<String>,
}

impl ReceptionRow {
    /// RCP-7: how many of the things this record started are still open.
    pub fn started_open(&self) -> usize {
        let complaint = usize::from(self.complaint_id.is_some() && self.complaint_status.as_deref() != Some("closed"));
        let own = usize::from(self.follow_up_state == FollowUpState::Pending);
        complaint + own + self.lost_kept.max(0) as usize
    }
}

const SELECT: &str = "SELECT r.id, r.project_id, r.number, r.channel, r.category, r.unit_id,
    (SELECT b.name || ' ' || u.unit_no FROM units u JOIN buildings b ON b.id = u.building_id WHERE u.id = r.unit_id) AS unit_label,
    r.party_id, r.contact_name, r.contact_phone, r.content, r.taken_by, s.display_name AS taken_by_name, r.received_at, r.acknowledged_at,
    r.replied_at, r.status, r.follow_up, r.follow_up_state, r.follow_up_done_at, r.closed_at, r.report_to, r.idempotency_key, r.version,
    c.id AS complaint_id, c.number AS complaint_number, c.status AS complaint_status,
    (SELECT COUNT(*) FROM lost_found l WHERE l.reception_id = r.id AND l.status = 'kept') AS lost_kept,
    rs.id AS return_slip_id, rs.number AS return_slip_number
    FROM reception_records r LEFT JOIN staff s ON s.id = r.taken_by LEFT JOIN complaints c ON c.reception_id = r.id
    LEFT JOIN return_slips rs ON rs.reception_id = r.id";

pub struct NewReception<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub channel: Channel,
    pub category: Category,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub content: &'a str,
    pub taken_by: Option<i64>,
    pub received_at: DateTime<Utc>,
    pub status: ReceptionStatus,
    pub follow_up: &'a str,
    pub follow_up_state: FollowUpState,
    pub closed_at: Option<DateTime<Utc>>,
    pub report_to: &'a str,
    pub idempotency_key: Option<&'a str>,
}

pub async fn insert(c: &mut impl AsEx, n: &NewReception<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO reception_records (project_id, number, channel, category, unit_id, party_id, contact_name, contact_phone, content, taken_by,
         received_at, status, follow_up, follow_up_state, closed_at, report_to, idempotency_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.channel.code())
    .arg(n.category.code())
    .arg(n.unit_id)
    .arg(n.party_id)
    .arg(n.contact_name)
    .arg(n.contact_phone)
    .arg(n.content)
    .arg(n.taken_by)
    .arg(n.received_at)
    .arg(n.status.code())
    .arg(n.follow_up)
    .arg(n.follow_up_state.code())
    .arg(n.closed_at)
    .arg(n.report_to)
    .arg(n.idempotency_key)
    .arg(now);
    c.ex().insert(sql).await
}

/// A record the actor may see; `lock` is `Tx::for_update()` inside a changing transaction.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64, lock: &str) -> Result<Option<ReceptionRow>> {
    // FOR UPDATE cannot lock the nullable side of an outer join on PostgreSQL: lock the row first.
    if !lock.is_empty() {
        let sql = Sql::new("SELECT id FROM reception_records WHERE id = ").bind(id).push(" AND project_id IN ").bind_list(&actor.projects).push(lock);
        if c.ex().fetch_optional::<(i64,)>(sql).await?.is_none() {
            return Ok(None);
        }
    }
    let sql = Sql::new(SELECT).push(" WHERE r.id = ").bind(id).push(" AND r.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// The record a form token or `Idempotency-Key` already created in the project (RCP: a double
/// submit gives one record).
pub async fn by_idempotency_key(c: &mut impl AsEx, project_id: i64, key: &str) -> Result<Option<ReceptionRow>> {
    let sql = Sql::new(SELECT).push(" WHERE r.project_id = ").bind(project_id).push(" AND r.idempotency_key = ").bind(key);
    c.ex().fetch_optional(sql).await
}

/// The project of a unit, to check a unit belongs to the record's project (SEC-2).
pub async fn unit_project(c: &mut impl AsEx, unit_id: i64) -> Result<Option<i64>> {
    Ok(c.ex().fetch_optional::<(i64,)>(Sql::new("SELECT project_id FROM units WHERE id = $1").arg(unit_id)).await?.map(|r| r.0))
}

/// The project, name and phone of a party (the contact of a record defaults to them).
pub async fn party_contact(c: &mut impl AsEx, party_id: i64) -> Result<Option<(i64, String, String)>> {
    c.ex().fetch_optional(Sql::new("SELECT project_id, name, phone FROM parties WHERE id = $1").arg(party_id)).await
}

/// The state an action writes back, only if the row is still at `version` (else false → 409).
pub struct Update<'a> {
    pub status: ReceptionStatus,
    pub follow_up: &'a str,
    pub follow_up_state: FollowUpState,
    pub follow_up_done_at: Option<DateTime<Utc>>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// RCP-3: names what a new record started (the work order's number) in its follow-up text,
/// inside the transaction that created both.
pub async fn set_follow_up(c: &mut impl AsEx, id: i64, follow_up: &str) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE reception_records SET follow_up = $1 WHERE id = $2").arg(follow_up).arg(id)).await
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, u: &Update<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE reception_records SET status = $1, follow_up = $2, follow_up_state = $3, follow_up_done_at = $4, acknowledged_at = $5, replied_at = $6,
         closed_at = $7, version = version + 1 WHERE id = $8 AND version = $9",
    )
    .arg(u.status.code())
    .arg(u.follow_up)
    .arg(u.follow_up_state.code())
    .arg(u.follow_up_done_at)
    .arg(u.acknowledged_at)
    .arg(u.replied_at)
    .arg(u.closed_at)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub project_id: Option<i64>,
    pub category: Option<Category>,
    pub status: Option<ReceptionStatus>,
    /// Received at or after.
    pub from: Option<DateTime<Utc>>,
    /// Received before.
    pub to: Option<DateTime<Utc>>,
    /// Roles that may not see personal data see only the records they took (ORG-6).
    pub taken_by: Option<i64>,
    /// Number, contact name, phone or content.
    pub q: Option<String>,
}

fn filter(sql: Sql, actor: &Actor, f: &Filter) -> Sql {
    let mut sql = sql.push(" WHERE r.project_id IN ").bind_list(&actor.projects);
    if let Some(p) = f.project_id {
        sql = sql.push(" AND r.project_id = ").bind(p);
    }
    if let Some(c) = f.category {
        sql = sql.push(" AND r.category = ").bind(c.code());
    }
    if let Some(s) = f.status {
        sql = sql.push(" AND r.status = ").bind(s.code());
    }
    if let Some(t) = f.from {
        sql = sql.push(" AND r.received_at >= ").bind(t);
    }
    if let Some(t) = f.to {
        sql = sql.push(" AND r.received_at < ").bind(t);
    }
    if let Some(s) = f.taken_by {
        sql = sql.push(" AND r.taken_by = ").bind(s);
    }
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pat = like_contains(q);
        sql = sql
            .push(" AND (r.number LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR r.contact_name LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR r.contact_phone LIKE ")
            .bind(pat.clone())
            .push(" ESCAPE '\\' OR r.content LIKE ")
            .bind(pat)
            .push(" ESCAPE '\\')");
    }
    sql
}

/// Newest first, or oldest first (`oldest_first`) for lists of what is still open.
pub async fn list(c: &mut impl AsEx, actor: &Actor, f: &Filter, page: Page, oldest_first: bool) -> Result<Paged<ReceptionRow>> {
    let total = c.ex().scalar(filter(Sql::new("SELECT COUNT(*) FROM reception_records r"), actor, f)).await?;
    let order = if oldest_first { " ORDER BY r.received_at, r.id LIMIT " } else { " ORDER BY r.received_at DESC, r.id DESC LIMIT " };
    let sql = filter(Sql::new(SELECT), actor, f).push(order).bind(page.size).push(" OFFSET ").bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// Staff assigned to a project (for the handover and for verifying a praise), active only.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct StaffRef {
    pub id: i64,
    pub display_name: String,
    pub role: String,
}

pub async fn project_staff(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Vec<StaffRef>> {
    if !actor.sees_project(project_id) {
        return Ok(Vec::new());
    }
    let sql = Sql::new(
        "SELECT s.id, s.display_name, s.role FROM staff s JOIN staff_projects sp ON sp.staff_id = s.id
         WHERE sp.project_id = $1 AND s.company_id = $2 AND s.active = $3 ORDER BY s.display_name, s.id",
    )
    .arg(project_id)
    .arg(actor.company_id)
    .arg(true);
    c.ex().fetch_all(sql).await
}

// ---------- shifts (RCP-6) ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Shift {
    pub id: i64,
    pub project_id: i64,
    pub staff_id: i64,
    pub staff_name: String,
    #[sqlx(try_from = "String")]
    pub status: ShiftStatus,
    pub started_at: DateTime<Utc>,
    pub prev_shift_id: Option<i64>,
    pub handed_to: Option<i64>,
    pub handed_to_name: Option<String>,
    pub handover_note: String,
    pub ended_at: Option<DateTime<Utc>>,
    /// The shift that took this one over, once someone has.
    pub taken_over_by: Option<i64>,
    pub version: i64,
}

const SHIFT_SELECT: &str = "SELECT sh.id, sh.project_id, sh.staff_id, s.display_name AS staff_name, sh.status, sh.started_at, sh.prev_shift_id,
    sh.handed_to, t.display_name AS handed_to_name, sh.handover_note, sh.ended_at,
    (SELECT n.id FROM shifts n WHERE n.prev_shift_id = sh.id) AS taken_over_by, sh.version
    FROM shifts sh JOIN staff s ON s.id = sh.staff_id LEFT JOIN staff t ON t.id = sh.handed_to";

pub async fn shift(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<Shift>> {
    let sql = Sql::new(SHIFT_SELECT).push(" WHERE sh.id = ").bind(id).push(" AND sh.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// The actor's shift on duty at a project, if any.
pub async fn on_duty(c: &mut impl AsEx, staff_id: i64, project_id: i64) -> Result<Option<Shift>> {
    let sql =
        Sql::new(SHIFT_SELECT).push(" WHERE sh.staff_id = ").bind(staff_id).push(" AND sh.project_id = ").bind(project_id).push(" AND sh.status = 'on_duty'");
    c.ex().fetch_optional(sql).await
}

/// The recent shifts of a project, newest first.
pub async fn recent_shifts(c: &mut impl AsEx, actor: &Actor, project_id: i64, limit: i64) -> Result<Vec<Shift>> {
    let sql = Sql::new(SHIFT_SELECT)
        .push(" WHERE sh.project_id = ")
        .bind(project_id)
        .push(" AND sh.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY sh.started_at DESC, sh.id DESC LIMIT ")
        .bind(limit);
    c.ex().fetch_all(sql).await
}

/// Handovers of a project that nobody has taken over yet, oldest first.
pub async fn pending_handovers(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> Result<Vec<Shift>> {
    let sql = Sql::new(SHIFT_SELECT)
        .push(" WHERE sh.project_id = ")
        .bind(project_id)
        .push(" AND sh.project_id IN ")
        .bind_list(&actor.projects)
        .push(" AND sh.status = 'handed_over' AND NOT EXISTS (SELECT 1 FROM shifts n WHERE n.prev_shift_id = sh.id) ORDER BY sh.ended_at, sh.id");
    c.ex().fetch_all(sql).await
}

pub async fn insert_shift(c: &mut impl AsEx, project_id: i64, staff_id: i64, prev_shift_id: Option<i64>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO shifts (project_id, staff_id, status, started_at, prev_shift_id) VALUES ($1, $2, 'on_duty', $3, $4)")
        .arg(project_id)
        .arg(staff_id)
        .arg(now)
        .arg(prev_shift_id);
    c.ex().insert(sql).await
}

pub async fn hand_over(c: &mut impl AsEx, id: i64, version: i64, to: i64, note: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE shifts SET status = 'handed_over', handed_to = $1, handover_note = $2, ended_at = $3, version = version + 1
         WHERE id = $4 AND version = $5 AND status = 'on_duty'",
    )
    .arg(to)
    .arg(note)
    .arg(now)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct ShiftEntry {
    pub id: i64,
    pub shift_id: i64,
    pub at: DateTime<Utc>,
    pub text: String,
}

pub async fn insert_entry(c: &mut impl AsEx, shift_id: i64, text: &str, now: DateTime<Utc>) -> Result<i64> {
    c.ex().insert(Sql::new("INSERT INTO shift_entries (shift_id, at, text) VALUES ($1, $2, $3)").arg(shift_id).arg(now).arg(text)).await
}

pub async fn entries(c: &mut impl AsEx, shift_id: i64) -> Result<Vec<ShiftEntry>> {
    c.ex().fetch_all(Sql::new("SELECT id, shift_id, at, text FROM shift_entries WHERE shift_id = $1 ORDER BY at, id").arg(shift_id)).await
}

pub async fn carry(c: &mut impl AsEx, shift_id: i64, reception_id: i64) -> Result<u64> {
    c.ex().execute(Sql::new("INSERT INTO shift_carried (shift_id, reception_id) VALUES ($1, $2)").arg(shift_id).arg(reception_id)).await
}

/// The records a handover carried, as they are now.
pub async fn carried(c: &mut impl AsEx, actor: &Actor, shift_id: i64) -> Result<Vec<ReceptionRow>> {
    let sql = Sql::new(SELECT)
        .push(" WHERE r.id IN (SELECT reception_id FROM shift_carried WHERE shift_id = ")
        .bind(shift_id)
        .push(") AND r.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY r.received_at, r.id");
    c.ex().fetch_all(sql).await
}

/// The ids of every open record of a project (what a handover carries).
pub async fn open_ids(c: &mut impl AsEx, project_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c
        .ex()
        .fetch_all(Sql::new("SELECT id FROM reception_records WHERE project_id = $1 AND status = 'open' ORDER BY received_at, id").arg(project_id))
        .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// ---------- lost and found (FD-3) ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct LostItem {
    pub id: i64,
    pub project_id: i64,
    pub number: String,
    pub reception_id: Option<i64>,
    pub reception_number: Option<String>,
    pub item: String,
    pub found_where: String,
    pub found_at: DateTime<Utc>,
    pub kept_where: String,
    pub reported_by: String,
    pub registered_by_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: LostStatus,
    pub claimed_by: Option<String>,
    pub claimed_phone: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub version: i64,
}

const LOST_SELECT: &str = "SELECT l.id, l.project_id, l.number, l.reception_id, r.number AS reception_number, l.item, l.found_where, l.found_at,
    l.kept_where, l.reported_by, s.display_name AS registered_by_name, l.status, l.claimed_by, l.claimed_phone, l.claimed_at, l.version
    FROM lost_found l LEFT JOIN reception_records r ON r.id = l.reception_id LEFT JOIN staff s ON s.id = l.registered_by";

pub struct NewLostItem<'a> {
    pub project_id: i64,
    pub number: &'a str,
    pub reception_id: Option<i64>,
    pub item: &'a str,
    pub found_where: &'a str,
    pub found_at: DateTime<Utc>,
    pub kept_where: &'a str,
    pub reported_by: &'a str,
    pub registered_by: Option<i64>,
}

pub async fn insert_lost(c: &mut impl AsEx, n: &NewLostItem<'_>, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO lost_found (project_id, number, reception_id, item, found_where, found_at, kept_where, reported_by, registered_by, status, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'kept', $10)",
    )
    .arg(n.project_id)
    .arg(n.number)
    .arg(n.reception_id)
    .arg(n.item)
    .arg(n.found_where)
    .arg(n.found_at)
    .arg(n.kept_where)
    .arg(n.reported_by)
    .arg(n.registered_by)
    .arg(now);
    c.ex().insert(sql).await
}

pub async fn lost_item(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<LostItem>> {
    let sql = Sql::new(LOST_SELECT).push(" WHERE l.id = ").bind(id).push(" AND l.project_id IN ").bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

pub async fn claim(c: &mut impl AsEx, id: i64, version: i64, by: &str, phone: &str, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE lost_found SET status = 'claimed', claimed_by = $1, claimed_phone = $2, claimed_at = $3, version = version + 1
         WHERE id = $4 AND version = $5 AND status = 'kept'",
    )
    .arg(by)
    .arg(phone)
    .arg(now)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// A project's register: items still kept first (oldest first), then claimed ones, newest first.
pub async fn lost_items(c: &mut impl AsEx, actor: &Actor, project_id: Option<i64>, status: Option<LostStatus>, page: Page) -> Result<Paged<LostItem>> {
    let f = |sql: Sql| {
        let mut sql = sql.push(" WHERE l.project_id IN ").bind_list(&actor.projects);
        if let Some(p) = project_id {
            sql = sql.push(" AND l.project_id = ").bind(p);
        }
        if let Some(s) = status {
            sql = sql.push(" AND l.status = ").bind(s.code());
        }
        sql
    };
    let total = c.ex().scalar(f(Sql::new("SELECT COUNT(*) FROM lost_found l"))).await?;
    let sql = f(Sql::new(LOST_SELECT))
        .push(" ORDER BY CASE WHEN l.status = 'kept' THEN 0 ELSE 1 END, CASE WHEN l.status = 'kept' THEN l.found_at END, l.found_at DESC, l.id DESC LIMIT ")
        .bind(page.size)
        .push(" OFFSET ")
        .bind(page.offset());
    let items = c.ex().fetch_all(sql).await?;
    Ok(Paged { items, total, page })
}

/// Lost items registered from one reception record.
pub async fn lost_of_record(c: &mut impl AsEx, reception_id: i64) -> Result<Vec<LostItem>> {
    c.ex().fetch_all(Sql::new(LOST_SELECT).push(" WHERE l.reception_id = ").bind(reception_id).push(" ORDER BY l.id")).await
}
