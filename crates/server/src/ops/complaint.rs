//! CMP: complaint intake and every step of its life, as transaction scripts around the
//! transition table in `propdesk_domain::complaint`.

use crate::error::{AppError, AppResult};
use crate::ops::de_text;
use crate::ops::notify::{self, About, complaint_notice};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::calendar::{Calendar, WorkingHours};
use propdesk_domain::callback::who_calls_back;
use propdesk_domain::complaint::{
    self as rules, Action, By, Clocks, Complaint, ComplaintStatus, Deadline, DeptClock, Head, ImportantKind, MajorReason, Severity, TransitionError,
};
use propdesk_domain::notify::{Audience, NoticeKind, callback_roles, online_audience, severity_notice};
use propdesk_domain::reception::Channel;
use propdesk_domain::sla::{self, Policies};
use propdesk_domain::values::{self, Phone};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::complaint::{self as store, ComplaintRow, NewCallback, NewComplaint, Update};
use propdesk_store::models::complaint_decision::{self as decisions, Decided, NewRequest};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::{calendar, callback as callbacks, org, outbox, staff};
use propdesk_store::{AsEx, Db, Tx};
use serde::Deserialize;
use serde_json::json;

/// The calendar, working hours, zone and policies a project's deadlines are counted in.
pub struct ProjectClocks {
    pub cal: Calendar,
    pub hours: WorkingHours,
    pub tz: Tz,
    pub policies: Policies,
}

impl ProjectClocks {
    pub fn clocks(&self) -> Clocks<'_> {
        Clocks { cal: &self.cal, hours: &self.hours, tz: self.tz, policies: &self.policies }
    }
}

/// Loads a project's clocks: its company's calendar, its working hours, time zone and policies.
pub async fn project_clocks(c: &mut impl AsEx, project_id: i64) -> AppResult<ProjectClocks> {
    let s = calendar::settings_of(c, project_id).await?.ok_or(AppError::NotFound)?;
    let cal = calendar::load(c, s.company_id).await?;
    let policies = s.policies().map_err(|e| AppError::Internal(anyhow::anyhow!("project {project_id} policies: {e}")))?;
    Ok(ProjectClocks { cal, hours: s.hours(), tz: s.tz(), policies })
}

/// A complaint as taken at intake (CMP-3): from the reception form, the API or a department.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ComplaintInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub party_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub complainant: String,
    #[serde(default, deserialize_with = "de_text")]
    pub contact_phone: String,
    #[serde(default, deserialize_with = "de_text")]
    pub channel: String,
    #[serde(default, deserialize_with = "de_text")]
    pub content: String,
    /// Blank: suggested from the content (CMP-1), for staff to confirm.
    #[serde(default, deserialize_with = "de_text")]
    pub severity: String,
    #[serde(default, deserialize_with = "de_text")]
    pub important_kind: String,
    #[serde(default, deserialize_with = "de_text")]
    pub major_reason: String,
}

pub struct ParsedComplaint {
    pub project_id: i64,
    pub unit_id: Option<i64>,
    pub party_id: Option<i64>,
    pub complainant: String,
    pub contact_phone: String,
    pub channel: Channel,
    pub content: String,
    pub severity: Severity,
    pub important_kind: Option<ImportantKind>,
    pub major_reason: Option<MajorReason>,
}

fn opt_id(s: &str) -> Result<Option<i64>, Reason> {
    values::optional(s, |v| v.trim().parse::<i64>().map_err(|_| Reason::NotFound))
}

