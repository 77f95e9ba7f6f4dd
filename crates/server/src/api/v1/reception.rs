//! RCP over JSON: reception records (业主接待记录). A record is created with the case its
//! category starts — a complaint for 投诉, in the same transaction (RCP-3) — and honours
//! `Idempotency-Key`, so a retried request gives back the record it created instead of a
//! second one. Reads are scoped by the caller's projects (SEC-2); roles that may not see
//! personal data list only the records they took (ORG-6).

use crate::api::extract::{ApiJson, ApiQuery};
use crate::api::v1::{ErrorBody, codes, opt_enum, opt_int, page_of};
use crate::auth::ApiUser;
use crate::error::ApiResult;
use crate::ops::de_text;
use crate::ops::reception::{self as ops, ReceptionInput, day_start};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header::LOCATION;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use propdesk_domain::FieldErrors;
use propdesk_domain::access::Permission;
use propdesk_domain::reception::{Category, Channel, ReceptionStatus};
use propdesk_domain::values;
use propdesk_store::models::reception::{self as store, FollowUpState, ReceptionRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

/// This module's operations; merged into the API document by `api::openapi`.
#[derive(OpenApi)]
#[openapi(
    paths(create_record, list_records),
    components(schemas(NewReceptionRecord, ReceptionRecordOut, ComplaintRef, ReturnSlipRef, CreatedReception, ReceptionList)),
    tags((name = "reception", description = "Reception records: every call, visit, letter and message (DOMAIN.md RCP)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 2;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/reception-records", axum::routing::get(list_records).post(create_record))
}

schema_fn!(channel_schema = codes(Channel::ALL.iter().map(|c| c.code())), "How the contact came in (RCP-1).");
schema_fn!(category_schema = codes(Category::ALL.iter().map(|c| c.code())), "One of the eight categories (RCP-2); it decides what follows (RCP-3).");
schema_fn!(status_schema = codes(ReceptionStatus::ALL.iter().map(|c| c.code())), "`open` until everything it started is closed, then `closed` (注销, RCP-7).");
schema_fn!(
    follow_up_state_schema = codes(FollowUpState::ALL.iter().map(|c| c.code())),
    "State of what the record started besides a complaint (a return slip, work order, service order, praise to verify, suggestion): none, pending or done."
);
schema_fn!(channel_in = codes(Channel::ALL.iter().map(|c| c.code())), "How the contact came in: a code, or its Chinese or English label; defaults to `phone`.");
schema_fn!(category_in = codes(Category::ALL.iter().map(|c| c.code())), "The category: a code, or its Chinese or English label (投诉, Complaint, …).");
schema_fn!(category_param = codes(Category::ALL.iter().map(|c| c.code())), "Only records of this category.");
schema_fn!(status_param = codes(ReceptionStatus::ALL.iter().map(|c| c.code())), "Only open or only closed records.");

/// The complaint a record started (RCP-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintRef {
    pub id: i64,
    #[schema(example = "HXGC/TS001")]
    pub number: String,
    /// The complaint's status (`closed` when done).
    pub status: String,
}

/// The return slip an after-sales record sent (RCP-3).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnSlipRef {
    pub id: i64,
    #[schema(example = "HXGC/FXD001")]
    pub number: String,
}

/// A reception record (业主接待记录).
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionRecordOut {
    pub id: i64,
    pub project_id: i64,
    /// Unique per project.
    #[schema(example = "HXGC/JD0001")]
    pub number: String,
    #[schema(schema_with = channel_schema)]
    pub channel: String,
    #[schema(schema_with = category_schema)]
    pub category: String,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub content: String,
    /// The staff member who took it.
    pub taken_by: Option<i64>,
    /// When it came in; for letters, e-mails and online messages the receipt time (RCP-4).
    pub received_at: DateTime<Utc>,
    /// When the sender of a written contact was told it arrived (RCP-4).
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub replied_at: Option<DateTime<Utc>>,
    #[schema(schema_with = status_schema)]
    pub status: String,
    /// What followed, in words (e.g. `物业返修联系单 已发售后部`, `已当场答复`).
    pub follow_up: String,
    #[schema(schema_with = follow_up_state_schema)]
    pub follow_up_state: String,
    pub closed_at: Option<DateTime<Utc>>,
    /// `department_head` for an online complaint (CMP-16), else null.
    pub report_to: Option<String>,
    /// The complaint it started, if any.
    pub complaint: Option<ComplaintRef>,
    /// RCP-3: the return slip (物业返修联系单) an after-sales record sent, if any
    /// (`/api/v1/return-slips/{id}`).
    pub return_slip: Option<ReturnSlipRef>,
    /// Row version; it changes on every update.
    pub version: i64,
}

