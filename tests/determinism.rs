//! Answers are deterministic (issue #16, point 2): the same inputs give the same JSON, timings
//! aside, whatever the order of the paths on the command line and what ran before in the
//! process (counterexamples included), and `keyward corpus` gives the same lines with any
//! `--jobs`. Run on the KMS policies of `../shared/data/kms-policies` (169 files, 1,533
//! results) when they are there, else on the policies of corpus/examples.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn policy_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            policy_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") && p.file_name().is_some_and(|n| n != "INDEX.json") {
            out.push(p);
        }
    }
}

fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    policy_files(&root.join("../shared/data/kms-policies"), &mut files);
    if files.is_empty() {
        eprintln!("../shared/data/kms-policies is absent: the determinism test runs on corpus/examples");
        policy_files(&root.join("corpus/examples"), &mut files);
        files.retain(|p| p.file_name().is_some_and(|n| n != "request.json" && !n.to_string_lossy().starts_with("request")));
    }
    files.sort();
    files
}

fn run(args: &[String]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_keyward")).args(args).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: exit {:?}\n{}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The results of `check --format json`, timings removed, keyed by (file, resource, control).
fn results(json: &str) -> Vec<(String, Value)> {
    let v: Value = serde_json::from_str(json).unwrap();
    let mut out: Vec<(String, Value)> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            let obj = r.as_object_mut().unwrap();
            obj.remove("time_ms");
            obj.remove("solver_calls");
            if let Some(why) = obj.get_mut("why").and_then(|w| w.as_object_mut()) {
                why.remove("time_ms");
            }
            (format!("{} {} {}", obj["file"], obj["resource"], obj["control"]), r)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn check_answers_do_not_depend_on_path_order_or_what_ran_before() {
    let files: Vec<String> = corpus().iter().map(|p| p.display().to_string()).collect();
    assert!(!files.is_empty());
    let mut forwards = vec!["check".to_string(), "--format".into(), "json".into()];
    forwards.extend(files.iter().cloned());
    let mut backwards = vec!["check".to_string(), "--format".into(), "json".into()];
    backwards.extend(files.iter().rev().cloned());
    let (a, b) = (results(&run(&forwards)), results(&run(&backwards)));
    assert_eq!(a.len(), b.len());
    let differ: Vec<String> =
        a.iter().zip(&b).filter(|(x, y)| x != y).map(|(x, y)| format!("{}\n  forwards:  {}\n  backwards: {}", x.0, x.1, y.1)).collect();
    assert!(differ.is_empty(), "{} of {} results differ:\n{}", differ.len(), a.len(), differ.join("\n"));
}

/// The JSON lines of `keyward corpus`, timings and z3 statistics removed.
fn lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(o) = v.as_object_mut() {
                for k in ["parse_ms", "encode_ms", "solve_ms", "total_ms", "z3"] {
                    o.remove(k);
                }
            }
            v
        })
        .collect()
}

#[test]
fn corpus_lines_do_not_depend_on_jobs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/kms-policies");
    let dir = if dir.is_dir() { dir } else { Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/examples") };
    let with = |jobs: &str| lines(&run(&["corpus".into(), "--jobs".into(), jobs.into(), dir.display().to_string()]));
    let (one, two) = (with("1"), with("2"));
    assert_eq!(one.len(), two.len());
    for (a, b) in one.iter().zip(&two) {
        assert_eq!(a, b);
    }
}
