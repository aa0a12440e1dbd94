//! The named controls of CONTROLS.md — KMS.1–KMS.4, CIS-KMS-STAR, CIS-KMS-EXPOSED (public and
//! external), IAM-KMS-1..8, and the BP lints. Every semantic control is a query primitive of
//! `crate::properties` (never string matching on the JSON); the BP lints and the metadata
//! controls (KMS.3, KMS.4) need no solver.
//!
//! - `registry.rs`: every control, its metadata and the function that runs it;
//! - `catalog.rs`: what a control is (severity, parameters, the subjects it applies to);
//! - `identity.rs`, `key.rs`, `metadata.rs`, `lint.rs`: the controls themselves;
//! - `subject.rs`: what controls look at; `finding.rs`: what they answer;
//! - `params.rs`, `config.rs`: parameters and ignores (`--param`, `keyward.toml`);
//! - `run.rs`: the selected controls on one subject; `assume.rs`: a control on a policy with
//!   values unknown before deployment.

pub mod access;
pub mod assume;
pub mod catalog;
pub mod config;
pub mod finding;
pub mod identity;
pub mod key;
pub mod lint;
pub mod metadata;
pub mod params;
pub mod registry;
pub mod run;
pub mod subject;

pub use catalog::{ControlInfo, Severity, Target};
pub use config::ParamError;
pub use finding::{Ctx, Explanation, Finding, Status, Timing};
pub use params::{Ignore, Params};
pub use registry::{control, select, CONTROLS};
pub use run::{run_subject, run_subject_each, Step};
pub use subject::{AccountPrincipal, IdentityOrigin, IdentitySubject, KeyMetadata, KeySubject, Subject};
