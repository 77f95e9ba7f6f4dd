//! RCP: the reception desk as transaction scripts. A contact becomes a record (RCP-1) with one
//! category (RCP-2) that decides what follows (RCP-3) — a complaint is created in the same
//! transaction — written contacts are acknowledged (RCP-4), a record is closed only when what
//! it started is closed (RCP-7); the shift log and handover (RCP-6); lost and found (FD-3).

use crate::error::{AppError, AppResult};
use crate::ops::complaint::{ComplaintInput, create_tx};
use crate::ops::{de_text, log};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::reception::ReceptionState;
use propdesk_domain::reception::{Category, Channel, FollowUp, ReceptionStatus, needs_acknowledgement};
use propdesk_domain::values::{self, Phone};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::complaint::next_number;
use propdesk_store::models::org;
use propdesk_store::models::reception::{self as store, FollowUpState, NewLostItem, NewReception, ReceptionRow, Update};
use propdesk_store::{AsEx, Db, Tx, is_unique_violation};
use serde::Deserialize;
use serde_json::json;

use super::TZ;

/// The start of a business day in UTC.
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    TZ.from_local_datetime(&midnight).earliest().map(|t| t.with_timezone(&Utc)).unwrap_or_else(|| midnight.and_utc())
}

/// Customer-service roles act on records, shifts and the register; every employee may take a
/// record (RCP-1).
pub fn may_act(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Manager | Role::Supervisor | Role::Specialist | Role::TaxSpecialist | Role::Receptionist)
}

