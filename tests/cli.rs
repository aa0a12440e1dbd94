//! Every command, run as the built binary: its exit codes — 0 success, 1 a violation (or added
//! access), 2 a usage or input error, 3 an unknown verdict, 4 an internal error — and the shape
//! of its JSON (`schema_version` and the fields, in order). An unknown verdict comes from a
//! construct the encoding refuses (`StringEqualsIgnoreCase` with a policy variable), an
//! internal error from an external "solver" that rejects every query text.

use crate::common::{keyward_in, Run};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn keyward(args: &[&str]) -> Run {
    keyward_in(dir(), args)
}

/// The standard output of a run that exits 0.
fn holds_text(args: &[&str]) -> String {
    let run = keyward(args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
}

fn json(run: &Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", run.stdout, run.stderr))
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap_or_else(|| panic!("not an object: {v}")).keys().map(String::as_str).collect()
}

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// The scratch folder with the fixtures, written once.
fn dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let files = [
            ("s3-only.json", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#),
            ("kms-star.json", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}"#),
            (
                "unknown.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:username}"}}}]}"#,
            ),
            (
                "via-s3.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "arn:aws:kms:*:111122223333:key/*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}]}"#,
            ),
            ("broken.json", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",}]}"#),
            (
                "key-private.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}"#,
            ),
            (
                "key-shared.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": ["kms:Decrypt", "kms:Encrypt"], "Resource": "*"}]}"#,
            ),
            (
                "key-unknown.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "${aws:username}"}}}]}"#,
            ),
            (
                "key-via-s3.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}]}"#,
            ),
            (
                "forbidden.toml",
                &format!("name = \"no-decrypt-outside\"\nkind = \"forbidden\"\n[principal]\nnot_accounts = [\"111122223333\"]\n[request]\nactions = [\"kms:Decrypt\"]\nresource = \"{KEY}\"\n"),
            ),
            (
                "required.toml",
                &format!("name = \"partner-can-use\"\nkind = \"required\"\n[principal]\naccounts = [\"444455556666\"]\n[request]\nactions = [\"kms:Decrypt\", \"kms:Encrypt\"]\nresource = \"{KEY}\"\n"),
            ),
            ("bad.toml", "name = \"x\"\nkind = \"forbidden\"\n[request\n"),
            (
                "key-until-2025.json",
                r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}, {"Sid": "Migration", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"}}}]}"#,
            ),
            ("request.json", &format!(r#"{{"principal": "arn:aws:iam::111122223333:user/alice", "action": "kms:Decrypt", "resource": "{KEY}"}}"#)),
            ("requests.jsonl", &format!("{{\"principal\": \"arn:aws:iam::111122223333:user/alice\", \"action\": \"kms:Decrypt\", \"resource\": \"{KEY}\"}}\n{{\"principal\": 7}}\n")),
        ];
        for (name, text) in files {
            std::fs::write(d.join(name), text).unwrap();
        }
        // External "solvers": one rejects every query text, as a solver with a parse bug would;
        // one gives up (`unknown`); one never answers (past any --timeout-ms).
        for (name, script) in [
            ("rejecting-solver.sh", "#!/bin/sh\ncat >/dev/null\necho '(error \"line 1 column 1: unexpected token\")'\n"),
            ("giving-up-solver.sh", "#!/bin/sh\ncat >/dev/null\necho unknown\n"),
            ("slow-solver.sh", "#!/bin/sh\ncat >/dev/null\nsleep 10\necho sat\n"),
        ] {
            let solver = d.join(name);
            std::fs::write(&solver, script).unwrap();
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(&solver, std::fs::Permissions::from_mode(0o755)).unwrap();
            }
        }
        std::fs::write(d.join("not-executable.sh"), "#!/bin/sh\necho sat\n").unwrap();
        std::fs::write(
            d.join("ignore.toml"),
            "enabled = [\"KMS.1\", \"CIS-KMS-STAR\"]\n[[ignore]]\ncontrol = \"KMS.1\"\nreason = \"accepted\"\n[[ignore]]\ncontrol = \"CIS-KMS-STAR\"\nreason = \"accepted too\"\n",
        )
        .unwrap();
        let corpus = d.join("corpus");
        std::fs::create_dir_all(&corpus).unwrap();
        // KMS.1 on it needs the solver: its Allow's own value for kms:ViaService is denied.
        std::fs::write(
            corpus.join("via-s3-outside-us.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}, {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.us-*"}}}]}"#,
        )
        .unwrap();
        std::fs::copy(d.join("kms-star.json"), corpus.join("kms-star.json")).unwrap();
        d
    })
}

fn solver(name: &str) -> String {
    format!("smtlib:{}", dir().join(name).display())
}

fn rejecting() -> String {
    solver("rejecting-solver.sh")
}

#[test]
fn check_exit_codes_and_json() {
    let holds = keyward(&["check", "--control", "KMS.1", "--format", "json", "s3-only.json"]);
    assert_eq!(holds.code, 0, "{}", holds.stderr);
    let v = json(&holds);
    assert_eq!(keys(&v), ["schema_version", "results", "errors"]);
    assert_eq!(v["schema_version"], 2);
    assert_eq!(
        keys(&v["results"][0]),
        [
            "file",
            "resource",
            "control",
            "verdict",
            "counterexample",
            "message",
            "statements",
            "locations",
            "time_ms",
            "solver_calls",
            "why"
        ]
    );
    assert_eq!(v["results"][0]["verdict"], "holds");
    // Why it holds: the only Allow's Action names no KMS action.
    let why = &v["results"][0]["why"];
    assert_eq!(why["status"], "explained");
    assert_eq!(why["minimal"], true);
    assert_eq!(why["reasons"][0]["part"], "action");
    assert_eq!(why["reasons"][0]["statement"]["index"], 0);
    let quiet = json(&keyward(&["check", "--control", "KMS.1", "--format", "json", "--no-explain", "s3-only.json"]));
    assert!(quiet["results"][0].get("why").is_none());
    // SARIF: the statement that makes it hold is a related location of the passing result.
    let sarif = json(&keyward(&["check", "--control", "KMS.1", "--format", "sarif", "s3-only.json"]));
    let pass = &sarif["runs"][0]["results"][0];
    assert_eq!(pass["kind"], "pass");
    assert_eq!(pass["properties"]["why"]["reasons"][0]["part"], "action");
    let related = &pass["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["artifactLocation"]["uri"].as_str().map(|u| u.ends_with("s3-only.json")), Some(true));
    assert!(related["message"]["text"].as_str().unwrap_or_default().starts_with("holds because the Allow of statement #0"), "{related}");

    let violated = keyward(&["check", "--control", "KMS.1", "--format", "json", "kms-star.json"]);
    assert_eq!(violated.code, 1);
    let r = &json(&violated)["results"][0];
    assert_eq!(r["verdict"], "violated");
    assert_eq!(keys(&r["counterexample"][0]), ["principal", "action", "resource", "context"]);
    assert_eq!(keys(&r["locations"][0]), ["file", "role", "index", "effect", "line", "column"]);

    // A bad input is reported with its position; the other inputs are still checked.
    let input = keyward(&["check", "--control", "KMS.1", "--format", "json", "broken.json", "kms-star.json"]);
    assert_eq!(input.code, 2);
    let v = json(&input);
    assert_eq!(keys(&v["errors"][0]), ["file", "path", "line", "column", "message"]);
    assert_eq!(v["results"][0]["verdict"], "violated");
    for usage in [
        vec!["check", "--account", "12", "kms-star.json"],
        vec!["check", "--key-arn", "arn:aws:kms:us-east-1:111122223333:alias/a", "key-private.json"],
        vec!["check", "--key-arn", KEY, "--account", "444455556666", "key-private.json"],
        vec!["check", "--control", "KMS.9", "kms-star.json"],
        vec!["check", "--solver", "smtlib:/no/such/solver", "kms-star.json"],
        vec!["check", "--solver", "smtlib:./not-executable.sh", "kms-star.json"],
    ] {
        let r = keyward(&usage);
        assert_eq!(r.code, 2, "{usage:?}: {}", r.stderr);
    }

    // A clause the encoding cannot express exactly is unknown to the solver…
    let unknown = keyward(&["check", "--control", "KMS.1", "--format", "json", "--no-presolve", "unknown.json"]);
    assert_eq!(unknown.code, 3);
    let r = &json(&unknown)["results"][0];
    assert_eq!(r["verdict"], "unknown");
    assert!(r["message"].as_str().unwrap().contains("not encodable exactly"), "{r}");
    // …but a synthesised candidate the evaluator allows settles it: the tag equal to the
    // caller's name.
    let settled = keyward(&["check", "--control", "KMS.1", "--format", "json", "unknown.json"]);
    assert_eq!(settled.code, 1, "{}", settled.stderr);
    let r = &json(&settled)["results"][0];
    assert_eq!(r["verdict"], "violated", "{r}");
    assert_eq!(r["solver_calls"], 0, "{r}");

    // A solver that gives up, or runs out of time, is unknown (exit 3), not an internal error.
    for (stub, timeout) in [("giving-up-solver.sh", "10000"), ("slow-solver.sh", "300")] {
        let r = keyward(&[
            "check",
            "--control",
            "KMS.1",
            "--format",
            "json",
            "--timeout-ms",
            timeout,
            "--no-presolve",
            "--solver",
            &solver(stub),
            "via-s3.json",
        ]);
        assert_eq!(r.code, 3, "{stub}: {}", r.stdout);
        assert_eq!(json(&r)["results"][0]["verdict"], "unknown", "{stub}");
    }

    let internal = keyward(&["check", "--control", "KMS.1", "--format", "json", "--no-presolve", "--solver", &rejecting(), "via-s3.json"]);
    assert_eq!(internal.code, 4, "{}", internal.stderr);
    let r = &json(&internal)["results"][0];
    assert_eq!(r["verdict"], "error");
    assert!(r["message"].as_str().unwrap().starts_with("internal error (please report)"), "{r}");
    assert!(internal.stderr.contains("internal error"), "{}", internal.stderr);
    // An internal error outranks a violation found in the same run.
    let both = keyward(&["check", "--control", "KMS.1", "--no-presolve", "--solver", &rejecting(), "via-s3.json", "kms-star.json"]);
    assert_eq!(both.code, 4);
    // SARIF: the internal error is a tool execution notification, the run unsuccessful.
    let sarif =
        json(&keyward(&["check", "--control", "KMS.1", "--format", "sarif", "--no-presolve", "--solver", &rejecting(), "via-s3.json"]));
    let invocation = &sarif["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(invocation["toolExecutionNotifications"][0]["level"], "error");
}

#[test]
fn check_ignores_accept_findings_but_never_an_internal_error() {
    let r = keyward(&["check", "--config", "ignore.toml", "--format", "json", "kms-star.json"]);
    assert_eq!(r.code, 0, "both violations are ignored: {}", r.stdout);
    let v = json(&r);
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "enabled runs KMS.1 and CIS-KMS-STAR alone: {results:?}");
    assert!(results.iter().all(|r| r["verdict"] == "violated" && r["suppressed"]["reason"].is_string()), "{results:?}");
    assert!(r.stderr.contains("CIS-KMS-STAR:unlisted is its own id"), "a note on the name with parts: {}", r.stderr);
    let e = keyward(&["check", "--config", "ignore.toml", "--format", "json", "--no-presolve", "--solver", &rejecting(), "via-s3.json"]);
    assert_eq!(e.code, 4, "{}", e.stdout);
    let v = json(&e);
    let kms1 = v["results"].as_array().unwrap().iter().find(|r| r["control"] == "KMS.1").unwrap().clone();
    assert_eq!(kms1["verdict"], "error");
    assert!(kms1.get("suppressed").is_none(), "an internal error is never suppressed: {kms1}");
}

#[test]
fn check_selects_one_control_or_a_group_of_parts() {
    let ids = |args: &[&str]| -> Vec<String> {
        let v = json(&keyward(args));
        v["results"].as_array().unwrap().iter().map(|r| r["control"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&["check", "--format", "json", "--control", "CIS-KMS-STAR", "kms-star.json"]), ["CIS-KMS-STAR"]);
    assert_eq!(ids(&["check", "--format", "json", "--control", "CIS-KMS-STAR:unlisted", "kms-star.json"]), ["CIS-KMS-STAR:unlisted"]);
    assert_eq!(ids(&["check", "--format", "json", "--control", "IAM-KMS-1", "key-private.json"]), ["IAM-KMS-1"]);
    assert_eq!(
        ids(&["check", "--format", "json", "--control", "CIS-KMS-EXPOSED", "key-private.json"]),
        ["CIS-KMS-EXPOSED:public", "CIS-KMS-EXPOSED:external"]
    );
}

#[test]
fn prove_exit_codes_and_json() {
    let holds = keyward(&["prove", "--format", "json", "forbidden.toml", "key-private.json"]);
    assert_eq!(holds.code, 0, "{}", holds.stderr);
    let v = json(&holds);
    assert_eq!(keys(&v), ["schema_version", "property", "kind", "verdict", "message", "counterexample", "statements", "why"]);
    assert_eq!((v["schema_version"].as_u64(), v["verdict"].as_str()), (Some(2), Some("holds")));
    // Why no outsider can decrypt: the only Allow names the owner account.
    assert_eq!(v["why"]["reasons"][0]["part"], "principal");
    assert!(holds_text(&["prove", "forbidden.toml", "key-private.json"])
        .contains("holds because the Allow of statement #0 grants only to principals named by its Principal (account 111122223333)"));

    let violated = keyward(&["prove", "--format", "json", "forbidden.toml", "key-shared.json"]);
    assert_eq!(violated.code, 1);
    let v = json(&violated);
    assert_eq!(v["verdict"], "violated");
    assert_eq!(v["counterexample"][0]["action"], "kms:Decrypt");
    assert_eq!(v["statements"][0]["sid"], "Partner");

    // Required access: every action allowed (a witness each), or one never allowed (no
    // counterexample exists: the proof is that none does).
    let required = keyward(&["prove", "--format", "json", "required.toml", "key-shared.json"]);
    assert_eq!(required.code, 0, "{}", required.stdout);
    let v = json(&required);
    assert_eq!(keys(&v), ["schema_version", "property", "kind", "verdict", "message", "counterexample", "witnesses", "statements"]);
    assert_eq!(v["witnesses"].as_array().unwrap().len(), 2);
    let missing = keyward(&["prove", "--format", "json", "required.toml", "key-private.json"]);
    assert_eq!(missing.code, 1);
    let v = json(&missing);
    assert_eq!((v["verdict"].as_str(), v["never_allowed"].as_str()), (Some("violated"), Some("kms:Decrypt")));
    assert_eq!(v["counterexample"], serde_json::json!([]));
    // Why it is never allowed: the only Allow names the owner account, not the partner.
    assert_eq!(v["why"]["reasons"][0]["element"], "its Principal (account 111122223333)");

    assert_eq!(keyward(&["prove", "bad.toml", "key-private.json"]).code, 2);
    assert_eq!(keyward(&["prove", "forbidden.toml", "broken.json"]).code, 2);
    let unknown = keyward(&["prove", "--format", "json", "--no-presolve", "forbidden.toml", "key-unknown.json"]);
    assert_eq!(unknown.code, 3, "{}", unknown.stdout);
    assert_eq!(json(&unknown)["verdict"], "unknown");
    let internal = keyward(&["prove", "--format", "json", "--no-presolve", "--solver", &rejecting(), "forbidden.toml", "key-via-s3.json"]);
    assert_eq!(internal.code, 4, "{}", internal.stdout);
    assert_eq!(json(&internal)["verdict"], "error");
}

#[test]
fn diff_exit_codes_and_json() {
    let same = keyward(&["diff", "--format", "json", "key-private.json", "key-private.json"]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    let v = json(&same);
    assert_eq!(keys(&v), ["schema_version", "new_grants_more", "old_granted_more"]);
    assert_eq!(keys(&v["new_grants_more"]), ["verdict", "counterexample", "statements", "why"]);
    assert_eq!(v["new_grants_more"]["verdict"], "holds");
    // Nothing added: the compared side's Allow grants what the granting side's does.
    let reasons = v["new_grants_more"]["why"]["reasons"].as_array().unwrap();
    assert!(reasons.iter().any(|r| r["side"] == "compared" && r["part"] == "statement"), "{reasons:?}");

    let added = keyward(&["diff", "--format", "json", "key-private.json", "key-shared.json"]);
    assert_eq!(added.code, 1);
    let v = json(&added);
    assert_eq!(v["new_grants_more"]["verdict"], "violated");
    assert_eq!(v["new_grants_more"]["counterexample"]["principal"].as_str().map(|p| p.contains("444455556666")), Some(true));
    // Access removed is not a failure.
    assert_eq!(keyward(&["diff", "key-shared.json", "key-private.json"]).code, 0);

    assert_eq!(keyward(&["diff", "key-private.json", "broken.json"]).code, 2);
    assert_eq!(keyward(&["diff", "--key-arn", "not-an-arn", "key-private.json", "key-shared.json"]).code, 2);
    let unknown = keyward(&["diff", "--format", "json", "key-private.json", "key-unknown.json"]);
    assert_eq!(unknown.code, 3, "{}", unknown.stdout);
    assert_eq!(keys(&json(&unknown)["new_grants_more"]), ["verdict", "counterexample", "statements", "message"]);
    let internal = keyward(&["diff", "--format", "json", "--no-presolve", "--solver", &rejecting(), "key-private.json", "key-via-s3.json"]);
    assert_eq!(internal.code, 4, "{}", internal.stdout);
    assert_eq!(json(&internal)["new_grants_more"]["verdict"], "error");
}

/// `--at TIME` asks "is it allowed then?" (aws:CurrentTime and aws:EpochTime pinned); without it
/// a request may be made at any time.
#[test]
fn at_pins_the_instant_of_every_request() {
    let any_time = keyward(&["prove", "--format", "json", "forbidden.toml", "key-until-2025.json"]);
    assert_eq!(any_time.code, 1, "{}", any_time.stdout);
    let v = json(&any_time);
    let when = v["counterexample"][0]["context"]["aws:CurrentTime"].as_str().unwrap().to_string();
    assert!(when.as_str() < "2025-01-01", "{when}");
    let now = ["--at", "2026-12-01T09:00:00Z"];
    let then = keyward(&[&["prove", "--format", "json"][..], &now, &["forbidden.toml", "key-until-2025.json"]].concat());
    assert_eq!((then.code, json(&then)["verdict"].as_str()), (0, Some("holds")), "{}", then.stdout);
    let before = keyward(&["prove", "--format", "json", "--at", "1704067200", "forbidden.toml", "key-until-2025.json"]);
    assert_eq!(before.code, 1, "{}", before.stdout);
    let cx = &json(&before)["counterexample"][0]["context"];
    assert_eq!((cx["aws:CurrentTime"].as_str(), cx["aws:EpochTime"].as_str()), (Some("2024-01-01T00:00:00Z"), Some("1704067200")));
    assert_eq!(keyward(&["diff", "key-private.json", "key-until-2025.json"]).code, 1);
    assert_eq!(keyward(&[&["diff"][..], &now, &["key-private.json", "key-until-2025.json"]].concat()).code, 0);
    let check = |extra: &[&str]| {
        let r = keyward(
            &[&["check", "--format", "json", "--control", "CIS-KMS-EXPOSED", "--kind", "key"][..], extra, &["key-until-2025.json"]]
                .concat(),
        );
        json(&r)["results"].as_array().unwrap().iter().find(|x| x["control"] == "CIS-KMS-EXPOSED:external").unwrap()["verdict"].clone()
    };
    assert_eq!((check(&[]), check(&now)), (Value::from("violated"), Value::from("holds")));
    assert_eq!(keyward(&["prove", "--at", "next tuesday", "forbidden.toml", "key-private.json"]).code, 2);
}

#[test]
fn eval_exit_codes_and_json() {
    let r = keyward(&[
        "eval",
        "--format",
        "json",
        "--request",
        "request.json",
        "--key-policy",
        "key-private.json",
        "--identity",
        "kms-star.json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = json(&r);
    assert_eq!(keys(&v), ["schema_version", "decision", "matched", "unmatched_conditions", "reasons", "facts"]);
    assert_eq!(v["decision"], "Allowed");
    // A decision that is not Allowed is still a successful evaluation.
    assert_eq!(keyward(&["eval", "--request", "request.json", "--key-policy", "key-private.json"]).code, 0);
    assert_eq!(keyward(&["eval", "--request", "broken.json", "--key-policy", "key-private.json"]).code, 2);
    assert_eq!(keyward(&["eval", "--request", "request.json", "--key-policy", "broken.json"]).code, 2);
    // --requests: one line per request; a bad line is an error line and exit code 2.
    let batch = keyward(&["eval", "--requests", "requests.jsonl", "--key-policy", "key-private.json", "--identity", "kms-star.json"]);
    assert_eq!(batch.code, 2);
    let lines: Vec<Value> = batch.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0], serde_json::json!({"decision": "Allowed"}));
    assert_eq!(keys(&lines[1]), ["error"]);
    // A request AWS never sends is refused (exit 2, no decision), unless --allow-impossible.
    let impossible = dir().join("impossible.json");
    std::fs::write(
        &impossible,
        r#"{"principal": "arn:aws:iam::111122223333:user/bob", "action": "kms:Decrypt", "resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "context": {"aws:SourceAccount": "111122223333"}}"#,
    )
    .unwrap();
    let path = impossible.display().to_string();
    let refused = keyward(&["eval", "--format", "json", "--request", &path, "--key-policy", "key-private.json"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stdout.is_empty() && refused.stderr.contains("aws:SourceAccount is only present in requests made by service principals")
    );
    let decided = keyward(&["eval", "--format", "json", "--allow-impossible", "--request", &path, "--key-policy", "key-private.json"]);
    assert_eq!(decided.code, 0, "{}", decided.stderr);
    assert_eq!(json(&decided)["facts"][0]["severity"], "impossible");
}

#[test]
fn controls_exit_codes_and_json() {
    let r = keyward(&["controls", "--format", "json"]);
    assert_eq!(r.code, 0);
    let v = json(&r);
    assert_eq!(keys(&v), ["schema_version", "controls"]);
    let first = &v["controls"][0];
    assert_eq!(keys(first), ["id", "title", "severity", "target", "rationale", "remediation", "params"]);
    assert_eq!(v["controls"].as_array().unwrap().len(), keyward::controls::CONTROLS.len());
    assert_eq!(keys(&first["params"][0]), ["name", "kind", "default", "help"]);
    assert_eq!(keyward(&["controls"]).code, 0);
    assert_eq!(keyward(&["controls", "--format", "yaml"]).code, 2);
}

#[test]
fn corpus_exit_codes() {
    let ok = keyward(&["corpus", "--jobs", "1", "--control", "KMS.1", "corpus"]);
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    let first: Value = serde_json::from_str(ok.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(first["kind"], "result");
    assert_eq!(keyward(&["corpus", "--control", "KMS.9", "corpus"]).code, 2);
    assert_eq!(keyward(&["corpus", "no-such-folder"]).code, 2);
    // An internal error loses the query, not the run: every file still has its line.
    let internal = keyward(&["corpus", "--jobs", "1", "--control", "KMS.1", "--solver", &rejecting(), "corpus"]);
    assert_eq!(internal.code, 4, "{}", internal.stderr);
    let lines: Vec<Value> = internal.stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).collect();
    let verdicts: Vec<&str> = lines.iter().map(|l| l["verdict"].as_str().unwrap()).collect();
    assert_eq!(verdicts, ["violated", "error"], "kms-star.json is settled without the solver");
    assert_eq!(lines[0]["settled"]["witness"], 1, "{}", lines[0]);
    assert_eq!(lines[1]["settled"]["solver"], 1, "{}", lines[1]);
    // Without the presolve, every query meets the rejecting solver.
    let all = keyward(&["corpus", "--jobs", "1", "--control", "KMS.1", "--no-presolve", "--solver", &rejecting(), "corpus"]);
    let verdicts: Vec<String> =
        all.stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["verdict"].as_str().unwrap().to_string()).collect();
    assert_eq!(verdicts, ["error", "error"]);
}

/// A policy beyond AWS's size quota is analysed all the same, with a warning naming the limit
/// in every format; the warning does not change the exit code.
#[test]
fn inputs_beyond_aws_limits_get_a_warning_and_are_analysed() {
    let actions: Vec<String> = (0..700).map(|i| format!("\"s3:GetObjectVersion{i:05}\"")).collect();
    let text =
        format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}]}}"#, actions.join(","));
    std::fs::write(dir().join("too-big.json"), text).unwrap();
    let json = keyward(&["check", "--format", "json", "--control", "KMS.1", "too-big.json"]);
    assert_eq!(json.code, 0, "KMS.1 holds, the warning does not fail the run: {}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let w = v["warnings"].as_array().unwrap();
    assert!(w.len() == 1 && w[0]["message"].as_str().unwrap().contains("6144") && w[0]["line"] == 1, "{w:?}");
    assert_eq!(v["results"][0]["verdict"], "holds");
    let text = keyward(&["check", "--control", "KMS.1", "too-big.json"]);
    assert!(text.code == 0 && text.stderr.contains("warning: too-big.json:1:1: the policy has"), "{}", text.stderr);
    let sarif = keyward(&["check", "--format", "sarif", "--control", "KMS.1", "too-big.json"]);
    let s: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    let inv = &s["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], true, "a warning is no failure");
    assert_eq!(inv["toolExecutionNotifications"][0]["level"], "warning");
    // Within the quota: no warnings key at all.
    let small = keyward(&["check", "--format", "json", "--control", "KMS.1", "s3-only.json"]);
    assert!(!small.stdout.contains("\"warnings\""), "{}", small.stdout);
}

/// Pathological inputs, small versions of scripts/resource-limits.sh: thousands of statements,
/// a 1 MB condition value, patterns of 2,000 wildcards (in a condition, and in a key policy's
/// aws:PrincipalArn, which z3 cannot decide in time). Each run ends with verdicts or `unknown`
/// within its bounds and valid JSON, never a crash.
#[test]
fn pathological_inputs_end_with_verdicts_or_unknown() {
    let statements: Vec<String> =
        (0..5000).map(|i| format!(r#"{{"Effect": "Allow", "Action": "s3:GetObject{i}", "Resource": "arn:aws:s3:::b-{i}/*"}}"#)).collect();
    let many = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}, {{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}}]}}"#,
        statements.join(",")
    );
    let value = "a".repeat(1 << 20);
    let big_value = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"StringLike": {{"aws:PrincipalTag/team": "{value}"}}}}}}, {{"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"StringNotLike": {{"aws:PrincipalTag/team": "{}*"}}}}}}]}}"#,
        &value[1..]
    );
    let stars = "*x".repeat(2000);
    let key_stars = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": "kms:*", "Resource": "*", "Condition": {{"StringLike": {{"aws:PrincipalArn": "arn:aws:iam::*:role/{stars}"}}}}}}]}}"#
    );
    let id_stars = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"StringLike": {{"aws:PrincipalTag/team": "{stars}"}}}}}}]}}"#
    );
    for (name, text, expect) in [
        ("many-statements.json", many, "violated"),
        ("big-value.json", big_value, "violated"),
        ("id-stars.json", id_stars, "violated"),
        ("key-stars.json", key_stars, ""),
    ] {
        std::fs::write(dir().join(name), text).unwrap();
        let run = keyward(&["check", "--format", "json", "--timeout-ms", "300", "--max-time", "60", name]);
        assert!([0, 1, 3].contains(&run.code), "{name}: exit {}\n{}", run.code, run.stderr);
        let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{name}: {e}\n{}", run.stderr));
        let results = v["results"].as_array().unwrap();
        assert!(!results.is_empty() && results.iter().all(|r| r["verdict"] != "error"), "{name}: {results:?}");
        if !expect.is_empty() {
            let kms1 = results.iter().find(|r| r["control"] == "KMS.1").unwrap();
            assert_eq!(kms1["verdict"], expect, "{name}");
        }
    }
}
