//! Controls over a key policy (with the key's grants): IAM-KMS-1 (and its lockout check),
//! IAM-KMS-2..5 and -7 (only authorized principals do destructive things), IAM-KMS-6 (grant
//! actions only through services), IAM-KMS-8 key form (separation of duties), and
//! CIS-KMS-EXPOSED public/external. The syntactic lints are in `lint.rs`.
//!
//! Key-policy-only analysis uses the key policy and grants alone: a statement naming the owner
//! account stands for "the account, delegated to IAM", whose only principal without identity
//! policies is the account root. With an account snapshot, the searches over principals are
//! repeated for each IAM principal of the owner account with its identity policies and
//! boundary, so delegation is resolved to the principals whose IAM policies also allow.

use crate::controls::finding::{from_checked, statements_for, verdict_of, Ctx, Finding, Status};
use crate::controls::subject::KeySubject;
use crate::model::catalog::{admin_actions, usage_actions, KMS_ACTIONS};
use crate::model::named::Named;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::request_spec::RequestSpec;
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, ResourceSpec};
use crate::model::value::Arn;
use crate::model::PolicySet;
use crate::model::{Effect, Request};
use crate::properties::queries::{exists_allowed, exists_allowed_pair};
use crate::properties::Checked;
use crate::properties::Verdict;

/// IAM-KMS-2: only authorized principals can delete imported key material.
pub fn delete_imported_key_material(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    only_authorized("kms:DeleteImportedKeyMaterial", k, ctx, f)
}

/// IAM-KMS-3: only authorized principals can schedule the key's deletion.
pub fn schedule_key_deletion(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    only_authorized("kms:ScheduleKeyDeletion", k, ctx, f)
}

/// IAM-KMS-4: only authorized principals can disable the key.
pub fn disable_key(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    only_authorized("kms:DisableKey", k, ctx, f)
}

/// IAM-KMS-5: only authorized principals can change the key policy.
pub fn put_key_policy(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    only_authorized("kms:PutKeyPolicy", k, ctx, f)
}

/// IAM-KMS-7: only authorized principals can disable the key's rotation.
pub fn disable_key_rotation(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    only_authorized("kms:DisableKeyRotation", k, ctx, f)
}

pub(crate) fn owner_root(k: &KeySubject) -> Principal {
    let partition = Arn::parse(&k.key_arn).map(|a| a.partition).unwrap_or_else(|| "aws".into());
    Principal::root(&partition, &k.owner)
}

/// A concrete principal matches an authorized-principal pattern (`Principal::matches_spec_pattern`).
pub fn matches_pattern(p: &Principal, pat: &str) -> bool {
    p.matches_spec_pattern(pat)
}

/// A search for an allowed request: over the key-only set with a symbolic principal, then, in
/// snapshot mode, once per IAM principal of the owner account that `keep` accepts. Returns the
/// first violation (or internal error) with the set it was found under, else the last unknown,
/// else the key-only answer. The figures of the queries whose answer is not returned are added
/// to `f`; the returned answer's are added where it is turned into the finding.
fn search(
    k: &KeySubject,
    who: &PrincipalSpec,
    keep: &dyn Fn(&Principal) -> bool,
    f: &mut Finding,
    query: &dyn Fn(&PolicySet, &PrincipalSpec) -> Checked,
) -> (Checked, PolicySet) {
    let settled = |c: &Checked| matches!(c.answer, Ok(Verdict::Violated(_)) | Err(_));
    let key_set = k.key_set();
    let mut answer = query(&key_set, who);
    let mut answer_set = key_set;
    if settled(&answer) {
        return (answer, answer_set);
    }
    for ap in k.principals.iter().flatten().filter(|ap| keep(&ap.principal)) {
        let set = PolicySet { identity: ap.identity.clone(), boundaries: ap.boundary.iter().cloned().collect(), ..k.key_set() };
        let r = query(&set, &PrincipalSpec::Fixed(ap.principal.clone()));
        let dropped = if settled(&r) || matches!(r.answer, Ok(Verdict::Unknown(_))) {
            answer_set = set;
            std::mem::replace(&mut answer, r)
        } else {
            r
        };
        if dropped.answer.is_ok() {
            f.timing.add(&dropped.stats);
            f.add_why(&dropped);
        }
        if settled(&answer) {
            break;
        }
    }
    (answer, answer_set)
}

fn principal_of(who: &[Request]) -> String {
    who.first().map(|r| r.principal.render()).unwrap_or_default()
}

