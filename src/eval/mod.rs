//! The concrete evaluator: AWS's decision for one request under a set of policies, with an
//! explanation. This is the oracle of the project — every counterexample the solver produces
//! is replayed through it before it is reported — so it depends on nothing but the model.
//!
//! Decision logic (IAM User Guide, "Policy evaluation logic"; KMS Developer Guide, "Determining
//! access to a KMS key"):
//! 1. An applicable Deny statement in any policy → `ExplicitlyDenied`.
//! 2. Otherwise the request needs an allow from the principal's side and, when a key policy is
//!    in scope, from the key policy: a key-policy statement that names the principal (its ARN,
//!    a session ARN, a service, or `*`) grants directly; one that names only the principal's
//!    account delegates to IAM, so the account's identity policies must also allow. Cross-account
//!    requests always need both the key policy and the caller's identity policies. The account's
//!    root user is allowed by IAM implicitly.
//! 3. Permissions boundaries, SCPs and session policies, when given, must also allow.
//! 4. Anything else → `ImplicitlyDenied`.

pub mod condition;

use crate::model::policy::ResourcePattern;
use crate::model::principal::IdentityClass;
use crate::model::request::Context;
use crate::model::{Effect, Policy, Principal, PrincipalElement, PrincipalKind, PrincipalPattern, Request, Statement};
use condition::{arn_matches, eval_clause, template_matches, ClauseOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decision {
    Allowed,
    ExplicitlyDenied,
    ImplicitlyDenied,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Allowed => "Allowed",
            Decision::ExplicitlyDenied => "ExplicitlyDenied",
            Decision::ImplicitlyDenied => "ImplicitlyDenied",
        })
    }
}

/// The role a policy plays in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRole {
    Identity,
    KeyPolicy,
    Boundary,
    Scp,
    Session,
    /// KMS grants on the key (from ListGrants), as allow statements naming their grantee.
    Grant,
}

/// The policies in scope for one principal and one key.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Identity policies of the requesting principal (attached, inline, group).
    pub identity: Vec<Policy>,
    /// The key policy (resource policy) of the requested key.
    pub key_policy: Option<Policy>,
    /// Permissions boundaries of the principal (usually zero or one).
    pub boundaries: Vec<Policy>,
    /// SCPs that apply to the principal's account (one level: one of them must allow).
    pub scps: Vec<Policy>,
    /// Session policies of a role session or federated user.
    pub session: Vec<Policy>,
    /// The key's grants, each an Allow statement for its grantee, operations and constraints.
    /// A grant authorizes its grantee by itself (no key policy or IAM policy needed), still
    /// under explicit denies and SCPs (KMS Developer Guide, "Grants in AWS KMS").
    pub grants: Vec<Policy>,
    /// Key-policy analysis without the other accounts' IAM policies: a principal of another
    /// account counts as allowed by its own identity policies (its account may grant it
    /// anything), so the key policy alone decides what is exposed.
    pub external_identity_unknown: bool,
}

impl PolicySet {
    pub fn policies(&self) -> impl Iterator<Item = (PolicyRole, &Policy)> {
        self.identity
            .iter()
            .map(|p| (PolicyRole::Identity, p))
            .chain(self.key_policy.iter().map(|p| (PolicyRole::KeyPolicy, p)))
            .chain(self.boundaries.iter().map(|p| (PolicyRole::Boundary, p)))
            .chain(self.scps.iter().map(|p| (PolicyRole::Scp, p)))
            .chain(self.session.iter().map(|p| (PolicyRole::Session, p)))
            .chain(self.grants.iter().map(|p| (PolicyRole::Grant, p)))
    }
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

/// Why a statement did or did not apply.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementTrace {
    pub role: PolicyRole,
    pub policy: String,
    pub statement: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub path: String,
    pub effect: Effect,
    pub principal: PrincipalMatch,
    pub conditions: Vec<ClauseOutcome>,
    pub applies: bool,
}

/// A decision with its explanation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// Statements that apply to the request (principal, action, resource and condition match).
    pub matched: Vec<StatementTrace>,
    /// Statements whose principal, action and resource match but whose conditions fail.
    pub unmatched_conditions: Vec<StatementTrace>,
    /// The reasoning steps, in words.
    pub reasons: Vec<String>,
}

