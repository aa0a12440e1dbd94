//! Relevance: can any Allow statement of a policy set apply to a request of a question at all?
//! When none can, no request of the question is allowed (AWS denies by default), so the
//! question *holds* without a query — the common case of a KMS control over a policy that
//! grants nothing in KMS (`s3:*`, `ec2:Describe*`), or of a key policy whose statements name
//! only principals the question leaves out (the owner account's root, delegated to IAM with no
//! identity policy that could allow). Every test is a "may": a statement counts unless its
//! Action element cannot match an action of the question, one of its conditions is false on
//! every context the question allows (a `Bool kms:GrantIsForAWSResource true` against "absent
//! or false"), or — in a key policy that governs the request — its Principal element names no
//! principal of the question that it would allow. A NotAction or NotPrincipal, a pattern with a
//! variable, a wildcard that may cover a free action, or a condition value with a variable all
//! count as "may apply", so the shortcut never turns a violation into "holds". A root user
//! needs no statement where no key policy governs the request and no service control policy
//! limits it (the evaluator's rule): then the question always goes on.

use crate::eval::condition::eval_clause;
use crate::model::catalog;
use crate::model::condition::{Clause, ConditionValue};
use crate::model::key::ContextKey;
use crate::model::policy::{ActionElement, Effect, PrincipalElement, PrincipalMatch, Statement};
use crate::model::principal::{Principal, PrincipalKind, PrincipalPattern};
use crate::model::request::Context;
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::template::{Resolved, Syntax, Template};
use crate::model::value::ArnParts;
use crate::model::PolicySet;

/// May a request of (`who`, `req`) be allowed by `set`: some Allow statement (one with a
/// Resource element) may apply to it — in a key policy that governs it, one that may also name
/// its principal — or the principal may be a root user, whom the evaluator allows everything in
/// its account without a statement when no service control policy limits it and no key policy
/// governs the request?
pub fn may_grant(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec) -> bool {
    let root = match who {
        PrincipalSpec::Fixed(p) => p.kind == PrincipalKind::Root,
        PrincipalSpec::Any { kinds, .. } => kinds.contains(&PrincipalKind::Root),
    };
    let on_a_key = set.key_policy.is_some()
        && match &req.resource {
            ResourceSpec::Key { .. } => true,
            ResourceSpec::Fixed(r) => r != "*",
            ResourceSpec::Any => false,
        };
    if root && set.scps.is_empty() && !on_a_key {
        return true;
    }
    let q = Question::new(req);
    let applies =
        |s: &Statement| s.effect == Effect::Allow && s.resource.is_some() && q.action_may_match(&s.action) && q.conditions_may_hold(s);
    if !set.policies().any(|(_, p)| p.statements.iter().any(applies)) {
        return false;
    }
    // A key policy decides a request on its key (grants aside): some statement of it must name
    // the principal, and one naming only its account needs an identity policy that allows too.
    if !(on_a_key && set.grants.is_empty() && q.every_action_takes_a_key()) {
        return true;
    }
    let identity_may = set.identity.iter().any(|p| p.statements.iter().any(applies));
    let side = KeySide {
        who,
        key: q.key_arn(),
        identity_may,
        external_unknown: set.external_identity_unknown,
        cross_account_possible: q.cross_account_possible(),
    };
    set.key_policy.iter().any(|p| p.statements.iter().any(|s| applies(s) && s.principal.as_ref().map_or(true, |el| side.may_name(el))))
}

/// The question's actions and context, prepared once.
struct Question<'a> {
    req: &'a RequestSpec,
    /// The cataloged actions of the question, lower case.
    named: Vec<String>,
    /// The question's own action patterns, lower case, parsed.
    patterns: Vec<(String, Option<Resolved>)>,
}

