//! `keyward check [--control ID]… [--kind identity|key] [--key-arn ARN] [--param K=V]…
//! [--config keyward.toml] [--format text|json|sarif] PATH…` — the contract CI pipelines rely
//! on. Exit codes: 2 when an input or usage error occurred (the other inputs are still
//! checked and reported), else 1 when a control is violated, else 3 when a verdict is unknown,
//! else 0. Suppressed findings (ignores in keyward.toml) do not count.
//!
//! `keyward controls` lists the catalog.

use super::{SelectArgs, SolverArgs, EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED};
use crate::controls::{run_subject, Ctx, Finding, Status, CONTROLS};
use crate::inputs::load;
use crate::policy::Diagnostic;
use crate::report::findings::{json_report, sarif_report, text_report};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
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
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Text format: show passing controls' messages too.
    #[arg(long, short)]
    pub verbose: bool,
    #[command(flatten)]
    pub solver: SolverArgs,
}

pub fn run(args: &CheckArgs) -> i32 {
    let config = args.config.clone().or_else(|| Some(PathBuf::from("keyward.toml")).filter(|p| p.is_file()));
    let params = match args.select.params_with_config(config.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    if let Err(e) = args.select.check_controls() {
        eprintln!("error: {e}");
        return EXIT_INPUT;
    }
    let selected = args.select.selected(&params);
    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut skipped = Vec::new();
    let opts = args.select.load_options();
    let subjects = load(&args.paths, &opts, &mut errors, &mut skipped);
    for s in &skipped {
        eprintln!("note: {s}: not a policy document (no Statement), skipped");
    }
    let solver = args.solver.options();
    let ctx = Ctx { params: &params, opts: &solver };
    let findings: Vec<Finding> = subjects.iter().flat_map(|s| run_subject(s, &selected, &ctx)).collect();
    for f in findings.iter().filter(|f| f.message.starts_with("INTERNAL ERROR")) {
        eprintln!("keyward: {} on {}: {}", f.control, f.resource, f.message);
    }
    let out = match args.format {
        CheckFormat::Json => serde_json::to_string_pretty(&json_report(&findings, &errors)).unwrap_or_default(),
        CheckFormat::Sarif => serde_json::to_string_pretty(&sarif_report(&findings, &errors)).unwrap_or_default(),
        CheckFormat::Text => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            text_report(&findings, &errors, args.verbose)
        }
    };
    println!("{out}");
    exit_code(&findings, &errors)
}

pub fn exit_code(findings: &[Finding], errors: &[Diagnostic]) -> i32 {
    let live = |s: Status| findings.iter().any(|f| f.status == s && f.suppressed.is_none());
    if !errors.is_empty() {
        EXIT_INPUT
    } else if live(Status::Violated) {
        EXIT_VIOLATED
    } else if live(Status::Unknown) {
        EXIT_UNKNOWN
    } else {
        EXIT_OK
    }
}

/// `keyward controls`: the catalog with parameters.
pub fn list(json: bool) -> i32 {
    if json {
        println!("{}", serde_json::to_string_pretty(&CONTROLS.to_vec()).unwrap_or_default());
        return EXIT_OK;
    }
    for c in CONTROLS.iter() {
        println!("{:<26} {:<8} {}  [{}]", c.id, format!("{:?}", c.severity).to_lowercase(), c.title, c.target.describe());
        for p in c.params {
            println!("    {}.{} (default {}): {}", c.id, p.name, p.default, p.help);
        }
    }
    EXIT_OK
}
