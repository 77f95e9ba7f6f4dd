//! Staff HTML pages. Handlers parse, call `ops`, and render; they never decide workflow rules.

pub mod admin;
pub mod arrears;
pub mod attachments;
pub mod board;
pub mod calendar;
pub mod callbacks;
pub mod channels;
pub mod claims;
pub mod complaints;
pub mod contractor_accounts;
pub mod contractors;
pub mod fee_reports;
pub mod fees;
pub mod home;
pub mod import;
pub mod meters;
pub mod notifications;
pub mod org;
pub mod paid_repairs;
pub mod parking;
pub mod payments;
pub mod reception;
pub mod registers;
pub mod repair_cases;
pub mod repair_reports;
pub mod reports;
pub mod return_slips;
pub mod scripts;
pub mod session;
pub mod work_orders;

use crate::auth::{Ctx, FormData};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Actor;
use propdesk_store::models::complaint::unit_labels;
use propdesk_store::{AsEx, Paged};
use std::collections::HashMap;

pub use crate::ops::TZ;

/// A page's query string as name → value.
pub type Q = Query<HashMap<String, String>>;

/// A query parameter, empty when absent.
pub fn q<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

/// The Chinese or the English of a fixed text.
pub fn tr(en: bool, zh: &'static str, english: &'static str) -> &'static str {
    if en { english } else { zh }
}

/// The list's project: the URL's when given (and allowed), else the switcher's.
pub fn list_project(ctx: &Ctx, m: &HashMap<String, String>) -> Option<i64> {
    match m.get("project_id") {
        Some(v) => opt_id(v).filter(|id| ctx.actor.sees_project(*id)),
        None => ctx.project_id,
    }
}

/// Where an intake form starts, from its URL: the project (the URL's when allowed, else the
/// switcher's, else the caller's first) and — when `unit_id` names a unit the caller sees — that
/// unit's id and label (both empty otherwise).
pub async fn intake_start(state: &AppState, ctx: &Ctx, m: &HashMap<String, String>) -> AppResult<(i64, String, String)> {
    let project = list_project(ctx, m).or_else(|| ctx.projects.first().map(|p| p.id)).unwrap_or(0);
    if let Some(u) = opt_id(q(m, "unit_id")) {
        let mut c = state.db.read().await?;
        if let Some((id, label)) = unit_labels(&mut c, &ctx.actor, &[u]).await?.into_iter().next() {
            return Ok((project, id.to_string(), label));
        }
    }
    Ok((project, String::new(), String::new()))
}

/// The label of a record's unit, empty when it has none (or one the caller cannot see).
pub async fn unit_label(c: &mut impl AsEx, actor: &Actor, unit_id: Option<i64>) -> AppResult<String> {
    Ok(match unit_id {
        Some(u) => unit_labels(c, actor, &[u]).await?.into_iter().next().map(|x| x.1).unwrap_or_default(),
        None => String::new(),
    })
}

/// Renders a template into a response; a template error is an internal error.
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => crate::error::AppError::Internal(anyhow::anyhow!("template: {e}")).into_response(),
    }
}

/// Renders a form page again with its errors, as 422 so clients and tests see the refusal.
pub fn render_invalid<T: Template>(t: &T) -> Response {
    let mut r = render(t);
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    r
}

/// Post/redirect/get: back to a page with the "saved" notice.
pub fn saved(to: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{to}{sep}saved=1")).into_response()
}

/// Field errors shown next to their fields in the page's language.
#[derive(Debug, Clone, Default)]
pub struct Errs {
    pub errs: FieldErrors,
    pub lang: Lang,
}

impl Errs {
    pub fn new(errs: FieldErrors, lang: Lang) -> Errs {
        Errs { errs, lang }
    }
    pub fn msg(&self, field: &str) -> String {
        self.errs.get(field).map(|r| if self.lang.is_en() { r.en() } else { r.zh() }).unwrap_or_default()
    }
    pub fn has(&self, field: &str) -> bool {
        self.errs.get(field).is_some()
    }
    pub fn cls(&self, field: &str) -> &'static str {
        if self.has(field) { "field-error" } else { "" }
    }
    pub fn any(&self) -> bool {
        !self.errs.is_empty()
    }
}

/// Previous/next links that keep the list's filters in the URL.
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// More match than `total`: a text search's count stops there (shown as "1000+").
    pub more: bool,
    pub prev: String,
    pub next: String,
}

impl Pager {
    pub fn new<T>(p: &Paged<T>, base: &str, query: &[(&str, String)]) -> Pager {
        Pager::counted(p, false, base, query)
    }

    /// A pager whose count may have stopped early (`more`): the next page is offered as long
    /// as more match.
    pub fn counted<T>(p: &Paged<T>, more: bool, base: &str, query: &[(&str, String)]) -> Pager {
        let url = |n: i64| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query {
                if !v.is_empty() {
                    s.append_pair(k, v);
                }
            }
            s.append_pair("page", &n.to_string());
            format!("{base}?{}", s.finish())
        };
        let pages = p.pages();
        Pager {
            page: p.page.number,
            pages,
            total: p.total,
            more,
            prev: if p.page.number > 1 { url(p.page.number - 1) } else { String::new() },
            next: if p.page.number < pages || (more && p.items.len() as i64 == p.page.size) { url(p.page.number + 1) } else { String::new() },
        }
    }
}

