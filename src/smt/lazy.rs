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

use crate::smt::ground::Ground;
use crate::smt::solver::{dump, solve, Model, Outcome, SolveStats, SolverOptions, Value};
use crate::smt::term::{Node, Terms, T};
use std::collections::HashMap;
use std::time::Instant;

/// At most this many solver rounds; the last one has every shape axiom asserted.
const MAX_ROUNDS: usize = 4;

/// Solve `eager ∧ shapes`, asserting the shape axioms lazily; on sat the model (over `want`)
/// satisfies all of them.
pub fn solve_lazy(terms: &Terms, eager: &[T], shapes: &[T], want: &[T], opts: &SolverOptions, label: &str) -> (Outcome, SolveStats) {
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
            return (Outcome::Unknown(format!("timeout ({} ms)", opts.timeout.as_millis())), total);
        }
        let (out, st) = solve(terms, &asserted, want, &SolverOptions { timeout: remaining, ..quiet.clone() }, label);
        total.solver_called |= st.solver_called;
        total.rounds += st.rounds;
        total.solve_ms += st.solve_ms;
        total.smt_bytes = total.smt_bytes.max(st.smt_bytes);
        if !st.z3.is_empty() {
            total.z3 = st.z3;
        }
        match out {
            Outcome::Unsat => return (Outcome::Unsat, total),
            Outcome::Unknown(why) => {
                if pending.is_empty() {
                    return (Outcome::Unknown(why), total);
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
                    return (Outcome::Sat(model), total);
                }
                if let Some(m) = repair(terms, &asserted, &pending, &failing, model) {
                    return (Outcome::Sat(m), total);
                }
                pending.retain(|s| !failing.contains(s));
                asserted.extend(failing);
            }
        }
    }
    (Outcome::Unknown("internal error: the lazy solving loop ended without an answer".into()), total)
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
    for v in terms.vars(failing) {
        let Node::Var(name, _) = terms.node(v) else { continue };
        let Some(Value::Str(current)) = model.get(name).cloned() else { continue };
        for candidate in well_shaped(name) {
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
    None
}

/// The models to try when replacing `name`'s value `current` by `candidate`, best first.
/// Variables the query equates share their value: first the value is replaced in every
/// variable that has it (`p.partition = q0.resource.partition`), then also where it occurs
/// inside other values, then in `name` alone with the strings defined from it recomputed, then
/// in `name` alone. The empty string is every unset variable's value: it is replaced alone
/// first, then together with the empty variables linked to it.
pub fn replacements(terms: &Terms, model: &Model, name: &str, current: &str, candidate: &str, links: &Links) -> Vec<Model> {
    let mut trials = Vec::new();
    if !current.is_empty() {
        let mut together = model.clone();
        for value in together.values.values_mut() {
            if *value == Value::Str(current.to_string()) {
                *value = Value::Str(candidate.to_string());
            }
        }
        trials.push(together);
        // The value also occurs inside other strings built from it (an account inside an
        // ARN-valued context key): replace it there too. Every trial is checked by `Ground`.
        let mut within = model.clone();
        let mut inside = false;
        for value in within.values.values_mut() {
            if let Value::Str(v) = value {
                if v != current && v.contains(current) {
                    *v = v.replace(current, candidate);
                    inside = true;
                } else if v == current {
                    *v = candidate.to_string();
                }
            }
        }
        if inside {
            trials.push(within);
        }
    }
    let mut alone = model.clone();
    alone.values.insert(name.to_string(), Value::Str(candidate.to_string()));
    trials.push(alone);
    // Strings defined as a concatenation over `name` (`x = "bedrock." ++ glob.0.1 ++ …`)
    // follow it.
    let dependents: Vec<&(String, T, Vec<String>)> = links.defs.iter().filter(|(_, _, reads)| reads.iter().any(|r| r == name)).collect();
    if !dependents.is_empty() {
        let mut derived = model.clone();
        derived.values.insert(name.to_string(), Value::Str(candidate.to_string()));
        let values: Vec<(String, String)> = {
            let mut g = Ground::new(terms, &derived);
            dependents.iter().map(|(x, rhs, _)| (x.clone(), g.str(*rhs))).collect()
        };
        for (x, v) in values {
            derived.values.insert(x, Value::Str(v));
        }
        trials.push(derived);
    }
    if current.is_empty() {
        // An empty value the query equates with another (a key id equal to a principal tag):
        // the variables linked to `name` by an equation that are empty too get the candidate.
        let mut together = model.clone();
        let mut any = false;
        for other in links.linked.get(name).into_iter().flatten() {
            if let Some(value) = together.values.get_mut(other) {
                if *value == Value::Str(String::new()) {
                    *value = Value::Str(candidate.to_string());
                    any = true;
                }
            }
        }
        if any {
            together.values.insert(name.to_string(), Value::Str(candidate.to_string()));
            trials.push(together);
        }
    }
    trials
}

/// How the variables of a query are tied together by its equations: the candidates for a
/// replacement together.
#[derive(Debug, Default)]
pub struct Links {
    /// Variables on the two sides of one equation, by name.
    pub linked: HashMap<String, Vec<String>>,
    /// `x = concatenation` equations (the word equations of wildcards): `x`, the
    /// concatenation, and the variables it reads.
    pub defs: Vec<(String, T, Vec<String>)>,
}

impl Links {
    pub fn of(terms: &Terms, roots: &[T]) -> Links {
        let mut out = Links::default();
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<T> = roots.to_vec();
        let name = |v: T| match terms.node(v) {
            Node::Var(n, _) => Some(n.clone()),
            _ => None,
        };
        while let Some(t) = stack.pop() {
            if !seen.insert(t) {
                continue;
            }
            if let Node::Eq(a, b) = terms.node(t) {
                let (va, vb): (Vec<String>, Vec<String>) =
                    (terms.vars(&[*a]).into_iter().filter_map(name).collect(), terms.vars(&[*b]).into_iter().filter_map(name).collect());
                for x in &va {
                    for y in &vb {
                        out.linked.entry(x.clone()).or_default().push(y.clone());
                        out.linked.entry(y.clone()).or_default().push(x.clone());
                    }
                }
                for (x, rhs, reads) in [(*a, *b, &vb), (*b, *a, &va)] {
                    if let (Node::Var(n, crate::smt::term::Sort::Str), Node::Concat(_)) = (terms.node(x), terms.node(rhs)) {
                        out.defs.push((n.clone(), rhs, reads.clone()));
                    }
                }
            }
            stack.extend(terms.children(t));
        }
        out
    }
}

/// Readable values for a string variable of the encoding, by its role (the last part of its
/// name), best first: what repaired models, prettified counterexamples and guessed witnesses
/// use, so that a counterexample reads the same whichever of them produced it.
pub fn readable(name: &str) -> &'static [&'static str] {
    match name.rsplit('.').next().unwrap_or(name) {
        "partition" => &["aws"],
        "region" => &["us-east-1", "eu-west-1"],
        "account" => &["210987654321", "123456789012"],
        "key_id" => &["0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "1234abcd-12ab-34cd-56ef-1234567890ab"],
        "pname" => &["ExampleRole", "example-user"],
        "path" => &[""],
        "session_name" => &["session"],
        "name" => &["example.amazonaws.com"],
        _ => &[],
    }
}

/// Well-shaped values for a string variable (`readable`, the ARN prefix `arn`, then a plain
/// word), best first.
pub fn well_shaped(name: &str) -> Vec<String> {
    let mut out: Vec<String> = readable(name).iter().map(|v| v.to_string()).collect();
    if name.rsplit('.').next() == Some("arn") {
        out.push("arn".into());
    }
    out.push("example".into());
    out
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
        let Outcome::Sat(m) = out else { panic!("expected sat, got {out:?}") };
        let mut g = Ground::new(&t, &m);
        assert!(g.bool(shape) && g.bool(goal), "{m:?}");
        // Goal: the account starts with "x" — no 12-digit account does.
        let x = t.str("x");
        let goal = t.prefix(x, acct);
        let (out, _) = solve_lazy(&t, &[goal], &[shape], &[acct], &opts, "asserted");
        assert!(matches!(out, Outcome::Unsat), "{out:?}");
    }
}