pub(crate) fn require_cs(actor: &Actor) -> AppResult<()> {
    if may_act(actor) { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A time typed at the desk (`2026-11-27 09:30` or the browser's `2026-11-27T09:30`), in the
/// project's zone.
fn local_time(input: &str) -> Result<DateTime<Utc>, Reason> {
    let t = input.trim().replace('T', " ");
    let naive = NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%d %H:%M:%S"))
        .map_err(|_| Reason::Invalid("时间格式应为 YYYY-MM-DD HH:MM", "must be a time as YYYY-MM-DD HH:MM"))?;
    TZ.from_local_datetime(&naive).earliest().map(|t| t.with_timezone(&Utc)).ok_or(Reason::Invalid("该时间不存在", "does not exist in the project's zone"))
}

fn opt_id(s: &str) -> Result<Option<i64>, Reason> {
    values::optional(s, |v| v.trim().parse::<i64>().map_err(|_| Reason::NotFound))
}

// ---------- recording a contact (RCP-1…RCP-4) ----------

/// A contact as taken at the desk or through the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReceptionInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub channel: String,
    #[serde(default, deserialize_with = "de_text")]
    pub category: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub party_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub contact_name: String,
    #[serde(default, deserialize_with = "de_text")]
    pub contact_phone: String,
    #[serde(default, deserialize_with = "de_text")]
    pub content: String,
    /// 咨询: the answer given on the spot; other categories: a note on what follows.
    #[serde(default, deserialize_with = "de_text")]
    pub answer: String,
    /// 服务: the fee of the paid service, as told to the caller.
    #[serde(default, deserialize_with = "de_text")]
    pub fee: String,
    /// RCP-4: when a letter, e-mail or message arrived, if earlier than now (project time).
    #[serde(default, deserialize_with = "de_text")]
    pub received_at: String,
}

#[derive(Debug, Clone)]
pub struct ParsedReception {
    pub project_id: i64,
    pub channel: Channel,
    pub category: Category,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub contact_name: String,
    pub contact_phone: String,
    pub content: String,
    pub answer: Option<String>,
    pub fee: Option<String>,
    pub received_at: Option<DateTime<Utc>>,
}

impl ReceptionInput {
    /// Every field validated; all problems reported at once.
    pub fn parse(&self, now: DateTime<Utc>) -> Result<ParsedReception, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", self.project_id.trim().parse::<i64>().map_err(|_| Reason::Invalid("请选择项目", "choose a project")));
        let channel = e.take("channel", if self.channel.trim().is_empty() { Ok(Channel::Phone) } else { Channel::parse(&self.channel) });
        let category = e.take(
            "category",
            if self.category.trim().is_empty() { Err(Reason::Invalid("请选择接待类别", "choose a category")) } else { Category::parse(&self.category) },
        );
        let unit_id = e.take("unit_id", opt_id(&self.unit_id));
        let party_id = e.take("party_id", opt_id(&self.party_id));
        let contact_name = e.take("contact_name", values::opt_text(&self.contact_name, 60));
        let phone = e.take("contact_phone", values::optional(&self.contact_phone, Phone::parse));
        let content = e.take("content", values::text(&self.content, 2000));
        let answer = e.take("answer", values::opt_text(&self.answer, 500));
        let fee = e.take("fee", values::opt_text(&self.fee, 60));
        let received_at = e.take(
            "received_at",
            values::optional(&self.received_at, local_time).and_then(|t| match t {
                Some(t) if t > now + Duration::minutes(5) => Err(Reason::Invalid("收到时间不能晚于现在", "cannot be in the future")),
                other => Ok(other),
            }),
        );
        match (project_id, channel, category, unit_id, party_id, contact_name, phone, content, answer, fee, received_at) {
            (
                Some(project_id),
                Some(channel),
                Some(category),
                Some(unit_id),
                Some(party_id),
                Some(contact_name),
                Some(phone),
                Some(content),
                Some(answer),
                Some(fee),
                Some(received_at),
            ) if e.is_empty() => Ok(ParsedReception {
                project_id,
                channel,
                category,
                unit_id,
                party_id,
                contact_name: contact_name.unwrap_or_default(),
                contact_phone: phone.map(Phone::into_inner).unwrap_or_default(),
                content,
                answer,
                fee,
                received_at,
            }),
            _ => Err(e),
        }
    }
}

/// RCP-3: the state a new record starts in, by its category.
pub fn start(p: &ParsedReception) -> (ReceptionStatus, FollowUpState, String) {
    let with = |base: &str| match &p.answer {
        Some(a) => format!("{base}；{a}"),
        None => base.to_string(),
    };
    match p.category.follow_up() {
        FollowUp::ReturnSlip => (ReceptionStatus::Open, FollowUpState::Pending, with("物业返修联系单 已发售后部")),
        FollowUp::WorkOrder => (ReceptionStatus::Open, FollowUpState::Pending, with("已转维修工单")),
        FollowUp::Complaint => (ReceptionStatus::Open, FollowUpState::None, with("已转投诉处理")),
        FollowUp::ServiceOrder => {
            let fee = p.fee.as_deref().unwrap_or("待报价");
            (ReceptionStatus::Open, FollowUpState::Pending, with(&format!("有偿服务单，费用：{fee}")))
        }
        FollowUp::VerifyPraise => (ReceptionStatus::Open, FollowUpState::Pending, with("待核实表扬")),
        FollowUp::ReportToManager => (ReceptionStatus::Open, FollowUpState::Pending, with("待上报项目经理")),
        FollowUp::AnsweredOnSpot => (
            ReceptionStatus::Closed,
            FollowUpState::None,
            match &p.answer {
                Some(a) => format!("已当场答复：{a}"),
                None => "已当场答复".to_string(),
            },
        ),
        FollowUp::Register => (ReceptionStatus::Open, FollowUpState::None, p.answer.clone().unwrap_or_default()),
    }
}

/// A recorded contact; `replayed` when the same form token or `Idempotency-Key` had already
/// created it (nothing new was written).
#[derive(Debug, Clone)]
pub struct Recorded {
    pub record: ReceptionRow,
    pub replayed: bool,
}

/// What the checks before the transaction found: the project and the contact's defaults.
struct Checked {
    project: org::Project,
    contact_name: String,
    contact_phone: String,
}

/// Records a contact: validates, numbers it `{code}/JD0001`, starts what its category starts
/// (a complaint in the same transaction), appends the events, and commits. The same key
/// within the project gives back the same record (RCP double submit → one record).
///
/// The checks run inside the write transaction: SQLite's writer runs statements inline, so an
/// indexed lookup there costs microseconds, less than a round trip to the read pool. A key
/// used twice at the same moment is caught by the unique index and answered with the record
/// that won.
pub async fn record(db: &Db, actor: &Actor, input: &ReceptionInput, key: Option<&str>) -> AppResult<Recorded> {
    let now = Utc::now();
    let p = input.parse(now)?;
    if !actor.sees_project(p.project_id) {
        return Err(FieldErrors::single("project_id", Reason::NotFound).into());
    }
    let key = key.map(str::trim).filter(|k| !k.is_empty());
    if key.is_some_and(|k| k.len() > 200) {
        return Err(AppError::BadRequest("Idempotency-Key is longer than 200 characters".into()));
    }
    if let Some(k) = key {
        let mut c = db.read().await?;
        if let Some(existing) = store::by_idempotency_key(&mut c, p.project_id, k).await? {
            same_request(&existing, &p)?;
            return Ok(Recorded { record: existing, replayed: true });
        }
    }
    let mut tx = db.begin().await?;
    let checked = check(&mut tx, actor, &p).await?;
    let Some(id) = record_tx(&mut tx, actor, &p, &checked, key, now).await? else {
        // Another request with the same key committed first: answer with its record.
        drop(tx);
        let mut c = db.read().await?;
        let existing = store::by_idempotency_key(&mut c, p.project_id, key.unwrap_or_default())
            .await?
            .ok_or_else(|| AppError::Conflict("the same Idempotency-Key is being used by another request".into()))?;
        same_request(&existing, &p)?;
        return Ok(Recorded { record: existing, replayed: true });
    };
    let record = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(Recorded { record, replayed: false })
}

/// A key reused for a different contact is refused, so a client bug cannot hide a record.
fn same_request(r: &ReceptionRow, p: &ParsedReception) -> AppResult<()> {
    if r.category == p.category && r.channel == p.channel && r.content == p.content {
        Ok(())
    } else {
        Err(AppError::Conflict(format!("该提交凭证已用于接待记录 {}，内容不同", r.number)))
    }
}

/// SEC-2: the project is the actor's, the unit and the party are of the project; the contact
/// defaults to the party's name and phone.
async fn check(c: &mut impl AsEx, actor: &Actor, p: &ParsedReception) -> AppResult<Checked> {
    let project = org::project(c, actor, p.project_id).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("project_id", Reason::NotFound)))?;
    let mut errs = FieldErrors::new();
    if let Some(u) = p.unit_id
        && store::unit_project(c, u).await? != Some(project.id)
    {
        errs.push("unit_id", Reason::NotFound);
    }
    let mut contact_name = p.contact_name.clone();
    let mut contact_phone = p.contact_phone.clone();
    if let Some(pid) = p.party_id {
        match store::party_contact(c, pid).await? {
            Some((project_id, name, phone)) if project_id == project.id => {
                if contact_name.is_empty() {
                    contact_name = name;
                }
                if contact_phone.is_empty() {
                    contact_phone = phone;
                }
            }
            _ => errs.push("party_id", Reason::NotFound),
        }
    }
    errs.into_result()?;
    Ok(Checked { project, contact_name, contact_phone })
}

