//! Validated values. Every form and API field is parsed into one of these before any
//! decision is taken, so invalid input is refused at the edge with a field error.

use crate::error::Reason;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

fn bad(zh: &'static str, en: &'static str) -> Reason {
    Reason::Invalid(zh, en)
}

/// A required, trimmed piece of text of bounded length (names, addresses, contents).
pub fn text(input: &str, max: usize) -> Result<String, Reason> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    if t.chars().count() > max {
        return Err(Reason::TooLong(max));
    }
    Ok(t.to_string())
}

/// Optional text: blank means absent.
pub fn opt_text(input: &str, max: usize) -> Result<Option<String>, Reason> {
    if input.trim().is_empty() { Ok(None) } else { text(input, max).map(Some) }
}

/// Runs `parse` on non-blank input; blank input is `None`.
pub fn optional<T>(input: &str, parse: impl Fn(&str) -> Result<T, Reason>) -> Result<Option<T>, Reason> {
    if input.trim().is_empty() { Ok(None) } else { parse(input).map(Some) }
}

/// A Chinese phone number: an 11-digit mobile (1[3-9]…), a landline with area code
/// (010-12345678, 0755-1234567, optional extension), or a 400/800 service number.
/// Stored normalised: mobile as 11 digits, landline as `area-number[-ext]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Phone, Reason> {
        let err = || bad("电话号码格式不正确（手机11位，座机如 010-12345678）", "is not a valid phone number");
        let mut s: String = input.trim().chars().filter(|c| !c.is_whitespace()).collect();
        if s.is_empty() {
            return Err(Reason::Required);
        }
        if let Some(rest) = s.strip_prefix("+86") {
            s = rest.trim_start_matches('-').to_string();
        }
        let digits_only = s.chars().all(|c| c.is_ascii_digit());
        if digits_only && s.len() == 11 && s.starts_with('1') && matches!(s.as_bytes()[1], b'3'..=b'9') {
            return Ok(Phone(s));
        }
        if digits_only && s.len() == 10 && (s.starts_with("400") || s.starts_with("800")) {
            return Ok(Phone(s));
        }
        let parts: Vec<&str> = s.split('-').collect();
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
            return Err(err());
        }
        let (area, number) = (parts[0], parts[1]);
        let area_ok = area.starts_with('0') && (3..=4).contains(&area.len());
        let number_ok = (7..=8).contains(&number.len()) && !number.starts_with('0');
        let ext_ok = parts.get(2).is_none_or(|e| e.len() <= 6);
        if area_ok && number_ok && ext_ok { Ok(Phone(s)) } else { Err(err()) }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A unit number, unique within its building: letters, digits, CJK and `-_#`, upper-cased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitNo(String);

impl UnitNo {
    pub fn parse(input: &str) -> Result<UnitNo, Reason> {
        let t = text(input, 20)?;
        let ok = t.chars().all(|c| c.is_ascii_alphanumeric() || "-_#".contains(c) || is_cjk(c));
        if !ok {
            return Err(bad("房号只能包含字母、数字、汉字和 - _ #", "may contain only letters, digits, CJK characters and - _ #"));
        }
        Ok(UnitNo(t.to_uppercase()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A short code (project or building code): ASCII letters and digits, upper-cased.
pub fn code(input: &str, max: usize) -> Result<String, Reason> {
    let t = text(input, max)?;
    if !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(bad("编码只能包含英文字母、数字和 -", "may contain only ASCII letters, digits and -"));
    }
    Ok(t.to_uppercase())
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF)
}

/// An area in hundredths of a square metre, strictly positive, at most two decimals.
/// Kept as an integer so sums (building totals, fee bases) are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Area(i64);

impl Area {
    pub const MAX_CENTI: i64 = 100_000_000; // 1,000,000 m²

    pub fn parse(input: &str) -> Result<Area, Reason> {
        let err = || bad("面积必须是大于 0 的数字，最多两位小数", "must be a positive number with at most two decimals");
        let t = input.trim().trim_end_matches("m²").trim_end_matches('㎡').trim();
        if t.is_empty() {
            return Err(Reason::Required);
        }
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, f),
            None => (t, ""),
        };
        if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit()) || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) || int.len() > 9 {
            return Err(err());
        }
        let int: i64 = int.parse().map_err(|_| err())?;
        let frac_val: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| err())? };
        let centi = int * 100 + frac_val;
        if centi <= 0 || centi > Self::MAX_CENTI {
            return Err(err());
        }
        Ok(Area(centi))
    }
    pub fn from_centi(c: i64) -> Option<Area> {
        (c > 0 && c <= Self::MAX_CENTI).then_some(Area(c))
    }
    pub fn centi(self) -> i64 {
        self.0
    }
}

/// Formats hundredths of a square metre as `123.45`.
pub fn format_centi(c: i64) -> String {
    format!("{}.{:02}", c / 100, (c % 100).abs())
}

