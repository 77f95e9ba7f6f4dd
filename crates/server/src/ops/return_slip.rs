//! RCP-3 after-sales return slips (物业返修联系单): created with an after-sales reception record
//! in its transaction, sent to the developer's after-sales department that day, then chased
//! through `propdesk_domain::return_slip`'s table; when done (confirmed with the owner) the
//! reception record's follow-up is settled and the record closes (RCP-7).

use crate::error::{AppError, AppResult};
use crate::ops::complaint::project_clocks;
use crate::ops::reception::{require_cs, settle_follow_up};
use crate::ops::{de_text, log};
use crate::staff::complaints::parse_due;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use propdesk_domain::access::Actor;
use propdesk_domain::return_slip::{self as rules, ReturnSlip, ReturnSlipStatus, SlipAction, SlipDues, SlipError, SlipStep};
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::complaint::next_number;
use propdesk_store::models::org;
use propdesk_store::models::return_slip::{self as store, NewReturnSlip, ReturnSlipRow, Update};
use propdesk_store::{AsEx, Db, Tx};
use serde::Deserialize;
use serde_json::json;

/// What the desk knows of an after-sales problem.
pub struct NewSlip<'a> {
    pub project: &'a org::Project,
    pub reception_id: i64,
    pub unit_id: Option<i64>,
    pub owner_name: &'a str,
    pub contact_phone: &'a str,
    pub content: &'a str,
}

/// Creates the slip inside the reception record's transaction: numbered `{code}/FXD001` per
/// project, sent now, its feedback deadline from the project's policy. Returns (id, number).
pub async fn create_tx(tx: &mut Tx, actor: &Actor, n: &NewSlip<'_>, now: DateTime<Utc>) -> AppResult<(i64, String)> {
    let clocks = project_clocks(tx, n.project.id).await?;
    let dues = rules::sent_dues(now, &clocks.clocks());
    let seq = next_number(tx, n.project.id, "return_slip").await?;
    let number = format!("{}/FXD{seq:03}", n.project.code);
    let owner_name = if n.owner_name.trim().is_empty() { "未留名" } else { n.owner_name.trim() };
    let row = NewReturnSlip {
        project_id: n.project.id,
        number: &number,
        reception_id: n.reception_id,
        unit_id: n.unit_id,
        owner_name,
        contact_phone: n.contact_phone,
        content: n.content,
        sent_by: Some(actor.staff_id).filter(|s| *s > 0),
        sent_at: now,
        feedback_due: dues.feedback,
    };
    let id = store::insert(tx, &row).await?;
    log(
        tx,
        actor,
        n.project.id,
        "return_slip",
        id,
        "created",
        json!({"rule": "RCP-3", "number": number, "to": "sent", "reception_id": n.reception_id, "feedback_due": dues.feedback}),
    )
    .await?;
    Ok((id, number))
}

pub fn to_domain(r: &ReturnSlipRow) -> ReturnSlip {
    ReturnSlip { status: r.status, dues: SlipDues { feedback: r.feedback_due, start: r.start_due, finish: r.finish_due } }
}

/// The steps of a slip with their deadlines and results.
pub fn steps(r: &ReturnSlipRow) -> Vec<(SlipStep, Option<DateTime<Utc>>, Option<bool>)> {
    vec![
        (SlipStep::Feedback, r.feedback_due, r.feedback_on_time),
        (SlipStep::Start, r.start_due, r.start_on_time),
        (SlipStep::Finish, r.finish_due, r.finish_on_time),
    ]
}

/// The actions the actor may take now (none for staff outside customer service).
pub async fn allowed(c: &mut impl AsEx, actor: &Actor, r: &ReturnSlipRow) -> AppResult<Vec<&'static str>> {
    if require_cs(actor).is_err() {
        return Ok(Vec::new());
    }
    let clocks = project_clocks(c, r.project_id).await?;
    Ok(to_domain(r).allowed(Utc::now(), &clocks.clocks()))
}

fn refused(e: SlipError) -> AppError {
    match e {
        SlipError::NotAllowed { status } => AppError::Conflict(format!("联系单当前状态“{}”不允许此操作", status.zh())),
        SlipError::Missing(f) => AppError::Invalid(FieldErrors::single(f, Reason::Required)),
        SlipError::Invalid { field, zh, en } => AppError::Invalid(FieldErrors::single(field, Reason::Invalid(zh, en))),
    }
}

