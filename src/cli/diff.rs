//! `keyward diff OLD NEW`: does NEW grant anything OLD did not? Both directions are checked
//! and each answer is a proof (none) or a concrete request confirmed by the evaluator.
//! Exit 1 when NEW grants access OLD did not, 0 when it does not, 2 bad input, 3 unknown,
//! 4 internal error.

use super::args::{Format, SolverArgs};
use super::print::{fail, print_json};
use crate::exit;
use crate::inputs::{placeholder_key, policy_set};
use crate::model::catalog::KMS_ACTIONS;
use crate::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::{PolicySet, PrincipalPattern, Template};
use crate::policy::Diagnostics;
use crate::properties::queries::added_access;
use crate::properties::Verdict;
use crate::report::diff::{json, text, Direction};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    pub old: PathBuf,
    pub new: PathBuf,
    /// For key policies: the key they protect (default: the placeholder key of the first
    /// account a key policy names, as `check` uses).
    #[arg(long = "key-arn", value_parser = super::args::parse_key_arn)]
    pub key_arn: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub solver: SolverArgs,
    #[command(flatten)]
    pub explain: super::args::ExplainArgs,
}

pub fn run(args: &DiffArgs) -> i32 {
    let mut errors = Vec::new();
    let old = policy_set(std::slice::from_ref(&args.old), &mut errors);
    let new = policy_set(std::slice::from_ref(&args.new), &mut errors);
    if !errors.is_empty() {
        return fail(Diagnostics(errors));
    }
    let key = old.key_policy.is_some() || new.key_policy.is_some();
    let named = named_actions(&old, &new);
    let (who, resource) = if key {
        let arn = args.key_arn.clone().unwrap_or_else(|| placeholder_key(&first_named_account(&old, &new)));
        (PrincipalSpec::anyone(), ResourceSpec::Fixed(arn))
    } else {
        (PrincipalSpec::identity_holders(), ResourceSpec::Any)
    };
    let req = RequestSpec { action: ActionSpec::Any { named }, resource, context: vec![] };
    let opts = args.explain.apply(args.solver.options());
    let added = added_access(&old, &new, &who, &req, &opts, "diff-added");
    let removed = added_access(&new, &old, &who, &req, &opts, "diff-removed");
    let (added, removed) = (Direction::new(&added, &new), Direction::new(&removed, &old));
    match args.format {
        Format::Json => print_json(&json(&added, &removed)),
        Format::Text => print!("{}", text(&args.old.display().to_string(), &args.new.display().to_string(), &added, &removed)),
    }
    let is = |d: &Direction<'_>, v: &str| d.verdict() == v;
    exit::Outcome {
        internal_error: is(&added, "error") || is(&removed, "error"),
        violated: matches!(added.checked.answer, Ok(Verdict::Violated(_))),
        unknown: is(&added, "unknown") || is(&removed, "unknown"),
        ..exit::Outcome::default()
    }
    .code()
}

/// The actions a comparison of `old` and `new` names: every KMS action and each action the
/// policies spell out (the rest are any other action).
pub(super) fn named_actions(old: &PolicySet, new: &PolicySet) -> Vec<String> {
    let mut named: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    for (_, p) in old.policies().chain(new.policies()) {
        for s in &p.statements {
            named.extend(s.action.patterns.iter().filter_map(Template::as_literal));
        }
    }
    named
}

/// The first account a key policy names as a principal (or the default account).
fn first_named_account(old: &PolicySet, new: &PolicySet) -> String {
    [old, new]
        .iter()
        .filter_map(|s| s.key_policy.as_ref())
        .flat_map(|p| p.statements.iter())
        .filter_map(|s| s.principal.as_ref())
        .flat_map(|el| el.patterns.iter())
        .find_map(|p| match p {
            PrincipalPattern::Account(a) => Some(a.clone()),
            _ => None,
        })
        .unwrap_or_else(|| crate::inputs::LoadOptions::default().account)
}
