//! The command line (clap). Each subcommand parses its arguments, calls the library, prints
//! what `crate::report` renders and maps the outcome to the exit codes of `exit.rs`.

mod access;
pub mod args;
mod check;
mod corpus;
mod diff;
mod eval;
mod print;
mod prove;
mod resolve;
mod validators;

use crate::exit;
use args::Format;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "keyward", version, about = "Prove security properties of AWS IAM and KMS key policies with an SMT solver")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide one concrete request under a set of policies, and explain the decision.
    Eval(eval::EvalArgs),
    /// Prove a property file (forbidden or required access) over policies.
    Prove(prove::ProveArgs),
    /// Does NEW grant anything OLD did not? Counterexamples both ways.
    Diff(diff::DiffArgs),
    /// Prove the controls (KMS.1–4, CIS, IAM-KMS-1..8, best practices) on policy files,
    /// folders and account snapshots.
    Check(check::CheckArgs),
    /// What keyward reads from policy files, CloudFormation templates and snapshots: every
    /// subject with its policy as resolved, as JSON (no proof).
    Resolve(resolve::ResolveArgs),
    /// cfn-policy-validator / tf-policy-validator's check, offline: does any policy of the
    /// template or plan grant more than the reference policy?
    CheckNoNewAccess(validators::NoNewAccessArgs),
    /// The validators' check, offline: does any policy grant one of these actions (on these
    /// resources)?
    CheckAccessNotGranted(validators::AccessNotGrantedArgs),
    /// The validators' check, offline: does any key policy grant public access?
    CheckNoPublicAccess(validators::ValidatorArgs),
    /// Who can do what with each key (what each identity policy grants on KMS keys), under
    /// which conditions: a complete list of findings, each with a witness request.
    Access(access::AccessArgs),
    /// List the controls, their severity and parameters.
    Controls {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Research runs: the controls over every policy file below DIR… in parallel, one JSON line
    /// per (file, control) with verdict and timings; `corpus compare` and `corpus plot` read runs.
    Corpus(corpus::CorpusArgs),
}

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::INPUT } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    // A panic is a bug: it ends the command with exit code 4, not Rust's 101.
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(cli.command))) {
        Ok(code) => code,
        Err(panic) => {
            let what = crate::model::error::panic_message(panic.as_ref());
            print::fail(crate::error::Error::Internal(format!("panic: {what}")))
        }
    }
}

fn run(command: Command) -> i32 {
    match command {
        Command::Eval(args) => eval::run(&args),
        Command::Prove(args) => prove::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Access(args) => access::run(&args),
        Command::Resolve(args) => resolve::run(&args),
        Command::CheckNoNewAccess(args) => validators::no_new_access(&args),
        Command::CheckAccessNotGranted(args) => validators::access_not_granted(&args),
        Command::CheckNoPublicAccess(args) => validators::no_public_access(&args),
        Command::Controls { format } => {
            match format {
                Format::Json => print::print_json(&crate::report::catalog::json()),
                Format::Text => print!("{}", crate::report::catalog::text()),
            }
            exit::OK
        }
        Command::Corpus(args) => corpus::run(&args),
    }
}
