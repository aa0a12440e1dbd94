//! `keyward resolve PATH… [--account A] [--region R] [--parameters K=V]… [--import-value N=V]…`
//! — what keyward reads from its inputs, before any proof: every subject (a key with its key
//! policy, rotation and aliases; an identity policy with where it comes from), the policy as
//! resolved (a template's intrinsics, parameters and placeholders applied), the template line
//! it starts at, and the values it depends on that are unknown before deployment. One JSON
//! document on stdout; exit 2 when an input could not be read (the others are still listed).

use super::args::SelectArgs;
use super::print::print_json;
use crate::controls::subject::{IdentityOrigin, Subject};
use crate::exit;
use crate::inputs::load;
use crate::model::Policy;
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ResolveArgs {
    /// Policy files, templates, folders or account snapshots.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
}

fn policy_json(p: &Policy) -> Value {
    let (line, column) = p.source.line_col(0);
    json!({
        "path": p.source.path_prefix(),
        "line": line,
        "column": column,
        "document": serde_json::from_str::<Value>(p.source.text()).unwrap_or_else(|_| Value::String(p.source.text().to_string())),
    })
}

fn subject_json(s: &Subject) -> Value {
    match s {
        Subject::Key(k) => json!({
            "kind": "key",
            "file": k.file,
            "resource": k.key_arn,
            "policy": k.policy.as_ref().map(policy_json),
            "rotation": k.rotation,
            "key_spec": k.metadata.as_ref().map(|m| m.spec().to_string()),
            "key_state": k.metadata.as_ref().map(|m| m.key_state.clone()),
            "aliases": k.aliases,
            "unresolved": k.unresolved,
            "assumed": k.assumed.as_deref().map(assumed_json),
        }),
        Subject::Identity(i) => json!({
            "kind": "identity",
            "file": i.file,
            "resource": i.resource,
            "origin": match &i.origin {
                IdentityOrigin::File => json!("file"),
                IdentityOrigin::Managed { boundary } => json!({"managed": {"boundary": boundary}}),
                IdentityOrigin::Inline { holder } => json!({"inline": {"holder": holder}}),
            },
            "policy": policy_json(&i.policy),
            "unresolved": i.unresolved,
            "assumed": i.assumed.as_deref().map(assumed_json),
        }),
    }
}

/// A policy's unknown strings: the bounds and the cases the controls decide it from.
fn assumed_json(a: &crate::controls::subject::Assumed) -> Value {
    json!({
        "values": a.values,
        "wider": a.wider.as_ref().map(policy_json),
        "narrower": a.narrower.as_ref().map(policy_json),
        "cases": a.cases.iter().map(|c| json!({
            "values": c.values.iter().map(|(unknown, value)| json!({"unknown": unknown, "value": value})).collect::<Vec<_>>(),
            "policy": policy_json(&c.policy),
        })).collect::<Vec<_>>(),
        "exhaustive": a.exhaustive,
        "valid": a.valid(),
        "same_structure": a.same_structure,
    })
}

pub fn run(args: &ResolveArgs) -> i32 {
    let mut errors = Vec::new();
    let mut skipped = Vec::new();
    let load_options = match args.select.load_options() {
        Ok(o) => o,
        Err(e) => return super::print::fail(e),
    };
    let subjects = load(&args.paths, &load_options, &mut errors, &mut skipped);
    print_json(&json!({
        "subjects": subjects.iter().map(subject_json).collect::<Vec<_>>(),
        "errors": errors.iter().map(|e| json!({"file": e.file, "path": e.path, "line": e.line, "column": e.column, "message": e.message})).collect::<Vec<_>>(),
        "skipped": skipped,
    }));
    if errors.is_empty() {
        exit::OK
    } else {
        exit::INPUT
    }
}