fn complaint_of(r: &ReceptionRow) -> Option<ComplaintRef> {
    match (r.complaint_id, &r.complaint_number) {
        (Some(id), Some(number)) => Some(ComplaintRef { id, number: number.clone(), status: r.complaint_status.clone().unwrap_or_default() }),
        _ => None,
    }
}

impl From<ReceptionRow> for ReceptionRecordOut {
    fn from(r: ReceptionRow) -> Self {
        let complaint = complaint_of(&r);
        let return_slip = r.return_slip_id.zip(r.return_slip_number.clone()).map(|(id, number)| ReturnSlipRef { id, number });
        ReceptionRecordOut {
            id: r.id,
            project_id: r.project_id,
            number: r.number,
            channel: r.channel.code().to_string(),
            category: r.category.code().to_string(),
            unit_id: r.unit_id,
            party_id: r.party_id,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            content: r.content,
            taken_by: r.taken_by,
            received_at: r.received_at,
            acknowledged_at: r.acknowledged_at,
            replied_at: r.replied_at,
            status: r.status.code().to_string(),
            follow_up: r.follow_up,
            follow_up_state: r.follow_up_state.code().to_string(),
            closed_at: r.closed_at,
            report_to: Some(r.report_to).filter(|s| !s.is_empty()),
            complaint,
            return_slip,
            version: r.version,
        }
    }
}

/// The created record and the complaint it started (null unless the category is `complaint`).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedReception {
    pub record: ReceptionRecordOut,
    pub complaint: Option<ComplaintRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceptionList {
    pub items: Vec<ReceptionRecordOut>,
    /// All matching records, over every page.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A contact to record (RCP-1). The unit and the party must be of the project.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReceptionRecord {
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = i64, required = true)]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = channel_in)]
    pub channel: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(schema_with = category_in, required = true)]
    pub category: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(value_type = Option<i64>)]
    pub party_id: String,
    /// Defaults to the party's name when a party is given.
    #[serde(default, deserialize_with = "de_text")]
    pub contact_name: String,
    /// Mainland mobile or landline number; defaults to the party's phone.
    #[serde(default, deserialize_with = "de_text")]
    #[schema(example = "13800138000")]
    pub contact_phone: String,
    #[serde(default, deserialize_with = "de_text")]
    #[schema(required = true)]
    pub content: String,
    /// For `inquiry`: the answer given on the spot (the record closes at once); otherwise a note.
    #[serde(default, deserialize_with = "de_text")]
    pub answer: String,
    /// For `service`: the fee as told to the caller.
    #[serde(default, deserialize_with = "de_text")]
    pub fee: String,
    /// When a letter, e-mail or message arrived (`YYYY-MM-DD HH:MM`, project time); defaults to now.
    #[serde(default, deserialize_with = "de_text")]
    pub received_at: String,
}

