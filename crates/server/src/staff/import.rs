//! ORG-1/ORG-2: units and parties imported from Excel, all-or-nothing, with row/column errors.
//! The page takes the upload (multipart, so the CSRF token is checked here rather than by
//! `StaffForm`), reads the first worksheet and hands it to `ops::import`.

use super::{render, xlsx_response};
use crate::auth::{Ctx, constant_time_eq};
use crate::error::{AppError, AppResult};
use crate::ops::import::{self as ops, Col, ImportKind, PARTY_COLS, RowError, UNIT_COLS};
use crate::state::AppState;
use crate::xlsx;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use propdesk_domain::access::Permission;
use std::collections::HashMap;
use std::io::Cursor;

/// The largest file accepted.
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;

pub fn routes() -> Router<AppState> {
    Router::new()
        // A little above the file limit, so a slightly larger file still gets the Chinese message.
        .route("/import", get(page).post(upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES + 1024 * 1024)))
        .route("/import/template/{kind}", get(template))
}

#[derive(Template)]
#[template(path = "staff/import.html")]
struct ImportPage {
    ctx: Ctx,
    /// The form last used ("units" / "parties"), to keep its choices.
    kind: String,
    project_id: Option<i64>,
    file_name: String,
    /// A problem with the upload as a whole (no file, wrong type, too large, unreadable).
    message: String,
    errors: Vec<RowError>,
    /// Records created by the import just done.
    imported: Option<usize>,
    unit_cols: &'static [Col],
    party_cols: &'static [Col],
}

impl ImportPage {
    fn is_project(&self, id: &i64) -> bool {
        self.project_id == Some(*id)
    }
    fn kind_label(&self) -> &'static str {
        self.ctx.t(if self.kind == "parties" { "客户" } else { "房屋" })
    }
}

fn blank(ctx: Ctx) -> ImportPage {
    let project_id = ctx.project_id.or_else(|| ctx.projects.first().map(|p| p.id));
    ImportPage {
        ctx,
        kind: String::new(),
        project_id,
        file_name: String::new(),
        message: String::new(),
        errors: Vec::new(),
        imported: None,
        unit_cols: UNIT_COLS,
        party_cols: PARTY_COLS,
    }
}

/// `GET /import` — the two upload forms; after a successful import (post/redirect/get) the
/// count of records created.
pub async fn page(ctx: Ctx, Query(m): Query<HashMap<String, String>>) -> AppResult<Response> {
    ctx.require(Permission::ImportData)?;
    let mut p = blank(ctx);
    if let Some(k) = m.get("kind").and_then(|k| ImportKind::parse(k)) {
        p.kind = k.code().to_string();
    }
    if let Some(id) = m.get("project_id").and_then(|v| v.parse::<i64>().ok()).filter(|id| p.ctx.actor.sees_project(*id)) {
        p.project_id = Some(id);
    }
    p.imported = m.get("imported").and_then(|v| v.parse().ok());
    Ok(render(&p))
}

/// `GET /import/template/{units|parties}` — an empty workbook with the Chinese headers.
pub async fn template(ctx: Ctx, Path(kind): Path<String>) -> AppResult<Response> {
    ctx.require(Permission::ImportData)?;
    let kind = ImportKind::parse(&kind).ok_or(AppError::NotFound)?;
    let headers: Vec<&str> = kind.columns().iter().map(|c| c.template).collect();
    let (title, file) = match kind {
        ImportKind::Units => ("房屋导入", "房屋导入模板.xlsx"),
        ImportKind::Parties => ("客户导入", "客户导入模板.xlsx"),
    };
    Ok(xlsx_response(xlsx::sheet(title, &headers, std::iter::empty())?, file))
}

fn refused(mut p: ImportPage, message: &'static str) -> Response {
    p.message = p.ctx.t(message).to_string();
    super::render_invalid(&p)
}

/// Reads the first worksheet; CPU-bound, so off the async workers.
pub(crate) async fn first_sheet(bytes: Vec<u8>) -> Result<Range<Data>, &'static str> {
    let read = tokio::task::spawn_blocking(move || {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| "无法读取该文件，请确认是 .xlsx 格式的 Excel 文件")?;
        match wb.worksheet_range_at(0) {
            Some(Ok(range)) => Ok(range),
            Some(Err(_)) => Err("无法读取该文件，请确认是 .xlsx 格式的 Excel 文件"),
            None => Err("文件中没有工作表"),
        }
    });
    read.await.map_err(|_| "无法读取该文件，请确认是 .xlsx 格式的 Excel 文件")?
}