fn only_authorized(action: &str, k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let id = f.control.clone();
    let id = id.as_str();
    let authorized = ctx.params.list(id, "authorized_principals").unwrap_or_else(|| vec![owner_root(k).arn]);
    let who = PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: false,
        accounts: None,
        not_accounts: vec![],
        not_matching: authorized.clone(),
        matching: vec![],
    };
    let req = RequestSpec { action: ActionSpec::One(action.into()), resource: ResourceSpec::Fixed(k.key_arn.clone()), context: vec![] };
    let keep = |p: &Principal| !authorized.iter().any(|a| matches_pattern(p, a));
    let label = format!("{id}-{}", k.key_arn);
    let (checked, set) = search(k, &who, &keep, &mut f, &|set, who| exists_allowed(set, who, &req, ctx.opts, &label));
    let holds = if authorized.is_empty() {
        format!("no principal can {action}")
    } else {
        format!("no principal other than {} can {action}", authorized.join(", "))
    };
    from_checked(f, checked, &set, &holds, |rs| format!("{} is not authorized but can {action} on the key", principal_of(rs)))
}

pub fn root_can_manage(k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let actions = ctx.params.list("IAM-KMS-1", "root_actions").unwrap_or_else(|| vec!["kms:PutKeyPolicy".into()]);
    let root = owner_root(k);
    let set = k.key_set();
    for a in &actions {
        let req = RequestSpec { action: ActionSpec::One(a.clone()), resource: ResourceSpec::Fixed(k.key_arn.clone()), context: vec![] };
        match verdict_of(
            &mut f,
            exists_allowed(&set, &PrincipalSpec::Fixed(root.clone()), &req, ctx.opts, &format!("IAM-KMS-1-{a}")),
            Some(a),
        ) {
            Some(Verdict::Violated(_)) => {}
            Some(Verdict::Holds) => {
                // No context lets the root do it: the evidence is the plain request and the
                // statements that decide it (a deny, or none that allows).
                let r = Request { principal: root.clone(), action: a.clone(), resource: k.key_arn.clone(), context: Default::default() };
                f.status = Status::Violated;
                f.statements = statements_for(&set, std::slice::from_ref(&r));
                f.message = if f.statements.iter().any(|s| s.effect == Effect::Deny) {
                    format!("the owner account root {} can never perform {a}: a Deny applies", root.arn)
                } else {
                    format!("the owner account root {} can never perform {a}: no statement allows it", root.arn)
                };
                f.counterexample = vec![r];
                return f;
            }
            Some(Verdict::Unknown(_)) | None => return f,
        }
    }
    f.status = Status::Holds;
    f.message = format!("the owner account root can perform {}", actions.join(", "));
    f
}

pub fn lockout(k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let req = RequestSpec {
        action: ActionSpec::One("kms:PutKeyPolicy".into()),
        resource: ResourceSpec::Fixed(k.key_arn.clone()),
        context: vec![],
    };
    let label = format!("IAM-KMS-1-lockout-{}", k.key_arn);
    let (checked, _) = search(k, &PrincipalSpec::anyone(), &|_| true, &mut f, &|set, who| exists_allowed(set, who, &req, ctx.opts, &label));
    match verdict_of(&mut f, checked, None) {
        Some(Verdict::Violated(cx)) => {
            f.status = Status::Holds;
            f.message = format!("{} can change the key policy", principal_of(&cx.requests));
        }
        Some(Verdict::Holds) => {
            f.status = Status::Violated;
            f.message = "lockout: no principal at all can kms:PutKeyPolicy, so the key policy can never be changed".into();
        }
        Some(Verdict::Unknown(_)) | None => {}
    }
    f
}

pub fn via_service(k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let actions = ctx
        .params
        .list("IAM-KMS-6", "service_actions")
        .unwrap_or_else(|| vec!["kms:CreateGrant".into(), "kms:ListGrants".into(), "kms:RevokeGrant".into()]);
    let exempt = ctx.params.list("IAM-KMS-6", "exempt_principals").unwrap_or_else(|| vec![owner_root(k).arn]);
    let scope = ctx.params.list("IAM-KMS-6", "service_principals").unwrap_or_default();
    if actions.is_empty() {
        f.status = Status::Holds;
        f.message = "no service actions".into();
        return f;
    }
    let who = PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: false,
        accounts: None,
        not_accounts: vec![],
        not_matching: exempt.clone(),
        matching: scope.clone(),
    };
    let req = RequestSpec {
        action: ActionSpec::Patterns(actions.clone()),
        resource: ResourceSpec::Fixed(k.key_arn.clone()),
        context: vec![
            ContextSpec::Absent("kms:ViaService".into()),
            ContextSpec::AbsentOr("kms:GrantIsForAWSResource".into(), "false".into()),
        ],
    };
    let keep =
        |p: &Principal| !exempt.iter().any(|a| matches_pattern(p, a)) && (scope.is_empty() || scope.iter().any(|a| matches_pattern(p, a)));
    let label = format!("IAM-KMS-6-{}", k.key_arn);
    let (checked, set) = search(k, &who, &keep, &mut f, &|set, who| exists_allowed(set, who, &req, ctx.opts, &label));
    from_checked(
        f,
        checked,
        &set,
        &format!("{} are only allowed through an AWS service (kms:ViaService or kms:GrantIsForAWSResource)", actions.join(", ")),
        |rs| {
            format!(
                "{} can call {} directly, not through an AWS service",
                principal_of(rs),
                rs.first().map(|r| r.action.as_str()).unwrap_or("")
            )
        },
    )
}

