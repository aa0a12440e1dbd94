//! Controls over identity policies: KMS.1 / KMS.2 (no blocked action on an arbitrary key),
//! CIS-KMS-STAR (not every cataloged KMS action; its `:unlisted` part: no future KMS action),
//! IAM-KMS-8 identity form (administration and usage not both). The policy is analysed alone,
//! as the only identity policy of a user or role it is attached to.

use crate::controls::finding::{from_checked, statements_for, Ctx, Finding, Status};
use crate::controls::subject::{IdentityOrigin, IdentitySubject};
use crate::model::catalog::{admin_actions, usage_actions, KMS_ACTIONS};
use crate::model::principal::{iam_path_name, is_account_id, PrincipalKind};
use crate::model::request_spec::RequestSpec;
use crate::model::request_spec::{ActionSpec, PrincipalSpec, ResourceSpec};
use crate::model::value::ArnParts;
use crate::model::Effect;
use crate::model::Policy;
use crate::model::PolicySet;
use crate::properties::queries::{every_action_allowed, exists_allowed, exists_allowed_pair, CoverageEnd};

/// Who holds the policy: the user or role an inline policy belongs to, a user of the group
/// an inline group policy belongs to, a user or role of the account a customer managed
/// policy belongs to, or any user or role for a policy file — and, wherever a user's policies
/// apply, the federated users a user of that account creates (GetFederationToken: a
/// federated user gets the permissions of the user that created it, its policies included).
pub(crate) fn holder(s: &IdentitySubject) -> PrincipalSpec {
    let account_of = |arn: &str| ArnParts::split(arn).map(|a| a.account.to_string()).filter(|a| is_account_id(a));
    let mut spec = PrincipalSpec::identity_holders();
    let PrincipalSpec::Any { kinds, accounts, matching, .. } = &mut spec else { return spec };
    match &s.origin {
        // A policy of several holders, or of one keyward cannot name: any identity holder.
        IdentityOrigin::Inline { holder } if holder.is_empty() => {}
        IdentityOrigin::Inline { holder } => {
            // The holder's ARN, or a pattern of it (`role/*NAME` when its path is unknown).
            let kind = iam_path_name(holder)
                .map(|(_, _, kind, _, _)| kind)
                .or_else(|| ArnParts::split(holder).and_then(|a| a.resource.split('/').next()));
            let account = account_of(holder);
            match kind {
                Some("role") => {
                    *kinds = vec![PrincipalKind::Role];
                    matching.push(holder.clone());
                }
                Some("user") => {
                    *kinds = vec![PrincipalKind::User, PrincipalKind::FederatedUser];
                    matching.push(holder.clone());
                    // The federated users of the account (one of them is this user's).
                    if let Some(a) = &account {
                        matching.push(format!("arn:aws:sts::{a}:federated-user/*"));
                    }
                }
                // A group: its users, and their federated users.
                _ => *kinds = vec![PrincipalKind::User, PrincipalKind::FederatedUser],
            }
            *accounts = account.map(|a| vec![a]);
        }
        IdentityOrigin::Managed { .. } => *accounts = account_of(&s.resource).map(|a| vec![a]),
        IdentityOrigin::File => {}
    }
    spec
}

fn set_of(policy: &Policy) -> PolicySet {
    PolicySet { identity: vec![policy.clone()], ..PolicySet::default() }
}

/// KMS.1: customer managed policies, unless `exclude_permission_boundaries` and the policy is a
/// permissions boundary.
pub fn kms1(s: &IdentitySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    if ctx.params.bool(&f.control, "exclude_permission_boundaries") == Some(true)
        && s.origin == (IdentityOrigin::Managed { boundary: true })
    {
        f.status = Status::NotApplicable;
        f.message = "the policy is used as a permissions boundary (exclude_permission_boundaries)".into();
        return f;
    }
    blocked_on_arbitrary_key(s, ctx, f)
}

/// KMS.2: inline policies.
pub fn kms2(s: &IdentitySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    blocked_on_arbitrary_key(s, ctx, f)
}

/// KMS.1 and KMS.2: no action of `blocked_actions` on a key the policy does not name.
fn blocked_on_arbitrary_key(s: &IdentitySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let id = f.control.clone();
    let id = id.as_str();
    let blocked = ctx.params.list(id, "blocked_actions").unwrap_or_else(|| vec!["kms:Decrypt".into(), "kms:ReEncryptFrom".into()]);
    if blocked.is_empty() {
        f.status = Status::Holds;
        f.message = "no blocked actions".into();
        return f;
    }
    let ignore = ctx.params.word(id, "conditions").as_deref() == Some("ignore");
    let mut policy = s.policy.clone();
    if ignore {
        // The AWS rule "doesn't take into account any conditionals": the most permissive
        // reading, where every conditional Allow holds and no conditional Deny applies.
        policy.statements.retain(|st| st.effect == Effect::Allow || st.conditions.is_empty());
        for st in &mut policy.statements {
            st.conditions.clear();
        }
    }
    let set = set_of(&policy);
    let req = RequestSpec {
        action: ActionSpec::Patterns(blocked.clone()),
        resource: ResourceSpec::Key { account: None, region: None, arbitrary: true },
        context: vec![],
    };
    let checked = exists_allowed(&set, &holder(s), &req, ctx.opts, &format!("{id}-{}", s.resource));
    let holds = format!("no action of {} is allowed on a key the policy does not name", blocked.join(", "));
    from_checked(f, checked, &set, &holds, |rs| match rs.first() {
        Some(r) => format!(
            "{} is allowed on {}, a key the policy does not name{}",
            r.action,
            r.resource,
            if ignore { " (conditions ignored)" } else { "" }
        ),
        None => "violated".into(),
    })
}