impl ComplaintInput {
    pub fn parse(&self) -> Result<ParsedComplaint, FieldErrors> {
        let mut e = FieldErrors::new();
        let project_id = e.take("project_id", self.project_id.trim().parse::<i64>().map_err(|_| Reason::Required));
        let unit_id = e.take("unit_id", opt_id(&self.unit_id));
        let party_id = e.take("party_id", opt_id(&self.party_id));
        // CBK-4: anonymous complaints exist; a name is still recorded as given ("匿名").
        let complainant = e.take("complainant", values::text(if self.complainant.trim().is_empty() { "匿名" } else { &self.complainant }, 60));
        let phone = e.take("contact_phone", values::optional(&self.contact_phone, Phone::parse));
        let channel = e.take("channel", if self.channel.trim().is_empty() { Ok(Channel::Phone) } else { Channel::parse(&self.channel) });
        let content = e.take("content", values::text(&self.content, 2000));
        let (sug_sev, sug_major, sug_kind) = rules::suggest_severity(&self.content);
        let severity = e.take("severity", if self.severity.trim().is_empty() { Ok(sug_sev) } else { Severity::parse(&self.severity) });
        let important_kind = e.take("important_kind", values::optional(&self.important_kind, ImportantKind::parse));
        let major_reason = e.take("major_reason", values::optional(&self.major_reason, MajorReason::parse));
        match (project_id, unit_id, party_id, complainant, phone, channel, content, severity, important_kind, major_reason) {
            (
                Some(project_id),
                Some(unit_id),
                Some(party_id),
                Some(complainant),
                Some(phone),
                Some(channel),
                Some(content),
                Some(severity),
                Some(kind),
                Some(reason),
            ) if e.is_empty() => {
                let important_kind = if severity == Severity::Important { kind.or(sug_kind) } else { None };
                let major_reason = if severity == Severity::Major { reason.or(sug_major) } else { None };
                Ok(ParsedComplaint {
                    project_id,
                    unit_id,
                    party_id,
                    complainant,
                    contact_phone: phone.map(Phone::into_inner).unwrap_or_default(),
                    channel,
                    content,
                    severity,
                    important_kind,
                    major_reason,
                })
            }
            _ => Err(e),
        }
    }
}

/// CMP-2: complaints on one issue share a topic: the unit's building (or the project) and the
/// first characters of the content with spaces and punctuation removed.
pub fn topic_of(building: Option<&str>, content: &str) -> String {
    let words: String = content.chars().filter(|c| c.is_alphanumeric()).take(8).collect();
    format!("{}:{}", building.unwrap_or("-"), words)
}

/// Creates a complaint inside an open transaction; returns (id, number).
pub async fn create_tx(tx: &mut Tx, actor: &Actor, p: &ParsedComplaint, reception_id: Option<i64>, now: DateTime<Utc>) -> AppResult<(i64, String)> {
    let project = org::project(tx, actor, p.project_id).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("project_id", Reason::NotFound)))?;
    let mut building = None;
    if let Some(u) = p.unit_id {
        let unit = org::unit(tx, actor, u, now.date_naive()).await?.filter(|u| u.project_id == p.project_id);
        let Some(unit) = unit else { return Err(FieldErrors::single("unit_id", Reason::NotFound).into()) };
        building = Some(unit.building_code);
    }
    if let Some(pid) = p.party_id
        && org::party(tx, actor, pid).await?.filter(|x| x.project_id == p.project_id).is_none()
    {
        return Err(FieldErrors::single("party_id", Reason::NotFound).into());
    }
    let seq = store::next_number(tx, project.id, "complaint").await?;
    let number = format!("{}/TS{seq:03}", project.code);
    let topic = topic_of(building.as_deref(), &p.content);
    let n = NewComplaint {
        project_id: project.id,
        number: &number,
        reception_id,
        unit_id: p.unit_id,
        party_id: p.party_id,
        complainant: &p.complainant,
        contact_phone: &p.contact_phone,
        channel: p.channel,
        content: &p.content,
        severity: p.severity,
        important_kind: p.important_kind,
        major_reason: p.major_reason,
        received_at: now,
        topic: &topic,
    };
    let id = store::insert(tx, &n, now).await?;
    event::append(
        tx,
        actor,
        now,
        NewEvent {
            project_id: Some(project.id),
            entity: "complaint",
            entity_id: id,
            action: "created",
            payload: json!({"number": number, "severity": p.severity.code(), "channel": p.channel.code(), "reception_id": reception_id, "report_to": rules::report_to(p.severity)}),
        },
    )
    .await?;
    let about = About { id, project_id: project.id, number: &number, content: &p.content };
    // CMP-16: an online complaint goes at once to the responsible department's head; it has
    // no department yet, so the customer-service heads hear of it to dispatch it at once.
    if p.channel == Channel::Online {
        let n = complaint_notice(NoticeKind::OnlineComplaint, &about, "尚未派单，请立即派至责任部门。");
        notify::enqueue(tx, actor, &n, &online_audience(&[]), now).await?;
    }
    // CMP-7: taken in as important or major, it is reported as such at once.
    if let Some((kind, audience)) = severity_notice(p.severity) {
        notify::enqueue(tx, actor, &complaint_notice(kind, &about, ""), &[audience], now).await?;
    }
    Ok((id, number))
}

