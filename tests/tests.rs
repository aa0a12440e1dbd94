//! The one integration-test binary (every extra binary would link libz3 again). Each module
//! reads like a specification of one area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod access;
mod architecture;
mod cli;
mod common;
mod controls;
mod corpus_cmd;
mod determinism;
mod diff_mutations;
mod differential;
mod golden;
mod parsing;
mod properties;
mod semantics;
mod templates;
mod why;