/// The writes of one contact; `None` when the key was taken meanwhile (the caller rolls back).
async fn record_tx(tx: &mut Tx, actor: &Actor, p: &ParsedReception, checked: &Checked, key: Option<&str>, now: DateTime<Utc>) -> AppResult<Option<i64>> {
    let Checked { project, contact_name, contact_phone } = checked;
    let seq = next_number(tx, project.id, "reception").await?;
    let number = format!("{}/JD{seq:04}", project.code);
    let (status, follow_up_state, follow_up) = start(p);
    // CMP-16: an online complaint goes at once to the responsible department head.
    let online_complaint = p.category == Category::Complaint && p.channel == Channel::Online;
    let received_at = p.received_at.unwrap_or(now);
    let n = NewReception {
        project_id: project.id,
        number: &number,
        channel: p.channel,
        category: p.category,
        unit_id: p.unit_id,
        party_id: p.party_id,
        contact_name,
        contact_phone,
        content: &p.content,
        taken_by: Some(actor.staff_id).filter(|s| *s > 0),
        received_at,
        status,
        follow_up: &follow_up,
        follow_up_state,
        closed_at: (status == ReceptionStatus::Closed).then_some(now),
        report_to: if online_complaint { "department_head" } else { "" },
        idempotency_key: key,
    };
    let id = match store::insert(tx, &n, now).await {
        Err(e) if key.is_some() && is_unique_violation(&e) => return Ok(None),
        r => r?,
    };

    // RCP-3: a complaint is created with the record, in the same transaction (CMP-3 intake).
    let mut complaint = None;
    if p.category == Category::Complaint {
        let input = ComplaintInput {
            project_id: project.id.to_string(),
            unit_id: p.unit_id.map(|u| u.to_string()).unwrap_or_default(),
            party_id: p.party_id.map(|u| u.to_string()).unwrap_or_default(),
            complainant: contact_name.clone(),
            contact_phone: contact_phone.clone(),
            channel: p.channel.code().to_string(),
            content: p.content.clone(),
            ..Default::default()
        };
        let parsed = input.parse()?;
        let (cid, cnumber) = create_tx(tx, actor, &parsed, Some(id), now).await?;
        if online_complaint {
            log(tx, actor, project.id, "complaint", cid, "online_flagged", json!({"rule": "CMP-16", "report_to": "department_head", "reception_id": id}))
                .await?;
        }
        complaint = Some(json!({"id": cid, "number": cnumber}));
    }
    // RCP-3: a repair record starts its work order in the same transaction (REP-1, REP-10).
    let mut work_order = None;
    if p.category == Category::Repair {
        let wo = crate::ops::work_order::from_reception(project.id, p.unit_id, p.party_id, contact_name, contact_phone, &p.content);
        let (wid, wnumber) = crate::ops::work_order::create_tx(tx, actor, &wo, Some(id), now).await?;
        let text = follow_up.replacen("已转维修工单", &format!("已转维修工单 {wnumber}"), 1);
        store::set_follow_up(tx, id, &text).await?;
        work_order = Some(json!({"id": wid, "number": wnumber}));
    }
    // RCP-3: an after-sales record sends its return slip the same day, in the same transaction.
    let mut return_slip = None;
    if p.category == Category::AfterSales {
        let slip =
            crate::ops::return_slip::NewSlip { project, reception_id: id, unit_id: p.unit_id, owner_name: contact_name, contact_phone, content: &p.content };
        let (sid, snumber) = crate::ops::return_slip::create_tx(tx, actor, &slip, now).await?;
        let text = follow_up.replacen("物业返修联系单", &format!("物业返修联系单 {snumber}"), 1);
        store::set_follow_up(tx, id, &text).await?;
        return_slip = Some(json!({"id": sid, "number": snumber}));
    }
    log(
        tx,
        actor,
        project.id,
        "reception",
        id,
        "created",
        json!({
            "number": number, "channel": p.channel.code(), "category": p.category.code(), "status": status.code(),
            "follow_up": follow_up, "follow_up_state": follow_up_state.code(), "unit_id": p.unit_id, "party_id": p.party_id,
            "received_at": received_at, "complaint": complaint, "work_order": work_order, "return_slip": return_slip, "report_to": n.report_to,
            "acknowledgement_due": needs_acknowledgement(p.channel),
        }),
    )
    .await?;
    Ok(Some(id))
}