pub async fn create(db: &Db, actor: &Actor, input: &ComplaintInput) -> AppResult<(i64, String)> {
    let p = input.parse()?;
    let mut tx = db.begin().await?;
    let r = create_tx(&mut tx, actor, &p, None, Utc::now()).await?;
    tx.commit().await?;
    Ok(r)
}

/// Which side of the table the actor is on: customer-service roles act for customer
/// service (the supervisor, manager and administrator as its heads, CMP-7/CMP-9); department
/// roles act for their department.
pub async fn side(c: &mut impl AsEx, actor: &Actor) -> AppResult<By> {
    if actor.staff_id == 0 {
        return Ok(By::System);
    }
    if let Some(h) = Head::of(actor.role) {
        return Ok(By::Head(h));
    }
    match actor.role {
        Role::Specialist | Role::TaxSpecialist | Role::Receptionist => Ok(By::CustomerService),
        _ => {
            let s = staff::by_id(c, actor.company_id, actor.staff_id).await?.ok_or(AppError::Forbidden)?;
            s.department_id.map(By::Department).ok_or(AppError::Forbidden)
        }
    }
}

fn to_domain(row: &ComplaintRow, depts: &[store::DeptRow]) -> Complaint {
    Complaint {
        status: row.status,
        severity: row.severity,
        received_at: row.received_at,
        departments: depts.iter().map(|d| (d.department_id, d.status)).collect(),
        reopened: row.reopened as u32,
        decision_requested_at: row.decision_requested_at,
    }
}

fn conflict(e: TransitionError) -> AppError {
    match e {
        TransitionError::NotAllowed { status, .. } => AppError::Conflict(format!("当前状态“{}”不允许此操作", status.zh())),
        TransitionError::NotYours => AppError::Forbidden,
        TransitionError::Missing(f) => AppError::Invalid(FieldErrors::single(f, Reason::Required)),
        TransitionError::DueInPast => AppError::Invalid(FieldErrors::single("due", Reason::Invalid("期限必须晚于现在", "must be in the future"))),
        TransitionError::Invalid { field, zh, en } => AppError::Invalid(FieldErrors::single(field, Reason::Invalid(zh, en))),
    }
}

/// The actions the actor may take on a complaint now (for buttons and 409 answers).
pub async fn allowed(c: &mut impl AsEx, actor: &Actor, row: &ComplaintRow) -> AppResult<Vec<&'static str>> {
    let depts = store::departments(c, row.id).await?;
    let by = side(c, actor).await?;
    let clocks = project_clocks(c, row.project_id).await?;
    Ok(to_domain(row, &depts).allowed(by, Utc::now(), &clocks.clocks()))
}

/// Whether the actor is refused the action named `code` because the step is not theirs (403)
/// rather than because it does not fit the complaint's state now (409).
pub async fn not_theirs(c: &mut impl AsEx, actor: &Actor, row: &ComplaintRow, code: &str) -> AppResult<bool> {
    let depts = store::departments(c, row.id).await?;
    let by = side(c, actor).await?;
    let clocks = project_clocks(c, row.project_id).await?;
    Ok(to_domain(row, &depts).refusal(code, by, Utc::now(), &clocks.clocks()) == Some(TransitionError::NotYours))
}

/// Applies one action: loads the complaint (locked), decides with the transition table,
/// writes the new state only if nobody changed it since `version` was read, writes the
/// department parts, deadlines and the callback, and appends the event — one transaction.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: Option<i64>, action: &Action) -> AppResult<ComplaintRow> {
    let mut tx = db.begin().await?;
    let saved = act_tx(&mut tx, actor, id, version, action, Utc::now()).await?;
    tx.commit().await?;
    Ok(saved)
}

