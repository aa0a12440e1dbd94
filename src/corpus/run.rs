//! One corpus run: list the policy files below the corpus folders (as `keyward check` does,
//! through `inputs::policy_files`), keep the files of the shard, read each file with
//! `inputs::load_file` and run the controls with `controls::run_subject` on a pool of worker
//! threads, and write the records in file order as soon as every earlier file is done.
//!
//! Workers take files in order (`par_bridge` hands out the next file to the first free worker),
//! so the reordering buffer stays small and a long run's output grows steadily; the order of the
//! output never depends on the number of workers.

use super::{round_ms, CorpusError, ErrorRecord, QueryRecord, Record, Shard, WhyRecord};
use crate::controls::{run_subject_each, Ctx, Finding, Params, Status, Step};
use crate::inputs::{load_file, policy_files, snapshot, LoadOptions};
use crate::smt::SolverOptions;
use rayon::iter::{ParallelBridge, ParallelIterator};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What a run does.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Corpus folders (searched recursively) or single policy files.
    pub dirs: Vec<PathBuf>,
    /// Controls to run; empty runs every control that applies to each file.
    pub selected: Vec<String>,
    pub load: LoadOptions,
    pub params: Params,
    pub solver: SolverOptions,
    /// Worker threads (at least 1).
    pub jobs: usize,
    pub shard: Option<Shard>,
    /// Draw a progress bar on stderr (hidden anyway when stderr is not a terminal).
    pub progress: bool,
    /// Check each file in a worker process started with this command line (`--isolate`).
    pub isolate: Option<Vec<String>>,
    /// Enumerate each file's access findings (`--access`) instead of running the controls.
    pub access: bool,
}

/// The files of a run, before any control runs.
#[derive(Debug, Default)]
pub struct Listing {
    /// The policy files of the shard, sorted by path as written in the records.
    pub files: Vec<PathBuf>,
    /// JSON files that are not policy documents (no `Statement`).
    pub skipped: Vec<String>,
    /// Folders that could not be read.
    pub errors: Vec<Record>,
}

/// Set by the interrupt handler (`keyward corpus`, Ctrl-C): workers take no more files, the
/// files in flight finish (each solver call is bounded by its timeout), and the run ends with
/// every finished file's lines written and flushed — a valid JSONL prefix — and its summary.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Why a run ended before its last file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Ctrl-C (`INTERRUPTED`).
    Interrupted,
    /// `--max-time` was reached.
    MaxTime,
}

/// What a run produced.
#[derive(Debug)]
pub struct RunOutcome {
    /// Every record written, in output order, without what only the JSONL needs (file,
    /// resource, messages, z3 statistics, settled counts): the summary and the plot read the
    /// control, verdict, time and solver calls, so a run's memory stays small per file.
    pub records: Vec<Record>,
    /// Set when the run stopped before its last file; `not_run` files got no lines.
    pub stopped: Option<Stopped>,
    pub not_run: usize,
    /// Policy files of the shard (including those that failed to parse).
    pub files: usize,
    pub skipped: Vec<String>,
    pub wall_ms: f64,
    pub jobs: usize,
    pub shard: Option<Shard>,
}

/// List the policy files of the run. A missing path or an account snapshot is a usage error:
/// the corpus command reads policy files only (`keyward check` reads snapshots).
pub fn list(cfg: &RunConfig) -> Result<Listing, CorpusError> {
    let mut listing = Listing::default();
    let mut diagnostics = Vec::new();
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for dir in &cfg.dirs {
        if !dir.exists() {
            return Err(CorpusError::Path(format!("{}: no such file or folder", dir.display())));
        }
        if dir.is_file() {
            let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if cfg.shard.map_or(true, |s| s.contains(&name)) {
                files.push((dir.display().to_string(), dir.clone()));
            }
            continue;
        }
        if snapshot::is_snapshot(dir) {
            return Err(CorpusError::Path(format!(
                "{}: an account snapshot; `keyward corpus` reads folders of policy files (use `keyward check` for snapshots)",
                dir.display()
            )));
        }
        let in_shard = |f: &Path| cfg.shard.map_or(true, |s| s.contains(&relative(f, dir)));
        let mut skipped = Vec::new();
        for f in policy_files(dir, &mut diagnostics, &mut skipped) {
            if in_shard(&f) {
                files.push((f.display().to_string(), f));
            }
        }
        // Skipped files are counted by the shard they fall in, so the shards' counts add up.
        listing.skipped.extend(skipped.into_iter().filter(|f| in_shard(Path::new(f))));
    }
    // Sorted by the path as the records show it, so every run of the same corpus (and every
    // concatenation of its shards, once sorted) lists the files in the same order.
    files.sort();
    files.dedup_by(|a, b| a.0 == b.0);
    listing.files = files.into_iter().map(|(_, p)| p).collect();
    listing.errors = diagnostics
        .into_iter()
        .map(|d| {
            Record::Error(ErrorRecord {
                file: d.file.clone(),
                message: d.to_string(),
                diagnostics: vec![d.to_string()],
                parse_ms: 0.0,
                internal: false,
            })
        })
        .collect();
    Ok(listing)
}

