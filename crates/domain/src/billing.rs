//! FEE — the money side: fee items and how they are charged, bill lines for a period (who pays,
//! part periods), payments against bills, the arrears ladder, meter readings, prepaid electricity
//! and parking rentals. Money is integer fen; unit prices carry four decimals of a yuan (电价
//! 0.6283 元/度), and every rounding happens once, at the bill line, half up (四舍五入).

use crate::access::Role;
use crate::error::Reason;
use crate::org::Period;
use crate::text_enum;
use crate::values::{MAX_FEN, Month};
pub use crate::values::{parse_yuan, yuan_text};
use chrono::{Datelike, NaiveDate};

text_enum! {
    /// FEE-1: what is charged.
    FeeKind {
        PropertyService = "property_service", "物业服务费", "Property service fee";
        Rent = "rent", "租金", "Rent";
        LandRent = "land_rent", "土地租金", "Land rent";
        Water = "water", "水费", "Water";
        Electricity = "electricity", "电费", "Electricity";
        Gas = "gas", "燃气费", "Gas";
        Parking = "parking", "车位费", "Parking";
        Management = "management", "管理费", "Management fee";
        FitoutDeposit = "fitout_deposit", "装修押金", "Fit-out deposit";
        ConstructionBond = "construction_bond", "施工保证金", "Construction bond";
        PaidService = "paid_service", "有偿服务费", "Paid service";
    }
}

text_enum! {
    /// FEE-1: per m² of a chosen area, a fixed amount per period, or by meter.
    ChargeBasis {
        Area = "area", "按面积", "Per m²";
        Fixed = "fixed", "固定金额", "Fixed amount";
        Metered = "metered", "按表计量", "By meter";
    }
}

text_enum! {
    /// Which of a unit's areas a per-m² item is charged on.
    AreaBasis {
        Building = "building", "建筑面积", "Building area";
        Usable = "usable", "套内面积", "Usable area";
        Shared = "shared", "公摊面积", "Shared area";
        Land = "land", "土地面积", "Land area";
    }
}

text_enum! {
    /// Who pays an item: always the owner, or the tenant while the unit is let (the owner otherwise).
    PayerRule {
        Owner = "owner", "业主", "Owner";
        Occupant = "occupant", "使用人（租户优先）", "Occupant (tenant while let)";
    }
}

text_enum! {
    /// How often an item is billed.
    Cycle {
        Month = "month", "月", "Monthly";
        Quarter = "quarter", "季", "Quarterly";
        Year = "year", "年", "Yearly";
    }
}

text_enum! {
    MeterKind {
        Water = "water", "水表", "Water meter";
        Electricity = "electricity", "电表", "Electricity meter";
        Gas = "gas", "燃气表", "Gas meter";
    }
}

impl FeeKind {
    /// Deposits and bonds are held, not earned: they stay out of the collection rate (FEE-10).
    pub fn is_deposit(self) -> bool {
        matches!(self, FeeKind::FitoutDeposit | FeeKind::ConstructionBond)
    }
    /// The meter a metered item reads.
    pub fn meter(self) -> Option<MeterKind> {
        match self {
            FeeKind::Water => Some(MeterKind::Water),
            FeeKind::Electricity => Some(MeterKind::Electricity),
            FeeKind::Gas => Some(MeterKind::Gas),
            _ => None,
        }
    }
}

/// A unit price in ten-thousandths of a yuan (0.0001 元), so 0.6283 元/度 is exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct UnitPrice(pub i64);

/// Prices above 100,000 yuan per unit are a typing error.
const MAX_PRICE: i64 = 100_000 * 10_000;

impl UnitPrice {
    pub fn parse(s: &str) -> Result<UnitPrice, Reason> {
        let err = || Reason::Invalid("单价应为不小于 0 的数字，最多四位小数", "must be a non-negative price with at most four decimals");
        let t = s.trim();
        let (i, f) = t.split_once('.').unwrap_or((t, ""));
        if i.is_empty() || t.ends_with('.') || i.len() > 6 || !i.chars().all(|c| c.is_ascii_digit()) || f.len() > 4 || !f.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        let i: i64 = i.parse().map_err(|_| err())?;
        let f: i64 = if f.is_empty() { 0 } else { format!("{f:0<4}").parse().map_err(|_| err())? };
        let v = i * 10_000 + f;
        if v > MAX_PRICE { Err(err()) } else { Ok(UnitPrice(v)) }
    }
    /// "2.35", "0.6283": the shortest text with at least two decimals.
    pub fn text(self) -> String {
        let s = format!("{}.{:04}", self.0 / 10_000, self.0 % 10_000);
        let trimmed = s.trim_end_matches('0');
        let dot = trimmed.find('.').unwrap_or(trimmed.len());
        if trimmed.len() - dot < 3 { format!("{}.{:02}", self.0 / 10_000, (self.0 % 10_000) / 100) } else { trimmed.to_string() }
    }
}

/// A quantity in hundredths (m² as stored on units, kWh / m³ read from meters).
pub type Centi = i64;

/// Rounds a value in millionths of a yuan (1/10,000 fen) to fen, half up (amounts are never
/// negative here: credits are separate lines).
fn round_micro_to_fen(micro: i128) -> i64 {
    let fen = (micro + 5_000).div_euclid(10_000);
    i64::try_from(fen).unwrap_or(i64::MAX)
}

/// Price × quantity (in hundredths), unrounded, in millionths of a yuan.
fn micro(price: UnitPrice, qty: Centi) -> i128 {
    i128::from(price.0) * i128::from(qty)
}

/// Tiered prices (阶梯价): each tier up to a cumulative quantity, the last without a limit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tier {
    pub up_to: Option<Centi>,
    pub price: UnitPrice,
}

/// Checks a tier table: limits strictly rising, only the last open-ended.
pub fn check_tiers(tiers: &[Tier]) -> Result<(), Reason> {
    let bad = || Reason::Invalid("阶梯上限应逐级递增，且只有最后一档不设上限", "tier limits must rise and only the last tier may be open-ended");
    if tiers.is_empty() {
        return Err(Reason::Required);
    }
    let mut last = 0;
    for (i, t) in tiers.iter().enumerate() {
        match t.up_to {
            Some(u) if u > last && i + 1 < tiers.len() => last = u,
            None if i + 1 == tiers.len() => {}
            _ => return Err(bad()),
        }
    }
    Ok(())
}

/// FEE-1 / FEE-7: the charge for a metered consumption under tiered prices, rounded once.
pub fn metered_charge(consumption: Centi, tiers: &[Tier]) -> i64 {
    let mut left = consumption.max(0);
    let mut from = 0;
    let mut total: i128 = 0;
    for t in tiers {
        let span = match t.up_to {
            Some(u) => (u - from).max(0).min(left),
            None => left,
        };
        total += micro(t.price, span);
        left -= span;
        if let Some(u) = t.up_to {
            from = u;
        }
        if left == 0 {
            break;
        }
    }
    round_micro_to_fen(total)
}

/// A fee item as a project configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeeItem {
    pub id: i64,
    pub kind: FeeKind,
    pub basis: ChargeBasis,
    pub area_basis: AreaBasis,
    pub cycle: Cycle,
    pub payer: PayerRule,
    /// Per m² per month (Area), per period (Fixed, in ten-thousandths of a yuan), or the tiers.
    pub tiers: Vec<Tier>,
}