/// `act` inside a transaction the caller owns, so one user action can change the complaint
/// and its related rows together (e.g. a callback's details with `CallbackDone`); the caller
/// commits. Nothing is written when it returns an error and the caller drops the transaction.
pub async fn act_tx(tx: &mut Tx, actor: &Actor, id: i64, version: Option<i64>, action: &Action, now: DateTime<Utc>) -> AppResult<ComplaintRow> {
    let lock = tx.for_update();
    let row = store::get(tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::Conflict("投诉已被他人处理，请刷新后重试".into()));
    }
    let depts = store::departments(tx, id).await?;
    let by = side(tx, actor).await?;
    let clocks = project_clocks(tx, row.project_id).await?;
    let change = to_domain(&row, &depts).apply(action, by, now, &clocks.clocks()).map_err(conflict)?;

    // Department parts: status, deadlines, plan and result texts.
    for (dept, status) in &change.departments {
        let before = depts.iter().find(|d| d.department_id == *dept).map(|d| d.status);
        let mut acceptance = None;
        let mut plan_due = None;
        let mut completion = None;
        for d in &change.deadlines {
            match d {
                Deadline::Acceptance { department, due } if department == dept => acceptance = Some(*due),
                Deadline::Plan { department, due } if department == dept => plan_due = Some(*due),
                Deadline::Completion { department, due } if department == dept => completion = Some(*due),
                Deadline::Resume { department, paused_at } if department == dept => {
                    let k = clocks.clocks();
                    completion = depts
                        .iter()
                        .find(|x| x.department_id == *dept)
                        .and_then(|x| x.completion_due)
                        .map(|due| sla::resume(due, *paused_at, now, k.cal, k.hours, k.tz));
                }
                _ => {}
            }
        }
        let mine = by == By::Department(*dept);
        let plan = match action {
            Action::SubmitPlan { plan, .. } if mine => Some(plan.as_str()),
            _ => None,
        };
        let result = match action {
            Action::Finish { result } if mine => Some(result.as_str()),
            _ => None,
        };
        if before != Some(*status) || acceptance.is_some() || plan_due.is_some() || completion.is_some() || plan.is_some() || result.is_some() {
            store::put_department(tx, id, *dept, *status, acceptance, plan_due, completion, plan, result).await?;
        }
    }
    let after = store::departments(tx, id).await?;
    // The next open deadline: a pending department's acceptance, an accepted one's plan, a
    // planned one's completion, or the callback.
    let callback_due = change.deadlines.iter().find_map(|d| if let Deadline::Callback { due } = d { Some(*due) } else { None }).or(row.callback_due);
    let next_due = match change.status {
        // CMP-9: the departments' clocks stand still while the head decides.
        _ if change.decision_requested_at.is_some() => None,
        ComplaintStatus::AwaitingCallback => callback_due,
        ComplaintStatus::Closed | ComplaintStatus::Resolved | ComplaintStatus::Invalid => None,
        _ => after
            .iter()
            .filter_map(|d| match d.status.running_clock()? {
                DeptClock::Acceptance => d.acceptance_due,
                DeptClock::Plan => d.plan_due,
                DeptClock::Completion => d.completion_due,
            })
            .min(),
    };
    let major_reason = match action {
        Action::Escalate { to: Severity::Major, reason } => MajorReason::parse(reason).ok(),
        _ => None,
    };
    let update = Update {
        status: change.status,
        severity: change.severity,
        major_reason,
        next_due,
        callback_due: if change.status == ComplaintStatus::InProgress { None } else { callback_due },
        resolved_at: if matches!(change.status, ComplaintStatus::Resolved | ComplaintStatus::Invalid) && row.resolved_at.is_none() {
            Some(now)
        } else {
            row.resolved_at
        },
        closed_at: if change.status == ComplaintStatus::Closed { Some(now) } else { None },
        reopened: change.reopened as i64,
        decision_requested_at: change.decision_requested_at,
    };
    if !store::update(tx, id, row.version, &update).await? {
        return Err(AppError::Conflict("投诉已被他人处理，请刷新后重试".into()));
    }
    let about = About { id, project_id: row.project_id, number: &row.number, content: &row.content };
    // CBK-1/CBK-2: the callback is created when it falls due to be made; settled by its outcome.
    match action {
        Action::RecordOpinion { .. } => {
            if let Some(due) = callback_due {
                let role = who_calls_back(change.severity);
                let cb = NewCallback { project_id: row.project_id, subject: "complaint", subject_id: id, due_at: due, role };
                let cb_id = store::insert_callback(tx, &cb, now).await?;
                let mut n =
                    complaint_notice(NoticeKind::CallbackAssigned, &about, &format!("回访期限：{}", due.with_timezone(&clocks.tz).format("%Y-%m-%d %H:%M")));
                n.link = format!("/callbacks/{cb_id}");
                n.entity = "callback";
                n.entity_id = cb_id;
                notify::enqueue(tx, actor, &n, &[Audience::Roles(callback_roles(role))], now).await?;
            }
        }
        Action::CallbackDone { satisfied } => {
            store::settle_callbacks(tx, "complaint", id, "done", Some(*satisfied), None, Some(actor.staff_id).filter(|s| *s > 0), now).await?;
        }
        Action::WaiveCallback { reason } => {
            store::settle_callbacks(tx, "complaint", id, "waived", None, Some(reason), Some(actor.staff_id).filter(|s| *s > 0), now).await?;
        }
        // CBK-2: a pending callback follows the severity to the role that must make it; CMP-7:
        // the head the new severity reports to hears of it at once (the same people as the
        // callback's new role, so one message tells both).
        Action::Escalate { .. } => {
            let moved = callbacks::reassign_pending(tx, "complaint", id, who_calls_back(change.severity)).await?;
            if let Some((kind, audience)) = severity_notice(change.severity) {
                let note = if moved > 0 { "该投诉的待回访已转由您负责（CBK-2）。" } else { "" };
                notify::enqueue(tx, actor, &complaint_notice(kind, &about, note), &[audience], now).await?;
            }
        }
        _ => {}
    }
    match action {
        // CMP-4: the form goes to each department's head; CMP-16: for an online complaint the
        // head answers in writing with the facts and measures.
        Action::Dispatch { departments } => {
            let (kind, audiences) = if row.channel == Channel::Online {
                (NoticeKind::OnlineComplaint, online_audience(departments))
            } else {
                (NoticeKind::Dispatched, departments.iter().map(|d| Audience::Department(*d)).collect())
            };
            notify::enqueue(tx, actor, &complaint_notice(kind, &about, ""), &audiences, now).await?;
        }
        // CBK-6: the departments that did the work are told the customer was not satisfied.
        Action::CallbackDone { satisfied: false } => {
            let reworking: Vec<Audience> = change
                .departments
                .iter()
                .filter(|(d, st)| *st == rules::DeptStatus::Accepted && depts.iter().any(|b| b.department_id == *d && b.status == rules::DeptStatus::Done))
                .map(|(d, _)| Audience::Department(*d))
                .collect();
            notify::enqueue(tx, actor, &complaint_notice(NoticeKind::Reopened, &about, ""), &reworking, now).await?;
        }
        // CMP-9: the summarised opinions, kept for the decision and the handling form.
        Action::RecordDisagreement { opinions } => {
            let text = opinions_json(opinions, &depts).to_string();
            let n = NewRequest { complaint_id: id, project_id: row.project_id, opinions: &text, by: staff_id(actor), by_name: &actor.name, at: now };
            decisions::open(tx, &n).await?;
        }
        Action::Decide { decision, responsible } => {
            let released = released(responsible, &depts);
            let d = Decided {
                decision,
                responsible: &json!(responsible).to_string(),
                released: &json!(released).to_string(),
                by: staff_id(actor),
                by_name: &actor.name,
                at: now,
            };
            if !decisions::decide(tx, id, &d).await? {
                return Err(AppError::Conflict("没有待裁定的分歧".into()));
            }
        }
        _ => {}
    }
    event::append(
        tx,
        actor,
        now,
        NewEvent {
            project_id: Some(row.project_id),
            entity: "complaint",
            entity_id: id,
            action: action.code(),
            payload: payload(action, &row, &change, &depts),
        },
    )
    .await?;
    store::get(tx, actor, id, "").await?.ok_or(AppError::NotFound)
}

