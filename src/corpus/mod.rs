//! `keyward corpus`: research runs of the controls over large folders of policy files. A run
//! writes one JSON line per (file, control) — the verdict with its cost (parse, encode, solve and
//! wall time, solver calls, z3 statistics, query size) — and one per file that could not be read
//! as a policy. The lines are sorted by file, then by control order, whatever the number of
//! workers, so two runs diff line by line; runs split with `--shard` concatenate into one run.
//!
//! This file owns the JSONL record types, reading runs back, shard selection (FNV-1a of the
//! path relative to the corpus folder) and the percentile used by every table. `run` lists,
//! shards and runs the files; `summary` is the per-control table; `compare` finds verdict
//! disagreements and speedups between two runs; `plot` draws the SVG figures.

pub mod compare;
pub mod isolate;
pub mod plot;
pub mod run;
pub mod summary;

use std::collections::BTreeMap;
use std::path::Path;

/// Why a corpus command cannot do its job (a usage error, exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorpusError {
    /// A path that cannot be a corpus: missing, or an account snapshot.
    #[error("{0}")]
    Path(String),
    /// A run that cannot be read back, or output that cannot be written.
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Shard(String),
    #[error("{0}")]
    Plot(String),
    #[error("cannot start {jobs} worker threads: {message}")]
    Workers { jobs: usize, message: String },
}

/// One line of a run's JSONL, tagged by `kind`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Record {
    /// A control's verdict on one file.
    Result(QueryRecord),
    /// A file that could not be read as a policy: none of its controls ran.
    Error(ErrorRecord),
}

impl Record {
    /// The record as a run keeps it for its summary and plot: the control, the verdict, the
    /// times and the solver calls, nothing that grows with the file or the query (file and
    /// resource names, messages, diagnostics, z3 statistics, settled counts).
    pub fn slim(self) -> Record {
        match self {
            Record::Result(q) => Record::Result(QueryRecord {
                file: String::new(),
                resource: String::new(),
                message: None,
                z3: BTreeMap::new(),
                settled: BTreeMap::new(),
                ..q
            }),
            Record::Error(e) => Record::Error(ErrorRecord { file: String::new(), message: String::new(), diagnostics: Vec::new(), ..e }),
        }
    }

    pub fn file(&self) -> &str {
        match self {
            Record::Result(q) => &q.file,
            Record::Error(e) => &e.file,
        }
    }
}

/// A control's verdict on one file and what it cost. Times are milliseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct QueryRecord {
    pub file: String,
    pub resource: String,
    pub control: String,
    /// `holds`, `violated`, `unknown`, `not_applicable` or `error` (the names of
    /// `controls::Status`).
    pub verdict: String,
    /// Why the verdict is unknown (a solver timeout) or an error (an internal error); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Reading and validating the file; the same on every line of the file.
    pub parse_ms: f64,
    /// Building the queries' terms (summed over the control's queries).
    pub encode_ms: f64,
    /// Inside the solver (summed over the control's queries).
    pub solve_ms: f64,
    /// `parse_ms` plus the control's wall time: encoding, solving, replaying counterexamples
    /// through the evaluator and finding the responsible statements — the time a user waits.
    pub total_ms: f64,
    pub solver_called: bool,
    pub solver_calls: usize,
    /// z3's statistics summed over the calls (memory figures: the maximum).
    #[serde(default)]
    pub z3: BTreeMap<String, f64>,
    /// Size of the SMT-LIB2 text of the queries sent to the solver.
    #[serde(default)]
    pub smt_bytes: usize,
    /// The control's queries answered by each step: `witness`, `synthesis` (concrete requests
    /// the evaluator allows, found before any query is built), `encoding` (folded to a
    /// constant), `solver`.
    #[serde(default)]
    pub settled: BTreeMap<String, usize>,
    /// `--access` (control `ACCESS`, verdict `holds` when the list is proved complete): the
    /// number of findings and of queries of the enumeration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub findings: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queries: Option<usize>,
    /// `--explain`: why a result that holds holds, in figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<Box<WhyRecord>>,
}

