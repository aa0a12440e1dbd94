//! Why a property holds, as every report says it: the JSON object `why` of `check`, `prove`
//! and `diff` results, and the "holds because" lines of their text. An explanation is a
//! minimal set of statements that must stay and elements that must stay as written
//! (`crate::properties::why`), each named with its file, line and column.

use crate::controls::Explanation;
use crate::eval::explain::StatementRef;
use serde::Serialize;

#[derive(Serialize)]
pub struct WhyJson<'a> {
    /// `explained` (every query of the result explained), `partial` (some explanation is
    /// unknown), or `error` (one failed: an internal error to report).
    pub status: &'static str,
    /// No lever of the set can be weakened without breaking the property (false when a drop's
    /// answer was unknown).
    pub minimal: bool,
    pub reasons: Vec<ReasonJson<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub unknown: &'a [String],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub errors: &'a [String],
    /// Questions asked again on weakened policies to confirm and minimise the set, and the
    /// time the explanation took.
    pub checks: usize,
    pub time_ms: f64,
}

#[derive(Serialize)]
pub struct ReasonJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    /// `statement` (the statement must stay) or the element that must stay as written:
    /// `principal`, `action`, `resource`, `condition`.
    pub part: &'static str,
    pub element: &'a str,
    pub text: &'a str,
    pub statement: &'a StatementRef,
}

pub fn json(e: &Explanation) -> WhyJson<'_> {
    WhyJson {
        status: e.status(),
        minimal: e.minimal,
        reasons: e
            .reasons
            .iter()
            .map(|r| ReasonJson { side: r.side, part: r.part, element: &r.element, text: &r.text, statement: &r.statement })
            .collect(),
        unknown: &e.unknown,
        errors: &e.errors,
        checks: e.checks,
        time_ms: (e.ms * 1000.0).round() / 1000.0,
    }
}

/// The text of a reason: `the Deny of statement #2 (Fence) denies … (key.json:14:9)`, with
/// the side (`granting side:`, `compared side:`) before it in a diff.
pub fn reason_line(r: &crate::properties::why::Reason) -> String {
    let side = r.side.map(|s| format!("{s} side: ")).unwrap_or_default();
    let file = r.statement.file.split('#').next().unwrap_or(&r.statement.file);
    format!("{side}{} ({file}:{}:{})", r.text, r.statement.line, r.statement.column)
}

/// The lines of text saying why a result holds (at most `limit` reasons, then how many more),
/// each reason after `lead` (`holds because`; `never allowed because` for a required action).
pub fn lines(e: &Explanation, limit: usize, lead: &str) -> Vec<String> {
    let mut out = Vec::new();
    if e.reasons.is_empty() && e.complete() {
        out.push("no statement is needed: it holds with every statement weakened — no Allow statement grants such requests, or AWS's decision rules refuse them".into());
    }
    for r in e.reasons.iter().take(limit) {
        out.push(format!("{lead} {}", reason_line(r)));
    }
    if e.reasons.len() > limit {
        out.push(format!("… {} more reasons (--format json shows all)", e.reasons.len() - limit));
    }
    if !e.minimal && e.complete() {
        out.push("(the set may not be minimal: a solver answer was unknown)".into());
    }
    for u in &e.unknown {
        out.push(format!("why it holds is unknown: {u}"));
    }
    for err in &e.errors {
        out.push(format!("why it holds: internal error (please report): {err}"));
    }
    out
}