/// Does a Principal/NotPrincipal element cover the principal, and how? `has_boundary` says
/// whether the principal has a permissions boundary: AWS documents that a Deny statement with
/// NotPrincipal always applies to such principals, whatever NotPrincipal lists.
pub fn match_principal(el: &PrincipalElement, effect: Effect, p: &Principal, has_boundary: bool) -> PrincipalMatch {
    let ids = p.identities();
    if el.negated {
        if effect == Effect::Deny && has_boundary {
            return PrincipalMatch::Exact;
        }
        // NotPrincipal applies unless it names every identity the principal is checked as.
        let all_named = ids.iter().all(|i| el.patterns.iter().any(|pat| pat.matches(i)));
        return if all_named { PrincipalMatch::No } else { PrincipalMatch::Exact };
    }
    // `*` names every identity, the caller's own session included.
    if el.patterns.contains(&PrincipalPattern::Everyone) {
        return PrincipalMatch::Exact;
    }
    let best = ids.iter().filter(|i| el.patterns.iter().any(|pat| pat.matches(i))).map(|i| p.identity_class(i)).max();
    match best {
        Some(IdentityClass::Exact) => PrincipalMatch::Exact,
        Some(IdentityClass::Role) => PrincipalMatch::Role,
        Some(IdentityClass::Account) => PrincipalMatch::Account,
        None => PrincipalMatch::No,
    }
}

/// Does the Action/NotAction element cover the request's action?
pub fn action_matches(s: &Statement, action: &str, ctx: &Context) -> bool {
    let any = s.action.patterns.iter().any(|t| template_matches(t, action, ctx, true));
    any != s.action.negated
}

/// Does one Resource entry match the resource (segment-wise for ARN patterns)?
pub fn resource_pattern_matches(p: &ResourcePattern, resource: &str, ctx: &Context) -> bool {
    match p {
        ResourcePattern::Whole(t) => template_matches(t, resource, ctx, false),
        ResourcePattern::Arn(a) => arn_matches(a, resource, ctx),
    }
}

/// Does the Resource/NotResource element cover the request's resource? A statement without
/// either has no effect.
pub fn resource_matches(s: &Statement, resource: &str, ctx: &Context) -> bool {
    match &s.resource {
        None => false,
        Some(r) => {
            let any = r.patterns.iter().any(|p| resource_pattern_matches(p, resource, ctx));
            any != r.negated
        }
    }
}

/// Trace one statement against a request. `None` when principal, action or resource miss.
pub fn trace_statement(
    role: PolicyRole,
    policy: &Policy,
    s: &Statement,
    req: &Request,
    ctx: &Context,
    has_boundary: bool,
) -> Option<StatementTrace> {
    let principal = match (&s.principal, role) {
        (Some(el), _) => match_principal(el, s.effect, &req.principal, has_boundary),
        // A resource policy statement without a principal grants nobody (AWS rejects it).
        (None, PolicyRole::KeyPolicy) => PrincipalMatch::No,
        (None, _) => PrincipalMatch::Holder,
    };
    if principal == PrincipalMatch::No || !action_matches(s, &req.action, ctx) || !resource_matches(s, &req.resource, ctx) {
        return None;
    }
    let conditions: Vec<ClauseOutcome> = s.conditions.iter().map(|c| eval_clause(c, ctx)).collect();
    let applies = conditions.iter().all(|c| c.holds);
    Some(StatementTrace {
        role,
        policy: policy.name().to_string(),
        statement: s.index,
        sid: s.sid.clone(),
        path: s.path.clone(),
        effect: s.effect,
        principal,
        conditions,
        applies,
    })
}

/// AWS's decision for `req` under `set`.
pub fn evaluate(set: &PolicySet, req: &Request) -> Evaluation {
    let ctx = req.effective_context();
    let p = &req.principal;
    let has_boundary = role_applies(PolicyRole::Boundary, p) && !set.boundaries.is_empty();
    let mut matched = Vec::new();
    let mut unmatched_conditions = Vec::new();
    let mut reasons = Vec::new();
    for (role, policy) in set.policies() {
        if !role_applies(role, p) {
            continue;
        }
        for s in &policy.statements {
            if let Some(t) = trace_statement(role, policy, s, req, &ctx, has_boundary) {
                if t.applies {
                    matched.push(t);
                } else {
                    unmatched_conditions.push(t);
                }
            }
        }
    }
    if let Some(d) = matched.iter().find(|t| t.effect == Effect::Deny) {
        reasons.push(format!("statement {} of {} ({:?}) denies the request", d.statement, d.policy, d.role));
        return Evaluation { decision: Decision::ExplicitlyDenied, matched, unmatched_conditions, reasons };
    }
    let allowed = decide(set, req, &matched, &mut reasons);
    let decision = if allowed { Decision::Allowed } else { Decision::ImplicitlyDenied };
    Evaluation { decision, matched, unmatched_conditions, reasons }
}