pub fn separation(k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let exempt = ctx.params.list("IAM-KMS-8", "exempt_principals").unwrap_or_else(|| vec![owner_root(k).arn]);
    let admin = ctx.params.list("IAM-KMS-8", "admin_actions").unwrap_or_else(admin_actions);
    let usage = ctx.params.list("IAM-KMS-8", "usage_actions").unwrap_or_else(usage_actions);
    let who = PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: false,
        accounts: None,
        not_accounts: vec![],
        not_matching: exempt.clone(),
        matching: vec![],
    };
    let key = ResourceSpec::Fixed(k.key_arn.clone());
    let first = RequestSpec { action: ActionSpec::Patterns(admin), resource: key.clone(), context: vec![] };
    let second = RequestSpec { action: ActionSpec::Patterns(usage), resource: key, context: vec![] };
    let keep = |p: &Principal| !exempt.iter().any(|a| matches_pattern(p, a));
    let label = format!("IAM-KMS-8-{}", k.key_arn);
    let (checked, set) = search(k, &who, &keep, &mut f, &|set, who| exists_allowed_pair(set, who, &first, &second, true, ctx.opts, &label));
    from_checked(f, checked, &set, "no principal outside the exempt ones can both administer and use the key", |rs| {
        let acts: Vec<&str> = rs.iter().map(|r| r.action.as_str()).collect();
        format!("{} can both administer and use the key ({})", principal_of(rs), acts.join(" and "))
    })
}

/// The callers that belong to an account (CONTROLS.md "Callers").
const IAM_PRINCIPALS: [PrincipalKind; 4] = [PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser];

/// Public: a fresh IAM principal — its account, organization, ARN and unique id named nowhere
/// in the policies — is allowed something on the key. Service principals are not fresh
/// principals (where a service acts for is the external question), and KMS accepts no
/// anonymous call.
pub fn public(k: &KeySubject, ctx: &Ctx<'_>, f: Finding) -> Finding {
    let set = k.key_set();
    let who = PrincipalSpec::fresh(&IAM_PRINCIPALS);
    // A fresh principal's network is not named either: aws:SourceVpce / aws:SourceVpc pinned
    // to a named endpoint or VPC make a statement non-public (CONTROLS.md).
    let named = Named::of(set.policies().map(|(_, p)| p));
    let mut context = Vec::new();
    let reads = |key: &str| {
        set.policies().any(|(_, p)| p.statements.iter().any(|s| s.conditions.iter().any(|c| c.key.name().eq_ignore_ascii_case(key))))
    };
    for key in ["aws:SourceVpce", "aws:SourceVpc"].into_iter().filter(|k| reads(k)) {
        for v in &named.values {
            context.push(ContextSpec::NotEqual(key.into(), v.clone()));
        }
    }
    let req = RequestSpec {
        action: ActionSpec::Any { named: KMS_ACTIONS.iter().map(|a| a.full_name()).collect() },
        resource: ResourceSpec::Fixed(k.key_arn.clone()),
        context,
    };
    let checked = exists_allowed(&set, &who, &req, ctx.opts, &format!("CIS-KMS-EXPOSED-public-{}", k.key_arn));
    from_checked(f, checked, &set, "no arbitrary IAM principal is allowed any action on the key", |rs| {
        let r = rs.first();
        format!(
            "an arbitrary principal ({}) is allowed {} on the key",
            r.map(|r| r.principal.render()).unwrap_or_default(),
            r.map(|r| r.action.as_str()).unwrap_or("")
        )
    })
}

/// Up to this many external accounts are listed as evidence.
const MAX_EXTERNAL: usize = 5;

