//! The named controls of CONTROLS.md — KMS.1–KMS.4, CIS-KMS-STAR, CIS-KMS-EXPOSED (public and
//! external), IAM-KMS-1..8, and the BP lints — with their id, title, severity, rationale,
//! remediation and parameters, and the dispatcher that runs the selected controls on a subject.
//! Every semantic control is a query primitive of `properties` (never string matching on the
//! JSON); the BP lints and the metadata controls (KMS.3, KMS.4) need no solver.

pub mod catalog;
pub mod identity;
pub mod key;
pub mod metadata;
pub mod params;

pub use catalog::{control, ControlInfo, Severity, Target, CONTROLS};
pub use params::{Ignore, Params};

use crate::eval::explain::{responsible, StatementRef};
use crate::inputs::{IdentityOrigin, Subject};
use crate::model::request::Request;
use crate::model::PolicySet;
use crate::properties::Checked;
use crate::properties::{CheckStats, Verdict};
use crate::smt::SolverOptions;

/// The verdict of a control on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Holds,
    Violated,
    Unknown,
    NotApplicable,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
        }
    }
}

/// Time spent on one finding.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timing {
    pub encode_ms: f64,
    pub solve_ms: f64,
    pub solver_calls: usize,
    pub smt_bytes: usize,
    /// Summed z3 statistics of the calls (conflicts, decisions, memory, …).
    pub z3: std::collections::BTreeMap<String, f64>,
    /// Wall time of the control on its subject (encoding, solving, replaying counterexamples,
    /// finding the responsible statements), set by `run_subject`; `keyward corpus` reports it.
    pub wall_ms: f64,
}

impl Timing {
    pub fn add(&mut self, s: &CheckStats) {
        self.encode_ms += s.encode_ms;
        self.solve_ms += s.solve.solve_ms;
        self.solver_calls += usize::from(s.solve.solver_called);
        self.smt_bytes += s.solve.smt_bytes;
        for (k, v) in &s.solve.z3 {
            let e = self.z3.entry(k.clone()).or_insert(0.0);
            if k.contains("memory") {
                *e = e.max(*v);
            } else {
                *e += v;
            }
        }
    }
}

/// One control's result on one subject.
#[derive(Debug, Clone)]
pub struct Finding {
    pub file: String,
    pub resource: String,
    pub control: String,
    pub status: Status,
    /// Requests that show the violation, each confirmed by the evaluator.
    pub counterexample: Vec<Request>,
    pub message: String,
    /// Statements responsible (the allows that grant, or the denies that block).
    pub statements: Vec<StatementRef>,
    /// Set when a `keyward.toml` ignore entry matches: the reason.
    pub suppressed: Option<String>,
    pub timing: Timing,
}

impl Finding {
    pub fn new(file: &str, resource: &str, control: &str, status: Status, message: impl Into<String>) -> Finding {
        Finding {
            file: file.into(),
            resource: resource.into(),
            control: control.into(),
            status,
            counterexample: vec![],
            message: message.into(),
            statements: vec![],
            suppressed: None,
            timing: Timing::default(),
        }
    }
}

/// What the controls need besides the subject.
pub struct Ctx<'a> {
    pub params: &'a Params,
    pub opts: &'a SolverOptions,
}

/// Statements responsible for `req` under `set`, without duplicates.
pub fn statements_for(set: &PolicySet, reqs: &[Request]) -> Vec<StatementRef> {
    let mut out: Vec<StatementRef> = Vec::new();
    for r in reqs {
        for s in responsible(set, r).1 {
            if !out.iter().any(|o| o.file == s.file && o.index == s.index && o.role == s.role) {
                out.push(s);
            }
        }
    }
    out
}

