//! `keyward eval`: one concrete request, decided and explained. Exit 0 whatever the decision,
//! 2 for bad input — a request AWS never sends (the request-context facts,
//! `crate::model::request_facts`) included, unless `--allow-impossible`.

use super::args::Format;
use super::print::{fail, print_json};
use crate::eval::evaluate;
use crate::exit;
use crate::model::request_facts::{check, FactFinding, Severity};
use crate::model::PolicySet;
use crate::policy::request_file::{load_request, read_request};
use crate::policy::{json::with_json, load_policy, Diagnostic, Diagnostics, Source};
use crate::report::eval::{json, text, BatchLine};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The request: {"principal", "action", "resource", "context"}.
    #[arg(long, value_name = "REQUEST.json", required_unless_present = "requests", conflicts_with = "requests")]
    pub request: Option<PathBuf>,
    /// Many requests, one JSON object per line; prints one JSON decision per line.
    #[arg(long, value_name = "REQUESTS.jsonl")]
    pub requests: Option<PathBuf>,
    /// An identity policy of the principal (repeatable).
    #[arg(long = "identity", value_name = "POLICY.json")]
    pub identity: Vec<PathBuf>,
    /// The key policy of the requested key.
    #[arg(long = "key-policy", value_name = "KEY_POLICY.json")]
    pub key_policy: Option<PathBuf>,
    /// The principal's permissions boundary.
    #[arg(long, value_name = "POLICY.json")]
    pub boundary: Option<PathBuf>,
    /// A service control policy that applies to the principal's account (repeatable).
    #[arg(long = "scp", value_name = "POLICY.json")]
    pub scp: Vec<PathBuf>,
    /// A session policy of the principal's session (repeatable).
    #[arg(long = "session-policy", value_name = "POLICY.json")]
    pub session: Vec<PathBuf>,
    /// Decide a request AWS never sends (one the request-context facts rule out) instead of
    /// refusing it.
    #[arg(long)]
    pub allow_impossible: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn run(args: &EvalArgs) -> i32 {
    let mut errors = Vec::new();
    let mut load = |p: &PathBuf| match load_policy(p) {
        Ok(pol) => Some(pol),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    };
    let set = PolicySet {
        identity: args.identity.iter().filter_map(&mut load).collect(),
        key_policy: args.key_policy.as_ref().and_then(&mut load),
        boundaries: args.boundary.iter().filter_map(&mut load).collect(),
        scps: args.scp.iter().filter_map(&mut load).collect(),
        session: args.session.iter().filter_map(&mut load).collect(),
        grants: Vec::new(),
        external_identity_unknown: false,
    };
    if let Some(batch) = &args.requests {
        if !errors.is_empty() {
            return fail(Diagnostics(errors));
        }
        return run_batch(&set, batch, args.allow_impossible);
    }
    let request = match args.request.as_deref().map(load_request) {
        Some(Ok(r)) => Some(r),
        Some(Err(e)) => {
            errors.extend(e.0);
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return fail(Diagnostics(errors));
    }
    let Some(request) = request else { return exit::INPUT };
    let name = args.request.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    // The request-context facts: refuse a request AWS never sends, warn about one that leaves
    // out a key every such request carries.
    // Only the missing keys the policies read matter to the decision.
    let read = set.keys_read();
    let facts: Vec<FactFinding> = check(&request)
        .into_iter()
        .filter(|f| f.severity == Severity::Impossible || f.key == "resource" || read.contains(&f.key.to_ascii_lowercase()))
        .collect();
    let impossible: Vec<&FactFinding> = facts.iter().filter(|f| f.severity == Severity::Impossible).collect();
    for f in &facts {
        let level = if f.severity == Severity::Impossible && !args.allow_impossible { "error" } else { "warning" };
        eprintln!("{level}: {name}: {} ({})", f.message, f.source);
    }
    if !impossible.is_empty() && !args.allow_impossible {
        eprintln!("error: {name}: AWS never sends this request, so it has no decision (--allow-impossible decides it anyway)");
        return exit::INPUT;
    }
    let ev = evaluate(&set, &request);
    match args.format {
        Format::Json => print_json(&json(&ev, &facts)),
        Format::Text => print!("{}", text(&request, &ev)),
    }
    exit::OK
}

/// `--requests`: one decision per input line (`{"decision": …}` or `{"error": …}`); the exit
/// code is 2 when any line is bad, after every line was answered.
fn run_batch(set: &PolicySet, path: &std::path::Path, allow_impossible: bool) -> i32 {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => return fail(Diagnostics(vec![Diagnostic::file(&name, format!("cannot read the file: {e}"))])),
    };
    let mut bad = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let source = Source::new(format!("{name}:{}", i + 1), line.to_string());
        let out = match with_json(&source, |root| read_request(&source, root, "")) {
            Ok(r) => match check(&r).into_iter().find(|f| f.severity == Severity::Impossible) {
                Some(f) if !allow_impossible => {
                    bad = true;
                    BatchLine::Error(format!("{}: AWS never sends this request: {}", source.name(), f.message))
                }
                _ => BatchLine::Decision(evaluate(set, &r).decision),
            },
            Err(e) => {
                bad = true;
                BatchLine::Error(e.to_string())
            }
        };
        match serde_json::to_string(&out) {
            Ok(line) => println!("{line}"),
            Err(e) => eprintln!("error: cannot render JSON: {e}"),
        }
    }
    if bad {
        exit::INPUT
    } else {
        exit::OK
    }
}
