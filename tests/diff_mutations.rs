//! `keyward diff` on mutations of real policies (the shared corpora; skipped cleanly when they
//! are absent): each access-widening mutation — an action widened to a wildcard, a condition
//! dropped, a Deny removed, a Resource widened — is found with a counterexample the evaluator
//! confirmed, and equivalence-preserving rewrites (reordered statements, a wildcard and its
//! expansion in the direction that adds nothing) are proved to add nothing.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn shared(rel: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data").join(rel);
    p.is_file().then_some(p)
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn statements(doc: &mut Value) -> &mut Vec<Value> {
    if doc["Statement"].is_object() {
        let one = doc["Statement"].take();
        doc["Statement"] = json!([one]);
    }
    doc["Statement"].as_array_mut().unwrap()
}

/// Runs `keyward diff OLD NEW --format json`: exit code and report.
fn diff(name: &str, old: &Value, new: &Value) -> (i32, Value) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff_mutations");
    std::fs::create_dir_all(&dir).unwrap();
    let (o, n) = (dir.join(format!("{name}-old.json")), dir.join(format!("{name}-new.json")));
    std::fs::write(&o, serde_json::to_string_pretty(old).unwrap()).unwrap();
    std::fs::write(&n, serde_json::to_string_pretty(new).unwrap()).unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_keyward")).args(["diff", "--format", "json", "--no-explain"]).arg(&o).arg(&n).output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

/// Runs `keyward access --diff OLD NEW --format json` on the pair `diff` wrote: exit code and
/// report.
fn access_diff(name: &str) -> (i32, Value) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diff_mutations");
    let (o, n) = (dir.join(format!("{name}-old.json")), dir.join(format!("{name}-new.json")));
    let out = Command::new(env!("CARGO_BIN_EXE_keyward")).args(["access", "--diff", "--format", "json"]).arg(&o).arg(&n).output().unwrap();
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

/// The findings `access --diff` adds for the pair `name` (at least one, each with a request
/// only NEW allows), and that it exits 1.
fn access_added(name: &str) -> Vec<Value> {
    let (code, report) = access_diff(name);
    assert_eq!(code, 1, "{name}: access --diff finds added access: {report:#}");
    let added: Vec<Value> = report["subjects"].as_array().unwrap().iter().flat_map(|s| s["added"].as_array().unwrap().clone()).collect();
    assert!(!added.is_empty() && added.iter().all(|f| f["only_here"].is_object()), "{name}: {report:#}");
    added
}

fn access_nothing_added(name: &str) {
    let (code, report) = access_diff(name);
    assert_eq!(code, 0, "{name}: access --diff adds nothing: {report:#}");
    assert_eq!(report["added"], 0, "{name}: {report:#}");
}

fn added(name: &str, old: &Value, new: &Value) -> Value {
    let (code, report) = diff(name, old, new);
    assert_eq!(code, 1, "{name}: NEW grants more: {report:#}");
    assert_eq!(report["new_grants_more"]["verdict"], "violated", "{name}");
    assert!(!report["new_grants_more"]["statements"].as_array().unwrap().is_empty(), "{name}: the responsible statement is shown");
    report["new_grants_more"]["counterexample"].clone()
}

fn nothing_added(name: &str, old: &Value, new: &Value) {
    let (code, report) = diff(name, old, new);
    assert_eq!(code, 0, "{name}: NEW grants nothing more: {report:#}");
    assert_eq!(report["new_grants_more"]["verdict"], "holds", "{name}");
}

#[test]
fn widening_mutations_of_real_policies_are_found() {
    let (Some(rosa), Some(abac)) =
        (shared("aws-managed-policies/ROSAKMSProviderPolicy.json"), shared("kms-policies/awsdocs-kms-guide/abac__01.json"))
    else {
        eprintln!("shared corpora absent: skipped");
        return;
    };
    let old = read(&rosa);
    // An action widened to a wildcard: some KMS action the policy did not name.
    let mut wider = old.clone();
    statements(&mut wider)[0]["Action"] = json!("kms:*");
    let cx = added("rosa-action", &old, &wider);
    let a = cx["action"].as_str().unwrap().to_ascii_lowercase();
    assert!(a.starts_with("kms:") && !["kms:encrypt", "kms:decrypt", "kms:describekey"].contains(&a.as_str()), "{cx}");
    // access --diff names the actions added: the finding's witness is one the old policy lacks.
    let found = access_added("rosa-action");
    assert!(
        found.iter().any(|f| {
            let a = f["only_here"]["action"].as_str().unwrap_or("").to_ascii_lowercase();
            a.starts_with("kms:") && !["kms:encrypt", "kms:decrypt", "kms:describekey"].contains(&a.as_str())
        }),
        "{found:#?}"
    );
    // A condition dropped: a request without the resource tag.
    let mut loose = old.clone();
    statements(&mut loose)[0].as_object_mut().unwrap().remove("Condition");
    let cx = added("rosa-condition", &old, &loose);
    assert_ne!(cx["context"]["aws:ResourceTag/red-hat"], "true", "{cx}");
    // The added finding has no resource-tag condition, and its witness lacks the tag.
    let found = access_added("rosa-condition");
    assert!(
        found.iter().any(|f| f["conditions"].as_array().unwrap().iter().all(|c| c["key"] != "aws:ResourceTag/red-hat")
            && f["only_here"]["context"]["aws:ResourceTag/red-hat"] != "true"),
        "{found:#?}"
    );
    // A Resource widened: a key outside the region and account of the ARN pattern.
    let old = read(&abac);
    let mut anywhere = old.clone();
    statements(&mut anywhere)[0]["Resource"] = json!("*");
    let cx = added("abac-resource", &old, &anywhere);
    assert!(!cx["resource"].as_str().unwrap().starts_with("arn:aws:kms:ap-southeast-1:111122223333:key/"), "{cx}");
    let found = access_added("abac-resource");
    assert!(
        found.iter().any(|f| !f["only_here"]["resource"].as_str().unwrap().starts_with("arn:aws:kms:ap-southeast-1:111122223333:key/")),
        "{found:#?}"
    );
}