/// An uploaded multipart form: its text fields, and the file (`file`) with its name.
pub(crate) struct Upload {
    pub fields: HashMap<String, String>,
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The file was larger than `MAX_FILE_BYTES` (its bytes are then dropped).
    pub too_large: bool,
}

impl Upload {
    pub fn get(&self, k: &str) -> &str {
        self.fields.get(k).map(String::as_str).unwrap_or("")
    }
}

/// Reads a multipart upload, then checks its CSRF token (`_csrf`) against the session's: nothing
/// is answered about the content before the token is known to be the session's (forms send it
/// first, so it is read even when the file turns out too large).
pub(crate) async fn read_upload(ctx: &Ctx, mut mp: Multipart) -> AppResult<Upload> {
    let mut up = Upload { fields: HashMap::new(), file_name: String::new(), bytes: Vec::new(), too_large: false };
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                up.too_large = true;
                break;
            }
            Err(e) => return Err(AppError::BadRequest(e.body_text())),
        };
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            // Only the name itself (some browsers send a path), kept short for the log.
            let raw = field.file_name().unwrap_or("");
            up.file_name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim().chars().take(200).collect();
            let mut f = field;
            loop {
                match f.chunk().await {
                    // Past the limit the rest is read and dropped (the body limit caps it),
                    // so the browser gets the answer instead of a reset connection.
                    Ok(Some(c)) if up.too_large || up.bytes.len() + c.len() > MAX_FILE_BYTES => {
                        up.too_large = true;
                        up.bytes.clear();
                    }
                    Ok(Some(c)) => up.bytes.extend_from_slice(&c),
                    Ok(None) => break,
                    Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        up.too_large = true;
                        break;
                    }
                    Err(e) => return Err(AppError::BadRequest(e.body_text())),
                }
            }
        } else if !name.is_empty() {
            let text = field.text().await.map_err(|e| AppError::BadRequest(e.body_text()))?;
            up.fields.insert(name, text);
        }
    }
    if !constant_time_eq(up.get("_csrf"), &ctx.csrf) {
        return Err(AppError::Forbidden);
    }
    Ok(up)
}

/// `POST /import` (multipart: `_csrf`, `kind`, `project_id`, `file`).
pub async fn upload(State(state): State<AppState>, ctx: Ctx, mp: Multipart) -> AppResult<Response> {
    ctx.require(Permission::ImportData)?;
    let Upload { fields, file_name, bytes, too_large } = read_upload(&ctx, mp).await?;
    let kind = fields.get("kind").cloned().unwrap_or_default();
    let project = fields.get("project_id").cloned().unwrap_or_default();
    let mut p = blank(ctx);
    let kind = ImportKind::parse(&kind);
    p.kind = kind.map(|k| k.code().to_string()).unwrap_or_default();
    let project_id = project.trim().parse::<i64>().ok().filter(|id| p.ctx.actor.sees_project(*id));
    if project_id.is_some() {
        p.project_id = project_id;
    }
    p.file_name = file_name.clone();
    if too_large {
        return Ok(refused(p, "文件不能超过 5 MB"));
    }
    let Some(kind) = kind else {
        return Ok(refused(p, "请选择导入房屋还是客户"));
    };
    let Some(project_id) = project_id else {
        return Ok(refused(p, "请选择要导入到的项目"));
    };
    if file_name.is_empty() || bytes.is_empty() {
        return Ok(refused(p, "请选择要上传的 Excel 文件"));
    }
    if !file_name.to_lowercase().ends_with(".xlsx") {
        return Ok(refused(p, "只支持 .xlsx 格式的 Excel 文件（请在 Excel 中另存为 .xlsx）"));
    }
    let range = match first_sheet(bytes).await {
        Ok(r) => r,
        Err(msg) => return Ok(refused(p, msg)),
    };
    let outcome = match kind {
        ImportKind::Units => ops::import_units(&state.db, &p.ctx.actor, project_id, &file_name, &range).await?,
        ImportKind::Parties => ops::import_parties(&state.db, &p.ctx.actor, project_id, &file_name, &range).await?,
    };
    match outcome {
        Ok(n) => Ok(Redirect::to(&format!("/import?kind={}&project_id={project_id}&imported={n}", kind.code())).into_response()),
        Err(errors) => {
            p.errors = errors;
            let mut r = render(&p);
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
    }
}
