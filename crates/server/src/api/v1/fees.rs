//! FEE-1/FEE-2 over JSON: fee items, billing runs, the bills (ledger lines) of a period and
//! finance's reconciliation. Reading needs `ViewFees`; items and runs `ManageFees`;
//! reconciliation `ReconcileFees` (403 otherwise). Other projects' records are not found (404).

use crate::api::extract::{ApiJson, ApiPath, ApiQuery};
use crate::api::v1::{DEFAULT_PER_PAGE, ErrorBody, codes, created, opt_int};
use crate::auth::ApiUser;
use crate::error::{ApiError, AppError};
use crate::ops::fee::{self as ops, FeeItemInput, RunResult, parse_period};
use crate::ops::org::today;
use crate::ops::payment::{self as pay_ops, PaymentInput};
use crate::ops::require;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::billing::{AreaBasis, ChargeBasis, Cycle, FeeKind, PayerRule};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Page;
use propdesk_store::models::fee::{self as store, FeeItemRow, LedgerFilter, LedgerRow, LineState};
use propdesk_store::models::payment::{self as pay_store, PaymentRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    paths(list_collection_rates, list_fee_items, create_fee_item, get_fee_item, update_fee_item, list_bills, create_billing_run, create_reconciliation, list_payments, create_payment, get_payment, list_arrears, open_arrears, get_arrears, arrears_action),
    components(schemas(RateOut, RateList, FeeItemOut, FeeItemList, NewFeeItem, TierOut, BillOut, BillList, NewBillingRun, RunOut, NewReconciliation, ReconciliationOut, PaymentOut, PaymentList, NewPayment, AllocationOut, ArrearsOut, ArrearsList, StepOut, OpenArrears, ArrearsActionBody)),
    tags((name = "fees", description = "Fee items, billing runs, bills and the ledger's reconciliation (DOMAIN.md FEE-1, FEE-2, FEE-4, FEE-5, FEE-6, FEE-10)"))
)]
pub struct Doc;

/// How many operations this module documents and routes (checked by tests/api.rs).
pub const OPERATIONS: usize = 15;

pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/api/v1/fee-items", get(list_fee_items).post(create_fee_item))
        .route("/api/v1/fee-items/{id}", get(get_fee_item).put(update_fee_item))
        .route("/api/v1/bills", get(list_bills))
        .route("/api/v1/collection-rates", get(list_collection_rates))
        .route("/api/v1/billing-runs", post(create_billing_run))
        .route("/api/v1/ledger-reconciliations", post(create_reconciliation))
        .route("/api/v1/payments", get(list_payments).post(create_payment))
        .route("/api/v1/payments/{id}", get(get_payment))
        .route("/api/v1/arrears-cases", get(list_arrears).post(open_arrears))
        .route("/api/v1/arrears-cases/{id}", get(get_arrears))
        .route("/api/v1/arrears-cases/{id}/actions", post(arrears_action))
}

schema_fn!(kind_schema = codes(FeeKind::ALL.iter().map(|s| s.code())), "A fee kind.");
schema_fn!(basis_schema = codes(ChargeBasis::ALL.iter().map(|s| s.code())), "How the item is charged.");
schema_fn!(area_schema = codes(AreaBasis::ALL.iter().map(|s| s.code())), "Which area a per-m² item is charged on.");
schema_fn!(cycle_schema = codes(Cycle::ALL.iter().map(|s| s.code())), "The billing cycle.");
schema_fn!(payer_schema = codes(PayerRule::ALL.iter().map(|s| s.code())), "Who pays.");
schema_fn!(state_schema = codes(["open", "overdue", "paid"].into_iter()), "open: not fully paid; overdue: open past its due date; paid: fully paid.");

