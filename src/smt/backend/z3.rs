//! The in-process backend: the query's SMT-LIB2 text loaded into a fresh z3 solver of a fresh
//! z3 context (one per query, so that the answer depends on the query alone), with a timeout,
//! and the model values of the variables the decoder asks for.

use crate::smt::answer::{Core, Model, Outcome, SolveStats, SolverError, Value};
use crate::smt::term::{Node, Sort, Terms, T};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use z3::ast::{Bool, Int, String as ZString, BV};
use z3::{Context, Params, SatResult, Solver};

/// A fresh solver per query, pushed once before the query is added. Measured on z3 4.8.12
/// (275 differential queries): the pushed solver skips the default tactic pipeline of a
/// first non-incremental check (~10 ms of setup), and a fresh one avoids the slowdown a
/// long-lived incremental solver accumulates (3x after a few hundred queries, with
/// multi-second outliers): 4.8 s total, p50 7 ms, max 0.35 s versus 15 s / 3.8 ms / 7.6 s for
/// one reused solver and 6.3 s / 13 ms / 0.37 s for fresh unpushed solvers.
///
/// Each query gets a fresh z3 context too: z3's search and its models depend on the terms a
/// context already holds (AST ids are recycled), so in a shared per-thread context the same
/// query gave another counterexample — and now and then a timeout — after other queries:
/// 26 of the 1,533 results over the KMS policies changed when the paths were given in
/// reverse order. With a context per query the answer is a function of the query alone
/// (the determinism test runs a corpus forwards and backwards). Measured (`keyward corpus`,
/// medians of 3 runs, shared → fresh): KMS policies with `--jobs 1` 2.88 s → 2.55 s, managed
/// policies with `--jobs 2` 3.14 s → 3.81 s (system time to create and drop contexts). The solver stays one per query and is pushed once: a
/// solver reused with push/pop made a differential query that takes milliseconds alone time
/// out after others — state-dependent answers are worse than the setup cost.
pub fn check(terms: &Terms, text: &str, want: &[T], timeout: Duration, stats: &mut SolveStats) -> Result<Outcome, SolverError> {
    let vars: Vec<(String, Sort)> = want
        .iter()
        .filter_map(|&v| match terms.node(v) {
            Node::Var(name, sort) => Some((name.clone(), sort.clone())),
            _ => None,
        })
        .collect();
    let (outcome, z3_stats) = in_fresh_solver(timeout, |solver| check_in(solver, text, &vars))?;
    stats.z3.extend(z3_stats);
    outcome
}

/// Solve `text` under `assumptions` (names of Boolean variables it declares), in a fresh solver
/// as `check` does; on unsat the assumptions of z3's unsat core.
pub fn core(text: &str, assumptions: &[String], timeout: Duration, stats: &mut SolveStats) -> Result<Core, SolverError> {
    let (outcome, z3_stats) = in_fresh_solver(timeout, |solver| {
        let mut z3_stats = BTreeMap::new();
        if let Err(e) = load(solver, text) {
            return (e, z3_stats);
        }
        let literals: Vec<Bool> = assumptions.iter().map(|a| Bool::new_const(a.as_str())).collect();
        let result = solver.check_assumptions(&literals);
        read_statistics(solver, &mut z3_stats);
        let outcome = match result {
            SatResult::Unsat => {
                Ok(Core::Unsat(solver.get_unsat_core().iter().map(|b| b.to_string().trim_matches('|').to_string()).collect()))
            }
            SatResult::Sat => Ok(Core::Sat),
            SatResult::Unknown => Ok(Core::Unknown(solver.get_reason_unknown().unwrap_or_else(|| "unknown".into()))),
        };
        (outcome, z3_stats)
    })?;
    stats.z3.extend(z3_stats);
    outcome
}