#[test]
fn removing_a_real_deny_guardrail_is_found() {
    let (Some(admin), Some(guard)) =
        (shared("aws-managed-policies/AdministratorAccess.json"), shared("kms-policies/awsdocs-kms-guide/cmks-in-iam-policies__02.json"))
    else {
        eprintln!("shared corpora absent: skipped");
        return;
    };
    // AdministratorAccess with the KMS guide's Deny guardrail appended, then the Deny removed.
    let mut guarded = read(&admin);
    let deny = statements(&mut read(&guard))[0].clone();
    statements(&mut guarded).push(deny);
    let unguarded = read(&admin);
    let cx = added("deny-removed", &guarded, &unguarded);
    let a = cx["action"].as_str().unwrap().to_ascii_lowercase();
    assert!(["kms:createkey", "kms:putkeypolicy", "kms:creategrant", "kms:schedulekeydeletion"].contains(&a.as_str()), "{cx}");
    let found = access_added("deny-removed");
    let guarded_actions = ["kms:createkey", "kms:putkeypolicy", "kms:creategrant", "kms:schedulekeydeletion"];
    assert!(
        found.iter().any(|f| guarded_actions.contains(&f["only_here"]["action"].as_str().unwrap_or("").to_ascii_lowercase().as_str())),
        "{found:#?}"
    );
    nothing_added("deny-added", &unguarded, &guarded);
    access_nothing_added("deny-added");
}

#[test]
fn equivalence_preserving_rewrites_add_nothing() {
    let (Some(backup), Some(quick)) = (
        shared("aws-managed-policies/AWSBackupServiceRolePolicyForBackup.json"),
        shared("kms-policies/cloudsplaining/example__AWS-QuickSetup-EnableCRecording-1clff_us-west-1__AWS-QuickSetup-CFGRecording-PolicyForAutomation-us-west-1-1clff.json"),
    ) else {
        eprintln!("shared corpora absent: skipped");
        return;
    };
    // Reordered statements, both ways.
    let old = read(&backup);
    let mut reordered = old.clone();
    statements(&mut reordered).reverse();
    nothing_added("reordered", &old, &reordered);
    nothing_added("reordered-back", &reordered, &old);
    access_nothing_added("reordered");
    access_nothing_added("reordered-back");
    // `kms:GenerateDataKey*` and `kms:ReEncrypt*` expanded to the catalog actions they match:
    // the expansion grants nothing the wildcards did not, while the wildcards also grant the
    // actions AWS may add later — keyward shows one.
    let old = read(&quick);
    let mut expanded = old.clone();
    for st in statements(&mut expanded) {
        if let Some(list) = st["Action"].as_array() {
            let mut out = Vec::new();
            for a in list {
                match a.as_str().unwrap() {
                    "kms:GenerateDataKey*" => out.extend(
                        [
                            "kms:GenerateDataKey",
                            "kms:GenerateDataKeyPair",
                            "kms:GenerateDataKeyPairWithoutPlaintext",
                            "kms:GenerateDataKeyWithoutPlaintext",
                        ]
                        .map(Value::from),
                    ),
                    "kms:ReEncrypt*" => out.extend(["kms:ReEncryptFrom", "kms:ReEncryptTo"].map(Value::from)),
                    _ => out.push(a.clone()),
                }
            }
            st["Action"] = Value::from(out);
        }
    }
    assert_ne!(old, expanded, "the policy has the wildcards this test expands");
    nothing_added("expanded", &old, &expanded);
    access_nothing_added("expanded");
    let cx = added("unexpanded", &expanded, &old);
    // The wildcards add the actions AWS may add later: the finding says so.
    let found = access_added("unexpanded");
    assert!(found.iter().any(|f| f["unlisted_actions"].is_string()), "{found:#?}");
    let a = cx["action"].as_str().unwrap().to_ascii_lowercase();
    assert!(a.starts_with("kms:generatedatakey") || a.starts_with("kms:reencrypt"), "{cx}");
    assert!(keyward::model::catalog::lookup(cx["action"].as_str().unwrap()).is_none(), "an action outside the catalog: {cx}");
}
