//! `keyward corpus`, run as the built binary on a small folder: four policies of the project's
//! corpus (two key policies, an identity policy, one in a subfolder), a file that fails to parse
//! and a JSON file that is not a policy. A run writes one parseable line per (file, control)
//! with its timings and one per unreadable file; its verdicts are `keyward check`'s; the output
//! does not depend on `--jobs`; shards partition the files and concatenate into the whole run;
//! `compare` fails exactly on disagreements; `plot` writes SVG.

use keyward::controls::CONTROLS;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn keyward(args: &[&str]) -> Output {
    command(args).output().unwrap()
}

/// The binary with `args`, in a folder without keyward.toml, so `check` reads no configuration.
fn command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_keyward"));
    c.args(args).current_dir(env!("CARGO_TARGET_TMPDIR"));
    c
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus_cmd").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The policy folder, made once per test run.
fn fixture() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = scratch("policies");
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/examples");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for (from, to) in [("prove/key-policy-private.json", "key-private.json"), ("prove/key-policy-shared.json", "key-shared.json"), ("eval/identity.json", "identity.json"), ("eval/key-policy.json", "sub/key-policy.json")] {
            std::fs::copy(src.join(from), dir.join(to)).unwrap();
        }
        std::fs::write(dir.join("sub/broken.json"), r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLikes": {"aws:username": "a"}}}]}"#).unwrap();
        std::fs::write(dir.join("not-a-policy.json"), r#"{"note": "no Statement"}"#).unwrap();
        // KMS.1 on it needs the solver (the presolve settles the other files): its Allow's own
        // value for kms:ViaService is denied.
        std::fs::write(
            dir.join("via-s3-outside-us.json"),
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}, {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.us-*"}}}]}"#,
        )
        .unwrap();
        dir
    })
}

fn fixture_arg() -> &'static str {
    fixture().to_str().unwrap()
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {e}: {l}")))
        .collect()
}

