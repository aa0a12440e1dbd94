//! CloudFormation templates (`corpus/templates/`): what keyward reads from them (`keyward
//! resolve`) — parameters, conditions, intrinsics, the stack's own resources as placeholders —
//! and what `check` proves on them, with every location in the template. CONTROLS.md
//! "Templates and plans": a value the stack creates is a placeholder of that resource in the
//! stack's account and Region; a value unknown before deployment is not guessed.

use crate::common::{keyward_in, project_dir, shared_data, Run};
use serde_json::Value;
use std::path::PathBuf;

fn keyward(args: &[&str]) -> Run {
    keyward_in(&project_dir(), args)
}

fn json(args: &[&str]) -> (i32, Value) {
    let r = keyward(args);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", r.stdout, r.stderr));
    (r.code, v)
}

fn subjects<'a>(v: &'a Value, kind: &str) -> Vec<&'a Value> {
    v["subjects"].as_array().unwrap().iter().filter(|s| s["kind"] == kind).collect()
}

fn result<'a>(v: &'a Value, resource_part: &str, control: &str) -> &'a Value {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"].as_str().unwrap().contains(resource_part) && r["control"] == control)
        .unwrap_or_else(|| panic!("no {control} result on {resource_part}: {v}"))
}

const OWN_ROLE: &str = "corpus/templates/key-for-own-role.yaml";

/// The key policy names the stack's own role by its ARN, the role's policy names the key by
/// its ARN, the alias finds its key, `Fn::If` with `AWS::NoValue` removes a statement, and a
/// resource whose condition is false is not created.
#[test]
fn a_stack_resolves_to_its_own_resources() {
    let (code, v) = json(&["resolve", OWN_ROLE]);
    assert_eq!(code, 0, "{v}");
    let keys = subjects(&v, "key");
    assert_eq!(keys.len(), 1, "the DevOnlyKey's condition is false: {v}");
    let key = keys[0];
    let key_arn = key["resource"].as_str().unwrap();
    assert!(key_arn.starts_with("arn:aws:kms:us-east-1:111122223333:key/"), "{key_arn}");
    let statements = key["policy"]["document"]["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "the partner statement is AWS::NoValue without a partner: {statements:?}");
    assert_eq!(statements[0]["Principal"]["AWS"], "arn:aws:iam::111122223333:root");
    assert_eq!(statements[1]["Principal"]["AWS"], "arn:aws:iam::111122223333:role/app-prod");
    assert_eq!(key["rotation"], true, "Fn::If on IsProd");
    assert_eq!(key["aliases"], serde_json::json!(["alias/data"]));
    assert_eq!(key["policy"]["path"], "Resources.DataKey.Properties.KeyPolicy");
    let ids = subjects(&v, "identity");
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["resource"], "app-prod/use-key");
    assert_eq!(ids[0]["policy"]["document"]["Statement"][0]["Resource"], key_arn, "GetAtt DataKey.Arn is the key's ARN");
    // The same template resolves the same way every time.
    assert_eq!(json(&["resolve", OWN_ROLE]).1, v);
}

/// Parameters change what the stack creates; findings point at the template's lines.
#[test]
fn parameters_change_the_stack_and_findings_point_into_the_template() {
    let (code, v) = json(&["check", "--format", "json", OWN_ROLE, "--parameters", "Env=dev", "--parameters", "Partner=444455556666"]);
    assert_eq!(code, 1, "{v}");
    let keys: std::collections::BTreeSet<&str> =
        v["results"].as_array().unwrap().iter().map(|r| r["resource"].as_str().unwrap()).filter(|r| r.contains(":key/")).collect();
    assert_eq!(keys.len(), 2, "DevOnlyKey exists in dev: {keys:?}");
    let external = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["control"] == "CIS-KMS-EXPOSED:external" && r["verdict"] == "violated")
        .find(|r| r["counterexample"][0]["principal"].as_str().unwrap().contains("444455556666"))
        .unwrap_or_else(|| panic!("the partner account has access: {v}"));
    let loc = &external["locations"][0];
    assert!(loc.to_string().contains(OWN_ROLE), "{loc}");
    assert_eq!(loc["line"], 57, "the Partner statement's line in the template: {loc}");
    let rotation: Vec<&Value> = v["results"].as_array().unwrap().iter().filter(|r| r["control"] == "KMS.4").collect();
    assert!(rotation.iter().all(|r| r["verdict"] == "violated"), "rotation is off in dev (and by default): {rotation:?}");
}

