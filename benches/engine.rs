//! The engine benchmarks: parsing, concrete evaluation, SMT encoding and solving, measured on
//! the real policies of `../shared/data/` (AWS managed policies and the KMS policy collection,
//! see that folder's README). This file owns the workloads (which files, which requests, which
//! queries, all fixed and deterministic) and the criterion groups:
//!
//! - `parse`: text → `Policy` for every managed policy file (files/s);
//! - `evaluate/identity`, `evaluate/key_policy`: `eval::evaluate` on a fixed request set
//!   (requests/s);
//! - `encode`, `solve`, `exists_allowed`: the KMS.1-style query "∃ allowed kms:Decrypt or
//!   kms:ReEncryptFrom on an arbitrary key" on every 10th managed policy — the encoder alone
//!   (all sampled queries, queries/s), the solver alone on each prepared query that reaches it
//!   (one benchmark per policy), and the whole check with decoding and replay (queries/s over
//!   those that fold without the solver; per solved query too with `KEYWARD_BENCH_FULL=1`).
//!   Queries slower than a cutoff are left out and named in the printed summary (see
//!   `SOLVE_CUTOFF_MS`);
//! - `perimeter`: the public question on small data-perimeter key policies (organization,
//!   accounts, organization paths, VPC endpoint), through the solver and whole.
//!
//! Run `cargo bench --bench engine` (all groups, about three minutes on two cores, most of it
//! in `solve`), or some groups with a filter: `cargo bench --bench engine -- evaluate` (the
//! set-up of every group, including the solver pre-pass, still runs). When a data folder is
//! missing the groups that need it print a message and measure nothing. Each run prints the
//! workload it measured (decision counts, which queries reached the solver and how long each
//! took) before the numbers.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput};
use keyward::eval::evaluate;
use keyward::model::principal::{Principal, PrincipalKind};
use keyward::model::request::{Context, Request};
use keyward::model::request_spec::RequestSpec;
use keyward::model::request_spec::{ActionSpec, PrincipalSpec, ResourceSpec};
use keyward::model::Policy;
use keyward::model::{Decision, PolicySet};
use keyward::policy::{parse_policy, Source};
use keyward::properties::queries::exists_allowed;
use keyward::properties::Verdict;
use keyward::smt::{build_exists_allowed, check, Outcome, Query, SolverOptions};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The account of the requesting principal and of the key.
const ACCOUNT: &str = "111122223333";
const OTHER_ACCOUNT: &str = "444455556666";
const KEY_ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
/// Every SOLVE_STRIDE-th managed policy (in file-name order) is a solver query.
const SOLVE_STRIDE: usize = 10;

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("shared").join("data").join(name)
}

/// One policy file: its display name and text.
struct PolicyFile {
    name: String,
    text: String,
}

/// Read `files` (paths relative to `dir`), skipping unreadable ones with a message.
fn read_files(dir: &Path, files: impl IntoIterator<Item = String>) -> Vec<PolicyFile> {
    let mut out = Vec::new();
    for f in files {
        match std::fs::read_to_string(dir.join(&f)) {
            Ok(text) => out.push(PolicyFile { name: f, text }),
            Err(e) => eprintln!("keyward bench: skipping {}: {e}", dir.join(&f).display()),
        }
    }
    out
}

fn parse_file(f: &PolicyFile) -> Option<Policy> {
    parse_policy(Source::new(f.name.clone(), f.text.clone())).ok()
}

/// The managed policy files, sorted by name; `None` when the folder is absent.
fn managed_files() -> Option<&'static [PolicyFile]> {
    static FILES: OnceLock<Option<Vec<PolicyFile>>> = OnceLock::new();
    FILES
        .get_or_init(|| {
            let dir = data_dir("aws-managed-policies");
            let Ok(entries) = std::fs::read_dir(&dir) else {
                eprintln!("keyward bench: {} is absent; skipping the benches that need it", dir.display());
                return None;
            };
            let mut names: Vec<String> = entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .collect();
            names.sort();
            let files = read_files(&dir, names);
            let bytes: usize = files.iter().map(|f| f.text.len()).sum();
            eprintln!("keyward bench: {} managed policy files, {:.1} MB", files.len(), bytes as f64 / 1e6);
            (!files.is_empty()).then_some(files)
        })
        .as_deref()
}

