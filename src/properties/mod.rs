//! What to prove. A property is a small function that builds, on an `Encoder`, a goal that is
//! satisfiable exactly when the property is violated (cedar's "unsat iff it holds"); `run`
//! solves it and turns the answer into a `Verdict`. Every satisfying model is checked against
//! the query's own assertions, decoded into concrete requests, made readable where that keeps
//! every assertion true, and **replayed through the concrete evaluator** before it is reported:
//! a replay that disagrees is an internal error, reported loudly, never a result.

pub mod queries;
pub mod spec;
pub mod template;

use crate::eval::evaluate;
use crate::model::request::Request;
use crate::model::{Decision, PolicySet};
use crate::smt::decode::decode_request;
use crate::smt::encode::Encoder;
use crate::smt::ground::Ground;
use crate::smt::lazy::solve_lazy;
use crate::smt::solver::{solve, Model, Outcome, SolveStats, SolverOptions, Value};
use crate::smt::term::{Node, T};
use std::time::Instant;

/// The answer to one property.
#[derive(Debug, Clone)]
pub enum Verdict {
    Holds,
    Violated(Counterexample),
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
}

/// An internal error: the solver's answer and the evaluator disagree. Never a verdict.
#[derive(Debug, Clone, thiserror::Error)]
#[error("internal error (please report): {0}")]
pub struct InternalError(pub String);

