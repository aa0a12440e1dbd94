//! `keyward corpus compare A B`: two runs of the same corpus, query by query (a query is a
//! (file, control) pair). Verdicts must agree: two different decided verdicts are a soundness
//! alarm, an unknown against a decided verdict is a solver-strength difference (reported
//! separately), and a query that only one run has means the runs do not cover the same corpus —
//! all three make the comparison fail. Times are compared as speedups A/B (above 1: B is
//! faster), summarised by their geometric mean, the right mean for ratios.

use super::summary::fmt_ms;
use super::{control_rank, percentile, QueryRecord, Record};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Both runs' record of one query.
#[derive(Debug, Clone)]
pub struct Pair {
    pub a: QueryRecord,
    pub b: QueryRecord,
}

impl Pair {
    /// A's time over B's: above 1 when B is faster.
    pub fn speedup(&self) -> f64 {
        self.a.total_ms.max(f64::MIN_POSITIVE) / self.b.total_ms.max(f64::MIN_POSITIVE)
    }
}

#[derive(Debug, Default)]
pub struct Comparison {
    /// Every query both runs have, sorted by file then control order.
    pub pairs: Vec<Pair>,
    /// Both decided (or not applicable), differently; or an internal error (`error`) in one run
    /// only, against any other verdict.
    pub disagreements: Vec<Pair>,
    /// Unknown in one run, decided in the other.
    pub unknown_vs_decided: Vec<Pair>,
    /// Unknown in both runs (not a disagreement).
    pub both_unknown: usize,
    /// An internal error in both runs: not a disagreement, but a bug the comparison fails on.
    pub both_error: Vec<Pair>,
    /// Queries (file, control) only one run has.
    pub only_a: Vec<(String, String)>,
    pub only_b: Vec<(String, String)>,
    /// A query recorded twice in a run (e.g. a shard concatenated twice): the last one counts.
    pub duplicates_a: usize,
    pub duplicates_b: usize,
    /// Files that could not be read, per run.
    pub unreadable_a: usize,
    pub unreadable_b: usize,
}

impl Comparison {
    /// Does the comparison fail (exit 1)?
    pub fn differs(&self) -> bool {
        !self.disagreements.is_empty()
            || !self.unknown_vs_decided.is_empty()
            || !self.both_error.is_empty()
            || !self.only_a.is_empty()
            || !self.only_b.is_empty()
    }
}

type Key = (String, usize, String);

fn key(q: &QueryRecord) -> Key {
    (q.file.clone(), control_rank(&q.control), q.control.clone())
}

/// The queries of a run by (file, control order), with the number of duplicates and of
/// unreadable files.
fn index(run: &[Record]) -> (BTreeMap<Key, QueryRecord>, usize, usize) {
    let mut map = BTreeMap::new();
    let (mut dups, mut unreadable) = (0, 0);
    for r in run {
        match r {
            Record::Result(q) => {
                if map.insert(key(q), q.clone()).is_some() {
                    dups += 1;
                }
            }
            Record::Error(_) => unreadable += 1,
        }
    }
    (map, dups, unreadable)
}

pub fn compare(a: &[Record], b: &[Record]) -> Comparison {
    let (ia, duplicates_a, unreadable_a) = index(a);
    let (mut ib, duplicates_b, unreadable_b) = index(b);
    let mut c = Comparison { duplicates_a, duplicates_b, unreadable_a, unreadable_b, ..Comparison::default() };
    for (k, qa) in ia {
        let Some(qb) = ib.remove(&k) else {
            c.only_a.push((k.0, k.2));
            continue;
        };
        let pair = Pair { a: qa, b: qb };
        // An internal error (`error`) against any other verdict is a disagreement: loud.
        let (ea, eb) = (pair.a.verdict == "error", pair.b.verdict == "error");
        let (ua, ub) = (pair.a.verdict == "unknown", pair.b.verdict == "unknown");
        if ea && eb {
            c.both_error.push(pair.clone());
        } else if ea || eb {
            c.disagreements.push(pair.clone());
        } else if ua && ub {
            c.both_unknown += 1;
        } else if ua != ub {
            c.unknown_vs_decided.push(pair.clone());
        } else if pair.a.verdict != pair.b.verdict {
            c.disagreements.push(pair.clone());
        }
        c.pairs.push(pair);
    }
    c.only_b = ib.into_keys().map(|k| (k.0, k.2)).collect();
    c
}

/// The speedup figures of the pairs whose slower time reaches `min_ms` (below it, timer noise
/// and constant costs dominate the ratio).
#[derive(Debug, Default)]
pub struct Speedups {
    pub compared: usize,
    pub geomean: f64,
    pub median: f64,
    /// B faster by more than 10%, slower by more than 10%, within 10%.
    pub faster: usize,
    pub slower: usize,
    pub same: usize,
}

pub fn speedups(pairs: &[&Pair], min_ms: f64) -> Speedups {
    let mut ratios: Vec<f64> = pairs.iter().filter(|p| p.a.total_ms.max(p.b.total_ms) >= min_ms).map(|p| p.speedup()).collect();
    ratios.sort_by(f64::total_cmp);
    if ratios.is_empty() {
        return Speedups::default();
    }
    let n = ratios.len();
    Speedups {
        compared: n,
        geomean: (ratios.iter().map(|r| r.ln()).sum::<f64>() / n as f64).exp(),
        median: percentile(&ratios, 50.0),
        faster: ratios.iter().filter(|r| **r > 1.1).count(),
        slower: ratios.iter().filter(|r| **r < 1.0 / 1.1).count(),
        same: ratios.iter().filter(|r| (1.0 / 1.1..=1.1).contains(*r)).count(),
    }
}