/// `file`'s path below `dir` with `/` separators: the shard key, the same on every OS and
/// whatever path the corpus folder was given as.
fn relative(file: &Path, dir: &Path) -> String {
    let rel = file.strip_prefix(dir).unwrap_or(file);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Run the controls over the listed files, writing each record as a JSON line to `out`.
/// Per-file problems become error records; only a failure to write the output stops the run.
pub fn run(cfg: &RunConfig, listing: Listing, out: &mut dyn Write) -> Result<RunOutcome, CorpusError> {
    let start = Instant::now();
    let jobs = cfg.jobs.max(1);
    let pool =
        rayon::ThreadPoolBuilder::new().num_threads(jobs).build().map_err(|e| CorpusError::Workers { jobs, message: e.to_string() })?;
    let ctx = Ctx { params: &cfg.params, opts: &cfg.solver };
    let bar = progress_bar(cfg.progress, listing.files.len());
    let mut records: Vec<Record> = Vec::new();
    let mut write_error: Option<CorpusError> = None;
    let mut emit = |batch: Vec<Record>, records: &mut Vec<Record>, write_error: &mut Option<CorpusError>| {
        for r in batch {
            if write_error.is_none() {
                let line = serde_json::to_string(&r).map_err(|e| e.to_string());
                if let Err(e) = line.and_then(|l| writeln!(out, "{l}").map_err(|e| e.to_string())) {
                    *write_error = Some(CorpusError::Io(format!("cannot write the run: {e}")));
                }
            }
            records.push(r.slim());
        }
    };
    emit(listing.errors, &mut records, &mut write_error);
    // Workers stop taking files once the output cannot be written, on Ctrl-C, or past
    // `--max-time`.
    let stop = AtomicBool::new(false);
    let halt = |stop: &AtomicBool| -> Option<Stopped> {
        if INTERRUPTED.load(Ordering::Relaxed) {
            Some(Stopped::Interrupted)
        } else if cfg.solver.past_deadline() {
            Some(Stopped::MaxTime)
        } else {
            stop.load(Ordering::Relaxed).then_some(Stopped::Interrupted)
        }
    };
    let not_run = std::sync::atomic::AtomicUsize::new(0);
    let stopped: std::sync::Mutex<Option<Stopped>> = std::sync::Mutex::new(None);
    let (tx, rx) = std::sync::mpsc::channel::<(usize, Vec<Record>)>();
    let files = &listing.files;
    std::thread::scope(|scope| {
        let stop = &stop;
        let ctx = &ctx;
        let (not_run, stopped, halt) = (&not_run, &stopped, &halt);
        scope.spawn(move || {
            pool.install(|| {
                files.iter().enumerate().par_bridge().for_each_with(tx, |tx, (i, file)| {
                    let recs = match halt(stop) {
                        Some(why) => {
                            not_run.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut s) = stopped.lock() {
                                s.get_or_insert(why);
                            }
                            vec![]
                        }
                        None => match &cfg.isolate {
                            Some(command) => super::isolate::check_file(file, command),
                            None => run_file(file, cfg, ctx),
                        },
                    };
                    // The receiver only goes away when the run is over.
                    let _ = tx.send((i, recs));
                })
            })
        });
        let mut pending: BTreeMap<usize, Vec<Record>> = BTreeMap::new();
        let mut next = 0usize;
        let (mut unknown, mut errors) = (0usize, 0usize);
        for (i, recs) in rx {
            unknown += recs.iter().filter(|r| matches!(r, Record::Result(q) if q.verdict == "unknown")).count();
            errors += recs.iter().filter(|r| matches!(r, Record::Error(_))).count();
            pending.insert(i, recs);
            while let Some(batch) = pending.remove(&next) {
                emit(batch, &mut records, &mut write_error);
                next += 1;
            }
            if write_error.is_some() {
                stop.store(true, Ordering::Relaxed);
            }
            bar.set_message(format!("{unknown} unknown, {errors} unreadable"));
            bar.inc(1);
        }
    });
    bar.finish_and_clear();
    if let Some(e) = write_error {
        return Err(e);
    }
    out.flush().map_err(|e| CorpusError::Io(format!("cannot write the run: {e}")))?;
    let stopped = stopped.into_inner().ok().flatten();
    Ok(RunOutcome {
        records,
        stopped,
        not_run: not_run.into_inner(),
        files: listing.files.len(),
        skipped: listing.skipped,
        wall_ms: start.elapsed().as_secs_f64() * 1000.0,
        jobs,
        shard: cfg.shard,
    })
}

