//! The crate's error type: one enum per stage, each defined where the stage lives, and how
//! each maps to an exit code. Input and usage problems (a malformed policy, value, parameter,
//! property file, option or corpus) are the user's to fix: exit code 2. Failures of keyward
//! itself (a solver that rejects the query text or contradicts z3, a counterexample the
//! evaluator does not confirm) are internal errors: exit code 4, "please report" — never a
//! verdict, and never `unknown`.

use crate::cli::args::UsageError;
use crate::controls::ParamError;
use crate::corpus::CorpusError;
use crate::model::error::ValueError;
use crate::policy::Diagnostics;
use crate::properties::property_file::PropertyError;
use crate::properties::InternalError;
use crate::smt::{PinError, SolverError};

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    /// Inputs that do not parse, with file, JSON path and line:column.
    #[error(transparent)]
    Input(#[from] Diagnostics),
    #[error(transparent)]
    Value(#[from] ValueError),
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error(transparent)]
    Property(#[from] PropertyError),
    #[error(transparent)]
    Usage(#[from] UsageError),
    #[error(transparent)]
    Corpus(#[from] CorpusError),
    /// The symbolic decision of a pinned request (differential tests).
    #[error(transparent)]
    Pin(#[from] PinError),
    #[error("internal error (please report): {0}")]
    Solver(#[from] SolverError),
    #[error("internal error (please report): {0}")]
    Internal(#[from] InternalError),
}

impl Error {
    /// The exit code of a command that stops on this error (`crate::cli::exit`).
    pub fn exit_code(&self) -> i32 {
        use crate::cli::exit::{INPUT, INTERNAL, UNKNOWN};
        match self {
            Error::Input(_) | Error::Value(_) | Error::Param(_) | Error::Property(_) | Error::Usage(_) | Error::Corpus(_) => INPUT,
            Error::Pin(PinError::Unknown(_) | PinError::Unsupported(_)) => UNKNOWN,
            Error::Pin(_) | Error::Solver(_) | Error::Internal(_) => INTERNAL,
        }
    }
}
