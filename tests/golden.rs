//! Golden SMT-LIB2 files of canonical queries (`encodings/golden/`), built by each query
//! primitive's `build_*` (`smt::encode::build`): the encoding of each must not change
//! unnoticed, and each file must still give its known answer. Regenerate after an intended
//! change with `KEYWARD_BLESS=1 cargo test golden`.

use keyward::model::principal::PrincipalKind;
use keyward::model::request_spec::RequestSpec;
use keyward::model::request_spec::{ActionSpec, PrincipalSpec, ResourceSpec};
use keyward::model::PolicySet;
use keyward::policy::{parse_policy, Source};

use keyward::smt::{build_added_access, build_allowed_pair, build_exists_allowed, check, Encoding, Outcome, Query, SolverOptions};

struct Golden {
    name: &'static str,
    set: PolicySet,
    who: PrincipalSpec,
    req: RequestSpec,
    sat: bool,
}

fn policy(doc: &str) -> keyward::model::Policy {
    parse_policy(Source::new("golden.json", doc)).unwrap()
}

fn goldens() -> Vec<Golden> {
    vec![
        Golden {
            name: "kms1-arbitrary-key",
            set: PolicySet {
                identity: vec![policy(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt"],"Resource":"arn:aws:kms:*:111122223333:key/*","Condition":{"StringLike":{"kms:ViaService":"s3.*.amazonaws.com"}}}]}"#,
                )],
                ..PolicySet::default()
            },
            who: PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role]),
            req: RequestSpec {
                action: ActionSpec::AnyOf { actions: vec!["kms:Decrypt".into(), "kms:ReEncryptFrom".into()], unlisted: None },
                resource: ResourceSpec::Key { account: None, region: None, arbitrary: true },
                context: vec![],
            },
            sat: true,
        },
        Golden {
            name: "exposed-public-caller-account",
            set: PolicySet {
                key_policy: Some(policy(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":"*","Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{"StringEquals":{"kms:CallerAccount":"111122223333"}}}]}"#,
                )),
                ..PolicySet::default()
            },
            who: PrincipalSpec::Any {
                kinds: PrincipalKind::ALL.to_vec(),
                fresh: true,
                accounts: None,
                not_accounts: vec![],
                not_matching: vec![],
                matching: vec![],
            },
            req: RequestSpec {
                action: ActionSpec::Any { named: keyward::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect() },
                resource: ResourceSpec::Fixed("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()),
                context: vec![],
            },
            sat: false,
        },
        Golden {
            name: "variables-and-set-operators",
            set: PolicySet {
                identity: vec![policy(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:${aws:PrincipalAccount}:key/*","Condition":{"ForAnyValue:StringLike":{"kms:EncryptionContextKeys":"team*"},"StringEquals":{"kms:EncryptionContext:team":"${aws:PrincipalTag/team}"}}},{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"ForAllValues:StringNotEquals":{"kms:EncryptionContextKeys":["team","project"]}}}]}"#,
                )],
                ..PolicySet::default()
            },
            who: PrincipalSpec::any(&[PrincipalKind::Role]),
            req: RequestSpec {
                action: ActionSpec::One("kms:Decrypt".into()),
                resource: ResourceSpec::Key { account: None, region: Some("eu-west-1".into()), arbitrary: false },
                context: vec![],
            },
            sat: true,
        },
    ]
}

/// The queries of the other primitives: a separation-of-duties pair and an added-access diff.
fn other_primitives() -> Vec<(&'static str, Query, bool)> {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let both = PolicySet {
        key_policy: Some(policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Ops"},"Action":["kms:ScheduleKeyDeletion","kms:Decrypt"],"Resource":"*"}]}"#,
        )),
        ..PolicySet::default()
    };
    let who = PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: false,
        accounts: None,
        not_accounts: vec![],
        not_matching: vec!["arn:aws:iam::111122223333:root".into()],
        matching: vec![],
    };
    let on_key = |actions: &[&str]| RequestSpec {
        action: ActionSpec::Patterns(actions.iter().map(|a| a.to_string()).collect()),
        resource: ResourceSpec::Fixed(key.into()),
        context: vec![],
    };
    let pair = build_allowed_pair(
        &both,
        &who,
        &on_key(&["kms:ScheduleKeyDeletion"]),
        &on_key(&["kms:Decrypt", "kms:Encrypt"]),
        true,
        Encoding::Default,
        "pair",
    );
    let old = PolicySet {
        identity: vec![policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:*:111122223333:key/*"},{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        )],
        ..PolicySet::default()
    };
    let reordered = PolicySet {
        identity: vec![policy(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},{"Effect":"Allow","Action":["kms:Decrypt"],"Resource":["arn:aws:kms:*:111122223333:key/*"]}]}"#,
        )],
        ..PolicySet::default()
    };
    let any = RequestSpec {
        action: ActionSpec::Any { named: keyward::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect() },
        resource: ResourceSpec::Any,
        context: vec![],
    };
    let holder = PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role]);
    let added = build_added_access(&old, &reordered, &holder, &any, Encoding::Default, "added");
    vec![("separation-of-duties-pair", pair, true), ("added-access-reordered", added, false)]
}

#[test]
fn golden_smt_files_match_and_solve() {
    let dir = crate::common::project_dir().join("encodings").join("golden");
    let bless = std::env::var("KEYWARD_BLESS").is_ok();
    let exists: Vec<(&str, Query, bool)> =
        goldens().into_iter().map(|g| (g.name, build_exists_allowed(&g.set, &g.who, &g.req, Encoding::Default, g.name), g.sat)).collect();
    for (name, q, sat) in exists.into_iter().chain(other_primitives()) {
        let text = q.smtlib();
        let path = dir.join(format!("{name}.smt2"));
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{} is missing: run with KEYWARD_BLESS=1", path.display()));
        assert_eq!(text, expected, "{name} changed: review the encoding change, then KEYWARD_BLESS=1");
        match (check(&q, &SolverOptions::default()).outcome, sat) {
            (Ok(Outcome::Sat(_)), true) | (Ok(Outcome::Unsat), false) => {}
            (other, _) => panic!("{name}: expected sat={sat}, got {other:?}"),
        }
    }
}
