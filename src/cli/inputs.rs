//! Loading the policies a command names: each file is read, parsed and classified as a key
//! policy (it has Principal/NotPrincipal elements) or an identity policy. Problems are collected
//! so one bad file does not hide the others.

use crate::model::Policy;
use crate::model::PolicySet;
use crate::policy::{load_policy, Diagnostic};
use std::path::PathBuf;

/// Policies given as positional arguments, sorted by kind. At most one key policy.
pub fn policy_set(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> PolicySet {
    let mut set = PolicySet::default();
    for p in paths {
        match load_policy(p) {
            Ok(pol) if pol.has_principals() => {
                if set.key_policy.is_some() {
                    errors.push(Diagnostic::file(
                        &p.display().to_string(),
                        "a second key policy (a policy with Principal elements); give one key policy at a time",
                    ));
                } else {
                    set.key_policy = Some(pol);
                }
            }
            Ok(pol) => set.identity.push(pol),
            Err(e) => errors.extend(e.0),
        }
    }
    set
}

/// Load optional extra policies (boundaries, SCPs).
pub fn load_all(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<Policy> {
    paths
        .iter()
        .filter_map(|p| match load_policy(p) {
            Ok(pol) => Some(pol),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        })
        .collect()
}

pub fn print_errors(errors: &[Diagnostic]) {
    for e in errors {
        eprintln!("error: {e}");
    }
}
