//! POR-2: the channels that reach owners, tenants and merchants — e-mail through the company's
//! SMTP server, and a webhook for an SMS or IM gateway — configured once per company. Pure:
//! what a channel's settings must be, which of a party's addresses a channel uses, the words
//! of a payment notice sent to its payer (FEE-3), and the state of a sent message.

use crate::error::{FieldErrors, Reason};
use crate::text_enum;
use crate::values::{self, Phone};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

text_enum! {
    /// How a channel reaches people.
    ChannelKind {
        Email = "email", "电子邮件（SMTP）", "E-mail (SMTP)";
        Webhook = "webhook", "短信/即时通讯网关（Webhook）", "SMS/IM gateway (webhook)";
    }
}

text_enum! {
    /// How the SMTP connection is protected.
    SmtpSecurity {
        StartTls = "starttls", "STARTTLS（通常 587 端口）", "STARTTLS (usually port 587)";
        Tls = "tls", "SSL/TLS（通常 465 端口）", "SSL/TLS (usually port 465)";
        Plain = "none", "不加密（仅限内网中继）", "None (internal relay only)";
    }
}

text_enum! {
    /// What a message to a party is about.
    PartyMessageKind {
        PaymentNotice = "payment_notice", "缴费通知", "Payment notice";
    }
}

text_enum! {
    /// Where a message to a party stands.
    MessageState {
        Queued = "queued", "待发送", "Queued";
        Retrying = "retrying", "发送失败，将重试", "Failed, will retry";
        Sent = "sent", "已发送", "Sent";
        GaveUp = "failed", "发送失败", "Failed";
    }
}

impl MessageState {
    /// Sent: nothing more to do.
    pub fn is_sent(self) -> bool {
        self == MessageState::Sent
    }
    /// Failing or given up: someone should look (a badge in warning colour).
    pub fn is_failing(self) -> bool {
        matches!(self, MessageState::Retrying | MessageState::GaveUp)
    }
}

/// FEE-3: what a payment notice message is about — its period and unit — as kept on the message
/// (`2026-12/42`): a period's messages share the prefix, so they are one index range.
pub fn notice_key(period: &str, unit_id: i64) -> String {
    format!("{period}/{unit_id}")
}

/// The unit of a payment notice message's key.
pub fn notice_unit(key: &str) -> Option<i64> {
    key.rsplit_once('/').and_then(|(_, u)| u.parse().ok())
}

/// After this many failed attempts a message to a party is given up; its last error stays on
/// the row and the notices page shows it, so staff deliver that notice by hand.
pub const MAX_ATTEMPTS: i64 = 6;

/// The state of a message from its row: sent, given up, failing (and due again), or waiting.
pub fn message_state(sent: bool, attempts: i64) -> MessageState {
    if sent {
        MessageState::Sent
    } else if attempts >= MAX_ATTEMPTS {
        MessageState::GaveUp
    } else if attempts > 0 {
        MessageState::Retrying
    } else {
        MessageState::Queued
    }
}

/// An SMTP server and the sender address its messages carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailSettings {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    /// Blank when the server takes mail without logging in (an internal relay).
    pub username: String,
    pub from: String,
}

/// A gateway that takes one JSON POST per message and turns it into an SMS or IM message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSettings {
    pub url: String,
}

/// A channel's settings, kept as JSON on its row; its secret (SMTP password, webhook signing
/// key) is kept apart and never shown or logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Settings {
    Email(EmailSettings),
    Webhook(WebhookSettings),
}

impl Settings {
    pub fn kind(&self) -> ChannelKind {
        match self {
            Settings::Email(_) => ChannelKind::Email,
            Settings::Webhook(_) => ChannelKind::Webhook,
        }
    }
    /// Where it sends to, for the channel list (never the secret).
    pub fn target(&self) -> String {
        match self {
            Settings::Email(e) => format!("{}:{} · {}", e.host, e.port, e.from),
            Settings::Webhook(w) => w.url.clone(),
        }
    }
}

/// A channel as typed on the admin page or sent to the API.
#[derive(Clone, Default, Deserialize)]
pub struct ChannelForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub port: String,
    #[serde(default)]
    pub security: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub url: String,
    /// The SMTP password or the webhook signing key; blank when editing keeps the one saved.
    #[serde(default)]
    pub secret: String,
}