/// One step of a slip: load (locked) → the table → versioned write → event; done settles the
/// reception record (RCP-7) — one transaction.
pub async fn act(db: &Db, actor: &Actor, id: i64, version: Option<i64>, action: &SlipAction) -> AppResult<ReturnSlipRow> {
    require_cs(actor)?;
    const STALE: &str = "联系单已被他人处理，请刷新后重试";
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let row = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != row.version) {
        return Err(AppError::Conflict(STALE.into()));
    }
    let clocks = project_clocks(&mut tx, row.project_id).await?;
    let change = to_domain(&row).apply(action, now, &clocks.clocks()).map_err(refused)?;
    let mut u = Update {
        status: change.status,
        start_due: change.dues.start,
        finish_due: change.dues.finish,
        next_due: change.next_due(),
        feedback_on_time: None,
        start_on_time: None,
        finish_on_time: None,
        reply: None,
        acknowledged_at: None,
        started_at: None,
        confirmed_by: None,
        done_note: None,
        done_at: None,
    };
    match change.result {
        Some((SlipStep::Feedback, ok)) => u.feedback_on_time = Some(ok),
        Some((SlipStep::Start, ok)) => u.start_on_time = Some(ok),
        Some((SlipStep::Finish, ok)) => u.finish_on_time = Some(ok),
        None => {}
    }
    let detail = match action {
        SlipAction::Acknowledge { reply, agreed_finish } => {
            u.reply = Some(reply);
            u.acknowledged_at = Some(now);
            json!({"reply": reply, "agreed_finish": agreed_finish, "start_due": change.dues.start, "finish_due": change.dues.finish})
        }
        SlipAction::StartRepair { note } => {
            u.started_at = Some(now);
            json!({"note": note})
        }
        SlipAction::ConfirmDone { confirmed_by, note } => {
            u.confirmed_by = Some(confirmed_by);
            u.done_note = Some(note);
            u.done_at = Some(now);
            json!({"confirmed_by": confirmed_by, "note": note})
        }
    };
    if !store::update(&mut tx, id, row.version, &u).await? {
        return Err(AppError::Conflict(STALE.into()));
    }
    let result = change.result.map(|(s, ok)| json!({"step": s.code(), "on_time": ok}));
    log(
        &mut tx,
        actor,
        row.project_id,
        "return_slip",
        id,
        action.code(),
        json!({"from": row.status.code(), "to": change.status.code(), "detail": detail, "result": result}),
    )
    .await?;
    if change.status == ReturnSlipStatus::Done {
        let what = format!("返修联系单 {} 已完成（{}确认）", row.number, u.confirmed_by.unwrap_or_default());
        let link = json!({"return_slip": {"id": row.id, "number": row.number}});
        settle_follow_up(&mut tx, actor, row.reception_id, &what, link, now).await?;
    }
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// An action as typed on a page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SlipActionInput {
    #[serde(default, deserialize_with = "de_text")]
    pub action: String,
    #[serde(default, deserialize_with = "de_text")]
    pub reply: String,
    /// The completion time agreed with the owner (project time or RFC 3339).
    #[serde(default, deserialize_with = "de_text")]
    pub agreed_finish: String,
    #[serde(default, deserialize_with = "de_text")]
    pub confirmed_by: String,
    #[serde(default, deserialize_with = "de_text")]
    pub note: String,
}

impl SlipActionInput {
    pub fn parse(&self, tz: Tz) -> Result<SlipAction, FieldErrors> {
        let mut e = FieldErrors::new();
        let text = |e: &mut FieldErrors, field: &str, v: &str, max: usize| e.take(field, values::opt_text(v, max)).flatten().unwrap_or_default();
        let a = match self.action.trim() {
            "acknowledge" => SlipAction::Acknowledge {
                reply: text(&mut e, "reply", &self.reply, 1000),
                agreed_finish: e.take("agreed_finish", values::optional(&self.agreed_finish, |s| parse_due(s, tz))).flatten(),
            },
            "start_repair" => SlipAction::StartRepair { note: text(&mut e, "note", &self.note, 1000) },
            "confirm_done" => {
                SlipAction::ConfirmDone { confirmed_by: text(&mut e, "confirmed_by", &self.confirmed_by, 60), note: text(&mut e, "note", &self.note, 1000) }
            }
            "" => {
                e.push("action", Reason::Required);
                SlipAction::StartRepair { note: String::new() }
            }
            _ => {
                e.push("action", Reason::Invalid("不是可选的操作", "is not a known action"));
                SlipAction::StartRepair { note: String::new() }
            }
        };
        e.into_result().map(|_| a)
    }
}
