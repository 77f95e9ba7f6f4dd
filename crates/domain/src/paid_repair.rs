//! REP-12 — paid repairs (有偿维修, 002 77): the fee of a repair the owner pays for is quoted in
//! lines, agreed by the owner before the work, collected, handed over to customer service and
//! receipted. Money is integer fen; the total is always the sum of the lines.

use crate::Reason;
use crate::text_enum;

text_enum! {
    /// What a fee line charges for.
    FeeKind {
        Labour = "labour", "人工费", "Labour";
        Materials = "materials", "材料费", "Materials";
        Other = "other", "其他费用", "Other";
    }
}

text_enum! {
    /// How the owner paid.
    PayMethod {
        Cash = "cash", "现金", "Cash";
        Transfer = "transfer", "银行转账", "Bank transfer";
        Pos = "pos", "POS 刷卡", "POS card";
        Online = "online", "线上支付", "Online payment";
    }
}

text_enum! {
    /// Where a paid repair's fee stands.
    FeeStatus {
        Quoting = "quoting", "待业主确认报价", "Quote awaiting the owner";
        Agreed = "agreed", "待收费", "Awaiting collection";
        Collected = "collected", "待移交客服", "Awaiting hand-over";
        HandedOver = "handed_over", "已移交客服", "Handed over";
    }
}

impl PayMethod {
    /// Anything but cash leaves a trace to quote on the receipt (transfer, POS slip, order no.).
    pub fn needs_reference(self) -> bool {
        self != PayMethod::Cash
    }
}

impl FeeStatus {
    /// The owner agreed the quote: the work may go ahead.
    pub fn agreed(self) -> bool {
        self != FeeStatus::Quoting
    }
    /// The money is in: the order may close.
    pub fn collected(self) -> bool {
        matches!(self, FeeStatus::Collected | FeeStatus::HandedOver)
    }
}

/// The most a line may say it costs (1,000,000 yuan): anything more is a typing mistake.
pub const MAX_LINE_FEN: i64 = 100_000_000;
/// The largest quantity on one line.
pub const MAX_QUANTITY: i64 = 9_999;

/// A line's amount: quantity × unit price, refused when absurd.
pub fn line_amount(quantity: i64, unit_price: i64) -> Result<i64, (&'static str, Reason)> {
    if !(1..=MAX_QUANTITY).contains(&quantity) {
        return Err(("quantity", Reason::Invalid("数量应为 1–9999 的整数", "must be a whole number from 1 to 9999")));
    }
    if unit_price <= 0 {
        return Err(("unit_price", Reason::Invalid("单价必须大于 0", "must be more than 0")));
    }
    match quantity.checked_mul(unit_price) {
        Some(a) if a <= MAX_LINE_FEN => Ok(a),
        _ => Err(("unit_price", Reason::Invalid("金额过大（单行不超过 100 万元）", "the amount is too large (at most 1,000,000 yuan a line)"))),
    }
}

/// What is done to a fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeAction {
    /// A quoted line is added or removed — only while the owner has not agreed.
    AddLine,
    RemoveLine,
    /// The owner agrees the quote (its total) before the work starts.
    Agree {
        agreed_by: String,
    },
    /// The fee is collected in full; `amount` is what was taken.
    Collect {
        amount: i64,
        method: PayMethod,
        reference: String,
    },
    /// The collected money is handed over to customer service.
    HandOver,
}

pub const FEE_ACTIONS: &[&str] = &["add_line", "remove_line", "agree", "collect", "hand_over"];

