//! CBK: recording a callback (CBK-5) — through the complaint workflow for complaint callbacks,
//! so a satisfied customer closes the case and a dissatisfied one reopens it (CBK-6) — waivers
//! (CBK-4), and the manager's monthly sample with its quality-check notes (CBK-7). Each user
//! action is one transaction.

use crate::error::{AppError, AppResult};
use crate::ops::complaint::act_tx;
use crate::ops::work_order as work_orders;
use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use propdesk_domain::access::{Actor, Role};
use propdesk_domain::callback::{CallbackMethod, CallbackRole, CallbackSubject, WaiverReason, needs_signature};
use propdesk_domain::complaint::Action;
use propdesk_domain::values::{self, Month};
use propdesk_domain::work_order::{Action as WorkOrderAction, callback_found_problem};
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::Db;
use propdesk_store::models::callback::{self as store, CallbackItem, CallbackStatus, Recorded};
use propdesk_store::models::event::{self, NewEvent};
use serde_json::json;

/// The largest signature accepted: a PNG data URL of at most this many bytes (a signature pad
/// of 600×200 px drawn in black is typically 5–30 KB).
pub const MAX_SIGNATURE_BYTES: usize = 300 * 1024;
const PNG_PREFIX: &str = "data:image/png;base64,";

/// Customer-service roles take callbacks; department staff do not.
pub fn is_customer_service(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Manager | Role::Supervisor | Role::Specialist | Role::TaxSpecialist | Role::Receptionist)
}

/// CBK-7: sampling and quality checks are the manager's.
pub fn is_manager(actor: &Actor) -> bool {
    matches!(actor.role, Role::Admin | Role::Manager)
}

/// CBK-2: who may make a callback assigned to `role` — that role or a higher one.
pub fn may_call(actor: &Actor, role: CallbackRole) -> bool {
    match role {
        CallbackRole::Manager => matches!(actor.role, Role::Admin | Role::Manager),
        CallbackRole::Supervisor => matches!(actor.role, Role::Admin | Role::Manager | Role::Supervisor),
        CallbackRole::Assistant => is_customer_service(actor),
    }
}

/// CBK-5: a drawn signature must be a PNG data URL of bounded size whose payload is base64 of
/// a PNG (it starts with the PNG signature, `iVBORw0KGgo` in base64).
pub fn check_signature(s: &str) -> Result<(), Reason> {
    let s = s.trim();
    if s.is_empty() {
        return Err(Reason::Invalid("上门回访须由客户签字确认", "a visit callback needs the customer's signature"));
    }
    if s.len() > MAX_SIGNATURE_BYTES {
        return Err(Reason::Invalid("签名图片过大，请清除后重新签字", "the signature image is too large; clear it and sign again"));
    }
    let Some(b64) = s.strip_prefix(PNG_PREFIX) else {
        return Err(Reason::Invalid("签名必须是 PNG 图片", "the signature must be a PNG image"));
    };
    let ok_chars = b64.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=');
    let pad_ok = b64.trim_end_matches('=').len() + 2 >= b64.len() && !b64.trim_end_matches('=').contains('=');
    if !ok_chars || !pad_ok || b64.len() % 4 != 0 || !b64.starts_with("iVBORw0KGgo") || b64.len() < 64 {
        return Err(Reason::Invalid("签名图片无效，请重新签字", "the signature image is not valid; sign again"));
    }
    Ok(())
}

fn rating(s: &str) -> Result<i64, Reason> {
    let bad = Reason::Invalid("请选择 1–5 分", "choose a score from 1 to 5");
    if s.trim().is_empty() {
        return Err(Reason::Required);
    }
    s.trim().parse::<i64>().ok().filter(|v| (1..=5).contains(v)).ok_or(bad)
}

fn yes_no(s: &str) -> Result<bool, Reason> {
    match s.trim() {
        "yes" | "1" | "true" | "满意" => Ok(true),
        "no" | "0" | "false" | "不满意" => Ok(false),
        "" => Err(Reason::Required),
        _ => Err(Reason::Invalid("请选择满意或不满意", "choose satisfied or dissatisfied")),
    }
}

/// A callback as submitted (form or API), all text.
#[derive(Debug, Clone, Default)]
pub struct CallbackInput {
    pub version: String,
    pub method: String,
    pub quality: String,
    pub speed: String,
    pub attitude: String,
    pub satisfied: String,
    pub effect: String,
    pub shortcomings: String,
    pub suggestions: String,
    pub signature: String,
}

