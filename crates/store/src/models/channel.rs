//! POR-2: a company's channels to owners, tenants and merchants, and the messages sent through
//! them (FEE-3 payment notices). Channels are read and written within the caller's company;
//! messages within the caller's projects. A channel's secret is read only by the delivery job.

use crate::{AsEx, Result, Sql};
use chrono::{DateTime, Utc};
use propdesk_domain::access::Actor;
use propdesk_domain::channel::{ChannelKind, PartyMessageKind};

/// A channel as the admin page lists it: never its secret, only whether one is saved.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ChannelRow {
    pub id: i64,
    pub company_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: ChannelKind,
    pub name: String,
    /// JSON of `propdesk_domain::channel::Settings`.
    pub settings: String,
    pub has_secret: bool,
    pub enabled: bool,
    pub updated_at: DateTime<Utc>,
    pub updated_by_name: String,
    pub version: i64,
}

const CHANNEL_SELECT: &str = "SELECT c.id, c.company_id, c.kind, c.name, c.settings, (c.secret <> '') AS has_secret,
    c.enabled, c.updated_at, s.display_name AS updated_by_name, c.version FROM notification_channels c JOIN staff s ON s.id = c.updated_by";

pub async fn list(c: &mut impl AsEx, company_id: i64) -> Result<Vec<ChannelRow>> {
    c.ex().fetch_all(Sql::new(CHANNEL_SELECT).push(" WHERE c.company_id = ").bind(company_id).push(" ORDER BY c.name, c.id")).await
}

/// The company's channels that are switched on, in a stable order.
pub async fn enabled(c: &mut impl AsEx, company_id: i64) -> Result<Vec<ChannelRow>> {
    let sql = Sql::new(CHANNEL_SELECT).push(" WHERE c.company_id = ").bind(company_id).push(" AND c.enabled = ").bind(true).push(" ORDER BY c.id");
    c.ex().fetch_all(sql).await
}

/// One of the company's channels; `lock` is `Tx::for_update()` inside a change.
pub async fn get(c: &mut impl AsEx, company_id: i64, id: i64, lock: &str) -> Result<Option<ChannelRow>> {
    let sql = Sql::new(CHANNEL_SELECT).push(" WHERE c.company_id = ").bind(company_id).push(" AND c.id = ").bind(id).push(lock);
    c.ex().fetch_optional(sql).await
}

/// A channel with its secret, for sending only (the delivery job, the admin's test message).
#[derive(Clone, sqlx::FromRow, serde::Deserialize)]
pub struct ChannelSecret {
    pub id: i64,
    pub settings: String,
    pub secret: String,
}

impl std::fmt::Debug for ChannelSecret {
    // The secret never reaches a log through a `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelSecret").field("id", &self.id).field("settings", &self.settings).finish_non_exhaustive()
    }
}

pub async fn with_secrets(c: &mut impl AsEx, ids: &[i64]) -> Result<Vec<ChannelSecret>> {
    c.ex().fetch_all(Sql::new("SELECT id, settings, secret FROM notification_channels WHERE id IN ").bind_list(ids)).await
}

pub struct NewChannel<'a> {
    pub company_id: i64,
    pub kind: ChannelKind,
    pub name: &'a str,
    pub settings: &'a str,
    pub secret: &'a str,
    pub enabled: bool,
}

/// Inserts a channel; None when the company already has a channel of that name.
pub async fn insert(c: &mut impl AsEx, ch: &NewChannel<'_>, by: i64, now: DateTime<Utc>) -> Result<Option<i64>> {
    let sql = Sql::new(
        "INSERT INTO notification_channels (company_id, kind, name, settings, secret, enabled, created_at, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $7) ON CONFLICT (company_id, name) DO NOTHING RETURNING id",
    )
    .arg(ch.company_id)
    .arg(ch.kind.code())
    .arg(ch.name)
    .arg(ch.settings)
    .arg(ch.secret)
    .arg(ch.enabled)
    .arg(now)
    .arg(by);
    Ok(c.ex().fetch_optional::<(i64,)>(sql).await?.map(|r| r.0))
}