impl FeeAction {
    pub fn code(&self) -> &'static str {
        match self {
            FeeAction::AddLine => "add_line",
            FeeAction::RemoveLine => "remove_line",
            FeeAction::Agree { .. } => "agree",
            FeeAction::Collect { .. } => "collect",
            FeeAction::HandOver => "hand_over",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeeError {
    /// Does not fit the fee's status (409 with the allowed actions).
    NotAllowed { status: FeeStatus },
    /// A value does not fit (422).
    Invalid { field: &'static str, reason: Reason },
}

/// The facts a fee decision depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fee {
    pub status: FeeStatus,
    /// The sum of the lines, in fen.
    pub total: i64,
    pub lines: usize,
    /// The work order is still open (a closed or cancelled order's fee is settled as it stands).
    pub order_open: bool,
}

impl Fee {
    fn samples(&self) -> [FeeAction; 5] {
        [
            FeeAction::AddLine,
            FeeAction::RemoveLine,
            FeeAction::Agree { agreed_by: "x".into() },
            FeeAction::Collect { amount: self.total, method: PayMethod::Cash, reference: String::new() },
            FeeAction::HandOver,
        ]
    }

    /// The fee actions that fit now.
    pub fn allowed(&self) -> Vec<&'static str> {
        self.samples().iter().filter(|a| self.apply(a).is_ok()).map(FeeAction::code).collect()
    }

    /// The fee's transition table: the status after `action`.
    pub fn apply(&self, action: &FeeAction) -> Result<FeeStatus, FeeError> {
        use FeeStatus as S;
        let not_allowed = Err(FeeError::NotAllowed { status: self.status });
        let invalid = |field, zh, en| Err(FeeError::Invalid { field, reason: Reason::Invalid(zh, en) });
        match (self.status, action) {
            (S::Quoting, FeeAction::AddLine) if self.order_open => Ok(S::Quoting),
            (S::Quoting, FeeAction::RemoveLine) if self.order_open && self.lines > 0 => Ok(S::Quoting),
            (S::Quoting, FeeAction::Agree { agreed_by }) if self.order_open && self.lines > 0 && self.total > 0 => {
                if agreed_by.trim().is_empty() {
                    return Err(FeeError::Invalid { field: "agreed_by", reason: Reason::Required });
                }
                Ok(S::Agreed)
            }
            // A cancelled order collects nothing (a closed one was collected before closing).
            (S::Agreed, FeeAction::Collect { amount, method, reference }) if self.order_open => {
                if *amount > self.total {
                    return invalid("amount", "收费金额超过报价合计，不得多收", "more than the agreed total; no overpayment");
                }
                if *amount < self.total {
                    return invalid("amount", "收费金额少于报价合计，须按报价收齐", "less than the agreed total; collect it in full");
                }
                if method.needs_reference() && reference.trim().is_empty() {
                    return Err(FeeError::Invalid { field: "reference", reason: Reason::Required });
                }
                Ok(S::Collected)
            }
            (S::Collected, FeeAction::HandOver) => Ok(S::HandedOver),
            _ => not_allowed,
        }
    }
}

/// REP-12: the amount in capital numerals for the receipt (人民币大写), e.g. 12050 fen →
/// "壹佰贰拾元伍角".
pub fn amount_in_words(fen: i64) -> String {
    const DIGITS: [&str; 10] = ["零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"];
    let fen = fen.max(0) as u64;
    let (yuan, jiao, f) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let group = |g: u64| {
        let mut s = String::new();
        let (mut started, mut zero) = (false, false);
        for (pos, unit) in [(1000, "仟"), (100, "佰"), (10, "拾"), (1, "")] {
            let d = (g / pos % 10) as usize;
            if d == 0 {
                zero = started;
            } else {
                if zero {
                    s.push('零');
                    zero = false;
                }
                s.push_str(DIGITS[d]);
                s.push_str(unit);
                started = true;
            }
        }
        s
    };
    let mut out = String::new();
    if yuan > 0 {
        let groups = [(yuan / 100_000_000, "亿"), (yuan / 10_000 % 10_000, "万"), (yuan % 10_000, "")];
        let mut gap = false;
        for (g, unit) in groups {
            if g == 0 {
                gap = !out.is_empty();
                continue;
            }
            if !out.is_empty() && (gap || g < 1000) {
                out.push('零');
            }
            out.push_str(&group(g));
            out.push_str(unit);
            gap = false;
        }
        out.push('元');
    }
    if jiao > 0 {
        out.push_str(DIGITS[jiao]);
        out.push('角');
    } else if f > 0 && yuan > 0 {
        out.push('零');
    }
    if f > 0 {
        out.push_str(DIGITS[f]);
        out.push('分');
    }
    if out.is_empty() {
        out.push_str("零元");
    }
    if f == 0 && jiao == 0 {
        out.push('整');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fee(status: FeeStatus) -> Fee {
        Fee { status, total: 12_050, lines: 2, order_open: true }
    }

    #[test]
    fn rep_12_receipt_amount_in_capital_numerals() {
        assert_eq!(amount_in_words(5_000), "伍拾元整");
        assert_eq!(amount_in_words(12_050), "壹佰贰拾元伍角");
        assert_eq!(amount_in_words(100_005), "壹仟元零伍分");
        assert_eq!(amount_in_words(1_000_100), "壹万零壹元整");
        assert_eq!(amount_in_words(10_000_000_000), "壹亿元整");
        assert_eq!(amount_in_words(2_003_000_000), "贰仟零叁万元整");
        assert_eq!(amount_in_words(45), "肆角伍分");
        assert_eq!(amount_in_words(0), "零元整");
    }

    #[test]
    fn rep_12_line_amounts_are_quantity_times_price_and_refuse_the_absurd() {
        assert_eq!(line_amount(3, 1_250), Ok(3_750));
        assert!(matches!(line_amount(0, 100), Err(("quantity", _))));
        assert!(matches!(line_amount(10_000, 100), Err(("quantity", _))));
        assert!(matches!(line_amount(1, 0), Err(("unit_price", _))));
        assert!(matches!(line_amount(1, -5), Err(("unit_price", _))));
        assert!(matches!(line_amount(2, MAX_LINE_FEN), Err(("unit_price", _))));
        assert!(matches!(line_amount(MAX_QUANTITY, i64::MAX / 2), Err(("unit_price", _))));
    }

    #[test]
    fn rep_12_collection_is_exactly_the_agreed_total_with_a_reference_unless_cash() {
        let f = fee(FeeStatus::Agreed);
        let over = FeeAction::Collect { amount: 12_051, method: PayMethod::Cash, reference: String::new() };
        assert!(matches!(f.apply(&over), Err(FeeError::Invalid { field: "amount", .. })));
        let under = FeeAction::Collect { amount: 12_000, method: PayMethod::Cash, reference: String::new() };
        assert!(matches!(f.apply(&under), Err(FeeError::Invalid { field: "amount", .. })));
        let pos = FeeAction::Collect { amount: 12_050, method: PayMethod::Pos, reference: " ".into() };
        assert_eq!(f.apply(&pos), Err(FeeError::Invalid { field: "reference", reason: Reason::Required }));
        let pos = FeeAction::Collect { amount: 12_050, method: PayMethod::Pos, reference: "POS 000123".into() };
        assert_eq!(f.apply(&pos), Ok(FeeStatus::Collected));
        let agree = FeeAction::Agree { agreed_by: String::new() };
        assert_eq!(fee(FeeStatus::Quoting).apply(&agree), Err(FeeError::Invalid { field: "agreed_by", reason: Reason::Required }));
    }

    /// The whole fee table: for every status (with and without lines, open or closed order)
    /// exactly these actions fit.
    #[test]
    fn rep_12_fee_table_is_exhaustive() {
        use FeeStatus as S;
        for s in FeeStatus::ALL {
            for lines in [0, 2] {
                for open in [true, false] {
                    let f = Fee { status: *s, total: if lines > 0 { 12_050 } else { 0 }, lines, order_open: open };
                    let expect: Vec<&str> = match (*s, lines > 0, open) {
                        (S::Quoting, true, true) => vec!["add_line", "remove_line", "agree"],
                        (S::Quoting, false, true) => vec!["add_line"],
                        (S::Quoting, _, false) => vec![],
                        (S::Agreed, _, true) => vec!["collect"],
                        (S::Agreed, _, false) => vec![],
                        (S::Collected, _, _) => vec!["hand_over"],
                        (S::HandedOver, _, _) => vec![],
                    };
                    assert_eq!(f.allowed(), expect, "{s:?} lines {lines} open {open}");
                }
            }
        }
        assert!(!FeeStatus::Quoting.agreed() && FeeStatus::Agreed.agreed() && !FeeStatus::Agreed.collected());
        assert!(FeeStatus::Collected.collected() && FeeStatus::HandedOver.collected());
    }
}
