//! Files attached to records (CMP-3 evidence; repair photos, signatures and PDFs next). The
//! rows describe files stored on disk by the server; every read is scoped by the actor's
//! company and projects. Whether the actor may also see the owning record is the caller's
//! check (it depends on the owner's rules).

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::AttachmentEntity;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct AttachmentRow {
    pub id: i64,
    pub project_id: i64,
    #[sqlx(try_from = "String")]
    pub entity: AttachmentEntity,
    pub entity_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Option<i64>,
    pub uploaded_by_name: Option<String>,
    pub uploaded_at: DateTime<Utc>,
    pub note: String,
}

const COLS: &str = "a.id, a.project_id, a.entity, a.entity_id, a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.uploaded_by,
    s.display_name AS uploaded_by_name, a.uploaded_at, a.note FROM attachments a LEFT JOIN staff s ON s.id = a.uploaded_by";

pub struct NewAttachment<'a> {
    pub company_id: i64,
    pub project_id: i64,
    pub entity: AttachmentEntity,
    pub entity_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub size_bytes: i64,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: DateTime<Utc>,
    pub note: &'a str,
}

pub async fn insert(c: &mut impl AsEx, n: &NewAttachment<'_>) -> Result<i64> {
    let sql = Sql::new(
        "INSERT INTO attachments (company_id, project_id, entity, entity_id, file_name, content_type, size_bytes, sha256, storage_key, uploaded_by, uploaded_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .arg(n.company_id)
    .arg(n.project_id)
    .arg(n.entity.code())
    .arg(n.entity_id)
    .arg(n.file_name)
    .arg(n.content_type)
    .arg(n.size_bytes)
    .arg(n.sha256)
    .arg(n.storage_key)
    .arg(n.uploaded_by)
    .arg(n.uploaded_at)
    .arg(n.note);
    c.ex().insert(sql).await
}

/// One attachment in the actor's company and projects.
pub async fn get(c: &mut impl AsEx, actor: &Actor, id: i64) -> Result<Option<AttachmentRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} WHERE a.id = "))
        .bind(id)
        .push(" AND a.company_id = ")
        .bind(actor.company_id)
        .push(" AND a.project_id IN ")
        .bind_list(&actor.projects);
    c.ex().fetch_optional(sql).await
}

/// The attachments of one record, oldest first, within the actor's company and projects.
pub async fn for_entity(c: &mut impl AsEx, actor: &Actor, entity: AttachmentEntity, entity_id: i64) -> Result<Vec<AttachmentRow>> {
    let sql = Sql::new(&format!("SELECT {COLS} WHERE a.entity = "))
        .bind(entity.code())
        .push(" AND a.entity_id = ")
        .bind(entity_id)
        .push(" AND a.company_id = ")
        .bind(actor.company_id)
        .push(" AND a.project_id IN ")
        .bind_list(&actor.projects)
        .push(" ORDER BY a.id");
    c.ex().fetch_all(sql).await
}
