//! REP: work-order intake (REP-1, REP-10; from a repair reception record, RCP-3) and every step
//! of its life, as transaction scripts around `propdesk_domain::work_order`'s table. A work
//! order that closes (or is cancelled) closes the reception record that started it (RCP-7).

use crate::error::{AppError, AppResult};
use crate::ops::callback::check_signature;
use crate::ops::complaint::{self as complaints, project_clocks};
use crate::ops::notify::{self, About};
use crate::ops::{de_text, log};
use crate::staff::complaints::parse_due;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use propdesk_domain::access::Actor;
use propdesk_domain::callback::{CallbackRole, CallbackSubject};
use propdesk_domain::complaint::By as ComplaintSide;
use propdesk_domain::notify::{self as notice_rules, Audience, NoticeKind};
use propdesk_domain::paid_repair::FeeStatus;
use propdesk_domain::values::{self, Phone};
use propdesk_domain::work_order::{
    self as rules, Action, By, Cause, Component, Dues, LocationKind, RepairCategory, Responsibility, ShutOff, Stage, Trade, TransitionError, WorkOrder,
    WorkOrderStatus,
};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::callback as callbacks;
use propdesk_store::models::complaint::{self as complaint_store, NewCallback, next_number};
use propdesk_store::models::contractor::{self as contractors, NewTest};
use propdesk_store::models::reception as receptions;
use propdesk_store::models::work_order::{self as store, NewWorkOrder, Update, WorkOrderRow};
use propdesk_store::models::{org, staff};
use propdesk_store::{AsEx, Db, Tx};
use serde::Deserialize;
use serde_json::json;

/// A repair request as typed on the page or sent to the API (REP-1).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct WorkOrderInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub party_id: String,
    /// `in_unit` (the default when a unit is given) or `public_area`.
    #[serde(default, deserialize_with = "de_text")]
    pub location_kind: String,
    /// Where exactly (the room, or the public place: "B1 消防门").
    #[serde(default, deserialize_with = "de_text")]
    pub location: String,
    #[serde(default, deserialize_with = "de_text")]
    pub owner_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub contact_phone: String,
    #[serde(default, deserialize_with = "de_text")]
    pub content: String,
    /// REP-1: when the owner is at home.
    #[serde(default, deserialize_with = "de_text")]
    pub available_times: String,
    /// REP-2: the time the owner chose for the visit (project time or RFC 3339).
    #[serde(default, deserialize_with = "de_text")]
    pub appointment_at: String,
    #[serde(default, deserialize_with = "de_text")]
    pub category: String,
    /// REP-5: `1`/`true` for an emergency (water, power).
    #[serde(default, deserialize_with = "de_text")]
    pub emergency: String,
}

#[derive(Debug, Clone)]
pub struct ParsedWorkOrder {
    pub project_id: i64,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub location_kind: LocationKind,
    pub location: String,
    pub owner_name: String,
    pub contact_phone: String,
    pub content: String,
    pub available_times: String,
    pub appointment_at: Option<DateTime<Utc>>,
    pub category: RepairCategory,
    pub emergency: bool,
}

fn opt_id(s: &str) -> Result<Option<i64>, Reason> {
    values::optional(s, |v| v.trim().parse::<i64>().map_err(|_| Reason::NotFound))
}

fn flag(s: &str) -> Result<bool, Reason> {
    match s.trim() {
        "" | "0" | "false" | "no" | "off" => Ok(false),
        "1" | "true" | "yes" | "on" => Ok(true),
        _ => Err(Reason::Invalid("应为是或否", "must be true or false")),
    }
}

