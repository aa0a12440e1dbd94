//! Solving a list of assertions once: folded constants are answered without a solver,
//! everything else is printed as SMT-LIB2 (`crate::smt::smtlib`) and given to the chosen
//! backend — z3 in process (`z3.rs`) or an external solver process (`external.rs`). Every
//! call is timed, counted and, with `--dump-smt`, written to a file. `crate::smt::check`
//! decides which assertions to give it and how often (the lazy shape axioms).

mod external;
mod z3;

use crate::smt::answer::{Core, Model, Outcome, SolveStats, SolverError};
use crate::smt::options::{Backend, SolverOptions};
use crate::smt::smtlib::script;
use crate::smt::term::{Terms, T};
use std::path::Path;
use std::time::Instant;

/// Solve `assertions` (their conjunction), reading back `want` on sat. The statistics are
/// given whatever the answer.
pub fn solve(terms: &Terms, assertions: &[T], want: &[T], opts: &SolverOptions, label: &str) -> (Result<Outcome, SolverError>, SolveStats) {
    let mut stats = SolveStats { smt_nodes: terms.dag_size(assertions), ..SolveStats::default() };
    // Folded to a constant: no solver needed.
    let conj = match open_conjuncts(terms, assertions) {
        Conjuncts::Folded(false) => return (Ok(Outcome::Unsat), stats),
        Conjuncts::Folded(true) => return (Ok(Outcome::Sat(Model::default())), stats),
        Conjuncts::Open(conj) => conj,
    };
    let text = script(terms, &conj, true);
    stats.smt_bytes = text.len();
    let in_process = || script(terms, &conj, false);
    if let Some(dir) = &opts.dump_dir {
        write_dump(&text, dir, label);
    }
    stats.solver_called = true;
    stats.rounds = 1;
    let start = Instant::now();
    let outcome = match &opts.backend {
        Backend::Z3 => z3::check(terms, &in_process(), want, opts.timeout, &mut stats),
        Backend::External(cmd) => external::run(cmd, &text, opts.timeout),
    };
    stats.solve_ms = start.elapsed().as_secs_f64() * 1000.0;
    counters::add(start.elapsed().as_micros() as u64);
    (outcome, stats)
}

/// What a list of assertions leaves the solver.
enum Conjuncts {
    /// Their conjunction folded to a constant: `false` (one of them is), `true` (all are).
    Folded(bool),
    /// The assertions that are not `true`.
    Open(Vec<T>),
}

fn open_conjuncts(terms: &Terms, assertions: &[T]) -> Conjuncts {
    let conj: Vec<T> = assertions.iter().copied().filter(|a| terms.as_bool(*a) != Some(true)).collect();
    if conj.iter().any(|a| terms.as_bool(*a) == Some(false)) {
        Conjuncts::Folded(false)
    } else if conj.is_empty() {
        Conjuncts::Folded(true)
    } else {
        Conjuncts::Open(conj)
    }
}

/// The largest query text `solve_core` gives z3 (bytes).
const MAX_CORE_TEXT: usize = 512 << 10;

/// Solve `assertions` under `assumptions` (Boolean variables) with z3 in process, whatever the
/// backend (an unsat core is z3's to give); on unsat the assumptions of its core.
pub fn solve_core(
    terms: &Terms,
    assertions: &[T],
    assumptions: &[T],
    opts: &SolverOptions,
    label: &str,
) -> (Result<Core, SolverError>, SolveStats) {
    let mut stats = SolveStats { smt_nodes: terms.dag_size(assertions), ..SolveStats::default() };
    let conj = match open_conjuncts(terms, assertions) {
        Conjuncts::Folded(false) => return (Ok(Core::Unsat(vec![])), stats),
        Conjuncts::Folded(true) => return (Ok(Core::Sat), stats),
        Conjuncts::Open(conj) => conj,
    };
    let text = script(terms, &conj, false);
    stats.smt_bytes = text.len();
    // z3 4.8.12 parses a query text without looking at its timeout: a megabyte string literal
    // kept it parsing for minutes (measured: a 1 MiB Condition value, `tests/cli.rs`'s
    // pathological inputs). A property query that large is settled before the solver or
    // times out anyway; an explanation of one is not attempted.
    if text.len() > MAX_CORE_TEXT {
        return (
            Ok(Core::Unknown(format!("the explanation query has {} bytes of SMT-LIB2, more than {MAX_CORE_TEXT}", text.len()))),
            stats,
        );
    }
    if let Some(dir) = &opts.dump_dir {
        write_dump(&script(terms, &conj, true), dir, label);
    }
    let names: Vec<String> = assumptions
        .iter()
        .filter_map(|&a| match terms.node(a) {
            crate::smt::term::Node::Var(name, _) => Some(name.clone()),
            _ => None,
        })
        .collect();
    stats.solver_called = true;
    stats.rounds = 1;
    let start = Instant::now();
    let outcome = z3::core(&text, &names, opts.timeout, &mut stats);
    stats.solve_ms = start.elapsed().as_secs_f64() * 1000.0;
    counters::add(start.elapsed().as_micros() as u64);
    (outcome, stats)
}

