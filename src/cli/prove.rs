//! `keyward prove PROPERTY.toml POLICY…`: prove a property file over the given policies.
//! Exit 0 when it holds, 1 when violated (with a counterexample), 2 for bad input, 3 unknown.

use super::{inputs, Format, SolverArgs, EXIT_INPUT, EXIT_OK, EXIT_UNKNOWN, EXIT_VIOLATED};
use crate::eval::explain::responsible;
use crate::model::request_spec::ActionSpec;
use crate::model::request_spec::RequestSpec;
use crate::properties::queries::exists_allowed;
use crate::properties::spec::{parse, PropertyFile, PropertyKind};
use crate::properties::Verdict;
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
}

pub fn run(args: &ProveArgs) -> i32 {
    let mut errors = Vec::new();
    let text = match std::fs::read_to_string(&args.property) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: cannot read the file: {e}", args.property.display());
            return EXIT_INPUT;
        }
    };
    let prop = match parse(&args.property.display().to_string(), &text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_INPUT;
        }
    };
    let mut set = inputs::policy_set(&args.policies, &mut errors);
    set.boundaries = inputs::load_all(&args.boundary, &mut errors);
    set.scps = inputs::load_all(&args.scp, &mut errors);
    let who = match prop.principal_spec() {
        Ok(w) => w,
        Err(e) => {
            errors.push(crate::policy::Diagnostic::file(&args.property.display().to_string(), e));
            return finish_errors(&errors);
        }
    };
    if !errors.is_empty() {
        return finish_errors(&errors);
    }
    let opts = args.solver.options();
    let (verdict, message, requests) = match prop.kind {
        PropertyKind::Forbidden => match exists_allowed(&set, &who, &prop.request_spec(), &opts, &prop.name).answer {
            Ok(Verdict::Violated(cx)) => {
                (Verdict::Violated(cx.clone()), "a request the property forbids is allowed".to_string(), cx.requests)
            }
            Ok(v) => (v, String::new(), vec![]),
            Err(e) => {
                (Verdict::Unknown(format!("internal error (please report): {e}")), format!("internal error (please report): {e}"), vec![])
            }
        },
        PropertyKind::Required => required(&prop, &set, &who, &opts),
    };
    let statements: Vec<_> = requests.iter().flat_map(|r| responsible(&set, r).1).collect();
    match args.format {
        super::Format::Json => {
            let out = serde_json::json!({
                "schema_version": 1,
                "property": prop.name,
                "kind": match prop.kind { PropertyKind::Forbidden => "forbidden", PropertyKind::Required => "required" },
                "verdict": verdict.name(),
                "message": message_for(&verdict, &message),
                "counterexample": requests.iter().map(crate::model::Request::to_json).collect::<Vec<_>>(),
                "statements": statements,
            });
            println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        }
        super::Format::Text => {
            println!("property {}: {}", prop.name, verdict.name().to_uppercase());
            if !prop.description.is_empty() {
                println!("  {}", prop.description);
            }
            let m = message_for(&verdict, &message);
            if !m.is_empty() {
                println!("  {m}");
            }
            for r in &requests {
                println!("  counterexample: {}", r.to_json_line());
            }
            for s in &statements {
                println!("  because of {s}");
            }
        }
    }
    match verdict {
        Verdict::Holds => EXIT_OK,
        Verdict::Violated(_) => EXIT_VIOLATED,
        Verdict::Unknown(_) => EXIT_UNKNOWN,
    }
}

fn message_for(v: &Verdict, m: &str) -> String {
    match v {
        Verdict::Unknown(why) => format!("unknown: {why}"),
        _ => m.to_string(),
    }
}

fn finish_errors(errors: &[crate::policy::Diagnostic]) -> i32 {
    inputs::print_errors(errors);
    EXIT_INPUT
}

/// Required access: every listed action (after expansion) must be allowed for some matching
/// request. Violated when one never is; the evidence names it.
fn required(
    prop: &PropertyFile,
    set: &crate::model::PolicySet,
    who: &crate::model::request_spec::PrincipalSpec,
    opts: &crate::smt::SolverOptions,
) -> (Verdict, String, Vec<crate::model::request::Request>) {
    let base = prop.request_spec();
    let mut witnesses = Vec::new();
    for action in ActionSpec::expand(&prop.request.actions) {
        let spec = RequestSpec { action: ActionSpec::One(action.clone()), ..base.clone() };
        match exists_allowed(set, who, &spec, opts, &format!("{}-{action}", prop.name)).answer {
            Ok(Verdict::Violated(cx)) => witnesses.extend(cx.requests),
            Ok(Verdict::Holds) => {
                return (
                    Verdict::Violated(crate::properties::Counterexample { requests: vec![], decisions: vec![] }),
                    format!("{action} is never allowed for a matching request"),
                    vec![],
                );
            }
            Ok(Verdict::Unknown(why)) => return (Verdict::Unknown(why), String::new(), vec![]),
            Err(e) => return (Verdict::Unknown(format!("internal error (please report): {e}")), String::new(), vec![]),
        }
    }
    let _ = witnesses;
    (Verdict::Holds, "every listed action is allowed for some matching request".into(), vec![])
}