/// Run `f` on a fresh solver (timeout set, pushed once) of a fresh z3 context, on a thread of
/// its own.
fn in_fresh_solver<R: Send + Sync>(timeout: Duration, f: impl FnOnce(&Solver) -> R + Send + Sync) -> Result<R, SolverError> {
    let ms = timeout.as_millis().min(u32::MAX as u128) as u32;
    let run = || {
        let solver = Solver::new();
        let mut params = Params::new();
        params.set_u32("timeout", ms);
        // z3 would install its own SIGINT handler around every check and restore the previous
        // one after; from several worker threads at once that races and crashes the process
        // on Ctrl-C. keyward handles Ctrl-C itself (`keyward corpus`), each call bounded by
        // its timeout.
        params.set_bool("ctrl_c", false);
        solver.set_params(&params);
        // Pushed, so z3 answers with its incremental core rather than its preprocessing
        // tactics: measured on `keyward corpus --access` over the KMS policies (2 cores), the
        // per-file times summed 172 s pushed and 203 s not, 123 of 154 files slower unpushed
        // (9 faster: a 96-character case-insensitive regular expression, since rewritten,
        // was 64 ms unpushed and 1 s pushed).
        solver.push();
        f(&solver)
    };
    // On a thread of its own with a large stack: z3 recurses over deep terms (a pattern with
    // thousands of wildcards is a regular expression thousands of levels deep: with z3's
    // memory_max_size at 100 MB its clean-up recursed past the main thread's 8 MB and aborted
    // the process), and a panic in the z3 crate (it unwraps the null z3 gives back when it
    // runs out of memory: measured at memory_max_size 30 MB) ends this query, not the run.
    // z3's memory_max_size itself is not used: in z3 4.8.12 it also ended the process with
    // exit code 101 and no message (measured at 100 MB on a 10,000-wildcard pattern).
    std::thread::scope(|s| {
        let worker = std::thread::Builder::new()
            .name("z3".into())
            .stack_size(SOLVER_STACK)
            .spawn_scoped(s, || z3::with_z3_config(&z3::Config::new(), run));
        match worker {
            Ok(handle) => handle.join().map_err(|panic| {
                let what = crate::model::error::panic_message(panic.as_ref());
                SolverError::Crashed(format!("z3 failed inside the query (the z3 crate panicked: {what}; z3 may have run out of memory)"))
            }),
            Err(e) => Err(SolverError::Crashed(format!("cannot start the solver thread: {e}"))),
        }
    })
}

/// The stack of a solver thread: virtual memory, committed only as far as z3 recurses.
const SOLVER_STACK: usize = 512 << 20;

/// Load `text` into `solver`: an answer of its own when z3 cannot (a memout is unknown, a
/// parse error an error).
fn load<A>(solver: &Solver, text: &str) -> Result<(), Result<A, SolverError>>
where
    A: From<Unknowable>,
{
    let ctx = Context::thread_local();
    // z3 reports parse errors only through the context's error code.
    // SAFETY: `ctx` is this thread's z3 context, alive as long as the thread (the z3 crate
    // owns it); resetting its error code touches nothing else.
    unsafe { z3_sys::Z3_set_error(ctx.get_z3_context(), z3_sys::ErrorCode::Ok) };
    solver.from_string(text);
    // SAFETY: as above, reading the error code of the live context.
    let code = unsafe { z3_sys::Z3_get_error_code(ctx.get_z3_context()) };
    if code == z3_sys::ErrorCode::MemoutFail {
        return Err(Ok(A::from(Unknowable("memout while loading the query".into()))));
    }
    if code != z3_sys::ErrorCode::Ok {
        // SAFETY: for any error code z3 returns a NUL-terminated message owned by the context,
        // valid until the next call on it; it is copied here before any other call.
        let msg = unsafe { std::ffi::CStr::from_ptr(z3_sys::Z3_get_error_msg(ctx.get_z3_context(), code)) };
        return Err(Err(SolverError::Rejected(msg.to_string_lossy().into_owned())));
    }
    Ok(())
}

/// A reason z3 gives no answer, as either kind of answer says it.
struct Unknowable(String);

impl From<Unknowable> for Outcome {
    fn from(u: Unknowable) -> Outcome {
        Outcome::Unknown(u.0)
    }
}

impl From<Unknowable> for Core {
    fn from(u: Unknowable) -> Core {
        Core::Unknown(u.0)
    }
}

fn read_statistics(solver: &Solver, stats: &mut BTreeMap<String, f64>) {
    for e in solver.get_statistics().entries() {
        let v = match e.value {
            z3::StatisticsValue::UInt(u) => u as f64,
            z3::StatisticsValue::Double(d) => d,
        };
        stats.insert(e.key.clone(), v);
    }
}