impl WorkOrderInput {
    /// REP-1: location, the owner's name and phone, what is wrong and when the owner is at
    /// home (or the appointment they chose) are all required; every problem at once.
    pub fn parse(&self, tz: Tz, now: DateTime<Utc>) -> Result<ParsedWorkOrder, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", self.project_id.trim().parse::<i64>().map_err(|_| Reason::Invalid("请选择项目", "choose a project")));
        let unit_id = e.take("unit_id", opt_id(&self.unit_id)).flatten();
        let party_id = e.take("party_id", opt_id(&self.party_id)).flatten();
        let kind = match self.location_kind.trim() {
            "" if unit_id.is_some() => Some(LocationKind::InUnit),
            "" => {
                e.push("location_kind", Reason::Invalid("请选择户内或公共区域", "choose in-unit or public area"));
                None
            }
            k => e.take("location_kind", LocationKind::parse(k)),
        };
        if kind == Some(LocationKind::InUnit) && unit_id.is_none() {
            e.push("unit_id", Reason::Invalid("户内维修须选择房屋", "an in-unit repair needs its unit"));
        }
        let location = e.take("location", values::opt_text(&self.location, 200)).flatten().unwrap_or_default();
        if kind == Some(LocationKind::PublicArea) && location.is_empty() {
            e.push("location", Reason::Invalid("请填写公共区域的具体位置", "say where in the public area"));
        }
        let owner_name = e.take("owner_name", values::text(&self.owner_name, 60));
        let phone = e.take("contact_phone", if self.contact_phone.trim().is_empty() { Err(Reason::Required) } else { Phone::parse(&self.contact_phone) });
        let content = e.take("content", values::text(&self.content, 2000));
        let available_times = e.take("available_times", values::opt_text(&self.available_times, 200)).flatten().unwrap_or_default();
        let appointment_at = e.take(
            "appointment_at",
            values::optional(&self.appointment_at, |s| parse_due(s, tz)).and_then(|t| match t {
                Some(t) if t <= now => Err(Reason::Invalid("预约时间必须晚于现在", "must be in the future")),
                other => Ok(other),
            }),
        );
        let category = e.take(
            "category",
            if self.category.trim().is_empty() {
                Err(Reason::Invalid("请选择维修类别", "choose a category"))
            } else {
                RepairCategory::parse(&self.category)
            },
        );
        let emergency = e.take("emergency", flag(&self.emergency));
        // REP-1: someone must be able to let the repairer in, unless it is an emergency.
        if kind == Some(LocationKind::InUnit)
            && available_times.is_empty()
            && matches!(appointment_at, Some(None))
            && emergency == Some(false)
            && e.get("available_times").is_none()
        {
            e.push("available_times", Reason::Invalid("请填写业主方便上门的时间或预约时间", "give when the owner is at home or an appointment"));
        }
        match (project_id, kind, owner_name, phone, content, appointment_at, category, emergency) {
            (Some(project_id), Some(location_kind), Some(owner_name), Some(phone), Some(content), Some(appointment_at), Some(category), Some(emergency))
                if e.is_empty() =>
            {
                Ok(ParsedWorkOrder {
                    project_id,
                    unit_id,
                    party_id,
                    location_kind,
                    location,
                    owner_name,
                    contact_phone: phone.into_inner(),
                    content,
                    available_times,
                    appointment_at,
                    category,
                    emergency,
                })
            }
            _ => Err(e),
        }
    }
}

/// RCP-3: what the desk knows of a repair becomes the work order; the desk has no category or
/// emergency field, so both are suggested from the content for the dispatcher to see.
pub fn from_reception(project_id: i64, unit_id: Option<i64>, party_id: Option<i64>, contact_name: &str, contact_phone: &str, content: &str) -> ParsedWorkOrder {
    ParsedWorkOrder {
        project_id,
        unit_id,
        party_id,
        location_kind: if unit_id.is_some() { LocationKind::InUnit } else { LocationKind::PublicArea },
        location: String::new(),
        owner_name: if contact_name.trim().is_empty() { "未留名".to_string() } else { contact_name.trim().to_string() },
        contact_phone: contact_phone.to_string(),
        content: content.to_string(),
        available_times: String::new(),
        appointment_at: None,
        category: rules::suggest_category(content),
        emergency: rules::suggest_emergency(content),
    }
}

