//! The query primitives on small policies whose answers are known, including the traps that
//! fool syntactic scanners. Every violated verdict has already been replayed by `run`.

use keyward::model::principal::PrincipalKind;
use keyward::model::request_spec::RequestSpec;
use keyward::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, ResourceSpec};
use keyward::model::PolicySet;
use keyward::policy::{parse_policy, Source};
use keyward::properties::queries::{added_access, exists_allowed, exists_allowed_pair};
use keyward::properties::Verdict;
use keyward::smt::SolverOptions;

fn identity(doc: &str) -> PolicySet {
    PolicySet { identity: vec![parse_policy(Source::new("id.json", doc)).unwrap()], ..PolicySet::default() }
}

fn key_policy(doc: &str) -> PolicySet {
    PolicySet { key_policy: Some(parse_policy(Source::new("key.json", doc)).unwrap()), ..PolicySet::default() }
}

fn iam_principal() -> PrincipalSpec {
    PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role])
}

fn decrypt_on_arbitrary_key() -> RequestSpec {
    RequestSpec {
        action: ActionSpec::AnyOf { actions: vec!["kms:Decrypt".into(), "kms:ReEncryptFrom".into()], unlisted: None },
        resource: ResourceSpec::Key { account: None, region: None, arbitrary: true },
        context: vec![],
    }
}

fn verdict(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec) -> Verdict {
    exists_allowed(set, who, req, &SolverOptions::default(), "test").answer.unwrap()
}

