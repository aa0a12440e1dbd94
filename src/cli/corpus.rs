//! `keyward corpus DIR…` (a research run), `keyward corpus compare A B` and `keyward corpus plot
//! RUN…`: the arguments and exit codes; the work is in `crate::corpus`. `compare` and `plot` are
//! subcommands that take the place of the first DIR (clap tries a subcommand name before a
//! positional), so a corpus folder literally named `compare` or `plot` is given as `./compare`.
//!
//! Exit codes: a run exits 0 whatever the verdicts (unknown answers and unreadable files are
//! counted in the summary, not failures of a research run), 2 on a usage error or when the
//! output cannot be written, 4 when a query failed internally (the run still completes);
//! `compare` exits 1 when the runs disagree.

use super::args::{SelectArgs, SolverArgs};
use super::print::fail;
use crate::corpus::run::{list, run as run_corpus, RunConfig, Stopped, INTERRUPTED};
use crate::corpus::CorpusError;
use crate::corpus::{compare, plot, read_run, summary, Record, Shard};
use crate::exit;
use crate::smt::SolverOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Subcommands take the place of DIR: `keyward corpus compare A.jsonl B.jsonl`, `keyward corpus plot RUN.jsonl… --out FILE.svg` (a corpus folder named `compare` or `plot` is given as `./compare`).

Each JSON line of a run is {\"kind\": \"result\", file, resource, control, verdict (holds|violated|unknown|not_applicable|error), message (unknown and error only), parse_ms, encode_ms, solve_ms, total_ms, solver_called, solver_calls, z3 {statistic: value}, smt_bytes} or, for a file that cannot be read as a policy, {\"kind\": \"error\", file, message, diagnostics, parse_ms, internal (only when true: a panic, to report)}. Lines are sorted by file, then control order, whatever --jobs; the JSONL files of the shards of a run concatenate into the whole run.

Exit codes: 0 (unknown verdicts and unreadable files are counted in the summary), 2 usage error or the output cannot be written, 3 stopped at --max-time (the summary says how many files were not run), 4 an internal error in some query (verdict \"error\", or with --isolate a worker that died in a query or on a file; the run still completes), 130 interrupted by Ctrl-C (the lines of the finished files and the summary are written).";

#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, after_help = AFTER_HELP)]
pub struct CorpusArgs {
    #[command(subcommand)]
    pub command: Option<CorpusCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, clap::Subcommand)]
pub enum CorpusCommand {
    /// Compare two runs: verdict disagreements (exit 1) and per-query speedups.
    Compare(CompareArgs),
    /// Cactus plot of runs (one line per control for one run, one per run for several).
    Plot(PlotArgs),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Folders of policy files (searched recursively for *.json policies) or policy files.
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// A keyward.toml whose `enabled` controls and parameters the run uses (its `[[ignore]]`
    /// entries do not apply: a run records every verdict). Unlike `check`, a run never reads
    /// ./keyward.toml by itself, so it does not depend on the folder it starts in.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: the number of CPUs).
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Only the files whose path relative to DIR hashes (FNV-1a, 64 bits) to I modulo N;
    /// shards are numbered from 0 (0/4 … 3/4). `auto` takes I and N from the array job's
    /// environment (Slurm, Kubernetes Indexed Job, AWS Batch), `auto/N` only I.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Write the JSON lines to this file (the summary then goes to stdout); default: JSON lines
    /// on stdout, summary on stderr.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also draw the run's cactus plot (one line per control) to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Check each file in a worker process (one per worker thread, reused): a crash the
    /// process cannot survive (z3 aborting, the system killing it for memory) loses the query
    /// it happened in, recorded as an internal error, not the file's other queries nor the run.
    /// Costs a few milliseconds per file.
    #[arg(long)]
    pub isolate: bool,
    /// Enumerate each file's access findings (`keyward access`) instead of running the
    /// controls: one line per file, control `ACCESS`, verdict `holds` when the list is proved
    /// complete, with the number of findings, the queries and the times.
    #[arg(long)]
    pub access: bool,
    /// Explain every result that holds, as `check` does (a run does not by default): each
    /// record gets `why` — the number of reasons, the questions asked again, the time.
    #[arg(long)]
    pub explain: bool,
    /// With --isolate: the address-space limit of each worker process, in MB (RLIMIT_AS, at
    /// least 256). A query that needs more ends its worker — that query is lost, recorded as an
    /// internal error, and a new worker goes on — instead of exhausting the machine. Default: no
    /// limit.
    #[arg(long = "worker-memory-mb", value_name = "MB", requires = "isolate", value_parser = clap::value_parser!(u64).range(256..))]
    pub worker_memory_mb: Option<u64>,
    /// (internal) Be an --isolate worker: read file paths on stdin, answer each with its
    /// records, a `#query` line before each, and a `#end` line.
    #[arg(long, hide = true)]
    pub worker: bool,
    #[command(flatten)]
    pub solver: SolverArgs,
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The reference run (JSONL; shards may be concatenated).
    pub a: PathBuf,
    /// The run compared with it.
    pub b: PathBuf,
    /// Draw a log-log scatter of A's and B's time per query to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Speedups only count queries that take at least this long in one of the runs (below it,
    /// timer noise dominates the ratio).
    #[arg(long = "min-ms", default_value_t = 1.0)]
    pub min_ms: f64,
    /// How many slowdowns (and queries missing from a run) to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
}

#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Runs (JSONL).
    #[arg(required = true, value_name = "RUN.jsonl")]
    pub runs: Vec<PathBuf>,
    /// The SVG file to write.
    #[arg(long, value_name = "FILE.svg")]
    pub out: PathBuf,
    /// The plot's title.
    #[arg(long)]
    pub title: Option<String>,
}

