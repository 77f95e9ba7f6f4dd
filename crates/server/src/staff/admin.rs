//! ORG-6: staff accounts, departments, project assignments; SEC-1: the audit log.

use super::{Errs, Pager, render, render_invalid, saved};
use crate::auth::{Ctx, FormData, StaffForm};
use crate::error::{AppError, AppResult};
use crate::ops::staff::{self as ops, StaffInput};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use propdesk_domain::access::{Permission, Role};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Page;
use propdesk_store::models::event::{self, Event};
use propdesk_store::models::org::{self, Project};
use propdesk_store::models::staff::{self, Department, Staff};
use std::collections::HashMap;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(staff_list).post(create_staff))
        .route("/admin/staff/new", get(new_staff))
        .route("/admin/staff/{id}", get(edit_staff).post(update_staff))
        .route("/admin/staff/{id}/password", post(reset_password))
        .route("/admin/departments", get(departments).post(create_department))
        .route("/audit", get(audit))
}

// ---------- staff ----------

/// A staff member with the names of their projects, for the list.
struct StaffRow {
    s: Staff,
    projects: String,
}

#[derive(Template)]
#[template(path = "staff/admin_staff.html")]
struct StaffListPage {
    ctx: Ctx,
    rows: Vec<StaffRow>,
}

pub async fn staff_list(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    let mut c = state.db.read().await?;
    let names: HashMap<i64, String> = org::company_projects(&mut c, ctx.actor.company_id).await?.into_iter().map(|p| (p.id, p.name)).collect();
    let mut rows = Vec::new();
    for s in staff::list(&mut c, ctx.actor.company_id).await? {
        let projects: Vec<&str> = staff::project_ids(&mut c, s.id).await?.iter().filter_map(|id| names.get(id).map(String::as_str)).collect();
        rows.push(StaffRow { projects: projects.join("、"), s });
    }
    Ok(render(&StaffListPage { ctx, rows }))
}

#[derive(Template)]
#[template(path = "staff/admin_staff_form.html")]
struct StaffFormPage {
    ctx: Ctx,
    /// None for a new account.
    staff: Option<Staff>,
    departments: Vec<Department>,
    roles: &'static [Role],
    /// Every project of the company, to assign.
    projects: Vec<Project>,
    v: FormData,
    errs: Errs,
    history: Vec<Event>,
}

impl StaffFormPage {
    fn has_project(&self, id: &i64) -> bool {
        let id = id.to_string();
        self.v.all("projects").contains(&id.as_str())
    }
    fn is_department(&self, id: &i64) -> bool {
        self.v.get("department_id") == id.to_string()
    }
}

fn staff_values(s: &Staff, projects: &[i64]) -> FormData {
    let mut v = vec![
        ("display_name".to_string(), s.display_name.clone()),
        ("department_id".to_string(), s.department_id.map(|d| d.to_string()).unwrap_or_default()),
        ("role".to_string(), s.role.code().to_string()),
        ("phone".to_string(), s.phone.clone()),
        ("active".to_string(), if s.active { "1".into() } else { String::new() }),
        ("department_head".to_string(), if s.department_head { "1".into() } else { String::new() }),
        ("version".to_string(), s.version.to_string()),
    ];
    v.extend(projects.iter().map(|p| ("projects".to_string(), p.to_string())));
    FormData(v)
}

fn staff_input(f: &FormData) -> StaffInput {
    StaffInput {
        username: f.get("username").into(),
        display_name: f.get("display_name").into(),
        department_id: f.get("department_id").into(),
        role: f.get("role").into(),
        phone: f.get("phone").into(),
        active: f.has("active"),
        department_head: f.has("department_head"),
        projects: f.all("projects").iter().filter_map(|p| p.trim().parse().ok()).collect(),
        password: f.get("password").into(),
    }
}

/// The form page; `id` None for a new account. The values shown are `v` (never a password).
async fn staff_form(state: &AppState, ctx: Ctx, id: Option<i64>, v: Option<FormData>, errs: FieldErrors) -> AppResult<StaffFormPage> {
    let mut c = state.db.read().await?;
    let company = ctx.actor.company_id;
    let (staff, history, v) = match id {
        Some(id) => {
            let s = staff::by_id(&mut c, company, id).await?.ok_or(AppError::NotFound)?;
            let history = event::for_entity(&mut c, "staff", id).await?;
            let v = match v {
                Some(v) => v,
                None => staff_values(&s, &staff::project_ids(&mut c, id).await?),
            };
            (Some(s), history, v)
        }
        None => (None, Vec::new(), v.unwrap_or_else(|| FormData(vec![("role".into(), Role::Receptionist.code().into())]))),
    };
    let departments = staff::departments(&mut c, company).await?;
    let projects = org::company_projects(&mut c, company).await?;
    let mut v = v;
    // Passwords are never sent back to the browser.
    v.0.retain(|(k, _)| k != "password" && k != "password_confirm");
    Ok(StaffFormPage { errs: Errs::new(errs, ctx.lang), ctx, staff, departments, roles: Role::ALL, projects, v, history })
}

pub async fn new_staff(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    Ok(render(&staff_form(&state, ctx, None, None, FieldErrors::new()).await?))
}

