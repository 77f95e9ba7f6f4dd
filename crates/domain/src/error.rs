use serde::Serialize;

/// Why a field was refused. Messages exist in both UI languages because the same
/// error is shown on a Chinese page, an English page and in the JSON API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Required,
    TooLong(usize),
    Invalid(&'static str, &'static str),
    Duplicate,
    NotFound,
    Overlap,
    /// A file over its size limit, in bytes.
    TooLarge(u64),
}

impl Reason {
    pub fn zh(&self) -> String {
        match self {
            Reason::Required => "必填".into(),
            Reason::TooLong(n) => format!("不能超过 {n} 个字符"),
            Reason::Invalid(zh, _) => (*zh).into(),
            Reason::Duplicate => "已存在，不能重复".into(),
            Reason::NotFound => "不存在或无权访问".into(),
            Reason::Overlap => "与已有记录的期间重叠".into(),
            Reason::TooLarge(n) => format!("文件过大，此类文件不能超过 {}", size_text(*n)),
        }
    }
    pub fn en(&self) -> String {
        match self {
            Reason::Required => "is required".into(),
            Reason::TooLong(n) => format!("must be at most {n} characters"),
            Reason::Invalid(_, en) => (*en).into(),
            Reason::Duplicate => "already exists".into(),
            Reason::NotFound => "does not exist or is not accessible".into(),
            Reason::Overlap => "overlaps an existing period".into(),
            Reason::TooLarge(n) => format!("is too large; files of this type may be at most {}", size_text(*n)),
        }
    }
}

/// A byte count as people read it: `10 MB`, `512 KB`, `900 B` (binary units, as file managers show).
pub fn size_text(n: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * 1024;
    if n >= MB && n.is_multiple_of(MB) {
        format!("{} MB", n / MB)
    } else if n >= MB {
        format!("{:.1} MB", n as f64 / MB as f64)
    } else if n >= KB {
        format!("{} KB", n.div_ceil(KB))
    } else {
        format!("{n} B")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub reason: Reason,
}

/// All field errors of one submission, so a form shows every problem at once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self(Vec::new())
    }
    pub fn single(field: &str, reason: Reason) -> Self {
        Self(vec![FieldError { field: field.into(), reason }])
    }
    pub fn push(&mut self, field: &str, reason: Reason) {
        self.0.push(FieldError { field: field.into(), reason });
    }
    /// Runs a parse, recording its error under `field`; returns the value when it parsed.
    pub fn take<T>(&mut self, field: &str, r: Result<T, Reason>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(reason) => {
                self.push(field, reason);
                None
            }
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn get(&self, field: &str) -> Option<&Reason> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.reason)
    }
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|e| format!("{}: {}", e.field, e.reason.en())).collect();
        write!(f, "{}", parts.join("; "))
    }
}

impl std::error::Error for FieldErrors {}

/// A stored code that is not one of its enum's values: decoding it is an error, never a default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCode(pub String);

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown stored code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}
