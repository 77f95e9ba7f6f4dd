//! POR-2: the company's channels to owners, tenants and merchants, and FEE-3's payment notices
//! sent through them. Saving a channel is one transaction with its event; sending a period's
//! notices queues them in chunks of units (idempotent, like the billing run) and
//! `jobs::party_messages` sends them.

use crate::error::{AppError, AppResult};
use crate::jobs::party_messages::{Envelope, Transports};
use crate::ops::{de_text, log, require};
use chrono::Utc;
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::channel::{self, ChannelForm, ChannelKind, MAX_ATTEMPTS, NoticeLine, PartyMessageKind, PaymentNotice, Settings};
use propdesk_domain::{FieldErrors, Reason, values};
use propdesk_store::Db;
use propdesk_store::models::channel::{self as store, ChannelRow, NewChannel, NewPartyMessage};
use propdesk_store::models::event::{self, NewEvent};
use propdesk_store::models::fee::{self as fee_store, NoticeScope};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// POR-2: creates a channel (`id` None) or updates one at the version its editor saw. A blank
/// secret keeps the saved one. Returns the channel's id.
pub async fn save(db: &Db, actor: &Actor, id: Option<i64>, version: Option<i64>, form: &ChannelForm, enabled: bool) -> AppResult<i64> {
    require(actor, Permission::ManageChannels)?;
    let now = Utc::now();
    let mut tx = db.begin().await?;
    let lock = tx.for_update();
    let existing = match id {
        Some(id) => Some(store::get(&mut tx, actor.company_id, id, lock).await?.ok_or(AppError::NotFound)?),
        None => None,
    };
    let v = channel::validate_channel(form, existing.as_ref().is_some_and(|c| c.has_secret))?;
    if store::name_taken(&mut tx, actor.company_id, &v.name, id.unwrap_or(0)).await? {
        return Err(FieldErrors::single("name", Reason::Duplicate).into());
    }
    let settings = serde_json::to_string(&v.settings).map_err(anyhow::Error::from)?;
    let ch = NewChannel {
        company_id: actor.company_id,
        kind: v.settings.kind(),
        name: &v.name,
        settings: &settings,
        secret: v.secret.as_deref().unwrap_or(""),
        enabled,
    };
    let (id, action) = match existing {
        Some(old) => {
            let version = version.unwrap_or(old.version);
            if store::update(&mut tx, old.id, version, &ch, v.secret.is_none(), actor.staff_id, now).await? == 0 {
                return Err(AppError::Conflict("该渠道已被他人修改，请刷新后重试".into()));
            }
            (old.id, "channel_updated")
        }
        None => (
            store::insert(&mut tx, &ch, actor.staff_id, now).await?.ok_or_else(|| AppError::Invalid(FieldErrors::single("name", Reason::Duplicate)))?,
            "channel_created",
        ),
    };
    // The event says what changed and whether a secret was typed — never the secret.
    let payload = json!({"rule": "POR-2", "name": v.name, "kind": ch.kind.code(), "target": v.settings.target(), "enabled": enabled, "secret_changed": v.secret.is_some()});
    event::append(&mut tx, actor, now, NewEvent { project_id: None, entity: "notification_channel", entity_id: id, action, payload }).await?;
    tx.commit().await?;
    Ok(id)
}