/// Write the SMT-LIB2 of `assertions` to `dir` (named after `label`); returns its size.
pub fn dump(terms: &Terms, assertions: &[T], dir: &Path, label: &str) -> usize {
    let conj: Vec<T> = assertions.iter().copied().filter(|a| terms.as_bool(*a) != Some(true)).collect();
    let text = script(terms, &conj, true);
    write_dump(&text, dir, label);
    text.len()
}

fn write_dump(text: &str, dir: &Path, label: &str) {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let safe: String = label.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' }).collect();
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("{n:05}-{safe}.smt2")), text);
}

/// Process-wide solver call counters (for profiling runs).
pub mod counters {
    use std::sync::atomic::{AtomicU64, Ordering};
    pub static CALLS: AtomicU64 = AtomicU64::new(0);
    pub static MICROS: AtomicU64 = AtomicU64::new(0);
    pub fn add(micros: u64) {
        CALLS.fetch_add(1, Ordering::Relaxed);
        MICROS.fetch_add(micros, Ordering::Relaxed);
    }
    pub fn snapshot() -> (u64, u64) {
        (CALLS.load(Ordering::Relaxed), MICROS.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::answer::Value;
    use crate::smt::term::Sort;

    #[test]
    fn z3_solves_and_reads_models_back() {
        let mut t = Terms::new();
        let x = t.var("x", Sort::Str);
        let pre = t.str("key/");
        let p = t.prefix(pre, x);
        let forbidden = t.str("key/abc");
        let ne = t.ne(x, forbidden);
        let n = t.var("n", Sort::Int);
        let ten = t.int(-10);
        let lt = t.lt(n, ten);
        let ip = t.var("ip", Sort::Bv(128));
        let big = t.bv(1u128 << 100, 128);
        let eq = t.eq(ip, big);
        let (out, stats) = solve(&t, &[p, ne, lt, eq], &[x, n, ip], &SolverOptions::default(), "test");
        assert!(stats.solver_called);
        let Ok(Outcome::Sat(m)) = out else { panic!("{out:?}") };
        let Some(Value::Str(s)) = m.get("x") else { panic!() };
        assert!(s.starts_with("key/") && s != "key/abc");
        let Some(Value::Int(v)) = m.get("n") else { panic!() };
        assert!(*v < -10);
        assert_eq!(m.get("ip"), Some(&Value::Bv(1u128 << 100)));
        let both = t.eq(x, forbidden);
        let (out, _) = solve(&t, &[p, ne, both], &[], &SolverOptions::default(), "test");
        assert!(matches!(out, Ok(Outcome::Unsat)));
    }

    #[test]
    fn folded_queries_do_not_call_the_solver() {
        let mut t = Terms::new();
        let f = t.ff();
        let (out, stats) = solve(&t, &[f], &[], &SolverOptions::default(), "x");
        assert!(matches!(out, Ok(Outcome::Unsat)));
        assert!(!stats.solver_called);
    }

    #[test]
    fn a_query_text_z3_cannot_parse_is_an_error_not_unknown() {
        let mut stats = SolveStats::default();
        let out = z3::check(&Terms::new(), "(assert (= x", &[], std::time::Duration::from_secs(1), &mut stats);
        assert!(matches!(out, Err(SolverError::Rejected(_))), "{out:?}");
    }
}
