//! Every output format of keyward, one file per command: `check.rs` (text and JSON), `sarif.rs`
//! (SARIF 2.1.0 of `check`), `catalog.rs` (`keyward controls`), `prove.rs`, `diff.rs` and `eval.rs`; `why.rs` says why a result holds for
//! all of them. The JSON of
//! every command is a serde struct carrying `schema_version`, the contract users' scripts rely
//! on; `crate::cli` only chooses the format and prints.

pub mod access;
pub mod catalog;
pub mod check;
pub mod diff;
pub mod eval;
pub mod html;
pub mod prove;
pub mod sarif;
pub mod validators;
pub mod why;

/// The version of every command's JSON output. 2: verdict `error` (an internal error, exit code
/// 4) beside `unknown`; `prove` reports the witnesses and the never-allowed action of `required`
/// properties; `eval` and `controls` are objects with this field.
pub const SCHEMA_VERSION: u32 = 2;
