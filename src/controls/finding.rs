//! A control's result on one subject (`Finding`) and how query answers become results: a
//! verdict, the counterexample requests, the statements responsible (from the evaluator's
//! explanation), the time it took. An internal error of a query (a replay that disagrees, a
//! failing solver) gives the status `error`, never `unknown`: `unknown` keeps meaning that the
//! solver ran out of time or resources, or that the encoding cannot express a construct.

use crate::controls::params::Params;
use crate::eval::explain::{responsible, StatementRef};
use crate::model::request::Request;
use crate::model::PolicySet;
use crate::properties::why::{Reason, Why, WhyAnswer};
use crate::properties::{CheckStats, Checked, Verdict};
use crate::smt::SolverOptions;

/// The verdict of a control on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Holds,
    Violated,
    Unknown,
    NotApplicable,
    /// keyward failed (an internal error, to report): no verdict.
    Error,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Holds => "holds",
            Status::Violated => "violated",
            Status::Unknown => "unknown",
            Status::NotApplicable => "not_applicable",
            Status::Error => "error",
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
    /// Queries answered by each step (`witness`, `synthesis`, `encoding`, `solver`).
    pub settled: std::collections::BTreeMap<&'static str, usize>,
    /// Candidates the synthesis evaluated.
    pub candidates: usize,
}

impl Timing {
    /// Add the figures of another run (`crate::controls::assume` runs a control more than
    /// once); the wall time is the caller's.
    pub fn merge(&mut self, t: &Timing) {
        self.encode_ms += t.encode_ms;
        self.solve_ms += t.solve_ms;
        self.solver_calls += t.solver_calls;
        self.smt_bytes += t.smt_bytes;
        self.candidates += t.candidates;
        for (k, v) in &t.z3 {
            *self.z3.entry(k.clone()).or_insert(0.0) += v;
        }
        for (k, v) in &t.settled {
            *self.settled.entry(k).or_insert(0) += v;
        }
    }

    pub fn add(&mut self, s: &CheckStats) {
        self.encode_ms += s.encode_ms;
        self.solve_ms += s.solve.solve_ms;
        self.solver_calls += usize::from(s.solve.solver_called);
        self.smt_bytes += s.solve.smt_bytes;
        *self.settled.entry(s.settled.name()).or_insert(0) += 1;
        self.candidates += s.candidates;
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
    /// Where the subject is (its policy's line and column), for a result without a responsible
    /// statement to point at (SARIF regions); set by `run_subject`.
    pub anchor: Option<(usize, usize)>,
    /// For a policy with values unknown before deployment, the values this verdict assumed
    /// (what each is, the value): a violation found for them (`crate::controls::assume`).
    pub assumed: Vec<(String, String)>,
    /// Why a control that holds holds: the explanations of its queries (`run_subject` drops it
    /// from any other result).
    pub why: Option<Explanation>,
}

/// Why a control holds: the union of the explanations of the queries that held (each minimal
/// and confirmed for its own query; together they make every one of them hold).
#[derive(Debug, Clone, Default)]
pub struct Explanation {
    pub reasons: Vec<Reason>,
    /// Every query's set is minimal (no drop was unknown).
    pub minimal: bool,
    /// Queries whose explanation is unknown, with the reason.
    pub unknown: Vec<String>,
    /// Queries whose explanation failed (an internal error to report).
    pub errors: Vec<String>,
    /// Queries explained, questions asked again to confirm and minimise, and their time.
    pub queries: usize,
    pub checks: usize,
    pub ms: f64,
}

impl Explanation {
    /// The explanation of one query.
    pub fn of(why: &Why) -> Explanation {
        let mut e = Explanation::default();
        e.add(why);
        e
    }

    pub fn add(&mut self, why: &Why) {
        if self.queries == 0 {
            self.minimal = true;
        }
        self.queries += 1;
        self.checks += why.checks;
        self.ms += why.ms;
        match &why.answer {
            WhyAnswer::Because { reasons, minimal } => {
                self.minimal &= *minimal;
                for r in reasons {
                    let same = |o: &Reason| o.side == r.side && o.statement == r.statement && o.element == r.element;
                    if !self.reasons.iter().any(same) {
                        self.reasons.push(r.clone());
                    }
                }
            }
            WhyAnswer::Unknown(w) => self.unknown.push(w.clone()),
            WhyAnswer::Error(e) => self.errors.push(e.clone()),
        }
    }

    /// `explained` (every query's explanation found), `partial` (some unknown), or `error`
    /// (one failed: an internal error to report).
    pub fn status(&self) -> &'static str {
        if !self.errors.is_empty() {
            "error"
        } else if !self.unknown.is_empty() {
            "partial"
        } else {
            "explained"
        }
    }

    /// Fully explained: every query's explanation found, none unknown or failed.
    pub fn complete(&self) -> bool {
        self.unknown.is_empty() && self.errors.is_empty()
    }
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
            anchor: None,
            assumed: vec![],
            why: None,
        }
    }

    /// Add the explanation of a query that held (`checked.why`) to the finding's.
    pub fn add_why(&mut self, checked: &Checked) {
        if let Some(why) = &checked.why {
            self.add_explanation(why);
        }
    }

    pub fn add_explanation(&mut self, why: &Why) {
        self.why.get_or_insert_with(Explanation::default).add(why);
    }
}

/// What the controls need besides the subject.
pub struct Ctx<'a> {
    pub params: &'a Params,
    pub opts: &'a SolverOptions,
}

/// Statements responsible for `reqs` under `set`, without duplicates.
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
    f.add_why(&checked);
    match checked.answer {
        Ok(Verdict::Unknown(reason)) => {
            f.status = Status::Unknown;
            f.message = format!("unknown: {at}{reason}");
            None
        }
        Ok(v) => Some(v),
        Err(e) => {
            f.status = Status::Error;
            f.message = format!("internal error (please report): {at}{e}");
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