/// A query string of the list's filters, for export links.
pub fn query_string(query: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        if !v.is_empty() {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

/// An Excel download.
pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> Response {
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes()).collect();
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

/// Parses an optional id from a query or form value ("" → None, garbage → None).
pub fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// Keeps what was typed when a form is shown again.
pub fn values(form: &FormData) -> FormData {
    form.clone()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/lang/{code}", get(session::set_lang))
        .route("/switch-project", get(session::switch_project))
        .route("/", get(home::home))
        .route("/search", get(org::search))
        .route("/lookup/parties", get(org::lookup_parties))
        .route("/lookup/units", get(org::lookup_units))
        .route("/projects", get(org::projects).post(org::create_project))
        .route("/projects/{id}", get(org::project))
        .route("/projects/{id}/buildings", post(org::create_building))
        .route("/units", get(org::units).post(org::create_unit))
        .route("/units/new", get(org::new_unit))
        .route("/units/{id}", get(org::unit).post(org::update_unit))
        .route("/units/{id}/edit", get(org::edit_unit))
        .route("/units/{id}/ownerships", post(org::add_ownership))
        .route("/units/{id}/leases", post(org::add_lease))
        .route("/leases/{id}/terminate", post(org::terminate_lease))
        .route("/parties", get(org::parties).post(org::create_party))
        .route("/parties/new", get(org::new_party))
        .route("/parties/{id}", get(org::party).post(org::update_party))
        .route("/parties/{id}/edit", get(org::edit_party))
        .route("/parties/{id}/contacts", post(org::add_contact))
        .merge(registers::routes())
        .merge(import::routes())
        .merge(admin::routes())
        .merge(channels::routes())
        .merge(reception::routes())
        .merge(complaints::routes())
        .merge(work_orders::routes())
        .merge(return_slips::routes())
        .merge(paid_repairs::routes())
        .merge(contractors::routes())
        .merge(fees::routes())
        .merge(payments::routes())
        .merge(meters::routes())
        .merge(parking::routes())
        .merge(fee_reports::routes())
        .merge(arrears::routes())
        .merge(contractor_accounts::routes())
        .merge(callbacks::routes())
        .merge(board::routes())
        .merge(reports::routes())
        .merge(repair_reports::routes())
        .merge(repair_cases::routes())
        .merge(claims::routes())
        .merge(calendar::routes())
        .merge(notifications::routes())
        .merge(scripts::routes())
}

/// A timestamp in the project's zone (Asia/Shanghai for every project today), to the minute.
pub fn fmt_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&TZ).format("%Y-%m-%d %H:%M").to_string()
}

/// Event actions in words.
pub fn action_label(action: &str, en: bool) -> String {
    let (zh, e) = match action {
        "created" => ("创建", "created"),
        "updated" => ("修改", "updated"),
        "owner_registered" => ("登记产权", "owner registered"),
        "ownership_transferred" => ("过户", "ownership transferred"),
        "lease_created" => ("新增租赁", "lease created"),
        "lease_terminated" => ("退租", "lease terminated"),
        "contact_added" => ("添加联系人", "contact added"),
        "dispatch" => ("派单", "dispatched"),
        "accept" => ("部门接收", "accepted"),
        "return" => ("退回客服", "returned"),
        "submit_plan" => ("回复处理方案", "plan given"),
        "progress" => ("进展反馈", "progress update"),
        "finish" => ("处理完成", "finished"),
        "mark_invalid" => ("判定无效", "marked invalid"),
        "record_opinion" => ("记录客户意见", "customer's opinion"),
        "callback_done" => ("完成回访", "called back"),
        "waive_callback" => ("免回访", "callback waived"),
        "escalate" => ("升级", "escalated"),
        "link_collective" => ("并入集体投诉", "linked as collective"),
        "merged_into" => ("并入其他投诉", "merged into another"),
        "merged_child" => ("合并重复投诉", "duplicate merged here"),
        "claim_opened" => ("登记索赔", "claim opened"),
        "typical_marked" => ("列入典型案例", "marked typical"),
        "recorded" => ("登记回访", "callback recorded"),
        "waived" => ("免回访", "waived"),
        "callbacks_sampled" => ("回访抽查", "callbacks sampled"),
        "quality_checked" => ("抽查意见", "quality checked"),
        "acknowledge" => ("告知已收到", "acknowledged"),
        "reply" => ("书面回复", "replied in writing"),
        "chase" => ("跟进", "chased"),
        "done" => ("办结", "done"),
        "verify_praise" => ("核实表扬", "praise verified"),
        "praised" => ("获表扬", "praised"),
        "report_manager" => ("上报经理", "reported to manager"),
        "close" => ("注销", "closed"),
        "online_flagged" => ("网上投诉转部门负责人", "online complaint flagged"),
        "respond" => ("回应客户", "responded"),
        "published" => ("发布", "published"),
        "imported" => ("导入", "imported"),
        "password_reset" => ("重置密码", "password reset"),
        "day_set" => ("修改日历", "calendar day set"),
        "year_added" => ("添加年份", "year added"),
        "settings_updated" => ("修改项目设置", "settings updated"),
        "script_updated" => ("修改标准话术", "script changed"),
        "script_restored" => ("恢复默认话术", "script restored to default"),
        other => (other, other),
    };
    if en { e.to_string() } else { zh.to_string() }
}
