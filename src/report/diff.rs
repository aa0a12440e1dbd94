//! `keyward diff OLD NEW` results: for each direction (what NEW grants that OLD did not, and
//! the reverse) the verdict — `holds` when nothing was added — with a counterexample request
//! only the granting side allows and the statements that grant it.

use super::SCHEMA_VERSION;
use crate::controls::Explanation;
use crate::eval::explain::responsible;
use crate::model::PolicySet;
use crate::properties::{Checked, Verdict};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct DiffJson<'a> {
    pub schema_version: u32,
    pub new_grants_more: DirectionJson<'a>,
    pub old_granted_more: DirectionJson<'a>,
}

#[derive(Serialize)]
pub struct DirectionJson<'a> {
    /// `holds` (nothing added), `violated`, `unknown` or `error`.
    pub verdict: &'static str,
    /// The request only the granting side allows; null when none.
    pub counterexample: Value,
    /// The granting side's statements that allow it.
    pub statements: Vec<String>,
    /// Why the verdict is unknown or an error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Why nothing was added (`holds`): the statements of each side that make it so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<super::why::WhyJson<'a>>,
}

/// One direction of a diff, `granting` being the side whose extra access is looked for.
pub struct Direction<'a> {
    pub checked: &'a Checked,
    pub granting: &'a PolicySet,
    /// The explanation of `checked` when it holds.
    pub why: Option<Explanation>,
}

impl<'a> Direction<'a> {
    pub fn verdict(&self) -> &'static str {
        match &self.checked.answer {
            Ok(v) => v.name(),
            Err(_) => "error",
        }
    }

    fn message(&self) -> Option<String> {
        match &self.checked.answer {
            Ok(Verdict::Unknown(w)) => Some(format!("unknown: {w}")),
            Err(e) => Some(format!("internal error (please report): {e}")),
            _ => None,
        }
    }

    pub fn new(checked: &'a Checked, granting: &'a PolicySet) -> Direction<'a> {
        Direction { checked, granting, why: checked.why.as_ref().map(Explanation::of) }
    }

    fn json(&self) -> DirectionJson<'_> {
        let (counterexample, statements) = match &self.checked.answer {
            Ok(Verdict::Violated(cx)) => match cx.requests.first() {
                Some(req) => (req.to_json(), responsible(self.granting, req).1.iter().map(|s| s.to_string()).collect()),
                None => (Value::Null, vec![]),
            },
            _ => (Value::Null, vec![]),
        };
        DirectionJson {
            verdict: self.verdict(),
            counterexample,
            statements,
            message: self.message(),
            why: self.why.as_ref().map(super::why::json),
        }
    }

    fn text(&self) -> String {
        let mut out = match (&self.checked.answer, self.message()) {
            (Ok(Verdict::Violated(cx)), _) => cx.requests.first().map(|r| r.to_json_line()).unwrap_or_default(),
            (_, Some(m)) => m,
            _ => "none".into(),
        };
        out.push('\n');
        if let Some(r) = match &self.checked.answer {
            Ok(Verdict::Violated(cx)) => cx.requests.first(),
            _ => None,
        } {
            for s in responsible(self.granting, r).1 {
                out.push_str(&format!("  because of {s}\n"));
            }
        }
        for line in self.why.iter().flat_map(|w| super::why::lines(w, usize::MAX, "holds because")) {
            out.push_str(&format!("  {line}\n"));
        }
        out
    }
}

pub fn json<'a>(added: &'a Direction<'_>, removed: &'a Direction<'_>) -> DiffJson<'a> {
    DiffJson { schema_version: SCHEMA_VERSION, new_grants_more: added.json(), old_granted_more: removed.json() }
}

pub fn text(old: &str, new: &str, added: &Direction<'_>, removed: &Direction<'_>) -> String {
    format!("{new} grants access {old} did not: {}{old} granted access {new} does not: {}", added.text(), removed.text())
}