impl<'a> Question<'a> {
    fn new(req: &'a RequestSpec) -> Question<'a> {
        let named: Vec<String> = match &req.action {
            ActionSpec::One(a) => vec![a.to_ascii_lowercase()],
            ActionSpec::AnyOf { actions, .. } => actions.iter().map(|a| a.to_ascii_lowercase()).collect(),
            ActionSpec::Patterns(p) => ActionSpec::expand(p).iter().map(|a| a.to_ascii_lowercase()).collect(),
            ActionSpec::Unlisted { .. } | ActionSpec::Any { .. } => vec![],
        };
        let patterns = match &req.action {
            ActionSpec::Patterns(ps) => ps
                .iter()
                .map(|q| {
                    let q = q.to_ascii_lowercase();
                    let parsed = Template::parse(&q, Syntax { wildcards: true, variables: false }).ok().and_then(|t| t.resolve(&|_| None));
                    (q, parsed)
                })
                .collect(),
            _ => Vec::new(),
        };
        Question { req, named, patterns }
    }

    /// Does every action of the question take a key, so that a key policy governs it? An
    /// uncataloged action is assumed to (`catalog::takes_a_key`); a question over every
    /// action, or every unlisted one, may include CreateKey and the other key-less operations.
    fn every_action_takes_a_key(&self) -> bool {
        match &self.req.action {
            ActionSpec::One(_) | ActionSpec::AnyOf { .. } | ActionSpec::Patterns(_) => self.named.iter().all(|a| catalog::takes_a_key(a)),
            ActionSpec::Unlisted { .. } | ActionSpec::Any { .. } => false,
        }
    }

    /// May an action of the question be one KMS performs for another account's principal
    /// ("Cross-account use: Yes")? An uncataloged action, or one a wildcard may stand for, may.
    fn cross_account_possible(&self) -> bool {
        match &self.req.action {
            ActionSpec::One(a) => catalog::cross_account_allowed(a),
            ActionSpec::AnyOf { actions, unlisted } => unlisted.is_some() || actions.iter().any(|a| catalog::cross_account_allowed(a)),
            ActionSpec::Patterns(ps) => ps.iter().any(|p| p.contains(['*', '?']) || catalog::cross_account_allowed(p)),
            ActionSpec::Unlisted { .. } | ActionSpec::Any { .. } => true,
        }
    }

    /// The requested key's ARN when the question fixes it.
    fn key_arn(&self) -> Option<&'a str> {
        match &self.req.resource {
            ResourceSpec::Fixed(r) => Some(r.as_str()),
            _ => None,
        }
    }

    fn action_may_match(&self, el: &ActionElement) -> bool {
        let spec = &self.req.action;
        if el.negated || matches!(spec, ActionSpec::Any { .. }) {
            return true;
        }
        el.patterns.iter().any(|pat| {
            if pat.has_variables() {
                return true;
            }
            let Some(resolved) = pat.resolve(&|_| None) else { return true };
            if self.named.iter().any(|a| resolved.matches(a, true)) {
                return true;
            }
            let raw = pat.raw().to_ascii_lowercase();
            match spec {
                // The free action is only none of the question's own names: a wildcard of the
                // service, or a literal action of it that the question does not name (`kms:FooBar`).
                ActionSpec::AnyOf { unlisted: Some(svc), actions } | ActionSpec::Unlisted { service: svc, named: actions } => {
                    service_may_match(&raw, svc) && (pat.has_wildcards() || !actions.iter().any(|a| a.eq_ignore_ascii_case(&raw)))
                }
                // A free action matching a wildcard pattern of the question, or a literal action
                // of the statement that a pattern of the question matches.
                ActionSpec::Patterns(_) => self.patterns.iter().any(|(q, parsed)| match parsed {
                    Some(qr) if !pat.has_wildcards() => qr.matches(&raw, true),
                    Some(_) => q.contains(['*', '?']) && (!q.contains(':') || service_may_match(&raw, q.split(':').next().unwrap_or(""))),
                    None => true,
                }),
                _ => false,
            }
        })
    }

    /// May every condition of `s` hold on some context of the question? Only the question's
    /// own context specs are used: a clause on a key the question says is absent, absent or
    /// one value, or exactly one value, is evaluated on those contexts (the evaluator's rules
    /// for absent keys, IfExists, Null and the set operators); any other clause may hold.
    fn conditions_may_hold(&self, s: &Statement) -> bool {
        !s.conditions.iter().any(|c| self.req.context.iter().any(|spec| contradicts(spec, c)))
    }
}