/// The managed policies that parse, in file-name order.
fn managed_policies() -> Option<&'static [(String, Policy)]> {
    static POLICIES: OnceLock<Option<Vec<(String, Policy)>>> = OnceLock::new();
    POLICIES
        .get_or_init(|| {
            let files = managed_files()?;
            let parsed: Vec<(String, Policy)> = files.iter().filter_map(|f| parse_file(f).map(|p| (f.name.clone(), p))).collect();
            if parsed.len() != files.len() {
                eprintln!(
                    "keyward bench: {} of {} managed policies do not parse; they are left out of evaluate/encode/solve",
                    files.len() - parsed.len(),
                    files.len()
                );
            }
            Some(parsed)
        })
        .as_deref()
}

/// The resource policies (those with Principal elements) of the KMS collection, in INDEX.json
/// order; `None` when the folder or its index is absent.
fn key_policies() -> Option<&'static [Policy]> {
    static POLICIES: OnceLock<Option<Vec<Policy>>> = OnceLock::new();
    POLICIES
        .get_or_init(|| {
            let dir = data_dir("kms-policies");
            let index = match std::fs::read_to_string(dir.join("INDEX.json")) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("keyward bench: {}/INDEX.json: {e}; skipping the key-policy benches", dir.display());
                    return None;
                }
            };
            let entries: Vec<serde_json::Value> = match serde_json::from_str(&index) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("keyward bench: {}/INDEX.json is not a JSON array: {e}; skipping the key-policy benches", dir.display());
                    return None;
                }
            };
            let names = entries.iter().filter_map(|e| e.get("file").and_then(|f| f.as_str()).map(str::to_string));
            let files = read_files(&dir, names);
            let parsed: Vec<Policy> = files.iter().filter_map(parse_file).collect();
            let key: Vec<Policy> = parsed.into_iter().filter(|p| p.has_principals()).collect();
            eprintln!("keyward bench: {} KMS collection files, {} resource policies with Principal elements", files.len(), key.len());
            (!key.is_empty()).then_some(key)
        })
        .as_deref()
}

/// A principal of the request set; `None` (with a message) if keyward no longer accepts it.
fn principal(text: &str) -> Option<Principal> {
    Principal::parse(text).map_err(|e| eprintln!("keyward bench: the bench principal {text:?} does not parse: {e}")).ok()
}

fn request(p: &Principal, action: &str, resource: &str, context: &[(&str, &str)]) -> Request {
    let mut ctx = Context::new();
    for (k, v) in context {
        ctx.insert(k, vec![v.to_string()]);
    }
    Request { principal: p.clone(), action: action.into(), resource: resource.into(), context: ctx }
}

/// The requests put to every identity policy: the role App of ACCOUNT calling KMS, S3, IAM and
/// EC2, with typical context.
fn identity_requests() -> Option<Vec<Request>> {
    let app = principal(&format!("arn:aws:iam::{ACCOUNT}:role/App"))?;
    Some(vec![
        request(
            &app,
            "kms:Decrypt",
            KEY_ARN,
            &[
                ("aws:SourceIp", "203.0.113.5"),
                ("kms:ViaService", "s3.us-east-1.amazonaws.com"),
                ("kms:EncryptionContext:Department", "Finance"),
            ],
        ),
        request(&app, "kms:PutKeyPolicy", KEY_ARN, &[]),
        request(&app, "kms:CreateKey", "*", &[("aws:RequestTag/team", "payments")]),
        request(&app, "s3:GetObject", "arn:aws:s3:::example-bucket/reports/2024.csv", &[("aws:SecureTransport", "true")]),
        request(&app, "iam:PassRole", &format!("arn:aws:iam::{ACCOUNT}:role/Worker"), &[("iam:PassedToService", "ec2.amazonaws.com")]),
        request(&app, "ec2:DescribeInstances", "*", &[]),
    ])
}