// ---------- following a record up (RCP-3, RCP-4, RCP-7) ----------

/// What may be done to a record next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceptionAction {
    /// RCP-4: the sender of a letter, e-mail or online message was told it arrived.
    Acknowledge { note: String },
    /// RCP-4: the written reply was sent once everything is resolved.
    Reply { note: String },
    /// RCP-3: chase what it started (the after-sales return slip, a work order, a service order).
    Chase { note: String },
    /// RCP-3: what it started is done (after-sales fixed, repaired, service delivered).
    Done { note: String },
    /// RCP-3 / STF-5: the praise is verified and noted on the praised staff member's record.
    VerifyPraise { staff_id: i64, note: String },
    /// RCP-3: the suggestion was reported to the project manager (closes the record).
    ReportToManager { note: String },
    /// RCP-7: 注销 — only when everything it started is closed.
    Close { reason: String },
}

impl ReceptionAction {
    pub const CODES: [&'static str; 7] = ["acknowledge", "reply", "chase", "done", "verify_praise", "report_manager", "close"];

    pub fn code(&self) -> &'static str {
        match self {
            ReceptionAction::Acknowledge { .. } => "acknowledge",
            ReceptionAction::Reply { .. } => "reply",
            ReceptionAction::Chase { .. } => "chase",
            ReceptionAction::Done { .. } => "done",
            ReceptionAction::VerifyPraise { .. } => "verify_praise",
            ReceptionAction::ReportToManager { .. } => "report_manager",
            ReceptionAction::Close { .. } => "close",
        }
    }

