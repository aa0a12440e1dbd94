//! What to prove. A property is a question over sets of requests, described as plain data
//! (`crate::model::request_spec`); `crate::smt` builds its query — satisfiable exactly when
//! the property is violated (cedar's "unsat iff it holds") — and solves it, and `verdict::run`
//! turns the answer into a `Verdict`. Every satisfying model is made readable where that keeps
//! every assertion true, checked against the query's own assertions, decoded into concrete
//! requests and **replayed through the concrete evaluator** before it is reported: a replay
//! that disagrees is an internal error, reported loudly, never a result.
//!
//! - `verdict.rs`: verdicts, internal errors and the build → check → decode → replay pipeline;
//! - `queries.rs`: the query primitives (exists-allowed, pairs, added access) and the
//!   concrete witnesses tried before the solver;
//! - `relevance.rs`: questions no Allow statement can match, which hold without a query;
//! - `synthesis.rs`: candidate requests built from the Allow statements' own conditions, tried
//!   after the witnesses and before the solver, with the values of `candidate_values.rs`;
//! - `why.rs`: why a property holds (the statements and elements it needs, minimal and
//!   confirmed), `explanation.rs` what such an explanation is;
//! - `property_file.rs`: the property files of `keyward prove` and their proof.

pub mod access;
pub mod candidate_values;
pub mod explanation;
pub mod property_file;
pub mod queries;
pub mod relevance;
pub mod synthesis;
pub mod verdict;
pub mod why;

pub use verdict::{CheckStats, Checked, Counterexample, Expect, InternalError, Replay, Settled, Verdict};