/// Updates a channel at the version the editor saw; `secret` None keeps the saved one.
/// Returns the rows changed (0: changed meanwhile).
pub async fn update(c: &mut impl AsEx, id: i64, version: i64, ch: &NewChannel<'_>, keep_secret: bool, by: i64, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new(
        "UPDATE notification_channels SET kind = $1, name = $2, settings = $3, secret = CASE WHEN $4 THEN secret ELSE $5 END, enabled = $6,
         updated_by = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND company_id = $10 AND version = $11",
    )
    .arg(ch.kind.code())
    .arg(ch.name)
    .arg(ch.settings)
    .arg(keep_secret)
    .arg(ch.secret)
    .arg(ch.enabled)
    .arg(by)
    .arg(now)
    .arg(id)
    .arg(ch.company_id)
    .arg(version);
    c.ex().execute(sql).await
}

/// Whether another channel of the company has this name.
pub async fn name_taken(c: &mut impl AsEx, company_id: i64, name: &str, except: i64) -> Result<bool> {
    let sql = Sql::new("SELECT COUNT(*) FROM notification_channels WHERE company_id = $1 AND name = $2 AND id <> $3").arg(company_id).arg(name).arg(except);
    Ok(c.ex().scalar(sql).await? > 0)
}

// ---------- messages to parties ----------

/// A party's phone and e-mail, the addresses channels use.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct PartyAddress {
    pub id: i64,
    pub phone: String,
    pub email: Option<String>,
}

/// The addresses of these parties, within the caller's projects.
pub async fn party_addresses(c: &mut impl AsEx, projects: &[i64], ids: &[i64]) -> Result<Vec<PartyAddress>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = Sql::new("SELECT id, phone, email FROM parties WHERE project_id IN ").bind_list(projects).push(" AND id IN ").bind_list(ids);
    c.ex().fetch_all(sql).await
}

pub struct NewPartyMessage<'a> {
    pub company_id: i64,
    pub project_id: i64,
    pub party_id: i64,
    pub channel_id: i64,
    pub address: &'a str,
    pub kind: PartyMessageKind,
    pub entity_key: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

/// Queues a message unless this channel already holds one for the party about the same thing;
/// one that was given up (`max_attempts` failures) is queued again with the new words and
/// address. Returns whether it was queued.
pub async fn enqueue(c: &mut impl AsEx, m: &NewPartyMessage<'_>, by: i64, max_attempts: i64, now: DateTime<Utc>) -> Result<bool> {
    let sql = Sql::new(
        "INSERT INTO party_messages (company_id, project_id, party_id, channel_id, address, kind, entity_key, subject, body, created_by, created_at, deliver_after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (channel_id, party_id, kind, entity_key) DO UPDATE
         SET address = excluded.address, subject = excluded.subject, body = excluded.body, created_by = excluded.created_by, created_at = excluded.created_at,
         deliver_after = excluded.deliver_after, attempts = 0, last_error = NULL
         WHERE party_messages.sent_at IS NULL AND party_messages.attempts >= $12",
    )
    .arg(m.company_id)
    .arg(m.project_id)
    .arg(m.party_id)
    .arg(m.channel_id)
    .arg(m.address)
    .arg(m.kind.code())
    .arg(m.entity_key)
    .arg(m.subject)
    .arg(m.body)
    .arg(by)
    .arg(now)
    .arg(max_attempts);
    Ok(c.ex().execute(sql).await? == 1)
}