fn staff_id(actor: &Actor) -> Option<i64> {
    Some(actor.staff_id).filter(|s| *s > 0)
}

/// CMP-9: the opinions with the departments' names, as stored and shown.
fn opinions_json(opinions: &[(i64, String)], depts: &[store::DeptRow]) -> serde_json::Value {
    let name = |d: i64| depts.iter().find(|x| x.department_id == d).map(|x| x.department_name.clone()).unwrap_or_default();
    serde_json::Value::Array(opinions.iter().map(|(d, o)| json!({"department_id": d, "department_name": name(*d), "opinion": o})).collect())
}

/// CMP-9: every department on the case that the decision does not keep responsible.
fn released(responsible: &[i64], depts: &[store::DeptRow]) -> Vec<i64> {
    depts.iter().map(|d| d.department_id).filter(|d| !responsible.contains(d)).collect()
}

fn payload(action: &Action, row: &ComplaintRow, change: &rules::Change, depts: &[store::DeptRow]) -> serde_json::Value {
    let detail = match action {
        Action::Dispatch { departments } => json!({"departments": departments}),
        Action::Return { reason } => json!({"reason": reason}),
        Action::SubmitPlan { plan, due } => json!({"plan": plan, "due": due}),
        Action::Progress { note } => json!({"note": note}),
        Action::Finish { result } => json!({"result": result}),
        Action::MarkInvalid { opinion, signed_by } => json!({"opinion": opinion, "signed_by": signed_by}),
        Action::RecordOpinion { opinion } => json!({"opinion": opinion}),
        Action::CallbackDone { satisfied } => json!({"satisfied": satisfied}),
        Action::WaiveCallback { reason } => json!({"reason": reason}),
        Action::Escalate { to, reason } => json!({"to": to.code(), "reason": reason, "report_to": change.report_to}),
        Action::RecordDisagreement { opinions } => json!({"opinions": opinions_json(opinions, depts)}),
        Action::Decide { decision, responsible } => json!({"decision": decision, "responsible": responsible, "released": released(responsible, depts)}),
        Action::Accept => json!({}),
    };
    json!({"from": row.status.code(), "to": change.status.code(), "severity": change.severity.code(), "detail": detail})
}