/// Creates a work order inside an open transaction; returns (id, number).
pub async fn create_tx(tx: &mut Tx, actor: &Actor, p: &ParsedWorkOrder, reception_id: Option<i64>, now: DateTime<Utc>) -> AppResult<(i64, String)> {
    let project = org::project(tx, actor, p.project_id).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("project_id", Reason::NotFound)))?;
    let mut errs = FieldErrors::new();
    if let Some(u) = p.unit_id
        && receptions::unit_project(tx, u).await? != Some(project.id)
    {
        errs.push("unit_id", Reason::NotFound);
    }
    if let Some(pid) = p.party_id
        && receptions::party_contact(tx, pid).await?.is_none_or(|(proj, _, _)| proj != project.id)
    {
        errs.push("party_id", Reason::NotFound);
    }
    errs.into_result()?;
    let clocks = project_clocks(tx, project.id).await?;
    let dues = rules::intake_dues(now, p.emergency, p.appointment_at, &clocks.clocks());
    // REP-10: numbered from the project's own counter.
    let seq = next_number(tx, project.id, "work_order").await?;
    let number = rules::number(&project.code, seq);
    let n = NewWorkOrder {
        project_id: project.id,
        number: &number,
        reception_id,
        unit_id: p.unit_id,
        party_id: p.party_id,
        location_kind: p.location_kind,
        location: &p.location,
        owner_name: &p.owner_name,
        contact_phone: &p.contact_phone,
        content: &p.content,
        available_times: &p.available_times,
        appointment_at: p.appointment_at,
        category: p.category,
        emergency: p.emergency,
        received_at: now,
        accept_due: dues.accept,
        on_site_due: dues.on_site,
    };
    let id = store::insert(tx, &n, now).await?;
    log(
        tx,
        actor,
        project.id,
        "work_order",
        id,
        "created",
        json!({
            "number": number, "to": "new", "category": p.category.code(), "location_kind": p.location_kind.code(), "emergency": p.emergency,
            "reception_id": reception_id, "accept_due": dues.accept, "on_site_due": dues.on_site, "appointment_at": p.appointment_at,
        }),
    )
    .await?;
    // REP-5: an emergency is told at once to the engineering heads and the project's supervisor.
    if p.emergency {
        let about = About { id, project_id: project.id, number: &number, content: &p.content };
        let notice = notify::work_order_notice(NoticeKind::EmergencyRepair, &about, &p.location);
        notify::enqueue(tx, actor, &notice, &notice_rules::emergency_repair_audience(), now).await?;
    }
    Ok((id, number))
}

/// Any staff member of the project may report a repair (RCP-1: every employee takes records).
pub async fn create(db: &Db, actor: &Actor, input: &WorkOrderInput) -> AppResult<(i64, String)> {
    let now = Utc::now();
    let p = input.parse(super::TZ, now)?;
    if !actor.sees_project(p.project_id) {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let mut tx = db.begin().await?;
    let r = create_tx(&mut tx, actor, &p, None, now).await?;
    tx.commit().await?;
    Ok(r)
}

/// The stages of an order with their deadlines and results.
pub fn stages(w: &WorkOrderRow) -> Vec<(Stage, Option<DateTime<Utc>>, Option<bool>)> {
    vec![
        (Stage::Accept, w.accept_due, w.accept_on_time),
        (Stage::OnSite, w.on_site_due, w.on_site_on_time),
        (Stage::Finish, w.finish_due, w.finish_on_time),
        (Stage::SignOff, w.sign_off_due, w.sign_off_on_time),
        (Stage::Callback, w.callback_due, w.callback_on_time),
    ]
}

/// Which side of the table the actor is on: customer service (and the system) dispatch, sign
/// for and call back; a department's staff do the field work of their department's orders.
pub async fn side(c: &mut impl AsEx, actor: &Actor) -> AppResult<By> {
    Ok(match complaints::side(c, actor).await? {
        ComplaintSide::Department(d) => By::Department(d),
        ComplaintSide::CustomerService | ComplaintSide::Head(_) | ComplaintSide::System => By::CustomerService,
    })
}

pub fn to_domain(row: &WorkOrderRow) -> WorkOrder {
    WorkOrder {
        status: row.status,
        category: row.category,
        location_kind: row.location_kind,
        emergency: row.emergency,
        received_at: row.received_at,
        department: row.department_id,
        dues: Dues { accept: row.accept_due, on_site: row.on_site_due, finish: row.finish_due, sign_off: row.sign_off_due, callback: row.callback_due },
        reopened: row.reopened.max(0) as u32,
        test_passed: row.test_passed,
        paid: row.paid_repair,
        // An unknown stored code reads as nothing agreed: the stricter side of REP-12.
        fee: row.fee_status.as_deref().and_then(|c| FeeStatus::parse(c).ok()),
    }
}

fn refused(e: TransitionError) -> AppError {
    match e {
        TransitionError::NotAllowed { status } => AppError::Conflict(format!("当前状态“{}”不允许此操作", status.zh())),
        TransitionError::NotYours => AppError::Forbidden,
        TransitionError::Missing(f) => AppError::Invalid(FieldErrors::single(f, Reason::Required)),
        TransitionError::Invalid { field, zh, en } => AppError::Invalid(FieldErrors::single(field, Reason::Invalid(zh, en))),
        TransitionError::FeeFirst { zh, .. } => AppError::Conflict(zh.to_string()),
    }
}

/// The actions the actor may take on a work order now (none for staff with no part in repairs).
pub async fn allowed(c: &mut impl AsEx, actor: &Actor, row: &WorkOrderRow) -> AppResult<Vec<&'static str>> {
    let by = match side(c, actor).await {
        Ok(by) => by,
        Err(AppError::Forbidden) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let clocks = project_clocks(c, row.project_id).await?;
    Ok(to_domain(row).allowed(by, Utc::now(), &clocks.clocks()))
}

/// Why the actor may not take `code` now (None: it fits): `NotYours` (403) when the step is
/// not theirs, else why it does not fit the order's state or fee (409).
pub async fn refusal(c: &mut impl AsEx, actor: &Actor, row: &WorkOrderRow, code: &str) -> AppResult<Option<TransitionError>> {
    let by = match side(c, actor).await {
        Ok(by) => by,
        Err(AppError::Forbidden) => return Ok(Some(TransitionError::NotYours)),
        Err(e) => return Err(e),
    };
    let clocks = project_clocks(c, row.project_id).await?;
    Ok(to_domain(row).refusal(code, by, Utc::now(), &clocks.clocks()))
}

/// A dispatch names a department of the actor's company and an active member of it who works
/// on the order's project.
async fn check_dispatch(c: &mut impl AsEx, actor: &Actor, project_id: i64, department: i64, assignee: i64) -> AppResult<()> {
    let mut e = FieldErrors::new();
    if !staff::departments(c, actor.company_id).await?.iter().any(|d| d.id == department) {
        e.push("department_id", Reason::NotFound);
    }
    match staff::by_id(c, actor.company_id, assignee).await? {
        Some(s) if s.active && s.department_id == Some(department) && staff::project_ids(c, s.id).await?.contains(&project_id) => {}
        Some(_) => e.push("assignee_id", Reason::Invalid("须为该部门在本项目的在职员工", "must be an active member of the department on this project")),
        None => e.push("assignee_id", Reason::NotFound),
    }
    Ok(e.into_result()?)
}

/// Applies one action: loads the order (locked), decides with the transition table, writes the
/// new state only if nobody changed it since `version`, records each completed stage's result,
/// closes the reception record it came from when it closes (RCP-7), appends the event — one
/// transaction.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: Option<i64>, action: &Action) -> AppResult<WorkOrderRow> {
    let mut tx = db.begin().await?;
    let saved = act_tx(&mut tx, actor, id, version, action, Utc::now()).await?;
    tx.commit().await?;
    Ok(saved)
}