/// Is `clause` false on every context `spec` allows? A value with a policy variable depends on
/// other keys of the request, so such a clause is never contradicted.
fn contradicts(spec: &ContextSpec, clause: &Clause) -> bool {
    let on = |key: &str| ContextKey::new(key) == clause.key;
    let false_with = |value: Option<&str>| {
        let mut ctx = Context::new();
        if let Some(v) = value {
            ctx.insert(clause.key.name(), vec![v.to_string()]);
        }
        !eval_clause(clause, &ctx).holds
    };
    let variables = clause.values.iter().any(|v| match v {
        ConditionValue::Str(t) => t.has_variables(),
        ConditionValue::Arn(a) => a.segments.iter().any(|t| t.has_variables()),
        _ => false,
    });
    match spec {
        ContextSpec::Absent(k) => on(k) && false_with(None),
        ContextSpec::AbsentOr(k, v) => on(k) && !variables && false_with(None) && false_with(Some(v)),
        ContextSpec::Equal(k, v) => on(k) && !variables && false_with(Some(v)),
        ContextSpec::NotEqual(..) | ContextSpec::ArnAccountNotEqual(..) | ContextSpec::At(_) | ContextSpec::Holds(_) => false,
    }
}

/// The principals of a question against the Principal elements of the key policy that governs
/// its requests (the evaluator's key-policy rule).
struct KeySide<'a> {
    who: &'a PrincipalSpec,
    key: Option<&'a str>,
    /// May an identity policy of the set allow a request of the question (delegation)?
    identity_may: bool,
    /// Another account's principals count as allowed by their own identity policies.
    external_unknown: bool,
    /// May an action of the question be performed for another account's principal at all?
    cross_account_possible: bool,
}

