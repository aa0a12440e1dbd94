//! The SMT layer, the only part of keyward that touches z3. A property asks it for a `Query`
//! (`encode::build`), solves the query with `check` (which owns the choice of backend and of the
//! solving loop), and reads the model back as concrete requests (`Query::decode`), made
//! readable (`readable::prettify`). The pieces:
//! - `term/`: the term language and its folding; `smtlib.rs`: its SMT-LIB2 text;
//! - `encode/`: policies and the symbolic request as terms (the twin of `crate::eval`);
//! - `query.rs`: the query as a value; `decode.rs`: models to requests;
//! - `check.rs`: solving a query; `lazy.rs`: the lazy shape axioms; `simplify.rs`: unit
//!   propagation; `backend/`: one solver call (z3 in process or an external solver);
//! - `ground.rs`: evaluating terms under a model; `readable.rs`: readable values;
//! - `core.rs`: the unsat core over an explanation query's levers;
//! - `options.rs`, `answer.rs`: what solving takes and gives back.
//!
//! It depends on `crate::model` only.

pub mod answer;
pub mod backend;
pub mod check;
pub mod core;
pub mod decode;
pub mod encode;
pub mod ground;
pub mod lazy;
pub mod options;
pub mod query;
pub mod readable;
pub mod simplify;
pub mod smtlib;
pub mod term;

pub use answer::{Model, Outcome, SolveStats, SolverError, Value};
pub use check::{check, Solved};
pub use core::{unsat_core, LeverCore};
pub use encode::build::{build_added_access, build_allowed_pair, build_exists_allowed, build_exists_denied, build_exists_request, Build};
pub use encode::pin::{symbolic_decision, symbolic_decision_with_facts, PinError, PinMode};
pub use options::{Backend, Encoding, SolverOptions};
pub use query::Query;
