//! ORG — sites, units, people (DOMAIN.md ORG-1…ORG-6).

use crate::error::Reason;
use chrono::{Days, NaiveDate};
use serde::Serialize;

/// Declares a closed set of codes stored as text (with a CHECK constraint in the schema),
/// each with its Chinese and English label. Decoding an unknown code is an error.
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident { $($var:ident = $code:literal, $zh:literal, $en:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($var),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$var),+];
            pub fn code(self) -> &'static str { match self { $($name::$var => $code),+ } }
            pub fn zh(self) -> &'static str { match self { $($name::$var => $zh),+ } }
            pub fn en(self) -> &'static str { match self { $($name::$var => $en),+ } }
            pub fn label(self, en: bool) -> &'static str { if en { self.en() } else { self.zh() } }
            pub fn parse(s: &str) -> Result<$name, $crate::error::Reason> {
                let s = s.trim();
                $name::ALL.iter().copied()
                    .find(|v| v.code() == s || v.zh() == s || v.en().eq_ignore_ascii_case(s))
                    .ok_or($crate::error::Reason::Invalid("不是可选的值", "is not one of the allowed values"))
            }
        }
        impl TryFrom<String> for $name {
            type Error = $crate::error::UnknownCode;
            fn try_from(s: String) -> Result<$name, Self::Error> {
                $name::ALL.iter().copied().find(|v| v.code() == s).ok_or($crate::error::UnknownCode(s))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.code()) }
        }
    };
}

text_enum! {
    /// ORG-1: what a unit is (房屋 / 商铺 / 车位 and the office and storage variants).
    UnitKind {
        Residence = "residence", "住宅", "Residence";
        Shop = "shop", "商铺", "Shop";
        Office = "office", "写字间", "Office";
        Parking = "parking", "车位", "Parking space";
        Storage = "storage", "储藏室", "Storage";
    }
}

text_enum! {
    ProjectKind {
        Commercial = "commercial", "商业园区", "Commercial park";
        Residential = "residential", "住宅小区", "Residential estate";
        Office = "office", "写字楼", "Office building";
    }
}

text_enum! {
    /// ORG-2: a party is a person (owner, tenant, occupant) or a company (merchant).
    PartyKind {
        Person = "person", "个人", "Person";
        Company = "company", "企业", "Company";
    }
}

text_enum! {
    /// ORG-2: contacts on a party's file; emergency contacts are required for merchants (000 入驻).
    ContactKind {
        Emergency = "emergency", "紧急联系人", "Emergency contact";
        Occupant = "occupant", "住户", "Occupant";
        Contact = "contact", "联系人", "Contact";
    }
}

text_enum! {
    /// ORG-3: the fit-out state recorded on a lease.
    FitoutState {
        Bare = "bare", "毛坯", "Bare shell";
        Fitting = "fitting", "装修中", "Fitting out";
        Done = "done", "已装修", "Fitted out";
    }
}

/// A dated period; `end` is inclusive and `None` means open-ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

impl Period {
    pub fn new(start: NaiveDate, end: Option<NaiveDate>) -> Result<Period, Reason> {
        if let Some(e) = end
            && e < start
        {
            return Err(Reason::Invalid("结束日期不能早于开始日期", "end date must not be before the start date"));
        }
        Ok(Period { start, end })
    }
    pub fn overlaps(&self, other: &Period) -> bool {
        let a_before_b = self.end.is_some_and(|e| e < other.start);
        let b_before_a = other.end.is_some_and(|e| e < self.start);
        !a_before_b && !b_before_a
    }
    /// Whether the period touches any day of [from, to].
    pub fn touches(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.overlaps(&Period { start: from, end: Some(to) })
    }
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && self.end.is_none_or(|e| d <= e)
    }
}

/// ORG-3: leases of one unit never overlap. Returns the first existing period the new one
/// collides with, so the error can name it.
pub fn lease_conflict(new: &Period, existing: &[Period]) -> Option<Period> {
    existing.iter().copied().find(|p| p.overlaps(new))
}

/// ORG-3: a transfer of ownership on `date` closes the current owner's record the day before.
/// The new owner's record starts on `date`, which must be after the current record started.
pub fn transfer_end_of_previous(current_start: NaiveDate, date: NaiveDate) -> Result<NaiveDate, Reason> {
    if date <= current_start {
        return Err(Reason::Invalid("过户日期必须晚于当前产权的起始日期", "transfer date must be after the current ownership started"));
    }
    date.checked_sub_days(Days::new(1)).ok_or(Reason::Invalid("日期超出范围", "date out of range"))
}

