//! Unit propagation before the solver: the facts a query asserts outright (`q0.action = 56`,
//! `p.has_session = false`, `¬(q0.action.free = "kms:decrypt")`, any asserted subformula) are
//! substituted into the rest of the query and the folding constructors of `Terms` simplify
//! it again, for a few rounds. Many control queries fold to `false` this way and never reach
//! z3 — for instance "an unlisted KMS action is allowed" on a policy that lists its actions:
//! the action variable is pinned to the unlisted slot, every named action is excluded, and
//! the statement's action disjunction folds away.
//!
//! The result is equivalent to the input: every fact used for substitution stays asserted
//! verbatim, and substituting an asserted fact into the other assertions preserves the set of
//! models. Callers still check every model against the original assertions.

use crate::smt::term::{Node, Terms, T};
use std::collections::HashMap;

/// At most this many propagation rounds; each round is linear in the query's size.
const MAX_ROUNDS: usize = 6;

/// What `encoding` sends the solver for `assertions`: propagated by default, as they are for
/// the textbook baseline (which measures the encoding without this step).
pub fn for_encoding(encoding: crate::smt::options::Encoding, terms: &mut Terms, assertions: Vec<T>) -> Vec<T> {
    match encoding {
        crate::smt::options::Encoding::Default => propagate(terms, &assertions),
        crate::smt::options::Encoding::Baseline => assertions,
    }
}

/// An assertion list with the same models as `assertions` (`[false]` when propagation finds
/// a contradiction).
pub fn propagate(terms: &mut Terms, assertions: &[T]) -> Vec<T> {
    let mut current: Vec<T> = assertions.to_vec();
    for _ in 0..MAX_ROUNDS {
        let conj = flatten(terms, &current);
        if conj.iter().any(|c| terms.as_bool(*c) == Some(false)) {
            return vec![terms.ff()];
        }
        let Some(facts) = facts(terms, &conj) else { return vec![terms.ff()] };
        let mut memo: HashMap<T, T> = HashMap::new();
        let mut next = Vec::with_capacity(conj.len());
        for &c in &conj {
            let r = simplify_conjunct(terms, c, &facts, &mut memo);
            match terms.as_bool(r) {
                Some(true) => {}
                Some(false) => return vec![terms.ff()],
                None => next.push(r),
            }
        }
        let changed = next != conj;
        current = next;
        if !changed {
            break;
        }
    }
    current
}

/// The conjuncts of `assertions`: nested `and`s opened, `true` dropped, duplicates removed.
fn flatten(terms: &Terms, assertions: &[T]) -> Vec<T> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut stack: Vec<T> = assertions.iter().rev().copied().collect();
    while let Some(t) = stack.pop() {
        match terms.node(t) {
            Node::And(xs) => stack.extend(xs.iter().rev().copied()),
            Node::True => {}
            _ => {
                if seen.insert(t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

fn is_const(terms: &Terms, t: T) -> bool {
    matches!(terms.node(t), Node::True | Node::False | Node::Int(_) | Node::Str(_) | Node::Bv(..))
}

/// `var = constant` of an equality, either way round.
fn var_const(terms: &Terms, t: T) -> Option<(T, T)> {
    let Node::Eq(a, b) = terms.node(t) else { return None };
    let (a, b) = (*a, *b);
    match (terms.node(a), terms.node(b)) {
        (Node::Var(..), _) if is_const(terms, b) => Some((a, b)),
        (_, Node::Var(..)) if is_const(terms, a) => Some((b, a)),
        _ => None,
    }
}

/// What the conjuncts assert, as a substitution from terms to constants; `None` when two
/// facts contradict each other.
fn facts(terms: &mut Terms, conj: &[T]) -> Option<HashMap<T, T>> {
    let (tt, ff) = (terms.tt(), terms.ff());
    let mut map: HashMap<T, T> = HashMap::new();
    let mut put = |k: T, v: T| match map.insert(k, v) {
        Some(old) if old != v => None,
        _ => Some(()),
    };
    for &c in conj {
        put(c, tt)?;
        if let Node::Not(a) = terms.node(c) {
            put(*a, ff)?;
        }
        if let Some((v, k)) = var_const(terms, c) {
            put(v, k)?;
        }
    }
    Some(map)
}

/// A conjunct rewritten under the facts of the *other* conjuncts: the conjunct itself (and,
/// for `¬a` or `var = constant`, the fact it states) is not substituted into itself.
fn simplify_conjunct(terms: &mut Terms, c: T, facts: &HashMap<T, T>, memo: &mut HashMap<T, T>) -> T {
    if var_const(terms, c).is_some() || matches!(terms.node(c), Node::Var(..)) {
        return c;
    }
    if let Node::Not(a) = terms.node(c).clone() {
        if matches!(terms.node(a), Node::Var(..)) {
            return c;
        }
        let r = simplify_children(terms, a, facts, memo);
        return terms.not(r);
    }
    simplify_children(terms, c, facts, memo)
}

fn simplify_children(terms: &mut Terms, t: T, facts: &HashMap<T, T>, memo: &mut HashMap<T, T>) -> T {
    let ch: Vec<T> = terms.children(t).into_iter().map(|x| substitute(terms, x, facts, memo)).collect();
    terms.rebuild(t, &ch)
}

fn substitute(terms: &mut Terms, t: T, facts: &HashMap<T, T>, memo: &mut HashMap<T, T>) -> T {
    if let Some(v) = facts.get(&t) {
        return *v;
    }
    if let Some(v) = memo.get(&t) {
        return *v;
    }
    // Regular expressions and constants have no variables: nothing to substitute.
    let r = match terms.sort(t) {
        crate::smt::term::Sort::Re => t,
        _ if terms.children(t).is_empty() => t,
        _ => simplify_children(terms, t, facts, memo),
    };
    memo.insert(t, r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smt::term::Sort;

    #[test]
    fn pinned_values_fold_the_rest_of_the_query() {
        let mut t = Terms::new();
        let a = t.var("a", Sort::Int);
        let s = t.var("s", Sort::Str);
        let (k56, k18) = (t.int(56), t.int(18));
        let pin = t.eq(a, k56);
        let dec = t.str("kms:decrypt");
        let is_dec = t.eq(s, dec);
        let not_dec = t.not(is_dec);
        let named = t.eq(a, k18);
        let unlisted_dec = t.and([pin, is_dec]);
        let goal = t.or([named, unlisted_dec]);
        assert_eq!(propagate(&mut t, &[pin, not_dec, goal]), vec![t.ff()]);
        // Without the exclusion the query is satisfiable, and the facts stay asserted.
        let out = propagate(&mut t, &[pin, goal]);
        assert!(out.contains(&pin) && out.contains(&is_dec) && !out.contains(&goal), "{out:?}");
    }

    #[test]
    fn contradicting_facts_are_unsat_and_a_fact_is_not_used_on_itself() {
        let mut t = Terms::new();
        let a = t.var("a", Sort::Int);
        let (k1, k2) = (t.int(1), t.int(2));
        let e1 = t.eq(a, k1);
        let e2 = t.eq(a, k2);
        assert_eq!(propagate(&mut t, &[e1, e2]), vec![t.ff()]);
        let b = t.var("b", Sort::Bool);
        let either = t.or([b, e1]);
        let not_either = t.not(either);
        let out = propagate(&mut t, &[not_either]);
        assert_eq!(terms_truth(&t, &out), None, "{out:?}");
        assert!(!out.is_empty());
    }

    fn terms_truth(t: &Terms, out: &[T]) -> Option<bool> {
        match out {
            [x] => t.as_bool(*x),
            _ => None,
        }
    }
}