// Debug output never carries the secret, should a form or channel ever reach a log.
impl std::fmt::Debug for ChannelForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelForm")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("host", &self.host)
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for ValidChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ValidChannel")
            .field("name", &self.name)
            .field("settings", &self.settings)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish()
    }
}

/// The shortest signing key a webhook accepts: the gateway checks each message's HMAC with it.
pub const MIN_SIGNING_KEY: usize = 16;

/// A channel that passed its checks: name, settings, and the secret when one was typed.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidChannel {
    pub name: String,
    pub settings: Settings,
    pub secret: Option<String>,
}

/// POR-2: checks a channel's form. `has_secret` says a secret is saved already (editing), so a
/// blank one keeps it; a webhook needs a signing key, an SMTP login needs its password.
pub fn validate_channel(f: &ChannelForm, has_secret: bool) -> Result<ValidChannel, FieldErrors> {
    let mut e = FieldErrors::new();
    let kind = e.take("kind", ChannelKind::parse(&f.kind));
    let name = e.take("name", values::text(&f.name, 40));
    let secret = f.secret.trim();
    let secret = if secret.is_empty() { None } else { Some(secret.to_string()) };
    if secret.as_ref().is_some_and(|s| s.chars().count() > 200) {
        e.push("secret", Reason::TooLong(200));
    }
    let settings = match kind {
        Some(ChannelKind::Email) => {
            let host = e.take("host", host(&f.host));
            let security = e.take("security", SmtpSecurity::parse(&f.security));
            let port = e.take("port", port(&f.port, security));
            let username = e.take("username", values::opt_text(&f.username, 120)).flatten().unwrap_or_default();
            let from = e.take("from", values::email(&f.from));
            if !username.is_empty() && secret.is_none() && !has_secret {
                e.push("secret", Reason::Invalid("填写了登录用户名，须同时填写密码", "a login needs its password"));
            }
            match (host, port, security, from) {
                (Some(host), Some(port), Some(security), Some(from)) => Some(Settings::Email(EmailSettings { host, port, security, username, from })),
                _ => None,
            }
        }
        Some(ChannelKind::Webhook) => {
            let url = e.take("url", webhook_url(&f.url));
            match &secret {
                None if !has_secret => e.push(
                    "secret",
                    Reason::Invalid("须填写签名密钥，网关用它验证每条消息", "a signing key is required; the gateway checks each message with it"),
                ),
                Some(s) if s.chars().count() < MIN_SIGNING_KEY => {
                    e.push("secret", Reason::Invalid("签名密钥至少 16 个字符", "the signing key must be at least 16 characters"))
                }
                _ => {}
            }
            url.map(|url| Settings::Webhook(WebhookSettings { url }))
        }
        None => None,
    };
    e.into_result()?;
    match (name, settings) {
        (Some(name), Some(settings)) => Ok(ValidChannel { name, settings, secret }),
        _ => Err(FieldErrors::single("kind", Reason::Required)),
    }
}

fn host(s: &str) -> Result<String, Reason> {
    let h = values::text(s, 120)?;
    let ok = h.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ':' | '[' | ']'));
    if ok { Ok(h) } else { Err(Reason::Invalid("服务器地址格式不正确（如 smtp.example.com）", "is not a host name (like smtp.example.com)")) }
}

fn port(s: &str, security: Option<SmtpSecurity>) -> Result<u16, Reason> {
    if s.trim().is_empty() {
        return Ok(match security {
            Some(SmtpSecurity::Tls) => 465,
            Some(SmtpSecurity::Plain) => 25,
            _ => 587,
        });
    }
    match s.trim().parse::<u16>() {
        Ok(p) if p > 0 => Ok(p),
        _ => Err(Reason::Invalid("端口应为 1–65535 的整数", "must be a port number from 1 to 65535")),
    }
}