/// A unit's areas, in centi-m² as the units table keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Areas {
    pub building: Centi,
    pub usable: Option<Centi>,
    pub land: Option<Centi>,
}

impl Areas {
    pub fn of(self, basis: AreaBasis) -> Option<Centi> {
        match basis {
            AreaBasis::Building => Some(self.building),
            AreaBasis::Usable => self.usable,
            AreaBasis::Shared => self.usable.map(|u| (self.building - u).max(0)),
            AreaBasis::Land => self.land,
        }
    }
}

/// A billing period: a month, a quarter or a year, from its first month.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BillingPeriod {
    pub cycle: Cycle,
    pub first: Month,
}

impl BillingPeriod {
    /// The period of `cycle` that contains `month` (quarters start in Jan/Apr/Jul/Oct).
    pub fn containing(cycle: Cycle, month: Month) -> BillingPeriod {
        let first = match cycle {
            Cycle::Month => month,
            Cycle::Quarter => Month { year: month.year, month: (month.month - 1) / 3 * 3 + 1 },
            Cycle::Year => Month { year: month.year, month: 1 },
        };
        BillingPeriod { cycle, first }
    }
    pub fn months(self) -> u32 {
        match self.cycle {
            Cycle::Month => 1,
            Cycle::Quarter => 3,
            Cycle::Year => 12,
        }
    }
    pub fn start(self) -> NaiveDate {
        self.first.first_day()
    }
    pub fn end(self) -> NaiveDate {
        let m0 = self.first.month - 1 + self.months() - 1;
        Month { year: self.first.year + (m0 / 12) as i32, month: m0 % 12 + 1 }.last_day()
    }
    pub fn days(self) -> i64 {
        (self.end() - self.start()).num_days() + 1
    }
    /// `2026-11`, `2026-Q4`, `2026`: the period's key (one bill line per payer × item × key).
    pub fn key(self) -> String {
        match self.cycle {
            Cycle::Month => self.first.to_string(),
            Cycle::Quarter => format!("{}-Q{}", self.first.year, (self.first.month - 1) / 3 + 1),
            Cycle::Year => format!("{}", self.first.year),
        }
    }
}

/// Who is responsible for a unit over some dates (an owner, or a tenant under a lease).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub party_id: i64,
    pub period: Period,
}

/// The days of `period` each payer answers for under `rule`: tenants while let (Occupant), the
/// owner otherwise; days with neither are not billed. In date order; adjacent days of one payer
/// are one segment.
pub fn payer_days(period: BillingPeriod, rule: PayerRule, owners: &[Holder], tenants: &[Holder]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut d = period.start();
    let end = period.end();
    while d <= end {
        let tenant = if rule == PayerRule::Occupant { tenants.iter().find(|t| t.period.contains(d)) } else { None };
        let payer = tenant.or_else(|| owners.iter().find(|o| o.period.contains(d))).map(|h| h.party_id);
        if let Some(p) = payer {
            match out.last_mut() {
                Some((last, n)) if *last == p => *n += 1,
                _ => out.push((p, 1)),
            }
        }
        let Some(next) = d.succ_opt() else { break };
        d = next;
    }
    out
}

/// Splits a whole period's amount over segments of days so that the parts always add up to the
/// rounded share of the days covered — and to the whole amount when every day is covered. Each
/// part is the difference of cumulative shares (rounded half up), so no fen is lost or invented.
pub fn prorate(full_fen: i64, segments: &[i64], period_days: i64) -> Vec<i64> {
    if period_days <= 0 {
        return segments.iter().map(|_| 0).collect();
    }
    let share = |days: i64| -> i64 {
        let n = i128::from(full_fen) * i128::from(days) * 2 + i128::from(period_days);
        i64::try_from(n.div_euclid(i128::from(period_days) * 2)).unwrap_or(i64::MAX)
    };
    let mut cum = 0;
    let mut before = 0;
    segments
        .iter()
        .map(|d| {
            cum += d;
            let now = share(cum);
            let part = now - before;
            before = now;
            part
        })
        .collect()
}

/// What a unit is billed on, for one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitFacts {
    pub unit_id: i64,
    pub areas: Areas,
    pub owners: Vec<Holder>,
    pub tenants: Vec<Holder>,
    /// The period's consumption per meter kind (reading confirmed), with the payer at reading.
    pub consumption: Vec<(MeterKind, Centi)>,
}

/// One bill line before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineDraft {
    pub unit_id: i64,
    pub item_id: i64,
    pub payer_id: i64,
    /// Area or consumption charged, in hundredths (0 for a fixed amount).
    pub quantity: Centi,
    pub days: i64,
    pub amount: i64,
    pub description: String,
}

/// The full-period amount of an item for a unit (before part periods).
fn full_amount(item: &FeeItem, period: BillingPeriod, areas: Areas) -> Option<(Centi, i64)> {
    let price = item.tiers.first()?.price;
    match item.basis {
        ChargeBasis::Area => {
            let area = areas.of(item.area_basis)?;
            Some((area, round_micro_to_fen(micro(price, area) * i128::from(period.months()))))
        }
        // A fixed amount is kept as a price of one unit (hundredths: 100 = 1).
        ChargeBasis::Fixed => Some((0, round_micro_to_fen(micro(price, 100)))),
        ChargeBasis::Metered => None,
    }
}

/// FEE-1 / FEE-7: the bill lines of one unit for one period and the items of its cycle — one per
/// payer × item, area and fixed items split over part periods by days, metered items charged on
/// the period's consumption to whoever is responsible on its last day. Lines of 0 fen are dropped.
pub fn bill_unit(period: BillingPeriod, unit: &UnitFacts, items: &[FeeItem]) -> Vec<LineDraft> {
    let mut out = Vec::new();
    for item in items.iter().filter(|i| i.cycle == period.cycle) {
        if item.basis == ChargeBasis::Metered {
            let Some(kind) = item.kind.meter() else { continue };
            let used: Centi = unit.consumption.iter().filter(|(k, _)| *k == kind).map(|(_, c)| *c).sum();
            if used <= 0 {
                continue;
            }
            let last = BillingPeriod { cycle: Cycle::Month, first: Month::of(period.end()) };
            let payer = payer_days(BillingPeriod { cycle: last.cycle, first: last.first }, item.payer, &unit.owners, &unit.tenants).last().map(|(p, _)| *p);
            let Some(payer_id) = payer else { continue };
            out.push(LineDraft {
                unit_id: unit.unit_id,
                item_id: item.id,
                payer_id,
                quantity: used,
                days: period.days(),
                amount: metered_charge(used, &item.tiers),
                description: format!("{} {}", item.kind.zh(), period.key()),
            });
            continue;
        }
        let Some((qty, full)) = full_amount(item, period, unit.areas) else { continue };
        let segs = payer_days(period, item.payer, &unit.owners, &unit.tenants);
        let days: Vec<i64> = segs.iter().map(|(_, d)| *d).collect();
        let parts = prorate(full, &days, period.days());
        // One line per payer: a payer with two separate stretches gets their sum.
        let mut per_payer: Vec<(i64, i64, i64)> = Vec::new();
        for ((payer, d), amount) in segs.iter().zip(parts) {
            match per_payer.iter_mut().find(|(p, _, _)| p == payer) {
                Some(e) => {
                    e.1 += d;
                    e.2 += amount;
                }
                None => per_payer.push((*payer, *d, amount)),
            }
        }
        for (payer_id, days, amount) in per_payer {
            if amount == 0 {
                continue;
            }
            out.push(LineDraft {
                unit_id: unit.unit_id,
                item_id: item.id,
                payer_id,
                quantity: qty,
                days,
                amount,
                description: format!("{} {}", item.kind.zh(), period.key()),
            });
        }
    }
    out
}