/// Complaints one escalation transaction raises at most. A chunk of 5,000 (with its events)
/// holds SQLite's single writer for a few tens of milliseconds, so the desk's writes get in
/// between chunks even while a large backlog is raised.
pub const ESCALATION_CHUNK: i64 = 5_000;

/// CMP-2 escalation of the system actor's projects: every valid complaint received before
/// `now − cmp_escalate_after_days` that is still open and not major becomes major with the
/// reason `unresolved_month`, with one `escalate` event each, in chunks of `ESCALATION_CHUNK`
/// (see `escalate_overdue_in_chunks`). Returns how many complaints were raised.
pub async fn escalate_overdue(db: &Db, system: &Actor, now: DateTime<Utc>, policies: &Policies) -> AppResult<usize> {
    Ok(escalate_overdue_in_chunks(db, system, now, policies, ESCALATION_CHUNK).await?.raised)
}

/// What an escalation pass raised, and how long each chunk's transaction took (begin to
/// commit: how long it held SQLite's writer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Escalated {
    pub raised: usize,
    pub chunks: Vec<std::time::Duration>,
}

/// The escalation pass in chunks of at most `chunk` complaints, oldest first, one transaction
/// each (set-based: one `UPDATE`, one `INSERT … SELECT` of the events, one `UPDATE` of the
/// callbacks — `store::escalate_chunk`), committing between chunks so other writers are not
/// held up by a backlog. A chunk's rows carry their own marker in `escalated_at` — the pass's
/// time plus the chunk's number in microseconds — so each chunk writes the events of exactly
/// its rows. Safe on several nodes: the row conditions make a second pass find nothing, every
/// change bumps `version` so a user acting on the old state gets a 409, and the job takes a
/// lease so one node runs a pass at a time. A pass stopped half-way (a crash, a failed chunk)
/// leaves whole chunks done; the next pass raises the rest.
pub async fn escalate_overdue_in_chunks(db: &Db, system: &Actor, now: DateTime<Utc>, policies: &Policies, chunk: i64) -> AppResult<Escalated> {
    use chrono::SubsecRound;
    // Microseconds: what PostgreSQL stores, so the markers compare equal on both backends.
    let now = now.trunc_subsecs(6);
    let cutoff = now - Duration::days(policies.cmp_escalate_after_days as i64);
    let reason = MajorReason::UnresolvedMonth.code();
    let detail = json!({"to": Severity::Major.code(), "reason": reason, "report_to": rules::report_to(Severity::Major), "automatic": true}).to_string();
    let chunk = chunk.max(1);
    let mut done = Escalated::default();
    for k in 0.. {
        let marker = now + Duration::microseconds(k);
        let started = std::time::Instant::now();
        let mut tx = db.begin().await?;
        let changed = store::escalate_chunk(&mut tx, system, marker, cutoff, reason, &detail, chunk).await?;
        if changed > 0 {
            notify_company_heads(&mut tx, system, marker, now, policies).await?;
        }
        tx.commit().await?;
        done.chunks.push(started.elapsed());
        done.raised += changed as usize;
        if (changed as i64) < chunk {
            break;
        }
        // Let writers queued on the connection (SQLite's one writer) go first.
        tokio::task::yield_now().await;
    }
    Ok(done)
}

