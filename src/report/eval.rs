//! `keyward eval` results: the decision of one concrete request with its explanation — the
//! statements that apply, those whose conditions fail (with the reason of every condition),
//! the reasoning steps and the request-context facts' findings — as text or JSON; and the
//! one-line JSON decisions of `--requests`.

use super::SCHEMA_VERSION;
use crate::eval::{Evaluation, StatementTrace};
use crate::model::request::Request;
use crate::model::request_facts::FactFinding;
use crate::model::Decision;
use serde::Serialize;
use std::fmt::Write;

/// `{"schema_version", "decision", "matched", "unmatched_conditions", "reasons"}`.
#[derive(Serialize)]
pub struct EvalJson<'a> {
    pub schema_version: u32,
    #[serde(flatten)]
    pub evaluation: &'a Evaluation,
    /// What the request-context facts say of the request (`impossible`, `incomplete`).
    pub facts: &'a [FactFinding],
}

pub fn json<'a>(ev: &'a Evaluation, facts: &'a [FactFinding]) -> EvalJson<'a> {
    EvalJson { schema_version: SCHEMA_VERSION, evaluation: ev, facts }
}

/// One line of `--requests`: the decision, or why the line is not a request.
#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchLine {
    Decision(Decision),
    Error(String),
}

fn render_trace(out: &mut String, t: &StatementTrace) {
    let sid = t.sid.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {:?} {} statement {}{} [{}]: {:?}, principal {:?}",
        t.role, t.policy, t.statement, sid, t.path, t.effect, t.principal
    );
    for c in &t.conditions {
        let _ = writeln!(out, "      {} {} {}: {}", if c.holds { "holds " } else { "fails " }, c.operator, c.key, c.reason);
    }
}

pub fn text(request: &Request, ev: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Decision: {}", ev.decision);
    let _ = writeln!(out, "Request: {}", request.to_json_line());
    for r in &ev.reasons {
        let _ = writeln!(out, "  because {r}");
    }
    if !ev.matched.is_empty() {
        let _ = writeln!(out, "Statements that apply:");
        for t in &ev.matched {
            render_trace(&mut out, t);
        }
    }
    if !ev.unmatched_conditions.is_empty() {
        let _ = writeln!(out, "Statements whose conditions fail:");
        for t in &ev.unmatched_conditions {
            render_trace(&mut out, t);
        }
    }
    out
}
