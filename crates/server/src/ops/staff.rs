//! ORG-6: staff accounts, roles, departments and project assignments (admin only).

use crate::auth::hash_password;
use crate::error::{AppError, AppResult};
use crate::ops::de_text;
use chrono::Utc;
use propdesk_domain::access::{Actor, Permission, Role};
use propdesk_domain::values::{self, Phone};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::{org, staff};
use propdesk_store::{Db, Tx, is_unique_violation};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StaffInput {
    #[serde(default, deserialize_with = "de_text")]
    pub username: String,
    #[serde(default, deserialize_with = "de_text")]
    pub display_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub department_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub role: String,
    #[serde(default, deserialize_with = "de_text")]
    pub phone: String,
    #[serde(default)]
    pub active: bool,
    /// Heads the department (部门负责人): receives its dispatches and online complaints.
    #[serde(default)]
    pub department_head: bool,
    #[serde(default)]
    pub projects: Vec<i64>,
    #[serde(default, deserialize_with = "de_text")]
    pub password: String,
}

pub struct ParsedStaff {
    pub username: String,
    pub display_name: String,
    pub department_id: Option<i64>,
    pub role: Role,
    pub phone: String,
}

fn username(s: &str) -> Result<String, Reason> {
    let t = values::text(s, 32)?;
    if t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        Ok(t.to_lowercase())
    } else {
        Err(Reason::Invalid("用户名为 2–32 位英文字母、数字或 . _ -", "must be 2–32 ASCII letters, digits or . _ -"))
    }
}

pub fn password(s: &str) -> Result<String, Reason> {
    if s.chars().count() < 8 {
        return Err(Reason::Invalid("密码至少 8 位", "must be at least 8 characters"));
    }
    if s.chars().count() > 128 {
        return Err(Reason::TooLong(128));
    }
    Ok(s.to_string())
}

impl StaffInput {
    pub fn parse(&self) -> Result<ParsedStaff, FieldErrors> {
        let mut e = FieldErrors::new();
        let u = e.take("username", username(&self.username));
        let d = e.take("display_name", values::text(&self.display_name, 40));
        let dep = e.take("department_id", values::optional(&self.department_id, |s| s.trim().parse::<i64>().map_err(|_| Reason::NotFound)));
        let role = e.take("role", Role::parse(&self.role));
        let phone = e.take("phone", values::optional(&self.phone, Phone::parse));
        if self.department_head && dep.is_some_and(|d| d.is_none()) {
            e.push("department_head", Reason::Invalid("部门负责人须先选择部门", "a department head needs a department"));
        }
        match (u, d, dep, role, phone) {
            (Some(username), Some(display_name), Some(department_id), Some(role), Some(phone)) if e.is_empty() => {
                Ok(ParsedStaff { username, display_name, department_id, role, phone: phone.map(|p| p.into_inner()).unwrap_or_default() })
            }
            _ => Err(e),
        }
    }
}

async fn check_refs(tx: &mut Tx, actor: &Actor, p: &ParsedStaff, projects: &[i64]) -> AppResult<()> {
    if let Some(d) = p.department_id
        && staff::department(tx, actor.company_id, d).await?.is_none()
    {
        return Err(FieldErrors::single("department_id", Reason::NotFound).into());
    }
    let company_projects: Vec<i64> = org::company_projects(tx, actor.company_id).await?.into_iter().map(|p| p.id).collect();
    if projects.iter().any(|p| !company_projects.contains(p)) {
        return Err(FieldErrors::single("projects", Reason::NotFound).into());
    }
    Ok(())
}