pub struct ParsedCallback {
    pub version: Option<i64>,
    pub method: CallbackMethod,
    pub quality: i64,
    pub speed: i64,
    pub attitude: i64,
    pub satisfied: bool,
    pub effect: String,
    pub shortcomings: String,
    pub suggestions: String,
    pub signature: Option<String>,
}

impl CallbackInput {
    /// CBK-5: method, the three ratings and satisfaction are required; a dissatisfied customer's
    /// shortcomings are required (the department reworks from them, CBK-6); a visit is signed.
    pub fn parse(&self) -> Result<ParsedCallback, FieldErrors> {
        let mut e = FieldErrors::new();
        let method = e.take("method", if self.method.trim().is_empty() { Err(Reason::Required) } else { CallbackMethod::parse(&self.method) });
        let quality = e.take("quality", rating(&self.quality));
        let speed = e.take("speed", rating(&self.speed));
        let attitude = e.take("attitude", rating(&self.attitude));
        let satisfied = e.take("satisfied", yes_no(&self.satisfied));
        let effect = e.take("effect", values::opt_text(&self.effect, 500)).map(Option::unwrap_or_default);
        let shortcomings = e.take("shortcomings", values::opt_text(&self.shortcomings, 500)).map(Option::unwrap_or_default);
        let suggestions = e.take("suggestions", values::opt_text(&self.suggestions, 500)).map(Option::unwrap_or_default);
        if satisfied == Some(false) && shortcomings.as_deref().is_some_and(str::is_empty) {
            e.push("shortcomings", Reason::Invalid("客户不满意时须记录缺点与不足", "record what the customer was not satisfied with"));
        }
        let mut signature = None;
        if let Some(m) = method
            && needs_signature(m)
            && e.take("signature", check_signature(&self.signature)).is_some()
        {
            signature = Some(self.signature.trim().to_string());
        }
        let version = self.version.trim().parse::<i64>().ok();
        match (method, quality, speed, attitude, satisfied, effect, shortcomings, suggestions) {
            (Some(method), Some(quality), Some(speed), Some(attitude), Some(satisfied), Some(effect), Some(shortcomings), Some(suggestions))
                if e.is_empty() =>
            {
                Ok(ParsedCallback { version, method, quality, speed, attitude, satisfied, effect, shortcomings, suggestions, signature })
            }
            _ => Err(e),
        }
    }
}

fn by(actor: &Actor) -> Option<i64> {
    Some(actor.staff_id).filter(|s| *s > 0)
}