/// The cataloged KMS actions, those policies rarely grant first: outside the usage and read
/// families (computed once).
fn star_order() -> &'static [String] {
    static ORDER: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ORDER.get_or_init(|| {
        let usage = crate::model::catalog::usage_actions();
        let mut order: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
        order.sort_by_key(|a| (usage.contains(a) || a.contains(":Describe") || a.contains(":Get") || a.contains(":List"), a.clone()));
        order
    })
}

/// CIS-KMS-STAR: violated iff every cataloged KMS action is allowed on some resource. Actions
/// are tried rarest-first, so a policy that does not grant everything stops at the first action
/// it never allows (the holds evidence).
pub fn full_kms(s: &IdentitySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let set = set_of(&s.policy);
    let each = star_order()
        .iter()
        .map(|a| {
            // Resource-less actions are requested against `*` (CONTROLS.md).
            let unscoped = crate::model::catalog::lookup(a).is_some_and(|k| k.resource == crate::model::catalog::ResourceKind::Unscoped);
            let resource = if unscoped {
                ResourceSpec::Fixed("*".into())
            } else {
                ResourceSpec::Key { account: None, region: None, arbitrary: false }
            };
            (a.clone(), RequestSpec { action: ActionSpec::One(a.clone()), resource, context: vec![] })
        })
        .collect();
    let coverage = every_action_allowed(&set, &holder(s), each, ctx.opts, "CIS-KMS-STAR");
    for stats in &coverage.stats {
        f.timing.add(stats);
    }
    if let Some(why) = &coverage.why {
        f.add_explanation(why);
    }
    let witnesses = coverage.witnesses;
    match coverage.end {
        CoverageEnd::AllAllowed => {}
        CoverageEnd::NeverAllowed(a) => {
            f.status = Status::Holds;
            f.message = format!("{a} is never allowed, so the policy does not grant full KMS privileges");
            return f;
        }
        CoverageEnd::Unknown { action, reason } => {
            f.status = Status::Unknown;
            f.message = format!("unknown: {action}: {reason}");
            return f;
        }
        CoverageEnd::Error { action, error } => {
            f.status = Status::Error;
            f.message = format!("internal error (please report): {action}: {error}");
            return f;
        }
    }
    f.status = Status::Violated;
    f.message = format!("every one of the {} cataloged KMS actions is allowed (one witness request each)", star_order().len());
    f.statements = statements_for(&set, &witnesses);
    f.counterexample = witnesses;
    f
}

/// CIS-KMS-STAR:unlisted — an action AWS may add to KMS later is allowed.
pub fn unlisted(s: &IdentitySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    let set = set_of(&s.policy);
    // CONTROLS.md: `kms:*` and `kms:Re*` match an unlisted action, "an explicit list does not" —
    // so a literal action the policy lists (`kms:FooBar`, cataloged or not) is a named one.
    let mut named: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    for st in s.policy.statements.iter().filter(|st| !st.action.negated) {
        for lit in st.action.patterns.iter().filter_map(|t| t.as_literal()) {
            if lit.to_ascii_lowercase().starts_with("kms:") && !named.iter().any(|n| n.eq_ignore_ascii_case(&lit)) {
                named.push(lit);
            }
        }
    }
    let req = RequestSpec { action: ActionSpec::Unlisted { service: "kms".into(), named }, resource: ResourceSpec::Any, context: vec![] };
    let checked = exists_allowed(&set, &holder(s), &req, ctx.opts, &format!("CIS-KMS-STAR-unlisted-{}", s.resource));
    from_checked(f, checked, &set, "no KMS action outside the catalog is allowed", |rs| match rs.first() {
        Some(r) => format!(
            "{} — an action that is not in the KMS catalog, such as one AWS adds later — is allowed: the policy grants future KMS actions",
            r.action
        ),
        None => "violated".into(),
    })
}

pub fn separation(s: &IdentitySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    let set = set_of(&s.policy);
    let same_key = ctx.params.bool("IAM-KMS-8", "same_key").unwrap_or(true);
    let admin = ctx.params.list("IAM-KMS-8", "admin_actions").unwrap_or_else(admin_actions);
    let usage = ctx.params.list("IAM-KMS-8", "usage_actions").unwrap_or_else(usage_actions);
    let key = ResourceSpec::Key { account: None, region: None, arbitrary: false };
    let first = RequestSpec { action: ActionSpec::Patterns(admin), resource: key.clone(), context: vec![] };
    let second = RequestSpec { action: ActionSpec::Patterns(usage), resource: key, context: vec![] };
    let checked = exists_allowed_pair(&set, &holder(s), &first, &second, same_key, ctx.opts, &format!("IAM-KMS-8-{}", s.resource));
    from_checked(
        f,
        checked,
        &set,
        if same_key {
            "no key gets both an administration and a usage action"
        } else {
            "the policy does not grant both administration and usage actions"
        },
        |rs| {
            let lines: Vec<String> = rs.iter().map(crate::model::Request::to_json_line).collect();
            format!("the holder can both administer and use {}: {}", if same_key { "the same key" } else { "keys" }, lines.join(" and "))
        },
    )
}