pub fn run(args: &CorpusArgs) -> i32 {
    match &args.command {
        Some(CorpusCommand::Compare(c)) => compare_cmd(c),
        Some(CorpusCommand::Plot(p)) => plot_cmd(p),
        None => run_cmd(&args.run),
    }
}

fn run_cmd(args: &RunArgs) -> i32 {
    if let Err(e) = args.select.check() {
        return fail(e);
    }
    let params = match args.select.params_with_config(args.config.as_deref()) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let jobs = args.jobs.map(usize::from).unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    // A worker runs this same command line with --worker: the same controls, parameters,
    // load and solver options.
    let isolate = match (args.isolate, std::env::current_exe()) {
        (true, Ok(exe)) => {
            Some(std::iter::once(exe.display().to_string()).chain(std::env::args().skip(1)).chain(["--worker".to_string()]).collect())
        }
        (true, Err(e)) => return fail(CorpusError::Io(format!("--isolate: cannot find this program to start workers: {e}"))),
        (false, _) => None,
    };
    let cfg = RunConfig {
        dirs: args.dirs.clone(),
        selected: args.select.selected(&params),
        load: match args.select.load_options() {
            Ok(o) => o,
            Err(e) => return fail(e),
        },
        params,
        solver: SolverOptions { explain: args.explain, ..args.solver.options() },
        jobs,
        shard: args.shard,
        progress: !args.worker,
        isolate,
        access: args.access,
    };
    if args.worker {
        if let Some(mb) = args.worker_memory_mb {
            if let Err(e) = limit_memory(mb) {
                eprintln!("keyward worker: cannot limit its memory to {mb} MB: {e}");
                return exit::INTERNAL;
            }
        }
        return worker(&cfg);
    }
    let listing = match list(&cfg) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    // Ctrl-C: finish the files in flight, write their lines and the summary; a second Ctrl-C
    // ends the process at once. Without a handler (it cannot be installed twice in one
    // process, as in tests) Ctrl-C keeps its default meaning.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, std::sync::atomic::Ordering::SeqCst) {
            std::process::exit(exit::INTERRUPTED);
        }
        eprintln!("keyward: interrupted: finishing the files in flight (Ctrl-C again to stop at once)");
    });
    let outcome = match &args.out {
        Some(path) => {
            let file = match std::fs::File::create(path) {
                Ok(f) => f,
                Err(e) => return fail(CorpusError::Io(format!("{}: {e}", path.display()))),
            };
            run_corpus(&cfg, listing, &mut std::io::BufWriter::new(file))
        }
        None => run_corpus(&cfg, listing, &mut std::io::stdout().lock()),
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let text = summary::render(&outcome);
    if args.out.is_some() {
        print!("{text}");
        let _ = std::io::stdout().flush();
    } else {
        eprint!("{text}");
    }
    if let Some(svg) = &args.plot {
        let title = format!("cactus plot: {}", args.dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "));
        if let Err(e) = plot::cactus(&plot::by_control(&outcome.records), &title, svg) {
            return fail(e);
        }
    }
    // A research run counts unknown verdicts; an internal error is a bug to report.
    let internal = outcome.records.iter().any(|r| match r {
        Record::Result(q) => q.verdict == "error",
        Record::Error(e) => e.internal,
    });
    if internal {
        eprintln!("keyward: internal errors in the run (verdict \"error\"): please report");
        return exit::INTERNAL;
    }
    match outcome.stopped {
        Some(Stopped::Interrupted) => exit::INTERRUPTED,
        // Files not run have no verdict: as for an unknown one.
        Some(Stopped::MaxTime) => exit::UNKNOWN,
        None => exit::OK,
    }
}

/// The `--isolate` worker loop (`crate::corpus::isolate`): one request per line on stdin (a file
/// path, or a path, a tab and the control to resume after), on stdout a `#query` line before
/// each query and a record after it, then `#end`. Ctrl-C is the parent's to handle (it stops
/// handing out files and lets the workers finish theirs).
fn worker(cfg: &RunConfig) -> i32 {
    use crate::corpus::isolate::{END, QUERY};
    use crate::corpus::run::FileStep;
    use std::io::BufRead;
    let _ = ctrlc::set_handler(|| {});
    let ctx = crate::controls::Ctx { params: &cfg.params, opts: &cfg.solver };
    // A test hook: die the way a crashing solver would, on the files named so (`NAME`), or in
    // one control's query on them (`NAME#CONTROL`).
    let abort_on = std::env::var("KEYWARD_TEST_WORKER_ABORT_ON").ok().filter(|s| !s.is_empty());
    let (abort_file, abort_control) = match abort_on.as_deref().map(|a| a.split_once('#').unwrap_or((a, ""))) {
        Some((f, c)) => (Some(f.to_string()), Some(c.to_string()).filter(|c| !c.is_empty())),
        None => (None, None),
    };
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let (path, after) = match line.split_once('\t') {
            Some((p, a)) => (p.to_string(), Some(a.to_string())),
            None => (line, None),
        };
        let hooked = abort_file.as_deref().is_some_and(|a| path.contains(a));
        if hooked && abort_control.is_none() {
            std::process::abort();
        }
        let mut ok = true;
        crate::corpus::run::run_file_each(Path::new(&path), cfg, &ctx, after.as_deref(), &mut |step| {
            let mut out = stdout.lock();
            let (line, abort) = match step {
                FileStep::Query { control, resource } => (
                    format!("{QUERY} {}", serde_json::json!({"control": control, "resource": resource})),
                    hooked && abort_control.as_deref() == Some(control),
                ),
                FileStep::Record(r) => (
                    serde_json::to_string(&r).unwrap_or_else(|e| {
                        serde_json::json!({"kind": "error", "file": path, "message": format!("cannot write a record: {e}"), "internal": true})
                            .to_string()
                    }),
                    false,
                ),
            };
            // The line goes out at once: what the parent has read is what survives a crash.
            ok &= writeln!(out, "{line}").and_then(|_| out.flush()).is_ok();
            if abort {
                std::process::abort();
            }
        });
        let mut out = stdout.lock();
        if !ok || writeln!(out, "{END}").and_then(|_| out.flush()).is_err() {
            break;
        }
    }
    exit::OK
}