/// POR-2: sends one test message through a channel at once and says how it went, so the admin
/// knows the settings work before a period's notices go out. Nothing is queued.
pub async fn test_send(db: &Db, t: &Transports, actor: &Actor, id: i64, to: &str) -> AppResult<()> {
    require(actor, Permission::ManageChannels)?;
    let row = {
        let mut c = db.read().await?;
        store::get(&mut c, actor.company_id, id, "").await?.ok_or(AppError::NotFound)?
    };
    let address = match row.kind {
        ChannelKind::Email => values::email(to),
        ChannelKind::Webhook => {
            channel::address(ChannelKind::Webhook, to, None).ok_or(Reason::Invalid("请填写手机号码（11 位）", "must be a mobile number (11 digits)"))
        }
    };
    let address = address.map_err(|r| FieldErrors::single("to", r))?;
    let (settings, secret) = secret_of(db, &row).await?;
    let subject = "propdesk 测试消息";
    let body = format!("这是一条来自 {} 的测试消息，收到即说明通知渠道“{}”设置正确。", actor.name, row.name);
    let m = Envelope { id: 0, kind: "test", to: &address, subject, body: &body, project_id: 0, party_id: 0 };
    let result = t.send(&settings, &secret, &m).await;
    let mut tx = db.begin().await?;
    let payload = json!({"rule": "POR-2", "to": address, "ok": result.is_ok(), "error": result.as_ref().err().map(|e| format!("{e:#}"))});
    event::append(&mut tx, actor, Utc::now(), NewEvent { project_id: None, entity: "notification_channel", entity_id: id, action: "channel_tested", payload })
        .await?;
    tx.commit().await?;
    result.map_err(|e| AppError::Conflict(format!("测试消息未发出：{e:#}")))
}

async fn secret_of(db: &Db, row: &ChannelRow) -> AppResult<(Settings, String)> {
    let mut c = db.read().await?;
    let s = store::with_secrets(&mut c, &[row.id]).await?.into_iter().next().ok_or(AppError::NotFound)?;
    let settings: Settings = serde_json::from_str(&s.settings).map_err(|e| anyhow::anyhow!("channel {} settings unreadable: {e}", row.id))?;
    Ok((settings, s.secret))
}

/// FEE-3: which payment notices to send, as typed on the notices page or sent to the API.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendNoticesInput {
    #[serde(default, deserialize_with = "de_text")]
    pub project_id: String,
    /// `2026-11`, `2026-Q4` or `2026`.
    #[serde(default, deserialize_with = "de_text")]
    pub period: String,
    /// With `unit_id`: only this payer's notice for that unit.
    #[serde(default, deserialize_with = "de_text")]
    pub payer_id: String,
    #[serde(default, deserialize_with = "de_text")]
    pub unit_id: String,
}

/// What sending a period's notices did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SendSummary {
    /// Notices (payer × unit with something owed) in the scope.
    pub notices: u64,
    /// Messages queued now (a given-up one queued again counts here too).
    pub queued: u64,
    /// Messages already queued or sent earlier for the same notice and channel, not repeated.
    pub already: u64,
    /// Notices that no channel can reach (no e-mail, no mobile number): deliver these by hand.
    pub unreachable: u64,
}

/// Units per transaction while sending: a period of 100,000 units must not hold SQLite's one
/// writer for seconds (like the billing run). Each chunk is whole; a send cut short is finished
/// by sending again, which queues only what is missing.
pub const SEND_CHUNK: i64 = 2_000;

