//! `keyward eval`: one concrete request, decided and explained.

use super::{Format, EXIT_INPUT, EXIT_OK};
use crate::eval::{evaluate, Evaluation, StatementTrace};
use crate::model::PolicySet;
use crate::model::Request;
use crate::policy::request_file::read_request;
use crate::policy::{json::with_json, load_policy, Diagnostics, Source};
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
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

pub fn load_request(path: &std::path::Path) -> Result<Request, Diagnostics> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| crate::policy::Diagnostic::file(&name, format!("cannot read the file: {e}")))?;
    let source = Source::new(name, text);
    with_json(&source, |root| read_request(&source, root, ""))
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
            for e in &errors {
                eprintln!("error: {e}");
            }
            return EXIT_INPUT;
        }
        return run_batch(&set, batch);
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
        for e in &errors {
            eprintln!("error: {e}");
        }
        return EXIT_INPUT;
    }
    let Some(request) = request else { return EXIT_INPUT };
    let ev = evaluate(&set, &request);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&eval_json(&ev)).unwrap_or_default()),
        Format::Text => print!("{}", render_text(&request, &ev)),
    }
    EXIT_OK
}

/// `--requests`: one decision per input line (`{"decision": …}` or `{"error": …}`); the exit
/// code is 2 when any line is bad, after every line was answered.
fn run_batch(set: &PolicySet, path: &std::path::Path) -> i32 {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {name}: cannot read the file: {e}");
            return EXIT_INPUT;
        }
    };
    let mut bad = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let source = Source::new(format!("{name}:{}", i + 1), line.to_string());
        let out = match with_json(&source, |root| read_request(&source, root, "")) {
            Ok(r) => serde_json::json!({"decision": evaluate(set, &r).decision}),
            Err(e) => {
                bad = true;
                serde_json::json!({"error": e.to_string()})
            }
        };
        println!("{out}");
    }
    if bad {
        EXIT_INPUT
    } else {
        EXIT_OK
    }
}

/// The stable JSON form: `{"decision", "matched", "unmatched_conditions", "reasons"}`.
pub fn eval_json(ev: &Evaluation) -> serde_json::Value {
    serde_json::to_value(ev).unwrap_or(serde_json::Value::Null)
}

fn render_trace(out: &mut String, t: &StatementTrace) {
    use std::fmt::Write;
    let sid = t.sid.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
    let _ = writeln!(
        out,
        "  {:?} {} statement {}{} [{}]: {:?}, principal {:?}",
        t.role, t.policy, t.statement, sid, t.path, t.effect, t.principal
    );
    for c in &t.conditions {
        let _ = writeln!(out, "      {} {} {}: {}", if c.holds { "holds " } else { "fails " }, c.operator, c.key, c.reason);
    }
}

pub fn render_text(request: &Request, ev: &Evaluation) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "Decision: {}", ev.decision);
    let _ = writeln!(out, "Request: {}", request.to_json_line());
    for r in &ev.reasons {
        let _ = writeln!(out, "  because {r}");
    }
    if !ev.matched.is_empty() {
        let _ = writeln!(out, "Statements that apply:");
        for t in &ev.matched {
            render_trace(&mut out, t);
        }
    }
    if !ev.unmatched_conditions.is_empty() {
        let _ = writeln!(out, "Statements whose conditions fail:");
        for t in &ev.unmatched_conditions {
            render_trace(&mut out, t);
        }
    }
    out
}
