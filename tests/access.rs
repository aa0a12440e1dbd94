//! `keyward access`: the findings of key policies and identity policies — who, what, under
//! which conditions — their witnesses, completeness and exactness, on fixed policies whose
//! access the AWS documentation states, and on random policies of the differential generator
//! (every allowed request is inside some finding; every witness is allowed and inside its
//! finding; a request inside an exact finding is allowed).

use keyward::controls::access::{access, SubjectAccess};
use keyward::eval::evaluate;
use keyward::eval::predicate::holds;
use keyward::inputs::{subject_of, Kind, LoadOptions};
use keyward::model::request::Request;
use keyward::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use keyward::model::Decision;
use keyward::policy::{parse_policy, Source};
use keyward::properties::access::{enumerate, AccessQuestion, Completeness};
use keyward::report::access::{subject_json, SubjectJson};
use keyward::smt::SolverOptions;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn key_access(text: &str) -> (SubjectAccess, SubjectJson) {
    let policy = parse_policy(Source::new("key.json", text)).expect("policy");
    // The subject `keyward access --key-arn KEY key.json` reads.
    let opts = LoadOptions { kind: Some(Kind::Key), key_arn: Some(KEY.into()), ..LoadOptions::default() };
    let k = subject_of(policy, "key.json".into(), &opts);
    let a = access(&k, &SolverOptions::default());
    let j = subject_json(&a);
    (a, j)
}

/// (who kind, who value, actions text, condition texts) of each finding.
fn summary(j: &SubjectJson) -> Vec<(String, String, String, Vec<String>)> {
    j.findings
        .iter()
        .map(|f| {
            (
                f.who.kind.to_string(),
                f.who.value.clone().unwrap_or_default(),
                f.actions_text.clone(),
                f.conditions.iter().map(|c| c.text.clone()).collect(),
            )
        })
        .collect()
}

/// KMS Developer Guide, "Default key policy": "Allows access to the AWS account and enables
/// IAM policies"; "Allows key users to use the KMS key" — a user, a role and another account.
#[test]
fn the_default_key_policy_names_the_account_its_users_and_the_other_account() {
    let (a, j) = key_access(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "Allow use of the key", "Effect": "Allow",
         "Principal": {"AWS": ["arn:aws:iam::111122223333:role/ExampleRole", "arn:aws:iam::444455556666:root"]},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}]}"#,
    );
    assert!(matches!(a.complete(), Completeness::Proved), "{:?}", a.complete());
    let s = summary(&j);
    assert_eq!(s.len(), 3, "{s:#?}");
    assert!(
        s.iter()
            .any(|f| f.0 == "principal" && f.1 == "arn:aws:iam::111122223333:root" && f.2.starts_with("kms:* (every KMS action on a key")),
        "{s:#?}"
    );
    assert!(s.iter().any(|f| f.0 == "principal" && f.1 == "arn:aws:iam::111122223333:role/ExampleRole" && f.3.is_empty()), "{s:#?}");
    let cross = s.iter().find(|f| f.0 == "account" && f.1 == "444455556666").expect("the other account");
    assert_eq!(
        cross.2,
        "usage: kms:Decrypt, kms:Encrypt, kms:GenerateDataKey*, kms:ReEncrypt*; administration: kms:DescribeKey; any KMS action AWS adds later that matches kms:ReEncrypt* or kms:GenerateDataKey*"
    );
    assert!(j.findings.iter().all(|f| f.exact));
    assert_eq!(j.findings.iter().filter(|f| f.exposure == Some("cross-account")).count(), 1);
}

/// IAM User Guide, aws:PrincipalOrgID: "Use this key to compare the identifier of the
/// organization in AWS Organizations to which the requesting principal belongs"; a Deny with
/// StringNotEquals removes everyone outside it.
#[test]
fn a_deny_outside_the_organization_leaves_the_organization() {
    let (a, j) = key_access(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"},
        {"Sid": "DenyOutsideOrg", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}]}"#,
    );
    assert!(matches!(a.complete(), Completeness::Proved));
    let s = summary(&j);
    assert_eq!(s, vec![("organization".into(), "o-abc123def4".into(), "usage: kms:Decrypt".into(), vec![])], "{s:#?}");
    assert_eq!(j.findings[0].exposure, Some("cross-account"));
}

/// KMS Developer Guide, "Allowing users in other accounts": without a condition, `"*"` lets
/// anyone use the key; with kms:CallerAccount and kms:ViaService it is one account through
/// one service ("kms:ViaService … limits use of a KMS key to requests from specified AWS
/// services").
#[test]
fn public_access_and_access_through_a_service_are_told_apart() {
    let (_, j) = key_access(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*"},
        {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
         "Condition": {"StringEquals": {"kms:CallerAccount": "444455556666", "kms:ViaService": "s3.us-east-1.amazonaws.com"}}}]}"#,
    );
    let s = summary(&j);
    assert_eq!(s.len(), 2, "{s:#?}");
    assert!(s.iter().any(|f| f.0 == "anyone" && f.2 == "usage: kms:Encrypt"), "{s:#?}");
    let via = s.iter().find(|f| f.0 == "account").expect("one account through S3");
    assert_eq!(via.1, "444455556666");
    assert_eq!(via.3, vec!["kms:ViaService = s3.us-east-1.amazonaws.com".to_string()]);
    assert_eq!(j.findings.iter().find(|f| f.who.kind == "anyone").and_then(|f| f.exposure), Some("public"));
}

