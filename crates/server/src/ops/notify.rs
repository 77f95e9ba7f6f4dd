//! Notifications, enqueued in the transaction of the change that causes them (DESIGN.md: an
//! ops transaction "enqueues notifications in the outbox table"), so a change and its
//! messages commit together or not at all. `jobs::outbox` delivers them. Who hears of what is
//! decided in `propdesk_domain::notify`; this module resolves audiences to the staff of the
//! project and writes the words of each message.

use crate::error::AppResult;
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::notify::{Audience, NoticeKind, recipients};
use propdesk_store::Tx;
use propdesk_store::models::outbox::{self, NewMessage};

/// One message, before it is addressed.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub project_id: i64,
    pub subject: String,
    pub body: String,
    pub link: String,
    pub entity: &'static str,
    pub entity_id: i64,
}

/// Addresses `n` to everyone the audiences resolve to on its project (once each, never the
/// actor) and enqueues it inside `tx`. Returns how many messages were enqueued.
pub async fn enqueue(tx: &mut Tx, actor: &Actor, n: &Notice, audiences: &[Audience], now: DateTime<Utc>) -> AppResult<u64> {
    let mut ids = Vec::new();
    for a in audiences {
        match a {
            Audience::Department(d) => ids.extend(outbox::department_recipients(tx, actor.company_id, n.project_id, *d).await?),
            Audience::Roles(roles) => ids.extend(outbox::staff_with_roles(tx, actor.company_id, n.project_id, roles).await?),
            Audience::EngineeringHeads => ids.extend(outbox::engineering_heads(tx, actor.company_id, n.project_id).await?),
            Audience::Staff(s) => ids.extend(outbox::staff_on_project(tx, actor.company_id, n.project_id, *s).await?),
        }
    }
    let to = recipients(&ids, actor.staff_id);
    let m = NewMessage {
        company_id: actor.company_id,
        project_id: Some(n.project_id),
        kind: n.kind,
        subject: &n.subject,
        body: &n.body,
        link: &n.link,
        entity: n.entity,
        entity_id: n.entity_id,
    };
    Ok(outbox::enqueue(tx, &m, &to, now).await?)
}

/// The first characters of a text, for a message's body.
pub fn excerpt(s: &str) -> String {
    const MAX: usize = 60;
    let t = s.trim();
    if t.chars().count() <= MAX { t.to_string() } else { format!("{}…", t.chars().take(MAX).collect::<String>()) }
}

/// The complaint a message is about.
pub struct About<'a> {
    pub id: i64,
    pub project_id: i64,
    pub number: &'a str,
    pub content: &'a str,
}

/// The words of a complaint message of `kind`; `note` is added to the body when not empty.
pub fn complaint_notice(kind: NoticeKind, c: &About<'_>, note: &str) -> Notice {
    let (subject, ask) = match kind {
        NoticeKind::OnlineComplaint => (format!("网上投诉 {}", c.number), "网上投诉须立即转责任部门负责人，由其书面答复客户事实与措施（CMP-16）。"),
        NoticeKind::ImportantComplaint => (format!("重要投诉 {}", c.number), "重要投诉由客服部负责人负责处理（CMP-7）。"),
        NoticeKind::MajorComplaint => (format!("重大投诉 {}", c.number), MAJOR_ASK),
        NoticeKind::Dispatched => (format!("投诉派单 {}", c.number), "投诉处理单已派至本部门，请及时接收并回复处理方案（CMP-5、CMP-6）。"),
        NoticeKind::Reopened => (format!("投诉重新处理 {}", c.number), "客户回访不满意，请重新处理并向客户说明（CBK-6）。"),
        NoticeKind::CallbackAssigned => (format!("回访任务 {}", c.number), "投诉已有处理结果，请按时回访客户（CBK-1、CBK-2）。"),
        NoticeKind::EmergencyRepair | NoticeKind::RepairDispatched | NoticeKind::Rectification => return work_order_notice(kind, c, note),
        // Purchases write their own message (ops::meter); never raised about a complaint.
        NoticeKind::MeterLoad => (format!("购电充值 {}", c.number), "请为该表充值并在系统中确认（FEE-8）。"),
    };
    let mut body = format!("{}\n{ask}", excerpt(c.content));
    if !note.is_empty() {
        body.push('\n');
        body.push_str(note);
    }
    Notice { kind, project_id: c.project_id, subject, body, link: format!("/complaints/{}", c.id), entity: "complaint", entity_id: c.id }
}

/// The words of a work-order message of `kind` (REP-5 emergencies and dispatches, REP-9
/// rectification notices); `c` names the work order.
pub fn work_order_notice(kind: NoticeKind, c: &About<'_>, note: &str) -> Notice {
    let (subject, ask, link) = match kind {
        NoticeKind::EmergencyRepair => (
            format!("紧急维修 {}", c.number),
            "紧急维修（水、电）：请立即安排人员到场，查明原因、保留证据，决定是否停水停电并上报（REP-5）。",
            format!("/work-orders/{}", c.id),
        ),
        NoticeKind::Rectification => {
            (format!("整改通知 {}", c.number), "回访发现问题，请于 24 小时内完成整改并记录整改结果（REP-9）。", format!("/work-orders/{}", c.id))
        }
        NoticeKind::CallbackAssigned => (format!("维修回访 {}", c.number), "维修已验收，请按时回访业主（REP-8、CBK-2）。", format!("/work-orders/{}", c.id)),
        _ => (format!("维修派工 {}", c.number), "维修工单已派至您或本部门，请按时到场维修（REP-2）。", format!("/work-orders/{}", c.id)),
    };
    let mut body = format!("{}\n{ask}", excerpt(c.content));
    if !note.is_empty() {
        body.push('\n');
        body.push_str(note);
    }
    Notice { kind, project_id: c.project_id, subject, body, link, entity: "work_order", entity_id: c.id }
}

/// What a major-complaint message asks (CMP-7); the escalation job writes it with SQL too.
pub const MAJOR_ASK: &str = "重大投诉须立即上报公司负责人，由其确定措施、责任人和期限（CMP-7）。";

// ---------- the recipient's side: reading the inbox ----------

/// Marks one of the actor's messages read; another person's message is not found (404).
pub async fn mark_read(db: &propdesk_store::Db, actor: &Actor, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    outbox::inbox_item(&mut tx, actor, id).await?.ok_or(crate::error::AppError::NotFound)?;
    outbox::mark_read(&mut tx, actor, id, Utc::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Marks all of the actor's messages read; returns how many were unread.
pub async fn mark_all_read(db: &propdesk_store::Db, actor: &Actor) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let n = outbox::mark_all_read(&mut tx, actor, Utc::now()).await?;
    tx.commit().await?;
    Ok(n)
}