// ---------- a bill line's state (FEE-4, FEE-5) ----------

text_enum! {
    /// Where a bill line stands on a day: paid in full, past its deadline with something owed,
    /// partly paid, or not paid yet.
    LineStatus {
        Unpaid = "unpaid", "未缴", "Unpaid";
        PartlyPaid = "partly_paid", "部分缴纳", "Partly paid";
        Overdue = "overdue", "已逾期", "Overdue";
        Paid = "paid", "已缴清", "Paid in full";
    }
}

impl LineStatus {
    pub fn of(amount: i64, paid: i64, due: NaiveDate, today: NaiveDate) -> LineStatus {
        if paid >= amount {
            LineStatus::Paid
        } else if due < today {
            LineStatus::Overdue
        } else if paid > 0 {
            LineStatus::PartlyPaid
        } else {
            LineStatus::Unpaid
        }
    }
    /// The API's three states: paid, overdue, open (not yet due, paid or not).
    pub fn api_code(self) -> &'static str {
        match self {
            LineStatus::Paid => "paid",
            LineStatus::Overdue => "overdue",
            LineStatus::Unpaid | LineStatus::PartlyPaid => "open",
        }
    }
    /// The badge class of the pages' deadline states (UI.md).
    pub fn badge(self) -> &'static str {
        match self {
            LineStatus::Paid => "ok",
            LineStatus::Overdue => "overdue",
            LineStatus::Unpaid | LineStatus::PartlyPaid => "due",
        }
    }
}

// ---------- payments (FEE-4) ----------

text_enum! {
    PaymentMethod {
        Cash = "cash", "现金", "Cash";
        Transfer = "transfer", "转账", "Bank transfer";
        Pos = "pos", "刷卡", "POS";
        Online = "online", "线上支付", "Online";
    }
}

/// An open bill line: what is still owed on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owed {
    pub line_id: i64,
    pub due: NaiveDate,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaymentError {
    NotPositive,
    TooLarge,
    /// More than is owed: the surplus, to be kept as a prepayment only if the user confirms.
    Surplus(i64),
}

/// FEE-4: how a payment settles open lines — oldest due first, then line order; a surplus is an
/// error unless `prepay` (then it is returned as the prepayment). Paid + balance = billed holds
/// per line: each allocation is at most the line's balance.
pub fn allocate(amount: i64, owed: &[Owed], prepay: bool) -> Result<(Vec<(i64, i64)>, i64), PaymentError> {
    if amount <= 0 {
        return Err(PaymentError::NotPositive);
    }
    if amount > MAX_FEN {
        return Err(PaymentError::TooLarge);
    }
    let mut open: Vec<Owed> = owed.iter().copied().filter(|o| o.balance > 0).collect();
    open.sort_by_key(|o| (o.due, o.line_id));
    let mut left = amount;
    let mut out = Vec::new();
    for o in open {
        if left == 0 {
            break;
        }
        let take = left.min(o.balance);
        out.push((o.line_id, take));
        left -= take;
    }
    if left > 0 && !prepay {
        return Err(PaymentError::Surplus(left));
    }
    Ok((out, left))
}

/// FEE-10: collected ÷ billed, in per cent with one decimal (100 when nothing was billed).
pub fn collection_rate_percent(collected: i64, billed: i64) -> f64 {
    if billed <= 0 {
        return 100.0;
    }
    let permille = (i128::from(collected) * 1000 * 2 + i128::from(billed)) / (i128::from(billed) * 2);
    permille as f64 / 10.0
}

// ---------- arrears (FEE-5, FEE-6) ----------

text_enum! {
    /// FEE-6: the ladder; the status is the step reached. Paid and written off end the case.
    ArrearsStatus {
        Notice = "notice", "已发缴费通知单", "Payment notice sent";
        Reminder = "reminder", "已发催费通知书", "Reminder notice sent";
        Contact = "contact", "电话/上门催缴", "Phone or visit";
        Interview = "interview", "经理/主管约谈", "Interview";
        LawyerLetter = "lawyer_letter", "已发律师函", "Lawyer's letter sent";
        Lawsuit = "lawsuit", "已起诉", "Lawsuit filed";
        Paid = "paid", "已缴清", "Paid in full";
        WrittenOff = "written_off", "已核销", "Written off";
    }
}

text_enum! {
    /// FEE-5: why the payer has not paid.
    ArrearsCause {
        Unknown = "unknown", "待了解", "Not yet known";
        Own = "own", "客户自身原因", "The payer's own";
        ServiceFailure = "service_failure", "物业服务不到位", "Our service failure";
        ThirdParty = "third_party", "第三方原因", "A third party";
    }
}

text_enum! {
    /// How a collection contact was made (FEE-3 courier stubs are kept as evidence).
    ContactMethod {
        Hand = "hand", "上门送达", "By hand";
        Courier = "courier", "快递", "Courier";
        Phone = "phone", "电话", "Phone";
        Visit = "visit", "上门", "Visit";
        Meeting = "meeting", "面谈", "Meeting";
        Letter = "letter", "函件", "Letter";
    }
}