fn pair_line(p: &Pair) -> String {
    format!("  {}  {}: A {} ({}), B {} ({})", p.a.file, p.a.control, p.a.verdict, fmt_ms(p.a.total_ms), p.b.verdict, fmt_ms(p.b.total_ms))
}

/// The report: disagreements first (they decide the exit code), then the speedups overall
/// and per control, the totals of each run and the biggest slowdowns of B.
pub fn render(c: &Comparison, name_a: &str, name_b: &str, min_ms: f64, top: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "A = {name_a}\nB = {name_b}\nqueries in both runs: {}", c.pairs.len());
    let _ = writeln!(s, "\nverdict disagreements (both decided, or an internal error in one run): {}", c.disagreements.len());
    for p in &c.disagreements {
        let _ = writeln!(s, "{}", pair_line(p));
    }
    let _ = writeln!(s, "unknown in one run, decided in the other: {}", c.unknown_vs_decided.len());
    for p in &c.unknown_vs_decided {
        let _ = writeln!(s, "{}", pair_line(p));
    }
    let _ = writeln!(s, "unknown in both runs: {}", c.both_unknown);
    let _ = writeln!(s, "internal errors in both runs: {}", c.both_error.len());
    for p in &c.both_error {
        let _ = writeln!(s, "{}", pair_line(p));
    }
    for (label, only) in [("only in A", &c.only_a), ("only in B", &c.only_b)] {
        let _ = writeln!(s, "queries {label}: {}", only.len());
        for (file, control) in only.iter().take(top) {
            let _ = writeln!(s, "  {file}  {control}");
        }
        if only.len() > top {
            let _ = writeln!(s, "  … and {} more", only.len() - top);
        }
    }
    if c.duplicates_a + c.duplicates_b > 0 {
        let _ = writeln!(s, "duplicate queries (the last line counts): A {}, B {}", c.duplicates_a, c.duplicates_b);
    }
    let _ = writeln!(s, "unreadable files: A {}, B {}", c.unreadable_a, c.unreadable_b);

    let all: Vec<&Pair> = c.pairs.iter().collect();
    let sp = speedups(&all, min_ms);
    let _ = writeln!(
        s,
        "\nspeedup A/B per query (above 1: B faster), over the {} queries taking at least {} in one run:",
        sp.compared,
        fmt_ms(min_ms)
    );
    let _ = writeln!(
        s,
        "  geometric mean {:.3}x, median {:.3}x; B faster (>10%) {}, slower (>10%) {}, within 10% {}",
        sp.geomean, sp.median, sp.faster, sp.slower, sp.same
    );
    let mut controls: Vec<(usize, &str)> = c.pairs.iter().map(|p| (control_rank(&p.a.control), p.a.control.as_str())).collect();
    controls.sort();
    controls.dedup();
    let _ = writeln!(
        s,
        "{:<26} {:>7} {:>9} {:>7} {:>7} {:>12} {:>12}",
        "control", "queries", "geomean", "faster", "slower", "A total", "B total"
    );
    for (_, control) in controls {
        let of_c: Vec<&Pair> = c.pairs.iter().filter(|p| p.a.control == control).collect();
        let sp = speedups(&of_c, min_ms);
        let (ta, tb): (f64, f64) = (of_c.iter().map(|p| p.a.total_ms).sum(), of_c.iter().map(|p| p.b.total_ms).sum());
        let geomean = if sp.compared == 0 { "-".to_string() } else { format!("{:.3}x", sp.geomean) };
        let _ = writeln!(
            s,
            "{:<26} {:>7} {:>9} {:>7} {:>7} {:>12} {:>12}",
            control,
            of_c.len(),
            geomean,
            sp.faster,
            sp.slower,
            fmt_ms(ta),
            fmt_ms(tb)
        );
    }
    let total = |f: fn(&Pair) -> &QueryRecord| -> (f64, usize, usize) {
        let qs = c.pairs.iter().map(f);
        let (mut ms, mut calls, mut unknown) = (0.0, 0, 0);
        for q in qs {
            ms += q.total_ms;
            calls += q.solver_calls;
            unknown += usize::from(q.verdict == "unknown");
        }
        (ms, calls, unknown)
    };
    for (label, (ms, calls, unknown)) in [("A", total(|p| &p.a)), ("B", total(|p| &p.b))] {
        let _ = writeln!(s, "total {label} over the common queries: {}, {calls} solver calls, {unknown} unknown", fmt_ms(ms));
    }
    let mut slow: Vec<&Pair> = c.pairs.iter().filter(|p| p.a.total_ms.max(p.b.total_ms) >= min_ms && p.speedup() < 1.0).collect();
    slow.sort_by(|x, y| x.speedup().total_cmp(&y.speedup()));
    let _ = writeln!(s, "\nbiggest slowdowns of B:");
    if slow.is_empty() {
        let _ = writeln!(s, "  none");
    }
    for p in slow.iter().take(top) {
        let _ = writeln!(
            s,
            "  {:>8.2}x slower  {}  {}: A {}, B {}",
            1.0 / p.speedup(),
            p.a.file,
            p.a.control,
            fmt_ms(p.a.total_ms),
            fmt_ms(p.b.total_ms)
        );
    }
    s
}
