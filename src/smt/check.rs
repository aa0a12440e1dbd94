//! `check`: the one place that decides how a query is solved. By the query's encoding and the
//! chosen backend:
//! - default encoding, z3 in process: the propagated query with the shape axioms given
//!   lazily (`crate::smt::lazy`);
//! - default encoding, an external solver: one script, the propagated query with every shape
//!   axiom (the process cannot be asked again with more axioms); on sat, z3 in process finds
//!   the model the external solver does not give;
//! - the textbook baseline: every assertion at once, unpropagated.
//!
//! A query with constructs the encoding cannot express exactly is `unknown` without a solver
//! call. Whatever the path, the answer comes with the statistics of every solver call made.

use crate::smt::answer::{Outcome, SolveStats, SolverError};
use crate::smt::backend::solve;
use crate::smt::lazy::solve_lazy;
use crate::smt::options::{Backend, Encoding, SolverOptions};
use crate::smt::query::Query;
use crate::smt::simplify::propagate;

/// What solving a query gave, with what it cost.
#[derive(Debug)]
pub struct Solved {
    pub outcome: Result<Outcome, SolverError>,
    pub stats: SolveStats,
}

/// Solve `q` with `opts.backend` (the encoding is the query's own).
pub fn check(q: &Query, opts: &SolverOptions) -> Solved {
    if let Some(why) = q.unanswerable(opts) {
        return Solved { outcome: Ok(Outcome::Unknown(why)), stats: SolveStats::default() };
    }
    // The run's time limit bounds this query's calls too.
    let opts = &opts.within_deadline();
    let (outcome, stats) = match (&opts.backend, q.encoding) {
        (Backend::Z3, Encoding::Default) => solve_lazy(&q.terms, &q.eager, &q.shapes, &q.want, opts, &q.label),
        (Backend::External(_), Encoding::Default) => {
            let mut terms = q.terms.clone();
            let mut all = q.eager.clone();
            all.extend_from_slice(&q.shapes);
            let all = propagate(&mut terms, &all);
            solve(&terms, &all, &q.want, opts, &q.label)
        }
        (_, Encoding::Baseline) => solve(&q.terms, &q.assertions(), &q.want, opts, &q.label),
    };
    let outcome = match outcome {
        // An external solver gives no model: ask z3 in process for one.
        Ok(Outcome::Sat(m)) if stats.solver_called && m.values.is_empty() && !q.want.is_empty() && opts.backend != Backend::Z3 => {
            let local = SolverOptions { backend: Backend::Z3, dump_dir: None, ..opts.clone() };
            match solve_lazy(&q.terms, &q.eager, &q.shapes, &q.want, &local, &q.label).0 {
                Ok(Outcome::Unsat) => Err(SolverError::Disagree),
                Ok(Outcome::Unknown(why)) => Ok(Outcome::Unknown(format!("sat, but no counterexample: z3 answered unknown ({why})"))),
                other => other,
            }
        }
        other => other,
    };
    Solved { outcome, stats }
}
