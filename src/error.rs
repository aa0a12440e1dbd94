//! The errors that stop a command, one enum per stage, each defined where the stage lives
//! (`policy::Diagnostics`, `controls::ParamError`, `properties::property_file::PropertyError`,
//! `corpus::CorpusError`, and `UsageError` here for the command line), and their exit codes.
//! Input and usage problems are the user's to fix: exit code 2. The errors of one query — a
//! solver that rejects the query text or contradicts z3 (`smt::SolverError`), a counterexample
//! the evaluator does not confirm (`properties::InternalError`), a pinned request the encoding
//! cannot decide (`smt::PinError`) — are results of that query (status `error`, exit code 4,
//! "please report"), never a verdict and never `unknown`.

use crate::controls::ParamError;
use crate::corpus::CorpusError;
use crate::exit::{INPUT, INTERNAL};
use crate::policy::Diagnostics;
use crate::properties::property_file::PropertyError;

/// A command-line option that cannot be used (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    #[error("access --diff takes two paths, OLD and NEW ({0} given)")]
    DiffPaths(usize),
    #[error("unknown control {0:?}; `keyward controls` lists them")]
    UnknownControl(String),
    #[error("--key-arn {arn} belongs to account {owner}, not --account {account}")]
    AccountMismatch { arn: String, owner: String, account: String },
    #[error("{0}")]
    Solver(String),
    #[error("{0}")]
    KeyArn(String),
    #[error("{0:?} is not an account id (12 digits)")]
    Account(String),
    #[error("--at {0:?} is not an instant: ISO 8601 (2026-12-01T09:00:00Z, 2026-12-01), epoch seconds, or now")]
    At(String),
    #[error("--max-time {0:?} is not a positive number of seconds")]
    MaxTime(String),
    #[error("{0:?} is not NAME=VALUE")]
    Pair(String),
    #[error("{0:?} is not a Region (us-east-1, eu-west-3, cn-north-1, …)")]
    Region(String),
    #[error("{0}")]
    Baseline(String),
    #[error("{0}")]
    TemplateConfiguration(String),
}

/// An error that stops a command before it has results (a usage or input error, exit code 2).
/// Internal errors of a query are results, not such errors: the query's status is `error` and
/// the command still finishes, with exit code 4 (`crate::exit`).
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Inputs that do not parse, with file, JSON path and line:column.
    #[error(transparent)]
    Input(#[from] Diagnostics),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Property(#[from] PropertyError),
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// keyward itself failed outside any query (a panic, caught).
    #[error("internal error (please report): {0}")]
    Internal(String),
}

impl Error {
    /// The exit code of a command that stops on this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Internal(_) => INTERNAL,
            Error::Input(_) | Error::Param(_) | Error::Property(_) | Error::Usage(_) | Error::Corpus(_) => INPUT,
        }
    }
}