    /// Parses an action from a form: `action` plus its fields; every problem as a field error.
    pub fn parse(action: &str, note: &str, staff_id: &str) -> Result<ReceptionAction, FieldErrors> {
        let opt_note = |e: &mut FieldErrors| e.take("note", values::opt_text(note, 500)).flatten().unwrap_or_default();
        let mut e = FieldErrors::new();
        let a = match action {
            "acknowledge" => ReceptionAction::Acknowledge { note: opt_note(&mut e) },
            "reply" => ReceptionAction::Reply { note: opt_note(&mut e) },
            "chase" => ReceptionAction::Chase { note: e.take("note", values::text(note, 500)).unwrap_or_default() },
            "done" => ReceptionAction::Done { note: e.take("note", values::text(note, 500)).unwrap_or_default() },
            "verify_praise" => {
                let staff =
                    e.take("staff_id", staff_id.trim().parse::<i64>().map_err(|_| Reason::Invalid("请选择被表扬的员工", "choose the praised staff member")));
                ReceptionAction::VerifyPraise { staff_id: staff.unwrap_or_default(), note: opt_note(&mut e) }
            }
            "report_manager" => ReceptionAction::ReportToManager { note: opt_note(&mut e) },
            "close" => ReceptionAction::Close { reason: e.take("note", values::text(note, 500)).unwrap_or_default() },
            _ => return Err(FieldErrors::single("action", Reason::Invalid("不是可选的操作", "is not an allowed action"))),
        };
        e.into_result().map(|_| a)
    }
}

/// The actions a record allows now (buttons on its page; anything else → 409), from the
/// domain's reception action table.
pub fn allowed(r: &ReceptionRow) -> Vec<&'static str> {
    propdesk_domain::reception::allowed(&ReceptionState {
        status: r.status,
        channel: r.channel,
        category: r.category,
        acknowledged: r.acknowledged_at.is_some(),
        replied: r.replied_at.is_some(),
        follow_up: r.follow_up_state,
        started_open: r.started_open(),
        has_slip: r.return_slip_id.is_some(),
    })
}

/// Why a record may not be closed yet, in words (RCP-7).
pub fn open_items(r: &ReceptionRow) -> Vec<String> {
    let mut v = Vec::new();
    if let (Some(n), Some(s)) = (&r.complaint_number, &r.complaint_status)
        && s != "closed"
    {
        v.push(format!("投诉 {n} 未关闭"));
    }
    if r.follow_up_state == FollowUpState::Pending {
        v.push(format!("{} 未办结", r.follow_up));
    }
    if r.lost_kept > 0 {
        v.push(format!("{} 件失物未认领", r.lost_kept));
    }
    v
}