/// The explanation of a result that holds (`corpus --explain`): its status (`explained`,
/// `partial`, `error`), the number of reasons, the questions asked again to confirm and
/// minimise it, and its time (included in `total_ms`: the explanation runs inside the
/// control).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WhyRecord {
    pub status: String,
    pub reasons: usize,
    pub minimal: bool,
    pub checks: usize,
    pub ms: f64,
}

impl QueryRecord {
    pub fn decided(&self) -> bool {
        self.verdict == "holds" || self.verdict == "violated"
    }
}

/// A file whose controls did not run because it could not be read as a policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ErrorRecord {
    pub file: String,
    /// The first diagnostic (`file:line:column: message (at JSON path)`).
    pub message: String,
    /// Every diagnostic of the file, in the same form.
    #[serde(default)]
    pub diagnostics: Vec<String>,
    #[serde(default)]
    pub parse_ms: f64,
    /// keyward itself failed on the file (a panic, caught): a bug to report, not bad input.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
}

/// Read a run (or several shards concatenated) back. Blank lines are ignored; any other line
/// that is not a record is an error naming the line, since a silently dropped line would bias
/// every figure computed from the run.
pub fn read_run(path: &Path) -> Result<Vec<Record>, CorpusError> {
    let text = std::fs::read_to_string(path).map_err(|e| CorpusError::Io(format!("{}: {e}", path.display())))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let r: Record = serde_json::from_str(line)
            .map_err(|e| CorpusError::Io(format!("{}:{}: not a keyward corpus record: {e}", path.display(), i + 1)))?;
        out.push(r);
    }
    Ok(out)
}

/// `--shard I/N`: the files whose path relative to the corpus folder hashes to `index` modulo
/// `count`. `index` is 0-based. The hash (FNV-1a, 64 bits, of the relative path with `/`
/// separators) depends on nothing but the path, so every machine of a batch computes the same
/// partition and the shards of a run are disjoint and cover the corpus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub fn contains(&self, relative_path: &str) -> bool {
        crate::model::hash::fnv1a(relative_path.as_bytes()) % self.count == self.index
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The shard of an array job, from its batch engine's environment (`lookup` reads a
    /// variable): Slurm (`SLURM_ARRAY_TASK_ID` / `SLURM_ARRAY_TASK_COUNT`, offset by
    /// `SLURM_ARRAY_TASK_MIN` and divided by `SLURM_ARRAY_TASK_STEP` when set, so `--array=1-4`
    /// and `--array=0-6:2` work), a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`; Kubernetes
    /// gives no count: `KEYWARD_SHARD_COUNT` or `auto/N`), AWS Batch (`AWS_BATCH_JOB_ARRAY_INDEX`
    /// with `AWS_BATCH_JOB_ARRAY_SIZE`, `KEYWARD_SHARD_COUNT` or `auto/N`). `count` is the `N`
    /// of `auto/N`. Exactly one engine's index must be set.
    pub fn from_env(count: Option<u64>, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Shard, CorpusError> {
        let num = |name: &str| -> Result<Option<u64>, CorpusError> {
            match lookup(name) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| CorpusError::Shard(format!("{name}={v:?} is not a number"))),
            }
        };
        let engines: Vec<&str> = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"]
            .into_iter()
            .filter(|v| lookup(v).is_some())
            .collect();
        let (index, engine_count) = match engines.as_slice() {
            ["SLURM_ARRAY_TASK_ID"] => {
                let id = num("SLURM_ARRAY_TASK_ID")?.unwrap_or(0);
                let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
                let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
                let offset = id
                    .checked_sub(min)
                    .filter(|d| d % step == 0)
                    .ok_or_else(|| CorpusError::Shard(format!("SLURM_ARRAY_TASK_ID {id} is not SLURM_ARRAY_TASK_MIN {min} plus a multiple of the step {step}")))?;
                (offset / step, num("SLURM_ARRAY_TASK_COUNT")?)
            }
            ["JOB_COMPLETION_INDEX"] => (num("JOB_COMPLETION_INDEX")?.unwrap_or(0), None),
            ["AWS_BATCH_JOB_ARRAY_INDEX"] => (num("AWS_BATCH_JOB_ARRAY_INDEX")?.unwrap_or(0), num("AWS_BATCH_JOB_ARRAY_SIZE")?),
            [] => {
                return Err(CorpusError::Shard(
                    "--shard auto: no array-job index in the environment (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)".into(),
                ))
            }
            several => return Err(CorpusError::Shard(format!("--shard auto: several array-job indexes are set ({}): give --shard I/N", several.join(", ")))),
        };
        let count = count.or(engine_count).or(num("KEYWARD_SHARD_COUNT")?).ok_or_else(|| {
            CorpusError::Shard(format!(
                "--shard auto: {} gives no shard count: set KEYWARD_SHARD_COUNT or give --shard auto/N",
                engines.join("")
            ))
        })?;
        if count == 0 || index >= count {
            return Err(CorpusError::Shard(format!("--shard auto: index {index} is not below the count {count}")));
        }
        Ok(Shard { index, count })
    }
}

