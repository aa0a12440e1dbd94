//! The table that ends a corpus run: per control, how many files got each verdict, the
//! distribution of the time per query (median, p90, p99, max of `total_ms`, nearest rank) and
//! the solver calls, then the run's totals. Unknown verdicts do not fail a research run; this
//! table is where they are counted, with the internal errors (which make the run exit 4).

use super::run::RunOutcome;
use super::{control_rank, percentile, QueryRecord, Record};
use std::fmt::Write;

/// The figures of one control (or of all, with `control` = "all").
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ControlSummary {
    pub control: String,
    pub holds: usize,
    pub violated: usize,
    pub unknown: usize,
    pub not_applicable: usize,
    /// Internal errors (a bug to report, not a verdict).
    pub error: usize,
    pub median_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Sum of the queries' `total_ms`.
    pub sum_ms: f64,
    pub solver_calls: usize,
}

impl ControlSummary {
    fn of(control: &str, queries: &[&QueryRecord]) -> ControlSummary {
        let count = |v: &str| queries.iter().filter(|q| q.verdict == v).count();
        let mut times: Vec<f64> = queries.iter().map(|q| q.total_ms).collect();
        times.sort_by(f64::total_cmp);
        ControlSummary {
            control: control.to_string(),
            holds: count("holds"),
            violated: count("violated"),
            unknown: count("unknown"),
            not_applicable: count("not_applicable"),
            error: count("error"),
            median_ms: percentile(&times, 50.0),
            p90_ms: percentile(&times, 90.0),
            p99_ms: percentile(&times, 99.0),
            max_ms: times.last().copied().unwrap_or(0.0),
            sum_ms: times.iter().sum(),
            solver_calls: queries.iter().map(|q| q.solver_calls).sum(),
        }
    }
}

/// One row per control in catalog order, then the row of all queries.
pub fn per_control(records: &[Record]) -> Vec<ControlSummary> {
    let queries: Vec<&QueryRecord> = records
        .iter()
        .filter_map(|r| match r {
            Record::Result(q) => Some(q),
            Record::Error(_) => None,
        })
        .collect();
    let mut controls: Vec<&str> = queries.iter().map(|q| q.control.as_str()).collect();
    controls.sort_by_key(|c| (control_rank(c), *c));
    controls.dedup();
    let mut rows: Vec<ControlSummary> = controls
        .iter()
        .map(|c| {
            let of_c: Vec<&QueryRecord> = queries.iter().copied().filter(|q| q.control == *c).collect();
            ControlSummary::of(c, &of_c)
        })
        .collect();
    rows.push(ControlSummary::of("all", &queries));
    rows
}

/// `12.3 ms` below a second, `4.56 s` above: a column stays readable from lints to timeouts.
pub fn fmt_ms(ms: f64) -> String {
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.1} ms")
    }
}

/// The per-control table of `rows`.
pub fn table(rows: &[ControlSummary]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<26} {:>7} {:>8} {:>7} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "control", "holds", "violated", "unknown", "n/a", "error", "median", "p90", "p99", "max", "sum", "solver calls"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<26} {:>7} {:>8} {:>7} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}",
            r.control,
            r.holds,
            r.violated,
            r.unknown,
            r.not_applicable,
            r.error,
            fmt_ms(r.median_ms),
            fmt_ms(r.p90_ms),
            fmt_ms(r.p99_ms),
            fmt_ms(r.max_ms),
            fmt_ms(r.sum_ms),
            r.solver_calls
        );
    }
    s
}

/// The whole summary of a run: the table, then the totals (files, unreadable and skipped
/// files, wall time, workers, shard).
pub fn render(outcome: &RunOutcome) -> String {
    let rows = per_control(&outcome.records);
    let queries = outcome.records.iter().filter(|r| matches!(r, Record::Result(_))).count();
    let unreadable = outcome.records.iter().filter(|r| matches!(r, Record::Error(_))).count();
    let query_ms: f64 = rows.last().map_or(0.0, |r| r.sum_ms);
    let mut s = String::from("time per query: total_ms (the file's parse time + the control's wall time)\n");
    s.push_str(&table(&rows));
    let shard = outcome.shard.map(|sh| format!(", shard {sh} (0-based)")).unwrap_or_default();
    let _ = writeln!(
        s,
        "files: {} ({} unreadable, {} non-policy JSON skipped); queries: {queries}; query time {}; wall time {}; jobs {}{shard}",
        outcome.files,
        unreadable,
        outcome.skipped.len(),
        fmt_ms(query_ms),
        fmt_ms(outcome.wall_ms),
        outcome.jobs
    );
    if let Some(why) = outcome.stopped {
        let why = match why {
            super::run::Stopped::Interrupted => "interrupted",
            super::run::Stopped::MaxTime => "stopped at --max-time",
        };
        let done = outcome.files.saturating_sub(outcome.not_run);
        let _ = writeln!(s, "{why}: {done} of {} files finished (their lines are complete), {} not run", outcome.files, outcome.not_run);
    }
    s
}