/// Applies one action: loads the record (locked), checks it is still at `version`, checks the
/// action is allowed now, writes the new state and the event — one transaction.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: Option<i64>, action: &ReceptionAction) -> AppResult<ReceptionRow> {
    require_cs(actor)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::Conflict("接待记录已被他人处理，请刷新后重试".into()));
    }
    if !allowed(&row).contains(&action.code()) {
        let why = match action {
            ReceptionAction::Close { .. } if row.status == ReceptionStatus::Open => format!("尚有未办结的事项（{}），不能注销", open_items(&row).join("；")),
            _ => format!("记录 {}（{}）当前不允许此操作", row.number, row.status.zh()),
        };
        return Err(AppError::Conflict(why));
    }
    let follow_up_text;
    let mut u = Update {
        status: row.status,
        follow_up: &row.follow_up,
        follow_up_state: row.follow_up_state,
        follow_up_done_at: row.follow_up_done_at,
        acknowledged_at: row.acknowledged_at,
        replied_at: row.replied_at,
        closed_at: row.closed_at,
    };
    let mut payload = json!({"from": row.status.code()});
    match action {
        ReceptionAction::Acknowledge { note } => {
            u.acknowledged_at = Some(now);
            payload["note"] = json!(note);
        }
        ReceptionAction::Reply { note } => {
            u.replied_at = Some(now);
            payload["note"] = json!(note);
        }
        ReceptionAction::Chase { note } => payload["note"] = json!(note),
        ReceptionAction::Done { note } => {
            u.follow_up_state = FollowUpState::Done;
            u.follow_up_done_at = Some(now);
            follow_up_text = format!("{}；已办结：{note}", row.follow_up);
            u.follow_up = &follow_up_text;
            payload["note"] = json!(note);
        }
        ReceptionAction::VerifyPraise { staff_id, note } => {
            let staff = store::project_staff(&mut tx, actor, row.project_id).await?;
            let Some(praised) = staff.iter().find(|s| s.id == *staff_id) else {
                return Err(FieldErrors::single("staff_id", Reason::NotFound).into());
            };
            u.follow_up_state = FollowUpState::Done;
            u.follow_up_done_at = Some(now);
            follow_up_text = format!("表扬已核实：{}", praised.display_name);
            u.follow_up = &follow_up_text;
            u.status = ReceptionStatus::Closed;
            u.closed_at = Some(now);
            payload["staff_id"] = json!(staff_id);
            payload["note"] = json!(note);
            // STF-5: noted on the praised staff member's record.
            log(
                &mut tx,
                actor,
                row.project_id,
                "staff",
                *staff_id,
                "praised",
                json!({"reception_id": row.id, "number": row.number, "content": row.content, "note": note}),
            )
            .await?;
        }
        ReceptionAction::ReportToManager { note } => {
            u.follow_up_state = FollowUpState::Done;
            u.follow_up_done_at = Some(now);
            follow_up_text = "已上报经理".to_string();
            u.follow_up = &follow_up_text;
            u.status = ReceptionStatus::Closed;
            u.closed_at = Some(now);
            payload["note"] = json!(note);
        }
        ReceptionAction::Close { reason } => {
            u.status = ReceptionStatus::Closed;
            u.closed_at = Some(now);
            payload["reason"] = json!(reason);
        }
    }
    payload["to"] = json!(u.status.code());
    if !store::update(&mut tx, id, row.version, &u).await? {
        return Err(AppError::Conflict("接待记录已被他人处理，请刷新后重试".into()));
    }
    log(&mut tx, actor, row.project_id, "reception", id, action.code(), payload).await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// RCP-7: a record's follow-up is done when what it started (its work order, its return slip)
/// is; the record closes with it unless something else it started is still open. `what` is
/// appended to the follow-up text, `link` names the finished thing in the event.
pub async fn settle_follow_up(tx: &mut Tx, actor: &Actor, reception_id: i64, what: &str, link: serde_json::Value, now: DateTime<Utc>) -> AppResult<()> {
    let Some(r) = store::get(tx, actor, reception_id, "").await? else { return Ok(()) };
    if r.follow_up_state != FollowUpState::Pending {
        return Ok(());
    }
    let follow_up = format!("{}；{what}", r.follow_up);
    let complaint_open = r.complaint_id.is_some() && r.complaint_status.as_deref() != Some("closed");
    let close = r.status == ReceptionStatus::Open && !complaint_open && r.lost_kept == 0;
    let u = Update {
        status: if close { ReceptionStatus::Closed } else { r.status },
        follow_up: &follow_up,
        follow_up_state: FollowUpState::Done,
        follow_up_done_at: Some(now),
        acknowledged_at: r.acknowledged_at,
        replied_at: r.replied_at,
        closed_at: if close { Some(now) } else { r.closed_at },
    };
    if !store::update(tx, reception_id, r.version, &u).await? {
        return Err(AppError::Conflict("接待记录已被他人处理，请刷新后重试".into()));
    }
    let mut payload = json!({"from": r.status.code(), "to": u.status.code(), "rule": "RCP-7"});
    if let (Some(p), Some(l)) = (payload.as_object_mut(), link.as_object()) {
        p.extend(l.clone());
    }
    log(tx, actor, r.project_id, "reception", reception_id, if close { "close" } else { "done" }, payload).await?;
    Ok(())
}

// ---------- shifts (RCP-6) ----------

