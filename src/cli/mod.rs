//! The command line (clap). Each subcommand parses its arguments, calls the library and maps
//! the outcome to the exit codes users' scripts rely on: 0 success (all hold / command done),
//! 1 a violation or an added permission, 2 usage or input error, 3 an unknown verdict.

mod check;
mod corpus;
mod diff;
mod eval_cmd;
mod inputs;
mod prove;

use clap::{Parser, Subcommand};

pub const EXIT_OK: i32 = 0;
pub const EXIT_VIOLATED: i32 = 1;
pub const EXIT_INPUT: i32 = 2;
pub const EXIT_UNKNOWN: i32 = 3;

#[derive(Debug, Parser)]
#[command(name = "keyward", version, about = "Prove security properties of AWS IAM and KMS key policies with an SMT solver")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Decide one concrete request under a set of policies, and explain the decision.
    Eval(eval_cmd::EvalArgs),
    /// Prove a property file (forbidden or required access) over policies.
    Prove(prove::ProveArgs),
    /// Does NEW grant anything OLD did not? Counterexamples both ways.
    Diff(diff::DiffArgs),
    /// Prove the controls (KMS.1–4, CIS, IAM-KMS-1..8, best practices) on policy files,
    /// folders and account snapshots.
    Check(check::CheckArgs),
    /// List the controls, their severity and parameters.
    Controls {
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Research runs: the controls over every policy file below DIR… in parallel, one JSON line
    /// per (file, control) with verdict and timings; `corpus compare` and `corpus plot` read runs.
    Corpus(corpus::CorpusArgs),
}

/// Which controls run on which reading of the inputs: the options `check` and `corpus` share.
#[derive(Debug, Clone, clap::Args)]
pub struct SelectArgs {
    /// Run only these controls (repeatable; `CIS-KMS-EXPOSED` selects both parts; default:
    /// every control that applies).
    #[arg(long = "control", value_name = "ID")]
    pub controls: Vec<String>,
    /// Read policy files as identity or key policies (default: a policy with Principal
    /// elements is a key policy).
    #[arg(long, value_enum)]
    pub kind: Option<crate::inputs::Kind>,
    /// The key a key-policy file belongs to (default: a placeholder key of --account).
    #[arg(long = "key-arn")]
    pub key_arn: Option<String>,
    /// The owner account of key-policy files given without --key-arn.
    #[arg(long, default_value = "111122223333")]
    pub account: String,
    /// A control parameter, `CONTROL.name=value` (lists comma-separated).
    #[arg(long = "param", value_name = "CONTROL.NAME=VALUE")]
    pub params: Vec<String>,
}

impl SelectArgs {
    /// The `--param` values.
    pub fn params(&self) -> Result<crate::controls::Params, String> {
        let mut params = crate::controls::Params::default();
        for p in &self.params {
            params.set_cli(p)?;
        }
        Ok(params)
    }

    /// The `--param` values, then the parameters of the configuration file `config` when given
    /// (keyward.toml: `enabled`, shorthands, `[params.…]`, `[[ignore]]`).
    pub fn params_with_config(&self, config: Option<&std::path::Path>) -> Result<crate::controls::Params, String> {
        let mut params = self.params()?;
        if let Some(c) = config {
            let text = std::fs::read_to_string(c).map_err(|e| format!("{}: {e}", c.display()))?;
            params.load_config(&c.display().to_string(), &text)?;
        }
        Ok(params)
    }

    /// The controls to run: the `--control` values, else the configuration's `enabled` list
    /// (empty: every control that applies).
    pub fn selected(&self, params: &crate::controls::Params) -> Vec<String> {
        if self.controls.is_empty() {
            params.enabled.clone().unwrap_or_default()
        } else {
            self.controls.clone()
        }
    }

    /// Every `--control` names a control of the catalog.
    pub fn check_controls(&self) -> Result<(), String> {
        match self.controls.iter().find(|c| !crate::controls::CONTROLS.iter().any(|k| crate::controls::selects(c, k.id))) {
            Some(c) => Err(format!("unknown control {c:?}; `keyward controls` lists them")),
            None => Ok(()),
        }
    }

    pub fn load_options(&self) -> crate::inputs::LoadOptions {
        crate::inputs::LoadOptions { kind: self.kind, key_arn: self.key_arn.clone(), account: self.account.clone() }
    }
}

/// Solver options shared by the commands that prove.
#[derive(Debug, Clone, clap::Args)]
pub struct SolverArgs {
    /// Timeout of each solver call, in milliseconds.
    #[arg(long = "timeout-ms", default_value_t = 10_000)]
    pub timeout_ms: u64,
    /// Write the SMT-LIB2 of every query to this folder (loadable by z3 and cvc5).
    #[arg(long = "dump-smt", value_name = "DIR")]
    pub dump_smt: Option<std::path::PathBuf>,
    /// `z3` (in process) or `smtlib:"CMD ARGS"` (an external solver reading SMT-LIB2 on stdin;
    /// counterexamples still come from the in-process z3).
    #[arg(long, default_value = "z3", value_parser = parse_solver)]
    pub solver: crate::smt::Backend,
    /// `default`, or `baseline` (ablation): the textbook whole-string encoding — action and
    /// resource as single strings, a regular expression for every wildcard, no unit
    /// propagation, no concrete witnesses, every axiom eager — to measure what the default
    /// encoding gains. Verdicts are the same; the baseline is much slower.
    #[arg(long, value_enum, default_value = "default")]
    pub encoding: crate::smt::Encoding,
}

impl SolverArgs {
    pub fn options(&self) -> crate::smt::SolverOptions {
        crate::smt::SolverOptions {
            timeout: std::time::Duration::from_millis(self.timeout_ms),
            backend: self.solver.clone(),
            dump_dir: self.dump_smt.clone(),
            encoding: self.encoding,
        }
    }
}

fn parse_solver(s: &str) -> Result<crate::smt::Backend, String> {
    if s == "z3" {
        return Ok(crate::smt::Backend::Z3);
    }
    match s.strip_prefix("smtlib:") {
        Some(cmd) => {
            let words: Vec<String> = cmd.split_whitespace().map(str::to_string).collect();
            if words.is_empty() {
                Err("smtlib: needs a command, e.g. smtlib:\"z3 -in\"".into())
            } else {
                Ok(crate::smt::Backend::External(words))
            }
        }
        None => Err(format!("unknown solver {s:?}: use z3 or smtlib:\"CMD ARGS\"")),
    }
}

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INPUT } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Eval(args) => eval_cmd::run(&args),
        Command::Prove(args) => prove::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Controls { format } => check::list(format == Format::Json),
        Command::Corpus(args) => corpus::run(&args),
    }
}
