//! Transaction scripts: load → decide (domain) → persist + event, in one transaction.
//! Staff pages, the API and the importer call the same functions.

pub mod arrears;
pub mod attachment;
pub mod calendar;
pub mod callback;
pub mod channel;
pub mod claim;
pub mod complaint;
pub mod contractor;
pub mod contractor_accounts;
pub mod duplicates;
pub mod fee;
pub mod import;
pub mod meter;
pub mod notify;
pub mod org;
pub mod paid_repair;
pub mod parking;
pub mod payment;
pub mod reception;
pub mod rectification;
pub mod repair_case;
pub mod return_slip;
pub mod script;
pub mod staff;
pub mod work_order;

use serde::{Deserialize, Deserializer};

/// Business dates and times are in the project's zone; every project is Asia/Shanghai today.
pub const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// Accepts a JSON string, number, bool or null as text, so API clients may send `88.5` or
/// `"88.5"`; the domain parser then decides. Forms always send text.
pub fn de_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// The caller's role must allow `p` (403 otherwise).
pub fn require(actor: &propdesk_domain::access::Actor, p: propdesk_domain::access::Permission) -> crate::error::AppResult<()> {
    if actor.can(p) { Ok(()) } else { Err(crate::error::AppError::Forbidden) }
}

/// Appends the event of a change to a project's record, inside the action's transaction.
pub async fn log(
    tx: &mut propdesk_store::Tx,
    actor: &propdesk_domain::access::Actor,
    project_id: i64,
    entity: &str,
    entity_id: i64,
    action: &str,
    payload: serde_json::Value,
) -> crate::error::AppResult<()> {
    use propdesk_store::models::event::{self, NewEvent};
    event::append(tx, actor, chrono::Utc::now(), NewEvent { project_id: Some(project_id), entity, entity_id, action, payload }).await?;
    Ok(())
}
