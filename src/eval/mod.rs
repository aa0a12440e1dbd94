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
//!    requests always need both the key policy and the caller's identity policies, and succeed
//!    only for the operations KMS allows across accounts ("Cross-account use: Yes"). Operations
//!    that take no key (CreateKey, ListKeys, …) are decided by IAM alone. The account's root
//!    user is allowed by IAM implicitly.
//! 3. Permissions boundaries, SCPs and session policies, when given, must also allow.
//! 4. Anything else → `ImplicitlyDenied`.

pub mod condition;
pub mod explain;
pub mod predicate;

use crate::model::catalog;
use crate::model::policy::ResourcePattern;
use crate::model::request::Context;
use crate::model::{Decision, Effect, Policy, PolicyRole, PolicySet, PrincipalKind, PrincipalMatch, Request, Statement};
use condition::{arn_matches, eval_clause, template_matches, ClauseOutcome};

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
        (Some(el), _) => el.matches(s.effect, &req.principal, has_boundary),
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
    let has_boundary = PolicyRole::Boundary.governs(p) && !set.boundaries.is_empty();
    let mut matched = Vec::new();
    let mut unmatched_conditions = Vec::new();
    let mut reasons = Vec::new();
    for (role, policy) in set.policies() {
        if !role.governs(p) {
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
    let gate = |role: PolicyRole, list: &[Policy]| !role.governs(p) || list.is_empty() || allows(role);
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
    // A key policy and its grants govern requests on their key only: not `*`, and not the
    // cataloged operations that take no key (CreateKey, ListKeys, …), whatever resource a
    // request file gives them.
    let on_key = req.resource != "*" && catalog::takes_a_key(&req.action);
    let granted = on_key
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
        Some(_) if on_key => {
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
                // KMS refuses another account's principals for the operations whose API page
                // says "Cross-account use: No", whatever the key policy says.
                if !catalog::cross_account_allowed(&req.action) {
                    reasons.push(format!("{} cannot be performed by a principal of another account", req.action));
                    return false;
                }
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