pub async fn act_tx(tx: &mut Tx, actor: &Actor, id: i64, version: Option<i64>, action: &Action, now: DateTime<Utc>) -> AppResult<WorkOrderRow> {
    const STALE: &str = "工单已被他人处理，请刷新后重试";
    let lock = tx.for_update();
    let row = store::get(tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::Conflict(STALE.into()));
    }
    let by = side(tx, actor).await?;
    let clocks = project_clocks(tx, row.project_id).await?;
    let k = clocks.clocks();
    let change = to_domain(&row).apply(action, by, now, &k).map_err(refused)?;
    let mut u = Update {
        status: Some(change.status),
        finish_due: change.dues.finish,
        sign_off_due: change.dues.sign_off,
        callback_due: change.dues.callback,
        next_due: change.next_due(),
        results: change.results.clone(),
        reopened: change.reopened as i64,
        ..Update::default()
    };
    let detail = match action {
        Action::Dispatch { department, assignee } => {
            check_dispatch(tx, actor, row.project_id, *department, *assignee).await?;
            u.department_id = Some(*department);
            u.assignee_id = Some(*assignee);
            u.dispatched_at = Some(now);
            json!({"department_id": department, "assignee_id": assignee})
        }
        Action::Arrive { note, evidence, shut_off } => {
            u.arrived_at = Some(now);
            u.shut_off = shut_off.map(|s| s.code().to_string());
            u.evidence = Some(evidence.clone()).filter(|s| !s.is_empty());
            json!({"note": note, "evidence": evidence, "shut_off": shut_off.map(|s| s.code())})
        }
        Action::Start { plan, due } => {
            u.started_at = Some(now);
            u.plan = Some(plan.clone());
            json!({"plan": plan, "agreed_due": due, "finish_due": change.dues.finish})
        }
        Action::Finish { result } => {
            u.finished_at = Some(now);
            u.result = Some(result.clone());
            json!({"result": result})
        }
        Action::SignOff { signed_by, signature, note } => {
            if !signature.trim().is_empty() {
                check_signature(signature).map_err(|r| FieldErrors::single("signature", r))?;
                u.signature = Some(signature.trim().to_string());
            }
            u.signed_by = Some(signed_by.clone());
            u.signed_off_at = Some(now);
            // The image is kept on the order only; the event says that it was signed.
            json!({"signed_by": signed_by, "signed": !signature.trim().is_empty(), "note": note, "callback_due": change.dues.callback})
        }
        Action::CallbackDone { satisfied, note } => json!({"satisfied": satisfied, "note": note}),
        Action::Cancel { reason } => {
            u.cancel_reason = Some(reason.clone());
            json!({"reason": reason})
        }
        Action::DecideCause { cause, note } => {
            let (component, years, in_warranty) = warranty(tx, actor, &row).await?;
            let resp = rules::responsibility(*cause, in_warranty);
            let paid = resp == Responsibility::Owner;
            contractors::set_cause(tx, id, cause.code(), note, in_warranty, resp.code(), paid).await?;
            json!({"rule": "REP-3", "cause": cause.code(), "note": note, "component": component.code(), "warranty_years": years,
                   "in_warranty": in_warranty, "responsibility": resp.code(), "paid_repair": paid})
        }
        Action::ChooseRepairer { contractor } => {
            if let Some(cid) = contractor {
                check_contractor(tx, actor, *cid, row.category.trade(), now).await?;
            }
            contractors::set_contractor(tx, id, *contractor).await?;
            json!({"rule": "REP-4", "contractor_id": contractor})
        }
        Action::RecordTest { owner_present, office_present, passed, note } => {
            let t = NewTest {
                work_order_id: id,
                owner_present: *owner_present,
                office_present: *office_present,
                passed: *passed,
                note,
                tested_by: Some(actor.staff_id),
            };
            contractors::insert_test(tx, &t, now).await?;
            json!({"rule": "REP-6", "owner_present": owner_present, "office_present": office_present, "passed": passed, "note": note})
        }
    };
    if change.test_passed != row.test_passed {
        contractors::set_test_passed(tx, id, change.test_passed).await?;
    }
    if matches!(change.status, WorkOrderStatus::Closed | WorkOrderStatus::Cancelled) {
        u.closed_at = Some(now);
    }
    if !store::update(tx, id, row.version, &u).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    let results: Vec<_> = change.results.iter().map(|(s, ok)| json!({"stage": s.code(), "on_time": ok})).collect();
    let started = follow_up(tx, actor, &row, action, &change, now).await?;
    log(
        tx,
        actor,
        row.project_id,
        "work_order",
        id,
        action.code(),
        json!({"from": row.status.code(), "to": change.status.code(), "detail": detail, "results": results, "started": started}),
    )
    .await?;
    if !change.status.is_open()
        && let Some(rid) = row.reception_id
    {
        let what = format!("维修工单 {} {}", row.number, change.status.zh());
        let link = json!({"work_order": {"id": row.id, "number": row.number, "status": change.status.code()}});
        crate::ops::reception::settle_follow_up(tx, actor, rid, &what, link, now).await?;
    }
    store::get(tx, actor, id, "").await?.ok_or(AppError::NotFound)
}