#[test]
fn decrypt_on_named_keys_only_holds_and_on_a_wildcard_is_violated() {
    let named = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}]}"#,
    );
    assert!(matches!(verdict(&named, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Holds));
    let wild = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/*"}]}"#,
    );
    match verdict(&wild, &iam_principal(), &decrypt_on_arbitrary_key()) {
        Verdict::Violated(cx) => {
            let r = &cx.requests[0];
            assert_eq!(r.action, "kms:Decrypt");
            assert!(r.resource.starts_with("arn:aws:kms:us-east-1:111122223333:key/"), "{}", r.resource);
            assert_ne!(r.resource, "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn not_resource_and_not_action_are_complements() {
    // NotResource of one key: every other key is allowed.
    let p = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","NotResource":"arn:aws:kms:*:*:key/secret"}]}"#,
    );
    assert!(matches!(verdict(&p, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Violated(_)));
    // NotAction s3:* allows every KMS action.
    let p = identity(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}]}"#);
    assert!(matches!(verdict(&p, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Violated(_)));
    // NotAction kms:* allows no KMS action.
    let p = identity(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"kms:*","Resource":"*"}]}"#);
    assert!(matches!(verdict(&p, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Holds));
}

#[test]
fn a_deny_overrides_and_impossible_conditions_grant_nothing() {
    let p = identity(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"kms:*","Resource":"*"},
        {"Effect":"Deny","Action":["kms:Decrypt","kms:ReEncrypt*"],"Resource":"*"}]}"#,
    );
    assert!(matches!(verdict(&p, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Holds));
    let p = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*",
        "Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"},"Null":{"kms:ViaService":"true"}}}]}"#,
    );
    assert!(matches!(verdict(&p, &iam_principal(), &decrypt_on_arbitrary_key()), Verdict::Holds));
}

#[test]
fn principal_star_restricted_by_caller_account_is_not_public() {
    let p = key_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
        "Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}]}"#,
    );
    let outsider = PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: true,
        accounts: None,
        not_accounts: vec![],
        not_matching: vec![],
        matching: vec![],
    };
    let on_key = RequestSpec {
        action: ActionSpec::Any { named: vec!["kms:Decrypt".into()] },
        resource: ResourceSpec::Fixed("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        context: vec![],
    };
    assert!(matches!(verdict(&p, &outsider, &on_key), Verdict::Holds));
    let open =
        key_policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#);
    match verdict(&open, &outsider, &on_key) {
        Verdict::Violated(cx) => assert_eq!(cx.requests[0].action, "kms:Decrypt"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn via_service_absent_is_a_context_constraint() {
    let p = key_policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/App"},"Action":"kms:CreateGrant","Resource":"*",
        "Condition":{"Bool":{"kms:GrantIsForAWSResource":"true"}}}]}"#,
    );
    let direct = RequestSpec {
        action: ActionSpec::One("kms:CreateGrant".into()),
        resource: ResourceSpec::Fixed("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        context: vec![
            ContextSpec::Absent("kms:ViaService".into()),
            ContextSpec::NotEqual("kms:GrantIsForAWSResource".into(), "true".into()),
        ],
    };
    // A Bool key is exactly "true" or "false" in every real request (request-context facts):
    // no spelling such as "TRUE" slips past the NotEqual, so nothing is allowed.
    assert!(matches!(verdict(&p, &PrincipalSpec::anyone(), &direct), Verdict::Holds));
    let only_absent = RequestSpec { context: vec![ContextSpec::Absent("kms:ViaService".into())], ..direct };
    match verdict(&p, &PrincipalSpec::anyone(), &only_absent) {
        Verdict::Violated(cx) => {
            let r = &cx.requests[0];
            assert!(r.context.iter().any(|(k, v)| k.name() == "kms:GrantIsForAWSResource" && v[0] == "true"));
            assert!(!r.context.iter().any(|(k, _)| k.name() == "kms:ViaService"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn separation_of_duties_needs_one_principal_with_both_kinds() {
    let split = key_policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Admin"},"Action":["kms:PutKeyPolicy","kms:DisableKey"],"Resource":"*"},
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/App"},"Action":["kms:Decrypt"],"Resource":"*"}]}"#,
    );
    let admin = RequestSpec {
        action: ActionSpec::AnyOf { actions: keyward::model::catalog::admin_actions(), unlisted: None },
        resource: ResourceSpec::Fixed("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        context: vec![],
    };
    let usage = RequestSpec {
        action: ActionSpec::AnyOf { actions: keyward::model::catalog::usage_actions(), unlisted: None },
        resource: ResourceSpec::Fixed("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
        context: vec![],
    };
    let who = PrincipalSpec::anyone();
    let v = exists_allowed_pair(&split, &who, &admin, &usage, true, &SolverOptions::default(), "sod").answer.unwrap();
    assert!(matches!(v, Verdict::Holds), "{v:?}");
    let both = key_policy(
        r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Admin"},"Action":["kms:PutKeyPolicy","kms:Decrypt"],"Resource":"*"}]}"#,
    );
    match exists_allowed_pair(&both, &who, &admin, &usage, true, &SolverOptions::default(), "sod").answer.unwrap() {
        Verdict::Violated(cx) => {
            assert_eq!(cx.requests.len(), 2);
            assert_eq!(cx.requests[0].principal, cx.requests[1].principal);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_widened_action_is_added_access_and_a_reordering_is_not() {
    let old = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"arn:aws:kms:*:111122223333:key/*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let wider = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:*"],"Resource":"arn:aws:kms:*:111122223333:key/*"},{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    );
    let reordered = identity(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"arn:aws:kms:*:111122223333:key/*"}]}"#,
    );
    let any = RequestSpec {
        action: ActionSpec::Any { named: keyward::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect() },
        resource: ResourceSpec::Any,
        context: vec![],
    };
    let who = iam_principal();
    let opts = SolverOptions::default();
    match added_access(&old, &wider, &who, &any, &opts, "diff").answer.unwrap() {
        Verdict::Violated(cx) => assert!(cx.requests[0].action.starts_with("kms:"), "{:?}", cx.requests[0]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(added_access(&old, &reordered, &who, &any, &opts, "diff").answer.unwrap(), Verdict::Holds));
    assert!(matches!(added_access(&reordered, &old, &who, &any, &opts, "diff").answer.unwrap(), Verdict::Holds));
}