const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character of an 18-character unified social credit code (GB 32100-2015),
/// from its first 17 characters; `None` when they contain a character the code does not use.
pub fn uscc_check_char(first17: &str) -> Option<char> {
    let mut sum = 0u32;
    for (i, c) in first17.chars().enumerate() {
        let v = USCC_CHARS.find(c)? as u32;
        sum += v * USCC_WEIGHTS.get(i)?;
    }
    let check = (31 - sum % 31) % 31;
    USCC_CHARS.chars().nth(check as usize)
}

/// A business licence number (营业执照): the 18-character unified social credit code with a
/// valid check character, or a legacy 15-digit registration number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceNo(String);

impl LicenceNo {
    pub fn parse(input: &str) -> Result<LicenceNo, Reason> {
        let s = input.trim().to_uppercase();
        if s.is_empty() {
            return Err(Reason::Required);
        }
        if s.len() == 15 && s.chars().all(|c| c.is_ascii_digit()) {
            return Ok(LicenceNo(s));
        }
        if s.chars().count() == 18 {
            let (head, last) = s.split_at(17);
            if let Some(check) = uscc_check_char(head) {
                if last.starts_with(check) {
                    return Ok(LicenceNo(s));
                }
                return Err(bad("统一社会信用代码校验位不正确", "unified social credit code has a wrong check character"));
            }
        }
        Err(bad("营业执照号应为18位统一社会信用代码或15位注册号", "must be an 18-character unified social credit code or a 15-digit registration number"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A tax registration number: 15 to 20 letters and digits (since 2015 the credit code itself).
pub fn tax_no(input: &str) -> Result<String, Reason> {
    let s = input.trim().to_uppercase();
    if (15..=20).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(s)
    } else {
        Err(bad("税务登记号应为15至20位字母或数字", "must be 15 to 20 letters or digits"))
    }
}

/// An organisation code (组织机构代码): eight characters, optional dash, one check character.
pub fn org_code(input: &str) -> Result<String, Reason> {
    let s: String = input.trim().to_uppercase().chars().filter(|c| *c != '-').collect();
    if s.len() == 9 && s.chars().all(|c| c.is_ascii_alphanumeric()) {
        Ok(format!("{}-{}", &s[..8], &s[8..]))
    } else {
        Err(bad("组织机构代码应为 8 位代码加 1 位校验码，如 12345678-9", "must be 8 characters and a check character, e.g. 12345678-9"))
    }
}

/// A resident identity card number (18 characters, ISO 7064 MOD 11-2 check).
pub fn id_card_no(input: &str) -> Result<String, Reason> {
    let s = input.trim().to_uppercase();
    let err = || bad("身份证号应为18位且校验位正确", "must be an 18-character ID number with a valid check character");
    if s.len() != 18 || !s[..17].chars().all(|c| c.is_ascii_digit()) {
        return Err(err());
    }
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = s[..17].chars().zip(W).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'][(sum % 11) as usize];
    if s.ends_with(check) { Ok(s) } else { Err(err()) }
}

/// An e-mail address, checked loosely (one @, a dot in the domain).
pub fn email(input: &str) -> Result<String, Reason> {
    let s = text(input, 120)?;
    match s.split_once('@') {
        Some((user, domain)) if !user.is_empty() && domain.contains('.') && !domain.starts_with('.') && !s.contains(' ') => Ok(s),
        _ => Err(bad("电子邮箱格式不正确", "is not a valid e-mail address")),
    }
}

pub fn date(input: &str) -> Result<NaiveDate, Reason> {
    let t = input.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(t, "%Y/%m/%d"))
        .map_err(|_| bad("日期格式应为 YYYY-MM-DD", "must be a date as YYYY-MM-DD"))
}

/// A calendar month, as used by the registers (`2026-11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(input: &str) -> Result<Month, Reason> {
        let err = || bad("月份格式应为 YYYY-MM", "must be a month as YYYY-MM");
        let (y, m) = input.trim().split_once('-').ok_or_else(err)?;
        let year: i32 = y.parse().map_err(|_| err())?;
        let month: u32 = m.parse().map_err(|_| err())?;
        if !(1900..=2999).contains(&year) || !(1..=12).contains(&month) {
            return Err(err());
        }
        Ok(Month { year, month })
    }
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }
    /// The month after this one.
    pub fn next(self) -> Month {
        if self.month == 12 { Month { year: self.year + 1, month: 1 } } else { Month { year: self.year, month: self.month + 1 } }
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The largest amount one bill line, payment or claim may carry: 100 million yuan, in fen.
pub const MAX_FEN: i64 = 10_000_000_000;

/// Yuan as typed ("1234.5", "1,234.50", "¥12") into fen; never a float, never negative.
pub fn parse_yuan(s: &str) -> Result<i64, Reason> {
    let err = || Reason::Invalid("金额应为不小于 0 的数字，最多两位小数", "must be a non-negative amount with at most two decimals");
    let t: String = s.trim().trim_start_matches(['¥', '￥']).chars().filter(|c| *c != ',').collect();
    let (i, f) = t.split_once('.').unwrap_or((&t, ""));
    if i.is_empty() || t.ends_with('.') || i.len() > 10 || !i.chars().all(|c| c.is_ascii_digit()) || f.len() > 2 || !f.chars().all(|c| c.is_ascii_digit()) {
        return Err(err());
    }
    let i: i64 = i.parse().map_err(|_| err())?;
    let f: i64 = if f.is_empty() { 0 } else { format!("{f:0<2}").parse().map_err(|_| err())? };
    let fen = i * 100 + f;
    if fen > MAX_FEN {
        return Err(Reason::Invalid("金额过大（超过一亿元）", "is too large (over 100 million yuan)"));
    }
    Ok(fen)
}

/// Fen as a yuan amount with two decimals (`-12.05` for a credit).
pub fn yuan_text(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// An optional signed floor number (basement floors are negative).
pub fn floor(input: &str) -> Result<i64, Reason> {
    let v: i64 = input.trim().parse().map_err(|_| bad("楼层必须是整数", "must be a whole number"))?;
    if (-10..=200).contains(&v) { Ok(v) } else { Err(bad("楼层应在 -10 到 200 之间", "must be between -10 and 200")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_accepts_mobiles_landlines_and_service_numbers() {
        assert_eq!(Phone::parse(" 138 0013 8000 ").map(Phone::into_inner), Ok("13800138000".into()));
        assert_eq!(Phone::parse("+86 13800138000").map(Phone::into_inner), Ok("13800138000".into()));
        assert!(Phone::parse("010-12345678").is_ok());
        assert!(Phone::parse("0755-1234567-801").is_ok());
        assert!(Phone::parse("4008001234").is_ok());
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("12800138000").is_err());
        assert!(Phone::parse("abc").is_err());
        assert_eq!(Phone::parse(""), Err(Reason::Required));
    }

    #[test]
    fn area_is_positive_with_two_decimals() {
        assert_eq!(Area::parse("123.45").map(Area::centi), Ok(12345));
        assert_eq!(Area::parse("88.5").map(Area::centi), Ok(8850));
        assert_eq!(Area::parse("60").map(Area::centi), Ok(6000));
        assert_eq!(Area::parse("60㎡").map(Area::centi), Ok(6000));
        assert!(Area::parse("0").is_err());
        assert!(Area::parse("-5").is_err());
        assert!(Area::parse("1.234").is_err());
        assert!(Area::parse("abc").is_err());
        assert!(Area::parse("99999999999").is_err());
        assert_eq!(format_centi(12345), "123.45");
        assert_eq!(format_centi(8805), "88.05");
    }

    #[test]
    fn org_2_licence_number_checks_the_credit_code() {
        // A well-known valid unified social credit code shape: compute its check char.
        let head = "91110108MA01A2B3C";
        let check = uscc_check_char(head).expect("valid chars");
        let full = format!("{head}{check}");
        assert!(LicenceNo::parse(&full).is_ok());
        let wrong = if check == '0' { '1' } else { '0' };
        assert!(LicenceNo::parse(&format!("{head}{wrong}")).is_err());
        assert!(LicenceNo::parse("110108012345678").is_ok());
        assert!(LicenceNo::parse("12345").is_err());
        // Letters the code never uses (I, O, Z, S, V) are refused.
        assert!(LicenceNo::parse("91110108MA01A2B3IO").is_err());
    }

    #[test]
    fn unit_numbers_and_codes() {
        assert_eq!(UnitNo::parse(" a-101 ").map(UnitNo::into_inner), Ok("A-101".into()));
        assert!(UnitNo::parse("商铺1").is_ok());
        assert!(UnitNo::parse("1 01").is_err());
        assert!(UnitNo::parse("").is_err());
        assert_eq!(code("cobzs001", 16), Ok("COBZS001".into()));
        assert!(code("红星", 16).is_err());
    }

    #[test]
    fn id_card_tax_org_code_email_date_month() {
        assert!(id_card_no("11010519491231002X").is_ok());
        assert!(id_card_no("110105194912310021").is_err());
        assert!(tax_no("91110108MA01A2B3C4").is_ok());
        assert!(tax_no("123").is_err());
        assert_eq!(org_code("123456789"), Ok("12345678-9".into()));
        assert!(org_code("1234").is_err());
        assert!(email("a@b.cn").is_ok());
        assert!(email("ab.cn").is_err());
        assert!(date("2026-02-30").is_err());
        assert!(date("2026/02/28").is_ok());
        let m = Month::parse("2026-02").expect("month");
        assert_eq!(m.last_day(), NaiveDate::from_ymd_opt(2026, 2, 28).expect("date"));
        assert_eq!(Month::parse("2026-12").map(|m| m.last_day().to_string()), Ok("2026-12-31".into()));
        assert!(Month::parse("2026-13").is_err());
        assert!(floor("-2").is_ok());
        assert!(floor("x").is_err());
    }
}