/// REP-3: the warranty that covers the order's category, its years (the project's own or the
/// legal minimum) and whether the report date falls within it, counted from the unit's handover.
pub async fn warranty(c: &mut impl AsEx, actor: &Actor, row: &WorkOrderRow) -> AppResult<(Component, i64, Option<bool>)> {
    let component = row.category.component();
    let years = contractors::warranty_years(c, row.project_id, component).await?.unwrap_or_else(|| component.default_years());
    let reported = row.received_at.with_timezone(&super::TZ).date_naive();
    let handover = match row.unit_id {
        Some(u) => org::unit(c, actor, u, reported).await?.and_then(|u| u.handover_date),
        None => None,
    };
    Ok((component, years, rules::in_warranty(handover, years, reported)))
}

/// REP-4 / REP-11: only an approved contractor of the company, qualified for the trade on the
/// day, may be sent in.
async fn check_contractor(c: &mut impl AsEx, actor: &Actor, contractor_id: i64, trade: Trade, now: DateTime<Utc>) -> AppResult<()> {
    let Some(ct) = contractors::get(c, actor.company_id, contractor_id).await? else {
        return Err(FieldErrors::single("contractor_id", Reason::NotFound).into());
    };
    let quals: Vec<(Trade, NaiveDate)> = contractors::qualifications(c, ct.id).await?.into_iter().map(|q| (q.trade, q.expires_on)).collect();
    let today = now.with_timezone(&super::TZ).date_naive();
    match rules::contractor_refusal(ct.approved, &quals, trade, today) {
        Some((zh, en)) => Err(FieldErrors::single("contractor_id", Reason::Invalid(zh, en)).into()),
        None => Ok(()),
    }
}