/// (file, control) → verdict of a run's result lines.
fn run_verdicts(text: &str) -> BTreeMap<(String, String), String> {
    lines(text)
        .iter()
        .filter(|r| r["kind"] == "result")
        .map(|r| {
            (
                (r["file"].as_str().unwrap().to_string(), r["control"].as_str().unwrap().to_string()),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (file, control) → verdict of `keyward check --format json`'s results.
fn check_verdicts(stdout: &[u8]) -> BTreeMap<(String, String), String> {
    let report: Value = serde_json::from_slice(stdout).unwrap();
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (r["file"].as_str().unwrap().to_string(), r["control"].as_str().unwrap().to_string()),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// A run with `extra` arguments: its JSONL (stdout) and summary (stderr).
fn run(extra: &[&str]) -> (String, String) {
    let mut args = vec!["corpus", fixture_arg()];
    args.extend_from_slice(extra);
    let out = keyward(&args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (String::from_utf8(out.stdout).unwrap(), stderr)
}

/// The whole run with two workers, made once.
fn whole() -> &'static (String, String) {
    static RUN: OnceLock<(String, String)> = OnceLock::new();
    RUN.get_or_init(|| run(&["--jobs", "2"]))
}

/// A line without what varies between runs: times and z3's statistics.
/// A line without what legitimately varies between runs: times, and what depends on the model
/// z3 happens to return (the SMT size: a model may need a second, larger lazy round; each
/// worker thread has its own z3 context, so models differ with the number of workers).
fn without_times(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        for k in ["parse_ms", "encode_ms", "solve_ms", "total_ms", "z3", "smt_bytes"] {
            o.remove(k);
        }
    }
    v
}

fn rank(control: &str) -> usize {
    CONTROLS.iter().position(|c| c.id == control).unwrap()
}

#[test]
fn a_run_writes_one_line_per_file_and_control_with_timings_and_a_summary() {
    let (jsonl, summary) = whole();
    let recs = lines(jsonl);
    let results: Vec<&Value> = recs.iter().filter(|r| r["kind"] == "result").collect();
    let errors: Vec<&Value> = recs.iter().filter(|r| r["kind"] == "error").collect();
    assert_eq!(results.len() + errors.len(), recs.len(), "only result and error lines");
    let files: BTreeSet<&str> = results.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(files.iter().all(|f| !f.contains("not-a-policy")));
    for r in &results {
        for k in ["file", "resource", "control"] {
            assert!(r[k].is_string(), "{k} in {r}");
        }
        assert!(["holds", "violated", "unknown", "not_applicable"].contains(&r["verdict"].as_str().unwrap()), "{r}");
        assert_eq!(r.get("message").is_some(), r["verdict"] == "unknown", "a message exactly for unknown (and error) verdicts: {r}");
        for k in ["parse_ms", "encode_ms", "solve_ms", "total_ms"] {
            assert!(r[k].as_f64().is_some_and(|t| t >= 0.0), "{k} in {r}");
        }
        assert!(r["total_ms"].as_f64().unwrap() >= r["parse_ms"].as_f64().unwrap());
        let calls = r["solver_calls"].as_u64().unwrap();
        assert_eq!(r["solver_called"].as_bool().unwrap(), calls > 0, "{r}");
        assert!(r["z3"].is_object() && r["smt_bytes"].is_u64(), "{r}");
        if calls > 0 {
            assert!(r["smt_bytes"].as_u64().unwrap() > 0 && !r["z3"].as_object().unwrap().is_empty(), "{r}");
        }
    }
    assert!(results.iter().any(|r| r["solver_called"] == true), "some control reaches the solver");
    // Sorted by file, then control order.
    let keys: Vec<(&str, usize)> = recs.iter().map(|r| (r["file"].as_str().unwrap(), r["control"].as_str().map_or(0, rank))).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = errors[0];
    assert!(e["file"].as_str().unwrap().ends_with("broken.json"));
    assert!(e["message"].as_str().unwrap().contains("StringLikes") && e["message"].as_str().unwrap().contains(":1:"), "{e}");
    // The summary (stderr without --out) has a row per control and the totals.
    assert!(
        summary.contains("KMS.1") && summary.contains("IAM-KMS-3") && summary.contains("median") && summary.contains("p99"),
        "{summary}"
    );
    assert!(summary.contains("files: 6 (1 unreadable, 1 non-policy JSON skipped)") && summary.contains("jobs 2"), "{summary}");
}

#[test]
fn verdicts_are_those_of_check() {
    let out = keyward(&["check", "--format", "json", fixture_arg()]);
    assert_eq!(out.status.code(), Some(2), "check reports the unreadable file");
    let check = check_verdicts(&out.stdout);
    let corpus = run_verdicts(&whole().0);
    assert!(!check.is_empty());
    assert_eq!(corpus, check);
    assert!(corpus.values().any(|v| v == "violated") && corpus.values().any(|v| v == "holds"));
}

#[test]
fn the_output_does_not_depend_on_the_number_of_workers() {
    let (one, _) = run(&["--jobs", "1"]);
    let a: Vec<Value> = lines(&one).iter().map(without_times).collect();
    let b: Vec<Value> = lines(&whole().0).iter().map(without_times).collect();
    assert_eq!(a, b);
}

#[test]
fn shards_partition_the_files_and_concatenate_into_the_run() {
    let (s0, sum0) = run(&["--shard", "0/2"]);
    let (s1, _) = run(&["--shard", "1/2"]);
    assert!(sum0.contains("shard 0/2"), "{sum0}");
    let files = |t: &str| lines(t).iter().map(|r| r["file"].as_str().unwrap().to_string()).collect::<BTreeSet<_>>();
    let (f0, f1) = (files(&s0), files(&s1));
    assert!(f0.is_disjoint(&f1), "{f0:?} {f1:?}");
    assert!(!f0.is_empty() && !f1.is_empty(), "both shards get files: {f0:?} {f1:?}");
    let key = |v: &Value| {
        (
            v["file"].as_str().unwrap().to_string(),
            v["control"].as_str().unwrap_or("").to_string(),
            v["verdict"].as_str().unwrap_or("").to_string(),
        )
    };
    let mut union: Vec<_> = lines(&s0).iter().chain(lines(&s1).iter()).map(key).collect();
    union.sort();
    let mut all: Vec<_> = lines(&whole().0).iter().map(key).collect();
    all.sort();
    assert_eq!(union, all);
    // The concatenated shards are the run for `compare`.
    let dir = scratch("shards");
    std::fs::write(dir.join("whole.jsonl"), &whole().0).unwrap();
    std::fs::write(dir.join("shards.jsonl"), format!("{s1}{s0}")).unwrap();
    let out = keyward(&["corpus", "compare", dir.join("whole.jsonl").to_str().unwrap(), dir.join("shards.jsonl").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn compare_fails_exactly_on_disagreements_and_reports_unknowns_apart() {
    let dir = scratch("compare");
    let a = dir.join("a.jsonl");
    std::fs::write(&a, &whole().0).unwrap();
    let a = a.to_str().unwrap();
    let out = keyward(&["corpus", "compare", a, a]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("verdict disagreements (both decided, or an internal error in one run): 0") && text.contains("geometric mean 1.000x"),
        "{text}"
    );

    let recs = lines(&whole().0);
    let doctor = |index: usize, verdict: &str| -> String {
        let mut out = String::new();
        for (i, r) in recs.iter().enumerate() {
            let mut r = r.clone();
            if i == index {
                r["verdict"] = Value::from(verdict);
            }
            out.push_str(&format!("{r}\n"));
        }
        out
    };
    let holds = recs.iter().position(|r| r["verdict"] == "holds").unwrap();
    let target = format!("{}  {}", recs[holds]["file"].as_str().unwrap(), recs[holds]["control"].as_str().unwrap());
    for (verdict, section) in [
        ("violated", "verdict disagreements (both decided, or an internal error in one run): 1"),
        ("error", "verdict disagreements (both decided, or an internal error in one run): 1"),
        ("unknown", "unknown in one run, decided in the other: 1"),
    ] {
        let b = dir.join(format!("b-{verdict}.jsonl"));
        std::fs::write(&b, doctor(holds, verdict)).unwrap();
        let out = keyward(&["corpus", "compare", a, b.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains(section) && text.contains(&target), "{text}");
    }
    // An internal error in both runs is no disagreement, but the comparison fails on it.
    let b = dir.join("b-error.jsonl");
    std::fs::write(&b, doctor(holds, "error")).unwrap();
    let out = keyward(&["corpus", "compare", b.to_str().unwrap(), b.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("internal errors in both runs: 1") && text.contains(&target), "{text}");
    // A run missing a query does not compare clean either.
    let b = dir.join("b-missing.jsonl");
    std::fs::write(&b, whole().0.lines().skip(1).collect::<Vec<_>>().join("\n")).unwrap();
    let out = keyward(&["corpus", "compare", a, b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("queries only in A: 1"));
}

#[test]
fn plots_are_svg_with_labelled_axes() {
    let dir = scratch("plot");
    let run = dir.join("run.jsonl");
    std::fs::write(&run, &whole().0).unwrap();
    let run = run.to_str().unwrap();
    let cactus = dir.join("cactus.svg");
    let out = keyward(&["corpus", "plot", run, "--out", cactus.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let svg = std::fs::read_to_string(&cactus).unwrap();
    assert!(svg.trim_start().starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    assert!(
        svg.contains("queries solved") && svg.contains("log scale") && svg.contains("KMS.1"),
        "axis labels and a legend entry per control"
    );
    let scatter = dir.join("scatter.svg");
    let out = keyward(&["corpus", "compare", run, run, "--plot", scatter.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let svg = std::fs::read_to_string(&scatter).unwrap();
    assert!(svg.contains("<svg") && svg.contains("y = x") && svg.contains("<circle"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["corpus", fixture_arg(), "--shard", "2/2"],
        vec!["corpus", fixture_arg(), "--control", "NOPE"],
        vec!["corpus", "/no/such/folder"],
        vec!["corpus", fixture_arg(), "--jobs", "0"],
        vec!["corpus", "compare", "/no/such.jsonl", "/no/such.jsonl"],
    ] {
        assert_eq!(keyward(&args).status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn a_config_file_selects_controls_and_sets_parameters_as_for_check() {
    let dir = scratch("config");
    let config = dir.join("keyward.toml");
    std::fs::write(
        &config,
        "enabled = [\"CIS-KMS-EXPOSED:external\"]\n[params.\"CIS-KMS-EXPOSED:external\"]\ntrusted_orgs = [\"o-a1b2c3d4e5\"]\n",
    )
    .unwrap();
    let verdict = |records: &[Value], file: &str| {
        records
            .iter()
            .find(|r| r["control"] == "CIS-KMS-EXPOSED:external" && r["file"].as_str().unwrap().ends_with(file))
            .map(|r| r["verdict"].as_str().unwrap().to_string())
    };
    let without = lines(&whole().0);
    assert_eq!(
        verdict(&without, "key-shared.json").as_deref(),
        Some("violated"),
        "the organization's principals are outside the owner account"
    );
    let (with_text, _) = run(&["--config", config.to_str().unwrap()]);
    let with = lines(&with_text);
    let controls: BTreeSet<&str> = with.iter().filter(|r| r["kind"] == "result").map(|r| r["control"].as_str().unwrap()).collect();
    assert_eq!(controls, BTreeSet::from(["CIS-KMS-EXPOSED:external"]));
    assert_eq!(verdict(&with, "key-shared.json").as_deref(), Some("holds"), "the organization is trusted");
    let out = keyward(&["check", "--format", "json", "--config", config.to_str().unwrap(), fixture_arg()]);
    assert_eq!(run_verdicts(&with_text), check_verdicts(&out.stdout));
    assert_eq!(keyward(&["corpus", fixture_arg(), "--config", "/no/such/keyward.toml"]).status.code(), Some(2));
}

/// The textbook baseline encoding (`--encoding baseline`) gives every query the verdict of the
/// default encoding: the template paths (a fixed action made symbolic, a key ARN as one
/// string, unlisted actions) that the differential test of `pin` does not reach.
#[test]
fn the_baseline_encoding_gives_the_same_verdicts() {
    // KMS.1 on the identity policy takes the baseline about 9 s (release build, idle machine):
    // a longer timeout, and a timeout under load is no disagreement (it is `unknown`, never a
    // verdict), but every decided query must agree and nearly all must be decided.
    let (baseline, _) = run(&["--encoding", "baseline", "--jobs", "2", "--timeout-ms", "30000"]);
    let (mut b, d) = (run_verdicts(&baseline), run_verdicts(&whole().0));
    let total = b.len();
    b.retain(|_, v| v != "unknown");
    assert!(b.len() + 2 >= total, "{} of {total} baseline queries undecided", total - b.len());
    for (k, v) in &b {
        assert_eq!(Some(v), d.get(k), "{k:?}");
    }
    assert_eq!(total, d.len());
    assert!(
        lines(&baseline).iter().filter(|r| r["solver_called"] == true).count()
            > lines(&whole().0).iter().filter(|r| r["solver_called"] == true).count(),
        "the baseline folds less and calls the solver more"
    );
}

/// An external solver that answers before reading its script: the run is not killed by a
/// broken pipe (the binary has SIGPIPE's default action) and records the solver's answers.
#[cfg(unix)]
#[test]
fn an_external_solver_that_does_not_read_its_input_does_not_kill_the_run() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("external");
    let solver = dir.join("always-unsat.sh");
    std::fs::write(&solver, "#!/bin/sh\necho unsat\n").unwrap();
    std::fs::set_permissions(&solver, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A key policy whose queries are larger than a pipe's buffer (64 KiB), so that a solver
    // that does not read its input could not take all of it through a pipe.
    let statements: Vec<String> = (0..400).map(|i| format!(r#"{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{:012}:role/r{i}"}}, "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"StringEquals": {{"kms:ViaService": "s{i}.us-east-1.amazonaws.com"}}}}}}"#, 100_000_000_000u64 + i)).collect();
    std::fs::write(dir.join("big.json"), format!(r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#, statements.join(","))).unwrap();
    let backend = format!("smtlib:{}", solver.display());
    let out = keyward(&[
        "corpus",
        dir.join("big.json").to_str().unwrap(),
        "--kind",
        "key",
        "--solver",
        &backend,
        "--encoding",
        "baseline",
        "--control",
        "CIS-KMS-EXPOSED",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let records = lines(&String::from_utf8_lossy(&out.stdout));
    let called: Vec<&Value> = records.iter().filter(|r| r["solver_called"] == true).collect();
    assert!(!called.is_empty());
    assert!(called.iter().any(|r| r["smt_bytes"].as_u64().unwrap_or(0) > 65_536), "{called:?}");
    // `unsat` decides every query (holds, or violated for controls that require an access).
    assert!(called.iter().all(|r| r["verdict"] == "holds" || r["verdict"] == "violated"), "{called:?}");
}

/// A folder of `n` copies of a policy whose KMS.1 query needs the solver (with
/// `--no-presolve` every query does), for runs long enough to stop.
fn slow_corpus(name: &str, n: usize) -> PathBuf {
    let dir = scratch(name);
    let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.*.amazonaws.com"}}}, {"Effect": "Deny", "Action": "kms:Decrypt", "Resource": "*", "Condition": {"StringLike": {"kms:ViaService": "s3.us-*"}}}]}"#;
    for i in 0..n {
        std::fs::write(dir.join(format!("p{i:03}.json")), text).unwrap();
    }
    dir
}

/// Every line is one complete JSON record, and the summary counts the files that finished.
fn assert_valid_prefix(jsonl: &str, summary: &str, files: usize, why: &str) {
    let recs = lines(jsonl);
    let done: BTreeSet<&str> = recs.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert!(done.len() < files, "the run stopped early: {} of {files} files\n{summary}", done.len());
    let expected = format!("{why}: {} of {files} files finished", done.len());
    assert!(summary.contains(&expected), "{expected:?} in\n{summary}");
    // A finished file has all its lines (KMS.1, KMS.2 n/a and the rest): as many as the first.
    let per_file = |f: &str| recs.iter().filter(|r| r["file"] == f).count();
    if let Some(first) = done.iter().next() {
        assert!(done.iter().all(|f| per_file(f) == per_file(first)), "whole files only");
    }
}

#[test]
fn max_time_stops_the_run_and_later_queries_are_unknown() {
    let dir = slow_corpus("max-time", 40);
    let d = dir.to_str().unwrap();
    let out = keyward(&["corpus", d, "--jobs", "1", "--no-presolve", "--control", "KMS.1", "--max-time", "0.05"]);
    let (jsonl, summary) = (String::from_utf8(out.stdout).unwrap(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(3), "files not run count as unknown\n{summary}");
    assert_valid_prefix(&jsonl, &summary, 40, "stopped at --max-time");
    // check: the time limit turns the solver's query into unknown, never holds.
    let file = dir.join("p000.json");
    let out =
        keyward(&["check", "--format", "json", "--no-presolve", "--control", "KMS.1", "--max-time", "0.000001", file.to_str().unwrap()]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = report.to_string();
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("\"unknown\"") && text.contains("--max-time"), "{text}");
    let bad = keyward(&["corpus", d, "--max-time", "-1"]);
    assert_eq!(bad.status.code(), Some(2), "a negative time is a usage error");
}

#[cfg(unix)]
#[test]
fn ctrl_c_leaves_a_valid_prefix_and_a_summary() {
    use std::io::Read;
    let dir = slow_corpus("interrupt", 200);
    let mut child = Command::new(env!("CARGO_BIN_EXE_keyward"))
        // Two workers: z3's own SIGINT handler, installed and restored around each check from
        // both threads, used to crash the process here (fixed by turning it off).
        .args(["corpus", dir.to_str().unwrap(), "--jobs", "2", "--no-presolve", "--control", "KMS.1"])
        .current_dir(env!("CARGO_TARGET_TMPDIR"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the first line, then interrupt.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(100));
    let pid = i32::try_from(child.id()).unwrap();
    // SAFETY: kill(2) on our own child's pid, with a signal number libc defines.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut summary = String::new();
    child.stderr.take().unwrap().read_to_string(&mut summary).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{summary}");
    let jsonl = format!("{}{rest}", first[0] as char);
    assert_valid_prefix(&jsonl, &summary, 200, "interrupted");
}

/// `--isolate` checks each file in a worker process: the same lines as a run in process, and a
/// worker that dies reading a file (a test hook aborts it, as a crashing z3 would) loses that
/// file's queries — one internal error record, exit 4 — not the run; one that dies in a query
/// loses that query only, and a new worker answers the file's other controls.
#[cfg(unix)]
#[test]
fn an_isolated_run_survives_a_worker_that_dies() {
    let isolated = run(&["--jobs", "2", "--isolate"]);
    let strip = |text: &str| lines(text).iter().map(without_times).collect::<Vec<_>>();
    assert_eq!(strip(&isolated.0), strip(&whole().0), "the same records as in process");
    let aborting = |hook: &str| {
        command(&["corpus", fixture_arg(), "--jobs", "2", "--isolate"]).env("KEYWARD_TEST_WORKER_ABORT_ON", hook).output().unwrap()
    };
    let out = aborting("key-shared");
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&String::from_utf8(out.stdout).unwrap());
    let lost: Vec<&Value> = recs.iter().filter(|r| r["file"].as_str().unwrap().ends_with("key-shared.json")).collect();
    assert!(lost.len() == 1 && lost[0]["kind"] == "error" && lost[0]["internal"] == true, "{lost:?}");
    assert!(lost[0]["message"].as_str().unwrap().contains("signal 6"), "{lost:?}");
    let others: BTreeSet<&str> = recs.iter().filter(|r| r["kind"] == "result").map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(others.len(), 4, "every other policy file is still checked: {others:?}");

    let out = aborting("key-shared#IAM-KMS-6");
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&String::from_utf8(out.stdout).unwrap());
    let expected = lines(&whole().0);
    assert_eq!(recs.len(), expected.len(), "one record per query, the lost one included");
    for (got, want) in recs.iter().zip(&expected) {
        let lost = got["file"].as_str().unwrap().ends_with("key-shared.json") && got["control"] == "IAM-KMS-6";
        if lost {
            assert_eq!(got["verdict"], "error", "{got}");
            assert!(got["message"].as_str().unwrap().contains("signal 6"), "{got}");
        } else {
            assert_eq!(without_times(got), without_times(want), "a query the crash did not touch keeps its answer");
        }
    }
    assert!(recs.iter().any(|r| r["control"] == "IAM-KMS-6" && r["verdict"] == "error"), "the lost query is reported");
}

/// `--worker-memory-mb` bounds each worker's address space: a file too big for it loses its
/// queries (internal error records, exit 4), the other files keep their answers.
#[cfg(unix)]
#[test]
fn a_worker_out_of_memory_loses_its_queries_not_the_run() {
    let dir = scratch("memory");
    std::fs::create_dir_all(&dir).unwrap();
    let small = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/examples/prove/key-policy-shared.json");
    std::fs::copy(&small, dir.join("a-small.json")).unwrap();
    let huge = "x".repeat(40 * 1024 * 1024);
    std::fs::write(
        dir.join("b-huge.json"),
        format!(r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*", "Condition": {{"StringEquals": {{"aws:username": "{huge}"}}}}}}]}}"#),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["corpus", dir.to_str().unwrap(), "--jobs", "1", "--isolate"];
        args.extend_from_slice(extra);
        keyward(&args)
    };
    let out = run(&["--worker-memory-mb", "256"]);
    assert_eq!(out.status.code(), Some(4), "{}", String::from_utf8_lossy(&out.stderr));
    let recs = lines(&String::from_utf8(out.stdout).unwrap());
    let lost = |r: &&Value| r["kind"] == "error" || r["verdict"] == "error";
    let huge_recs: Vec<&Value> = recs.iter().filter(|r| r["file"].as_str().unwrap().ends_with("b-huge.json")).collect();
    assert!(!huge_recs.is_empty() && huge_recs.iter().any(lost), "{huge_recs:?}");
    assert!(huge_recs.iter().filter(|r| lost(r)).all(|r| r["message"].as_str().unwrap().contains("signal")), "{huge_recs:?}");
    let small_recs: Vec<&Value> = recs.iter().filter(|r| r["file"].as_str().unwrap().ends_with("a-small.json")).collect();
    assert!(small_recs.len() > 5 && !small_recs.iter().any(lost), "{small_recs:?}");
}