/// KMS Developer Guide, "Condition keys for AWS Nitro Enclaves": a key policy that allows
/// Decrypt only with an attestation document whose image digest is the given SHA-384 value,
/// compared with StringEqualsIgnoreCase ("Exact matching, ignoring case"). Its 96-character
/// literal was a regular expression z3 4.8.12 timed out on, leaving the list unproved.
#[test]
fn a_long_case_insensitive_literal_is_proved_complete() {
    let digest =
        "9fedcba8abcdef7abcdef6abcdef5abcdef4abcdef3abcdef2abcdef1abcdef1abcdef0abcdef1abcdef2abcdef3abcdef4abcdef5abcdef6abcdef7abcdef99";
    let (a, j) = key_access(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [
        {{"Sid": "Enable enclave data processing", "Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:role/data-processing"}},
         "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
         "Condition": {{"StringEqualsIgnoreCase": {{"kms:RecipientAttestation:ImageSha384": "{digest}"}}}}}}]}}"#
    ));
    assert!(matches!(a.complete(), Completeness::Proved), "{:?}", a.complete());
    let s = summary(&j);
    assert_eq!(
        s,
        vec![(
            "principal".into(),
            "arn:aws:iam::111122223333:role/data-processing".into(),
            "usage: kms:Decrypt, kms:GenerateDataKey".into(),
            vec![format!("kms:RecipientAttestation:ImageSha384 = {digest} (ignoring case)")]
        )],
        "{s:#?}"
    );
    assert!(j.findings[0].exact);
}

/// IAM User Guide, "AWS global condition context keys", aws:SourceAccount: "Use this key to
/// compare the account ID of the resource making a service-to-service request"; a service
/// principal without it is a confused deputy.
#[test]
fn a_service_principal_acts_for_its_source_account() {
    let (_, j) = key_access(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "logs.amazonaws.com"}, "Action": "kms:GenerateDataKey", "Resource": "*",
         "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}}},
        {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "kms:Decrypt", "Resource": "*"}]}"#,
    );
    let logs = j.findings.iter().find(|f| f.who.value.as_deref() == Some("logs.amazonaws.com")).expect("logs");
    assert_eq!(logs.who.source.as_deref(), Some("111122223333"));
    assert!(logs.conditions.is_empty() && logs.exposure.is_none());
    let sns = j.findings.iter().find(|f| f.who.value.as_deref() == Some("sns.amazonaws.com")).expect("sns");
    assert_eq!(sns.exposure, Some("confused-deputy"));
}