/// CMP-7: each complaint a chunk raised (its rows carry `marker`) is reported at once to the
/// company heads of its project (the same people its pending callback moved to), in the
/// chunk's transaction, set-based.
async fn notify_company_heads(tx: &mut Tx, system: &Actor, marker: DateTime<Utc>, now: DateTime<Utc>, policies: &Policies) -> AppResult<()> {
    let note = format!("\n有效投诉受理满{}天仍未解决，已自动升级为重大投诉（CMP-2）。{}", policies.cmp_escalate_after_days, notify::MAJOR_ASK);
    outbox::enqueue_for_escalated(tx, system, marker, propdesk_domain::notify::COMPANY_HEAD, NoticeKind::MajorComplaint, "重大投诉 ", &note, now).await?;
    Ok(())
}

/// Complaints the search backfill indexes per transaction (a few milliseconds of the writer).
pub const SEARCH_BACKFILL_CHUNK: i64 = 1_000;

/// CMP-14: indexes every complaint that has no search entry yet — a database from before the
/// index, since SQL alone cannot cut Chinese into grams — in short transactions, lowest id
/// first. Idempotent (a row is marked in the transaction that indexes it), resumable, and safe
/// while serving or on several nodes. `propdesk migrate` runs it to the end; `propdesk serve`
/// runs it in the background. Returns how many complaints were indexed.
pub async fn index_search_backlog(db: &Db) -> AppResult<usize> {
    let mut total = 0usize;
    loop {
        let mut tx = db.begin().await?;
        let n = store::index_pending(&mut tx, SEARCH_BACKFILL_CHUNK).await?;
        tx.commit().await?;
        total += n;
        if (n as i64) < SEARCH_BACKFILL_CHUNK {
            return Ok(total);
        }
        tokio::task::yield_now().await;
    }
}

/// CMP-14: marks (or unmarks) a complaint as a typical case for the case library. Customer
/// service decides what is typical; the change is versioned and recorded like any other.
pub async fn mark_typical(db: &Db, actor: &Actor, id: i64, version: Option<i64>, typical: bool) -> AppResult<ComplaintRow> {
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if !side(&mut tx, actor).await?.is_customer_service() {
        return Err(AppError::Forbidden);
    }
    let version = version.unwrap_or(row.version);
    if version != row.version || !store::set_typical(&mut tx, id, version, typical).await? {
        return Err(AppError::Conflict("投诉已被他人处理，请刷新后重试".into()));
    }
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent {
            project_id: Some(row.project_id),
            entity: "complaint",
            entity_id: id,
            action: if typical { "typical_marked" } else { "typical_unmarked" },
            payload: json!({"typical": typical}),
        },
    )
    .await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}
