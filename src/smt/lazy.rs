//! Lazy shape axioms: the solving loop that gives z3 a query's string-shape axioms
//! (`Encoder::shapes`: a segment has no colon, an account is 12 digits, a name is not empty, …)
//! only when a model needs them.
//!
//! Why: z3 4.8.12's string solver spends seconds on these constraints (a KMS.1 query over a
//! managed policy: 4.9 s with them, 35 ms without), although models almost never need them.
//! The loop is exact, not an approximation:
//! - the relaxed query (shapes left out) has more models than the query, so *unsat* of the
//!   relaxed query is unsat of the query;
//! - a relaxed model is only returned when every shape axiom holds in it — as it is, or after
//!   a *repair* that replaces ill-shaped string values by well-shaped ones (`aws`, a 12-digit
//!   account, `example`) and keeps every asserted formula true (checked by `Ground`);
//! - otherwise the shape axioms the model violates are asserted and the query solved again.
//!
//! All rounds share the query's one timeout.

use crate::smt::answer::{Model, Outcome, SolveStats, SolverError, Value};
use crate::smt::backend::{dump, solve};
use crate::smt::ground::Ground;
use crate::smt::options::SolverOptions;
use crate::smt::readable::{candidates, replacements, well_shaped, Links};
use crate::smt::term::{Node, Terms, T};
use std::time::Instant;

/// At most this many solver rounds; the last one has every shape axiom asserted.
const MAX_ROUNDS: usize = 4;

/// Solve `eager ∧ shapes`, asserting the shape axioms lazily; on sat the model (over `want`)
/// satisfies all of them. The statistics add up every round, whatever the answer.
pub fn solve_lazy(
    terms: &Terms,
    eager: &[T],
    shapes: &[T],
    want: &[T],
    opts: &SolverOptions,
    label: &str,
) -> (Result<Outcome, SolverError>, SolveStats) {
    let started = Instant::now();
    let mut asserted: Vec<T> = eager.to_vec();
    let mut pending: Vec<T> = shapes.iter().copied().filter(|s| terms.as_bool(*s) != Some(true)).collect();
    let all: Vec<T> = eager.iter().chain(shapes.iter()).copied().collect();
    let mut total = SolveStats { smt_nodes: terms.dag_size(&all), ..SolveStats::default() };
    if let Some(dir) = &opts.dump_dir {
        total.smt_bytes = dump(terms, &all, dir, label);
    }
    let quiet = SolverOptions { dump_dir: None, ..opts.clone() };
    for round in 1..=MAX_ROUNDS {
        if round == MAX_ROUNDS {
            asserted.append(&mut pending);
        }
        let remaining = opts.timeout.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            return (Ok(Outcome::Unknown(format!("timeout ({} ms)", opts.timeout.as_millis()))), total);
        }
        let (out, st) = solve(terms, &asserted, want, &SolverOptions { timeout: remaining, ..quiet.clone() }, label);
        total.solver_called |= st.solver_called;
        total.rounds += st.rounds;
        total.solve_ms += st.solve_ms;
        total.smt_bytes = total.smt_bytes.max(st.smt_bytes);
        if !st.z3.is_empty() {
            total.z3 = st.z3;
        }
        let out = match out {
            Ok(out) => out,
            Err(e) => return (Err(e), total),
        };
        match out {
            Outcome::Unsat => return (Ok(Outcome::Unsat), total),
            Outcome::Unknown(why) => {
                if pending.is_empty() {
                    return (Ok(Outcome::Unknown(why)), total);
                }
                // The relaxed query is no easier for z3 than the whole one: ask the whole one.
                asserted.append(&mut pending);
            }
            Outcome::Sat(model) => {
                let failing: Vec<T> = {
                    let mut g = Ground::new(terms, &model);
                    pending.iter().copied().filter(|s| !g.bool(*s)).collect()
                };
                if failing.is_empty() {
                    return (Ok(Outcome::Sat(model)), total);
                }
                if let Some(m) = repair(terms, &asserted, &pending, &failing, model) {
                    return (Ok(Outcome::Sat(m)), total);
                }
                pending.retain(|s| !failing.contains(s));
                asserted.extend(failing);
            }
        }
    }
    (Err(SolverError::LoopExhausted), total)
}

