//! Staff accounts, departments, project assignments, sessions, API tokens, login throttling.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Role;

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct Department {
    pub id: i64,
    pub company_id: i64,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Staff {
    pub id: i64,
    pub company_id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub phone: String,
    pub active: bool,
    /// Heads the department (部门负责人): receives its dispatches and online complaints.
    pub department_head: bool,
    pub version: i64,
}

const STAFF_SELECT: &str = "SELECT s.id, s.company_id, s.username, s.display_name, s.password_hash, s.department_id, d.name AS department_name,
    s.role, s.phone, s.active, s.department_head, s.version FROM staff s LEFT JOIN departments d ON d.id = s.department_id";

pub async fn departments(c: &mut impl AsEx, company_id: i64) -> Result<Vec<Department>> {
    c.ex().fetch_all(Sql::new("SELECT id, company_id, code, name FROM departments WHERE company_id = $1 ORDER BY code").arg(company_id)).await
}

pub async fn insert_department(c: &mut impl AsEx, company_id: i64, code: &str, name: &str) -> Result<i64> {
    c.ex().insert(Sql::new("INSERT INTO departments (company_id, code, name) VALUES ($1, $2, $3)").arg(company_id).arg(code).arg(name)).await
}

pub async fn department(c: &mut impl AsEx, company_id: i64, id: i64) -> Result<Option<Department>> {
    c.ex().fetch_optional(Sql::new("SELECT id, company_id, code, name FROM departments WHERE id = $1 AND company_id = $2").arg(id).arg(company_id)).await
}

pub async fn by_username(c: &mut impl AsEx, username: &str) -> Result<Option<Staff>> {
    c.ex().fetch_optional(Sql::new(STAFF_SELECT).push(" WHERE s.username = ").bind(username)).await
}

pub async fn by_id(c: &mut impl AsEx, company_id: i64, id: i64) -> Result<Option<Staff>> {
    c.ex().fetch_optional(Sql::new(STAFF_SELECT).push(" WHERE s.id = ").bind(id).push(" AND s.company_id = ").bind(company_id)).await
}

/// A staff member by id alone, for the login session and token checks (the company is not known yet).
pub async fn by_id_any(c: &mut impl AsEx, id: i64) -> Result<Option<Staff>> {
    c.ex().fetch_optional(Sql::new(STAFF_SELECT).push(" WHERE s.id = ").bind(id)).await
}

/// The staff member holding an unexpired API token, in one query (it runs on every API call).
pub async fn by_token(c: &mut impl AsEx, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Staff>> {
    let sql =
        Sql::new(STAFF_SELECT).push(" JOIN api_tokens t ON t.staff_id = s.id WHERE t.token_hash = ").bind(token_hash).push(" AND t.expires_at > ").bind(now);
    c.ex().fetch_optional(sql).await
}

pub async fn list(c: &mut impl AsEx, company_id: i64) -> Result<Vec<Staff>> {
    c.ex().fetch_all(Sql::new(STAFF_SELECT).push(" WHERE s.company_id = ").bind(company_id).push(" ORDER BY s.active DESC, d.code, s.username")).await
}

pub struct StaffData<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub department_id: Option<i64>,
    pub role: Role,
    pub phone: &'a str,
    pub active: bool,
}

pub async fn insert(c: &mut impl AsEx, company_id: i64, s: &StaffData<'_>, password_hash: &str, now: DateTime<Utc>) -> Result<i64> {
    let sql = Sql::new("INSERT INTO staff (company_id, username, display_name, password_hash, department_id, role, phone, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .arg(company_id)
        .arg(s.username)
        .arg(s.display_name)
        .arg(password_hash)
        .arg(s.department_id)
        .arg(s.role.code())
        .arg(s.phone)
        .arg(s.active)
        .arg(now);
    c.ex().insert(sql).await
}

pub async fn update(c: &mut impl AsEx, id: i64, version: i64, s: &StaffData<'_>) -> Result<bool> {
    let sql = Sql::new(
        "UPDATE staff SET display_name = $1, department_id = $2, role = $3, phone = $4, active = $5, version = version + 1 WHERE id = $6 AND version = $7",
    )
    .arg(s.display_name)
    .arg(s.department_id)
    .arg(s.role.code())
    .arg(s.phone)
    .arg(s.active)
    .arg(id)
    .arg(version);
    Ok(c.ex().execute(sql).await? == 1)
}

/// Marks (or unmarks) a staff member as a head of their department.
pub async fn set_department_head(c: &mut impl AsEx, id: i64, head: bool) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE staff SET department_head = $1 WHERE id = $2").arg(head).arg(id)).await
}

pub async fn set_password(c: &mut impl AsEx, id: i64, hash: &str) -> Result<u64> {
    c.ex().execute(Sql::new("UPDATE staff SET password_hash = $1, version = version + 1 WHERE id = $2").arg(hash).arg(id)).await
}

pub async fn project_ids(c: &mut impl AsEx, staff_id: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64,)> = c.ex().fetch_all(Sql::new("SELECT project_id FROM staff_projects WHERE staff_id = $1 ORDER BY project_id").arg(staff_id)).await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn set_projects(c: &mut impl AsEx, staff_id: i64, projects: &[i64]) -> Result<()> {
    c.ex().execute(Sql::new("DELETE FROM staff_projects WHERE staff_id = $1").arg(staff_id)).await?;
    for p in projects {
        c.ex().execute(Sql::new("INSERT INTO staff_projects (staff_id, project_id) VALUES ($1, $2)").arg(staff_id).arg(*p)).await?;
    }
    Ok(())
}

// ---------- sessions and tokens (only hashes of the secrets are stored) ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct SessionRow {
    pub staff_id: i64,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_session(c: &mut impl AsEx, id_hash: &str, staff_id: i64, csrf: &str, now: DateTime<Utc>, expires: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("INSERT INTO sessions (id_hash, staff_id, csrf, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .arg(id_hash)
        .arg(staff_id)
        .arg(csrf)
        .arg(now)
        .arg(expires);
    c.ex().execute(sql).await
}

pub async fn session(c: &mut impl AsEx, id_hash: &str, now: DateTime<Utc>) -> Result<Option<SessionRow>> {
    c.ex().fetch_optional(Sql::new("SELECT staff_id, csrf, expires_at FROM sessions WHERE id_hash = $1 AND expires_at > $2").arg(id_hash).arg(now)).await
}

pub async fn delete_session(c: &mut impl AsEx, id_hash: &str) -> Result<u64> {
    c.ex().execute(Sql::new("DELETE FROM sessions WHERE id_hash = $1").arg(id_hash)).await
}

pub async fn delete_sessions_of(c: &mut impl AsEx, staff_id: i64) -> Result<u64> {
    c.ex().execute(Sql::new("DELETE FROM sessions WHERE staff_id = $1").arg(staff_id)).await?;
    c.ex().execute(Sql::new("DELETE FROM api_tokens WHERE staff_id = $1").arg(staff_id)).await
}

pub async fn insert_token(c: &mut impl AsEx, token_hash: &str, staff_id: i64, now: DateTime<Utc>, expires: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("INSERT INTO api_tokens (token_hash, staff_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .arg(token_hash)
        .arg(staff_id)
        .arg(now)
        .arg(expires);
    c.ex().execute(sql).await
}

pub async fn purge_expired(c: &mut impl AsEx, now: DateTime<Utc>) -> Result<u64> {
    let a = c.ex().execute(Sql::new("DELETE FROM sessions WHERE expires_at <= $1").arg(now)).await?;
    let b = c.ex().execute(Sql::new("DELETE FROM api_tokens WHERE expires_at <= $1").arg(now)).await?;
    Ok(a + b)
}

// ---------- login throttling, shared by all nodes through the database ----------

#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Failures {
    pub failures: i64,
    pub first_at: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

pub async fn failures(c: &mut impl AsEx, key: &str) -> Result<Option<Failures>> {
    c.ex().fetch_optional(Sql::new("SELECT failures, first_at, locked_until FROM login_failures WHERE key = $1").arg(key)).await
}

pub async fn put_failures(c: &mut impl AsEx, key: &str, f: &Failures) -> Result<u64> {
    let sql = Sql::new(
        "INSERT INTO login_failures (key, failures, first_at, locked_until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at, locked_until = excluded.locked_until",
    )
    .arg(key)
    .arg(f.failures)
    .arg(f.first_at)
    .arg(f.locked_until);
    c.ex().execute(sql).await
}

pub async fn clear_failures(c: &mut impl AsEx, key: &str) -> Result<u64> {
    c.ex().execute(Sql::new("DELETE FROM login_failures WHERE key = $1").arg(key)).await
}
