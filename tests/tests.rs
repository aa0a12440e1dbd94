//! The one integration-test binary (every extra binary would link libz3 again). Each module
//! reads like a specification of one area.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod parsing;
mod semantics;
mod differential;
mod properties;
mod golden;
mod controls;
mod corpus_cmd;
mod diff_mutations;