/// The requests put to every key policy (on KEY_ARN): principals of the key's account (a role,
/// a session of it, the root user), of another account, and a service.
fn key_requests() -> Option<Vec<Request>> {
    let principals = [
        principal(&format!("arn:aws:iam::{ACCOUNT}:role/App"))?,
        principal(&format!("arn:aws:sts::{ACCOUNT}:assumed-role/App/session-1"))?,
        principal(ACCOUNT)?,
        principal(&format!("arn:aws:iam::{OTHER_ACCOUNT}:role/Partner"))?,
        principal("s3.amazonaws.com")?,
    ];
    let mut out = Vec::new();
    for p in &principals {
        out.push(request(
            p,
            "kms:Decrypt",
            KEY_ARN,
            &[("kms:ViaService", "s3.us-east-1.amazonaws.com"), ("kms:EncryptionContext:aws:s3:arn", "arn:aws:s3:::example-bucket")],
        ));
        out.push(request(p, "kms:GenerateDataKey", KEY_ARN, &[("aws:PrincipalOrgID", "o-a1b2c3d4e5"), ("aws:SourceIp", "203.0.113.5")]));
        out.push(request(p, "kms:CreateGrant", KEY_ARN, &[("kms:GrantIsForAWSResource", "true")]));
        out.push(request(p, "kms:PutKeyPolicy", KEY_ARN, &[]));
    }
    Some(out)
}

/// The identity policy every key-policy set carries for the caller, so that delegation to the
/// account can reach an allow.
fn caller_identity_policy() -> Option<Policy> {
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey*"],"Resource":"*"}]}"#;
    parse_policy(Source::new("bench-caller-identity.json", doc))
        .map_err(|e| eprintln!("keyward bench: the bench identity policy does not parse: {e:?}"))
        .ok()
}

/// Evaluate every request under every set; the decision counts (also the bench's result).
fn evaluate_all(sets: &[PolicySet], requests: &[Request]) -> [usize; 3] {
    let mut counts = [0usize; 3];
    for set in sets {
        for r in requests {
            let i = match evaluate(set, r).decision {
                Decision::Allowed => 0,
                Decision::ExplicitlyDenied => 1,
                Decision::ImplicitlyDenied => 2,
            };
            counts[i] += 1;
        }
    }
    counts
}

fn bench_parse(c: &mut Criterion) {
    let Some(files) = managed_files() else { return };
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(files.len() as u64));
    // Text → Source (line index) → Policy, as `load_policy` does after reading the file.
    g.bench_function(BenchmarkId::new("managed", files.len()), |b| {
        b.iter(|| {
            let mut ok = 0usize;
            for f in files {
                if parse_policy(Source::new(f.name.as_str(), f.text.as_str())).is_ok() {
                    ok += 1;
                }
            }
            black_box(ok)
        })
    });
    g.finish();
}

fn bench_evaluate(c: &mut Criterion) {
    let mut g = c.benchmark_group("evaluate");
    if let (Some(policies), Some(requests)) = (managed_policies(), identity_requests()) {
        let sets: Vec<PolicySet> = policies.iter().map(|(_, p)| PolicySet { identity: vec![p.clone()], ..PolicySet::default() }).collect();
        let n = sets.len() * requests.len();
        let [a, d, i] = evaluate_all(&sets, &requests);
        eprintln!(
            "keyward bench: evaluate/identity: {n} requests ({} policies x {}): {a} allowed, {d} explicitly denied, {i} implicitly denied",
            sets.len(),
            requests.len()
        );
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("identity", n), |b| b.iter(|| black_box(evaluate_all(black_box(&sets), black_box(&requests)))));
    }
    if let (Some(key), Some(identity), Some(requests)) = (key_policies(), caller_identity_policy(), key_requests()) {
        let sets: Vec<PolicySet> = key
            .iter()
            .map(|p| PolicySet { identity: vec![identity.clone()], key_policy: Some(p.clone()), ..PolicySet::default() })
            .collect();
        let n = sets.len() * requests.len();
        let [a, d, i] = evaluate_all(&sets, &requests);
        eprintln!("keyward bench: evaluate/key_policy: {n} requests ({} key policies x {}): {a} allowed, {d} explicitly denied, {i} implicitly denied", sets.len(), requests.len());
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::new("key_policy", n), |b| b.iter(|| black_box(evaluate_all(black_box(&sets), black_box(&requests)))));
    }
    g.finish();
}

