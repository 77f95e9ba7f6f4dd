//! CMP-14: full-text search of complaints, Chinese first. Chinese has no spaces and staff
//! search for two-character words ("漏水"), so the index holds character n-grams instead of
//! dictionary words, built here in Rust so SQLite (FTS5) and PostgreSQL (tsvector + GIN) index
//! exactly the same terms:
//!
//! - text is cut into segments at every character that is not a letter or digit, and where
//!   the script changes between Chinese/Japanese/Korean and everything else;
//! - a CJK segment gives its overlapping 2-grams ("楼上漏水" → 楼上 上漏 漏水); a latin/digit
//!   segment (ASCII lower-cased) its overlapping 3-grams ("1201" → 120 201);
//! - a segment shorter than its gram is one term by itself ("3", "号").
//!
//! A query asks for terms every matching text must contain, so the index never loses a
//! complaint that the substring (LIKE) check finds; that check then runs on the candidates
//! and keeps results exact. A query segment of at least one gram always contributes; a
//! shorter one only when it is enclosed by other characters of the query (it is then a whole
//! segment of the text too). A query that yields nothing (one character, "A座") is answered by
//! the LIKE scan alone. Latin/digits use 3-grams rather than words so that the last digits of
//! a phone number or the number part of "HXGC/TS001" are still found, as LIKE finds them, and
//! because 2-grams of digits (only 100 of them) would each match most complaints.

/// The tokeniser that built a stored entry. A row whose entry is missing (0) is indexed by
/// the backfill; a change to the rules here must bump this and re-index.
pub const VERSION: i64 = 1;

/// Query terms each segment contributes at most: enough to narrow a million complaints to a
/// few hundred candidates, few enough that common grams (the "139" of every mobile number,
/// the "ts0" of every complaint number) do not make the index read long lists.
const MAX_CJK_TERMS: usize = 4;
const MAX_ALNUM_TERMS: usize = 2;
/// Query segments that contribute terms at most (a pasted paragraph needs no more).
const MAX_PHRASES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Cjk,
    Alnum,
}

impl Script {
    fn gram(self) -> usize {
        match self {
            Script::Cjk => 2,
            Script::Alnum => 3,
        }
    }
    fn max_terms(self) -> usize {
        match self {
            Script::Cjk => MAX_CJK_TERMS,
            Script::Alnum => MAX_ALNUM_TERMS,
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3005}'..='\u{3007}' | '\u{3021}'..='\u{3029}' | '\u{3031}'..='\u{3035}' | '\u{3038}'..='\u{303C}'
        | '\u{3040}'..='\u{30FF}' | '\u{3100}'..='\u{31BF}' | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{A960}'..='\u{A97F}' | '\u{AC00}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FF66}'..='\u{FFDC}' | '\u{20000}'..='\u{3FFFF}')
}

fn script(c: char) -> Option<Script> {
    if !c.is_alphanumeric() {
        None
    } else if is_cjk(c) {
        Some(Script::Cjk)
    } else {
        Some(Script::Alnum)
    }
}

/// A run of letters/digits of one script; `open_*` when it touches the start/end of the text.
struct Segment {
    script: Script,
    chars: Vec<char>,
    open_left: bool,
    open_right: bool,
}

impl Segment {
    fn grams(&self) -> Vec<String> {
        let n = self.script.gram();
        if self.chars.len() < n {
            return vec![self.chars.iter().collect()];
        }
        self.chars.windows(n).map(|w| w.iter().collect()).collect()
    }
}

fn segments(text: &str) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    let mut prev: Option<Script> = None;
    let mut at_start = true;
    for c in text.chars() {
        let s = script(c);
        if let Some(s) = s {
            let c = c.to_ascii_lowercase();
            match out.last_mut() {
                Some(seg) if prev == Some(s) => seg.chars.push(c),
                _ => out.push(Segment { script: s, chars: vec![c], open_left: at_start, open_right: false }),
            }
        }
        prev = s;
        at_start = false;
    }
    if let Some(last) = out.last_mut()
        && prev.is_some()
    {
        last.open_right = true;
    }
    out
}