/// Limit this process's address space to `mb` megabytes (an --isolate worker).
#[cfg(unix)]
fn limit_memory(mb: u64) -> std::io::Result<()> {
    let bytes = mb.saturating_mul(1024 * 1024) as libc::rlim_t;
    let limit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
    // SAFETY: setrlimit reads the struct it is given, which lives for the call; it changes a
    // process-wide limit and touches no Rust state.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(unix))]
fn limit_memory(_mb: u64) -> std::io::Result<()> {
    Err(std::io::Error::other("memory limits need a Unix system"))
}

/// A run's name in reports and legends: its file name without `.jsonl`.
fn run_name(path: &Path) -> String {
    path.file_stem().map_or_else(|| path.display().to_string(), |s| s.to_string_lossy().into_owned())
}

fn compare_cmd(args: &CompareArgs) -> i32 {
    let (a, b) = match (read_run(&args.a), read_run(&args.b)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let c = compare::compare(&a, &b);
    print!("{}", compare::render(&c, &args.a.display().to_string(), &args.b.display().to_string(), args.min_ms, args.top));
    if let Some(svg) = &args.plot {
        let points: Vec<plot::ScatterPoint> = c
            .pairs
            .iter()
            .filter(|p| p.a.verdict != "not_applicable" && p.b.verdict != "not_applicable")
            .map(|p| (p.a.total_ms, p.b.total_ms, p.a.control.clone()))
            .collect();
        if let Err(e) = plot::scatter(&points, &run_name(&args.a), &run_name(&args.b), svg) {
            return fail(e);
        }
    }
    if c.differs() {
        exit::VIOLATED
    } else {
        exit::OK
    }
}

fn plot_cmd(args: &PlotArgs) -> i32 {
    let mut runs: Vec<(String, Vec<Record>)> = Vec::new();
    for path in &args.runs {
        match read_run(path) {
            Ok(r) => runs.push((run_name(path), r)),
            Err(e) => return fail(e),
        }
    }
    let (series, default_title) = match runs.as_slice() {
        [(name, records)] => (plot::by_control(records), format!("cactus plot: {name}, per control")),
        _ => (plot::by_run(&runs), "cactus plot: runs".to_string()),
    };
    match plot::cactus(&series, args.title.as_deref().unwrap_or(&default_title), &args.out) {
        Ok(()) => exit::OK,
        Err(e) => fail(e),
    }
}