impl ArrearsStatus {
    pub fn is_open(self) -> bool {
        !matches!(self, ArrearsStatus::Paid | ArrearsStatus::WrittenOff)
    }
    /// The next rung of the ladder.
    pub fn next(self) -> Option<ArrearsStatus> {
        use ArrearsStatus as S;
        match self {
            S::Notice => Some(S::Reminder),
            S::Reminder => Some(S::Contact),
            S::Contact => Some(S::Interview),
            S::Interview => Some(S::LawyerLetter),
            S::LawyerLetter => Some(S::Lawsuit),
            S::Lawsuit | S::Paid | S::WrittenOff => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArrearsAction {
    /// FEE-5: the cause found; a service failure names the complaint or work order behind it.
    SetCause {
        cause: ArrearsCause,
        linked: bool,
        note: String,
    },
    /// A contact at the current step (who, how, what was said) — the step does not change.
    Contact {
        method: ContactMethod,
        note: String,
    },
    /// Up one rung, with what was done.
    Escalate {
        method: ContactMethod,
        note: String,
    },
    /// The balance reached zero (recorded by the payment that cleared it).
    PaidInFull,
    WriteOff {
        reason: String,
    },
}

impl ArrearsAction {
    pub fn code(&self) -> &'static str {
        match self {
            ArrearsAction::SetCause { .. } => "set_cause",
            ArrearsAction::Contact { .. } => "contact",
            ArrearsAction::Escalate { .. } => "escalate",
            ArrearsAction::PaidInFull => "paid_in_full",
            ArrearsAction::WriteOff { .. } => "write_off",
        }
    }
}

/// FEE-5: the complaint or work order behind a service-failure case, by its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceCase {
    Complaint(crate::complaint::ComplaintStatus),
    WorkOrder(crate::work_order::WorkOrderStatus),
}

impl ServiceCase {
    /// Whether the failure has been put right: the complaint is resolved (or found invalid) or
    /// the repair signed off; until then the ladder stops before the interview.
    pub fn put_right(self) -> bool {
        use crate::complaint::ComplaintStatus as C;
        use crate::work_order::WorkOrderStatus as W;
        match self {
            ServiceCase::Complaint(s) => matches!(s, C::Resolved | C::Invalid | C::AwaitingCallback | C::Closed),
            ServiceCase::WorkOrder(s) => matches!(s, W::AwaitingCallback | W::Closed | W::Cancelled),
        }
    }
}

/// What the case knows besides its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrearsFacts {
    pub cause: ArrearsCause,
    /// A service-failure case's linked complaint or work order is still open.
    pub service_open: bool,
    pub balance: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArrearsError {
    NotAllowed(ArrearsStatus),
    Missing(&'static str),
    /// The interview is held by the manager or a supervisor (000 五 4.2.8).
    NotSupervisor,
    /// Legal steps are the manager's (the project head reports to the company: 4.3.1).
    NotManager,
    /// FEE-5: a service failure is fixed before the ladder goes on (4.2.5).
    ServiceFirst,
    /// FEE-5: a service failure must name the complaint or work order.
    NoLink,
    /// The balance is not zero.
    StillOwed(i64),
}

/// The arrears transition table (FEE-5, FEE-6).
pub fn arrears_apply(status: ArrearsStatus, facts: ArrearsFacts, action: &ArrearsAction, role: Role) -> Result<ArrearsStatus, ArrearsError> {
    use ArrearsAction as A;
    use ArrearsStatus as S;
    let need = |s: &str, what: &'static str| if s.trim().is_empty() { Err(ArrearsError::Missing(what)) } else { Ok(()) };
    if !status.is_open() {
        return Err(ArrearsError::NotAllowed(status));
    }
    match action {
        A::SetCause { cause, linked, note } => {
            need(note, "note")?;
            if *cause == ArrearsCause::ServiceFailure && !linked {
                return Err(ArrearsError::NoLink);
            }
            Ok(status)
        }
        A::Contact { note, .. } => need(note, "note").map(|_| status),
        A::Escalate { note, .. } => {
            need(note, "note")?;
            let next = status.next().ok_or(ArrearsError::NotAllowed(status))?;
            if facts.cause == ArrearsCause::ServiceFailure && facts.service_open && matches!(next, S::Interview | S::LawyerLetter | S::Lawsuit) {
                return Err(ArrearsError::ServiceFirst);
            }
            match next {
                S::Interview if !matches!(role, Role::Supervisor | Role::Manager | Role::Admin) => Err(ArrearsError::NotSupervisor),
                S::LawyerLetter | S::Lawsuit if !matches!(role, Role::Manager | Role::Admin) => Err(ArrearsError::NotManager),
                _ => Ok(next),
            }
        }
        A::PaidInFull => {
            if facts.balance > 0 {
                Err(ArrearsError::StillOwed(facts.balance))
            } else {
                Ok(S::Paid)
            }
        }
        A::WriteOff { reason } => {
            if !matches!(role, Role::Manager | Role::Admin) {
                return Err(ArrearsError::NotManager);
            }
            need(reason, "reason").map(|_| S::WrittenOff)
        }
    }
}

/// The actions possible now, for buttons.
pub fn arrears_allowed(status: ArrearsStatus, facts: ArrearsFacts, role: Role) -> Vec<&'static str> {
    let samples = [
        ArrearsAction::SetCause { cause: ArrearsCause::Own, linked: false, note: "x".into() },
        ArrearsAction::Contact { method: ContactMethod::Phone, note: "x".into() },
        ArrearsAction::Escalate { method: ContactMethod::Phone, note: "x".into() },
        ArrearsAction::PaidInFull,
        ArrearsAction::WriteOff { reason: "x".into() },
    ];
    samples.iter().filter(|a| arrears_apply(status, facts, a, role).is_ok()).map(ArrearsAction::code).collect()
}

// ---------- meters (FEE-7) ----------

/// FEE-7: readings are taken around the 18th; a reading more than three days either side is
/// outside the round (allowed, but shown).
pub fn in_reading_round(d: NaiveDate) -> bool {
    (15..=21).contains(&d.day())
}

/// Meter readings above a billion units are a typing error.
const MAX_READING: Centi = 100_000_000_000;

/// FEE-7/FEE-8: a meter reading or a quantity of kWh / m³ as typed: not negative, at most two
/// decimals (kept in hundredths).
pub fn parse_quantity(s: &str) -> Result<Centi, Reason> {
    let err = || Reason::Invalid("应为不小于 0 的数字，最多两位小数", "must be a non-negative number with at most two decimals");
    let t = s.trim();
    if t.is_empty() {
        return Err(Reason::Required);
    }
    let (i, f) = t.split_once('.').unwrap_or((t, ""));
    if i.is_empty() || t.ends_with('.') || i.len() > 9 || !i.chars().all(|c| c.is_ascii_digit()) || f.len() > 2 || !f.chars().all(|c| c.is_ascii_digit()) {
        return Err(err());
    }
    let i: i64 = i.parse().map_err(|_| err())?;
    let f: i64 = if f.is_empty() { 0 } else { format!("{f:0<2}").parse().map_err(|_| err())? };
    let v = i * 100 + f;
    if v > MAX_READING { Err(err()) } else { Ok(v) }
}

/// "1234.50" from hundredths.
pub fn quantity_text(c: Centi) -> String {
    let sign = if c < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", c.abs() / 100, c.abs() % 100)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadingCheck {
    pub consumption: Centi,
    /// Far above the meter's usual use: confirm before charging.
    pub outlier: bool,
}

/// FEE-7: a new reading against the last one. Readings never go backwards, except on a
/// replaced meter (then the consumption is counted from the new meter's start reading). A
/// consumption over three times the recent average (and over 10 units) is flagged.
pub fn check_reading(previous: Option<Centi>, reading: Centi, replaced_from: Option<Centi>, recent: &[Centi]) -> Result<ReadingCheck, Reason> {
    if reading < 0 {
        return Err(Reason::Invalid("读数不能为负", "must not be negative"));
    }
    let consumption = match (replaced_from, previous) {
        (Some(start), _) if reading < start => return Err(Reason::Invalid("读数小于新表的起始读数", "is below the new meter's start reading")),
        (Some(start), _) => reading - start,
        (None, Some(p)) if reading < p => return Err(Reason::Invalid("读数小于上次读数（换表请注明）", "is below the last reading (mark a replaced meter)")),
        (None, Some(p)) => reading - p,
        (None, None) => 0,
    };
    let usual: Vec<Centi> = recent.iter().copied().filter(|c| *c > 0).collect();
    let outlier = if usual.is_empty() {
        false
    } else {
        let avg = usual.iter().sum::<Centi>() / usual.len() as i64;
        consumption > 1_000 && consumption > avg * 3
    };
    Ok(ReadingCheck { consumption, outlier })
}

// ---------- prepaid electricity (FEE-8) ----------

text_enum! {
    /// FEE-8: paid → the electrician is told to load the meter → loading confirmed.
    PurchaseStatus {
        Paid = "paid", "已缴费待充电", "Paid, to be loaded";
        Loaded = "loaded", "已充电", "Loaded";
        Refunded = "refunded", "已退款", "Refunded";
    }
}

/// FEE-8: who may confirm a meter was loaded: the engineering side (or an admin).
pub fn may_load_meter(role: Role) -> bool {
    matches!(role, Role::Engineering | Role::Admin)
}

/// FEE-8: what can happen to a purchase: the electrician loads it onto the meter, or customer
/// service refunds it while it is still unloaded (a loaded purchase is spent on the meter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseAction {
    Load,
    Refund,
}