impl std::str::FromStr for Shard {
    type Err = CorpusError;
    fn from_str(s: &str) -> Result<Shard, CorpusError> {
        let bad =
            || CorpusError::Shard(format!("{s:?}: expected I/N with 0 <= I < N, e.g. 0/4 (shards are numbered from 0), auto or auto/N"));
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if s == "auto" {
            return Shard::from_env(None, &env);
        }
        if let Some(n) = s.strip_prefix("auto/") {
            let count: u64 = n.trim().parse().map_err(|_| bad())?;
            return Shard::from_env(Some(count), &env);
        }
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// The nearest-rank percentile `p` (0–100) of `sorted` (ascending); 0 for no values. Nearest
/// rank returns a measured value, never an interpolation between two queries.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Position of a control in the catalog, so tables list controls in catalog order; ids the
/// catalog does not know (a run of another version) come last.
pub fn control_rank(id: &str) -> usize {
    crate::controls::CONTROLS.iter().position(|c| c.id == id).unwrap_or(usize::MAX)
}

/// Milliseconds rounded to the microsecond, so the JSONL stays readable.
pub(crate) fn round_ms(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_are_zero_based() {
        assert_eq!("1/4".parse::<Shard>(), Ok(Shard { index: 1, count: 4 }));
        assert!("4/4".parse::<Shard>().is_err());
        assert!("0/0".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }

    #[test]
    fn auto_shards_come_from_the_array_job_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
        };
        let slurm = env(&[("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(Shard::from_env(None, &slurm).unwrap(), Shard { index: 3, count: 4 });
        // --array=1-4 and --array=0-6:2: 0-based shards all the same.
        let from_one = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(Shard::from_env(None, &from_one).unwrap(), Shard { index: 3, count: 4 });
        let stepped = env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_STEP", "2"), ("SLURM_ARRAY_TASK_COUNT", "4")]);
        assert_eq!(Shard::from_env(None, &stepped).unwrap(), Shard { index: 2, count: 4 });
        let k8s = env(&[("JOB_COMPLETION_INDEX", "0")]);
        assert!(Shard::from_env(None, &k8s).is_err(), "Kubernetes gives no count");
        assert_eq!(Shard::from_env(Some(5), &k8s).unwrap(), Shard { index: 0, count: 5 });
        let k8s_count = env(&[("JOB_COMPLETION_INDEX", "2"), ("KEYWARD_SHARD_COUNT", "3")]);
        assert_eq!(Shard::from_env(None, &k8s_count).unwrap(), Shard { index: 2, count: 3 });
        let batch = env(&[("AWS_BATCH_JOB_ARRAY_INDEX", "1"), ("AWS_BATCH_JOB_ARRAY_SIZE", "2")]);
        assert_eq!(Shard::from_env(None, &batch).unwrap(), Shard { index: 1, count: 2 });
        for bad in [
            env(&[]),
            env(&[("SLURM_ARRAY_TASK_ID", "1"), ("JOB_COMPLETION_INDEX", "1"), ("KEYWARD_SHARD_COUNT", "4")]),
            env(&[("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")]),
            env(&[("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "4")]),
            env(&[("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")]),
        ] {
            assert!(Shard::from_env(None, &bad).is_err());
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), 2.0);
        assert_eq!(percentile(&v, 90.0), 4.0);
        assert_eq!(percentile(&v, 0.0), 1.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }
}
