//! Staff sessions (cookie + CSRF), API bearer tokens, password hashing and login throttling.
//! Only SHA-256 hashes of session ids and tokens are stored; passwords are argon2 hashes.

use crate::error::{ApiError, AppError, AppResult};
use crate::i18n::Lang;
use crate::state::AppState;
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use propdesk_domain::access::{Actor, Permission};
use propdesk_store::models::{org, outbox, staff};
use propdesk_store::{AsEx, Db};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "pd_session";
pub const LANG_COOKIE: &str = "pd_lang";
pub const PROJECT_COOKIE: &str = "pd_project";

pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A random secret (session id, CSRF token, API token): 32 bytes as hex.
pub fn new_secret() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex(&b)
}

/// A password a person can type: 12 characters without look-alikes.
pub fn new_password() -> String {
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut b = [0u8; 12];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| CHARS[*x as usize % CHARS.len()] as char).collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!("{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}", if secure { "; Secure" } else { "" })
}

/// Loads the actor of a staff id: role, company and assigned projects. Inactive staff get none.
pub async fn load_actor(c: &mut impl AsEx, staff_id: i64) -> AppResult<Option<(Actor, String)>> {
    let s = staff::by_id_any(c, staff_id).await?;
    Ok(match s {
        Some(s) => actor_of(c, s).await?,
        None => None,
    })
}

async fn actor_of(c: &mut impl AsEx, s: staff::Staff) -> AppResult<Option<(Actor, String)>> {
    if !s.active {
        return Ok(None);
    }
    let projects = staff::project_ids(c, s.id).await?;
    Ok(Some((Actor { staff_id: s.id, name: s.display_name.clone(), company_id: s.company_id, role: s.role, projects }, s.display_name)))
}

/// Everything a staff page needs about the caller: who, in which language, which projects,
/// the CSRF token for its forms.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Actor,
    pub display_name: String,
    pub lang: Lang,
    pub csrf: String,
    pub projects: Vec<org::Project>,
    /// The project chosen in the switcher; lists default to it.
    pub project_id: Option<i64>,
    pub path: String,
    pub saved: bool,
    /// Unread messages in the caller's inbox (the badge on 通知 in the top bar).
    pub unread: i64,
}

impl Ctx {
    pub fn t(&self, zh: &'static str) -> &'static str {
        self.lang.t(zh)
    }
    pub fn en(&self) -> bool {
        self.lang.is_en()
    }
    /// Permission by name, for templates (the matrix itself lives in domain::access).
    pub fn can(&self, name: &str) -> bool {
        let p = match name {
            "view_parties" => Permission::ViewParties,
            "edit_units" => Permission::EditUnits,
            "edit_parties" => Permission::EditParties,
            "edit_tenure" => Permission::EditTenure,
            "edit_projects" => Permission::EditProjects,
            "view_registers" => Permission::ViewRegisters,
            "import" => Permission::ImportData,
            "view_audit" => Permission::ViewAudit,
            "manage_staff" => Permission::ManageStaff,
            "manage_calendar" => Permission::ManageCalendar,
            "manage_channels" => Permission::ManageChannels,
            "view_fees" => Permission::ViewFees,
            "read_meters" => Permission::ReadMeters,
            "write_repair_cases" => Permission::WriteRepairCases,
            "view_repair_reports" => Permission::ViewRepairReports,
            _ => return false,
        };
        self.actor.can(p)
    }
    pub fn require(&self, p: Permission) -> AppResult<()> {
        if self.actor.can(p) { Ok(()) } else { Err(AppError::Forbidden) }
    }
    pub fn project_name(&self, id: &i64) -> &str {
        self.projects.iter().find(|p| p.id == *id).map(|p| p.name.as_str()).unwrap_or("")
    }
    pub fn is_current(&self, id: &i64) -> bool {
        self.project_id == Some(*id)
    }
    /// The ledger's menu entry: every /fees page but those with their own entry.
    pub fn nav_fees(&self) -> &'static str {
        let own = ["/fees/payments", "/fees/arrears", "/fees/meters", "/fees/parking"];
        if own.iter().any(|p| self.path.starts_with(p)) { "" } else { self.nav("/fees") }
    }
    pub fn nav(&self, prefix: &str) -> &'static str {
        if (prefix == "/" && self.path == "/") || (prefix != "/" && self.path.starts_with(prefix)) { "active" } else { "" }
    }
}