/// The verdict of one query with its figures added to `f`. An unknown answer or an internal
/// error is written into `f` (`what` names the query, e.g. the action) and gives `None`.
pub fn verdict_of(f: &mut Finding, checked: Checked, what: Option<&str>) -> Option<Verdict> {
    let at = what.map(|w| format!("{w}: ")).unwrap_or_default();
    f.timing.add(&checked.stats);
    match checked.answer {
        Ok(v) => {
            if let Verdict::Unknown(reason) = &v {
                f.status = Status::Unknown;
                f.message = format!("unknown: {at}{reason}");
                return None;
            }
            Some(v)
        }
        Err(e) => {
            f.status = Status::Unknown;
            f.message = format!("INTERNAL ERROR (please report): {at}internal error (please report): {e}");
            None
        }
    }
}

/// Turn a query answer into a finding. `violated` names the message of a counterexample.
pub fn from_checked(
    mut f: Finding,
    checked: Checked,
    set: &PolicySet,
    holds: &str,
    violated: impl FnOnce(&[Request]) -> String,
) -> Finding {
    match verdict_of(&mut f, checked, None) {
        Some(Verdict::Holds) => {
            f.status = Status::Holds;
            f.message = holds.to_string();
        }
        Some(Verdict::Violated(cx)) => {
            f.status = Status::Violated;
            f.message = violated(&cx.requests);
            f.statements = statements_for(set, &cx.requests);
            f.counterexample = cx.requests;
        }
        Some(Verdict::Unknown(_)) | None => {}
    }
    f
}

/// Does the selection `sel` name control `id`? `CIS-KMS-EXPOSED` names both parts, `IAM-KMS-1`
/// names its lockout check too.
pub fn selects(sel: &str, id: &str) -> bool {
    let (base, _) = id.split_once(':').unwrap_or((id, ""));
    sel.eq_ignore_ascii_case(id) || sel.eq_ignore_ascii_case(base)
}

/// The controls that run on `subject`: the selected ones (or all), those whose target fits.
/// Controls selected explicitly that do not apply are reported as not applicable.
pub fn run_subject(subject: &Subject, selected: &[String], ctx: &Ctx<'_>) -> Vec<Finding> {
    let explicit = !selected.is_empty();
    let wanted = |id: &str| !explicit || selected.iter().any(|s| selects(s, id));
    let mut out = Vec::new();
    for c in CONTROLS.iter().filter(|c| wanted(c.id)) {
        let fits = match (subject, c.target) {
            (Subject::Identity(s), Target::Identity | Target::Both) => match (c.id, &s.origin) {
                ("KMS.1", IdentityOrigin::Inline { .. }) => false,
                ("KMS.2", IdentityOrigin::Managed { .. }) => false,
                ("KMS.2", IdentityOrigin::File) => explicit,
                _ => true,
            },
            // AWS managed keys have policies AWS writes and maintains.
            (Subject::Key(k), Target::Key | Target::Both) => {
                k.policy.is_some() && !k.metadata.as_ref().is_some_and(|m| m.key_manager.eq_ignore_ascii_case("AWS"))
            }
            (Subject::Key(k), Target::KeyMetadata) => k.metadata.is_some() || explicit,
            _ => false,
        };
        let (file, resource) = match subject {
            Subject::Identity(s) => (s.file.as_str(), s.resource.as_str()),
            Subject::Key(k) => (k.file.as_str(), k.key_arn.as_str()),
        };
        if !fits {
            if explicit {
                out.push(Finding::new(file, resource, c.id, Status::NotApplicable, format!("{} applies to {}", c.id, c.target.describe())));
            }
            continue;
        }
        let start = std::time::Instant::now();
        let f = match subject {
            Subject::Identity(s) => identity::run(c.id, s, ctx),
            Subject::Key(k) if c.target == Target::KeyMetadata => metadata::run(c.id, k),
            Subject::Key(k) => key::run(c.id, k, ctx),
        };
        let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
        out.extend(f.into_iter().map(|mut finding| {
            finding.timing.wall_ms = wall_ms;
            finding
        }));
    }
    for f in &mut out {
        f.suppressed = ctx.params.suppression(&f.control, &f.resource, &f.file);
    }
    out
}