/// Ends an open lease early (termination): the new end must lie inside the lease.
pub fn terminate_on(period: &Period, date: NaiveDate) -> Result<Period, Reason> {
    if date < period.start {
        return Err(Reason::Invalid("退租日期不能早于租期开始", "termination date must not be before the lease start"));
    }
    if period.end.is_some_and(|e| date > e) {
        return Err(Reason::Invalid("退租日期不能晚于租期结束", "termination date must not be after the lease end"));
    }
    Ok(Period { start: period.start, end: Some(date) })
}

/// ORG-4: an archive must be updated within this many days of a change of occupant
/// (the default of a per-project setting).
pub const ARCHIVE_UPDATE_DAYS: u64 = 2;

/// ORG-4: whether a change of occupant that took effect on `effective` was entered into the
/// archive in time. Entering it before it takes effect (a lease signed ahead) is in time.
pub fn archive_updated_in_time(effective: NaiveDate, recorded: NaiveDate, days: u64) -> bool {
    effective.checked_add_days(Days::new(days)).is_none_or(|deadline| recorded <= deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn org_3_leases_of_one_unit_never_overlap() {
        let existing = [Period::new(d("2025-01-01"), Some(d("2025-12-31"))).expect("p")];
        let back_to_back = Period::new(d("2026-01-01"), Some(d("2026-12-31"))).expect("p");
        assert_eq!(lease_conflict(&back_to_back, &existing), None);
        let overlapping = Period::new(d("2025-12-31"), None).expect("p");
        assert_eq!(lease_conflict(&overlapping, &existing), Some(existing[0]));
        let open = [Period::new(d("2024-06-01"), None).expect("p")];
        assert!(lease_conflict(&back_to_back, &open).is_some());
        assert!(Period::new(d("2025-02-01"), Some(d("2025-01-01"))).is_err());
    }

    #[test]
    fn org_3_ownership_transfer_closes_previous_record() {
        assert_eq!(transfer_end_of_previous(d("2020-05-01"), d("2026-03-15")), Ok(d("2026-03-14")));
        assert!(transfer_end_of_previous(d("2020-05-01"), d("2020-05-01")).is_err());
    }

    #[test]
    fn org_3_register_month_membership() {
        let p = Period::new(d("2026-03-15"), Some(d("2026-05-02"))).expect("p");
        assert!(p.touches(d("2026-03-01"), d("2026-03-31")));
        assert!(p.touches(d("2026-05-01"), d("2026-05-31")));
        assert!(!p.touches(d("2026-06-01"), d("2026-06-30")));
        assert!(!p.touches(d("2026-02-01"), d("2026-02-28")));
        assert!(p.contains(d("2026-04-01")));
        assert!(!p.contains(d("2026-05-03")));
    }

    #[test]
    fn org_4_archive_updated_within_two_days_of_a_change() {
        let moved_in = d("2026-09-30");
        assert!(archive_updated_in_time(moved_in, d("2026-09-25"), ARCHIVE_UPDATE_DAYS), "entered ahead");
        assert!(archive_updated_in_time(moved_in, d("2026-10-02"), ARCHIVE_UPDATE_DAYS), "two days later");
        assert!(!archive_updated_in_time(moved_in, d("2026-10-03"), ARCHIVE_UPDATE_DAYS), "three days later is late");
    }

    #[test]
    fn lease_termination_stays_inside_the_lease() {
        let p = Period::new(d("2026-01-01"), Some(d("2026-12-31"))).expect("p");
        assert_eq!(terminate_on(&p, d("2026-06-30")).map(|p| p.end), Ok(Some(d("2026-06-30"))));
        assert!(terminate_on(&p, d("2025-12-31")).is_err());
        assert!(terminate_on(&p, d("2027-01-01")).is_err());
    }

    #[test]
    fn org_1_text_enums_parse_codes_and_labels() {
        assert_eq!(UnitKind::parse("shop"), Ok(UnitKind::Shop));
        assert_eq!(UnitKind::parse("车位"), Ok(UnitKind::Parking));
        assert_eq!(UnitKind::parse("Residence"), Ok(UnitKind::Residence));
        assert!(UnitKind::parse("castle").is_err());
    }
}
