//! How a query is solved: the backend (z3 in process, or an external SMT-LIB2 solver), the
//! timeout of each solver call, where to dump the SMT-LIB2 of every query, and the encoding
//! the query is built with (the default one, or the textbook baseline for ablation).

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Z3,
    /// An external solver command line (program and arguments) that reads SMT-LIB2 on stdin.
    External(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct SolverOptions {
    pub timeout: Duration,
    pub backend: Backend,
    /// Write every query's SMT-LIB2 to this folder.
    pub dump_dir: Option<PathBuf>,
    /// How queries are encoded and simplified (a research switch; verdicts are the same).
    pub encoding: Encoding,
    /// Requests are made at this instant (`--at`): aws:CurrentTime and aws:EpochTime are
    /// pinned. `None`: at any time.
    pub at: Option<crate::model::value::Timestamp>,
    /// Try concrete witnesses and synthesised candidates before building a query (the
    /// default); off, every query goes to the encoder and the solver (`--no-presolve`, to
    /// measure and cross-check the presolve).
    pub presolve: bool,
    /// The whole run's end (`--max-time`): no solver call runs past it, and a query asked
    /// after it is `unknown` without one. `None`: no limit beyond each call's timeout.
    pub deadline: Option<std::time::Instant>,
    /// Explain every *holds* verdict of a property query: the statements and elements that
    /// make it hold (`crate::properties::why`; `check`, `prove` and `diff` turn it on).
    pub explain: bool,
}

/// The encoding of a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    /// Finite action domain, ARN segments, folding, unit propagation, concrete witnesses
    /// tried before the solver, lazy shape axioms.
    #[default]
    Default,
    /// For ablation, the textbook whole-string encoding (`crate::smt::encode::textbook`): the
    /// action and the resource are each one string variable (constant actions too), every
    /// wildcard is a regular-expression membership (ARN patterns over the whole resource
    /// string), no unit propagation, no concrete witnesses before the solver, every axiom
    /// asserted eagerly. Only the term builder's folding of constant subterms stays.
    Baseline,
}

/// Why a query asked after the run's `--max-time` is unknown.
pub const DEADLINE_REACHED: &str = "the run's time limit (--max-time) was reached before this query";

impl SolverOptions {
    /// Is the run's `--max-time` over?
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|end| std::time::Instant::now() >= end)
    }

    /// These options with each call's timeout cut to what is left of the run's `--max-time`.
    pub fn within_deadline(&self) -> SolverOptions {
        let left = |end: std::time::Instant| end.saturating_duration_since(std::time::Instant::now());
        SolverOptions { timeout: self.deadline.map_or(self.timeout, |end| self.timeout.min(left(end))), ..self.clone() }
    }
}

impl Default for SolverOptions {
    fn default() -> Self {
        SolverOptions {
            timeout: Duration::from_secs(10),
            backend: Backend::Z3,
            dump_dir: None,
            encoding: Encoding::Default,
            at: None,
            presolve: true,
            deadline: None,
            explain: false,
        }
    }
}
