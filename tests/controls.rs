//! The labelled control corpus (`corpus/controls/<CONTROL>/*.json`): each case gives a policy
//! (or key metadata), the control, its parameters and the expected verdict; every case must
//! get that verdict, every violation of a semantic control must carry a counterexample (which
//! `properties::run` has already replayed through the evaluator), and every control must have
//! at least 8 cases. An unknown verdict (solver timeout) is never counted as the expected one;
//! up to 1% of the cases may be unknown before the test fails (a solver-speed regression).
//!
//! ```json
//! {"description": "…", "control": "KMS.1", "kind": "identity" | "key",
//!  "key_arn": "arn:aws:kms:…:key/…", "params": {"blocked_actions": ["kms:Decrypt"]},
//!  "holder": "arn:aws:iam::…:user/…" (an inline identity policy's user, role or group),
//!  "at": "2026-12-01T09:00:00Z" (the requests are made then, as with `--at`),
//!  "policy": POLICY, "grants": [GRANT…], "describe_key": {"KeyMetadata": {…}},
//!  "rotation": {"KeyRotationEnabled": false}, "expect": "holds" | "violated" | "not_applicable"}
//! ```

use keyward::controls::{run_subject, Ctx, IdentityOrigin, IdentitySubject, KeyMetadata, KeySubject, Params, Status, Subject, CONTROLS};
use keyward::inputs::grants;
use keyward::policy::{parse_policy, Source};
use keyward::smt::SolverOptions;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

fn subject(file: &str, case: &Value) -> Subject {
    let control = case["control"].as_str().unwrap();
    let kind = case["kind"].as_str().unwrap_or("identity");
    let policy = case.get("policy").map(|p| {
        parse_policy(Source::new(format!("{file}#policy"), serde_json::to_string_pretty(p).unwrap()))
            .unwrap_or_else(|e| panic!("{file}: {e}"))
    });
    if kind == "key" {
        let key_arn =
            case["key_arn"].as_str().unwrap_or("arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab").to_string();
        let owner = keyward::model::value::Arn::parse(&key_arn).unwrap().account;
        let grants = case.get("grants").and_then(|g| grants::grants_policy(file, &grants::parse_grants(file, g).unwrap()).unwrap());
        let metadata: Option<KeyMetadata> = case.get("describe_key").map(|d| serde_json::from_value(d["KeyMetadata"].clone()).unwrap());
        let rotation = case.get("rotation").and_then(|r| r["KeyRotationEnabled"].as_bool());
        let key_arn = metadata.as_ref().map(|m| m.arn.clone()).filter(|a| !a.is_empty()).unwrap_or(key_arn);
        Subject::Key(KeySubject {
            file: file.into(),
            key_arn,
            owner,
            policy,
            grants,
            metadata,
            rotation,
            aliases: vec![],
            principals: None,
            scps: vec![],
            unresolved: vec![],
            assumed: None,
        })
    } else {
        let origin = if let Some(holder) = case.get("holder").and_then(Value::as_str) {
            IdentityOrigin::Inline { holder: holder.into() }
        } else if control == "KMS.2" {
            IdentityOrigin::Inline { holder: "arn:aws:iam::111122223333:role/Holder".into() }
        } else {
            IdentityOrigin::File
        };
        Subject::Identity(IdentitySubject {
            file: file.into(),
            resource: file.into(),
            policy: policy.unwrap_or_else(|| panic!("{file}: no policy")),
            origin,
            unresolved: vec![],
            assumed: None,
        })
    }
}

