//! `keyward diff OLD NEW`: does NEW grant anything OLD did not? Both directions are checked
//! and each answer is a proof (none) or a concrete request confirmed by the evaluator.
//! Exit 1 when NEW grants access OLD did not, 0 when it does not, 2 bad input, 3 unknown.

use super::{inputs, Format, SolverArgs, EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED};
use crate::eval::explain::responsible;
use crate::model::catalog::KMS_ACTIONS;
use crate::model::principal::PrincipalKind;
use crate::model::request_spec::RequestSpec;
use crate::model::request_spec::{ActionSpec, PrincipalSpec, ResourceSpec};
use crate::model::PolicySet;
use crate::model::Template;
use crate::properties::queries::added_access;
use crate::properties::Verdict;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    /// For key policies: the key they protect (default a key of the account the policy names).
    #[arg(long = "key-arn")]
    pub key_arn: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub solver: SolverArgs,
}

pub fn run(args: &DiffArgs) -> i32 {
    let mut errors = Vec::new();
    let old = inputs::policy_set(std::slice::from_ref(&args.old), &mut errors);
    let new = inputs::policy_set(std::slice::from_ref(&args.new), &mut errors);
    if !errors.is_empty() {
        inputs::print_errors(&errors);
        return EXIT_INPUT;
    }
    let key = old.key_policy.is_some() || new.key_policy.is_some();
    let mut named: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    for (_, p) in old.policies().chain(new.policies()) {
        for s in &p.statements {
            named.extend(s.action.patterns.iter().filter_map(Template::as_literal));
        }
    }
    let (who, resource) = if key {
        let arn = args.key_arn.clone().unwrap_or_else(|| default_key_arn(&old, &new));
        (PrincipalSpec::anyone(), ResourceSpec::Fixed(arn))
    } else {
        // Identity policies govern IAM users, roles and federated users (not the root user).
        (PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser]), ResourceSpec::Any)
    };
    let req = RequestSpec { action: ActionSpec::Any { named }, resource, context: vec![] };
    let opts = args.solver.options();
    let added = added_access(&old, &new, &who, &req, &opts, "diff-added");
    let removed = added_access(&new, &old, &who, &req, &opts, "diff-removed");
    let describe = |r: &crate::properties::Checked, granting: &PolicySet| -> (String, serde_json::Value, Vec<String>) {
        match &r.answer {
            Ok(Verdict::Holds) => ("none".into(), serde_json::Value::Null, vec![]),
            Ok(Verdict::Violated(cx)) => {
                let req = &cx.requests[0];
                let why = responsible(granting, req).1.iter().map(|s| s.to_string()).collect();
                (req.to_json_line(), req.to_json(), why)
            }
            Ok(Verdict::Unknown(w)) => (format!("unknown: {w}"), serde_json::Value::Null, vec![]),
            Err(e) => (format!("internal error (please report): {e}"), serde_json::Value::Null, vec![]),
        }
    };
    let (a_text, a_json, a_why) = describe(&added, &new);
    let (r_text, r_json, r_why) = describe(&removed, &old);
    let verdict_of = |r: &crate::properties::Checked| match &r.answer {
        Ok(v) => v.name(),
        Err(_) => "unknown",
    };
    match args.format {
        Format::Json => {
            let out = serde_json::json!({
                "schema_version": 1,
                "new_grants_more": {"verdict": verdict_of(&added), "counterexample": a_json, "statements": a_why},
                "old_granted_more": {"verdict": verdict_of(&removed), "counterexample": r_json, "statements": r_why},
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        Format::Text => {
            println!("{} grants access {} did not: {a_text}", args.new.display(), args.old.display());
            for w in &a_why {
                println!("  because of {w}");
            }
            println!("{} granted access {} does not: {r_text}", args.old.display(), args.new.display());
            for w in &r_why {
                println!("  because of {w}");
            }
        }
    }
    match added.answer {
        Ok(Verdict::Violated(_)) => EXIT_VIOLATED,
        Ok(Verdict::Holds) => match removed.answer {
            Ok(Verdict::Unknown(_)) | Err(_) => EXIT_UNKNOWN,
            _ => EXIT_OK,
        },
        _ => EXIT_UNKNOWN,
    }
}

/// A key of the first account a key policy names (or a placeholder account).
fn default_key_arn(old: &PolicySet, new: &PolicySet) -> String {
    let account = [old, new]
        .iter()
        .filter_map(|s| s.key_policy.as_ref())
        .flat_map(|p| p.statements.iter())
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|el| el.patterns.iter())
        .find_map(|p| match p {
            crate::model::PrincipalPattern::Account(a) => Some(a.clone()),
            _ => None,
        })
        .unwrap_or_else(|| "111122223333".into());
    format!("arn:aws:kms:us-east-1:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}