/// A message taken for sending.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize)]
pub struct Outgoing {
    pub id: i64,
    pub company_id: i64,
    pub project_id: i64,
    pub party_id: i64,
    pub channel_id: i64,
    pub address: String,
    #[sqlx(try_from = "String")]
    pub kind: PartyMessageKind,
    pub entity_key: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// Takes up to `limit` due messages for sending: their `deliver_after` moves to `lease_until`,
/// so no other run (or node) takes them while they are on the wire, and a node that dies
/// mid-send leaves them due again when the lease ends. The network call then happens outside
/// any transaction — on SQLite a transaction held over a slow gateway would stop every writer.
pub async fn take_due(c: &mut impl AsEx, now: DateTime<Utc>, lease_until: DateTime<Utc>, limit: i64, max_attempts: i64, lock: &str) -> Result<Vec<Outgoing>> {
    let lock = if lock.is_empty() { String::new() } else { format!("{lock} SKIP LOCKED") };
    let sql = Sql::new("UPDATE party_messages SET deliver_after = $1 WHERE id IN (SELECT id FROM party_messages WHERE sent_at IS NULL AND deliver_after <= $2 AND attempts < $3 ORDER BY deliver_after, id LIMIT $4")
        .arg(lease_until)
        .arg(now)
        .arg(max_attempts)
        .arg(limit)
        .push(&lock)
        .push(") RETURNING id, company_id, project_id, party_id, channel_id, address, kind, entity_key, subject, body, attempts");
    let mut rows: Vec<Outgoing> = c.ex().fetch_all(sql).await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

pub async fn mark_sent(c: &mut impl AsEx, id: i64, now: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("UPDATE party_messages SET sent_at = $1, attempts = attempts + 1, last_error = NULL WHERE id = $2 AND sent_at IS NULL").arg(now).arg(id);
    c.ex().execute(sql).await
}

pub async fn mark_failed(c: &mut impl AsEx, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<u64> {
    let sql = Sql::new("UPDATE party_messages SET attempts = attempts + 1, last_error = $1, deliver_after = $2 WHERE id = $3 AND sent_at IS NULL")
        .arg(error)
        .arg(retry_at)
        .arg(id);
    c.ex().execute(sql).await
}

/// Where a message stands, for the page that sent it.
#[derive(Debug, Clone, sqlx::FromRow, serde::Deserialize, serde::Serialize)]
pub struct MessageStatus {
    pub id: i64,
    pub party_id: i64,
    pub entity_key: String,
    pub channel_name: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

/// The messages of one kind whose subject starts with `prefix/` in a project (a payment
/// notice's key is `period/unit_id`, so a period's notices are one index range: '/' sorts
/// just before '0').
pub async fn statuses(c: &mut impl AsEx, projects: &[i64], project_id: i64, kind: PartyMessageKind, prefix: &str) -> Result<Vec<MessageStatus>> {
    let sql = Sql::new(
        "SELECT m.id, m.party_id, m.entity_key, c.name AS channel_name, m.address, m.created_at, m.sent_at, m.attempts, m.last_error
         FROM party_messages m JOIN notification_channels c ON c.id = m.channel_id WHERE m.project_id IN ",
    )
    .bind_list(projects)
    .push(" AND m.project_id = ")
    .bind(project_id)
    .push(" AND m.kind = ")
    .bind(kind.code())
    .push(" AND m.entity_key >= ")
    .bind(format!("{prefix}/"))
    .push(" AND m.entity_key < ")
    .bind(format!("{prefix}0"))
    .push(" ORDER BY m.party_id, m.entity_key, m.id");
    c.ex().fetch_all(sql).await
}

/// The messages that were given up in the caller's projects, newest first (the admin page's
/// failures: they carry residents' addresses, so only of projects the caller works on).
pub async fn given_up(c: &mut impl AsEx, actor: &Actor, max_attempts: i64, limit: i64) -> Result<Vec<MessageStatus>> {
    let sql = Sql::new(
        "SELECT m.id, m.party_id, m.entity_key, c.name AS channel_name, m.address, m.created_at, m.sent_at, m.attempts, m.last_error
         FROM party_messages m JOIN notification_channels c ON c.id = m.channel_id
         WHERE m.company_id = $1 AND m.sent_at IS NULL AND m.attempts >= $2 AND m.project_id IN ",
    )
    .arg(actor.company_id)
    .arg(max_attempts)
    .bind_list(&actor.projects)
    .push(" ORDER BY m.id DESC LIMIT ")
    .bind(limit);
    c.ex().fetch_all(sql).await
}

/// Messages per channel: (channel_id, sent, waiting, failed).
pub async fn counts(c: &mut impl AsEx, company_id: i64, max_attempts: i64) -> Result<Vec<(i64, i64, i64, i64)>> {
    let sql = Sql::new(
        "SELECT channel_id, SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN sent_at IS NULL AND attempts < $2 THEN 1 ELSE 0 END),
         SUM(CASE WHEN sent_at IS NULL AND attempts >= $2 THEN 1 ELSE 0 END) FROM party_messages WHERE company_id = $1 GROUP BY channel_id",
    )
    .arg(company_id)
    .arg(max_attempts);
    c.ex().fetch_all(sql).await
}
