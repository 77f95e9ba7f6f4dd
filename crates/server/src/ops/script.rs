//! RCP-5: a project's standard scripts — the words shown to staff at the moment they are
//! needed (greeting, visitor, complaint intake, callback opening and questions, farewell).
//! Each moment shows the project's own text when it wrote one, else the handbooks' default.
//! Supervisors, managers and admins edit them; every change is an event on the project.

use crate::error::{AppError, AppResult};
use crate::ops::log;
use chrono::{DateTime, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_domain::reception::{SCRIPT_MAX_CHARS, ScriptMoment, default_script, project_script};
use propdesk_domain::values;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::org;
use propdesk_store::models::script::{self as store, ScriptRow};
use propdesk_store::{AsEx, Db};
use serde_json::json;

/// A project's script for one moment.
#[derive(Debug, Clone)]
pub struct Script {
    pub moment: ScriptMoment,
    /// As written, with `{project}` where the project's name goes.
    pub text: String,
    /// The project wrote it (false: the default).
    pub custom: bool,
    pub updated_by_name: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl Script {
    /// The words as staff read them, with the project's name.
    pub fn shown(&self, project_name: &str) -> String {
        self.text.replace("{project}", project_name)
    }
}

/// Every moment's script of a project, in the order of `ScriptMoment::ALL`.
pub fn resolve(project_id: i64, own: &[ScriptRow]) -> Vec<Script> {
    ScriptMoment::ALL
        .iter()
        .map(|m| {
            let row = own.iter().find(|r| r.project_id == project_id && r.moment == *m);
            Script {
                moment: *m,
                text: project_script(*m, row.map(|r| r.text.as_str())).to_string(),
                custom: row.is_some(),
                updated_by_name: row.and_then(|r| r.updated_by_name.clone()),
                updated_at: row.map(|r| r.updated_at),
            }
        })
        .collect()
}

/// The scripts of a project the actor sees (404 otherwise).
pub async fn of_project(c: &mut impl AsEx, actor: &Actor, project_id: i64) -> AppResult<Vec<Script>> {
    if !actor.sees_project(project_id) {
        return Err(AppError::NotFound);
    }
    Ok(resolve(project_id, &store::of_projects(c, &[project_id]).await?))
}

fn parse_moment(s: &str) -> AppResult<ScriptMoment> {
    ScriptMoment::try_from(s.trim().to_string()).map_err(|_| FieldErrors::single("moment", Reason::Invalid("不是可选的话术", "is not a script moment")).into())
}

/// Writes a project's text for a moment. Empty text is refused (422: restore the default
/// instead); the default's own words restore the default; the same text again changes nothing.
pub async fn save(db: &Db, actor: &Actor, project_id: i64, moment: &str, text: &str) -> AppResult<()> {
    if !actor.can(Permission::EditScripts) {
        return Err(AppError::Forbidden);
    }
    let moment = parse_moment(moment)?;
    let text = values::text(text, SCRIPT_MAX_CHARS).map_err(|r| FieldErrors::single("text", r))?;
    if text == default_script(moment) {
        return restore(db, actor, project_id, moment.code()).await;
    }
    let now = Utc::now();
    let mut tx = db.begin().await?;
    org::project(&mut tx, actor, project_id).await?.ok_or(AppError::NotFound)?;
    let lock = tx.for_update();
    let before = store::get(&mut tx, project_id, moment, lock).await?.map(|r| r.0);
    if before.as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    store::put(&mut tx, project_id, moment, &text, Some(actor.staff_id).filter(|s| *s > 0), now).await?;
    let payload = json!({"rule": "RCP-5", "moment": moment.code(), "before": before.as_deref().unwrap_or(default_script(moment)), "after": text});
    log(&mut tx, actor, project_id, "project", project_id, "script_updated", payload).await?;
    tx.commit().await?;
    Ok(())
}

/// Drops a project's own text for a moment, so the default shows again.
pub async fn restore(db: &Db, actor: &Actor, project_id: i64, moment: &str) -> AppResult<()> {
    if !actor.can(Permission::EditScripts) {
        return Err(AppError::Forbidden);
    }
    let moment = parse_moment(moment)?;
    let mut tx = db.begin().await?;
    org::project(&mut tx, actor, project_id).await?.ok_or(AppError::NotFound)?;
    let lock = tx.for_update();
    let Some((before,)) = store::get(&mut tx, project_id, moment, lock).await? else { return Ok(()) };
    store::delete(&mut tx, project_id, moment).await?;
    let payload = json!({"rule": "RCP-5", "moment": moment.code(), "before": before, "after": default_script(moment)});
    log(&mut tx, actor, project_id, "project", project_id, "script_restored", payload).await?;
    tx.commit().await?;
    Ok(())
}