/// Solve "∃ requests: goals" and build the verdict. `label` names the query in SMT dumps.
pub fn run(
    mut enc: Encoder,
    goals: &[T],
    replay: &[Replay<'_>],
    opts: &SolverOptions,
    label: &str,
    encode_started: Instant,
) -> Result<(Verdict, CheckStats), InternalError> {
    enc.finish();
    let mut stats = CheckStats::default();
    if !enc.unsupported.is_empty() {
        stats.encode_ms = encode_started.elapsed().as_secs_f64() * 1000.0;
        return Ok((Verdict::Unknown(format!("not encodable exactly: {}", enc.unsupported.join("; "))), stats));
    }
    // The shape axioms go to the solver lazily (`crate::smt::lazy`); every model is checked
    // against all assertions below all the same.
    let mut eager = enc.axioms.clone();
    eager.extend_from_slice(goals);
    let mut assertions = eager.clone();
    assertions.extend_from_slice(&enc.shapes);
    let want: Vec<T> = enc.t.vars(&assertions);
    // Same models, often folded to `false` without a solver call (`crate::smt::simplify`).
    let eager = crate::smt::simplify::for_encoding(opts.encoding, &mut enc.t, eager);
    stats.encode_ms = encode_started.elapsed().as_secs_f64() * 1000.0;
    let (outcome, solve_stats) = match (&opts.backend, opts.encoding) {
        (crate::smt::solver::Backend::Z3, crate::smt::solver::Encoding::Default) => {
            solve_lazy(&enc.t, &eager, &enc.shapes, &want, opts, label)
        }
        // An external solver gets one script: the propagated query with every shape axiom
        // (it cannot be asked again with more axioms the way the lazy loop asks z3).
        (crate::smt::solver::Backend::External(_), crate::smt::solver::Encoding::Default) => {
            let mut all = eager.clone();
            all.extend_from_slice(&enc.shapes);
            let all = crate::smt::simplify::propagate(&mut enc.t, &all);
            solve(&enc.t, &all, &want, opts, label)
        }
        (_, crate::smt::solver::Encoding::Baseline) => solve(&enc.t, &assertions, &want, opts, label),
    };
    stats.solve = solve_stats;
    let model = match outcome {
        Outcome::Unsat => return Ok((Verdict::Holds, stats)),
        Outcome::Unknown(why) => return Ok((Verdict::Unknown(why), stats)),
        Outcome::Sat(m) => m,
    };
    // An external solver gives no model: ask z3 in process for one.
    let model =
        if stats.solve.solver_called && model.values.is_empty() && !want.is_empty() && opts.backend != crate::smt::solver::Backend::Z3 {
            let local = SolverOptions { backend: crate::smt::solver::Backend::Z3, dump_dir: None, ..opts.clone() };
            match solve_lazy(&enc.t, &eager, &enc.shapes, &want, &local, label).0 {
                Outcome::Sat(m) => m,
                Outcome::Unsat => return Err(InternalError(format!("{label}: the external solver answered sat, z3 answers unsat"))),
                Outcome::Unknown(why) => {
                    return Ok((Verdict::Unknown(format!("sat, but no counterexample: z3 answered unknown ({why})")), stats))
                }
            }
        } else {
            model
        };
    let model = prettify(&enc, &assertions, model, replay);
    {
        let mut g = Ground::new(&enc.t, &model);
        if let Some(bad) = assertions.iter().find(|a| !g.bool(**a)) {
            return Err(InternalError(format!("{label}: the solver's model does not satisfy assertion #{} of the query", bad.0)));
        }
    }
    let mut g = Ground::new(&enc.t, &model);
    let requests: Vec<Request> = (0..enc.requests.len()).map(|i| decode_request(&enc, &mut g, i)).collect();
    let mut decisions = Vec::new();
    for r in replay {
        let req = &requests[r.req];
        let d = evaluate(r.set, req).decision;
        let ok = match r.expect {
            Expect::Allowed => d == Decision::Allowed,
            Expect::NotAllowed => d != Decision::Allowed,
        };
        if !ok {
            return Err(InternalError(format!(
                "{label}: the counterexample {} replays as {d}, the encoding expected {:?}",
                req.to_json_line(),
                r.expect
            )));
        }
        decisions.push(d);
    }
    Ok((Verdict::Violated(Counterexample { requests, decisions }), stats))
}

/// Readable values: try plain replacements for each string variable of the model (a region
/// like `us-east-1`, a key id that looks like one, short names) and keep each one only when
/// every assertion still holds and the replay still confirms the counterexample.
fn prettify(enc: &Encoder, assertions: &[T], mut model: Model, replay: &[Replay<'_>]) -> Model {
    let vars = enc.t.vars(assertions);
    let links = crate::smt::lazy::Links::of(&enc.t, assertions);
    // A symbolic account principal reads best as a role (CONTROLS.md: "a fresh principal is a
    // role ARN"): try that first.
    if let crate::smt::encode::PrincipalRep::Sym(_) = &enc.principal {
        let role = crate::smt::encode::kind_index(crate::model::principal::PrincipalKind::Role);
        let kind = model.get("p.kind").cloned();
        if matches!(kind, Some(Value::Int(k)) if k != role) && matches!(model.get("p.account"), Some(Value::Str(a)) if !a.is_empty()) {
            let mut trial = model.clone();
            trial.values.insert("p.kind".into(), Value::Int(role));
            trial.values.insert("p.path".into(), Value::Str(String::new()));
            trial.values.insert("p.pname".into(), Value::Str("ExampleRole".into()));
            trial.values.insert("p.has_session".into(), Value::Bool(false));
            if accepts(enc, assertions, &trial, replay) {
                model = trial;
            }
        }
    }
    for v in vars {
        let Node::Var(name, _) = enc.t.node(v) else { continue };
        let Some(Value::Str(current)) = model.get(name).cloned() else { continue };
        for candidate in candidates(name, &current) {
            if candidate == current {
                break;
            }
            if let Some(trial) = crate::smt::lazy::replacements(&enc.t, &model, name, &current, &candidate, &links)
                .into_iter()
                .find(|t| accepts(enc, assertions, t, replay))
            {
                model = trial;
                break;
            }
        }
    }
    model
}

/// Every assertion holds under `trial` and every replay confirms its decoded request.
fn accepts(enc: &Encoder, assertions: &[T], trial: &Model, replay: &[Replay<'_>]) -> bool {
    let mut g = Ground::new(&enc.t, trial);
    if !assertions.iter().all(|a| g.bool(*a)) {
        return false;
    }
    replay.iter().all(|r| {
        let req = decode_request(enc, &mut g, r.req);
        let d = evaluate(r.set, &req).decision;
        match r.expect {
            Expect::Allowed => d == Decision::Allowed,
            Expect::NotAllowed => d != Decision::Allowed,
        }
    })
}

/// Readable replacements for a variable, best first.
fn candidates(name: &str, current: &str) -> Vec<String> {
    let mut out: Vec<String> = crate::smt::lazy::readable(name).iter().map(|v| v.to_string()).collect();
    // Strings the solver filled with control characters or its `!0!` placeholders read
    // badly; offer a plain word.
    if current.chars().any(|c| !c.is_ascii_graphic() || c == '!') || current.is_empty() {
        out.push("example".into());
    }
    out
}
