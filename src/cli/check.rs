//! `keyward check [--control ID]… [--kind identity|key] [--key-arn ARN] [--param K=V]…
//! [--config keyward.toml] [--format text|json|sarif] PATH…` — the contract CI pipelines rely
//! on. Exit codes (`exit.rs`): 4 when a query failed internally, else 2 when an input or usage
//! error occurred (the other inputs are still checked and reported), else 1 when a control is
//! violated, else 3 when a verdict is unknown, else 0. Suppressed findings (ignores in
//! keyward.toml) do not count; an internal error is never suppressed.

use super::args::{SelectArgs, SolverArgs};
use super::print::{fail, print_json};
use crate::controls::{run_subject, Ctx, Finding, Status};
use crate::exit;
use crate::inputs::load;
use crate::policy::Diagnostic;
use crate::report;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    /// One self-contained HTML page.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files, folders of policy files, or account snapshot folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Configuration file (default: ./keyward.toml when it exists).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// An earlier `--format json` report: its violated and unknown results (by control and
    /// resource) are reported as suppressed ("in the baseline"), so that only new findings fail.
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Findings to accept, in the AWS validators' syntax (comma-separated): a control id, a
    /// resource (key ARN, policy ARN or name), or `RESOURCE.CONTROL`. Reported as suppressed.
    #[arg(long = "ignore-finding", value_delimiter = ',')]
    pub ignore_finding: Vec<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Text format: show passing controls' messages too.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub solver: SolverArgs,
    #[command(flatten)]
    pub explain: super::args::ExplainArgs,
}

pub fn run(args: &CheckArgs) -> i32 {
    let config = args.config.clone().or_else(|| Some(PathBuf::from("keyward.toml")).filter(|p| p.is_file()));
    if let Err(e) = args.select.check() {
        return fail(e);
    }
    let params = match args.select.params_with_config(config.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let selected = args.select.selected(&params);
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut skipped = Vec::new();
    let load_options = match args.select.load_options() {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let subjects = load(&args.paths, &load_options, &mut errors, &mut skipped);
    let warnings: Vec<Diagnostic> = subjects.iter().flat_map(crate::inputs::limits::warnings).collect();
    for s in &skipped {
        eprintln!("note: {s}: not a policy document, template or plan, skipped");
    }
    let solver = args.explain.apply(args.solver.options());
    let ctx = Ctx { params: &params, opts: &solver };
    let mut findings: Vec<Finding> = subjects.iter().flat_map(|s| run_subject(s, &selected, &ctx)).collect();
    for f in findings.iter_mut().filter(|f| matches!(f.status, Status::Violated | Status::Unknown) && f.suppressed.is_none()) {
        let hit = args.ignore_finding.iter().map(|i| i.trim()).find(|i| {
            *i == f.control || *i == f.resource || *i == format!("{}.{}", f.resource, f.control) || f.resource.ends_with(&format!("/{i}"))
        });
        if let Some(i) = hit {
            f.suppressed = Some(format!("--ignore-finding {i}"));
        }
    }
    if let Some(b) = &args.baseline {
        match baseline(b) {
            Ok(known) => {
                let why = format!("in the baseline {}", b.display());
                for f in findings.iter_mut().filter(|f| matches!(f.status, Status::Violated | Status::Unknown) && f.suppressed.is_none()) {
                    if known.contains(&(f.control.clone(), f.resource.clone())) {
                        f.suppressed = Some(why.clone());
                    }
                }
            }
            Err(e) => return fail(e),
        }
    }
    for f in findings.iter().filter(|f| f.status == Status::Error) {
        eprintln!("keyward: {} on {}: {}", f.control, f.resource, f.message);
    }
    match args.format {
        CheckFormat::Json => print_json(&report::check::json(&findings, &errors, &warnings)),
        CheckFormat::Sarif => print_json(&report::sarif::sarif(&findings, &errors, &warnings)),
        CheckFormat::Html => {
            let inputs: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
            print!("{}", report::html::check(&findings, &errors, &inputs.join(", ")))
        }
        CheckFormat::Text => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            for w in &warnings {
                eprintln!("warning: {w}");
            }
            println!("{}", report::check::text(&findings, &errors, args.verbose));
        }
    }
    exit_code(&findings, &errors)
}

/// The (control, resource) of the violated and unknown results of an earlier JSON report.
fn baseline(path: &std::path::Path) -> Result<std::collections::BTreeSet<(String, String)>, crate::error::UsageError> {
    let bad = |why: String| crate::error::UsageError::Baseline(format!("--baseline {}: {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read the file: {e}")))?;
    let report: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(format!("not a keyward JSON report: {e}")))?;
    let results = report.get("results").and_then(|r| r.as_array()).ok_or_else(|| bad("not a keyward JSON report (no results)".into()))?;
    Ok(results
        .iter()
        .filter(|r| matches!(r.get("verdict").and_then(|v| v.as_str()), Some("violated" | "unknown")))
        .filter_map(|r| Some((r.get("control")?.as_str()?.to_string(), r.get("resource")?.as_str()?.to_string())))
        .collect())
}

pub fn exit_code(findings: &[Finding], errors: &[Diagnostic]) -> i32 {
    let live = |s: Status| findings.iter().any(|f| f.status == s && f.suppressed.is_none());
    exit::Outcome {
        internal_error: findings.iter().any(|f| f.status == Status::Error),
        input_error: !errors.is_empty(),
        violated: live(Status::Violated),
        unknown: live(Status::Unknown),
    }
    .code()
}