/// The allow logic, once no Deny applies. `matched` holds the applicable statements.
fn decide(set: &PolicySet, req: &Request, matched: &[StatementTrace], reasons: &mut Vec<String>) -> bool {
    let p = &req.principal;
    let allows = |role: PolicyRole| matched.iter().any(|t| t.role == role && t.effect == Effect::Allow);
    let gate = |role: PolicyRole, list: &[Policy]| !role_applies(role, p) || list.is_empty() || allows(role);
    let scp_ok = gate(PolicyRole::Scp, &set.scps);
    let limits_ok = gate(PolicyRole::Boundary, &set.boundaries) && gate(PolicyRole::Session, &set.session);
    // The root user has every permission of its account without identity policies.
    let identity_ok = p.kind == PrincipalKind::Root || allows(PolicyRole::Identity);
    if !scp_ok {
        reasons.push("no service control policy allows the request".into());
    }
    if !limits_ok {
        reasons.push("the permissions boundary or session policy does not allow the request".into());
    }
    let granted = req.resource != "*"
        && matched.iter().any(|t| {
            t.role == PolicyRole::Grant && t.effect == Effect::Allow && matches!(t.principal, PrincipalMatch::Exact | PrincipalMatch::Role)
        });
    if granted && scp_ok {
        reasons.push("a grant on the key allows the request".into());
        return true;
    }
    let key_allows =
        |m: PrincipalMatch| matched.iter().any(|t| t.role == PolicyRole::KeyPolicy && t.effect == Effect::Allow && t.principal == m);
    match &set.key_policy {
        // A key policy governs requests on its key; resource-less actions (`*`) are IAM-only.
        Some(_) if req.resource != "*" => {
            let (exact, role, account) =
                (key_allows(PrincipalMatch::Exact), key_allows(PrincipalMatch::Role), key_allows(PrincipalMatch::Account));
            if !p.kind.in_account() {
                reasons.push(if exact {
                    "the key policy allows this principal".into()
                } else {
                    "the key policy does not allow this principal".into()
                });
                return exact;
            }
            let same_account = req.resource_account().as_deref() == Some(p.account.as_str());
            if same_account {
                if exact {
                    reasons.push("the key policy allows the caller directly".into());
                    return scp_ok;
                }
                if role {
                    reasons.push("the key policy allows the caller's role".into());
                    return scp_ok && limits_ok;
                }
                if account {
                    reasons.push(if identity_ok {
                        "the key policy delegates to the account and an identity policy allows the request".into()
                    } else {
                        "the key policy delegates to the account, but no identity policy allows the request".into()
                    });
                    return scp_ok && limits_ok && identity_ok;
                }
                reasons.push("the key policy neither allows the caller nor delegates to its account".into());
                false
            } else {
                let key_side = exact || role || account;
                reasons.push(format!(
                    "cross-account request: the key policy {} the caller and its identity policies {} the request",
                    if key_side { "allows" } else { "does not allow" },
                    if identity_ok { "allow" } else { "do not allow" }
                ));
                key_side && (identity_ok || set.external_identity_unknown) && scp_ok && limits_ok
            }
        }
        _ => {
            let ok = p.kind.in_account() && identity_ok;
            reasons.push(if ok { "an identity policy allows the request".into() } else { "no identity policy allows the request".into() });
            ok && scp_ok && limits_ok
        }
    }
}

/// Which policy roles govern a principal: identity policies, boundaries and session policies
/// belong to IAM users and roles; SCPs to every principal of a member account, root included.
pub fn role_applies(role: PolicyRole, p: &Principal) -> bool {
    match role {
        PolicyRole::KeyPolicy | PolicyRole::Grant => true,
        PolicyRole::Identity => p.kind.in_account() && p.kind != PrincipalKind::Root,
        PolicyRole::Boundary => matches!(p.kind, PrincipalKind::User | PrincipalKind::Role),
        PolicyRole::Session => matches!(p.kind, PrincipalKind::Role | PrincipalKind::FederatedUser),
        PolicyRole::Scp => p.kind.in_account(),
    }
}
