//! Values that do not parse: a principal, a pattern (template, policy variable, ARN pattern), a
//! condition operator, a condition value or a CIDR block, each with a message that names the
//! value and says what a well-formed one looks like. `crate::policy` turns them into
//! diagnostics at the value's file, JSON path and line:column. Also what a caught panic said,
//! for the places that turn one into an internal error.

/// A value of a policy, a request or a command-line option that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("{0}")]
    Principal(String),
    #[error("{0}")]
    Pattern(String),
    #[error("{0}")]
    Operator(String),
    #[error("{0}")]
    Condition(String),
    #[error("{0}")]
    Cidr(String),
}
/// The message of a caught panic (`std::panic::catch_unwind`, a joined thread): its text when
/// it has one, else empty.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload.downcast_ref::<String>().cloned().or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}
