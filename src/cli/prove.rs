//! `keyward prove PROPERTY.toml POLICY…`: prove a property file over the given policies.
//! Exit 0 when it holds, 1 when violated, 2 for bad input, 3 unknown, 4 internal error.

use super::args::{Format, SolverArgs};
use super::print::{fail, print_json};
use crate::exit;
use crate::inputs::{load_all, policy_set};
use crate::policy::{Diagnostic, Diagnostics};
use crate::properties::property_file::{parse, Proof};
use crate::report;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ProveArgs {
    /// The property file (TOML).
    pub property: PathBuf,
    /// Policies: key policies (with Principal) and identity policies.
    #[arg(required = true)]
    pub policies: Vec<PathBuf>,
    /// A permissions boundary of the principals.
    #[arg(long)]
    pub boundary: Vec<PathBuf>,
    /// A service control policy of the principals' account.
    #[arg(long)]
    pub scp: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub solver: SolverArgs,
    #[command(flatten)]
    pub explain: super::args::ExplainArgs,
}

pub fn run(args: &ProveArgs) -> i32 {
    let file = args.property.display().to_string();
    let text = match std::fs::read_to_string(&args.property) {
        Ok(t) => t,
        Err(e) => return fail(Diagnostics(vec![Diagnostic::file(&file, format!("cannot read the file: {e}"))])),
    };
    let prop = match parse(&file, &text) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let mut errors = Vec::new();
    let mut set = policy_set(&args.policies, &mut errors);
    set.boundaries = load_all(&args.boundary, &mut errors);
    set.scps = load_all(&args.scp, &mut errors);
    // Every problem is reported, the property's and the policies'.
    let who = match prop.principal_spec(&file) {
        Ok(w) if errors.is_empty() => w,
        Ok(_) => return fail(Diagnostics(errors)),
        Err(e) => {
            let _ = fail(Diagnostics(errors));
            return fail(e);
        }
    };
    let proof = prop.prove(&set, &who, &args.explain.apply(args.solver.options()));
    match args.format {
        Format::Json => {
            let why = report::prove::explanation(&proof);
            print_json(&report::prove::json(&prop, &set, &proof, why.as_ref()))
        }
        Format::Text => print!("{}", report::prove::text(&prop, &set, &proof)),
    }
    if let Proof::Error { error, .. } = &proof {
        eprintln!("keyward: property {}: internal error (please report): {error}", prop.name);
    }
    exit::Outcome {
        internal_error: matches!(proof, Proof::Error { .. }),
        violated: matches!(proof, Proof::Allowed(_) | Proof::NeverAllowed { .. }),
        unknown: matches!(proof, Proof::Unknown { .. }),
        ..exit::Outcome::default()
    }
    .code()
}