pub async fn create_staff(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    match ops::create_staff(&state.db, &ctx.actor, &staff_input(&form)).await {
        Ok(id) => Ok(saved(&format!("/admin/staff/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&staff_form(&state, ctx, None, Some(form), e).await?)),
        Err(e) => Err(e),
    }
}

pub async fn edit_staff(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    Ok(render(&staff_form(&state, ctx, Some(id), None, FieldErrors::new()).await?))
}

/// Saves role, department, projects and the active flag; a stale `version` is a 409.
pub async fn update_staff(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    let version = form.get("version").trim().parse().unwrap_or(0);
    match ops::update_staff(&state.db, &ctx.actor, id, version, &staff_input(&form)).await {
        Ok(()) => Ok(saved(&format!("/admin/staff/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&staff_form(&state, ctx, Some(id), Some(form), e).await?)),
        Err(e) => Err(e),
    }
}

/// Sets a new password (typed twice); the person's sessions and tokens end.
pub async fn reset_password(State(state): State<AppState>, Path(id): Path<i64>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    let result = if form.get("password") != form.get("password_confirm") {
        Err(AppError::Invalid(FieldErrors::single("password_confirm", Reason::Invalid("两次输入的密码不一致", "the two passwords differ"))))
    } else {
        ops::reset_password(&state.db, &ctx.actor, id, form.get("password")).await
    };
    match result {
        Ok(()) => Ok(saved(&format!("/admin/staff/{id}"))),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&staff_form(&state, ctx, Some(id), None, e).await?)),
        Err(e) => Err(e),
    }
}

// ---------- departments ----------

#[derive(Template)]
#[template(path = "staff/admin_departments.html")]
struct DepartmentsPage {
    ctx: Ctx,
    departments: Vec<Department>,
    /// Active staff per department id.
    counts: HashMap<i64, usize>,
    v: FormData,
    errs: Errs,
}

impl DepartmentsPage {
    fn count(&self, id: &i64) -> usize {
        self.counts.get(id).copied().unwrap_or(0)
    }
}

async fn departments_page(state: &AppState, ctx: Ctx, v: FormData, errs: FieldErrors) -> AppResult<DepartmentsPage> {
    let mut c = state.db.read().await?;
    let departments = staff::departments(&mut c, ctx.actor.company_id).await?;
    let mut counts = HashMap::new();
    for s in staff::list(&mut c, ctx.actor.company_id).await?.into_iter().filter(|s| s.active) {
        if let Some(d) = s.department_id {
            *counts.entry(d).or_insert(0) += 1;
        }
    }
    Ok(DepartmentsPage { errs: Errs::new(errs, ctx.lang), ctx, departments, counts, v })
}

pub async fn departments(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    Ok(render(&departments_page(&state, ctx, FormData::default(), FieldErrors::new()).await?))
}

pub async fn create_department(State(state): State<AppState>, StaffForm { ctx, form }: StaffForm) -> AppResult<Response> {
    ctx.require(Permission::ManageStaff)?;
    match ops::create_department(&state.db, &ctx.actor, form.get("code"), form.get("name")).await {
        Ok(_) => Ok(saved("/admin/departments")),
        Err(AppError::Invalid(e)) => Ok(render_invalid(&departments_page(&state, ctx, form, e).await?)),
        Err(e) => Err(e),
    }
}

// ---------- audit log (SEC-1) ----------

/// The kinds of record the log can be filtered by, with their names.
const ENTITIES: &[(&str, &str)] = &[
    ("unit", "房屋"),
    ("party", "客户"),
    ("project", "项目"),
    ("building", "楼栋"),
    ("staff", "员工"),
    ("department", "部门"),
    ("import", "导入"),
    ("calendar", "工作日历"),
    ("notification_channel", "通知渠道"),
];

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditPage {
    ctx: Ctx,
    events: Vec<Event>,
    pager: Pager,
    f_entity: String,
    entities: &'static [(&'static str, &'static str)],
}

impl AuditPage {
    fn is_entity(&self, code: &str) -> bool {
        self.f_entity == code
    }
    fn entity_label(&self, entity: &str) -> &'static str {
        ENTITIES.iter().find(|(code, _)| *code == entity).map(|(_, zh)| self.ctx.t(zh)).unwrap_or("")
    }
    /// Where the record of an event can be opened, when the caller may open it.
    fn link(&self, e: &Event) -> String {
        match e.entity.as_str() {
            "unit" => format!("/units/{}", e.entity_id),
            "party" if self.ctx.can("view_parties") => format!("/parties/{}", e.entity_id),
            "project" => format!("/projects/{}", e.entity_id),
            "building" | "import" => e.project_id.map(|p| format!("/projects/{p}")).unwrap_or_default(),
            "staff" if self.ctx.can("manage_staff") => format!("/admin/staff/{}", e.entity_id),
            "department" if self.ctx.can("manage_staff") => "/admin/departments".to_string(),
            "calendar" => "/calendar".to_string(),
            _ => String::new(),
        }
    }
}

/// `GET /audit?entity=&page=` — who changed what and when, newest first; nothing here can be edited.
pub async fn audit(State(state): State<AppState>, ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    ctx.require(Permission::ViewAudit)?;
    let entity = m.get("entity").map(|e| e.trim()).filter(|e| ENTITIES.iter().any(|(code, _)| code == e)).map(str::to_string);
    let page = Page::new(m.get("page").and_then(|p| p.parse().ok()).unwrap_or(1), 50);
    let mut c = state.db.read().await?;
    let list = event::recent(&mut c, &ctx.actor, entity.as_deref(), page).await?;
    let f_entity = entity.unwrap_or_default();
    let pager = Pager::new(&list, "/audit", &[("entity", f_entity.clone())]);
    Ok(render(&AuditPage { ctx, events: list.items, pager, f_entity, entities: ENTITIES }))
}