/// Replace the string values of the failing shape axioms' variables by well-shaped ones, one
/// variable at a time, keeping a replacement when every asserted formula still holds and no
/// more shape axioms fail than before. `Some` when every shape axiom then holds.
fn repair(terms: &Terms, asserted: &[T], pending: &[T], failing: &[T], mut model: Model) -> Option<Model> {
    let failures = |m: &Model| {
        let mut g = Ground::new(terms, m);
        pending.iter().filter(|s| !g.bool(**s)).count()
    };
    let mut bad = failing.len();
    let links = Links::of(terms, asserted);
    // The failing variables, and the wildcard fills that define them (`q0.resource.resource =
    // "key/" ++ glob.0.1`: a key id goes into the fill).
    let mut vars: Vec<String> = Vec::new();
    for v in terms.vars(failing) {
        let Node::Var(name, _) = terms.node(v) else { continue };
        vars.push(name.clone());
        for (x, _, reads) in &links.defs {
            if x == name {
                vars.extend(reads.iter().cloned());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    vars.retain(|v| seen.insert(v.clone()));
    let strings: std::collections::HashSet<String> = terms
        .vars(&[asserted, pending].concat())
        .into_iter()
        .filter_map(|v| match terms.node(v) {
            Node::Var(n, crate::smt::term::Sort::Str) => Some(n.clone()),
            _ => None,
        })
        .collect();
    // Variables tied to each other (a resource account equal to the principal's) may only be
    // repairable after another one is: a few passes, while the failures go down.
    for _pass in 0..3 {
        let before_pass = bad;
        for name in &vars {
            let name = name.as_str();
            // A variable the model leaves out (no asserted formula reads it) is the empty string.
            let current = match model.get(name) {
                Some(Value::Str(s)) => s.clone(),
                None if strings.contains(name) => String::new(),
                _ => continue,
            };
            let mut options = candidates(terms, name, &current, &links);
            options.extend(well_shaped(name));
            for candidate in options {
                if candidate == current {
                    continue;
                }
                let accepted = replacements(terms, &model, name, &current, &candidate, &links).into_iter().find_map(|trial| {
                    let holds = {
                        let mut g = Ground::new(terms, &trial);
                        asserted.iter().all(|a| g.bool(*a))
                    };
                    let n = if holds { failures(&trial) } else { usize::MAX };
                    (n <= bad).then_some((trial, n))
                });
                if let Some((trial, n)) = accepted {
                    model = trial;
                    bad = n;
                    break;
                }
            }
            if bad == 0 {
                return Some(model);
            }
        }
        if bad == before_pass {
            break;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::term::Sort;

    /// A relaxed model with an ill-shaped account is repaired without asking the solver the
    /// shape axiom; a shape the goals contradict is still respected (unsat).
    #[test]
    fn shapes_are_repaired_or_asserted_but_never_dropped() {
        let mut t = Terms::new();
        let acct = t.var("p.account", Sort::Str);
        let digit = t.re_range('0', '9');
        let digits = t.re_star(digit);
        let shape = t.in_re(acct, digits);
        let twelve = t.int(12);
        let len = t.str_len(acct);
        let len12 = t.eq(len, twelve);
        let shape = t.and([shape, len12]);
        let opts = SolverOptions::default();
        // Goal: the account is not 111122223333 — any 12-digit account other than it.
        let lit = t.str("111122223333");
        let goal = t.ne(acct, lit);
        let (out, _) = solve_lazy(&t, &[goal], &[shape], &[acct], &opts, "repair");
        let Ok(Outcome::Sat(m)) = out else { panic!("expected sat, got {out:?}") };
        let mut g = Ground::new(&t, &m);
        assert!(g.bool(shape) && g.bool(goal), "{m:?}");
        // Goal: the account starts with "x" — no 12-digit account does.
        let x = t.str("x");
        let goal = t.prefix(x, acct);
        let (out, _) = solve_lazy(&t, &[goal], &[shape], &[acct], &opts, "asserted");
        assert!(matches!(out, Ok(Outcome::Unsat)), "{out:?}");
    }
}
