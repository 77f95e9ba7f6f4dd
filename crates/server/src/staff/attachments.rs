//! Attachments over HTTP, for every owner: reading one multipart upload (shared with the API),
//! and serving a stored file to staff who may see its owner — images inline, everything else
//! as a download, with the type propdesk decided and never sniffed by the browser.

use crate::auth::{Ctx, constant_time_eq};
use crate::error::{AppError, AppResult};
use crate::files::{FileStore, ReceiveError};
use crate::ops::attachment::{self as ops, Incoming};
use crate::state::{AppState, Config};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use propdesk_domain::access::Actor;
use propdesk_domain::attachment::{self as rules, Accept, AttachmentEntity, FileClass, FileKind, Limits, SNIFF_BYTES};
use propdesk_domain::error::size_text;
use propdesk_domain::{FieldErrors, Reason};
use propdesk_store::models::attachment::AttachmentRow;
use tokio::io::AsyncReadExt;

/// The attachment routes of the staff pages. Uploads may be larger than axum's default body
/// limit (2 MB): their route allows the largest file the configuration permits plus room for
/// the form's other fields; the upload reader stops each file at its own limit before that.
pub fn routes(cfg: &Config) -> Router<AppState> {
    Router::new()
        .route("/attachments/{id}", get(download))
        .route("/complaints/{id}/attachments", post(super::complaints::upload).layer(DefaultBodyLimit::max(body_limit(&cfg.attachment_limits))))
        .route("/work-orders/{id}/attachments", post(super::work_orders::upload).layer(DefaultBodyLimit::max(body_limit(&cfg.attachment_limits))))
}

/// The largest request an upload route accepts.
pub fn body_limit(limits: &Limits) -> usize {
    usize::try_from(limits.max()).unwrap_or(usize::MAX).saturating_add(TEXT_FIELD_MAX * MAX_FIELDS)
}

/// A text field of an upload form (`note`, `_csrf`) is read up to this many bytes.
const TEXT_FIELD_MAX: usize = 16 * 1024;
/// More fields than this in one upload form is not a form propdesk sent.
const MAX_FIELDS: usize = 8;

/// What the file picker offers for an owner's attachments (the server decides by content anyway).
pub fn accept_attr(entity: AttachmentEntity) -> &'static str {
    match entity {
        AttachmentEntity::Complaint => "image/jpeg,image/png,image/webp,image/gif,application/pdf,audio/*,.amr,.m4a,video/mp4,video/quicktime,.mov",
        AttachmentEntity::WorkOrder => "image/jpeg,image/png,image/webp,image/gif,application/pdf",
    }
}

fn multipart_error(e: MultipartError, limits: &Limits) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE { ops::too_large(limits) } else { AppError::BadRequest(e.body_text()) }
}

async fn small_text(field: &mut Field<'_>, name: &str, limits: &Limits) -> AppResult<String> {
    let mut buf = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limits))? {
        if buf.len() + chunk.len() > TEXT_FIELD_MAX {
            return Err(FieldErrors::single(name, Reason::TooLong(500)).into());
        }
        buf.extend_from_slice(&chunk);
    }
    String::from_utf8(buf).map_err(|_| FieldErrors::single(name, Reason::Invalid("不是有效的文字", "is not valid UTF-8 text")).into())
}

/// Reads one upload form: fields `file` (required, one file) and `note` (optional). A staff
/// page passes its session's CSRF token: the form's `_csrf` field must come before the file
/// and match, or nothing is received (403). The file is streamed to a temporary file; as soon
/// as its first bytes show what it is, a kind the owner does not accept is refused and the
/// kind's own size limit applies (422 on `file`), so nothing unwanted is read to the end.
pub async fn read_upload(mut mp: Multipart, files: &FileStore, accept: Accept, limits: &Limits, csrf: Option<&str>) -> AppResult<Incoming> {
    let read = read_fields(&mut mp, files, accept, limits, csrf).await;
    if read.is_err() {
        // Read the rest of the request (the route's body limit bounds it) before answering:
        // a browser still sending a large file shows "connection reset" instead of the
        // refusal when the server stops reading and closes.
        while let Ok(Some(mut field)) = mp.next_field().await {
            while let Ok(Some(_)) = field.chunk().await {}
        }
    }
    read
}

