//! Values that do not parse: a principal, a pattern (template, policy variable, ARN pattern), a
//! condition operator, a condition value or a CIDR block, each with a message that names the
//! value and says what a well-formed one looks like. `crate::policy` turns them into
//! diagnostics at the value's file, JSON path and line:column.

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
