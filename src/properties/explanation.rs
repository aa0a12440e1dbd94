//! What an explanation of a *holds* verdict is (`crate::properties::why` computes it): the
//! levers it keeps, each named for people with its statement and element, and whether it was
//! found, unknown or failed. Plain data, carried by every query answer (`Checked::why`).

use crate::eval::explain::StatementRef;
use crate::model::lever::Lever;

/// One lever of an explanation, named for people.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reason {
    /// For an added access (`new` grants nothing `old` did not): `granting` for a lever of
    /// `new`, `compared` for one of `old`; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    pub statement: StatementRef,
    /// `statement` (a statement that must stay), or the element that must stay as written:
    /// `principal`, `action`, `resource`, `condition`.
    pub part: &'static str,
    /// The element as the statement spells it (`its NotPrincipal`, `its Condition
    /// StringEquals aws:PrincipalOrgID`), or `the statement`.
    pub element: String,
    /// The sentence of a report: what the lever does for the property.
    pub text: String,
    #[serde(skip)]
    pub lever: Lever,
}

/// The explanation of one *holds* verdict.
#[derive(Debug, Clone)]
pub enum WhyAnswer {
    /// The levers that make it hold, confirmed; `minimal` unless a drop was unknown.
    Because { reasons: Vec<Reason>, minimal: bool },
    /// The solver could not answer a step (the reason).
    Unknown(String),
    /// keyward contradicted itself: to report.
    Error(String),
}

/// An explanation with what it cost.
#[derive(Debug, Clone)]
pub struct Why {
    pub answer: WhyAnswer,
    /// Questions asked again on weakened policy sets (confirmation and minimisation).
    pub checks: usize,
    pub ms: f64,
}
