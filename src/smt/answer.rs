//! What solving gives back: the outcome (sat with a model of the variables asked for, unsat, or
//! unknown with the solver's reason — a timeout or a resource limit), what the call cost, and
//! the errors that are not answers at all (a solver that rejects the query text, crashes, or
//! contradicts z3). An error is never an `Unknown`: `unknown` means the solver ran out of time
//! or resources on a well-formed query.

use std::collections::{BTreeMap, HashMap};

/// A model value of one variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Bool(bool),
    Int(i128),
    Str(String),
    Bv(u128),
}

/// Variable name → value, for the variables the decoder asked for.
#[derive(Debug, Clone, Default)]
pub struct Model {
    pub values: HashMap<String, Value>,
}

impl Model {
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Sat(Model),
    Unsat,
    /// The solver gave up: the reason (timeout, resource limit, incompleteness) as it said it.
    Unknown(String),
}

/// The answer of a query solved under assumptions (`crate::smt::core`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Core {
    /// Unsat: the names of the assumptions in z3's unsat core.
    Unsat(Vec<String>),
    Sat,
    Unknown(String),
}

/// What one solver call cost.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SolveStats {
    pub solver_called: bool,
    /// Solver calls the query took (the lazy shape axioms may need more than one).
    pub rounds: u32,
    pub solve_ms: f64,
    /// Distinct terms in the query.
    pub smt_nodes: usize,
    /// Bytes of SMT-LIB2 text.
    pub smt_bytes: usize,
    /// z3's statistics (conflicts, decisions, memory, …) when the in-process backend ran.
    pub z3: BTreeMap<String, f64>,
}

/// A failure of the solving machinery itself: a bug to report, not an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SolverError {
    /// z3 in process could not parse the query text (a printer bug).
    #[error("z3 rejected the query text: {0}")]
    Rejected(String),
    /// z3 said sat but gave no model.
    #[error("z3 reported sat without a model")]
    NoModel,
    /// An external solver could not be started, crashed, or printed no verdict (an SMT-LIB2
    /// `(error …)` is a rejected query text).
    #[error("{solver}: {message}")]
    External { solver: String, message: String },
    /// An external solver answered sat where z3 proves the query unsat.
    #[error("the external solver answered sat, z3 answers unsat")]
    Disagree,
    /// The lazy loop ran out of rounds without an answer (it asserts every shape axiom in its
    /// last round, so this cannot happen unless the loop is broken).
    #[error("the lazy solving loop ended without an answer")]
    LoopExhausted,
    /// z3 failed inside the query (the z3 crate panicked, as it does when z3 runs out of
    /// memory) or its thread could not start: this query has no answer, the run goes on.
    #[error("{0}")]
    Crashed(String),
}
