//! Why a property holds (`keyward::properties::why`): the statements and elements a *holds*
//! verdict needs, on small policies whose explanation is known, and on random policies of the
//! differential generator, where every explanation is checked again with the textbook encoding
//! and no presolve: with the levers of the explanation kept and every other one weakened the
//! property still holds, and weakening any one of them too breaks it.

use keyward::model::lever::{weaken, Lever, Polarity};
use keyward::model::principal::PrincipalKind;
use keyward::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use keyward::model::PolicySet;
use keyward::policy::{parse_policy, Source};
use keyward::properties::queries::{added_access, exists_allowed, exists_denied};
use keyward::properties::why::{Reason, WhyAnswer};
use keyward::properties::{Checked, Verdict};
use keyward::smt::{Encoding, SolverOptions};

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn key_policy(text: &str) -> PolicySet {
    PolicySet { key_policy: Some(parse_policy(Source::new("key.json", text)).unwrap()), ..PolicySet::default() }
}

fn explaining() -> SolverOptions {
    SolverOptions { explain: true, ..SolverOptions::default() }
}

/// Principals outside account 111122223333 (and not its services).
fn outsiders() -> PrincipalSpec {
    PrincipalSpec::Any {
        kinds: PrincipalKind::ALL.to_vec(),
        fresh: false,
        accounts: None,
        not_accounts: vec!["111122223333".into()],
        not_matching: vec![],
        matching: vec![],
    }
}

fn decrypt() -> RequestSpec {
    RequestSpec { action: ActionSpec::One("kms:Decrypt".into()), resource: ResourceSpec::Fixed(KEY.into()), context: vec![] }
}

/// The reasons of a *holds* answer, as (statement index, part, element), with the answer
/// checked minimal.
fn reasons(checked: &Checked) -> Vec<(usize, &'static str, String)> {
    assert!(matches!(checked.answer, Ok(Verdict::Holds)), "{:?}", checked.answer);
    let why = checked.why.as_ref().expect("an explanation");
    match &why.answer {
        WhyAnswer::Because { reasons, minimal } => {
            assert!(minimal, "not minimal: {reasons:?}");
            reasons.iter().map(|r: &Reason| (r.statement.index, r.part, r.element.clone())).collect()
        }
        other => panic!("no explanation: {other:?}"),
    }
}

/// "You can use the aws:PrincipalOrgID … in a Deny statement" — the Deny outside the
/// organization, not the Allow to everyone, is why no outsider can decrypt: the Allow's
/// elements are widened away and the Deny alone stays.
#[test]
fn a_deny_that_covers_what_an_allow_grants_is_the_reason() {
    let set = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"},
        {"Sid": "DenyOutsideAccount", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}]}"#,
    );
    let checked = exists_allowed(&set, &outsiders(), &decrypt(), &explaining(), "deny");
    assert_eq!(reasons(&checked), vec![(2, "statement", "the statement".to_string())]);
    let Some(WhyAnswer::Because { reasons, .. }) = checked.why.as_ref().map(|w| &w.answer) else { panic!() };
    assert!(reasons[0].text.contains("DenyOutsideAccount") && reasons[0].text.contains("denies every request"), "{}", reasons[0].text);
    assert_eq!((reasons[0].statement.line, reasons[0].statement.column), (4, 9));
}

/// "Principal": the account's root (delegation to its IAM) and a Condition on
/// kms:CallerAccount are why no outsider can decrypt — each element, not the statements'
/// Actions or Resources.
#[test]
fn the_principal_and_the_condition_that_narrow_allows_are_the_reasons() {
    let set = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "InAccount", "Effect": "Allow", "Principal": "*", "Action": ["kms:Decrypt", "kms:DescribeKey"], "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": "111122223333"}, "Bool": {"aws:SecureTransport": "true"}}}]}"#,
    );
    let checked = exists_allowed(&set, &outsiders(), &decrypt(), &explaining(), "narrow");
    assert_eq!(
        reasons(&checked),
        vec![
            (0, "principal", "its Principal (account 111122223333)".to_string()),
            (1, "condition", "its Condition StringEquals kms:CallerAccount".to_string()),
        ]
    );
}

/// No Allow statement at all: nothing needs to stay, the default deny decides.
#[test]
fn without_an_allow_no_statement_is_needed() {
    let set = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    );
    let checked = exists_allowed(&set, &PrincipalSpec::anyone(), &decrypt(), &explaining(), "none");
    assert_eq!(reasons(&checked), vec![]);
}

/// Every request of the question allowed (the root keeps kms:PutKeyPolicy): the Allow that
/// grants it must stay, and the Deny stays out of the way because of its Condition.
#[test]
fn when_every_request_must_be_allowed_the_granting_allow_is_the_reason() {
    let set = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Use", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"},
        {"Sid": "NoPolicyChangesFromOutside", "Effect": "Deny", "Principal": "*", "Action": "kms:PutKeyPolicy", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}}]}"#,
    );
    let root = keyward::model::Principal::parse("arn:aws:iam::111122223333:root").unwrap();
    let req = RequestSpec { action: ActionSpec::One("kms:PutKeyPolicy".into()), ..decrypt() };
    let checked = exists_denied(&set, &PrincipalSpec::Fixed(root), &req, &explaining(), "root");
    assert_eq!(
        reasons(&checked),
        vec![
            (0, "statement", "the statement".to_string()),
            (2, "condition", "its Condition StringNotEquals aws:PrincipalAccount".to_string()),
        ]
    );
}