/// IAM User Guide, "Policy evaluation logic": an explicit Deny overrides an Allow — the alias
/// policy of the KMS Developer Guide ("Controlling access to aliases") allows every alias but
/// those the Deny's Resource names.
#[test]
fn an_identity_policy_grants_on_the_resources_its_deny_leaves() {
    let policy = parse_policy(Source::new(
        "id.json",
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": "arn:aws:kms:us-west-2:111122223333:alias/*"},
        {"Effect": "Deny", "Action": ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], "Resource": "arn:aws:kms:us-west-2:111122223333:alias/Restricted*"}]}"#,
    ))
    .expect("policy");
    let opts = LoadOptions { kind: Some(Kind::Identity), ..LoadOptions::default() };
    let s = subject_of(policy, "id.json".into(), &opts);
    let a = access(&s, &SolverOptions::default());
    assert!(matches!(a.complete(), Completeness::Proved));
    let j = subject_json(&a);
    assert_eq!(j.findings.len(), 1);
    let f = &j.findings[0];
    assert_eq!(f.resources, "arn:aws:kms:us-west-2:111122223333:alias/*");
    assert_eq!(f.conditions.len(), 1);
    assert!(!f.conditions[0].holds && f.conditions[0].values == vec!["arn:aws:kms:us-west-2:111122223333:alias/Restricted*".to_string()]);
}

/// Random policy sets of the differential generator (key policy, grants, identity policies,
/// boundary, SCP): enumerated over every principal and KMS action on the generator's key; when
/// the list is proved complete, each random request on that key the evaluator allows is inside
/// a finding, each witness is allowed and inside its finding, and each random request inside
/// an exact finding is allowed.
#[test]
fn findings_cover_every_allowed_request_of_random_policies() {
    use crate::differential::random::{build, cases, policy_set, request};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let cases = (cases() / 60).max(12);
    // A fixed seed: the same policy sets on every run, so that the share of enumerations
    // proved complete (the bound below) is a measured figure, not luck.
    let config = Config { cases, max_shrink_iters: 50, failure_persistence: None, ..Config::default() };
    let rng = proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let opts = SolverOptions { timeout: std::time::Duration::from_secs(3), ..SolverOptions::default() };
    let unproved = std::sync::atomic::AtomicUsize::new(0);
    let actions = keyward::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    let req = RequestSpec {
        action: ActionSpec::AnyOf { actions, unlisted: Some("kms".into()) },
        resource: ResourceSpec::Fixed(KEY.into()),
        context: vec![],
    };
    let result = runner.run(&(policy_set(), prop::collection::vec(request(), 8..16)), |(set, reqs)| {
        let ps = build(&set);
        let q = AccessQuestion { set: &ps, who: PrincipalSpec::anyone(), req: req.clone(), label: "prop".into() };
        // Each enumeration within 20 s (past it: unknown, counted below).
        let opts = SolverOptions { deadline: Some(std::time::Instant::now() + std::time::Duration::from_secs(30)), ..opts.clone() };
        let a = enumerate(&q, &opts);
        let show = || serde_json::to_string(&set).unwrap_or_default();
        if let Completeness::Error(e) = &a.complete {
            prop_assert!(false, "internal error {e}\n{}", show());
        }
        for f in &a.findings {
            prop_assert_eq!(evaluate(&ps, &f.witness).decision, Decision::Allowed, "witness {}\n{}", f.witness.to_json_line(), show());
            prop_assert!(holds(&f.cell.predicate(&a.atoms), &f.witness), "witness outside its finding\n{}", show());
        }
        if let Completeness::Unknown(why) = &a.complete {
            unproved.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            eprintln!("not proved complete ({why}, {} findings, {} queries): {}", a.findings.len(), a.stats.queries, show());
            return Ok(());
        }
        for r in
            reqs.iter().filter(|r| r.action.to_ascii_lowercase().starts_with("kms:")).map(|r| Request { resource: KEY.into(), ..r.clone() })
        {
            // A request AWS can send on the key (a key-less action would be sent on `*`).
            let r = &keyward::model::request_facts::make_possible(r);
            if r.resource != KEY {
                continue;
            }
            let inside: Vec<_> = a.findings.iter().filter(|f| holds(&f.cell.predicate(&a.atoms), r)).collect();
            let allowed = evaluate(&ps, r).decision == Decision::Allowed;
            if allowed {
                prop_assert!(!inside.is_empty(), "allowed but in no finding: {}\n{}", r.to_json_line(), show());
            }
            if inside.iter().any(|f| f.exact) {
                prop_assert!(allowed, "inside an exact finding but not allowed: {}\n{}", r.to_json_line(), show());
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let n = unproved.into_inner();
    eprintln!("access property: {cases} policy sets, {n} not proved complete");
    assert!(n * 4 <= cases as usize, "{n} of {cases} enumerations were not proved complete");
}

/// `--format html` is one self-contained page (nothing fetched: no script, stylesheet, font
/// or image from anywhere) with the access map and the policy text; when Debian's `chromium`
/// is installed, it loads headless without a console error.
#[test]
fn the_html_report_is_self_contained_and_renders() {
    let dir = crate::common::project_dir();
    let r = crate::common::keyward_in(&dir, &["access", "--format", "html", "corpus/access/cross-account-key.json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = &r.stdout;
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    for banned in ["<script", "<link", "@import", "url(", "<img", "<iframe", "https://"] {
        assert!(!html.contains(banned), "the page fetches or runs something: {banned}");
    }
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert_eq!(html.matches("http://").count(), html.matches("http://www.w3.org/2000/svg").count());
    assert!(html.contains("<svg") && html.contains("aria-label=\"access map\""));
    assert!(html.contains("PUBLIC") && html.contains("CROSS-ACCOUNT") && html.contains("<mark>"), "exposures and highlighted statements");
    // Every opened element of the kinds the page writes is closed.
    for tag in ["section", "table", "tr", "td", "svg", "pre", "details", "mark"] {
        let open = html.matches(&format!("<{tag}>")).count() + html.matches(&format!("<{tag} ")).count();
        assert_eq!(open, html.matches(&format!("</{tag}>")).count(), "<{tag}> balanced");
    }
    let Ok(chromium) = which("chromium") else {
        eprintln!("chromium not installed: the headless render is skipped (scripts/html-check.sh runs it)");
        return;
    };
    let file = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("access-report.html");
    std::fs::write(&file, html).unwrap();
    let out = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0", "--dump-dom"])
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.lines().any(|l| l.contains("CONSOLE") || l.contains("Uncaught")), "console messages: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("access map"));
}

fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|f| f.is_file())).ok_or(())
}