/// What an action starts beyond the order itself, in its transaction: REP-5 the dispatch
/// notice; REP-8 the callback row at sign-off, settled by the callback's outcome; REP-9 the
/// rectification notice when the owner is dissatisfied. Returns what it started, for the
/// action's own event (one event per action).
async fn follow_up(
    tx: &mut Tx,
    actor: &Actor,
    row: &WorkOrderRow,
    action: &Action,
    change: &rules::Change,
    now: DateTime<Utc>,
) -> AppResult<serde_json::Value> {
    Ok(match action {
        Action::Dispatch { department, assignee } => {
            let about = About { id: row.id, project_id: row.project_id, number: &row.number, content: &row.content };
            let mut notice = notify::work_order_notice(NoticeKind::RepairDispatched, &about, "");
            if row.emergency {
                notice.subject = format!("紧急{}", notice.subject);
            }
            let told = notify::enqueue(tx, actor, &notice, &notice_rules::repair_dispatch_audience(*department, *assignee), now).await?;
            json!({"notified": told})
        }
        Action::SignOff { .. } => {
            // REP-8: the callback is listed with the complaint callbacks, due by the repair's type.
            if let Some(due_at) = change.dues.callback {
                let n = NewCallback {
                    project_id: row.project_id,
                    subject: CallbackSubject::Repair.code(),
                    subject_id: row.id,
                    due_at,
                    role: CallbackRole::Assistant,
                };
                let cb = complaint_store::insert_callback(tx, &n, now).await?;
                // CBK-2: the staff of the callback's role hear of it.
                let about = About { id: row.id, project_id: row.project_id, number: &row.number, content: &row.content };
                let mut notice = notify::work_order_notice(NoticeKind::CallbackAssigned, &about, "");
                notice.link = format!("/callbacks/{cb}");
                notify::enqueue(tx, actor, &notice, &[Audience::Roles(notice_rules::callback_roles(CallbackRole::Assistant))], now).await?;
                json!({"rule": "REP-8", "callback_id": cb, "callback_due": due_at})
            } else {
                serde_json::Value::Null
            }
        }
        Action::CallbackDone { satisfied, note } => {
            let pending = callbacks::pending_for_work_order(tx, row.id).await?;
            let by = Some(actor.staff_id).filter(|s| *s > 0);
            complaint_store::settle_callbacks(tx, CallbackSubject::Repair.code(), row.id, "done", Some(*satisfied), None, by, now).await?;
            let rectification = if *satisfied { None } else { Some(crate::ops::rectification::issue_tx(tx, actor, row, pending, note, now).await?) };
            json!({"callback_id": pending, "rectification_id": rectification})
        }
        _ => serde_json::Value::Null,
    })
}

/// An action as typed on a page or sent to the API, all fields as text.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActionInput {
    #[serde(default, deserialize_with = "de_text")]
    pub action: String,
    #[serde(default, deserialize_with = "de_text")]
    pub department_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub assignee_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
    #[serde(default, deserialize_with = "de_text")]
    pub evidence: String,
    #[serde(default, deserialize_with = "de_text")]
    pub shut_off: String,
    #[serde(default, deserialize_with = "de_text")]
    pub plan: String,
    #[serde(default, deserialize_with = "de_text")]
    pub due: String,
    #[serde(default, deserialize_with = "de_text")]
    pub result: String,
    #[serde(default, deserialize_with = "de_text")]
    pub signed_by: String,
    #[serde(default, deserialize_with = "de_text")]
    pub signature: String,
    #[serde(default, deserialize_with = "de_text")]
    pub satisfied: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reason: String,
    /// REP-3: the `Cause` code.
    #[serde(default, deserialize_with = "de_text")]
    pub cause: String,
    /// REP-4: the contractor sent in; empty for our own engineering staff.
    #[serde(default, deserialize_with = "de_text")]
    pub contractor_id: String,
    /// REP-6: who witnessed the test and its result.
    #[serde(default, deserialize_with = "de_text")]
    pub owner_present: String,
    #[serde(default, deserialize_with = "de_text")]
    pub office_present: String,
    #[serde(default, deserialize_with = "de_text")]
    pub passed: String,
}