/// The KMS.1-style query of the encode/solve benches.
fn kms1_query() -> (PrincipalSpec, RequestSpec) {
    let who = PrincipalSpec::any(&[PrincipalKind::User, PrincipalKind::Role]);
    let req = RequestSpec {
        action: ActionSpec::AnyOf { actions: vec!["kms:Decrypt".into(), "kms:ReEncryptFrom".into()], unlisted: None },
        resource: ResourceSpec::Key { account: None, region: None, arbitrary: true },
        context: vec![],
    };
    (who, req)
}

/// The identity sets of the solver sample: every SOLVE_STRIDE-th parsed managed policy.
fn solve_sample() -> Option<&'static [(String, PolicySet)]> {
    static SAMPLE: OnceLock<Option<Vec<(String, PolicySet)>>> = OnceLock::new();
    SAMPLE
        .get_or_init(|| {
            let policies = managed_policies()?;
            let sample: Vec<(String, PolicySet)> = policies
                .iter()
                .step_by(SOLVE_STRIDE)
                .map(|(n, p)| (n.clone(), PolicySet { identity: vec![p.clone()], ..PolicySet::default() }))
                .collect();
            (!sample.is_empty()).then_some(sample)
        })
        .as_deref()
}

/// Run `f` on a fresh thread, and so with a fresh z3 context (the in-process backend uses the
/// thread's context). Solving in one long-lived context is history-dependent: the same query
/// solved repeatedly on one thread took 3.4 s, then timed out (10 s), then 4.8 s; on fresh
/// threads 3.3–4.1 s every time. Fresh threads keep the samples independent and the runs
/// comparable; `KEYWARD_BENCH_SHARED_CONTEXT=1` measures on the bench thread instead.
fn isolated<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static SHARED: OnceLock<bool> = OnceLock::new();
    if *SHARED.get_or_init(|| std::env::var_os("KEYWARD_BENCH_SHARED_CONTEXT").is_some_and(|v| v == "1")) {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(r) => r,
        Err(e) => std::panic::resume_unwind(e),
    })
}

fn prepare(label: &str, set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec) -> Query {
    build_exists_allowed(set, who, req, keyward::smt::Encoding::Default, label)
}

/// A query whose solver call does not finish within this many milliseconds in the pre-pass
/// (default; `KEYWARD_BENCH_SOLVE_CUTOFF_MS` overrides) is left out of the `solve` and
/// `exists_allowed` measurements and named in the printed summary: one such query would
/// otherwise dominate every sample with its solver timeout.
const SOLVE_CUTOFF_MS: u64 = 2000;

