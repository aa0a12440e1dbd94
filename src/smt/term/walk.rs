//! Traversals of terms: the children of a node, the variables and the size of a query, and
//! rebuilding a node over new children through the folding constructors (unit propagation's
//! substitution).

use super::{Node, Terms, T};

impl Terms {
    /// `t` with its children replaced by `ch` (in `children` order), through the folding
    /// constructors; registered ARN joins and path-name splits carry over to the new term.
    pub fn rebuild(&mut self, t: T, ch: &[T]) -> T {
        let old = self.children(t);
        if ch == old.as_slice() {
            return t;
        }
        // A registered segment or path part is one of the old children: it maps to the new
        // child at the same position.
        let map = |s: T| old.iter().position(|o| *o == s).and_then(|i| ch.get(i).copied()).unwrap_or(s);
        let c = |i: usize| ch.get(i).copied().unwrap_or(t);
        let out = match self.node(t).clone() {
            Node::Not(_) => self.not(c(0)),
            Node::Len(_) => self.str_len(c(0)),
            Node::ReStar(_) => self.re_star(c(0)),
            Node::Mul(k, _) => self.mul(k, c(0)),
            Node::ReLoop(_, lo, hi) => self.re_loop(c(0), lo, hi),
            Node::And(_) => self.and(ch.to_vec()),
            Node::Or(_) => self.or(ch.to_vec()),
            Node::Add(_) => self.add(ch.to_vec()),
            Node::Concat(_) => self.concat(ch.to_vec()),
            Node::ReConcat(_) => self.re_concat(ch.to_vec()),
            Node::ReUnion(_) => self.re_union(ch.to_vec()),
            Node::Ite(..) => self.ite(c(0), c(1), c(2)),
            Node::IndexOf(..) => self.indexof(c(0), c(1), c(2)),
            Node::Substr(..) => self.substr(c(0), c(1), c(2)),
            Node::Eq(..) => self.eq(c(0), c(1)),
            Node::Le(..) => self.le(c(0), c(1)),
            Node::Lt(..) => self.lt(c(0), c(1)),
            Node::Prefix(..) => self.prefix(c(0), c(1)),
            Node::Suffix(..) => self.suffix(c(0), c(1)),
            Node::Contains(..) => self.contains(c(0), c(1)),
            Node::InRe(..) => self.in_re(c(0), c(1)),
            Node::BvAnd(..) => self.bv_and(c(0), c(1)),
            _ => t,
        };
        if let Some(segs) = self.joins.get(&t).copied() {
            let new_segs = segs.map(map);
            if !matches!(self.node(out), Node::Str(_)) {
                self.joins.insert(out, new_segs);
            }
        }
        if let Some((prefix, path, name)) = self.path_names.get(&t).cloned() {
            if !matches!(self.node(out), Node::Str(_)) {
                self.path_names.insert(out, (prefix, map(path), map(name)));
            }
        }
        out
    }

    /// Children of a node, for traversals.
    pub fn children(&self, t: T) -> Vec<T> {
        match self.node(t) {
            Node::Not(a) | Node::Len(a) | Node::ReStar(a) | Node::Mul(_, a) | Node::ReLoop(a, _, _) => vec![*a],
            Node::And(xs) | Node::Or(xs) | Node::Add(xs) | Node::Concat(xs) | Node::ReConcat(xs) | Node::ReUnion(xs) => xs.clone(),
            Node::Ite(a, b, c) | Node::IndexOf(a, b, c) | Node::Substr(a, b, c) => vec![*a, *b, *c],
            Node::Eq(a, b)
            | Node::Le(a, b)
            | Node::Lt(a, b)
            | Node::Prefix(a, b)
            | Node::Suffix(a, b)
            | Node::Contains(a, b)
            | Node::InRe(a, b)
            | Node::BvAnd(a, b) => vec![*a, *b],
            _ => vec![],
        }
    }

    /// Number of distinct nodes reachable from `roots` (the query's size).
    pub fn dag_size(&self, roots: &[T]) -> usize {
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<T> = roots.to_vec();
        while let Some(t) = stack.pop() {
            if seen.insert(t) {
                stack.extend(self.children(t));
            }
        }
        seen.len()
    }

    /// The variables reachable from `roots`, in first-seen order.
    pub fn vars(&self, roots: &[T]) -> Vec<T> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let mut stack: Vec<T> = roots.iter().rev().copied().collect();
        while let Some(t) = stack.pop() {
            if !seen.insert(t) {
                continue;
            }
            if let Node::Var(..) = self.node(t) {
                out.push(t);
            }
            let mut ch = self.children(t);
            ch.reverse();
            stack.extend(ch);
        }
        out
    }
}