#[derive(Debug, Serialize, ToSchema)]
pub struct TierOut {
    /// Cumulative limit in hundredths of a unit (null: no limit).
    pub up_to: Option<i64>,
    /// Yuan with up to four decimals, as text.
    pub price: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeItemOut {
    pub id: i64,
    pub project_id: i64,
    pub name: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    #[schema(schema_with = basis_schema)]
    pub basis: String,
    #[schema(schema_with = area_schema)]
    pub area_basis: String,
    #[schema(schema_with = cycle_schema)]
    pub cycle: String,
    #[schema(schema_with = payer_schema)]
    pub payer: String,
    pub tiers: Vec<TierOut>,
    pub due_days: i64,
    pub unit_kinds: Vec<String>,
    pub active: bool,
    pub version: i64,
}

fn item_out(r: &FeeItemRow) -> FeeItemOut {
    FeeItemOut {
        id: r.id,
        project_id: r.project_id,
        name: r.name.clone(),
        kind: r.kind.code().into(),
        basis: r.basis.code().into(),
        area_basis: r.area_basis.code().into(),
        cycle: r.cycle.code().into(),
        payer: r.payer.code().into(),
        tiers: r.tier_list().iter().map(|t| TierOut { up_to: t.up_to, price: t.price.text() }).collect(),
        due_days: r.due_days,
        unit_kinds: r.unit_kinds.split(',').map(str::trim).filter(|k| !k.is_empty()).map(str::to_string).collect(),
        active: r.active,
        version: r.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeeItemList {
    pub items: Vec<FeeItemOut>,
}

/// A fee item. `price` is yuan (up to four decimals) per m² per month, per period, or per
/// metered unit; a metered item may give `tiers` instead (`200:0.5283; 400:0.5783; :0.8283`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewFeeItem {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub name: String,
    #[schema(schema_with = kind_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub kind: String,
    #[schema(schema_with = basis_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub basis: String,
    #[schema(schema_with = area_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub area_basis: String,
    #[schema(schema_with = cycle_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cycle: String,
    #[schema(schema_with = payer_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub payer: String,
    #[schema(example = "2.35")]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub price: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub tiers: String,
    /// Days after the period's first day when a line falls due.
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub due_days: String,
    #[serde(default)]
    pub unit_kinds: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
    /// For an update: the version read (409 when the item changed meanwhile).
    #[serde(default)]
    pub version: Option<i64>,
}

fn yes() -> bool {
    true
}

impl From<NewFeeItem> for FeeItemInput {
    fn from(n: NewFeeItem) -> Self {
        FeeItemInput {
            project_id: n.project_id,
            name: n.name,
            kind: n.kind,
            basis: n.basis,
            area_basis: n.area_basis,
            cycle: n.cycle,
            payer: n.payer,
            price: n.price,
            tiers: n.tiers,
            due_days: n.due_days,
            unit_kinds: n.unit_kinds,
            active: n.active,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ItemQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
}

async fn item(state: &AppState, actor: &Actor, id: i64) -> Result<FeeItemOut, ApiError> {
    let mut c = state.db.read().await?;
    let r = store::item(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(item_out(&r))
}

/// List fee items
///
/// The fee items of the caller's projects (or one project), by name.
#[utoipa::path(
    get,
    path = "/api/v1/fee-items",
    tag = "fees",
    params(ItemQuery),
    responses(
        (status = 200, description = "The items", body = FeeItemList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_fee_items(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<ItemQuery>) -> Result<Json<FeeItemList>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let project_id = opt_int(&mut errs, "project_id", q.project_id.as_deref());
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let rows = store::items(&mut c, &actor, project_id, false).await?;
    Ok(Json(FeeItemList { items: rows.iter().map(item_out).collect() }))
}

/// Create a fee item
///
/// FEE-1: a fee item of a project: kind, basis (per m² of a chosen area, fixed, by meter),
/// cycle, who pays, price or tiers.
#[utoipa::path(
    post,
    path = "/api/v1/fee-items",
    tag = "fees",
    request_body = NewFeeItem,
    responses(
        (status = 201, description = "The created item", body = FeeItemOut, headers(("Location" = String, description = "URL of the new item"))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields, or a name already used in the project", body = ErrorBody),
    )
)]
pub async fn create_fee_item(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewFeeItem>) -> Result<Response, ApiError> {
    let id = ops::create_item(&state.db, &actor, &body.into()).await?;
    let out = item(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/fee-items/{id}"), out).into_response())
}

/// Get a fee item
#[utoipa::path(
    get,
    path = "/api/v1/fee-items/{id}",
    tag = "fees",
    params(("id" = i64, Path, description = "Fee item id")),
    responses(
        (status = 200, description = "The item", body = FeeItemOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "No such item in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_fee_item(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<FeeItemOut>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    Ok(Json(item(&state, &actor, id).await?))
}

/// Update a fee item
///
/// Replaces the item's fields; `version` must be the one read (409 otherwise). Lines already
/// billed keep their amounts.
#[utoipa::path(
    put,
    path = "/api/v1/fee-items/{id}",
    tag = "fees",
    params(("id" = i64, Path, description = "Fee item id")),
    request_body = NewFeeItem,
    responses(
        (status = 200, description = "The updated item", body = FeeItemOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not set up fees", body = ErrorBody),
        (status = 404, description = "No such item in the caller's projects", body = ErrorBody),
        (status = 409, description = "The item changed meanwhile", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields", body = ErrorBody),
    )
)]
pub async fn update_fee_item(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<NewFeeItem>,
) -> Result<Json<FeeItemOut>, ApiError> {
    let Some(version) = body.version else {
        return Err(FieldErrors::single("version", Reason::Required).into());
    };
    ops::update_item(&state.db, &actor, id, version, &body.into()).await?;
    Ok(Json(item(&state, &actor, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillOut {
    pub id: i64,
    pub project_id: i64,
    pub unit_id: i64,
    /// Building code and unit number, e.g. `A-1201`.
    pub unit: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub item_id: i64,
    pub item_name: String,
    #[schema(schema_with = kind_schema)]
    pub kind: String,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Days charged (part periods).
    pub days: i64,
    /// Area or consumption in hundredths.
    pub quantity: i64,
    /// Fen.
    pub amount: i64,
    pub paid: i64,
    pub balance: i64,
    pub due_date: NaiveDate,
    #[schema(schema_with = state_schema)]
    pub status: String,
}

fn bill_out(r: &LedgerRow, today: NaiveDate) -> BillOut {
    let status = r.status(today).api_code();
    BillOut {
        id: r.id,
        project_id: r.project_id,
        unit_id: r.unit_id,
        unit: format!("{}-{}", r.building_code, r.unit_no),
        payer_id: r.payer_id,
        payer_name: r.payer_name.clone(),
        item_id: r.item_id,
        item_name: r.item_name.clone(),
        kind: r.kind.clone(),
        period: r.period_key.clone(),
        period_start: r.period_start,
        period_end: r.period_end,
        days: r.days,
        quantity: r.quantity,
        amount: r.amount,
        paid: r.paid,
        balance: r.balance(),
        due_date: r.due_date,
        status: status.into(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BillList {
    pub items: Vec<BillOut>,
    pub total: i64,
    /// Sums over every matching line (fen).
    pub amount: i64,
    pub paid: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BillQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    /// `2026-11`, `2026-Q4` or `2026`.
    pub period: Option<String>,
    #[param(schema_with = state_schema)]
    pub status: Option<String>,
    #[param(value_type = Option<i64>)]
    pub unit_id: Option<String>,
    #[param(value_type = Option<i64>)]
    pub payer_id: Option<String>,
    /// Unit number or payer name (substring).
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// List bills
///
/// The bill lines (one per payer × item × unit × period) of the caller's projects, filtered,
/// with the totals of all that match.
#[utoipa::path(
    get,
    path = "/api/v1/bills",
    tag = "fees",
    params(BillQuery),
    responses(
        (status = 200, description = "One page of bill lines", body = BillList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_bills(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<BillQuery>) -> Result<Json<BillList>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let state_filter = match q.status.as_deref().map(str::trim).unwrap_or("") {
        "" => None,
        "open" => Some(LineState::Open),
        "overdue" => Some(LineState::Overdue),
        "paid" => Some(LineState::Paid),
        _ => {
            errs.push("status", Reason::Invalid("应为 open、overdue 或 paid", "must be open, overdue or paid"));
            None
        }
    };
    let f = LedgerFilter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        period_key: q.period.map(|p| p.trim().to_string()).filter(|p| !p.is_empty()),
        state: state_filter,
        item_id: None,
        unit_id: opt_int(&mut errs, "unit_id", q.unit_id.as_deref()),
        payer_id: opt_int(&mut errs, "payer_id", q.payer_id.as_deref()),
        q: q.q.filter(|s| !s.trim().is_empty()),
        today: Some(today()),
        newest_first: false,
    };
    let page = Page::new(
        opt_int(&mut errs, "page", q.page.as_deref()).unwrap_or(1),
        opt_int(&mut errs, "per_page", q.per_page.as_deref()).unwrap_or(DEFAULT_PER_PAGE),
    );
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let (list, totals) = store::ledger(&mut c, &actor, &f, page).await?;
    let day = today();
    Ok(Json(BillList {
        items: list.items.iter().map(|r| bill_out(r, day)).collect(),
        total: list.total,
        amount: totals.amount,
        paid: totals.paid,
        page: list.page.number,
        per_page: list.page.size,
    }))
}

/// The period to bill: a cycle and a month within it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewBillingRun {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(schema_with = cycle_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cycle: String,
    #[schema(example = "2026-11", required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RunOut {
    pub run_id: i64,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub units: i64,
    /// Lines this run added (0 when the period was already billed in full).
    pub lines_added: i64,
    /// Fen.
    pub amount_added: i64,
}

impl From<RunResult> for RunOut {
    fn from(r: RunResult) -> Self {
        RunOut {
            run_id: r.run_id,
            period_start: r.period_start,
            period_end: r.period_end,
            units: r.units,
            lines_added: r.lines_added,
            amount_added: r.amount_added,
        }
    }
}

fn project_and_period(project_id: &str, cycle: &str, month: &str) -> Result<(i64, propdesk_domain::billing::BillingPeriod), ApiError> {
    let mut errs = FieldErrors::new();
    let project_id = errs.take("project_id", project_id.trim().parse::<i64>().map_err(|_| Reason::Required));
    let period = match parse_period(cycle, month) {
        Ok(p) => Some(p),
        Err(e) => {
            errs.0.extend(e.0);
            None
        }
    };
    match (project_id, period) {
        (Some(p), Some(per)) if errs.is_empty() => Ok((p, per)),
        _ => Err(errs.into()),
    }
}

/// Run the billing of a period
///
/// FEE-1: bills the period for the project — one line per payer × item × unit, split by days
/// between owner and tenant. Running a period again adds only the missing lines.
#[utoipa::path(
    post,
    path = "/api/v1/billing-runs",
    tag = "fees",
    request_body = NewBillingRun,
    responses(
        (status = 201, description = "What the run added", body = RunOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not run the billing", body = ErrorBody),
        (status = 422, description = "Invalid period or project, or no active items in the cycle", body = ErrorBody),
    )
)]
pub async fn create_billing_run(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewBillingRun>) -> Result<Response, ApiError> {
    let (project_id, period) = project_and_period(&body.project_id, &body.cycle, &body.month)?;
    let r = ops::run_billing(&state.db, &actor, project_id, period).await?;
    Ok((StatusCode::CREATED, Json(RunOut::from(r))).into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewReconciliation {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(schema_with = cycle_schema)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cycle: String,
    #[schema(example = "2026-11", required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub month: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReconciliationOut {
    pub id: i64,
    pub period: String,
    pub lines: i64,
    /// Fen.
    pub amount: i64,
    pub reconciled_by: String,
}

/// Reconcile a period's ledger
///
/// FEE-2: finance confirms the period's ledger; its line count and total are kept. Once per period.
#[utoipa::path(
    post,
    path = "/api/v1/ledger-reconciliations",
    tag = "fees",
    request_body = NewReconciliation,
    responses(
        (status = 201, description = "The reconciliation", body = ReconciliationOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "Only finance reconciles", body = ErrorBody),
        (status = 409, description = "The period was already reconciled", body = ErrorBody),
        (status = 422, description = "Invalid period or project, or nothing billed", body = ErrorBody),
    )
)]
pub async fn create_reconciliation(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewReconciliation>,
) -> Result<Response, ApiError> {
    let (project_id, period) = project_and_period(&body.project_id, &body.cycle, &body.month)?;
    ops::reconcile(&state.db, &actor, project_id, period, &body.note).await?;
    let mut c = state.db.read().await?;
    let r = store::reconciliation(&mut c, &actor, project_id, &period.key()).await?.ok_or(ApiError(AppError::NotFound))?;
    let out = ReconciliationOut { id: r.id, period: r.period_key, lines: r.lines, amount: r.amount, reconciled_by: r.reconciled_by_name };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

// ---------- FEE-4: payments ----------

schema_fn!(method_schema = codes(propdesk_domain::billing::PaymentMethod::ALL.iter().map(|s| s.code())), "How the payment was made.");

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationOut {
    pub line_id: i64,
    pub item_name: String,
    pub period: String,
    pub unit: String,
    /// Fen settled on the line.
    pub amount: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentOut {
    pub id: i64,
    pub project_id: i64,
    pub receipt_no: String,
    pub payer_id: i64,
    pub payer_name: String,
    pub unit_id: Option<i64>,
    /// Fen: the whole payment, what settled bill lines, and the prepayment kept.
    pub amount: i64,
    pub allocated: i64,
    pub prepaid: i64,
    #[schema(schema_with = method_schema)]
    pub method: String,
    pub reference: String,
    pub paid_on: NaiveDate,
    pub received_by: String,
    pub invoice_requested: bool,
    /// Only on a single payment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocations: Option<Vec<AllocationOut>>,
}

fn payment_out(p: &PaymentRow) -> PaymentOut {
    PaymentOut {
        id: p.id,
        project_id: p.project_id,
        receipt_no: p.receipt_no.clone(),
        payer_id: p.payer_id,
        payer_name: p.payer_name.clone(),
        unit_id: p.unit_id,
        amount: p.amount,
        allocated: p.allocated,
        prepaid: p.prepaid,
        method: p.method.code().into(),
        reference: p.reference.clone(),
        paid_on: p.paid_on,
        received_by: p.received_by_name.clone(),
        invoice_requested: p.invoice_requested_at.is_some(),
        allocations: None,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentList {
    pub items: Vec<PaymentOut>,
    pub total: i64,
    /// Fen, over every matching payment.
    pub amount: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A payment: the payer (and optionally the unit) it settles, amount in yuan, method and
/// reference (required except for cash); `prepay` confirms that a surplus is kept as a prepayment.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPayment {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub payer_id: String,
    #[schema(value_type = Option<i64>)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub unit_id: String,
    #[schema(example = "450.00", required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub amount: String,
    #[schema(schema_with = method_schema, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub reference: String,
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub paid_on: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
    #[serde(default)]
    pub prepay: bool,
}

impl From<NewPayment> for PaymentInput {
    fn from(n: NewPayment) -> Self {
        PaymentInput {
            project_id: n.project_id,
            payer_id: n.payer_id,
            unit_id: n.unit_id,
            amount: n.amount,
            method: n.method,
            reference: n.reference,
            paid_on: n.paid_on,
            note: n.note,
            prepay: n.prepay,
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PaymentQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    /// `2026-11`: payments made in that month.
    pub month: Option<String>,
    #[param(value_type = Option<i64>)]
    pub payer_id: Option<String>,
    /// Payer name or receipt number (substring).
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

async fn payment(state: &AppState, actor: &Actor, id: i64) -> Result<PaymentOut, ApiError> {
    let mut c = state.db.read().await?;
    let p = pay_store::get(&mut c, actor, id).await?.ok_or(ApiError(AppError::NotFound))?;
    let allocations = pay_store::allocations(&mut c, id)
        .await?
        .into_iter()
        .map(|a| AllocationOut {
            line_id: a.line_id,
            item_name: a.item_name,
            period: a.period_key,
            unit: format!("{}-{}", a.building_code, a.unit_no),
            amount: a.amount,
        })
        .collect();
    Ok(PaymentOut { allocations: Some(allocations), ..payment_out(&p) })
}

/// List payments
#[utoipa::path(
    get,
    path = "/api/v1/payments",
    tag = "fees",
    params(PaymentQuery),
    responses(
        (status = 200, description = "One page of payments, newest first", body = PaymentList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_payments(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<PaymentQuery>) -> Result<Json<PaymentList>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(m) => errs.take("month", propdesk_domain::values::Month::parse(m)),
        None => None,
    };
    let f = pay_store::Filter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        from: month.map(|m| m.first_day()),
        to: month.map(|m| m.last_day()),
        method: None,
        payer_id: opt_int(&mut errs, "payer_id", q.payer_id.as_deref()),
        q: q.q.filter(|s| !s.trim().is_empty()),
        unit_id: None,
    };
    let page = Page::new(
        opt_int(&mut errs, "page", q.page.as_deref()).unwrap_or(1),
        opt_int(&mut errs, "per_page", q.per_page.as_deref()).unwrap_or(DEFAULT_PER_PAGE),
    );
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let (list, amount) = pay_store::list(&mut c, &actor, &f, page).await?;
    Ok(Json(PaymentList { items: list.items.iter().map(payment_out).collect(), total: list.total, amount, page: list.page.number, per_page: list.page.size }))
}

/// Record a payment
///
/// FEE-4: settles the payer's unpaid lines, oldest due first, and numbers the receipt. More than
/// is owed is refused (422, field `amount`) unless `prepay` confirms the surplus as a prepayment.
#[utoipa::path(
    post,
    path = "/api/v1/payments",
    tag = "fees",
    request_body = NewPayment,
    responses(
        (status = 201, description = "The payment with what it settled", body = PaymentOut, headers(("Location" = String, description = "URL of the payment"))),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not take payments", body = ErrorBody),
        (status = 409, description = "A bill line changed meanwhile", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields, or a surplus not confirmed", body = ErrorBody),
    )
)]
pub async fn create_payment(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiJson(body): ApiJson<NewPayment>) -> Result<Response, ApiError> {
    let id = pay_ops::record(&state.db, &actor, &body.into()).await?;
    let out = payment(&state, &actor, id).await?;
    Ok(created(format!("/api/v1/payments/{id}"), out).into_response())
}

/// Get a payment
#[utoipa::path(
    get,
    path = "/api/v1/payments/{id}",
    tag = "fees",
    params(("id" = i64, Path, description = "Payment id")),
    responses(
        (status = 200, description = "The payment with what it settled", body = PaymentOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "No such payment in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_payment(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<PaymentOut>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    Ok(Json(payment(&state, &actor, id).await?))
}

// ---------- FEE-5/FEE-6: arrears cases ----------

schema_fn!(
    arrears_status_schema = codes(propdesk_domain::billing::ArrearsStatus::ALL.iter().map(|s| s.code())),
    "The ladder's step (paid and written_off end the case)."
);
schema_fn!(cause_schema = codes(propdesk_domain::billing::ArrearsCause::ALL.iter().map(|s| s.code())), "Why the payer has not paid.");

#[derive(Debug, Serialize, ToSchema)]
pub struct StepOut {
    pub action: String,
    #[schema(schema_with = arrears_status_schema)]
    pub status: String,
    pub method: Option<String>,
    pub note: String,
    pub courier_no: String,
    pub staff: Option<String>,
    pub at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArrearsOut {
    pub id: i64,
    pub project_id: i64,
    pub payer_id: i64,
    pub payer_name: String,
    #[schema(schema_with = arrears_status_schema)]
    pub status: String,
    #[schema(schema_with = cause_schema)]
    pub cause: String,
    pub linked_entity: Option<String>,
    pub linked_id: Option<i64>,
    /// Unpaid and past due now (fen).
    pub balance: i64,
    pub oldest_due: Option<NaiveDate>,
    pub version: i64,
    /// The actions the caller may take now.
    pub allowed_actions: Vec<String>,
    /// Only on a single case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub steps: Option<Vec<StepOut>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ArrearsList {
    pub items: Vec<ArrearsOut>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

fn arrears_out(r: &propdesk_store::models::arrears::CaseRow, allowed: Vec<&'static str>) -> ArrearsOut {
    ArrearsOut {
        id: r.id,
        project_id: r.project_id,
        payer_id: r.payer_id,
        payer_name: r.payer_name.clone(),
        status: r.status.code().into(),
        cause: r.cause.code().into(),
        linked_entity: r.linked_entity.clone(),
        linked_id: r.linked_id,
        balance: r.balance,
        oldest_due: r.oldest_due,
        version: r.version,
        allowed_actions: allowed.into_iter().map(str::to_string).collect(),
        steps: None,
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ArrearsQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    /// One step; without it, the open cases.
    #[param(schema_with = arrears_status_schema)]
    pub status: Option<String>,
    #[param(schema_with = cause_schema)]
    pub cause: Option<String>,
    /// Payer name or phone (substring).
    pub q: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, default = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<String>,
}

/// List arrears cases
///
/// The caller's projects' arrears cases, open ones unless a status is given, with each payer's
/// overdue balance now.
#[utoipa::path(
    get,
    path = "/api/v1/arrears-cases",
    tag = "fees",
    params(ArrearsQuery),
    responses(
        (status = 200, description = "One page of cases, newest first", body = ArrearsList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_arrears(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiQuery(q): ApiQuery<ArrearsQuery>) -> Result<Json<ArrearsList>, ApiError> {
    use propdesk_domain::billing::{ArrearsCause, ArrearsStatus};
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => errs.take("status", ArrearsStatus::parse(s)),
        None => None,
    };
    let cause = match q.cause.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => errs.take("cause", ArrearsCause::parse(s)),
        None => None,
    };
    let f = propdesk_store::models::arrears::Filter {
        project_id: opt_int(&mut errs, "project_id", q.project_id.as_deref()),
        status,
        open: true,
        cause,
        q: q.q.filter(|s| !s.trim().is_empty()),
        unit_id: None,
    };
    let page = Page::new(
        opt_int(&mut errs, "page", q.page.as_deref()).unwrap_or(1),
        opt_int(&mut errs, "per_page", q.per_page.as_deref()).unwrap_or(DEFAULT_PER_PAGE),
    );
    errs.into_result()?;
    let mut c = state.db.read().await?;
    let list = propdesk_store::models::arrears::list(&mut c, &actor, &f, today(), page).await?;
    Ok(Json(ArrearsList {
        items: list.items.iter().map(|r| arrears_out(r, Vec::new())).collect(),
        total: list.total,
        page: list.page.number,
        per_page: list.page.size,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct OpenArrears {
    #[schema(value_type = i64, required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub project_id: String,
}

/// Open cases for overdue payers
///
/// FEE-6: every payer of the project with unpaid lines past due and no open case gets one.
#[utoipa::path(
    post,
    path = "/api/v1/arrears-cases",
    tag = "fees",
    request_body = OpenArrears,
    responses(
        (status = 200, description = "How many cases were opened", body = Object),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not collect fees", body = ErrorBody),
        (status = 422, description = "No such project", body = ErrorBody),
    )
)]
pub async fn open_arrears(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<OpenArrears>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let project_id = body.project_id.trim().parse::<i64>().map_err(|_| FieldErrors::single("project_id", Reason::Required))?;
    let opened = crate::ops::arrears::open_overdue(&state.db, &actor, project_id).await?;
    Ok(Json(serde_json::json!({"opened": opened})))
}

async fn arrears_case(state: &AppState, actor: &Actor, id: i64) -> Result<ArrearsOut, ApiError> {
    let mut c = state.db.read().await?;
    let r = propdesk_store::models::arrears::get(&mut c, actor, id, today()).await?.ok_or(ApiError(AppError::NotFound))?;
    let facts = crate::ops::arrears::facts(&mut c, &r).await?;
    let allowed = if actor.can(Permission::CollectFees) { propdesk_domain::billing::arrears_allowed(r.status, facts, actor.role) } else { Vec::new() };
    let steps = propdesk_store::models::arrears::steps(&mut c, &[id])
        .await?
        .into_iter()
        .map(|s| StepOut {
            action: s.action,
            status: s.status.code().into(),
            method: s.method,
            note: s.note,
            courier_no: s.courier_no,
            staff: s.staff_name,
            at: s.at,
        })
        .collect();
    Ok(ArrearsOut { steps: Some(steps), ..arrears_out(&r, allowed) })
}

/// Get an arrears case
#[utoipa::path(
    get,
    path = "/api/v1/arrears-cases/{id}",
    tag = "fees",
    params(("id" = i64, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case with its steps and the actions allowed now", body = ArrearsOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 404, description = "No such case in the caller's projects", body = ErrorBody),
    )
)]
pub async fn get_arrears(ApiUser(actor): ApiUser, State(state): State<AppState>, ApiPath(id): ApiPath<i64>) -> Result<Json<ArrearsOut>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    Ok(Json(arrears_case(&state, &actor, id).await?))
}

/// An action on a case: `set_cause` (cause; a service failure names `linked_entity` and
/// `linked_id`), `contact` or `escalate` (method, note, courier_no), `write_off` (note).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ArrearsActionBody {
    #[schema(required = true)]
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub action: String,
    #[schema(required = true)]
    pub version: i64,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub method: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub note: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub courier_no: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub cause: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub linked_entity: String,
    #[serde(default, deserialize_with = "crate::ops::de_text")]
    pub linked_id: String,
}

/// Act on an arrears case
///
/// FEE-5/FEE-6: one step of the ladder, recorded with who, how and what was said. 409 when the
/// action does not fit the case's step (with the allowed actions) or the case changed meanwhile.
#[utoipa::path(
    post,
    path = "/api/v1/arrears-cases/{id}/actions",
    tag = "fees",
    params(("id" = i64, Path, description = "Case id")),
    request_body = ArrearsActionBody,
    responses(
        (status = 200, description = "The case after the action", body = ArrearsOut),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller's role may not take this step", body = ErrorBody),
        (status = 404, description = "No such case in the caller's projects", body = ErrorBody),
        (status = 409, description = "Not allowed at this step, service failure not put right, or changed meanwhile", body = ErrorBody),
        (status = 422, description = "Invalid or missing fields", body = ErrorBody),
    )
)]
pub async fn arrears_action(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ArrearsActionBody>,
) -> Result<Json<ArrearsOut>, ApiError> {
    let input = crate::ops::arrears::ActionInput {
        action: b.action,
        method: b.method,
        note: b.note,
        courier_no: b.courier_no,
        cause: b.cause,
        linked_entity: b.linked_entity,
        linked_id: b.linked_id,
    };
    crate::ops::arrears::act(&state.db, &actor, id, b.version, &input).await?;
    Ok(Json(arrears_case(&state, &actor, id).await?))
}

// ---------- FEE-10: collection rates ----------

schema_fn!(rate_by_schema = codes(["project", "building", "item"].into_iter()), "What the rates are grouped by.");

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateQuery {
    #[param(value_type = Option<i64>)]
    pub project_id: Option<String>,
    /// `2026-11` (default: this month): the lines whose period starts in it.
    pub month: Option<String>,
    #[param(schema_with = rate_by_schema)]
    pub by: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateOut {
    pub project_id: i64,
    /// The project, building or item id.
    pub id: i64,
    pub label: String,
    pub lines: i64,
    pub billed_fen: i64,
    pub collected_fen: i64,
    /// Per cent with one decimal (100 when nothing was billed).
    pub rate: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateList {
    pub month: String,
    pub items: Vec<RateOut>,
}

/// Collection rates
///
/// FEE-10: collected ÷ billed over the bill lines whose period starts in the month, deposits
/// and bonds left out, per project, building or item.
#[utoipa::path(
    get,
    path = "/api/v1/collection-rates",
    tag = "fees",
    params(RateQuery),
    responses(
        (status = 200, description = "The rates", body = RateList),
        (status = 401, description = "Missing or invalid bearer token", body = ErrorBody),
        (status = 403, description = "The caller may not see fees", body = ErrorBody),
        (status = 422, description = "A parameter is invalid", body = ErrorBody),
    )
)]
pub async fn list_collection_rates(
    ApiUser(actor): ApiUser,
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<RateQuery>,
) -> Result<Json<RateList>, ApiError> {
    require(&actor, Permission::ViewFees)?;
    let mut errs = FieldErrors::new();
    let project_id = opt_int(&mut errs, "project_id", q.project_id.as_deref());
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        None => Some(propdesk_domain::values::Month::of(today())),
        Some(m) => errs.take("month", propdesk_domain::values::Month::parse(m)),
    };
    let by = match q.by.as_deref().map(str::trim).unwrap_or("") {
        "" | "project" => Some(store::RateBy::Project),
        "building" => Some(store::RateBy::Building),
        "item" => Some(store::RateBy::Item),
        _ => {
            errs.push("by", Reason::Invalid("应为 project、building 或 item", "must be project, building or item"));
            None
        }
    };
    let (Some(month), Some(by)) = (month, by) else { return Err(errs.into()) };
    if !errs.is_empty() {
        return Err(errs.into());
    }
    let mut c = state.db.read().await?;
    let rows = store::collection_rates(&mut c, &actor, project_id, month.first_day(), month.last_day(), by).await?;
    let items = rows
        .iter()
        .map(|r| RateOut {
            project_id: r.project_id,
            id: r.key_id,
            label: r.label.clone(),
            lines: r.lines,
            billed_fen: r.billed,
            collected_fen: r.collected,
            rate: r.percent(),
        })
        .collect();
    Ok(Json(RateList { month: month.to_string(), items }))
}