/// A diff that adds nothing: the new side's Deny blocks what its wider Allow would add, and
/// the old side's Allow grants the rest.
#[test]
fn an_added_access_that_holds_names_both_sides() {
    let old = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    );
    let new = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"},
        {"Sid": "NoEncrypt", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*"}]}"#,
    );
    let req = RequestSpec {
        action: ActionSpec::AnyOf { actions: vec!["kms:Decrypt".into(), "kms:Encrypt".into()], unlisted: None },
        ..decrypt()
    };
    let checked = added_access(&old, &new, &PrincipalSpec::anyone(), &req, &explaining(), "added");
    let Some(WhyAnswer::Because { reasons, minimal: true }) = checked.why.as_ref().map(|w| &w.answer) else { panic!("{:?}", checked.why) };
    let got: Vec<(Option<&str>, usize, &str)> = reasons.iter().map(|r| (r.side, r.statement.index, r.part)).collect();
    assert!(got.contains(&(Some("granting"), 1, "statement")), "{got:?}");
    assert!(got.contains(&(Some("compared"), 0, "statement")), "{got:?}");
}

/// Without `explain` no explanation is computed.
#[test]
fn explanations_are_only_made_when_asked() {
    let set = key_policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
    );
    let checked = exists_allowed(&set, &outsiders(), &decrypt(), &SolverOptions::default(), "quiet");
    assert!(matches!(checked.answer, Ok(Verdict::Holds)));
    assert!(checked.why.is_none());
}

/// Random policy sets of the differential generator, the question "can anyone decrypt with the
/// key?": each *holds* answer's explanation is checked with the textbook encoding and no
/// presolve — sufficient (the weakened set still holds) and minimal (weakening any one kept
/// lever too gives a counterexample, replayed by the evaluator).
#[test]
fn explanations_of_random_policies_are_sufficient_and_minimal() {
    use crate::differential::random::{build, cases, policy_set};
    use proptest::test_runner::{Config, TestRunner};
    let cases = (cases() / 30).max(24);
    let config = Config { cases, max_shrink_iters: 20, failure_persistence: None, ..Config::default() };
    let rng = proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let opts = SolverOptions { timeout: std::time::Duration::from_secs(5), explain: true, ..SolverOptions::default() };
    let check = SolverOptions { encoding: Encoding::Baseline, presolve: false, explain: false, ..opts.clone() };
    let explained = std::sync::atomic::AtomicUsize::new(0);
    let questions = [
        (PrincipalSpec::anyone(), ActionSpec::One("kms:Decrypt".into())),
        (outsiders(), ActionSpec::AnyOf { actions: vec!["kms:Decrypt".into(), "kms:PutKeyPolicy".into()], unlisted: None }),
    ];
    let result = runner.run(&policy_set(), |set| {
        let ps = build(&set);
        let show = || serde_json::to_string(&set).unwrap_or_default();
        for (who, action) in &questions {
            let req = RequestSpec { action: action.clone(), resource: ResourceSpec::Fixed(KEY.into()), context: vec![] };
            let checked = exists_allowed(&ps, who, &req, &opts, "why-prop");
            if !matches!(checked.answer, Ok(Verdict::Holds)) {
                continue;
            }
            let why = checked.why.as_ref().expect("asked");
            let kept: Vec<Lever> = match &why.answer {
                WhyAnswer::Because { reasons, .. } => reasons.iter().map(|r| r.lever).collect(),
                WhyAnswer::Unknown(_) => continue,
                WhyAnswer::Error(e) => panic!("{e}\n{}", show()),
            };
            explained.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let weakened = weaken(&ps, 0, Polarity::Allowed, &kept);
            match exists_allowed(&weakened, who, &req, &check, "why-sufficient").answer {
                Ok(Verdict::Holds) | Ok(Verdict::Unknown(_)) => {}
                other => panic!("not sufficient: {kept:?} {other:?}\n{}", show()),
            }
            for l in &kept {
                let fewer: Vec<Lever> = kept.iter().copied().filter(|k| k != l).collect();
                match exists_allowed(&weaken(&ps, 0, Polarity::Allowed, &fewer), who, &req, &check, "why-needed").answer {
                    Ok(Verdict::Violated(_)) | Ok(Verdict::Unknown(_)) => {}
                    other => panic!("{l:?} not needed: {other:?}\n{}", show()),
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let n = explained.into_inner();
    eprintln!("why property: {cases} policy sets, {n} holds verdicts explained and checked");
    assert!(n >= cases as usize / 2, "only {n} explanations checked");
}