fn bench_solver(c: &mut Criterion) {
    let Some(sample) = solve_sample() else { return };
    let (who, req) = kms1_query();
    let opts = SolverOptions::default();
    let cutoff_ms = std::env::var("KEYWARD_BENCH_SOLVE_CUTOFF_MS").ok().and_then(|v| v.parse::<u64>().ok()).unwrap_or(SOLVE_CUTOFF_MS);
    let n = sample.len() as u64;

    // One pass outside the measurement, with the cutoff as the solver timeout: which queries
    // reach the solver at all (the others fold to a constant while encoding), their answers and
    // times, and which exceed the cutoff.
    let started = Instant::now();
    let prepared: Vec<Query> = sample.iter().map(|(name, set)| prepare(name, set, &who, &req)).collect();
    let encode_ms = started.elapsed().as_secs_f64() * 1000.0;
    let probe = SolverOptions { timeout: Duration::from_millis(cutoff_ms), ..opts.clone() };
    let (mut folded, mut solved, mut slow) = (Vec::new(), Vec::new(), Vec::new());
    let mut unsupported = 0;
    for (i, p) in prepared.iter().enumerate() {
        let solved_query = isolated(|| check(p, &probe));
        let stats = solved_query.stats;
        let answer = match solved_query.outcome {
            Ok(Outcome::Sat(_)) => "sat",
            Ok(Outcome::Unsat) => "unsat",
            Ok(Outcome::Unknown(why)) if why.starts_with("not encodable exactly") => {
                unsupported += 1;
                continue;
            }
            Ok(Outcome::Unknown(_)) => "unknown",
            Err(_) => "error",
        };
        if !stats.solver_called {
            folded.push(i);
        } else if answer == "unknown" || answer == "error" || stats.solve_ms > cutoff_ms as f64 {
            slow.push(format!("{} ({answer} after {:.0} ms)", p.label(), stats.solve_ms));
        } else {
            solved.push((i, format!("{} {answer} {:.1} ms", p.label(), stats.solve_ms)));
        }
    }
    eprintln!(
        "keyward bench: KMS.1 query on {n} managed policies (every {SOLVE_STRIDE}th): encode {encode_ms:.1} ms in all; {} fold to a constant without the solver, {unsupported} not encodable, {} solved within {cutoff_ms} ms: [{}]; {} left out (over {cutoff_ms} ms): [{}]",
        folded.len(),
        solved.len(),
        solved.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join(", "),
        slow.len(),
        slow.join(", ")
    );

    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(n));
    // Spec, policies and decision into terms, then `Encoder::finish` into a query (unit
    // propagation included).
    g.bench_function(BenchmarkId::new("kms1", n), |b| {
        b.iter(|| {
            let mut roots = 0usize;
            for (name, set) in sample {
                roots += prepare(name, set, &who, &req).request_count();
            }
            black_box(roots)
        })
    });
    g.finish();

    // Only the queries that reach z3, one benchmark each (named after the policy, so runs
    // compare query by query even when the left-out set differs): the folded ones cost nothing
    // here. `smt::check` — SMT-LIB2 printing, z3 parse and check with the lazy shape axioms,
    // model read-back — on a fresh thread (see `isolated`).
    let mut g = c.benchmark_group("solve");
    g.sampling_mode(SamplingMode::Flat);
    for (i, _) in &solved {
        let p = &prepared[*i];
        g.bench_function(BenchmarkId::new("kms1", policy_id(p.label())), |b| {
            b.iter(|| black_box(isolated(|| check(p, &opts).outcome.is_ok())))
        });
    }
    g.finish();

    // The whole property check — encode, solve, check the model, decode, prettify and replay —
    // in one loop over the queries that fold without the solver (the path most policies take),
    // and, with KEYWARD_BENCH_FULL=1, per solved query as above (another ten solver runs per
    // query: about as long as the `solve` group). An internal error (the replay disagrees with
    // the solver) is collected and printed after the group.
    let errors = std::cell::RefCell::new(std::collections::BTreeMap::<String, String>::new());
    // `fresh`: on a fresh thread (see `isolated`); the folded queries never reach z3.
    let check = |name: &str, set: &PolicySet, fresh: bool| -> bool {
        let run = || exists_allowed(set, &who, &req, &opts, name);
        match if fresh { isolated(run) } else { run() }.answer {
            Ok(Verdict::Violated(_)) => true,
            Ok(_) => false,
            Err(e) => {
                errors.borrow_mut().insert(name.to_string(), e.to_string());
                false
            }
        }
    };
    let mut g = c.benchmark_group("exists_allowed");
    g.sampling_mode(SamplingMode::Flat);
    if std::env::var_os("KEYWARD_BENCH_FULL").is_some_and(|v| v == "1") {
        for (i, _) in &solved {
            let (name, set) = &sample[*i];
            g.bench_function(BenchmarkId::new("kms1", policy_id(name)), |b| b.iter(|| black_box(check(name, set, true))));
        }
    } else if !solved.is_empty() {
        eprintln!("keyward bench: exists_allowed on the {} solved queries is measured only with KEYWARD_BENCH_FULL=1", solved.len());
    }
    let folded_sets: Vec<&(String, PolicySet)> = folded.iter().map(|i| &sample[*i]).collect();
    if !folded_sets.is_empty() {
        g.throughput(Throughput::Elements(folded_sets.len() as u64));
        g.bench_function(BenchmarkId::new("kms1-folded", folded_sets.len()), |b| {
            b.iter(|| black_box(folded_sets.iter().filter(|(name, set)| check(name, set, false)).count()))
        });
    }
    g.finish();
    for (name, e) in errors.borrow().iter() {
        eprintln!("keyward bench: exists_allowed/kms1: {name}: {e}");
    }
}

