//! Relevance: can any Allow statement of a policy set match an action of a question at all?
//! When none can, no request of the question is allowed (AWS denies by default), so the
//! question *holds* without a query — the common case of a KMS control over a policy that
//! grants nothing in KMS (`s3:*`, `ec2:Describe*`). The test only looks at Action elements and
//! only says "cannot" when no action of the question can match: a NotAction, a pattern with a
//! variable, or a wildcard pattern that may cover a free action of the question's service all
//! count as "may match", so the shortcut never turns a violation into "holds". A root user needs
//! no statement where no key policy governs the request and no service control policy limits
//! it (the evaluator's rule): then the question always goes on.

use crate::model::policy::{ActionElement, Effect};
use crate::model::principal::PrincipalKind;
use crate::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::template::{Resolved, Syntax, Template};
use crate::model::PolicySet;

/// May a request of (`who`, `req`) be allowed by `set`: some Allow statement (one with a
/// Resource element) may match one of its actions, or the principal may be a root user, whom
/// the evaluator allows everything in its account without a statement when no service control
/// policy limits it and no key policy governs the request?
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
    (root && set.scps.is_empty() && !on_a_key) || statement_may_match(set, &req.action)
}

fn statement_may_match(set: &PolicySet, spec: &ActionSpec) -> bool {
    let named: Vec<String> = match spec {
        ActionSpec::One(a) => vec![a.to_ascii_lowercase()],
        ActionSpec::AnyOf { actions, .. } => actions.iter().map(|a| a.to_ascii_lowercase()).collect(),
        ActionSpec::Patterns(p) => ActionSpec::expand(p).iter().map(|a| a.to_ascii_lowercase()).collect(),
        ActionSpec::Unlisted { .. } | ActionSpec::Any { .. } => vec![],
    };
    // The question's own patterns, parsed once.
    let patterns: Vec<(String, Option<Resolved>)> = match spec {
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
    set.policies().any(|(_, p)| {
        p.statements
            .iter()
            .filter(|s| s.effect == Effect::Allow && s.resource.is_some())
            .any(|s| element_may_match(&s.action, spec, &named, &patterns))
    })
}

fn element_may_match(el: &ActionElement, spec: &ActionSpec, named: &[String], patterns: &[(String, Option<Resolved>)]) -> bool {
    if el.negated || matches!(spec, ActionSpec::Any { .. }) {
        return true;
    }
    el.patterns.iter().any(|pat| {
        if pat.has_variables() {
            return true;
        }
        let Some(resolved) = pat.resolve(&|_| None) else { return true };
        if named.iter().any(|a| resolved.matches(a, true)) {
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
            ActionSpec::Patterns(_) => patterns.iter().any(|(q, parsed)| match parsed {
                Some(qr) if !pat.has_wildcards() => qr.matches(&raw, true),
                Some(_) => q.contains(['*', '?']) && (!q.contains(':') || service_may_match(&raw, q.split(':').next().unwrap_or(""))),
                None => true,
            }),
            _ => false,
        }
    })
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
    use super::statement_may_match;
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
        let may_grant = statement_may_match;
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
}