/// Not logged in on a page: go to the login page and come back afterwards.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        let next: String = form_urlencoded::byte_serialize(self.0.as_bytes()).collect();
        Redirect::to(&format!("/login?next={next}")).into_response()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path().to_string();
        let path_q = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| path.clone());
        let Some(sid) = cookie(&parts.headers, SESSION_COOKIE) else { return Err(ToLogin(path_q).into_response()) };
        let lang = cookie(&parts.headers, LANG_COOKIE).map(Lang::from_code).unwrap_or_default();
        let chosen: Option<i64> = cookie(&parts.headers, PROJECT_COOKIE).and_then(|v| v.parse().ok());
        let saved = parts.uri.query().is_some_and(|q| q.split('&').any(|kv| kv == "saved=1"));
        let load = async {
            let mut c = state.db.read().await?;
            let Some(sess) = staff::session(&mut c, &sha256_hex(sid), Utc::now()).await? else { return Ok::<_, AppError>(None) };
            let Some((actor, display_name)) = load_actor(&mut c, sess.staff_id).await? else { return Ok(None) };
            let projects = org::projects(&mut c, &actor).await?;
            let unread = outbox::unread_count(&mut c, &actor).await?;
            Ok(Some((actor, display_name, sess.csrf, projects, unread)))
        };
        match load.await {
            Ok(Some((actor, display_name, csrf, projects, unread))) => {
                let project_id = chosen.filter(|id| actor.sees_project(*id));
                Ok(Ctx { actor, display_name, lang, csrf, projects, project_id, path, saved, unread })
            }
            Ok(None) => Err(ToLogin(path_q).into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// A submitted urlencoded form, kept as pairs so repeated keys (checkbox lists) survive.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> FormData {
        FormData(form_urlencoded::parse(body).into_owned().collect())
    }
    pub fn get(&self, key: &str) -> &str {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect()
    }
    pub fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, v)| k == key && !v.is_empty())
    }
}

/// A staff form post: the caller's context plus the form, with the CSRF token checked.
pub struct StaffForm {
    pub ctx: Ctx,
    pub form: FormData,
}

impl FromRequest<AppState> for StaffForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = Ctx::from_request_parts(&mut parts, state).await?;
        let bytes = Bytes::from_request(Request::from_parts(parts, body), state).await.map_err(IntoResponse::into_response)?;
        let form = FormData::parse(&bytes);
        if !constant_time_eq(form.get("_csrf"), &ctx.csrf) {
            return Err(AppError::Forbidden.into_response());
        }
        Ok(StaffForm { ctx, form })
    }
}

/// An API caller, authenticated by `Authorization: Bearer <token>`.
pub struct ApiUser(pub Actor);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token =
            parts.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).ok_or(ApiError(AppError::Unauthorized))?;
        let mut c = state.db.read().await?;
        let s = staff::by_token(&mut c, &sha256_hex(token.trim()), Utc::now()).await?.ok_or(ApiError(AppError::Unauthorized))?;
        let (actor, _) = actor_of(&mut c, s).await?.ok_or(ApiError(AppError::Unauthorized))?;
        Ok(ApiUser(actor))
    }
}

/// Checks a username and password with throttling by username and by address: after
/// `max_login_failures` failures within the lockout window both are refused until it passes.
pub async fn check_login(db: &Db, cfg: &crate::state::Config, username: &str, password: &str, addr: &str) -> AppResult<staff::Staff> {
    let now = Utc::now();
    let keys = [format!("u:{}", username.trim().to_lowercase()), format!("ip:{addr}")];
    // The lock check and the password hash run outside the write transaction: argon2 takes
    // tens of milliseconds of CPU, and SQLite's one writer must not wait for it.
    let found = {
        let mut c = db.read().await?;
        for k in &keys {
            if let Some(f) = staff::failures(&mut c, k).await?
                && f.locked_until.is_some_and(|t| t > now)
            {
                return Err(AppError::TooManyRequests);
            }
        }
        staff::by_username(&mut c, username.trim()).await?
    };
    // Verify against a dummy hash when the user is unknown, so timing does not reveal usernames.
    let hash = found.as_ref().map(|s| s.password_hash.clone()).unwrap_or_else(|| DUMMY_HASH.to_string());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.map_err(|e| AppError::Internal(e.into()))?;
    let ok = matches && found.as_ref().is_some_and(|s| s.active);
    let mut tx = db.begin().await?;
    if ok {
        for k in &keys {
            staff::clear_failures(&mut tx, k).await?;
        }
        tx.commit().await?;
        return found.ok_or(AppError::Unauthorized);
    }
    let window = Duration::minutes(cfg.lockout_minutes);
    for k in &keys {
        let prev = staff::failures(&mut tx, k).await?;
        let (failures, first_at) = match prev {
            Some(f) if now - f.first_at < window => (f.failures + 1, f.first_at),
            _ => (1, now),
        };
        let locked_until = (failures >= cfg.max_login_failures).then_some(now + window);
        staff::put_failures(&mut tx, k, &staff::Failures { failures, first_at, locked_until }).await?;
    }
    tx.commit().await?;
    Err(AppError::Unauthorized)
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