/// Starts the actor's shift at a project; `take_over` names the handover it takes over (the
/// open items it carried are then this shift's).
pub async fn start_shift(db: &Db, actor: &Actor, project_id: i64, take_over: Option<i64>) -> AppResult<i64> {
    require_cs(actor)?;
    if !actor.sees_project(project_id) {
        return Err(AppError::NotFound);
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    if store::on_duty(&mut tx, actor.staff_id, project_id).await?.is_some() {
        return Err(AppError::Conflict("您已在当班中".into()));
    }
    if let Some(prev) = take_over {
        let s = store::shift(&mut tx, actor, prev).await?.filter(|s| s.project_id == project_id).ok_or(AppError::NotFound)?;
        if s.status != store::ShiftStatus::HandedOver || s.taken_over_by.is_some() {
            return Err(AppError::Conflict("该班次已被接班".into()));
        }
        if s.handed_to.is_some_and(|t| t != actor.staff_id) {
            return Err(AppError::Conflict(format!("该班次交给了{}", s.handed_to_name.unwrap_or_default())));
        }
    }
    let id = match store::insert_shift(&mut tx, project_id, actor.staff_id, take_over, now).await {
        Err(e) if is_unique_violation(&e) => return Err(AppError::Conflict("该班次已被接班或您已在当班中".into())),
        r => r?,
    };
    log(&mut tx, actor, project_id, "shift", id, if take_over.is_some() { "taken_over" } else { "started" }, json!({"prev_shift_id": take_over})).await?;
    tx.commit().await?;
    Ok(id)
}

async fn my_shift(tx: &mut Tx, actor: &Actor, shift_id: i64) -> AppResult<store::Shift> {
    let s = store::shift(tx, actor, shift_id).await?.ok_or(AppError::NotFound)?;
    if s.staff_id != actor.staff_id {
        return Err(AppError::Forbidden);
    }
    if s.status != store::ShiftStatus::OnDuty {
        return Err(AppError::Conflict("该班次已交班".into()));
    }
    Ok(s)
}

/// Writes a line in the shift's work log (工作日志).
pub async fn log_line(db: &Db, actor: &Actor, shift_id: i64, text: &str) -> AppResult<i64> {
    require_cs(actor)?;
    let text = values::text(text, 500).map_err(|r| FieldErrors::single("text", r))?;
    let mut tx = db.begin().await?;
    let s = my_shift(&mut tx, actor, shift_id).await?;
    let id = store::insert_entry(&mut tx, shift_id, &text, Utc::now()).await?;
    log(&mut tx, actor, s.project_id, "shift", shift_id, "logged", json!({"entry_id": id, "text": text})).await?;
    tx.commit().await?;
    Ok(id)
}

/// Hands the shift over to the next person with a note; every open reception record of the
/// project is carried to the next shift (RCP-6). Returns how many were carried.
pub async fn hand_over(db: &Db, actor: &Actor, shift_id: i64, to: &str, note: &str) -> AppResult<usize> {
    require_cs(actor)?;
    let mut e = FieldErrors::new();
    let to = e.take("to", to.trim().parse::<i64>().map_err(|_| Reason::Invalid("请选择接班人", "choose who takes over")));
    let note = e.take("note", values::text(note, 1000));
    let (Some(to), Some(note)) = (to, note) else { return Err(e.into()) };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let s = my_shift(&mut tx, actor, shift_id).await?;
    let staff = store::project_staff(&mut tx, actor, s.project_id).await?;
    if to == actor.staff_id || !staff.iter().any(|x| x.id == to) {
        return Err(FieldErrors::single("to", Reason::Invalid("接班人须为本项目的其他员工", "must be another staff member of the project")).into());
    }
    let open = store::open_ids(&mut tx, s.project_id).await?;
    for r in &open {
        store::carry(&mut tx, shift_id, *r).await?;
    }
    if !store::hand_over(&mut tx, shift_id, s.version, to, &note, now).await? {
        return Err(AppError::Conflict("该班次已被修改，请刷新后重试".into()));
    }
    log(&mut tx, actor, s.project_id, "shift", shift_id, "handed_over", json!({"to": to, "note": note, "carried": open})).await?;
    tx.commit().await?;
    Ok(open.len())
}

// ---------- lost and found (FD-3) ----------

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LostInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reception_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub item: String,
    #[serde(default, deserialize_with = "de_text")]
    pub found_where: String,
    /// Project time; blank means now.
    #[serde(default, deserialize_with = "de_text")]
    pub found_at: String,
    #[serde(default, deserialize_with = "de_text")]
    pub kept_where: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reported_by: String,
}