async fn load_pending(tx: &mut propdesk_store::Tx, actor: &Actor, id: i64, version: Option<i64>) -> AppResult<CallbackItem> {
    let lock = tx.for_update();
    let cb = store::get(tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if !may_call(actor, cb.assigned_role) {
        return Err(AppError::Forbidden);
    }
    if propdesk_domain::callback::allowed(cb.status).is_empty() {
        return Err(AppError::Conflict(format!("回访已{}", if cb.status == CallbackStatus::Done { "完成" } else { "免除" })));
    }
    if version.is_some_and(|v| v != cb.version) {
        return Err(AppError::Conflict("回访已被他人处理，请刷新后重试".into()));
    }
    Ok(cb)
}

/// CBK-5/CBK-6: records a callback. For a complaint it goes through the complaint workflow
/// (`CallbackDone`: satisfied closes, dissatisfied reopens) and stores the details on the
/// callback row in the same transaction; then appends the callback's own event.
pub async fn record(db: &Db, actor: &Actor, id: i64, input: &CallbackInput) -> AppResult<CallbackItem> {
    let p = input.parse()?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let cb = load_pending(&mut tx, actor, id, p.version).await?;
    if cb.subject == CallbackSubject::Complaint {
        act_tx(&mut tx, actor, cb.subject_id, None, &Action::CallbackDone { satisfied: p.satisfied }, now).await?;
    }
    if cb.subject == CallbackSubject::Repair {
        // REP-8/CBK-6: through the work order's table — satisfied closes it, dissatisfied
        // reopens the repair (and REP-9 issues the rectification notice from the shortcomings).
        let action = WorkOrderAction::CallbackDone { satisfied: p.satisfied, note: p.shortcomings.clone() };
        let w = work_orders::act_tx(&mut tx, actor, cb.subject_id, None, &action, now).await?;
        // REP-9: a satisfied owner may still point out a problem; it is put right all the same.
        if p.satisfied && callback_found_problem(p.satisfied, &p.shortcomings) {
            crate::ops::rectification::issue_tx(&mut tx, actor, &w, Some(id), &p.shortcomings, now).await?;
        }
    }
    let r = Recorded {
        method: p.method.code(),
        satisfied: p.satisfied,
        quality: p.quality,
        speed: p.speed,
        attitude: p.attitude,
        effect: &p.effect,
        shortcomings: &p.shortcomings,
        suggestions: &p.suggestions,
        signature: p.signature.as_deref(),
    };
    if store::record(&mut tx, id, &r, by(actor), now).await? != 1 {
        return Err(AppError::Conflict("回访已被他人处理，请刷新后重试".into()));
    }
    let payload = json!({
        "subject": cb.subject.code(), "subject_id": cb.subject_id, "method": p.method.code(), "satisfied": p.satisfied,
        "quality": p.quality, "speed": p.speed, "attitude": p.attitude, "effect": p.effect, "shortcomings": p.shortcomings,
        "suggestions": p.suggestions, "signed": p.signature.is_some(), "reopened": matches!(cb.subject, CallbackSubject::Complaint | CallbackSubject::Repair) && !p.satisfied,
    });
    event::append(&mut tx, actor, now, NewEvent { project_id: Some(cb.project_id), entity: "callback", entity_id: id, action: "recorded", payload }).await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// CBK-4: no callback needed, with one of the listed reasons (complaints through the workflow).
pub async fn waive(db: &Db, actor: &Actor, id: i64, version: Option<i64>, reason: &str) -> AppResult<CallbackItem> {
    let reason = WaiverReason::parse(reason).map_err(|r| FieldErrors::single("waiver_reason", if reason.trim().is_empty() { Reason::Required } else { r }))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let cb = load_pending(&mut tx, actor, id, version).await?;
    if cb.subject == CallbackSubject::Repair {
        // CBK-3: every repair is called back; CBK-4's reasons are a complaint's.
        return Err(AppError::Conflict("维修回访不可免除（回访率须 100%）".into()));
    }
    if cb.subject == CallbackSubject::Complaint {
        act_tx(&mut tx, actor, cb.subject_id, None, &Action::WaiveCallback { reason: reason.zh().to_string() }, now).await?;
    }
    if store::waive(&mut tx, id, reason.code(), by(actor), now).await? != 1 {
        return Err(AppError::Conflict("回访已被他人处理，请刷新后重试".into()));
    }
    let payload = json!({"subject": cb.subject.code(), "subject_id": cb.subject_id, "reason": reason.code()});
    event::append(&mut tx, actor, now, NewEvent { project_id: Some(cb.project_id), entity: "callback", entity_id: id, action: "waived", payload }).await?;
    let saved = store::get(&mut tx, actor, id, "").await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(saved)
}

/// The start of a local calendar day in `tz`, as UTC (the earliest instant of that date, so a
/// day that begins in a DST gap still has a start).
pub fn local_midnight(d: NaiveDate, tz: chrono_tz::Tz) -> DateTime<Utc> {
    let mut t = d.and_time(NaiveTime::MIN);
    for _ in 0..4 {
        if let Some(x) = tz.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += chrono::Duration::minutes(30);
    }
    Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN))
}

/// The half-open UTC range [first local midnight, day after last's local midnight).
pub fn days_range(first: NaiveDate, last: NaiveDate, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let next = last.succ_opt().unwrap_or(last);
    (local_midnight(first, tz), local_midnight(next, tz))
}

/// The half-open UTC range of a local calendar month in the project's zone.
pub fn month_range(m: Month, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    days_range(m.first_day(), m.last_day(), tz)
}

/// Today in `tz` as a half-open UTC range.
pub fn today_range(now: DateTime<Utc>, tz: chrono_tz::Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let d = now.with_timezone(&tz).date_naive();
    days_range(d, d, tz)
}

/// What one project's sample of a month holds.
#[derive(Debug, Clone)]
pub struct Sampled {
    pub project_id: i64,
    pub done: i64,
    pub sampled: i64,
    /// Newly drawn now (empty when the month had been sampled already).
    pub drawn: Vec<i64>,
}