/// An imported value is unknown before deployment: any value of its type (CONTROLS.md
/// "Templates and plans"). What holds for every value is proved (on the wider or narrower
/// bound), a violation names the value it assumed (a role of another account, `*`), and
/// `--import-value` pins the value.
#[test]
fn an_imported_value_is_any_value() {
    let t = "corpus/templates/imported-partner.yaml";
    let (code, v) = json(&["check", "--format", "json", t]);
    assert_eq!(code, 1, "{v}");
    let external = result(&v, ":key/", "CIS-KMS-EXPOSED:external");
    assert_eq!(external["verdict"], "violated", "{external}");
    assert!(
        external["message"].as_str().unwrap().starts_with("violated if the export PartnerRoleArn is arn:aws:iam::999999999999:role/"),
        "{external}"
    );
    assert_eq!(external["assumed"][0]["value"], "arn:aws:iam::999999999999:role/keyward-assumed", "{external}");
    assert!(external["assumed"][0]["unknown"].as_str().unwrap().contains("PartnerRoleArn"), "{external}");
    assert_eq!(external["counterexample"][0]["principal"], "arn:aws:sts::999999999999:assumed-role/keyward-assumed/session");
    assert_eq!(external["locations"][0]["line"], 15, "the Partner statement: {external}");
    let public = result(&v, ":key/", "CIS-KMS-EXPOSED:public");
    assert_eq!((public["verdict"].as_str(), public["assumed"][0]["value"].as_str()), (Some("violated"), Some("*")), "{public}");
    // kms:Decrypt for any principal at all grants none of the destructive actions, and the
    // root statement does not depend on the import.
    for c in ["IAM-KMS-1", "IAM-KMS-2", "IAM-KMS-5", "IAM-KMS-1:lockout", "BP-KMS-STAR-KEYPOLICY", "BP-DENY-NOTPRINCIPAL"] {
        let r = result(&v, ":key/", c);
        assert_eq!(r["verdict"], "holds", "{r}");
        assert!(r.get("assumed").is_none(), "{r}");
    }
    assert!(result(&v, ":key/", "IAM-KMS-5")["message"].as_str().unwrap().contains("for every value of the export PartnerRoleArn"));

    let (code, v) = json(&["check", "--format", "json", t, "--import-value", "PartnerRoleArn=arn:aws:iam::444455556666:role/Reader"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(result(&v, ":key/", "CIS-KMS-EXPOSED:external")["verdict"], "violated");
    assert_eq!(result(&v, ":key/", "CIS-KMS-EXPOSED:public")["verdict"], "holds");
    assert!(result(&v, ":key/", "CIS-KMS-EXPOSED:public").get("assumed").is_none());
    let (_, same_account) =
        json(&["check", "--format", "json", t, "--import-value", "PartnerRoleArn=arn:aws:iam::111122223333:role/Reader"]);
    assert_eq!(result(&same_account, ":key/", "CIS-KMS-EXPOSED:external")["verdict"], "holds");
}

/// A parameter's AllowedValues are its only values: the cases are exhaustive and decide alone,
/// also in a `!Sub` and a Condition; its AllowedPattern keeps out values CloudFormation refuses.
#[test]
fn a_parameter_is_decided_for_the_values_it_allows() {
    let t = "corpus/templates/partner-listed.yaml";
    let (code, v) = json(&["check", "--format", "json", t]);
    assert_eq!(code, 1, "{v}");
    let listed = result(&v, ":key/", "CIS-KMS-EXPOSED:external");
    assert_eq!(listed["verdict"], "violated", "{listed}");
    assert_eq!(listed["assumed"][0]["value"], "444455556666", "the allowed value outside the owner: {listed}");
    let trusted = result(&v, ":key/", "CIS-KMS-EXPOSED:public");
    assert_eq!(trusted["verdict"], "holds", "{trusted}");
    assert!(trusted["message"].as_str().unwrap().contains("for each of the 2 values the template allows"), "{trusted}");
    // An AllowedPattern of role ARNs: `*` is not one of them. The wider bound (any principal)
    // is public, and no value tried is: unknown, not a guess either way.
    let (code, v) = json(&["check", "--format", "json", "corpus/templates/partner-patterned.yaml"]);
    assert_eq!(code, 1, "{v}");
    let patterned = result(&v, ":key/", "CIS-KMS-EXPOSED:public");
    assert_eq!(patterned["verdict"], "unknown", "{patterned}");
    let message = patterned["message"].as_str().unwrap();
    assert!(message.contains("not violated for the parameter PartnerRole = arn:aws:iam::999999999999:role/"), "{message}");
    assert!(!message.contains(" or *"), "{message}");
    assert_eq!(result(&v, ":key/", "CIS-KMS-EXPOSED:external")["verdict"], "violated");
    // Pinned, it is decided like any value.
    let (_, v) = json(&["check", "--format", "json", t, "--parameters", "PartnerAccount=111122223333"]);
    assert_eq!(result(&v, ":key/", "CIS-KMS-EXPOSED:external")["verdict"], "holds");
}

/// A JSON template with Fn::Join: a public key, and CloudFormation's default of rotation off.
#[test]
fn a_json_template_is_read_like_a_yaml_one() {
    let (code, v) = json(&["check", "--format", "json", "corpus/templates/public-key.json"]);
    assert_eq!(code, 1, "{v}");
    let public = result(&v, ":key/", "CIS-KMS-EXPOSED:public");
    assert_eq!(public["verdict"], "violated");
    assert_eq!(public["locations"][0]["line"], 11, "{public}");
    assert_eq!(result(&v, ":key/", "KMS.4")["verdict"], "violated");
    assert_eq!(result(&v, ":key/", "IAM-KMS-1")["verdict"], "holds", "Fn::Join built the root principal");
}

/// What keyward cannot see is refused with the place: a SAM transform.
#[test]
fn a_transform_is_refused_with_its_place() {
    let r = keyward(&["check", "corpus/templates/sam.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("corpus/templates/sam.yaml:1:12") && r.stderr.contains("AWS::Serverless-2016-10-31"), "{}", r.stderr);
}

/// Read each of `files` with `keyward resolve`: every one is read or refused with messages
/// that name the file, line and column, nothing crashes. (files read, files with errors,
/// subjects found)
fn read_or_refused(files: &[PathBuf]) -> (usize, usize, usize) {
    let (mut analysed, mut refused, mut subjects_found) = (0, 0, 0);
    for f in files {
        let path = f.to_str().unwrap();
        let (code, v) = json(&["resolve", path]);
        assert!(code == 0 || code == 2, "{path}: exit {code}");
        let errors = v["errors"].as_array().unwrap();
        for e in errors {
            assert!(e["file"] == path && e["line"].as_u64().unwrap() > 0 && e["column"].as_u64().unwrap() > 0, "{path}: {e}");
            assert!(!e["message"].as_str().unwrap().is_empty());
        }
        subjects_found += v["subjects"].as_array().unwrap().len();
        if errors.is_empty() {
            analysed += 1;
        } else {
            refused += 1;
        }
    }
    (analysed, refused, subjects_found)
}

/// Every real template of `../shared/data/iac/cloudformation` is analysed or refused with its
/// place.
#[test]
fn every_real_template_is_analysed_or_refused_with_its_place() {
    let Some(dir) = shared_data("iac/cloudformation") else { return };
    let files = crate::common::files(&dir);
    let (analysed, refused, _) = read_or_refused(&files);
    eprintln!("{analysed} templates analysed, {refused} with errors");
    assert_eq!(analysed + refused, files.len());
}

const PLAN: &str = "corpus/plans/kms-plan.json";

/// A Terraform plan: a key policy known only after apply is rebuilt from its
/// aws_iam_policy_document when its blocks are constants (blocks of one principal type, or of
/// one condition test and key, merge as the provider merges them); a block whose value is an
/// expression (`[aws_iam_role.app.arn]` records the same references as `concat(…, ["*"])`) is
/// not guessed: unknown; a key without a policy argument has KMS's default policy; a role
/// created without inline policies has none.
#[test]
fn a_plan_rebuilds_what_it_knows_only_after_apply() {
    let (code, v) = json(&["resolve", PLAN]);
    assert_eq!(code, 0, "{v}");
    let keys = subjects(&v, "key");
    assert_eq!(keys.len(), 4, "{v}");
    // aws_iam_user.ci has use-data-key as its permissions boundary (a reference to it).
    let boundary = subjects(&v, "identity").into_iter().find(|s| s["resource"].to_string().contains("use-data-key")).unwrap();
    assert_eq!(boundary["origin"], serde_json::json!({"managed": {"boundary": true}}), "{boundary}");
    // aws_iam_role.app is created without inline_policy blocks: the provider reads the
    // attribute back after apply, but a new role has no inline policy of its own.
    assert!(subjects(&v, "identity").iter().all(|s| !s["resource"].to_string().contains("app/")), "{v}");
    let shared = keys
        .iter()
        .find(|k| k["policy"]["document"]["Statement"][1]["Sid"] == "Partner" && k["unresolved"] == serde_json::json!([]))
        .unwrap_or_else(|| panic!("{v}"));
    let st = &shared["policy"]["document"]["Statement"][1];
    assert_eq!(st["Principal"]["AWS"], serde_json::json!(["444455556666", "777788889999"]));
    assert_eq!(
        st["Condition"]["StringEquals"]["kms:ViaService"],
        serde_json::json!(["s3.us-east-1.amazonaws.com", "ec2.us-east-1.amazonaws.com"])
    );
    let data =
        keys.iter().find(|k| k["aliases"] == serde_json::json!(["alias/data"])).unwrap_or_else(|| panic!("the alias finds its key: {v}"));
    // Expressions in Principal entries: unknown strings, bounded; without values to try the
    // controls that the bounds do not decide answer unknown.
    assert_eq!(data["unresolved"], serde_json::json!([]), "{data}");
    assert!(data["assumed"]["values"][0].as_str().unwrap().contains("records its references"), "{data}");
    assert_eq!(data["assumed"]["wider"]["document"]["Statement"][0]["Principal"], "*", "{data}");
    assert_eq!(data["assumed"]["narrower"]["document"]["Statement"], serde_json::json!([]), "{data}");
    let default = keys.iter().find(|k| k["policy"]["document"]["Id"] == "key-default-1").unwrap_or_else(|| panic!("{v}"));
    assert_eq!(default["rotation"], true);
    let opaque =
        keys.iter().find(|k| k["unresolved"].to_string().contains("module.shared.aws_kms_key.opaque")).unwrap_or_else(|| panic!("{v}"));

    let (code, v) = json(&["check", "--format", "json", PLAN]);
    assert_eq!(code, 1, "{v}");
    let arn = shared["resource"].as_str().unwrap();
    let external = result(&v, arn, "CIS-KMS-EXPOSED:external");
    assert_eq!(external["verdict"], "violated", "the partner accounts, through S3 or EC2: {external}");
    assert!(external["locations"].to_string().contains(PLAN), "{external}");
    assert_eq!(result(&v, data["resource"].as_str().unwrap(), "CIS-KMS-EXPOSED:public")["verdict"], "unknown");
    assert_eq!(result(&v, "use-data-key", "CIS-KMS-STAR")["verdict"], "violated");
    assert_eq!(result(&v, opaque["resource"].as_str().unwrap(), "CIS-KMS-EXPOSED:public")["verdict"], "unknown");
}

/// Every real plan of `../shared/data/iac/terraform` is analysed or refused with its place.
#[test]
fn every_real_plan_is_analysed_or_refused_with_its_place() {
    let Some(dir) = shared_data("iac/terraform") else { return };
    let files = crate::common::json_files(&dir);
    assert!(!files.is_empty());
    let (analysed, refused, subjects_found) = read_or_refused(&files);
    eprintln!("{analysed} plans analysed, {refused} with errors, {subjects_found} subjects");
    assert_eq!(analysed + refused, files.len());
    assert!(subjects_found > 0);
}

/// SARIF as code scanning reads it: a severity score on every rule, a region and a fingerprint
/// on every result, relative URIs for inputs under the working folder and `file://` URIs for
/// others; the fingerprint stays when the template's lines move.
#[test]
fn sarif_is_what_code_scanning_accepts() {
    let sarif = |args: &[&str]| json(&[&["check", "--format", "sarif"], args].concat()).1;
    let v = sarif(&[OWN_ROLE, PLAN]);
    let run = &v["runs"][0];
    for rule in run["tool"]["driver"]["rules"].as_array().unwrap() {
        let score: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
        assert!((0.0..=10.0).contains(&score), "{rule}");
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert!(r["partialFingerprints"]["keyward/v1"].as_str().is_some_and(|f| f.len() == 16), "{r}");
        for l in r["locations"].as_array().unwrap() {
            let uri = l["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            assert!(uri == OWN_ROLE || uri == PLAN, "a relative reference: {uri}");
            assert!(l["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1, "{r}");
        }
    }
    // The same template two lines lower, outside the working folder: the same fingerprints.
    let moved = std::env::temp_dir().join(format!("keyward-moved-{}.yaml", std::process::id()));
    std::fs::write(&moved, format!("# moved\n# down\n{}", std::fs::read_to_string(project_dir().join(OWN_ROLE)).unwrap())).unwrap();
    let m = sarif(&[moved.to_str().unwrap()]);
    let prints = |v: &Value, file_part: &str| -> Vec<(String, String, u64)> {
        v["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().contains(file_part))
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["keyward/v1"].as_str().unwrap().to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let before = prints(&v, "key-for-own-role");
    let after = prints(&m, "keyward-moved");
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1), "the fingerprint follows the finding");
        assert_eq!(b.2 + 2, a.2, "the region moved with the lines");
    }
    let uri = m["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///"), "outside the working folder: {uri}");
    std::fs::remove_file(&moved).unwrap();
}

/// The AWS validators' commands, offline: their report (`BlockingFindings`,
/// `NonBlockingFindings`, finding type, code, resource and policy name, reasons by statement)
/// and exit codes (0 none blocking, 2 blocking, 1 an error), with keyward's counterexample.
#[test]
fn the_validators_commands_answer_offline() {
    let (code, v) = json(&["check-no-public-access", "--template-path", "corpus/templates/public-key.json", "--region", "us-east-1"]);
    assert_eq!(code, 2, "{v}");
    let f = &v["BlockingFindings"][0];
    assert_eq!((f["findingType"].as_str(), f["code"].as_str()), (Some("SECURITY_WARNING"), Some("policy-analysis-CheckNoPublicAccess")));
    assert_eq!((f["resourceName"].as_str(), f["policyName"].as_str()), (Some("PublicKey"), Some("KeyPolicy")));
    assert_eq!(f["details"]["reasons"][0]["statementIndex"], 1);
    assert!(f["details"]["counterexample"][0]["principal"].as_str().is_some());
    assert_eq!(v["NonBlockingFindings"], serde_json::json!([]));
    // Ignored by resource name, or not blocking: exit 0.
    let (code, v) =
        json(&["check-no-public-access", "--template-path", "corpus/templates/public-key.json", "--ignore-finding", "PublicKey"]);
    assert_eq!((code, v["BlockingFindings"].as_array().unwrap().len()), (0, 0));
    let (code, v) = json(&["check-no-public-access", "--template-path", "corpus/templates/public-key.json", "--treat-as-blocking", "None"]);
    assert_eq!((code, v["NonBlockingFindings"].as_array().unwrap().len()), (0, 1));
    let (code, _) = json(&["check-no-public-access", "--template-path", OWN_ROLE]);
    assert_eq!(code, 0);

    // An imported principal is any principal: public if the export is `*`, which the finding
    // says.
    let (code, v) = json(&["check-no-public-access", "--template-path", "corpus/templates/imported-partner.yaml"]);
    let f = &v["BlockingFindings"][0];
    assert_eq!((code, f["findingType"].as_str()), (2, Some("SECURITY_WARNING")), "{v}");
    assert_eq!(f["details"]["assumed"][0]["value"], "*", "{v}");
    assert!(f["details"]["message"].as_str().unwrap().contains("violated if the export PartnerRoleArn is *"), "{v}");
    // The policy for an imported key: an action it does not grant on any key is no finding for
    // every value of the import; one it grants is a finding for a value tried.
    let imported = "corpus/templates/imported-partner.yaml";
    let (code, v) = json(&["check-access-not-granted", "--template-path", imported, "--actions", "kms:ScheduleKeyDeletion"]);
    let names: Vec<&str> = v["BlockingFindings"].as_array().unwrap().iter().map(|f| f["resourceName"].as_str().unwrap()).collect();
    assert_eq!((code, names), (2, vec!["SharedKey"]), "only the key's Root statement grants it: {v}");
    let (code, v) = json(&["check-access-not-granted", "--template-path", imported, "--actions", "kms:Decrypt"]);
    assert_eq!(code, 2, "{v}");
    let f = v["BlockingFindings"].as_array().unwrap().iter().find(|f| f["resourceName"] == "UseSharedKey").unwrap_or_else(|| panic!("{v}"));
    assert_eq!(f["details"]["assumed"][0]["value"], "arn:aws:kms:us-east-1:111122223333:key/6b657977-6172-4400-8000-000000000001", "{f}");

    let (code, v) = json(&["check-access-not-granted", "--template-path", PLAN, "--actions", "kms:ScheduleKeyDeletion"]);
    assert_eq!(code, 2, "{v}");
    let names: Vec<(&str, &str)> = v["BlockingFindings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["policyName"].as_str().unwrap(), f["findingType"].as_str().unwrap()))
        .collect();
    assert!(names.contains(&("aws_iam_policy.use_data_key", "SECURITY_WARNING")), "{names:?}");
    assert!(names.contains(&("aws_kms_key.data", "ERROR")), "an unknown policy is an error finding, blocking: {names:?}");

    // No new access beyond a reference: the role's kms:Decrypt/Encrypt policy is within kms:*.
    let reference = std::env::temp_dir().join(format!("keyward-reference-{}.json", std::process::id()));
    std::fs::write(&reference, r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#)
        .unwrap();
    let r = reference.to_str().unwrap();
    let (code, v) =
        json(&["check-no-new-access", "--template-path", OWN_ROLE, "--reference-policy", r, "--reference-policy-type", "identity"]);
    assert_eq!(code, 0, "{v}");
    std::fs::write(
        &reference,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": "*"}]}"#,
    )
    .unwrap();
    let (code, v) =
        json(&["check-no-new-access", "--template-path", OWN_ROLE, "--reference-policy", r, "--reference-policy-type", "identity"]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(v["BlockingFindings"][0]["code"], "policy-analysis-CheckNoNewAccess");
    assert_eq!(v["BlockingFindings"][0]["details"]["counterexample"][0]["action"], "kms:Decrypt");
    std::fs::remove_file(&reference).unwrap();

    let r = keyward(&["check-no-public-access", "--template-path", "corpus/templates/sam.yaml"]);
    assert_eq!(r.code, 1, "an input error: {}", r.stderr);
}

/// A statement under a condition that depends on a parameter without value: the key's verdicts
/// are unknown, and the template is no input error.
#[test]
fn a_statement_under_an_unknown_condition_is_unknown_not_an_error() {
    let t = "corpus/templates/unknown-condition.yaml";
    let (code, v) = json(&["check", "--format", "json", t]);
    assert_eq!(code, 3, "{v}");
    assert_eq!(v["errors"], serde_json::json!([]));
    assert!(v["results"].as_array().unwrap().iter().all(|r| r["verdict"] == "unknown"), "{v}");
    let (code, v) = json(&["check", "--format", "json", t, "--parameters", "Partner=444455556666"]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(result(&v, ":key/", "CIS-KMS-EXPOSED:external")["verdict"], "violated");
}

/// A policy given as a JSON string that is not valid JSON: an error at the string's place in
/// the template (regression of a fuzz find: serde's column 0 inside the string).
#[test]
fn a_broken_policy_string_is_an_error_at_its_place() {
    let (code, v) = json(&["resolve", "corpus/templates/broken-policy-string.yaml"]);
    assert_eq!(code, 2, "{v}");
    let e = &v["errors"][0];
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(10), Some(27)), "{e}");
    assert!(e["message"].as_str().unwrap().contains("invalid JSON"), "{e}");
}

/// `--baseline REPORT.json`: the findings of an earlier report are suppressed ("in the
/// baseline"), new ones still fail; a baseline that is not a report is a usage error.
/// `--ignore-finding` accepts findings in the validators' syntax.
#[test]
fn a_baseline_reports_only_new_findings() {
    let base = std::env::temp_dir().join(format!("keyward-baseline-{}.json", std::process::id()));
    let r = keyward(&["check", "--format", "json", "corpus/templates/public-key.json"]);
    assert_eq!(r.code, 1);
    std::fs::write(&base, &r.stdout).unwrap();
    let b = base.to_str().unwrap();
    let (code, v) = json(&["check", "--format", "json", "corpus/templates/public-key.json", "--baseline", b]);
    assert_eq!(code, 0, "nothing new: {v}");
    let suppressed: Vec<&Value> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressed"]["reason"].as_str().is_some_and(|s| s.contains("baseline")))
        .collect();
    assert_eq!(suppressed.len(), 3, "{v}");
    let (code, _) =
        json(&["check", "--format", "json", "corpus/templates/public-key.json", OWN_ROLE, "--parameters", "Env=dev", "--baseline", b]);
    assert_eq!(code, 1, "the dev stack's findings are new");
    // The validators' --ignore-finding syntax: control ids (comma-separated).
    let (code, _) =
        json(&["check", "--format", "json", "corpus/templates/public-key.json", "--ignore-finding", "KMS.4,CIS-KMS-EXPOSED:public"]);
    assert_eq!(code, 1, "CIS-KMS-EXPOSED:external is not ignored");
    let (code, _) = json(&[
        "check",
        "--format",
        "json",
        "corpus/templates/public-key.json",
        "--ignore-finding",
        "KMS.4,CIS-KMS-EXPOSED:public,CIS-KMS-EXPOSED:external",
    ]);
    assert_eq!(code, 0);
    let r = keyward(&["check", "corpus/templates/public-key.json", "--baseline", OWN_ROLE]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--baseline"), "{}", r.stderr);
    std::fs::remove_file(&base).unwrap();
}

/// A template configuration file gives parameter values (CodePipeline's object or the CLI's
/// list); `--parameters` override it; a file that is neither is a usage error naming it.
#[test]
fn a_template_configuration_file_gives_parameters() {
    let t = "corpus/templates/partner-listed.yaml";
    let dir = std::env::temp_dir();
    let object = dir.join(format!("keyward-configuration-{}.json", std::process::id()));
    let list = dir.join(format!("keyward-parameters-{}.json", std::process::id()));
    let bad = dir.join(format!("keyward-bad-configuration-{}.json", std::process::id()));
    std::fs::write(&object, r#"{"Parameters": {"PartnerAccount": "111122223333"}, "Tags": {"team": "a"}}"#).unwrap();
    std::fs::write(&list, r#"[{"ParameterKey": "PartnerAccount", "ParameterValue": "444455556666"}]"#).unwrap();
    std::fs::write(&bad, r#"{"Parameter": {"PartnerAccount": "111122223333"}}"#).unwrap();
    let external = |args: &[&str]| {
        let (_, v) = json(&[&["check", "--format", "json", t][..], args].concat());
        result(&v, ":key/", "CIS-KMS-EXPOSED:external").clone()
    };
    let own = external(&["--template-configuration-file", object.to_str().unwrap()]);
    assert_eq!((own["verdict"].as_str(), own.get("assumed")), (Some("holds"), None), "{own}");
    let partner = external(&["--template-configuration-file", list.to_str().unwrap()]);
    assert_eq!(partner["verdict"], "violated", "{partner}");
    assert!(partner.get("assumed").is_none(), "a given value is not assumed: {partner}");
    let over = external(&["--template-configuration-file", list.to_str().unwrap(), "--parameters", "PartnerAccount=111122223333"]);
    assert_eq!(over["verdict"], "holds", "--parameters win: {over}");
    let run = keyward(&["check", t, "--template-configuration-file", bad.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(bad.to_str().unwrap()) && run.stderr.contains("\"Parameter\""), "{}", run.stderr);
    let (code, v) = json(&["check-no-public-access", "--template-path", t, "--template-configuration-file", object.to_str().unwrap()]);
    assert_eq!(code, 0, "{v}");
    for f in [object, list, bad] {
        let _ = std::fs::remove_file(f);
    }
}

/// A plan's aws_kms_grant is a grant on the key its key_id references: a grant to another
/// account's role is external access, under the grant's encryption-context constraint and
/// located at the grant in the plan; a grant whose grantee is known only after apply makes its
/// key unknown (a grant only adds access).
#[test]
fn a_plan_grant_is_access_to_its_key() {
    let plan = "corpus/plans/grant-plan.json";
    let (code, v) = json(&["check", "--format", "json", plan]);
    assert_eq!(code, 1, "{v}");
    let external: Vec<&Value> = v["results"].as_array().unwrap().iter().filter(|r| r["control"] == "CIS-KMS-EXPOSED:external").collect();
    assert_eq!(external.len(), 2, "{v}");
    let shared = external.iter().find(|r| r["verdict"] == "violated").unwrap_or_else(|| panic!("{v}"));
    let cx = &shared["counterexample"][0];
    assert_eq!(cx["principal"], "arn:aws:sts::444455556666:assumed-role/Partner/session", "{shared}");
    assert_eq!(cx["context"]["kms:EncryptionContext:app"], "billing", "the grant's constraint: {shared}");
    assert_eq!((shared["locations"][0]["role"].as_str(), shared["locations"][0]["line"].as_u64()), (Some("grant"), Some(20)), "{shared}");
    let app = external.iter().find(|r| r["verdict"] == "unknown").unwrap_or_else(|| panic!("{v}"));
    assert!(app["message"].as_str().unwrap().contains("grantee_principal of aws_kms_grant.app"), "{app}");
}

/// What a review found: never a "holds" that some deployable value refutes.
#[test]
fn unknown_values_are_never_held_for_too_few_values() {
    let verdict = |file: &str, control: &str, extra: &[&str]| {
        let (_, v) = json(&[&["check", "--format", "json", file][..], extra].concat());
        let r =
            v["results"].as_array().unwrap().iter().find(|r| r["control"] == control).unwrap_or_else(|| panic!("{control}: {v}")).clone();
        (r["verdict"].as_str().unwrap().to_string(), r["message"].as_str().unwrap().to_string())
    };
    // A list parameter's AllowedValues: the whole list is a value.
    let (status, message) = verdict("corpus/templates/unknown-list-allowed.yaml", "IAM-KMS-8", &[]);
    assert_eq!(status, "violated", "{message}");
    assert!(message.contains("is kms:Decrypt,kms:ScheduleKeyDeletion"), "{message}");
    // The cases of a stack whose documents move are not cases.
    let (status, message) = verdict("corpus/templates/unknown-index-shift.yaml", "KMS.2", &[]);
    assert_ne!(status, "holds", "{message}");
    assert_eq!(verdict("corpus/templates/unknown-index-shift.yaml", "KMS.2", &["--parameters", "KeyId=*"]).0, "violated");
    // An Fn::If on an unknown condition may take NotPrincipal away or put it in.
    let (status, message) = verdict("corpus/templates/unknown-structure-if.yaml", "BP-DENY-NOTPRINCIPAL", &[]);
    assert_eq!(status, "violated", "{message}");
    assert!(message.starts_with("violated if the parameter Partner is 111122223333"), "only the parameter is assumed: {message}");
    // An SSM parameter's value is any value.
    let (status, message) = verdict("corpus/templates/unknown-ssm-allowed.yaml", "CIS-KMS-EXPOSED:external", &[]);
    assert_eq!(status, "violated", "{message}");
    // A role's inline policy is its role's.
    let (status, message) = verdict("corpus/templates/role-holder.yaml", "KMS.2", &[]);
    assert_eq!(status, "violated", "{message}");
}

/// The second review: holders and grants never narrower than AWS's.
#[test]
fn holders_and_grants_are_never_narrower_than_aws() {
    let verdicts = |file: &str, control: &str| -> Vec<String> {
        let (_, v) = json(&["check", "--format", "json", file]);
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["control"] == control)
            .map(|r| r["verdict"].as_str().unwrap().to_string())
            .collect()
    };
    // A holder unknown before deployment is any holder (a condition on aws:PrincipalArn cannot
    // exclude it).
    assert_eq!(verdicts("corpus/templates/holder-unknown-role.yaml", "KMS.2"), vec!["violated"]);
    assert_eq!(verdicts("corpus/templates/holder-unknown-name.yaml", "KMS.2"), vec!["violated", "violated"]);
    // A grant's constraints do not apply to DescribeKey.
    assert_eq!(verdicts("corpus/plans/grant-describe.json", "CIS-KMS-EXPOSED:external"), vec!["violated"]);
    // A grant to an account is not modelled: unknown, not "holds".
    assert_eq!(verdicts("corpus/plans/grant-account.json", "CIS-KMS-EXPOSED:external"), vec!["unknown"]);
}
