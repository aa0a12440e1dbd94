//! keyward proves security properties of AWS IAM and KMS key policies with an SMT solver and
//! answers every refuted property with a concrete counterexample request.
//!
//! The pipeline runs in one direction: `policy` reads JSON into the validated `model`; `eval`
//! decides concrete requests (the oracle); `smt` (the only module that touches z3) encodes the
//! model and queries; `properties` turns questions into queries and replays every
//! counterexample through `eval`; `controls` are the named checks; `inputs` gathers the policies
//! in scope; `report` renders results; `corpus` runs the controls over large folders of policies
//! for research (timings, comparisons, plots); `cli` is the thin command-line layer; `error`
//! gathers each stage's error type, and `exit` the exit codes every command shares.

pub mod cli;
pub mod controls;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod exit;
pub mod inputs;
pub mod model;
pub mod policy;
pub mod properties;
pub mod report;
pub mod smt;