impl KeySide<'_> {
    /// May the statement's Principal element name a principal of the question in a way the
    /// evaluator lets allow: directly (its ARN, its role, a service, `*`), or through its
    /// account when it is that account's root, an identity policy may allow, or it belongs to
    /// another account whose identity policies are unknown?
    fn may_name(&self, el: &PrincipalElement) -> bool {
        if el.negated {
            return true;
        }
        let delegated = |account: &str, root: bool| root || self.identity_may || (self.external_unknown && self.cross_account(account));
        // KMS refuses another account's principals the operations that are not cross-account.
        let reachable = |account: &str| self.cross_account_possible || !self.other_account(account);
        match self.who {
            PrincipalSpec::Fixed(p) if p.kind.in_account() && !reachable(&p.account) => false,
            PrincipalSpec::Fixed(p) => match el.matches(Effect::Allow, p, false) {
                PrincipalMatch::No => false,
                PrincipalMatch::Account => delegated(&p.account, p.kind == PrincipalKind::Root),
                _ => true,
            },
            PrincipalSpec::Any { kinds, .. } => el.patterns.iter().any(|pat| match pat {
                PrincipalPattern::Everyone | PrincipalPattern::AnyAws => true,
                PrincipalPattern::Service(_) => kinds.contains(&PrincipalKind::Service),
                // Federated, canonical and unique-id entries name no caller.
                PrincipalPattern::Federated(_) | PrincipalPattern::Canonical(_) | PrincipalPattern::UniqueId(_) => false,
                PrincipalPattern::Account(a) => {
                    reachable(a)
                        && (self.partitions().iter().any(|part| self.admits(&Principal::root(part, a), true))
                            || (self.members_may_be_in(a) && delegated(a, false)))
                }
                PrincipalPattern::Arn(arn) => Principal::parse(arn).map_or(true, |p| reachable(&p.account)) && self.arn_may_be_in(arn),
            }),
        }
    }

    /// May `account` be another account than the key's (unknown key: it may)?
    fn cross_account(&self, account: &str) -> bool {
        self.key.and_then(ArnParts::split).map_or(true, |k| k.account != account)
    }

    /// Is `account` for sure another account than the key's?
    fn other_account(&self, account: &str) -> bool {
        self.key.and_then(ArnParts::split).is_some_and(|k| k.account != account)
    }

    /// The partitions the question's account principals may be in: the requested key's (the
    /// encoder's `same_partition`), or any.
    fn partitions(&self) -> Vec<&str> {
        match self.key.and_then(ArnParts::split).filter(|k| k.is_arn()) {
            Some(k) => vec![k.partition],
            None => vec!["aws", "aws-cn", "aws-us-gov"],
        }
    }

    /// Is `p` a principal of the question? `exact`: `p` stands for itself only (a root, a
    /// user), so the `matching` patterns can be tested on it; a stand-in for a role's sessions
    /// is never ruled out by them.
    fn admits(&self, p: &Principal, exact: bool) -> bool {
        let PrincipalSpec::Any { kinds, accounts, not_accounts, not_matching, matching, .. } = self.who else { return true };
        kinds.contains(&p.kind)
            && accounts.as_ref().map_or(true, |list| list.contains(&p.account))
            && !not_accounts.contains(&p.account)
            && !not_matching.iter().any(|m| p.matches_spec_pattern(m))
            && (!exact || matching.is_empty() || matching.iter().any(|m| p.matches_spec_pattern(m)))
    }

    /// May a principal of account `a` other than its root be one of the question's? Only the
    /// account-wide exclusions are read (an ARN pattern may leave out some of its principals,
    /// never all of them for sure).
    fn members_may_be_in(&self, a: &str) -> bool {
        let PrincipalSpec::Any { kinds, accounts, not_accounts, not_matching, .. } = self.who else { return true };
        kinds.iter().any(|k| matches!(k, PrincipalKind::User | PrincipalKind::Role | PrincipalKind::FederatedUser))
            && accounts.as_ref().map_or(true, |list| list.iter().any(|x| x == a))
            && !not_accounts.iter().any(|x| x == a)
            && !not_matching.iter().any(|x| x == a)
    }

    /// May the principal an ARN entry names (a user, a role's sessions, a session, a federated
    /// user) be one of the question's? A role stands in for all its sessions by its ARN, path
    /// included, which is what the question's patterns are matched against; a session ARN
    /// gives no path, so only its account is read.
    fn arn_may_be_in(&self, arn: &str) -> bool {
        let Ok(p) = Principal::parse(arn) else { return true };
        if arn.contains(":assumed-role/") {
            return self.members_may_be_in(&p.account);
        }
        match p.kind {
            PrincipalKind::Role => self.admits(&Principal { session: None, ..p }, false),
            _ => self.admits(&p, true),
        }
    }
}

