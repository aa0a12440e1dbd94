//! A policy document after validation: Version, Id and an ordered list of statements, each with
//! its Effect, Principal/NotPrincipal, Action/NotAction, Resource/NotResource and Condition.
//! Every statement keeps its JSON path and source span so findings can point at it.

use crate::model::condition::{ArnPattern, Clause};
use crate::model::principal::{IdentityClass, Principal, PrincipalPattern};
use crate::model::source::{Source, Span};
use crate::model::template::Template;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    V2012_10_17,
    V2008_10_17,
    /// No Version element: AWS evaluates the policy with the 2008-10-17 rules.
    Absent,
}

impl Version {
    /// Policy variables are recognised only under 2012-10-17.
    pub fn variables(self) -> bool {
        self == Version::V2012_10_17
    }

    pub fn name(self) -> Option<&'static str> {
        match self {
            Version::V2012_10_17 => Some("2012-10-17"),
            Version::V2008_10_17 => Some("2008-10-17"),
            Version::Absent => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// Principal (`negated = false`) or NotPrincipal (`negated = true`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PrincipalElement {
    pub negated: bool,
    pub patterns: Vec<PrincipalPattern>,
}

/// How a statement's Principal element relates to the request principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalMatch {
    /// A policy without Principal elements: it applies to the principal that holds it.
    Holder,
    /// The statement names the caller itself (its user, session or federated-user ARN, its
    /// service, or everyone).
    Exact,
    /// The statement names the role of the calling session.
    Role,
    /// The statement names only the principal's account (delegation to IAM).
    Account,
    No,
}

impl PrincipalElement {
    /// Does a Principal/NotPrincipal element cover the principal, and how? `has_boundary` says
    /// whether the principal has a permissions boundary: AWS documents that a Deny statement with
    /// NotPrincipal always applies to such principals, whatever NotPrincipal lists.
    pub fn matches(&self, effect: Effect, p: &Principal, has_boundary: bool) -> PrincipalMatch {
        let el = self;
        let ids = p.identities();
        // `{"AWS": "*"}` covers service principals and anonymous callers where that allows
        // more: in an Allow's Principal and in a Deny's NotPrincipal.
        let unsigned_too = self.any_aws_covers_unsigned(effect);
        if el.negated {
            if effect == Effect::Deny && has_boundary {
                return PrincipalMatch::Exact;
            }
            // NotPrincipal applies unless it names every identity the principal is checked as.
            let all_named = ids.iter().all(|i| el.patterns.iter().any(|pat| pat.matches(i, unsigned_too)));
            return if all_named { PrincipalMatch::No } else { PrincipalMatch::Exact };
        }
        // `*` names every identity, the caller's own session included; `{"AWS": "*"}` every
        // identity of an IAM principal.
        let any_aws = el.patterns.contains(&PrincipalPattern::AnyAws) && (p.kind.in_account() || unsigned_too);
        if el.patterns.contains(&PrincipalPattern::Everyone) || any_aws {
            return PrincipalMatch::Exact;
        }
        let best = ids.iter().filter(|i| el.patterns.iter().any(|pat| pat.matches(i, unsigned_too))).map(|i| p.identity_class(i)).max();
        match best {
            Some(IdentityClass::Exact) => PrincipalMatch::Exact,
            Some(IdentityClass::Role) => PrincipalMatch::Role,
            Some(IdentityClass::Account) => PrincipalMatch::Account,
            None => PrincipalMatch::No,
        }
    }
}

impl PrincipalElement {
    /// Does `{"AWS": "*"}` in this element also name service principals and anonymous callers?
    /// Where that allows more requests: an Allow's Principal, a Deny's NotPrincipal
    /// (CONTROLS.md: the reading that can add a false alarm but never a false "holds").
    pub fn any_aws_covers_unsigned(&self, effect: Effect) -> bool {
        (effect == Effect::Allow) != self.negated
    }
}

/// Action or NotAction. Patterns are `service:Name` globs compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActionElement {
    pub negated: bool,
    pub patterns: Vec<Template>,
}

/// Resource or NotResource. Patterns are case-sensitive, possibly with variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ResourceElement {
    pub negated: bool,
    pub patterns: Vec<ResourcePattern>,
}

/// One Resource entry. AWS matches resource ARNs segment by segment: a wildcard matches within
/// one of the six colon-separated segments and never across a colon (the sixth segment, the
/// resource part, keeps any further colons). `*` alone, and entries without ARN structure, are
/// matched against the whole resource string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourcePattern {
    Whole(Template),
    Arn(ArnPattern),
}

impl ResourcePattern {
    pub fn raw(&self) -> String {
        match self {
            ResourcePattern::Whole(t) => t.raw().to_string(),
            ResourcePattern::Arn(a) => a.raw(),
        }
    }

    pub fn templates(&self) -> Vec<&Template> {
        match self {
            ResourcePattern::Whole(t) => vec![t],
            ResourcePattern::Arn(a) => a.segments.iter().collect(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Statement {
    /// Position in the policy's Statement list (0-based).
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// Absent in identity policies.
    pub principal: Option<PrincipalElement>,
    pub action: ActionElement,
    /// Absent Resource and NotResource: the statement has no effect (KMS Developer Guide: "If the
    /// required Resource element is missing from a key policy statement, the policy statement
    /// has no effect"; IAM rejects identity policies without it).
    pub resource: Option<ResourceElement>,
    /// Clauses of the Condition block, ANDed.
    pub conditions: Vec<Clause>,
    /// `Statement[3]` (or `Statement` when the element is a single object).
    pub path: String,
    pub span: Span,
}

impl Statement {
    /// How findings name a statement: its Sid when it has one, else its index.
    pub fn label(&self) -> String {
        label_of(self.index, self.sid.as_deref())
    }
}

/// How findings name statement `index` with Sid `sid`: `#2 (Sid)`, or `#2`.
pub fn label_of(index: usize, sid: Option<&str>) -> String {
    match sid {
        Some(s) if !s.is_empty() => format!("#{index} ({s})"),
        _ => format!("#{index}"),
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Source,
    pub version: Version,
    pub id: Option<String>,
    pub statements: Vec<Statement>,
}

impl Policy {
    /// A policy with a Principal/NotPrincipal element in some statement is a resource policy.
    pub fn has_principals(&self) -> bool {
        self.statements.iter().any(|s| s.principal.is_some())
    }

    pub fn name(&self) -> &str {
        self.source.name()
    }
}
