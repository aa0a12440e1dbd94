//! The unsat core of an explanation query: which levers (`crate::model::lever`) a *holds*
//! verdict needs, as z3's core over the levers' Booleans assumed true. A core is a proposal:
//! `crate::properties::why` confirms and minimises it on real, weakened policy sets.
//!
//! The core is taken without the shape axioms first (the lazy loop's relaxation: an unsat core
//! of fewer assertions is a core of all of them) and, should that be satisfiable, again with
//! every shape axiom. It is z3's whatever the backend: an external solver gives no core.

use crate::model::lever::Lever;
use crate::smt::answer::{Core, SolveStats, SolverError};
use crate::smt::backend::solve_core;
use crate::smt::options::SolverOptions;
use crate::smt::query::Query;
use crate::smt::simplify::propagate;

/// What the core query answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeverCore {
    /// Unsat with the levers of the core true (every other lever free).
    Unsat(Vec<Lever>),
    /// Satisfiable with every lever true: the query is not the one that holds (a bug of the
    /// caller, who asks only about properties that hold).
    Sat,
    Unknown(String),
}

/// The unsat core of `q` over its levers.
pub fn unsat_core(q: &Query, opts: &SolverOptions) -> (Result<LeverCore, SolverError>, SolveStats) {
    if let Some(why) = q.unanswerable(opts) {
        return (Ok(LeverCore::Unknown(why)), SolveStats::default());
    }
    // The run's time limit bounds the core's calls too.
    let opts = &opts.within_deadline();
    let literals: Vec<_> = q.levers.iter().map(|(_, t)| *t).collect();
    let (mut out, mut stats) = solve_core(&q.terms, &q.eager, &literals, opts, q.label());
    if matches!(out, Ok(Core::Sat)) && q.shapes.iter().any(|s| q.terms.as_bool(*s) != Some(true)) {
        let mut terms = q.terms.clone();
        let mut all = q.eager.clone();
        all.extend_from_slice(&q.shapes);
        let all = propagate(&mut terms, &all);
        let (again, more) = solve_core(&terms, &all, &literals, opts, q.label());
        stats.rounds += more.rounds;
        stats.solve_ms += more.solve_ms;
        stats.smt_bytes = stats.smt_bytes.max(more.smt_bytes);
        out = again;
    }
    let answer = out.map(|core| match core {
        Core::Unsat(names) => {
            let mut levers: Vec<Lever> = q.levers.iter().filter(|(l, _)| names.contains(&l.var_name())).map(|(l, _)| *l).collect();
            levers.sort();
            LeverCore::Unsat(levers)
        }
        Core::Sat => LeverCore::Sat,
        Core::Unknown(why) => LeverCore::Unknown(why),
    });
    (answer, stats)
}