async fn read_fields(mp: &mut Multipart, files: &FileStore, accept: Accept, limits: &Limits, csrf: Option<&str>) -> AppResult<Incoming> {
    let mut csrf_ok = csrf.is_none();
    let mut upload = None;
    let mut file_name = String::new();
    let mut note = String::new();
    let mut fields = 0;
    while let Some(mut field) = mp.next_field().await.map_err(|e| multipart_error(e, limits))? {
        fields += 1;
        if fields > MAX_FIELDS {
            return Err(AppError::BadRequest("too many form fields".into()));
        }
        match field.name().unwrap_or("") {
            "_csrf" => {
                let v = small_text(&mut field, "_csrf", limits).await?;
                if let Some(token) = csrf {
                    csrf_ok = constant_time_eq(v.trim(), token);
                }
            }
            "file" => {
                if !csrf_ok {
                    return Err(AppError::Forbidden);
                }
                if upload.is_some() {
                    return Err(FieldErrors::single("file", Reason::Invalid("一次只能上传一个文件", "one file per upload")).into());
                }
                file_name = field.file_name().unwrap_or("").to_string();
                let mut u = files.receive(limits.max()).await.map_err(|e| AppError::Internal(anyhow::anyhow!("receiving an upload: {e}")))?;
                let mut known = false;
                while let Some(chunk) = field.chunk().await.map_err(|e| multipart_error(e, limits))? {
                    match u.write(&chunk).await {
                        Ok(()) => {}
                        Err(ReceiveError::TooLarge) => return Err(FieldErrors::single("file", Reason::TooLarge(u.max())).into()),
                        Err(ReceiveError::Io(e)) => return Err(AppError::Internal(anyhow::anyhow!("receiving an upload: {e}"))),
                    }
                    if !known && u.head().len() >= SNIFF_BYTES {
                        known = true;
                        let kind = rules::check(u.head(), 1, accept, limits).map_err(|r| FieldErrors::single("file", r))?;
                        u.limit_to(limits.of(kind));
                        if u.size() > u.max() {
                            return Err(FieldErrors::single("file", Reason::TooLarge(u.max())).into());
                        }
                    }
                }
                upload = Some(u);
            }
            "note" => note = small_text(&mut field, "note", limits).await?,
            // Anything else is skipped unread (multer discards the rest of a field).
            _ => {}
        }
    }
    if !csrf_ok {
        return Err(AppError::Forbidden);
    }
    // A form sent with no file chosen carries an empty file part.
    match upload.filter(|u| u.size() > 0) {
        Some(upload) => Ok(Incoming { upload, file_name, note }),
        None => Err(FieldErrors::single("file", Reason::Required).into()),
    }
}

/// An attachment as listed on a record page.
pub struct FileView {
    pub a: AttachmentRow,
    /// `image`, `audio`, `video` or `file`: how the page shows it.
    pub class: &'static str,
    pub size: String,
    pub uploaded_at: String,
}

impl FileView {
    pub fn new(a: AttachmentRow) -> FileView {
        let class = match FileKind::from_content_type(&a.content_type).map(FileKind::class) {
            Some(FileClass::Image) => "image",
            Some(FileClass::Audio) => "audio",
            Some(FileClass::Video) => "video",
            Some(FileClass::Document) | None => "file",
        };
        FileView { class, size: size_text(a.size_bytes.max(0) as u64), uploaded_at: super::fmt_time(&a.uploaded_at), a }
    }
}

/// `GET /attachments/{id}`
pub async fn download(State(state): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> AppResult<Response> {
    file_response(&state, &ctx.actor, id).await
}

/// The stored file of an attachment the actor may see (404 otherwise, as for its owner).
pub async fn file_response(state: &AppState, actor: &Actor, id: i64) -> AppResult<Response> {
    let row = ops::get(&state.db, actor, id).await?;
    let files = FileStore::new(&state.cfg.attachments_dir);
    // A row whose file is gone is damage to report, not a request to refuse.
    let file = files.open(&row.storage_key).await.map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {id} ({}): {e}", row.storage_key)))?;
    let inline = FileKind::from_content_type(&row.content_type).is_some_and(FileKind::inline);
    let body = Body::from_stream(futures_util::stream::unfold(Some(file), |file| async move {
        let mut f = file?;
        let mut buf = vec![0u8; 64 * 1024];
        match f.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(Bytes::from(buf)), Some(f)))
            }
            // The error ends the body; nothing is read after it.
            Err(e) => Some((Err(e), None)),
        }
    }));
    let mut res = Response::new(body);
    let h = res.headers_mut();
    let value = |s: String| HeaderValue::from_str(&s).map_err(|e| AppError::Internal(anyhow::anyhow!("attachment {id} header: {e}")));
    h.insert(header::CONTENT_TYPE, value(row.content_type.clone())?);
    h.insert(header::CONTENT_LENGTH, value(row.size_bytes.to_string())?);
    h.insert(header::CONTENT_DISPOSITION, value(content_disposition(inline, &row.file_name))?);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    // Opened directly, the file is a document of its own that may run nothing.
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; media-src 'self'; sandbox"));
    Ok(res)
}

/// `inline` or `attachment` with the name twice: an ASCII stand-in for old clients and the
/// real name percent-encoded as UTF-8 (RFC 6266 / RFC 8187).
pub fn content_disposition(inline: bool, name: &str) -> String {
    let ascii: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') { c } else { '_' }).collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmp_3_download_names_survive_in_both_forms() {
        assert_eq!(content_disposition(true, "漏水 照片.jpg"), "inline; filename=\"__ __.jpg\"; filename*=UTF-8''%E6%BC%8F%E6%B0%B4%20%E7%85%A7%E7%89%87.jpg");
        assert_eq!(content_disposition(false, "a;b\".pdf"), "attachment; filename=\"a_b_.pdf\"; filename*=UTF-8''a%3Bb%22.pdf");
    }

    #[test]
    fn upload_routes_allow_the_largest_file_and_its_form() {
        let l = Limits::default();
        assert!(body_limit(&l) > 50 * 1024 * 1024);
        assert!(body_limit(&l) < 51 * 1024 * 1024);
    }
}
