//! What a property check answers, and the one pipeline every query goes through: solve
//! (`crate::smt::check`), make the model readable (`crate::smt::readable::prettify`), check
//! it against every assertion of the query, decode it into concrete requests and **replay**
//! each through the concrete evaluator. A replay that disagrees, a counterexample AWS could
//! never send (the facts check of `crate::model::request_facts`), a model that does not
//! satisfy the query, or a failing solver is an `InternalError` — never a verdict.

use crate::eval::evaluate;
use crate::model::request::Request;
use crate::model::request_facts::{self, Severity};
use crate::model::{Decision, PolicySet};
use crate::smt::{check, Outcome, Query, SolveStats, SolverError, SolverOptions};
use std::time::Instant;

/// The answer to one property.
#[derive(Debug, Clone)]
pub enum Verdict {
    Holds,
    Violated(Counterexample),
    /// The solver ran out of time or resources, or the query has a construct the encoding
    /// cannot express exactly: the reason.
    Unknown(String),
}

impl Verdict {
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Violated(_) => "violated",
            Verdict::Unknown(_) => "unknown",
        }
    }
}

/// Concrete requests that violate a property, each confirmed by the evaluator.
#[derive(Debug, Clone)]
pub struct Counterexample {
    pub requests: Vec<Request>,
    /// The evaluator's decision for each request under the set it was replayed against.
    pub decisions: Vec<Decision>,
}

/// What a search expects of request `req` under `set` when it reports a counterexample.
#[derive(Debug, Clone, Copy)]
pub enum Expect {
    Allowed,
    NotAllowed,
}

impl Expect {
    fn holds(self, d: Decision) -> bool {
        match self {
            Expect::Allowed => d == Decision::Allowed,
            Expect::NotAllowed => d != Decision::Allowed,
        }
    }
}

pub struct Replay<'a> {
    pub req: usize,
    pub set: &'a PolicySet,
    pub expect: Expect,
}

/// Timing and solver figures of one property check.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CheckStats {
    pub encode_ms: f64,
    pub solve: SolveStats,
    /// Which step answered the query.
    pub settled: Settled,
    /// Concrete candidates the synthesis evaluated before the answer.
    pub candidates: usize,
}

/// The step that answered a query, cheapest first: no statement that could grant it, a concrete witness, a synthesised
/// candidate (both confirmed by the evaluator, no query built), the encoding itself (the
/// query folded to a constant or was not encodable), or a solver call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settled {
    /// No Allow statement can match an action of the question: it holds (`relevance.rs`).
    Relevance,
    Witness,
    Synthesis,
    #[default]
    Encoding,
    Solver,
}

impl Settled {
    pub fn name(self) -> &'static str {
        match self {
            Settled::Relevance => "relevance",
            Settled::Witness => "witness",
            Settled::Synthesis => "synthesis",
            Settled::Encoding => "encoding",
            Settled::Solver => "solver",
        }
    }
}

/// An internal error: keyward's machinery failed or contradicted itself. Never a verdict; the
/// user is asked to report it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InternalError {
    #[error("{label}: {error}")]
    Solver { label: String, error: SolverError },
    #[error("{label}: the solver's model does not satisfy assertion #{assertion} of the query")]
    BadModel { label: String, assertion: u32 },
    #[error("{label}: the counterexample {request} replays as {decision}, the encoding expected {expected:?}")]
    Replay { label: String, request: String, decision: Decision, expected: Expect },
    #[error("{label}: the counterexample {request} is a request AWS never sends: {why}")]
    Impossible { label: String, request: String, why: String },
    #[error("{label}: the request {request} the solver found is {what}, the evaluator says it is not")]
    Predicate { label: String, request: String, what: String },
    #[error("{label}: a counterexample names request {index}, the query has {count}")]
    NoRequest { label: String, index: usize, count: usize },
}

/// The answer to one query — a verdict, or an internal error — with what it cost.
#[derive(Debug, Clone)]
pub struct Checked {
    pub answer: Result<Verdict, InternalError>,
    pub stats: CheckStats,
    /// Why it holds, when asked (`SolverOptions::explain`, `crate::properties::why`).
    pub why: Option<super::explanation::Why>,
}

impl Checked {
    pub fn verdict(verdict: Verdict, stats: CheckStats) -> Checked {
        Checked { answer: Ok(verdict), stats, why: None }
    }

    fn error(error: InternalError, stats: CheckStats) -> Checked {
        Checked { answer: Err(error), stats, why: None }
    }
}

/// Solve `q` and build the verdict: `replay` says which decoded request must be allowed (or
/// not) by which set. `encode_started` is when building the query began.
pub fn run(q: Query, replay: &[Replay<'_>], opts: &SolverOptions, encode_started: Instant) -> Checked {
    let mut stats = CheckStats { encode_ms: encode_started.elapsed().as_secs_f64() * 1000.0, ..CheckStats::default() };
    let solved = check(&q, opts);
    stats.solve = solved.stats;
    if stats.solve.solver_called {
        stats.settled = Settled::Solver;
    }
    let label = q.label().to_string();
    let model = match solved.outcome {
        Ok(Outcome::Unsat) => return Checked::verdict(Verdict::Holds, stats),
        Ok(Outcome::Unknown(why)) => return Checked::verdict(Verdict::Unknown(why), stats),
        Ok(Outcome::Sat(m)) => m,
        Err(error) => return Checked::error(InternalError::Solver { label, error }, stats),
    };
    if let Some(r) = replay.iter().find(|r| r.req >= q.request_count()) {
        return Checked::error(InternalError::NoRequest { label, index: r.req, count: q.request_count() }, stats);
    }
    let confirms = |requests: &[Request]| replay.iter().all(|r| r.expect.holds(evaluate(r.set, &requests[r.req]).decision));
    let model = crate::smt::readable::prettify(&q, model, &confirms);
    if let Some(assertion) = q.violated_by(&model) {
        return Checked::error(InternalError::BadModel { label, assertion }, stats);
    }
    let requests: Vec<Request> = q.decode(&model).iter().map(request_facts::complete).collect();
    // The query ranges over requests AWS can send: a counterexample the facts check finds
    // impossible is the encoding's error, never a finding.
    for req in &requests {
        if let Some(f) = request_facts::check(req).into_iter().find(|f| f.severity == Severity::Impossible) {
            return Checked::error(InternalError::Impossible { label, request: req.to_json_line(), why: f.message }, stats);
        }
    }
    let mut decisions = Vec::new();
    for r in replay {
        let req = &requests[r.req];
        let d = evaluate(r.set, req).decision;
        if !r.expect.holds(d) {
            return Checked::error(InternalError::Replay { label, request: req.to_json_line(), decision: d, expected: r.expect }, stats);
        }
        decisions.push(d);
    }
    Checked::verdict(Verdict::Violated(Counterexample { requests, decisions }), stats)
}