/// CBK-7: draws a random 10% (at least one) of each project's callbacks done in the month.
/// A month already sampled keeps its sample, so the draw cannot be repeated until it suits.
pub async fn sample_month(db: &Db, actor: &Actor, project_id: Option<i64>, month: &str) -> AppResult<Vec<Sampled>> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let m = Month::parse(month).map_err(|r| FieldErrors::single("month", r))?;
    let (from, to) = month_range(m, super::TZ);
    let projects: Vec<i64> = match project_id {
        Some(p) if actor.sees_project(p) => vec![p],
        Some(_) => return Err(AppError::NotFound),
        None => actor.projects.clone(),
    };
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let mut out = Vec::new();
    for p in projects {
        let (done, already) = store::month_counts(&mut tx, p, from, to).await?;
        let mut drawn = Vec::new();
        if done > 0 && already == 0 {
            let k = ((done + 9) / 10).max(1);
            drawn = store::draw_sample(&mut tx, p, from, to, k).await?;
            event::append(
                &mut tx,
                actor,
                now,
                NewEvent {
                    project_id: Some(p),
                    entity: "project",
                    entity_id: p,
                    action: "callbacks_sampled",
                    payload: json!({"month": m.to_string(), "done": done, "sampled": drawn}),
                },
            )
            .await?;
        }
        out.push(Sampled { project_id: p, done, sampled: already + drawn.len() as i64, drawn });
    }
    tx.commit().await?;
    Ok(out)
}

/// CBK-7: the manager's quality-check note on one sampled callback.
pub async fn check(db: &Db, actor: &Actor, id: i64, note: &str) -> AppResult<()> {
    if !is_manager(actor) {
        return Err(AppError::Forbidden);
    }
    let note = values::text(note, 500).map_err(|r| FieldErrors::single("check_note", r))?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let cb = store::get(&mut tx, actor, id, lock).await?.ok_or(AppError::NotFound)?;
    if !cb.sampled {
        return Err(AppError::Conflict("该回访未被抽查".into()));
    }
    store::set_check(&mut tx, actor, id, &note, now).await?;
    event::append(
        &mut tx,
        actor,
        now,
        NewEvent { project_id: Some(cb.project_id), entity: "callback", entity_id: id, action: "quality_checked", payload: json!({"note": note}) },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cbk_5_signature_must_be_a_bounded_png_data_url() {
        let png = format!("{PNG_PREFIX}iVBORw0KGgo{}", "A".repeat(65));
        assert!(check_signature(&png).is_ok());
        assert!(check_signature("").is_err());
        assert!(check_signature("data:image/jpeg;base64,/9j/4AAQ").is_err());
        assert!(check_signature(&format!("{PNG_PREFIX}<script>alert(1)</script>")).is_err());
        assert!(check_signature(&format!("{PNG_PREFIX}iVBORw0KGgo{}", "A".repeat(MAX_SIGNATURE_BYTES))).is_err());
    }

    #[test]
    fn cbk_5_cbk_6_form_rules() {
        let ok = CallbackInput {
            method: "phone".into(),
            quality: "5".into(),
            speed: "4".into(),
            attitude: "5".into(),
            satisfied: "yes".into(),
            ..Default::default()
        };
        assert!(ok.parse().is_ok());
        let unhappy = CallbackInput { satisfied: "no".into(), ..ok.clone() };
        assert!(unhappy.parse().err().is_some_and(|e| e.get("shortcomings").is_some()));
        let visit = CallbackInput { method: "visit".into(), ..ok.clone() };
        assert!(visit.parse().err().is_some_and(|e| e.get("signature").is_some()));
        let bad = CallbackInput { quality: "6".into(), ..ok };
        assert!(bad.parse().err().is_some_and(|e| e.get("quality").is_some()));
    }

    #[test]
    fn cbk_2_higher_roles_may_take_lower_callbacks() {
        let a = |role| Actor { staff_id: 1, name: "x".into(), company_id: 1, role, projects: vec![] };
        assert!(may_call(&a(Role::Manager), CallbackRole::Assistant));
        assert!(!may_call(&a(Role::Specialist), CallbackRole::Manager));
        assert!(!may_call(&a(Role::Supervisor), CallbackRole::Manager));
        assert!(!may_call(&a(Role::Engineering), CallbackRole::Assistant));
    }
}