/// A benchmark id from a policy file name: `AWSBackupSearchOperatorAccess.json` →
/// `AWSBackupSearchOperatorAccess`.
fn policy_id(file: &str) -> String {
    file.strip_suffix(".json").unwrap_or(file).to_string()
}

/// The data-perimeter family (#15): small key policies that allow `{"AWS": "*"}` and deny
/// outside a perimeter — an organization, an account list, a VPC endpoint — asked the public
/// question (a fresh IAM principal allowed any action on the key?), through the solver
/// (`presolve` off: the query family that timed out before the glob inclusion lemmas) and whole.
fn perimeter_policies() -> Vec<(&'static str, PolicySet)> {
    let deny = |condition: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::111122223333:root"}}, "Action": "kms:*", "Resource": "*"}},
            {{"Effect": "Allow", "Principal": {{"AWS": "*"}}, "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*"}},
            {{"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*", "Condition": {condition}}}]}}"#
        )
    };
    let cases = [
        ("organization", r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": {"aws:PrincipalIsAWSService": "false"}}"#),
        ("accounts", r#"{"StringNotEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]}}"#),
        ("org-paths", r#"{"ForAllValues:StringNotLike": {"aws:PrincipalOrgPaths": ["o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*"]}}"#),
        ("vpc-endpoint", r#"{"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}, "BoolIfExists": {"aws:ViaAWSService": "false"}}"#),
    ];
    cases
        .iter()
        .filter_map(|(name, cond)| {
            let p = parse_policy(Source::new(format!("perimeter-{name}.json"), deny(cond))).ok()?;
            Some((*name, PolicySet { key_policy: Some(p), ..PolicySet::default() }))
        })
        .collect()
}

fn bench_perimeter(c: &mut Criterion) {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let iam = [PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser];
    let who = PrincipalSpec::fresh(&iam);
    let named: Vec<String> = keyward::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    let req = RequestSpec { action: ActionSpec::Any { named }, resource: ResourceSpec::Fixed(key.into()), context: vec![] };
    let mut g = c.benchmark_group("perimeter");
    g.sampling_mode(SamplingMode::Flat);
    for (name, set) in perimeter_policies() {
        for presolve in [false, true] {
            let opts = SolverOptions { presolve, ..SolverOptions::default() };
            let verdict = isolated(|| exists_allowed(&set, &who, &req, &opts, name).answer.map(|v| v.name()));
            eprintln!("keyward bench: perimeter/{name} (presolve {presolve}): {verdict:?}");
            let id = BenchmarkId::new(if presolve { "public" } else { "public-solver" }, name);
            g.bench_function(id, |b| b.iter(|| isolated(|| black_box(exists_allowed(&set, &who, &req, &opts, name).answer.is_ok()))));
        }
    }
    g.finish();
}

criterion_group! {
    name = fast;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench_parse, bench_evaluate
}

criterion_group! {
    name = smt;
    config = Criterion::default().sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(10));
    targets = bench_solver, bench_perimeter
}

criterion_main!(fast, smt);