#[test]
fn every_control_case_gets_its_verdict() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/controls");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    paths.sort();
    let opts = SolverOptions { timeout: std::time::Duration::from_secs(5), ..SolverOptions::default() };
    let mut failures = Vec::new();
    let mut unknowns = Vec::new();
    let mut per_control: BTreeMap<String, usize> = BTreeMap::new();
    for path in &paths {
        let file = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(path).display().to_string();
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let control = case["control"].as_str().unwrap().to_string();
        let mut params = Params::default();
        for (k, v) in case.get("params").and_then(|p| p.as_object()).into_iter().flatten() {
            params.set_json(&control, k, v).unwrap_or_else(|e| panic!("{file}: {e}"));
        }
        // `"at"`: the instant of `--at` (requests made then).
        let at = case
            .get("at")
            .and_then(Value::as_str)
            .map(|t| keyward::model::value::Timestamp::parse(t).unwrap_or_else(|| panic!("{file}: at")));
        let opts = SolverOptions { at, ..opts.clone() };
        let ctx = Ctx { params: &params, opts: &opts };
        let t0 = std::time::Instant::now();
        let subject = subject(&file, &case);
        let findings = run_subject(&subject, std::slice::from_ref(&control), &ctx);
        // The keys the case's policies read: a counterexample must not leave out one that
        // every such request carries.
        let read = {
            let mut set = keyward::model::PolicySet::default();
            match &subject {
                Subject::Key(k) => set.key_policy = k.policy.clone(),
                Subject::Identity(i) => set.identity.push(i.policy.clone()),
            }
            set.keys_read()
        };
        if t0.elapsed().as_secs_f64() > 2.0 {
            eprintln!("slow: {file}: {control}: {:.1} s", t0.elapsed().as_secs_f64());
        }
        let Some(f) = findings.iter().find(|f| f.control == control) else {
            failures.push(format!("{file}: no result for {control}"));
            continue;
        };
        *per_control.entry(control.clone()).or_default() += 1;
        let want = case["expect"].as_str().unwrap();
        if f.status == Status::Unknown {
            // Never a wrong answer, but a solver-speed problem: bounded below.
            unknowns.push(format!("{file}: {control}: {}", f.message));
        } else if f.status.name() != want {
            failures.push(format!("{file}: {control} expected {want}, got {} — {}", f.status.name(), f.message));
        }
        let semantic = !control.starts_with("BP-") && !matches!(control.as_str(), "KMS.3" | "KMS.4" | "IAM-KMS-1");
        if f.status == Status::Violated && semantic && f.counterexample.is_empty() {
            failures.push(format!("{file}: {control} violated without a counterexample"));
        }
        // Every counterexample is a request AWS can send (request-context facts).
        for r in &f.counterexample {
            for bad in keyward::model::request_facts::check(r)
                .into_iter()
                .filter(|x| x.severity == keyward::model::request_facts::Severity::Impossible || read.contains(&x.key.to_ascii_lowercase()))
            {
                failures.push(format!(
                    "{file}: {control}: counterexample {} is impossible or incomplete: {}",
                    r.to_json_line(),
                    bad.message
                ));
            }
        }
    }
    for c in CONTROLS.iter().filter(|c| !c.id.contains(":unlisted") && !c.id.contains(":lockout")) {
        let n = per_control.get(c.id).copied().unwrap_or(0);
        if n < 8 {
            failures.push(format!("{}: only {n} cases", c.id));
        }
    }
    eprintln!("control corpus: {} cases, {} unknown:\n{}", paths.len(), unknowns.len(), unknowns.join("\n"));
    if unknowns.len() * 100 > paths.len() {
        failures.push(format!("{} unknown verdicts (more than 1%):\n{}", unknowns.len(), unknowns.join("\n")));
    }
    assert!(failures.is_empty(), "{} of {} control cases fail:\n{}", failures.len(), paths.len(), failures.join("\n"));
}

/// Counterexamples read like requests AWS would see (issue #12, point 6): an unlisted action
/// reads like an action (`kms:ReEncryptFuture`, not the solver's `kms:reencryptnzoz`), a
/// wildcard in `kms:ViaService` is filled with a Region, an unconstrained value is a word (not
/// z3's empty string), an identity policy's caller is its holder.
#[test]
fn counterexamples_read_like_real_requests() {
    let opts = SolverOptions::default();
    let params = Params::default();
    let ctx = Ctx { params: &params, opts: &opts };
    let run = |control: &str, holder: Option<&str>, doc: &str| {
        let policy = parse_policy(Source::new("p.json", doc)).unwrap();
        let origin = match holder {
            Some(h) => IdentityOrigin::Inline { holder: h.into() },
            None => IdentityOrigin::File,
        };
        let s = Subject::Identity(IdentitySubject {
            file: "p.json".into(),
            resource: "p.json".into(),
            policy,
            origin,
            unresolved: vec![],
            assumed: None,
        });
        let f = run_subject(&s, &[control.to_string()], &ctx).into_iter().find(|f| f.control == control).unwrap();
        assert_eq!(f.status, Status::Violated, "{control}: {}", f.message);
        f.counterexample[0].clone()
    };
    // The condition keeps the concrete witnesses away: the solver's model is what is shown.
    let unlisted = run(
        "CIS-KMS-STAR:unlisted",
        None,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:ReEncrypt*", "Resource": "arn:aws:kms:us-west-2:111122223333:key/*", "Condition": {"StringEquals": {"kms:KeyOrigin": "EXTERNAL_KEY_STORE"}}}]}"#,
    );
    assert_eq!(unlisted.action, "kms:ReEncryptFuture");
    assert!(unlisted.resource.starts_with("arn:aws:kms:us-west-2:111122223333:key/0b1c2d3e-"), "{}", unlisted.resource);
    let via = run(
        "KMS.2",
        Some("arn:aws:iam::111122223333:role/ops/App"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "sso.*.amazonaws.com", "kms:EncryptionContext:aws:sso:instance-arn": "*"}}}]}"#,
    );
    let ctx_of = |k: &str| via.context.get(&keyward::model::ContextKey::new(k)).map(|v| v.to_vec());
    assert_eq!(ctx_of("kms:ViaService"), Some(vec!["sso.us-east-1.amazonaws.com".to_string()]));
    assert_eq!(ctx_of("kms:EncryptionContext:aws:sso:instance-arn"), Some(vec!["example".to_string()]));
    assert_eq!(via.principal.arn, "arn:aws:iam::111122223333:role/ops/App");
}
