//! Sets of requests as plain data: what a property ranges over — which principals (a fixed one,
//! any of some kinds, fresh outsiders, principals outside an authorized list), which actions
//! (one, any of a list, an unlisted one, patterns), which resource (a fixed ARN, a key of an
//! account, possibly one the policies do not name, any resource) and which context
//! constraints. The twin of `request.rs` (one concrete request): properties and controls
//! describe their questions with these values, and the SMT encoder (`crate::smt::encode::request`)
//! turns them into terms.

use crate::model::condition::Clause;
use crate::model::policy::{ActionElement, ResourceElement};
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::template::{Syntax, Template};
use crate::model::value::Timestamp;

/// One request of a template.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub action: ActionSpec,
    pub resource: ResourceSpec,
    pub context: Vec<ContextSpec>,
}

impl RequestSpec {
    /// The spec with its requests made at instant `at` (`--at`), if one is given.
    pub fn made_at(&self, at: Option<crate::model::value::Timestamp>) -> RequestSpec {
        let mut r = self.clone();
        if let Some(t) = at {
            r.context.push(ContextSpec::At(t));
        }
        r
    }
}

/// Which principals a property ranges over.
#[derive(Debug, Clone)]
pub enum PrincipalSpec {
    /// Exactly this principal.
    Fixed(Principal),
    /// A symbolic principal.
    Any {
        kinds: Vec<PrincipalKind>,
        /// Its ARN, account and organization are not named values (an arbitrary outsider).
        fresh: bool,
        /// Its account is one of these (when given).
        accounts: Option<Vec<String>>,
        /// Its account is none of these.
        not_accounts: Vec<String>,
        /// It matches none of these ARN patterns (authorized principals).
        not_matching: Vec<String>,
        /// When non-empty, it matches one of these patterns.
        matching: Vec<String>,
    },
}

impl PrincipalSpec {
    pub fn any(kinds: &[PrincipalKind]) -> PrincipalSpec {
        PrincipalSpec::Any {
            kinds: kinds.to_vec(),
            fresh: false,
            accounts: None,
            not_accounts: vec![],
            not_matching: vec![],
            matching: vec![],
        }
    }

    /// A fresh principal of one of `kinds`: its ARN, account, organization and unique id are
    /// named nowhere in the policies (an arbitrary outsider).
    pub fn fresh(kinds: &[PrincipalKind]) -> PrincipalSpec {
        match PrincipalSpec::any(kinds) {
            PrincipalSpec::Any { kinds, accounts, not_accounts, not_matching, matching, .. } => {
                PrincipalSpec::Any { kinds, fresh: true, accounts, not_accounts, not_matching, matching }
            }
            fixed => fixed,
        }
    }

    /// Every kind of principal, anonymous and services included.
    pub fn anyone() -> PrincipalSpec {
        PrincipalSpec::any(&PrincipalKind::ALL)
    }

    /// The principals identity policies govern: IAM users, roles and federated users (not the
    /// root user).
    pub fn identity_holders() -> PrincipalSpec {
        PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser])
    }
}

/// Which actions a request may have.
#[derive(Debug, Clone)]
pub enum ActionSpec {
    One(String),
    /// One of these (display names), and optionally an unlisted action of `service` that is
    /// none of them.
    AnyOf {
        actions: Vec<String>,
        unlisted: Option<String>,
    },
    /// Exactly an action of `service` that is none of `named` (an action AWS may add later).
    Unlisted {
        service: String,
        named: Vec<String>,
    },
    /// Any action at all: every named one and a free one of any service.
    Any {
        named: Vec<String>,
    },
    /// An action matching one of these patterns (case-insensitive globs such as `kms:Re*`):
    /// the KMS catalog actions and literal actions that match, plus, when a pattern has a
    /// wildcard, a free action matching it (an action AWS may add later, or of another service).
    Patterns(Vec<String>),
}

impl ActionSpec {
    /// Named actions for `Patterns`: cataloged KMS actions matching a pattern, and the
    /// wildcard-free patterns themselves.
    pub fn expand(patterns: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        let parsed: Vec<_> = patterns
            .iter()
            .filter_map(|p| Template::parse(p, Syntax { wildcards: true, variables: false }).ok().and_then(|t| t.resolve(&|_| None)))
            .collect();
        for a in crate::model::catalog::KMS_ACTIONS.iter() {
            let full = a.full_name();
            let hit = parsed.iter().any(|r| r.matches(&full, true));
            if hit {
                out.push(full);
            }
        }
        for p in patterns {
            if !p.contains(['*', '?']) && !out.iter().any(|o| o.eq_ignore_ascii_case(p)) {
                out.push(p.clone());
            }
        }
        out
    }
}

/// Which resource a request addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    /// Exactly this resource string (a key ARN, `*`, …).
    Fixed(String),
    /// A key ARN `arn:P:kms:R:A:key/ID`; `account`/`region` fixed when given; with `arbitrary`
    /// the ARN is not a named value.
    Key { account: Option<String>, region: Option<String>, arbitrary: bool },
    /// Any resource string.
    Any,
}

/// A context constraint of a template.
#[derive(Debug, Clone)]
pub enum ContextSpec {
    Absent(String),
    /// Absent, or present with exactly this value (a boolean key that is not `true`: absent
    /// or `false`, the only values AWS sets).
    AbsentOr(String, String),
    NotEqual(String, String),
    Equal(String, String),
    /// Not an ARN (the key's value) whose account segment is this account.
    ArnAccountNotEqual(String, String),
    /// The request is made at this instant: `aws:CurrentTime` and `aws:EpochTime` are it
    /// (`--at TIME`; without it a request may be made at any time).
    At(Timestamp),
    /// The request satisfies this predicate (the cells of access findings).
    Holds(Predicate),
}

/// A predicate over one request, built from the policies' own vocabulary: the cells of access
/// findings (`crate::properties::access`) are conjunctions of these, and the question "is an
/// allowed request left outside every finding?" is their negated disjunction. The evaluator
/// decides one concretely (`crate::eval::predicate`), the encoder symbolically
/// (`crate::smt::encode::predicate`), each with the matchers it uses for statements.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Predicate {
    /// A condition clause holds, as in a statement's Condition block.
    Clause(Clause),
    /// The principal matches an authorized-principal pattern (an account id, an ARN glob that
    /// also covers a role's sessions, or a service principal name; `Principal::matches_spec_pattern`).
    Principal(String),
    /// The action is covered, as by a statement's Action element (case-insensitive globs).
    Action(ActionElement),
    /// The resource is covered, as by a statement's Resource element.
    Resource(ResourceElement),
    Not(Box<Predicate>),
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
}

impl Predicate {
    pub fn negate(p: Predicate) -> Predicate {
        Predicate::Not(Box::new(p))
    }

    /// The condition clauses the predicate reads (the encoder needs their keys' views).
    pub fn clauses(&self) -> Vec<&Clause> {
        match self {
            Predicate::Clause(c) => vec![c],
            Predicate::Principal(_) | Predicate::Action(_) | Predicate::Resource(_) => vec![],
            Predicate::Not(p) => p.clauses(),
            Predicate::And(ps) | Predicate::Or(ps) => ps.iter().flat_map(|p| p.clauses()).collect(),
        }
    }
}

impl ContextSpec {
    /// The context a request made at `t` carries: `aws:CurrentTime` (ISO 8601) and
    /// `aws:EpochTime` (seconds).
    pub fn time_context(t: Timestamp) -> [(&'static str, String); 2] {
        [("aws:CurrentTime", t.render()), ("aws:EpochTime", t.0.div_euclid(1000).to_string())]
    }
}