impl From<NewReceptionRecord> for ReceptionInput {
    fn from(n: NewReceptionRecord) -> Self {
        let NewReceptionRecord { project_id, channel, category, unit_id, party_id, contact_name, contact_phone, content, answer, fee, received_at } = n;
        ReceptionInput { project_id, channel, category, unit_id, party_id, contact_name, contact_phone, content, answer, fee, received_at }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceptionQuery {
    /// Only records of this project.
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    #[param(schema_with = category_param)]
    pub category: Option<String>,
    #[param(schema_with = status_param)]
    pub status: Option<String>,
    /// Received on or after this day (project time).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub from: Option<String>,
    /// Received on or before this day (project time).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub to: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    /// Items per page (1–500).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Record a contact
///
/// Records a call, visit, letter, e-mail or message (RCP-1) with its category (RCP-2) and starts
/// what the category starts (RCP-3): `complaint` opens a complaint in the same transaction and
/// returns it; `inquiry` is answered on the spot and closed at once; the others stay open until
/// what they started is done. An online complaint is flagged for the department head (CMP-16).
/// Any staff member may record (RCP-1). With `Idempotency-Key`, repeating the request within the
/// project returns the record the first one created (same status 201, header
/// `Idempotent-Replayed: true`); the same key with a different content is refused with 409.
#[utoipa::path(
    post,
    path = "/api/v1/reception-records",
    tag = "reception",
    request_body = NewReceptionRecord,
    params(("Idempotency-Key" = Option<String>, Header, description = "A client-chosen key (≤ 200 characters); a repeat with the same key within the project gives back the same record")),
    responses(
        (status = 201, description = "The record and the complaint it started", body = CreatedReception,
            headers(("Location" = String, description = "URL of the record's page"), ("Idempotent-Replayed" = String, description = "`true` when the key had already created this record"))),
        (status = 400, description = "Malformed JSON, or an Idempotency-Key that is too long", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 409, description = "The Idempotency-Key was used for a different contact", body = ErrorBody),
        (status = 422, description = "Invalid fields (phone, category, content, …), or a unit, party or project not of the caller's project", body = ErrorBody),
    )
)]
pub async fn create_record(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewReceptionRecord>,
) -> ApiResult<Response> {
    let key = headers.get(IDEMPOTENCY_KEY).and_then(|v| v.to_str().ok()).map(str::to_string);
    let done = ops::record(&state.db, &actor, &body.into(), key.as_deref()).await?;
    let replayed = done.replayed;
    let record: ReceptionRecordOut = done.record.into();
    let location = format!("/reception/{}", record.id);
    let body = CreatedReception { complaint: record.complaint.clone(), record };
    let mut res = (StatusCode::CREATED, [(LOCATION, location)], Json(body)).into_response();
    if replayed {
        res.headers_mut().insert(HeaderName::from_static("idempotent-replayed"), HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// List reception records
///
/// Records of the caller's projects, newest first, filtered by project, category, status and the
/// day they came in (project time). Roles that may not see personal data see only the records
/// they took (ORG-6).
#[utoipa::path(
    get,
    path = "/api/v1/reception-records",
    tag = "reception",
    params(ReceptionQuery),
    responses(
        (status = 200, description = "One page of records", body = ReceptionList),
        (status = 400, description = "Malformed query string", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (e.g. an unknown category or a bad date)", body = ErrorBody),
    )
)]
pub async fn list_records(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<ReceptionQuery>) -> ApiResult<Json<ReceptionList>> {
    let mut errs = FieldErrors::new();
    let project_id = opt_int(&mut errs, "project_id", q.project_id.as_deref());
    let category = opt_enum(&mut errs, "category", q.category.as_deref(), Category::parse);
    let status = opt_enum(&mut errs, "status", q.status.as_deref(), ReceptionStatus::parse);
    let from = opt_enum(&mut errs, "from", q.from.as_deref(), values::date);
    let to = opt_enum(&mut errs, "to", q.to.as_deref(), values::date);
    let page = page_of(&mut errs, q.page.as_deref(), q.per_page.as_deref());
    errs.into_result()?;
    let filter = store::Filter {
        project_id,
        category,
        status,
        from: from.map(day_start),
        to: to.map(|d| day_start(d) + Duration::days(1)),
        taken_by: if actor.can(Permission::ViewParties) { None } else { Some(actor.staff_id) },
        q: None,
    };
    let mut c = state.db.read().await?;
    let list = store::list(&mut c, &actor, &filter, page, false).await?;
    Ok(Json(ReceptionList {
        items: list.items.into_iter().map(ReceptionRecordOut::from).collect(),
        total: list.total,
        page: list.page.number,
        per_page: list.page.size,
    }))
}
