//! `keyward access [--format text|json] PATH…` — who can do what with each key, and what each
//! identity policy grants on KMS keys: the complete list of findings of
//! `crate::controls::access`, each with a witness request. Exit codes (`exit.rs`): 4 when an
//! enumeration failed internally, else 2 on input errors (the other inputs are still
//! enumerated), else 3 when some list could not be proved complete, else 0.

use super::args::{InputArgs, SolverArgs};
use super::print::{fail, print_json};
use crate::controls::access::{access, SubjectAccess};
use crate::controls::Subject;
use crate::exit;
use crate::inputs::load;
use crate::policy::Diagnostic;
use crate::properties::access::Completeness;
use crate::report;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AccessFormat {
    Text,
    Json,
    /// One self-contained HTML page with the access map.
    Html,
}

#[derive(Debug, clap::Args)]
pub struct AccessArgs {
    /// Key policy files, identity policy files, folders, account snapshots, templates, plans.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub input: InputArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: AccessFormat,
    /// Compare two versions, `--diff OLD NEW` (files, folders, snapshots, templates): the
    /// findings NEW adds and those it removes, each with a request only that side allows.
    /// Exit 1 when access is added.
    #[arg(long)]
    pub diff: bool,
    #[command(flatten)]
    pub solver: SolverArgs,
}

/// The subjects of `paths` read as `input` says (a note for each file skipped), or the exit
/// code of a usage error.
fn subjects(paths: &[PathBuf], input: &InputArgs, errors: &mut Vec<Diagnostic>) -> Result<Vec<Subject>, i32> {
    input.check().map_err(fail)?;
    let load_options = input.load_options().map_err(fail)?;
    let mut skipped = Vec::new();
    let subjects = load(paths, &load_options, errors, &mut skipped);
    for s in &skipped {
        eprintln!("note: {s}: not a policy document, template or plan, skipped");
    }
    Ok(subjects)
}

pub fn run(args: &AccessArgs) -> i32 {
    if args.diff {
        return run_diff(args);
    }
    let mut errors = Vec::new();
    let opts = args.solver.options();
    let results: Vec<SubjectAccess> = match subjects(&args.paths, &args.input, &mut errors) {
        Ok(all) => all.iter().map(|s| access(s, &opts)).collect(),
        Err(code) => return code,
    };
    for e in &errors {
        eprintln!("error: {e}");
    }
    match args.format {
        AccessFormat::Json => print_json(&report::access::json(&results, &errors)),
        AccessFormat::Text => print!("{}", report::access::text(&results, &errors)),
        AccessFormat::Html => {
            let inputs: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
            print!("{}", report::html::access(&results, &errors, &inputs.join(", ")))
        }
    }
    let mut outcome = exit::Outcome { input_error: !errors.is_empty(), ..Default::default() };
    for r in &results {
        match r.complete() {
            Completeness::Proved => {}
            Completeness::Unknown(_) => outcome.unknown = true,
            Completeness::Error(_) => outcome.internal_error = true,
        }
    }
    outcome.code()
}

fn run_diff(args: &AccessArgs) -> i32 {
    let [old, new] = args.paths.as_slice() else {
        return fail(crate::error::UsageError::DiffPaths(args.paths.len()));
    };
    let mut errors = Vec::new();
    let old_subjects = match subjects(std::slice::from_ref(old), &args.input, &mut errors) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let new_subjects = match subjects(std::slice::from_ref(new), &args.input, &mut errors) {
        Ok(s) => s,
        Err(code) => return code,
    };
    for e in &errors {
        eprintln!("error: {e}");
    }
    let diffs = crate::controls::access::diff(&old_subjects, &new_subjects, &args.solver.options());
    let j = report::access::diff_json(&diffs, &errors);
    match args.format {
        AccessFormat::Json => print_json(&j),
        AccessFormat::Text => print!("{}", report::access::diff_text(&j)),
        AccessFormat::Html => print!("{}", report::html::diff(&report::access::diff_text(&j))),
    }
    let changes = || j.subjects.iter().flat_map(|s| s.added.iter().chain(s.removed.iter()));
    exit::Outcome {
        input_error: !errors.is_empty(),
        violated: j.added > 0,
        unknown: changes().any(|c| c.only_here.is_none() && c.problem.is_some())
            || diffs.iter().flat_map(|d| d.old.iter().chain(d.new.iter())).any(|s| !matches!(s.complete(), Completeness::Proved)),
        internal_error: diffs.iter().any(|d| d.added.iter().chain(d.removed.iter()).any(|c| c.error))
            || diffs.iter().flat_map(|d| d.old.iter().chain(d.new.iter())).any(|s| matches!(s.complete(), Completeness::Error(_))),
    }
    .code()
}
