//! The syntactic best-practice lints (no solver): BP-DENY-NOTPRINCIPAL (a Deny statement with
//! NotPrincipal, in identity and key policies) and BP-KMS-STAR-KEYPOLICY (a key-policy
//! statement granting `kms:*` to a principal other than the owner account root).

use crate::controls::finding::{Ctx, Finding, Status};
use crate::controls::key::owner_root;
use crate::controls::subject::{IdentitySubject, KeySubject};
use crate::eval::explain::statement_ref;
use crate::model::{Effect, Policy, PolicyRole, PrincipalPattern};

/// BP-DENY-NOTPRINCIPAL on an identity policy.
pub fn deny_not_principal_identity(s: &IdentitySubject, _ctx: &Ctx<'_>, f: Finding) -> Finding {
    deny_not_principal(&s.policy, f)
}

/// BP-DENY-NOTPRINCIPAL on a key policy.
pub fn deny_not_principal_key(k: &KeySubject, _ctx: &Ctx<'_>, f: Finding) -> Finding {
    match &k.policy {
        Some(p) => deny_not_principal(p, f),
        None => Finding { status: Status::NotApplicable, message: "the key has no key policy".into(), ..f },
    }
}

/// BP-DENY-NOTPRINCIPAL: Deny with NotPrincipal (syntactic).
fn deny_not_principal(p: &Policy, mut f: Finding) -> Finding {
    let role = if p.has_principals() { PolicyRole::KeyPolicy } else { PolicyRole::Identity };
    let bad: Vec<_> = p.statements.iter().filter(|s| s.effect == Effect::Deny && s.principal.as_ref().is_some_and(|e| e.negated)).collect();
    if bad.is_empty() {
        f.status = Status::Holds;
        f.message = "no Deny statement uses NotPrincipal".into();
    } else {
        f.status = Status::Violated;
        f.message = format!("Deny with NotPrincipal in statement {}", bad.iter().map(|s| s.label()).collect::<Vec<_>>().join(", "));
        f.statements = bad.iter().map(|s| statement_ref(p, role, s)).collect();
    }
    f
}

/// BP-KMS-STAR-KEYPOLICY: a statement allows `kms:*` (or `*`) to a principal other than the
/// owner root (syntactic).
pub fn star_in_key_policy(k: &KeySubject, _ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let Some(p) = &k.policy else { return Finding { status: Status::NotApplicable, message: "the key has no key policy".into(), ..f } };
    let root_arn = owner_root(k).arn;
    let is_owner_root = |pat: &PrincipalPattern| match pat {
        PrincipalPattern::Account(a) => *a == k.owner,
        PrincipalPattern::Arn(a) => *a == root_arn,
        _ => false,
    };
    let bad: Vec<_> = p
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Allow
                && !s.action.negated
                && s.action.patterns.iter().any(|t| matches!(t.raw().to_ascii_lowercase().as_str(), "*" | "kms:*"))
        })
        .filter(|s| s.principal.as_ref().is_some_and(|e| e.negated || e.patterns.iter().any(|pat| !is_owner_root(pat))))
        .collect();
    if bad.is_empty() {
        f.status = Status::Holds;
        f.message = "kms:* is granted to the owner account root only".into();
    } else {
        f.status = Status::Violated;
        f.message = format!(
            "kms:* is granted to principals other than the owner root in statement {}",
            bad.iter().map(|s| s.label()).collect::<Vec<_>>().join(", ")
        );
        f.statements = bad.iter().map(|s| statement_ref(p, PolicyRole::KeyPolicy, s)).collect();
    }
    f
}