/// Registers an item in the project's lost-and-found register, from a reception record of
/// category 其它 or directly. Returns (id, number).
pub async fn register_lost(db: &Db, actor: &Actor, input: &LostInput) -> AppResult<(i64, String)> {
    let now = Utc::now();
    let mut e = FieldErrors::new();
    let project_id = e.take("project_id", input.project_id.trim().parse::<i64>().map_err(|_| Reason::Invalid("请选择项目", "choose a project")));
    let reception_id = e.take("reception_id", opt_id(&input.reception_id));
    let item = e.take("item", values::text(&input.item, 200));
    let found_where = e.take("found_where", values::opt_text(&input.found_where, 200));
    let found_at = e.take(
        "found_at",
        values::optional(&input.found_at, local_time).and_then(|t| match t {
            Some(t) if t > now + Duration::minutes(5) => Err(Reason::Invalid("时间不能晚于现在", "cannot be in the future")),
            other => Ok(other),
        }),
    );
    let kept_where = e.take("kept_where", values::text(&input.kept_where, 200));
    let reported_by = e.take("reported_by", values::opt_text(&input.reported_by, 100));
    let (Some(project_id), Some(reception_id), Some(item), Some(found_where), Some(found_at), Some(kept_where), Some(reported_by)) =
        (project_id, reception_id, item, found_where, found_at, kept_where, reported_by)
    else {
        return Err(e.into());
    };
    let mut tx = db.begin().await?;
    let project = org::project(&mut tx, actor, project_id).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("project_id", Reason::NotFound)))?;
    let mut reception = None;
    if let Some(rid) = reception_id {
        let lock = tx.for_update();
        let r = store::get(&mut tx, actor, rid, lock).await?.filter(|r| r.project_id == project.id).ok_or(AppError::NotFound)?;
        if !allowed(&r).contains(&"register_lost") {
            return Err(AppError::Conflict(format!("记录 {} 不是未注销的“其它”类记录", r.number)));
        }
        reception = Some(r);
    }
    let seq = next_number(&mut tx, project.id, "lost_found").await?;
    let number = format!("{}/SW{seq:03}", project.code);
    let n = NewLostItem {
        project_id: project.id,
        number: &number,
        reception_id,
        item: &item,
        found_where: found_where.as_deref().unwrap_or(""),
        found_at: found_at.unwrap_or(now),
        kept_where: &kept_where,
        reported_by: reported_by.as_deref().unwrap_or(""),
        registered_by: Some(actor.staff_id).filter(|s| *s > 0),
    };
    let id = store::insert_lost(&mut tx, &n, now).await?;
    let payload =
        json!({"number": number, "item": item, "found_where": n.found_where, "found_at": n.found_at, "kept_where": kept_where, "reception_id": reception_id});
    log(&mut tx, actor, project.id, "lost_found", id, "registered", payload).await?;
    if let Some(r) = reception {
        log(&mut tx, actor, project.id, "reception", r.id, "lost_registered", json!({"lost_found_id": id, "number": number, "item": item})).await?;
    }
    tx.commit().await?;
    Ok((id, number))
}

/// Hands an item back: who claimed it, their phone, when (now).
pub async fn claim_lost(db: &Db, actor: &Actor, id: i64, version: Option<i64>, by: &str, phone: &str) -> AppResult<()> {
    let mut e = FieldErrors::new();
    let by = e.take("claimed_by", values::text(by, 60));
    let phone = e.take("claimed_phone", Phone::parse(phone));
    let (Some(by), Some(phone)) = (by, phone) else { return Err(e.into()) };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let item = store::lost_item(&mut tx, actor, id).await?.ok_or(AppError::NotFound)?;
    if item.status != store::LostStatus::Kept {
        return Err(AppError::Conflict(format!("{} 已被认领", item.number)));
    }
    if !store::claim(&mut tx, id, version.unwrap_or(item.version), &by, phone.as_str(), now).await? {
        return Err(AppError::Conflict("该登记已被他人修改，请刷新后重试".into()));
    }
    log(
        &mut tx,
        actor,
        item.project_id,
        "lost_found",
        id,
        "claimed",
        json!({"claimed_by": by, "claimed_phone": phone.as_str(), "reception_id": item.reception_id}),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads shared by the desk pages and the API.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64) -> AppResult<ReceptionRow> {
    let row = store::get(c, actor, id, "").await?.ok_or(AppError::NotFound)?;
    // ORG-6: roles that may not see personal data see only the records they took.
    if !actor.can(propdesk_domain::access::Permission::ViewParties) && row.taken_by != Some(actor.staff_id) {
        return Err(AppError::NotFound);
    }
    Ok(row)
}