impl ActionInput {
    /// The domain action, or every malformed field at once (what is required for the order's
    /// state is the table's to say).
    pub fn parse(&self, tz: Tz) -> Result<Action, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = |e: &mut FieldErrors, field: &str, v: &str, max: usize| e.take(field, values::opt_text(v, max)).flatten().unwrap_or_default();
        let action = match self.action.trim() {
            "dispatch" => {
                let department = e.take("department_id", self.department_id.trim().parse::<i64>().map_err(|_| Reason::Required));
                let assignee = e.take("assignee_id", self.assignee_id.trim().parse::<i64>().map_err(|_| Reason::Required));
                Action::Dispatch { department: department.unwrap_or_default(), assignee: assignee.unwrap_or_default() }
            }
            "arrive" => Action::Arrive {
                note: text(&mut e, "note", &self.note, 1000),
                evidence: text(&mut e, "evidence", &self.evidence, 1000),
                shut_off: e.take("shut_off", values::optional(&self.shut_off, ShutOff::parse)).flatten(),
            },
            "start" => {
                Action::Start { plan: text(&mut e, "plan", &self.plan, 2000), due: e.take("due", values::optional(&self.due, |s| parse_due(s, tz))).flatten() }
            }
            "finish" => Action::Finish { result: text(&mut e, "result", &self.result, 2000) },
            "sign_off" => Action::SignOff {
                signed_by: text(&mut e, "signed_by", &self.signed_by, 60),
                signature: self.signature.trim().to_string(),
                note: text(&mut e, "note", &self.note, 1000),
            },
            "callback_done" => {
                let satisfied = match self.satisfied.trim() {
                    "" => Err(Reason::Required),
                    s => flag(s).map_err(|_| Reason::Invalid("应为满意或不满意", "must be true or false")),
                };
                Action::CallbackDone { satisfied: e.take("satisfied", satisfied).unwrap_or(true), note: text(&mut e, "note", &self.note, 1000) }
            }
            "cancel" => Action::Cancel { reason: text(&mut e, "reason", &self.reason, 500) },
            "decide_cause" => {
                let cause = match self.cause.trim() {
                    "" => Err(Reason::Required),
                    c => Cause::parse(c),
                };
                Action::DecideCause { cause: e.take("cause", cause).unwrap_or(Cause::Defect), note: text(&mut e, "note", &self.note, 1000) }
            }
            "choose_repairer" => Action::ChooseRepairer { contractor: e.take("contractor_id", opt_id(&self.contractor_id)).flatten() },
            "record_test" => {
                let passed = match self.passed.trim() {
                    "" => Err(Reason::Required),
                    s => flag(s).map_err(|_| Reason::Invalid("应为合格或不合格", "must be true or false")),
                };
                Action::RecordTest {
                    owner_present: e.take("owner_present", flag(&self.owner_present)).unwrap_or(false),
                    office_present: e.take("office_present", flag(&self.office_present)).unwrap_or(false),
                    passed: e.take("passed", passed).unwrap_or(false),
                    note: text(&mut e, "note", &self.note, 1000),
                }
            }
            "" => {
                e.push("action", Reason::Required);
                Action::Cancel { reason: String::new() }
            }
            _ => {
                e.push("action", Reason::Invalid("不是可选的操作", "is not a known action"));
                Action::Cancel { reason: String::new() }
            }
        };
        e.into_result().map(|_| action)
    }
}

/// REP: indexes the work orders from before the search index, in transactions of
/// `SEARCH_BACKFILL_CHUNK` as complaints are (searches scan with LIKE until none is left).
pub async fn index_search_backlog(db: &Db) -> AppResult<usize> {
    let mut total = 0usize;
    loop {
        let mut tx = db.begin().await?;
        let n = store::index_pending(&mut tx, complaints::SEARCH_BACKFILL_CHUNK).await?;
        tx.commit().await?;
        total += n;
        if (n as i64) < complaints::SEARCH_BACKFILL_CHUNK {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}