/// Creates a staff account; returns its id. The caller supplies the password (CLI, form).
pub async fn create_staff(db: &Db, actor: &Actor, input: &StaffInput) -> AppResult<i64> {
    if !actor.can(Permission::ManageStaff) {
        return Err(AppError::Forbidden);
    }
    let mut errs = FieldErrors::new();
    let parsed = input.parse().map_err(|e| errs.0.extend(e.0));
    let pw = errs.take("password", password(&input.password));
    let (Ok(p), Some(pw)) = (parsed, pw) else { return Err(errs.into()) };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let hash = hash_password(&pw)?;
    let mut tx = db.begin().await?;
    check_refs(&mut tx, actor, &p, &input.projects).await?;
    let data =
        staff::StaffData { username: &p.username, display_name: &p.display_name, department_id: p.department_id, role: p.role, phone: &p.phone, active: true };
    let id = match staff::insert(&mut tx, actor.company_id, &data, &hash, Utc::now()).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("username", Reason::Duplicate).into()),
        r => r?,
    };
    staff::set_projects(&mut tx, id, &input.projects).await?;
    if input.department_head {
        staff::set_department_head(&mut tx, id, true).await?;
    }
    event::append(
        &mut tx,
        actor,
        Utc::now(),
        NewEvent {
            project_id: None,
            entity: "staff",
            entity_id: id,
            action: "created",
            payload: json!({"username": p.username, "role": p.role.code(), "department_id": p.department_id, "department_head": input.department_head, "projects": input.projects}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Changes role, department, projects and active flag. Deactivating ends the person's sessions.
pub async fn update_staff(db: &Db, actor: &Actor, id: i64, version: i64, input: &StaffInput) -> AppResult<()> {
    if !actor.can(Permission::ManageStaff) {
        return Err(AppError::Forbidden);
    }
    let mut tx = db.begin().await?;
    let before = staff::by_id(&mut tx, actor.company_id, id).await?.ok_or(AppError::NotFound)?;
    let mut input = input.clone();
    input.username = before.username.clone();
    let p = input.parse()?;
    if id == actor.staff_id && (!input.active || p.role != Role::Admin) {
        return Err(FieldErrors::single(
            "role",
            Reason::Invalid("不能停用自己或取消自己的管理员角色", "you cannot deactivate yourself or drop your own admin role"),
        )
        .into());
    }
    check_refs(&mut tx, actor, &p, &input.projects).await?;
    let data = staff::StaffData {
        username: &p.username,
        display_name: &p.display_name,
        department_id: p.department_id,
        role: p.role,
        phone: &p.phone,
        active: input.active,
    };
    if !staff::update(&mut tx, id, version, &data).await? {
        return Err(AppError::Conflict("员工资料已被他人修改，请刷新后重试".into()));
    }
    let before_projects = staff::project_ids(&mut tx, id).await?;
    staff::set_projects(&mut tx, id, &input.projects).await?;
    staff::set_department_head(&mut tx, id, input.department_head).await?;
    // Role and projects are read on every request, so changes apply at once; a deactivated
    // account must not keep a session or token at all.
    if !input.active {
        staff::delete_sessions_of(&mut tx, id).await?;
    }
    event::append(
        &mut tx,
        actor,
        Utc::now(),
        NewEvent {
            project_id: None,
            entity: "staff",
            entity_id: id,
            action: "updated",
            payload: json!({"before": {"role": before.role.code(), "active": before.active, "projects": before_projects, "department_head": before.department_head},
                        "after": {"role": p.role.code(), "active": input.active, "projects": input.projects, "department_id": p.department_id,
                                  "department_head": input.department_head}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_password(db: &Db, actor: &Actor, id: i64, new_password: &str) -> AppResult<()> {
    if !actor.can(Permission::ManageStaff) && actor.staff_id != id {
        return Err(AppError::Forbidden);
    }
    let pw = password(new_password).map_err(|r| FieldErrors::single("password", r))?;
    let hash = hash_password(&pw)?;
    let mut tx = db.begin().await?;
    staff::by_id(&mut tx, actor.company_id, id).await?.ok_or(AppError::NotFound)?;
    staff::set_password(&mut tx, id, &hash).await?;
    staff::delete_sessions_of(&mut tx, id).await?;
    // The password itself is never logged.
    event::append(&mut tx, actor, Utc::now(), NewEvent { project_id: None, entity: "staff", entity_id: id, action: "password_reset", payload: json!({}) })
        .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn create_department(db: &Db, actor: &Actor, code: &str, name: &str) -> AppResult<i64> {
    if !actor.can(Permission::ManageStaff) {
        return Err(AppError::Forbidden);
    }
    let mut e = FieldErrors::new();
    let code = e.take("code", values::code(code, 16));
    let name = e.take("name", values::text(name, 40));
    let (Some(code), Some(name)) = (code, name) else { return Err(e.into()) };
    let mut tx = db.begin().await?;
    let id = match staff::insert_department(&mut tx, actor.company_id, &code, &name).await {
        Err(e) if is_unique_violation(&e) => return Err(FieldErrors::single("code", Reason::Duplicate).into()),
        r => r?,
    };
    event::append(
        &mut tx,
        actor,
        Utc::now(),
        NewEvent { project_id: None, entity: "department", entity_id: id, action: "created", payload: json!({"code": code, "name": name}) },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