/// The index terms of a complaint's searchable fields, in order. Fields and segments are
/// tokenised apart, so no term spans two of them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Document {
    terms: Vec<String>,
}

pub fn document(fields: &[&str]) -> Document {
    let mut terms = Vec::new();
    for f in fields {
        for seg in segments(f) {
            terms.extend(seg.grams());
        }
    }
    Document { terms }
}

impl Document {
    /// The terms separated by spaces, for an FTS5 table with the `unicode61` tokenizer (which
    /// splits exactly at the spaces: every term is letters and digits only).
    pub fn fts_text(&self) -> String {
        self.terms.join(" ")
    }

    /// A PostgreSQL `tsvector` literal of the distinct terms, without positions: GIN answers an
    /// AND of lexemes exactly (no heap recheck), and positions would be cut at 256 per lexeme.
    pub fn tsvector(&self) -> String {
        let mut distinct: Vec<&str> = self.terms.iter().map(String::as_str).collect();
        distinct.sort_unstable();
        distinct.dedup();
        let quoted: Vec<String> = distinct.into_iter().map(quote).collect();
        quoted.join(" ")
    }

    pub fn terms(&self) -> &[String] {
        &self.terms
    }
}

/// Single-quoted for tsvector/tsquery input. Terms are letters and digits, so this never has
/// anything to escape; it is done anyway so the literal cannot be broken by a future rule.
fn quote(t: &str) -> String {
    let mut s = String::with_capacity(t.len() + 2);
    s.push('\'');
    for c in t.chars() {
        if c == '\'' || c == '\\' {
            s.push(c);
        }
        s.push(c);
    }
    s.push('\'');
    s
}

/// What a search string asks of the index: every phrase (consecutive terms) must occur.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    phrases: Vec<Vec<String>>,
}

/// The index query for a search string, or `None` when no term can be required (one
/// character, or only short pieces at the edges) and the caller must scan with LIKE.
pub fn query(text: &str) -> Option<Query> {
    let text = text.trim();
    let mut phrases = Vec::new();
    for seg in segments(text) {
        let n = seg.script.gram();
        let terms = if seg.chars.len() >= n {
            let all = seg.grams();
            let k = seg.script.max_terms().min(all.len());
            // Latin/digits: the last grams, as a number's tail tells it apart (its start is
            // often a shared prefix: "139…", "TS000…"); CJK: the first grams.
            match seg.script {
                Script::Alnum => all[all.len() - k..].to_vec(),
                Script::Cjk => all[..k].to_vec(),
            }
        } else if !seg.open_left && !seg.open_right {
            seg.grams()
        } else {
            continue;
        };
        phrases.push(terms);
        if phrases.len() == MAX_PHRASES {
            break;
        }
    }
    (!phrases.is_empty()).then_some(Query { phrases })
}

impl Query {
    /// An FTS5 MATCH expression: each phrase in double quotes, ANDed.
    pub fn fts(&self) -> String {
        let parts: Vec<String> = self.phrases.iter().map(|p| format!("\"{}\"", p.join(" "))).collect();
        parts.join(" AND ")
    }

    /// A PostgreSQL `tsquery` literal: every term ANDed (the tsvector has no positions).
    pub fn tsquery(&self) -> String {
        let parts: Vec<String> = self.phrases.iter().flatten().map(|t| quote(t)).collect();
        parts.join(" & ")
    }