/// FEE-3 / POR-2: queues the payment notice of every payer with something owed in the project's
/// period (or one payer's for one unit) on each enabled channel that can reach them — e-mail
/// to their e-mail, the SMS/IM gateway to their mobile. Sending again does not repeat a message
/// already queued or sent; it queues again one that was given up (its address may be fixed).
/// The event, with the totals, is written with the last chunk.
pub async fn send_payment_notices(db: &Db, actor: &Actor, input: &SendNoticesInput) -> AppResult<SendSummary> {
    require(actor, Permission::CollectFees)?;
    let mut e = FieldErrors::new();
    let id = |s: &str| s.trim().parse::<i64>().map_err(|_| Reason::Required);
    let project_id = e.take("project_id", id(&input.project_id).and_then(|p| if actor.sees_project(p) { Ok(p) } else { Err(Reason::NotFound) }));
    let period = e.take("period", values::text(&input.period, 10));
    let payer_id = e.take("payer_id", values::optional(&input.payer_id, id)).flatten();
    let unit_id = e.take("unit_id", values::optional(&input.unit_id, id)).flatten();
    if payer_id.is_some() != unit_id.is_some() && e.is_empty() {
        e.push("unit_id", Reason::Invalid("单独发送须同时指定缴费人和单元", "sending one notice needs both payer and unit"));
    }
    let (Some(project_id), Some(period)) = (project_id, period) else {
        return Err(e.into());
    };
    e.into_result()?;
    let now = Utc::now();
    let scope = NoticeScope { project_id, period_key: &period, payer_id, unit_id };
    let (channels, project_name) = {
        let mut c = db.read().await?;
        let channels = store::enabled(&mut c, actor.company_id).await?;
        if channels.is_empty() {
            return Err(FieldErrors::single(
                "channel",
                Reason::Invalid(
                    "尚未设置通知渠道（电子邮件或短信网关），请管理员在“通知渠道”中设置",
                    "no notification channel (e-mail or SMS gateway) is set up yet",
                ),
            )
            .into());
        }
        if fee_store::notice_units(&mut c, actor, &scope, 0, 1).await?.is_empty() {
            return Err(FieldErrors::single("period", Reason::Invalid("该期间没有未缴清的账单", "has no bill with anything owed")).into());
        }
        (channels, propdesk_store::models::org::project(&mut c, actor, project_id).await?.ok_or(AppError::NotFound)?.name)
    };
    let place = format!("{project_name}客服中心");
    let mut sum = SendSummary::default();
    let mut after = 0;
    loop {
        let mut tx = db.begin().await?;
        let units = fee_store::notice_units(&mut tx, actor, &scope, after, SEND_CHUNK).await?;
        let (Some(first), Some(last)) = (units.first().copied(), units.last().copied()) else {
            log(
                &mut tx,
                actor,
                project_id,
                "project",
                project_id,
                "payment_notices_sent",
                json!({"rule": "FEE-3", "period": period, "payer_id": payer_id, "unit_id": unit_id, "notices": sum.notices, "queued": sum.queued, "already": sum.already, "unreachable": sum.unreachable}),
            )
            .await?;
            tx.commit().await?;
            return Ok(sum);
        };
        after = last;
        let lines = fee_store::notice_lines(&mut tx, actor, &scope, first, last).await?;
        let mut payers: Vec<i64> = lines.iter().map(|l| l.payer_id).collect();
        payers.sort_unstable();
        payers.dedup();
        let addresses: HashMap<i64, store::PartyAddress> =
            store::party_addresses(&mut tx, &actor.projects, &payers).await?.into_iter().map(|a| (a.id, a)).collect();
        for group in lines.chunk_by(|a, b| a.payer_id == b.payer_id && a.unit_id == b.unit_id) {
            let first = &group[0];
            sum.notices += 1;
            let Some(to) = addresses.get(&first.payer_id) else {
                sum.unreachable += 1;
                continue;
            };
            let notice_lines: Vec<NoticeLine> = group.iter().map(|l| NoticeLine { item: l.item_name.clone(), owed: l.owed }).collect();
            let unit = format!("{}-{}", first.building_code, first.unit_no);
            let due = group.iter().map(|l| l.due_date).min().unwrap_or(first.due_date);
            let notice = PaymentNotice {
                project: &project_name,
                payer: &first.payer_name,
                payer_is_company: first.payer_kind == "company",
                unit: &unit,
                period: &period,
                lines: &notice_lines,
                due,
                place: &place,
            };
            let (subject, body) = notice.message();
            let key = channel::notice_key(&period, first.unit_id);
            let mut reached = false;
            for ch in &channels {
                let Some(address) = channel::address(ch.kind, &to.phone, to.email.as_deref()) else { continue };
                reached = true;
                let m = NewPartyMessage {
                    company_id: actor.company_id,
                    project_id,
                    party_id: first.payer_id,
                    channel_id: ch.id,
                    address: &address,
                    kind: PartyMessageKind::PaymentNotice,
                    entity_key: &key,
                    subject: &subject,
                    body: &body,
                };
                if store::enqueue(&mut tx, &m, actor.staff_id, MAX_ATTEMPTS, now).await? {
                    sum.queued += 1;
                } else {
                    sum.already += 1;
                }
            }
            if !reached {
                sum.unreachable += 1;
            }
        }
        tx.commit().await?;
    }
}