/// External: a caller of an untrusted account (and organization) is allowed something on the
/// key. An IAM principal's account is its own; a service principal's is the account it acts for
/// (`aws:SourceAccount`, the account of `aws:SourceArn`, the organization `aws:SourceOrgID`): one
/// allowed without those pinned to trusted values can act for any account (the confused
/// deputy). The owner is always trusted.
pub fn external(k: &KeySubject, ctx: &Ctx<'_>, mut f: Finding) -> Finding {
    let set = k.key_set();
    let mut trusted = ctx.params.list("CIS-KMS-EXPOSED:external", "trusted_accounts").unwrap_or_default();
    if !trusted.contains(&k.owner) {
        trusted.insert(0, k.owner.clone());
    }
    let orgs = ctx.params.list("CIS-KMS-EXPOSED:external", "trusted_orgs").unwrap_or_default();
    let mut excluded = trusted.clone();
    let mut found: Vec<Request> = Vec::new();
    let any_action = || ActionSpec::Any { named: KMS_ACTIONS.iter().map(|a| a.full_name()).collect() };
    let req_ctx: Vec<ContextSpec> = orgs.iter().map(|o| ContextSpec::NotEqual("aws:PrincipalOrgID".into(), o.clone())).collect();
    let req = RequestSpec { action: any_action(), resource: ResourceSpec::Fixed(k.key_arn.clone()), context: req_ctx };
    loop {
        let who = PrincipalSpec::Any {
            kinds: IAM_PRINCIPALS.to_vec(),
            fresh: false,
            accounts: None,
            not_accounts: excluded.clone(),
            matching: vec![],
            not_matching: vec![],
        };
        let checked = exists_allowed(&set, &who, &req, ctx.opts, &format!("CIS-KMS-EXPOSED-external-{}", k.key_arn));
        match verdict_of(&mut f, checked, None) {
            Some(Verdict::Violated(cx)) => {
                let Some(r) = cx.requests.into_iter().next() else { break };
                excluded.push(r.principal.account.clone());
                found.push(r);
                if found.len() >= MAX_EXTERNAL {
                    break;
                }
            }
            Some(Verdict::Holds) => break,
            Some(Verdict::Unknown(_)) | None => return f,
        }
    }
    // A service principal acting for an account (or organization) that is not trusted.
    let mut deputy_ctx = Vec::new();
    for a in &trusted {
        deputy_ctx.push(ContextSpec::NotEqual("aws:SourceAccount".into(), a.clone()));
        deputy_ctx.push(ContextSpec::ArnAccountNotEqual("aws:SourceArn".into(), a.clone()));
    }
    for o in &orgs {
        deputy_ctx.push(ContextSpec::NotEqual("aws:SourceOrgID".into(), o.clone()));
    }
    let deputy_req = RequestSpec { action: any_action(), resource: ResourceSpec::Fixed(k.key_arn.clone()), context: deputy_ctx };
    let services = PrincipalSpec::any(&[PrincipalKind::Service]);
    let checked = exists_allowed(&set, &services, &deputy_req, ctx.opts, &format!("CIS-KMS-EXPOSED-external-service-{}", k.key_arn));
    let deputy = match verdict_of(&mut f, checked, None) {
        Some(Verdict::Violated(cx)) => cx.requests.into_iter().next(),
        Some(Verdict::Holds) => None,
        Some(Verdict::Unknown(_)) | None => return f,
    };
    if found.is_empty() && deputy.is_none() {
        f.status = Status::Holds;
        f.message = format!(
            "only principals of trusted accounts ({}){} have access, and services only on their behalf",
            trusted.join(", "),
            if orgs.is_empty() { String::new() } else { format!(" or organizations ({})", orgs.join(", ")) }
        );
        return f;
    }
    f.status = Status::Violated;
    let mut parts: Vec<String> =
        found.iter().map(|r| format!("{} ({} as {})", r.principal.account, r.action, r.principal.render())).collect();
    if let Some(r) = &deputy {
        let source = r
            .context
            .get(&crate::model::ContextKey::new("aws:SourceAccount"))
            .and_then(|v| v.first().cloned())
            .map(|a| format!("account {a}"))
            .unwrap_or_else(|| "any account (no trusted aws:SourceAccount, aws:SourceArn or aws:SourceOrgID is required)".into());
        parts.push(format!("{source} through the service principal {} ({})", r.principal.render(), r.action));
    }
    f.message = format!("principals of untrusted accounts have access: {}", parts.join("; "));
    found.extend(deputy);
    f.statements = statements_for(&set, &found);
    f.counterexample = found;
    f
}