/// A webhook address: http(s), a host, no credentials in it (they would show on the page and
/// in logs; the signing key is the credential).
pub fn webhook_url(s: &str) -> Result<String, Reason> {
    let u = values::text(s, 300)?;
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
    let Some(rest) = rest else {
        return Err(Reason::Invalid("地址须以 https:// 或 http:// 开头", "must start with https:// or http://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || u.chars().any(char::is_whitespace) {
        return Err(Reason::Invalid("地址缺少主机名", "has no host"));
    }
    if authority.contains('@') {
        return Err(Reason::Invalid("地址中不能含用户名或密码，请使用签名密钥", "must not carry a user or password; the signing key authenticates"));
    }
    Ok(u)
}

/// POR-2: the address a channel uses for a party — its e-mail for e-mail, its mobile number for
/// the SMS/IM gateway (a landline cannot take a text). None: this channel cannot reach them.
pub fn address(kind: ChannelKind, phone: &str, email: Option<&str>) -> Option<String> {
    match kind {
        ChannelKind::Email => email.and_then(|e| values::email(e).ok()),
        ChannelKind::Webhook => Phone::parse(phone).ok().map(Phone::into_inner).filter(|p| p.len() == 11 && p.starts_with('1')),
    }
}

/// One line of a payment notice: the fee item and what is still owed on it, in fen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeLine {
    pub item: String,
    pub owed: i64,
}

/// What a payment notice sent to its payer says (FEE-3): the same facts as the printed one —
/// period, amounts, deadline and where to pay.
#[derive(Debug, Clone)]
pub struct PaymentNotice<'a> {
    pub project: &'a str,
    pub payer: &'a str,
    /// A company is addressed by its name alone, a person as 先生/女士.
    pub payer_is_company: bool,
    pub unit: &'a str,
    pub period: &'a str,
    pub lines: &'a [NoticeLine],
    pub due: NaiveDate,
    pub place: &'a str,
}