fn check_in(solver: &Solver, text: &str, vars: &[(String, Sort)]) -> (Result<Outcome, SolverError>, BTreeMap<String, f64>) {
    let mut stats = BTreeMap::new();
    if let Err(answer) = load(solver, text) {
        return (answer, stats);
    }
    let result = solver.check();
    read_statistics(solver, &mut stats);
    let outcome = match result {
        SatResult::Unsat => Ok(Outcome::Unsat),
        SatResult::Unknown => Ok(Outcome::Unknown(solver.get_reason_unknown().unwrap_or_else(|| "unknown".into()))),
        SatResult::Sat => match solver.get_model() {
            None => Err(SolverError::NoModel),
            Some(model) => {
                let mut values = HashMap::new();
                for (name, sort) in vars {
                    let value = match sort {
                        Sort::Bool => model.eval(&Bool::new_const(name.as_str()), true).and_then(|b| b.as_bool()).map(Value::Bool),
                        Sort::Int => model
                            .eval(&Int::new_const(name.as_str()), true)
                            .and_then(|i| i.to_string().trim().replace(['(', ')', ' '], "").parse::<i128>().ok())
                            .map(Value::Int),
                        Sort::Str => model
                            .eval(&ZString::new_const(name.as_str()), true)
                            .and_then(|s| s.as_string())
                            .map(|s| Value::Str(unescape(&s))),
                        Sort::Bv(w) => {
                            model.eval(&BV::new_const(name.as_str(), *w), true).and_then(|b| parse_bv(&b.to_string())).map(Value::Bv)
                        }
                        Sort::Re => None,
                    };
                    if let Some(val) = value {
                        values.insert(name.clone(), val);
                    }
                }
                Ok(Outcome::Sat(Model { values }))
            }
        },
    };
    (outcome, stats)
}

/// A model string as z3 prints it, with its SMT-LIB 2.6 escapes (`\u{84}`, `\u00e9`) turned
/// back into the characters they stand for: the model's `?` fill is one character, not six.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let (hex, len) = if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) if (1..=5).contains(&end) => (&braced[..end], end + 2),
                _ => ("", 0),
            }
        } else if after.len() >= 4 && after.is_char_boundary(4) {
            (&after[..4], 4)
        } else {
            ("", 0)
        };
        match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
            Some(c) if len > 0 => {
                out.push(c);
                rest = &after[len..];
            }
            _ => {
                out.push_str("\\u");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// `#x00ff…` or `#b0101…`.
fn parse_bv(s: &str) -> Option<u128> {
    if let Some(h) = s.strip_prefix("#x") {
        u128::from_str_radix(h, 16).ok()
    } else if let Some(b) = s.strip_prefix("#b") {
        u128::from_str_radix(b, 2).ok()
    } else {
        None
    }
}

/// Development aid: solve the SMT-LIB2 files named in KEYWARD_SMT2 (colon-separated) with the
/// in-process z3, printing each verdict and time (`cargo test --release --lib time_smt2 --
/// --ignored --nocapture`), to compare formulations of a query.
#[cfg(test)]
mod escapes {
    #[test]
    fn model_strings_are_unescaped() {
        assert_eq!(super::unescape("a\\u{84}b"), "a\u{84}b");
        assert_eq!(super::unescape("\\u00e9\\u{10000}"), "\u{e9}\u{10000}");
        assert_eq!(super::unescape("plain \\ \\u{zz} \\u1"), "plain \\ \\u{zz} \\u1");
    }
}

#[cfg(test)]
mod timing {
    use super::*;

    #[test]
    #[ignore]
    fn time_smt2() {
        let files = std::env::var("KEYWARD_SMT2").unwrap_or_default();
        for f in files.split(':').filter(|f| !f.is_empty()) {
            let text = std::fs::read_to_string(f).unwrap();
            let terms = Terms::new();
            for _ in 0..3 {
                let mut stats = SolveStats::default();
                let t0 = std::time::Instant::now();
                let out = check(&terms, &text, &[], Duration::from_secs(10), &mut stats);
                let verdict = match out {
                    Ok(Outcome::Sat(_)) => "sat".to_string(),
                    Ok(Outcome::Unsat) => "unsat".into(),
                    Ok(Outcome::Unknown(w)) => w,
                    Err(e) => e.to_string(),
                };
                println!("{f}: {verdict} in {:.1} ms", t0.elapsed().as_secs_f64() * 1e3);
            }
        }
    }
}