fn progress_bar(show: bool, files: usize) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(Some(files as u64), indicatif::ProgressDrawTarget::stderr());
    let style = indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {pos}/{len} files, {msg}, eta {eta}")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// The records of one file: its parse time, then every selected control that applies. A panic
/// in the engine is caught here and recorded as an error of the file, so one bad input cannot
/// end a run of thousands.
pub fn run_file(file: &Path, cfg: &RunConfig, ctx: &Ctx<'_>) -> Vec<Record> {
    let mut out = Vec::new();
    run_file_each(file, cfg, ctx, None, &mut |step| {
        if let FileStep::Record(r) = step {
            out.push(r);
        }
    });
    out
}

/// What `run_file_each` reports, in order: a query about to run, then its record.
// One step at a time, never in bulk: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum FileStep<'a> {
    Query { control: &'static str, resource: &'a str },
    Record(Record),
}

/// The run of `run_file`, step by step (the `--isolate` worker); with `after`, only the
/// controls that come after the one of that id.
pub fn run_file_each(file: &Path, cfg: &RunConfig, ctx: &Ctx<'_>, after: Option<&str>, each: &mut dyn FnMut(FileStep<'_>)) {
    let name = file.display().to_string();
    let start = Instant::now();
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut diagnostics = Vec::new();
        let subject = load_file(file, &cfg.load, &mut diagnostics);
        let parse_ms = start.elapsed().as_secs_f64() * 1000.0;
        match subject {
            Some(subject) if cfg.access => {
                each(FileStep::Query { control: "ACCESS", resource: subject.resource() });
                let a = crate::controls::access::access(&subject, &cfg.solver);
                each(FileStep::Record(Record::Result(access_record(&a, parse_ms))))
            }
            Some(subject) => run_subject_each(&subject, &cfg.selected, ctx, after, &mut |step| match step {
                Step::Start { control, resource } => each(FileStep::Query { control, resource }),
                Step::Done(f) => each(FileStep::Record(Record::Result(query_record(&f, parse_ms)))),
            }),
            None => {
                let all: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
                let message = all.first().cloned().unwrap_or_else(|| format!("{name}: cannot be read as a policy"));
                each(FileStep::Record(Record::Error(ErrorRecord {
                    file: name.clone(),
                    message,
                    diagnostics: all,
                    parse_ms: round_ms(parse_ms),
                    internal: false,
                })))
            }
        }
    }));
    if let Err(panic) = attempt {
        let what = crate::model::error::panic_message(panic.as_ref());
        let message = format!("{name}: INTERNAL ERROR (please report): panic: {what}");
        each(FileStep::Record(Record::Error(ErrorRecord {
            file: name.clone(),
            message: message.clone(),
            diagnostics: vec![message],
            parse_ms: 0.0,
            internal: true,
        })))
    }
}

fn query_record(f: &Finding, parse_ms: f64) -> QueryRecord {
    let t = &f.timing;
    QueryRecord {
        file: f.file.clone(),
        resource: f.resource.clone(),
        control: f.control.clone(),
        verdict: f.status.name().to_string(),
        message: matches!(f.status, Status::Unknown | Status::Error).then(|| f.message.clone()),
        parse_ms: round_ms(parse_ms),
        encode_ms: round_ms(t.encode_ms),
        solve_ms: round_ms(t.solve_ms),
        total_ms: round_ms(parse_ms + t.wall_ms),
        solver_called: t.solver_calls > 0,
        solver_calls: t.solver_calls,
        z3: t.z3.clone(),
        smt_bytes: t.smt_bytes,
        settled: t.settled.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
        findings: None,
        queries: None,
        why: f.why.as_ref().map(|w| {
            Box::new(WhyRecord {
                status: w.status().to_string(),
                reasons: w.reasons.len(),
                minimal: w.minimal,
                checks: w.checks,
                ms: round_ms(w.ms),
            })
        }),
    }
}

/// The record of `--access` on one subject: control `ACCESS`, verdict `holds` when the list
/// of findings is proved complete (else `unknown` or `error`, with why).
fn access_record(s: &crate::controls::access::SubjectAccess, parse_ms: f64) -> QueryRecord {
    let (verdict, message) = s.verdict();
    let stats = s.stats();
    QueryRecord {
        file: s.file.clone(),
        resource: s.resource.clone(),
        control: "ACCESS".into(),
        verdict: verdict.into(),
        message,
        parse_ms: round_ms(parse_ms),
        encode_ms: 0.0,
        solve_ms: round_ms(stats.solve_ms),
        total_ms: round_ms(parse_ms + stats.total_ms),
        solver_called: stats.solver_calls > 0,
        solver_calls: stats.solver_calls,
        z3: BTreeMap::new(),
        smt_bytes: 0,
        settled: BTreeMap::new(),
        findings: Some(s.parts.iter().map(|p| p.access.findings.len()).sum()),
        queries: Some(stats.queries),
        why: None,
    }
}
