//! The command line (clap). Each subcommand parses its arguments, calls the library and maps
//! the outcome to the exit codes users' scripts rely on: 0 success (all hold / command done),
//! 1 a violation or an added permission, 2 usage or input error, 3 an unknown verdict.

mod eval_cmd;

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
    }
}