impl PurchaseAction {
    pub const ALL: &'static [PurchaseAction] = &[PurchaseAction::Load, PurchaseAction::Refund];
    pub fn code(self) -> &'static str {
        match self {
            PurchaseAction::Load => "load",
            PurchaseAction::Refund => "refund",
        }
    }
    pub fn parse(s: &str) -> Option<PurchaseAction> {
        PurchaseAction::ALL.iter().copied().find(|a| a.code() == s.trim())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurchaseError {
    /// The purchase is past this step.
    NotAllowed(PurchaseStatus),
    /// Only the electrician's side confirms a loading.
    NotElectrician,
    /// Refunds are customer service's supervisors' and managers' decision.
    NotSupervisor,
}

impl PurchaseStatus {
    /// Still waiting for the electrician.
    pub fn awaits_loading(self) -> bool {
        self == PurchaseStatus::Paid
    }
}

/// FEE-8: the purchase transition table.
pub fn purchase_apply(status: PurchaseStatus, action: PurchaseAction, role: Role) -> Result<PurchaseStatus, PurchaseError> {
    match (status, action) {
        (PurchaseStatus::Paid, PurchaseAction::Load) if may_load_meter(role) => Ok(PurchaseStatus::Loaded),
        (PurchaseStatus::Paid, PurchaseAction::Load) => Err(PurchaseError::NotElectrician),
        (PurchaseStatus::Paid, PurchaseAction::Refund) if matches!(role, Role::Admin | Role::Manager | Role::Supervisor) => Ok(PurchaseStatus::Refunded),
        (PurchaseStatus::Paid, PurchaseAction::Refund) => Err(PurchaseError::NotSupervisor),
        (s @ (PurchaseStatus::Loaded | PurchaseStatus::Refunded), _) => Err(PurchaseError::NotAllowed(s)),
    }
}

/// The actions `role` may take on a purchase now, for buttons and 409 answers.
pub fn purchase_allowed(status: PurchaseStatus, role: Role) -> Vec<&'static str> {
    PurchaseAction::ALL.iter().filter(|a| purchase_apply(status, **a, role).is_ok()).map(|a| a.code()).collect()
}

/// FEE-8: the kWh (in hundredths) an amount buys at a flat price, rounded down so the meter is
/// never loaded with more than was paid for. None when the price is 0.
pub fn prepaid_kwh(amount_fen: i64, price: UnitPrice) -> Option<Centi> {
    if price.0 <= 0 {
        return None;
    }
    // fen × 10,000 / (ten-thousandths of a yuan per kWh) = hundredths of a kWh.
    i64::try_from(i128::from(amount_fen) * 10_000 / i128::from(price.0)).ok()
}

/// FEE-8: the balance left on a prepaid meter: kWh loaded less kWh read since the first loading.
pub fn prepaid_balance(loaded: Centi, read_since: Centi) -> Centi {
    loaded - read_since
}

// ---------- parking (FEE-9) ----------

text_enum! {
    SpaceState {
        Vacant = "vacant", "空置", "Vacant";
        Rented = "rented", "已出租", "Rented";
        Sold = "sold", "已出售", "Sold";
    }
}

/// FEE-9: a space is never rented twice for the same time; a sold space is not rented out by us.
pub fn rental_conflict(state_sold: bool, new: &Period, existing: &[Period]) -> Result<(), Reason> {
    if state_sold {
        return Err(Reason::Invalid("车位已出售，不能出租", "is sold and cannot be rented out"));
    }
    if existing.iter().any(|p| p.overlaps(new)) { Err(Reason::Overlap) } else { Ok(()) }
}

/// The state a space shows on a day: sold, rented under a rental covering it, or vacant.
pub fn space_state(sold: bool, rentals: &[Period], on: NaiveDate) -> SpaceState {
    if sold {
        SpaceState::Sold
    } else if rentals.iter().any(|r| r.contains(on)) {
        SpaceState::Rented
    } else {
        SpaceState::Vacant
    }
}

text_enum! {
    /// FEE-9: the kind of a parking space.
    SpaceKind {
        Standard = "standard", "标准车位", "Standard";
        Large = "large", "大车位", "Large";
        Mechanical = "mechanical", "机械车位", "Mechanical";
        Charging = "charging", "充电车位", "Charging";
        Accessible = "accessible", "无障碍车位", "Accessible";
    }
}

impl SpaceState {
    /// FEE-9 monthly check: what was seen differs from what the register says.
    pub fn mismatch(self, observed: SpaceState) -> bool {
        self != observed
    }
}