impl PaymentNotice<'_> {
    pub fn total(&self) -> i64 {
        self.lines.iter().map(|l| l.owed).sum()
    }
    /// FEE-3: the subject and body of the notice as a message (short enough for a long SMS).
    pub fn message(&self) -> (String, String) {
        let subject = format!("【{}】缴费通知单 {}", self.project, self.period);
        let items: Vec<String> = self.lines.iter().map(|l| format!("{} {} 元", l.item, values::yuan_text(l.owed))).collect();
        let salutation = if self.payer_is_company { self.payer.to_string() } else { format!("{} 先生/女士", self.payer) };
        let body = format!(
            "{salutation}：您好！您所使用的 {} {} 期应缴费用：{}；合计 {} 元。请于 {} 前到{}缴纳（凭收据到财务部换取发票）。如有疑问，请与客服中心联系。",
            self.unit,
            self.period,
            items.join("；"),
            values::yuan_text(self.total()),
            self.due,
            self.place,
        );
        (subject, body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(kind: &str) -> ChannelForm {
        ChannelForm { kind: kind.into(), name: "短信网关".into(), ..Default::default() }
    }

    #[test]
    fn por_2_a_webhook_needs_an_http_address_and_a_signing_key() {
        let mut f = form("webhook");
        f.url = "https://sms.example.com/hook".into();
        f.secret = "0123456789abcdef".into();
        let v = validate_channel(&f, false).expect("valid");
        assert_eq!(v.settings, Settings::Webhook(WebhookSettings { url: "https://sms.example.com/hook".into() }));
        assert_eq!(v.secret.as_deref(), Some("0123456789abcdef"));

        f.secret = "short".into();
        assert!(validate_channel(&f, true).expect_err("short key").get("secret").is_some());
        f.secret = String::new();
        assert!(validate_channel(&f, false).expect_err("no key").get("secret").is_some());
        assert!(validate_channel(&f, true).is_ok(), "editing keeps the saved key");

        for bad in ["ftp://x.example.com", "https://", "https://user:pw@x.example.com/h", "sms.example.com"] {
            f.url = bad.into();
            assert!(validate_channel(&f, true).expect_err(bad).get("url").is_some(), "{bad}");
        }
    }

    #[test]
    fn por_2_an_smtp_channel_needs_host_sender_and_the_password_of_its_login() {
        let mut f = form("email");
        f.host = "smtp.example.com".into();
        f.security = "tls".into();
        f.from = "service@example.com".into();
        let v = validate_channel(&f, false).expect("relay without login");
        let Settings::Email(e) = v.settings else { panic!("email") };
        assert_eq!(e.port, 465, "the port defaults by security");
        f.username = "service@example.com".into();
        assert!(validate_channel(&f, false).expect_err("login without password").get("secret").is_some());
        f.secret = "pw".into();
        assert!(validate_channel(&f, false).is_ok());
        f.port = "70000".into();
        assert!(validate_channel(&f, false).expect_err("port").get("port").is_some());
        f.port = "25".into();
        f.from = "not-an-address".into();
        assert!(validate_channel(&f, false).expect_err("from").get("from").is_some());
        f.host = "smtp example".into();
        assert!(validate_channel(&f, false).expect_err("host").get("host").is_some());
        assert!(validate_channel(&form("fax"), false).expect_err("kind").get("kind").is_some());
        f.port = String::new();
        f.from = "service@example.com".into();
        f.host = "smtp.example.com".into();
        f.secret = "hunter2-secret".into();
        let v = validate_channel(&f, false).expect("valid");
        assert!(!format!("{v:?} {f:?}").contains("hunter2"), "SEC: a secret never shows in Debug output");
    }

    #[test]
    fn por_2_e_mail_goes_to_the_e_mail_address_and_texts_only_to_a_mobile() {
        assert_eq!(address(ChannelKind::Email, "13800000000", Some("a@b.cn")), Some("a@b.cn".into()));
        assert_eq!(address(ChannelKind::Email, "13800000000", None), None);
        assert_eq!(address(ChannelKind::Email, "13800000000", Some("nonsense")), None);
        assert_eq!(address(ChannelKind::Webhook, "+86 138 0000 0000", None), Some("13800000000".into()));
        assert_eq!(address(ChannelKind::Webhook, "010-12345678", None), None, "a landline takes no text");
        assert_eq!(address(ChannelKind::Webhook, "4008001234", None), None);
    }

    #[test]
    fn fee_3_a_sent_notice_carries_period_amounts_deadline_and_place() {
        let lines = [NoticeLine { item: "物业服务费".into(), owed: 123_456 }, NoticeLine { item: "水费".into(), owed: 4_005 }];
        let n = PaymentNotice {
            project: "万达广场",
            payer: "张三",
            payer_is_company: false,
            unit: "A-0101",
            period: "2026-12",
            lines: &lines,
            due: NaiveDate::from_ymd_opt(2026, 12, 15).expect("date"),
            place: "万达广场客服中心",
        };
        assert_eq!(n.total(), 127_461);
        let (subject, body) = n.message();
        assert_eq!(subject, "【万达广场】缴费通知单 2026-12");
        let company = PaymentNotice { payer: "万达商业有限公司", payer_is_company: true, ..n.clone() };
        assert!(company.message().1.starts_with("万达商业有限公司：您好！"), "a company is not 先生/女士");
        assert!(body.starts_with("张三 先生/女士：您好！"));
        for part in ["张三", "A-0101", "2026-12", "物业服务费 1234.56 元", "水费 40.05 元", "合计 1274.61 元", "2026-12-15", "万达广场客服中心"]
        {
            assert!(body.contains(part), "{part} missing from {body}");
        }
    }

    #[test]
    fn fee_3_a_notice_message_names_its_period_and_unit() {
        assert_eq!(notice_key("2026-Q4", 42), "2026-Q4/42");
        assert_eq!(notice_unit(&notice_key("2026-12", 7)), Some(7));
        assert_eq!(notice_unit("nonsense"), None);
    }

    #[test]
    fn por_2_a_message_is_retried_then_given_up() {
        assert_eq!(message_state(false, 0), MessageState::Queued);
        assert_eq!(message_state(false, 1), MessageState::Retrying);
        assert_eq!(message_state(false, MAX_ATTEMPTS), MessageState::GaveUp);
        assert_eq!(message_state(true, 3), MessageState::Sent);
        assert!(MessageState::Sent.is_sent() && !MessageState::Queued.is_failing());
        assert!(MessageState::Retrying.is_failing() && MessageState::GaveUp.is_failing());
    }
}