    pub fn phrases(&self) -> &[Vec<String>] {
        &self.phrases
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(fields: &[&str]) -> Vec<String> {
        document(fields).terms
    }
    fn phrases(q: &str) -> Vec<Vec<String>> {
        query(q).map(|q| q.phrases).unwrap_or_default()
    }
    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cmp_14_chinese_is_cut_into_overlapping_two_character_grams() {
        assert_eq!(terms(&["楼上漏水严重"]), v(&["楼上", "上漏", "漏水", "水严", "严重"]));
        // Punctuation and script changes end a segment; a one-character segment is a term.
        assert_eq!(terms(&["3号楼漏水，很急"]), v(&["3", "号楼", "楼漏", "漏水", "很急"]));
        assert_eq!(terms(&["好"]), v(&["好"]));
    }

    #[test]
    fn cmp_14_latin_and_digits_are_lower_cased_three_grams() {
        assert_eq!(terms(&["HXGC/TS001"]), v(&["hxg", "xgc", "ts0", "s00", "001"]));
        assert_eq!(terms(&["3-1201室"]), v(&["3", "120", "201", "室"]));
        assert_eq!(terms(&["ab"]), v(&["ab"]));
    }

    #[test]
    fn cmp_14_fields_do_not_run_into_each_other() {
        assert_eq!(terms(&["张三", "漏水"]), v(&["张三", "漏水"]));
        assert_eq!(terms(&["", "  "]), Vec::<String>::new());
    }

    #[test]
    fn cmp_14_queries_require_what_every_match_contains() {
        assert_eq!(phrases("漏水"), vec![v(&["漏水"])]);
        assert_eq!(phrases(" 水管漏水 "), vec![v(&["水管", "管漏", "漏水"])]);
        // "3" could be the end of "13": only the enclosed or full-gram parts are required.
        assert_eq!(phrases("3-1201"), vec![v(&["120", "201"])]);
        assert_eq!(phrases("漏水3号楼"), vec![v(&["漏水"]), v(&["3"]), v(&["号楼"])]);
        // A phone number's last digits tell it apart; its "139" prefix would not.
        assert_eq!(phrases("13912345678"), vec![v(&["567", "678"])]);
        assert_eq!(phrases("TS001"), vec![v(&["s00", "001"])]);
    }

    #[test]
    fn cmp_14_one_character_and_edge_fragments_fall_back_to_like() {
        assert_eq!(query("漏"), None);
        assert_eq!(query("a"), None);
        assert_eq!(query("12"), None, "could be inside a longer number");
        assert_eq!(query("A座"), None);
        assert_eq!(query("，。"), None);
        assert_eq!(query(""), None);
    }

    #[test]
    fn cmp_14_every_substring_of_a_text_finds_that_text() {
        // The invariant the LIKE filter relies on: any substring's required phrases occur, in
        // order, among the text's terms.
        let texts = ["楼上漏水严重，3-1201室业主投诉", "HXGC/TS0001234", "13912345678", "客户Wang说：电梯坏了!!"];
        for text in texts {
            let doc = document(&[text]);
            let chars: Vec<char> = text.chars().collect();
            for i in 0..chars.len() {
                for j in i + 1..=chars.len() {
                    let q: String = chars[i..j].iter().collect();
                    let Some(q) = query(&q) else { continue };
                    for p in q.phrases() {
                        let found = doc.terms.windows(p.len()).any(|w| w == p.as_slice());
                        assert!(found, "{text:?}: {:?} of {:?} not among {:?}", p, &chars[i..j], doc.terms);
                    }
                }
            }
        }
    }

    #[test]
    fn cmp_14_fts_and_tsquery_syntax() {
        let q = query("水管漏水 3-1201").expect("query");
        // The "3" is enclosed (by a space and "-"), so it is a whole segment of any match.
        assert_eq!(q.fts(), "\"水管 管漏 漏水\" AND \"3\" AND \"120 201\"");
        assert_eq!(q.tsquery(), "'水管' & '管漏' & '漏水' & '3' & '120' & '201'");
        assert_eq!(document(&["漏水漏水"]).tsvector(), "'水漏' '漏水'");
    }
}