/// FEE-9: a Chinese plate number (粤B12345, 粤BD12345 for new energy), upper-cased.
pub fn plate_no(input: &str) -> Result<String, Reason> {
    let p: String = input.trim().chars().filter(|c| !c.is_whitespace() && *c != '·' && *c != '-').collect::<String>().to_uppercase();
    let mut chars = p.chars();
    let province = chars.next().is_some_and(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let letter = chars.next().is_some_and(|c| c.is_ascii_uppercase());
    let rest: Vec<char> = chars.collect();
    let tail_ok = rest.iter().enumerate().all(|(i, c)| c.is_ascii_alphanumeric() || (i + 1 == rest.len() && matches!(c, '挂' | '学' | '警')));
    if province && letter && (5..=6).contains(&rest.len()) && tail_ok {
        Ok(p)
    } else {
        Err(Reason::Invalid("车牌号格式应如 粤B12345", "must be a plate number such as 粤B12345"))
    }
}

/// FEE-9: the day a month's check list compares against: today while the month runs, its last
/// day once it is over, its first day before it starts.
pub fn check_day(month: Month, today: NaiveDate) -> NaiveDate {
    today.clamp(month.first_day(), month.last_day())
}

/// FEE-10: the day arrears of a month are judged on: its last day, or today while it runs.
pub fn arrears_day(month: Month, today: NaiveDate) -> NaiveDate {
    today.min(month.last_day())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }
    fn month(y: i32, m: u32) -> BillingPeriod {
        BillingPeriod { cycle: Cycle::Month, first: Month { year: y, month: m } }
    }
    fn item(id: i64, kind: FeeKind, basis: ChargeBasis, price: &str, payer: PayerRule) -> FeeItem {
        FeeItem {
            id,
            kind,
            basis,
            area_basis: AreaBasis::Building,
            cycle: Cycle::Month,
            payer,
            tiers: vec![Tier { up_to: None, price: UnitPrice::parse(price).expect("price") }],
        }
    }
    fn holder(party_id: i64, start: NaiveDate, end: Option<NaiveDate>) -> Holder {
        Holder { party_id, period: Period { start, end } }
    }

    #[test]
    fn fee_1_money_parses_strictly_into_fen_and_prices_keep_four_decimals() {
        assert_eq!(parse_yuan("1234.5"), Ok(123_450));
        assert_eq!(parse_yuan("¥1,234.05"), Ok(123_405));
        assert_eq!(parse_yuan("0"), Ok(0));
        for bad in ["-1", "1.234", "abc", "", "1e3", "12.", "100000000.01"] {
            assert!(parse_yuan(bad).is_err(), "{bad}");
        }
        assert_eq!(yuan_text(123_405), "1234.05");
        assert_eq!(yuan_text(-5), "-0.05");
        assert_eq!(UnitPrice::parse("0.6283"), Ok(UnitPrice(6_283)));
        assert_eq!(UnitPrice::parse("2.35").map(UnitPrice::text), Ok("2.35".into()));
        assert_eq!(UnitPrice::parse("0.6283").map(UnitPrice::text), Ok("0.6283".into()));
        assert_eq!(UnitPrice::parse("3").map(UnitPrice::text), Ok("3.00".into()));
        assert!(UnitPrice::parse("0.12345").is_err());
        assert!(UnitPrice::parse("-1").is_err());
    }

    #[test]
    fn fee_1_area_charge_rounds_once_half_up() {
        // 89.37 m² × 2.35 元/m²/月 = 210.0195 元 → 210.02 元.
        let unit = UnitFacts {
            unit_id: 1,
            areas: Areas { building: 8_937, usable: Some(7_000), land: None },
            owners: vec![holder(10, d(2020, 1, 1), None)],
            tenants: vec![],
            consumption: vec![],
        };
        let lines = bill_unit(month(2026, 11), &unit, &[item(1, FeeKind::PropertyService, ChargeBasis::Area, "2.35", PayerRule::Owner)]);
        assert_eq!(lines.len(), 1);
        assert_eq!((lines[0].payer_id, lines[0].amount, lines[0].quantity), (10, 21_002, 8_937));
        // Shared area = building − usable = 19.37 m² × 1.5 = 29.055 → 29.06 (half up).
        let mut shared = item(2, FeeKind::Management, ChargeBasis::Area, "1.5", PayerRule::Owner);
        shared.area_basis = AreaBasis::Shared;
        assert_eq!(bill_unit(month(2026, 11), &unit, &[shared])[0].amount, 2_906);
        // A quarter is three months of the monthly price.
        let mut q = item(3, FeeKind::PropertyService, ChargeBasis::Area, "2.35", PayerRule::Owner);
        q.cycle = Cycle::Quarter;
        let period = BillingPeriod::containing(Cycle::Quarter, Month { year: 2026, month: 11 });
        assert_eq!((period.key(), period.start(), period.end(), period.days()), ("2026-Q4".into(), d(2026, 10, 1), d(2026, 12, 31), 92));
        assert_eq!(bill_unit(period, &unit, &[q])[0].amount, 63_006); // 630.0585 → 630.06
    }

    #[test]
    fn fee_1_tiered_meter_charge_is_piecewise_and_rounded_once() {
        let tiers = vec![
            Tier { up_to: Some(20_000), price: UnitPrice(5_283) }, // first 200 kWh at 0.5283
            Tier { up_to: Some(40_000), price: UnitPrice(5_783) }, // next 200 at 0.5783
            Tier { up_to: None, price: UnitPrice(8_283) },
        ];
        assert_eq!(check_tiers(&tiers), Ok(()));
        // 450.5 kWh = 200×0.5283 + 200×0.5783 + 50.5×0.8283 = 105.66 + 115.66 + 41.82915 = 263.14915
        assert_eq!(metered_charge(45_050, &tiers), 26_315);
        assert_eq!(metered_charge(0, &tiers), 0);
        assert_eq!(metered_charge(10_000, &tiers), 5_283);
        assert!(check_tiers(&[Tier { up_to: None, price: UnitPrice(1) }, Tier { up_to: Some(5), price: UnitPrice(1) }]).is_err());
        assert!(
            check_tiers(&[
                Tier { up_to: Some(5), price: UnitPrice(1) },
                Tier { up_to: Some(5), price: UnitPrice(1) },
                Tier { up_to: None, price: UnitPrice(1) }
            ])
            .is_err()
        );
    }

    #[test]
    fn fee_1_move_in_mid_month_splits_between_owner_and_tenant_by_days() {
        // November has 30 days; a tenant moves in on the 21st (10 days), the owner pays 20.
        let unit = UnitFacts {
            unit_id: 1,
            areas: Areas { building: 10_000, usable: None, land: None },
            owners: vec![holder(10, d(2020, 1, 1), None)],
            tenants: vec![holder(20, d(2026, 11, 21), Some(d(2027, 11, 20)))],
            consumption: vec![],
        };
        let items = [
            item(1, FeeKind::PropertyService, ChargeBasis::Area, "3", PayerRule::Occupant),
            item(2, FeeKind::Rent, ChargeBasis::Fixed, "1000", PayerRule::Owner),
        ];
        let lines = bill_unit(month(2026, 11), &unit, &items);
        let got: Vec<(i64, i64, i64, i64)> = lines.iter().map(|l| (l.item_id, l.payer_id, l.days, l.amount)).collect();
        assert_eq!(got, vec![(1, 10, 20, 20_000), (1, 20, 10, 10_000), (2, 10, 30, 100_000)]);
    }

    #[test]
    fn fee_1_proration_never_loses_or_invents_a_fen() {
        // Property-style check over many amounts and splits: the parts add up to the whole
        // when all days are covered, and each part is within one fen of its exact share.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..5_000 {
            let days = 28 + (next() % 4) as i64;
            let full = (next() % 10_000_000) as i64;
            let cut1 = 1 + (next() % (days as u64 - 2)) as i64;
            let cut2 = cut1 + 1 + (next() % ((days - cut1 - 1) as u64).max(1)) as i64;
            let segs = [cut1, cut2 - cut1, days - cut2].into_iter().filter(|d| *d > 0).collect::<Vec<_>>();
            let parts = prorate(full, &segs, days);
            assert_eq!(parts.iter().sum::<i64>(), full, "{full} over {segs:?}");
            for (p, s) in parts.iter().zip(&segs) {
                let exact = full as f64 * *s as f64 / days as f64;
                assert!((*p as f64 - exact).abs() <= 1.0, "{p} vs {exact}");
            }
        }
        // Part coverage: 10 of 30 days of 100.00 → 33.33.
        assert_eq!(prorate(10_000, &[10], 30), vec![3_333]);
    }

    #[test]
    fn fee_1_days_without_owner_or_tenant_are_not_billed_and_deposits_stay_out_of_rates() {
        let unit = UnitFacts {
            unit_id: 1,
            areas: Areas { building: 10_000, usable: None, land: None },
            owners: vec![holder(10, d(2026, 11, 16), None)],
            tenants: vec![],
            consumption: vec![],
        };
        let lines = bill_unit(month(2026, 11), &unit, &[item(1, FeeKind::PropertyService, ChargeBasis::Area, "3", PayerRule::Owner)]);
        assert_eq!((lines[0].days, lines[0].amount), (15, 15_000));
        assert!(FeeKind::FitoutDeposit.is_deposit() && !FeeKind::Rent.is_deposit());
    }

    #[test]
    fn fee_7_metered_lines_go_to_the_payer_on_the_last_day() {
        let unit = UnitFacts {
            unit_id: 1,
            areas: Areas { building: 10_000, usable: None, land: None },
            owners: vec![holder(10, d(2020, 1, 1), None)],
            tenants: vec![holder(20, d(2026, 1, 1), Some(d(2026, 11, 10)))],
            consumption: vec![(MeterKind::Electricity, 12_345), (MeterKind::Water, 0)],
        };
        let items = [
            item(1, FeeKind::Electricity, ChargeBasis::Metered, "1", PayerRule::Occupant),
            item(2, FeeKind::Water, ChargeBasis::Metered, "4.1", PayerRule::Occupant),
        ];
        let lines = bill_unit(month(2026, 11), &unit, &items);
        assert_eq!(lines.len(), 1, "no water used, no water line");
        assert_eq!((lines[0].payer_id, lines[0].quantity, lines[0].amount), (10, 12_345, 12_345));
    }

    #[test]
    fn fee_4_payments_settle_oldest_first_and_a_surplus_needs_confirmation() {
        let owed = [
            Owed { line_id: 2, due: d(2026, 12, 1), balance: 5_000 },
            Owed { line_id: 1, due: d(2026, 11, 1), balance: 3_000 },
            Owed { line_id: 3, due: d(2026, 10, 1), balance: 0 },
        ];
        assert_eq!(allocate(4_000, &owed, false), Ok((vec![(1, 3_000), (2, 1_000)], 0)));
        assert_eq!(allocate(9_000, &owed, false), Err(PaymentError::Surplus(1_000)));
        assert_eq!(allocate(9_000, &owed, true), Ok((vec![(1, 3_000), (2, 5_000)], 1_000)));
        assert_eq!(allocate(0, &owed, true), Err(PaymentError::NotPositive));
        assert_eq!(allocate(MAX_FEN + 1, &owed, true), Err(PaymentError::TooLarge));
        // Paid + balance = billed, whatever the payment.
        for amount in [1, 2_999, 3_000, 3_001, 8_000] {
            let (alloc, _) = allocate(amount, &owed, true).expect("ok");
            let paid: i64 = alloc.iter().map(|(_, a)| a).sum();
            let billed: i64 = owed.iter().map(|o| o.balance).sum();
            assert_eq!(paid + (billed - paid), billed);
            assert_eq!(paid, amount.min(billed));
            assert!(alloc.iter().all(|(id, a)| owed.iter().any(|o| o.line_id == *id && *a <= o.balance)));
        }
    }

    #[test]
    fn fee_5_a_line_is_overdue_only_while_something_is_owed_past_its_deadline() {
        let (due, before, after) = (d(2026, 11, 11), d(2026, 11, 11), d(2026, 11, 12));
        assert_eq!(LineStatus::of(100, 0, due, before), LineStatus::Unpaid);
        assert_eq!(LineStatus::of(100, 40, due, before), LineStatus::PartlyPaid);
        assert_eq!(LineStatus::of(100, 40, due, after), LineStatus::Overdue);
        assert_eq!(LineStatus::of(100, 100, due, after), LineStatus::Paid);
        assert_eq!((LineStatus::PartlyPaid.api_code(), LineStatus::Overdue.badge()), ("open", "overdue"));
    }

    #[test]
    fn fee_10_collection_rate_in_per_cent() {
        assert_eq!(collection_rate_percent(0, 0), 100.0);
        assert_eq!(collection_rate_percent(2, 3), 66.7);
        assert_eq!(collection_rate_percent(999_500, 1_000_000), 100.0);
        assert_eq!(collection_rate_percent(999_499, 1_000_000), 99.9);
    }

    #[test]
    fn fee_6_the_ladder_goes_one_rung_at_a_time_with_the_right_people() {
        use ArrearsAction as A;
        use ArrearsStatus as S;
        let facts = ArrearsFacts { cause: ArrearsCause::Own, service_open: false, balance: 10_000 };
        let esc = || A::Escalate { method: ContactMethod::Courier, note: "已快递，存根留存".into() };
        let mut s = S::Notice;
        s = arrears_apply(s, facts, &esc(), Role::Specialist).expect("reminder");
        assert_eq!(s, S::Reminder);
        s = arrears_apply(s, facts, &esc(), Role::Specialist).expect("contact");
        assert_eq!(s, S::Contact);
        assert_eq!(arrears_apply(s, facts, &A::Contact { method: ContactMethod::Phone, note: "答应月底交".into() }, Role::Specialist), Ok(S::Contact));
        assert_eq!(arrears_apply(s, facts, &esc(), Role::Specialist), Err(ArrearsError::NotSupervisor));
        s = arrears_apply(s, facts, &esc(), Role::Supervisor).expect("interview");
        assert_eq!(arrears_apply(s, facts, &esc(), Role::Supervisor), Err(ArrearsError::NotManager));
        s = arrears_apply(s, facts, &esc(), Role::Manager).expect("letter");
        s = arrears_apply(s, facts, &esc(), Role::Manager).expect("lawsuit");
        assert_eq!(s, S::Lawsuit);
        assert_eq!(arrears_apply(s, facts, &esc(), Role::Manager), Err(ArrearsError::NotAllowed(S::Lawsuit)));
        assert_eq!(arrears_apply(s, facts, &A::PaidInFull, Role::Specialist), Err(ArrearsError::StillOwed(10_000)));
        let paid = ArrearsFacts { balance: 0, ..facts };
        assert_eq!(arrears_apply(s, paid, &A::PaidInFull, Role::Specialist), Ok(S::Paid));
        assert!(arrears_allowed(S::Paid, paid, Role::Admin).is_empty());
        assert_eq!(
            arrears_apply(S::Notice, facts, &A::Contact { method: ContactMethod::Phone, note: " ".into() }, Role::Specialist),
            Err(ArrearsError::Missing("note"))
        );
    }

    #[test]
    fn fee_5_a_service_failure_names_its_case_and_is_fixed_before_the_interview() {
        use ArrearsAction as A;
        use ArrearsStatus as S;
        let set = |linked| A::SetCause { cause: ArrearsCause::ServiceFailure, linked, note: "漏水未修好".into() };
        let facts = ArrearsFacts { cause: ArrearsCause::Unknown, service_open: false, balance: 1 };
        assert_eq!(arrears_apply(S::Reminder, facts, &set(false), Role::Specialist), Err(ArrearsError::NoLink));
        assert_eq!(arrears_apply(S::Reminder, facts, &set(true), Role::Specialist), Ok(S::Reminder));
        let open = ArrearsFacts { cause: ArrearsCause::ServiceFailure, service_open: true, balance: 1 };
        let esc = A::Escalate { method: ContactMethod::Phone, note: "催缴".into() };
        assert_eq!(arrears_apply(S::Reminder, open, &esc, Role::Manager), Ok(S::Contact), "reminders go on");
        assert_eq!(arrears_apply(S::Contact, open, &esc, Role::Manager), Err(ArrearsError::ServiceFirst));
        let fixed = ArrearsFacts { service_open: false, ..open };
        assert_eq!(arrears_apply(S::Contact, fixed, &esc, Role::Manager), Ok(S::Interview));
        assert_eq!(arrears_apply(S::Notice, facts, &A::WriteOff { reason: "破产".into() }, Role::Supervisor), Err(ArrearsError::NotManager));
        assert_eq!(arrears_apply(S::Notice, facts, &A::WriteOff { reason: "破产".into() }, Role::Manager), Ok(S::WrittenOff));
    }

    #[test]
    fn fee_5_a_service_failure_is_put_right_when_the_complaint_resolves_or_the_repair_is_signed_off() {
        use crate::complaint::ComplaintStatus as C;
        use crate::work_order::WorkOrderStatus as W;
        assert!(!ServiceCase::Complaint(C::InProgress).put_right());
        assert!(ServiceCase::Complaint(C::Resolved).put_right());
        assert!(!ServiceCase::WorkOrder(W::InRepair).put_right());
        assert!(!ServiceCase::WorkOrder(W::AwaitingSignOff).put_right());
        assert!(ServiceCase::WorkOrder(W::AwaitingCallback).put_right());
    }

    #[test]
    fn fee_6_arrears_transition_table_is_exhaustive() {
        // Every status × action × role either moves as the ladder says or refuses; closed cases refuse all.
        let facts = ArrearsFacts { cause: ArrearsCause::Own, service_open: false, balance: 0 };
        for s in ArrearsStatus::ALL {
            for &role in Role::ALL {
                let allowed = arrears_allowed(*s, facts, role);
                if !s.is_open() {
                    assert!(allowed.is_empty(), "{s:?}");
                    continue;
                }
                assert!(allowed.contains(&"contact") && allowed.contains(&"paid_in_full"), "{s:?} {role:?}");
                assert_eq!(
                    allowed.contains(&"escalate"),
                    s.next().is_some_and(|n| match n {
                        ArrearsStatus::Interview => matches!(role, Role::Supervisor | Role::Manager | Role::Admin),
                        ArrearsStatus::LawyerLetter | ArrearsStatus::Lawsuit => matches!(role, Role::Manager | Role::Admin),
                        _ => true,
                    }),
                    "{s:?} {role:?}"
                );
            }
        }
    }

    #[test]
    fn fee_7_readings_never_go_backwards_unless_the_meter_was_replaced_and_outliers_are_flagged() {
        assert_eq!(check_reading(Some(100_000), 102_000, None, &[2_000, 1_900]), Ok(ReadingCheck { consumption: 2_000, outlier: false }));
        assert!(check_reading(Some(100_000), 99_000, None, &[]).is_err());
        assert_eq!(check_reading(Some(100_000), 500, Some(0), &[]), Ok(ReadingCheck { consumption: 500, outlier: false }));
        assert!(check_reading(Some(100_000), 500, Some(1_000), &[]).is_err());
        assert_eq!(check_reading(Some(100_000), 120_000, None, &[2_000, 2_100, 1_900]).map(|c| c.outlier), Ok(true));
        assert_eq!(check_reading(None, 5_000, None, &[]), Ok(ReadingCheck { consumption: 0, outlier: false }));
        assert!(in_reading_round(d(2026, 11, 18)) && in_reading_round(d(2026, 11, 21)) && !in_reading_round(d(2026, 11, 25)));
    }

    #[test]
    fn fee_7_readings_parse_strictly_in_hundredths() {
        assert_eq!(parse_quantity("1234.5"), Ok(123_450));
        assert_eq!(parse_quantity(" 0 "), Ok(0));
        assert_eq!(parse_quantity(""), Err(Reason::Required));
        for bad in ["-1", "1.234", "1.", ".5", "1e3", "12,5", "9999999999"] {
            assert!(parse_quantity(bad).is_err(), "{bad}");
        }
        assert_eq!(quantity_text(123_450), "1234.50");
        assert_eq!(quantity_text(-5), "-0.05");
    }

    #[test]
    fn fee_8_purchase_transition_table_is_exhaustive() {
        use PurchaseAction as A;
        use PurchaseStatus as S;
        for s in S::ALL {
            for &role in Role::ALL {
                for a in A::ALL {
                    let got = purchase_apply(*s, *a, role);
                    let want = match (s, a) {
                        (S::Paid, A::Load) if matches!(role, Role::Engineering | Role::Admin) => Ok(S::Loaded),
                        (S::Paid, A::Load) => Err(PurchaseError::NotElectrician),
                        (S::Paid, A::Refund) if matches!(role, Role::Admin | Role::Manager | Role::Supervisor) => Ok(S::Refunded),
                        (S::Paid, A::Refund) => Err(PurchaseError::NotSupervisor),
                        (done, _) => Err(PurchaseError::NotAllowed(*done)),
                    };
                    assert_eq!(got, want, "{s:?} {a:?} {role:?}");
                    assert_eq!(purchase_allowed(*s, role).contains(&a.code()), got.is_ok());
                }
            }
            assert_eq!(s.awaits_loading(), *s == S::Paid);
        }
        assert_eq!(A::parse(" load "), Some(A::Load));
        assert_eq!(A::parse("charge"), None);
    }

    #[test]
    fn fee_8_an_amount_buys_whole_hundredths_of_a_kwh_at_the_price() {
        // 100.00 元 at 0.6283 元/度 = 159.159… kWh → 159.15 (never more than paid for).
        assert_eq!(prepaid_kwh(10_000, UnitPrice(6_283)), Some(15_915));
        assert_eq!(prepaid_kwh(10_000, UnitPrice(5_000)), Some(20_000));
        assert_eq!(prepaid_kwh(10_000, UnitPrice(0)), None);
        assert_eq!(prepaid_balance(20_000, 3_550), 16_450);
    }

    #[test]
    fn fee_9_a_space_is_never_rented_twice_for_the_same_time() {
        let existing = [Period { start: d(2026, 1, 1), end: Some(d(2026, 12, 31)) }];
        assert_eq!(rental_conflict(false, &Period { start: d(2026, 12, 1), end: Some(d(2027, 5, 31)) }, &existing), Err(Reason::Overlap));
        assert_eq!(rental_conflict(false, &Period { start: d(2027, 1, 1), end: None }, &existing), Ok(()));
        assert!(rental_conflict(true, &Period { start: d(2027, 1, 1), end: None }, &[]).is_err());
        assert_eq!(space_state(false, &existing, d(2026, 6, 1)), SpaceState::Rented);
        assert_eq!(space_state(false, &existing, d(2027, 6, 1)), SpaceState::Vacant);
        assert_eq!(space_state(true, &existing, d(2026, 6, 1)), SpaceState::Sold);
        assert!(SpaceState::Vacant.mismatch(SpaceState::Rented) && !SpaceState::Sold.mismatch(SpaceState::Sold));
        let nov = Month { year: 2026, month: 11 };
        assert_eq!(check_day(nov, d(2026, 11, 18)), d(2026, 11, 18));
        assert_eq!(check_day(nov, d(2027, 1, 5)), d(2026, 11, 30));
        assert_eq!(check_day(nov, d(2026, 10, 5)), d(2026, 11, 1));
        assert_eq!(plate_no(" 粤b 12345 ").as_deref(), Ok("粤B12345"));
        assert_eq!(plate_no("粤BD12345").as_deref(), Ok("粤BD12345"));
        assert!(plate_no("B12345").is_err() && plate_no("粤B1").is_err());
    }
}
