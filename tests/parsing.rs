//! Parsing: every real policy we have parses, and no input — arbitrary JSON, mutated real
//! policies, arbitrary bytes — makes the reader panic.

use crate::common::{json_files, shared_data};
use keyward::policy::{parse_policy, Source};
use proptest::prelude::*;

#[test]
fn every_aws_managed_policy_parses() {
    let Some(dir) = shared_data("aws-managed-policies") else { return };
    let files = json_files(&dir);
    assert!(files.len() >= 1500, "expected the 1,594 managed policies, found {}", files.len());
    let mut failures = Vec::new();
    for f in &files {
        if let Err(e) = keyward::policy::load_policy(f) {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{} of {} failed:\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn every_kms_policy_parses() {
    let Some(dir) = shared_data("kms-policies") else { return };
    let files: Vec<_> = json_files(&dir).into_iter().filter(|f| !f.ends_with("INDEX.json")).collect();
    assert!(files.len() >= 169, "expected 169 KMS policies, found {}", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| keyward::policy::load_policy(f).err()).map(|e| e.to_string()).collect();
    assert!(failures.is_empty(), "{} failed:\n{}", failures.len(), failures.join("\n"));
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        prop::sample::select(vec![
            "2012-10-17",
            "2008-10-17",
            "Allow",
            "Deny",
            "*",
            "kms:*",
            "kms:Decrypt",
            "arn:aws:kms:*:111122223333:key/*",
            "arn:aws:iam::111122223333:root",
            "111122223333",
            "${aws:username}",
            "${",
            "10.0.0.0/8",
            "::/0",
            "true",
            "",
            "StringLike",
            "aws:SourceIp",
            "s3.amazonaws.com",
            "arn:aws:s3:::b/${aws:PrincipalTag/x, 'd'}",
        ])
        .prop_map(|s| serde_json::Value::String(s.to_string())),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    let keys = prop::sample::select(vec![
        "Version",
        "Statement",
        "Id",
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "AWS",
        "Service",
        "Federated",
        "StringEquals",
        "ForAnyValue:StringLike",
        "NumericLessThan",
        "DateGreaterThan",
        "IpAddress",
        "ArnLike",
        "Null",
        "Bool",
        "BinaryEquals",
        "aws:SourceIp",
        "kms:ViaService",
        "x",
    ]);
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics(v in arb_json()) {
        let text = serde_json::to_string_pretty(&v).unwrap();
        let _ = parse_policy(Source::new("fuzz.json", text));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        let _ = parse_policy(Source::new("fuzz.json", text));
    }
}

/// Real policies with one byte deleted, duplicated or replaced: the reader either accepts the
/// document or reports errors with positions inside the file; it never panics.
#[test]
fn mutated_real_policies_never_panic() {
    let Some(dir) = shared_data("kms-policies") else { return };
    let files: Vec<_> = json_files(&dir).into_iter().filter(|f| !f.ends_with("INDEX.json")).collect();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(3000));
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let strategy = (0..texts.len(), any::<prop::sample::Index>(), 0u8..3, any::<u8>());
    runner
        .run(&strategy, |(fi, at, how, byte)| {
            let mut bytes = texts[fi].clone().into_bytes();
            let i = at.index(bytes.len().max(1));
            match how {
                0 if !bytes.is_empty() => {
                    bytes.remove(i);
                }
                1 if !bytes.is_empty() => bytes.insert(i, bytes[i]),
                _ if !bytes.is_empty() => bytes[i] = byte,
                _ => {}
            }
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let lines = text.lines().count().max(1);
            if let Err(errs) = parse_policy(Source::new("m.json", text)) {
                for e in errs.0 {
                    prop_assert!(e.line >= 1 && e.line <= lines + 1, "line {} outside the file", e.line);
                    prop_assert!(!e.message.is_empty());
                }
            }
            Ok(())
        })
        .unwrap();
}