/// May the service part of action pattern `raw` (lower case) name `service`? A pattern whose
/// wildcards reach before its colon may name any service.
fn service_may_match(raw: &str, service: &str) -> bool {
    let service = service.to_ascii_lowercase();
    match raw.split_once(':') {
        None => true,
        Some((svc, _)) if svc.contains(['*', '?']) => true,
        Some((svc, _)) => svc == service || service.contains(['*', '?']),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::principal::PrincipalKind;
    use crate::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
    use crate::model::PolicySet;
    use crate::policy::{parse_policy, Source};

    fn set(actions: &str, not: bool) -> PolicySet {
        let element = if not { "NotAction" } else { "Action" };
        let text = format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "{element}": {actions}, "Resource": "*"}}]}}"#);
        let policy = parse_policy(Source::new("p.json", &text)).expect("policy");
        PolicySet { identity: vec![policy], ..PolicySet::default() }
    }

    #[test]
    fn only_statements_that_cannot_match_any_action_of_the_question_are_irrelevant() {
        let users = PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role]);
        let may_grant = |set: &PolicySet, action: &ActionSpec| {
            super::may_grant(set, &users, &RequestSpec { action: action.clone(), resource: ResourceSpec::Any, context: vec![] })
        };
        let decrypt = ActionSpec::One("kms:Decrypt".into());
        let unlisted = ActionSpec::Unlisted { service: "kms".into(), named: vec!["kms:Decrypt".into()] };
        let pats = ActionSpec::Patterns(vec!["kms:Re*".into()]);
        assert!(!may_grant(&set(r#"["s3:*", "ec2:Describe*"]"#, false), &decrypt));
        assert!(!may_grant(&set(r#"["s3:*"]"#, false), &unlisted));
        assert!(!may_grant(&set(r#"["kms:Decrypt"]"#, false), &unlisted));
        assert!(may_grant(&set(r#"["kms:FooBar"]"#, false), &unlisted), "an uncataloged literal is a free action");
        assert!(!may_grant(&set(r#"["kms:Encrypt", "s3:Re*"]"#, false), &pats));
        // May match: NotAction, `*`, a service wildcard, a case-insensitive literal, a
        // wildcard of the service for a free action, a literal a pattern of the question covers.
        assert!(may_grant(&set(r#"["s3:*"]"#, true), &decrypt));
        assert!(may_grant(&set(r#""*""#, false), &decrypt));
        assert!(may_grant(&set(r#"["*:Decrypt"]"#, false), &decrypt));
        assert!(may_grant(&set(r#"["KMS:decrypt"]"#, false), &decrypt));
        assert!(may_grant(&set(r#"["kms:Get*"]"#, false), &unlisted));
        assert!(may_grant(&set(r#"["kms:ReEncryptNew"]"#, false), &pats));
        assert!(may_grant(&set(r#"["kms:R*"]"#, false), &pats));
        assert!(may_grant(&set(r#"["s3:*"]"#, false), &ActionSpec::Any { named: vec![] }));
    }

    /// The evaluator lets a root user do anything in its account when no key policy governs
    /// the request and no SCP limits it: no statement needed, so no shortcut.
    #[test]
    fn a_root_user_needs_no_statement_without_a_key_policy() {
        let req = RequestSpec { action: ActionSpec::One("kms:Decrypt".into()), resource: ResourceSpec::Any, context: vec![] };
        let users = PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role]);
        let s3 = set(r#"["s3:*"]"#, false);
        assert!(!super::may_grant(&s3, &users, &req));
        assert!(super::may_grant(&s3, &PrincipalSpec::anyone(), &req));
        assert!(super::may_grant(&PolicySet::default(), &PrincipalSpec::anyone(), &req));
    }

    fn key_set(key_policy: &str, identity: Option<&str>) -> PolicySet {
        let parse = |name: &str, text: &str| parse_policy(Source::new(name, text)).expect("policy");
        PolicySet {
            key_policy: Some(parse("key.json", key_policy)),
            identity: identity.map(|t| parse("id.json", t)).into_iter().collect(),
            ..PolicySet::default()
        }
    }

    /// IAM-KMS-6 and -8 over a key policy that delegates to the owner account only: the owner's
    /// root is left out, its other principals need an identity policy that allows, and the
    /// statements' conditions may rule out the question's context.
    #[test]
    fn a_key_policy_statement_counts_only_if_it_may_name_a_principal_of_the_question() {
        use crate::model::request_spec::ContextSpec;
        let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let outside = |pats: &[&str]| PrincipalSpec::Any {
            kinds: PrincipalKind::ALL.to_vec(),
            fresh: false,
            accounts: None,
            not_accounts: vec![],
            not_matching: pats.iter().map(|p| p.to_string()).collect(),
            matching: vec![],
        };
        let owner_root = outside(&["arn:aws:iam::111122223333:root"]);
        let req = |ctx: Vec<ContextSpec>| RequestSpec {
            action: ActionSpec::Patterns(vec!["kms:CreateGrant".into()]),
            resource: ResourceSpec::Fixed(key.into()),
            context: ctx,
        };
        let stmt = |principal: &str, cond: &str| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {principal}, "Action": "kms:*", "Resource": "*"{cond}}}]}}"#
            )
        };
        let may =
            |kp: &str, id: Option<&str>, who: &PrincipalSpec, ctx: Vec<ContextSpec>| super::may_grant(&key_set(kp, id), who, &req(ctx));
        let root = stmt(r#"{"AWS": "arn:aws:iam::111122223333:root"}"#, "");
        let allow_id = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*"}]}"#;
        assert!(!may(&root, None, &owner_root, vec![]), "delegation with no identity policy grants the owner's principals nothing");
        assert!(may(&root, Some(allow_id), &owner_root, vec![]), "an identity policy may allow a delegated principal");
        assert!(may(&root, None, &PrincipalSpec::anyone(), vec![]), "the owner's root itself");
        let mut external = key_set(&stmt(r#"{"AWS": "444455556666"}"#, ""), None);
        assert!(super::may_grant(&external, &owner_root, &req(vec![])), "another account's principals, its IAM unknown, may be allowed");
        external.external_identity_unknown = false;
        external.key_policy = key_set(&stmt(r#"{"AWS": "arn:aws:iam::111122223333:user/u"}"#, ""), None).key_policy;
        assert!(super::may_grant(&external, &owner_root, &req(vec![])), "a user the key policy names is allowed directly");
        assert!(!may(&stmt(r#"{"AWS": "arn:aws:iam::111122223333:user/u"}"#, ""), None, &outside(&["111122223333"]), vec![]));
        assert!(!may(
            &stmt(r#"{"AWS": "arn:aws:iam::111122223333:role/r"}"#, ""),
            None,
            &outside(&["arn:aws:iam::111122223333:role/r"]),
            vec![]
        ));
        assert!(may(
            &stmt(r#"{"AWS": "arn:aws:iam::111122223333:role/r"}"#, ""),
            None,
            &outside(&["arn:aws:iam::111122223333:role/other"]),
            vec![]
        ));
        assert!(!may(&stmt(r#"{"Federated": "accounts.google.com"}"#, ""), None, &owner_root, vec![]));
        assert!(may(&stmt(r#"{"Service": "logs.amazonaws.com"}"#, ""), None, &owner_root, vec![]));
        assert!(may(&stmt(r#"{"AWS": "*"}"#, ""), None, &owner_root, vec![]));
        // KMS refuses another account's principals PutKeyPolicy, whatever the key policy says.
        let put =
            RequestSpec { action: ActionSpec::One("kms:PutKeyPolicy".into()), resource: ResourceSpec::Fixed(key.into()), context: vec![] };
        let mut other = key_set(&stmt(r#"{"AWS": ["444455556666", "arn:aws:iam::444455556666:user/bob"]}"#, ""), None);
        other.external_identity_unknown = true;
        assert!(!super::may_grant(&other, &owner_root, &put), "not cross-account");
        assert!(super::may_grant(&other, &owner_root, &req(vec![])), "CreateGrant is cross-account");
        // Conditions against the question's context: absent, absent or false.
        let grant_only = stmt(r#""*""#, r#", "Condition": {"Bool": {"kms:GrantIsForAWSResource": true}}"#);
        let direct =
            vec![ContextSpec::Absent("kms:ViaService".into()), ContextSpec::AbsentOr("kms:GrantIsForAWSResource".into(), "false".into())];
        assert!(!may(&grant_only, None, &owner_root, direct.clone()));
        assert!(may(&grant_only, None, &owner_root, vec![]));
        let if_exists = stmt(r#""*""#, r#", "Condition": {"BoolIfExists": {"kms:GrantIsForAWSResource": true}}"#);
        assert!(may(&if_exists, None, &owner_root, direct.clone()), "IfExists holds when the key is absent");
        let via = stmt(r#""*""#, r#", "Condition": {"StringNotEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}}"#);
        assert!(may(&via, None, &owner_root, direct.clone()), "a negated operator holds when the key is absent");
        let via_var = stmt(r#""*""#, r#", "Condition": {"StringEquals": {"kms:ViaService": "${aws:PrincipalTag/svc}"}}"#);
        assert!(!may(&via_var, None, &owner_root, direct), "a positive operator fails on an absent key, variables or not");
    }
}
