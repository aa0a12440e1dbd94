//! The SMT term language keyward builds its queries in: a hash-consed arena of terms over the
//! sorts Bool, Int, String, RegLan and bit-vectors, with smart constructors that fold what can be
//! decided without a solver (constants, `and`/`or` with a known operand, string functions on
//! literals, regular-expression membership of literals). Folding is what lets trivial queries
//! (a policy that never mentions KMS, an action that no statement covers) return without a
//! solver call. The same terms are printed as SMT-LIB2 (`crate::smt::smtlib`) for z3, external
//! solvers and `--dump-smt`.
//!
//! This file owns the arena, the sorts and nodes, Boolean structure, equality (with its
//! decompositions of ARN joins and IAM path-name parts), integers and bit-vectors; the string
//! functions are in `string.rs`, regular expressions and the membership of literals in them
//! in `regex.rs`, and traversals (children, variables, rebuilding) in `walk.rs`.

mod regex;
mod string;
mod walk;

use std::collections::HashMap;

/// A term: an index into `Terms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct T(pub u32);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Sort {
    Bool,
    Int,
    Str,
    Re,
    Bv(u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    True,
    False,
    Int(i128),
    Str(String),
    Bv(u128, u32),
    Var(String, Sort),
    Not(T),
    And(Vec<T>),
    Or(Vec<T>),
    Ite(T, T, T),
    Eq(T, T),
    Le(T, T),
    Lt(T, T),
    Add(Vec<T>),
    Mul(i128, T),
    Concat(Vec<T>),
    Len(T),
    Prefix(T, T),
    Suffix(T, T),
    Contains(T, T),
    IndexOf(T, T, T),
    Substr(T, T, T),
    InRe(T, T),
    ReLit(String),
    ReConcat(Vec<T>),
    ReUnion(Vec<T>),
    ReStar(T),
    ReAllChar,
    ReAll,
    ReNone,
    ReRange(char, char),
    ReLoop(T, u32, u32),
    BvAnd(T, T),
}

/// The arena. Equal nodes get equal ids, so structural equality is id equality.
#[derive(Debug, Default, Clone)]
pub struct Terms {
    nodes: Vec<Node>,
    sorts: Vec<Sort>,
    index: HashMap<Node, T>,
    /// ARN joins: `segs[0]:segs[1]:…:segs[5]` whose first five segments never contain a colon
    /// (an axiom of the encoding). Equality with a literal splits into segment equalities —
    /// the word equation z3 would otherwise have to solve.
    joins: HashMap<T, [T; 6]>,
    /// `prefix ++ path ++ name` where `name` has no `/` and `path` is empty or ends with `/`
    /// (IAM user and role resource parts): equality with a literal splits at its last `/`.
    path_names: HashMap<T, (String, T, T)>,
}

impl Terms {
    pub fn new() -> Terms {
        let mut t = Terms::default();
        t.intern(Node::True, Sort::Bool);
        t.intern(Node::False, Sort::Bool);
        t
    }

    pub fn node(&self, t: T) -> &Node {
        &self.nodes[t.0 as usize]
    }

    pub fn sort(&self, t: T) -> &Sort {
        &self.sorts[t.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn intern(&mut self, n: Node, s: Sort) -> T {
        if let Some(&t) = self.index.get(&n) {
            return t;
        }
        let t = T(self.nodes.len() as u32);
        self.nodes.push(n.clone());
        self.sorts.push(s);
        self.index.insert(n, t);
        t
    }

    // ---- constants and variables ----

    pub fn tt(&mut self) -> T {
        T(0)
    }

    pub fn ff(&mut self) -> T {
        T(1)
    }

    pub fn bool(&mut self, b: bool) -> T {
        if b {
            T(0)
        } else {
            T(1)
        }
    }

    pub fn int(&mut self, i: i128) -> T {
        self.intern(Node::Int(i), Sort::Int)
    }

    pub fn str(&mut self, s: &str) -> T {
        self.intern(Node::Str(s.to_string()), Sort::Str)
    }

    pub fn bv(&mut self, v: u128, width: u32) -> T {
        let mask = if width >= 128 { u128::MAX } else { (1u128 << width) - 1 };
        self.intern(Node::Bv(v & mask, width), Sort::Bv(width))
    }

    pub fn var(&mut self, name: &str, sort: Sort) -> T {
        self.intern(Node::Var(name.to_string(), sort.clone()), sort)
    }

    pub fn as_bool(&self, t: T) -> Option<bool> {
        match self.node(t) {
            Node::True => Some(true),
            Node::False => Some(false),
            _ => None,
        }
    }

    pub fn as_str(&self, t: T) -> Option<&str> {
        match self.node(t) {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self, t: T) -> Option<i128> {
        match self.node(t) {
            Node::Int(i) => Some(*i),
            _ => None,
        }
    }

    // ---- Boolean structure ----

    pub fn not(&mut self, a: T) -> T {
        match self.node(a) {
            Node::True => self.ff(),
            Node::False => self.tt(),
            Node::Not(x) => *x,
            _ => self.intern(Node::Not(a), Sort::Bool),
        }
    }

    pub fn and(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut out: Vec<T> = Vec::new();
        for t in items {
            match self.node(t) {
                Node::True => {}
                Node::False => return self.ff(),
                Node::And(xs) => out.extend(xs.iter().copied()),
                _ => out.push(t),
            }
        }
        out.sort();
        out.dedup();
        for &x in &out {
            if let Node::Not(y) = self.node(x) {
                if out.binary_search(y).is_ok() {
                    return self.ff();
                }
            }
        }
        match out.len() {
            0 => self.tt(),
            1 => out[0],
            _ => self.intern(Node::And(out), Sort::Bool),
        }
    }

    pub fn or(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut out: Vec<T> = Vec::new();
        for t in items {
            match self.node(t) {
                Node::False => {}
                Node::True => return self.tt(),
                Node::Or(xs) => out.extend(xs.iter().copied()),
                _ => out.push(t),
            }
        }
        out.sort();
        out.dedup();
        for &x in &out {
            if let Node::Not(y) = self.node(x) {
                if out.binary_search(y).is_ok() {
                    return self.tt();
                }
            }
        }
        match out.len() {
            0 => self.ff(),
            1 => out[0],
            _ => self.intern(Node::Or(out), Sort::Bool),
        }
    }

    pub fn and2(&mut self, a: T, b: T) -> T {
        self.and([a, b])
    }

    pub fn or2(&mut self, a: T, b: T) -> T {
        self.or([a, b])
    }

    pub fn implies(&mut self, a: T, b: T) -> T {
        let na = self.not(a);
        self.or([na, b])
    }

    pub fn iff(&mut self, a: T, b: T) -> T {
        self.eq(a, b)
    }

    pub fn ite(&mut self, c: T, a: T, b: T) -> T {
        match self.node(c) {
            Node::True => return a,
            Node::False => return b,
            _ => {}
        }
        if a == b {
            return a;
        }
        if *self.sort(a) == Sort::Bool {
            match (self.as_bool(a), self.as_bool(b)) {
                (Some(true), Some(false)) => return c,
                (Some(false), Some(true)) => return self.not(c),
                (Some(true), None) => return self.or([c, b]),
                (Some(false), None) => {
                    let nc = self.not(c);
                    return self.and([nc, b]);
                }
                (None, Some(true)) => {
                    let nc = self.not(c);
                    return self.or([nc, a]);
                }
                (None, Some(false)) => return self.and([c, a]),
                _ => {}
            }
        }
        let s = self.sort(a).clone();
        self.intern(Node::Ite(c, a, b), s)
    }

    pub fn eq(&mut self, a: T, b: T) -> T {
        if a == b {
            return self.tt();
        }
        let (a, b) = if a < b { (a, b) } else { (b, a) };
        match (self.node(a), self.node(b)) {
            (Node::True, _) => return b,
            (_, Node::True) => return a,
            (Node::False, _) => return self.not(b),
            (_, Node::False) => return self.not(a),
            (Node::Int(_), Node::Int(_)) | (Node::Str(_), Node::Str(_)) | (Node::Bv(..), Node::Bv(..)) => return self.ff(),
            _ => {}
        }
        if let Some(lit) = self.as_str(b).map(str::to_string) {
            if let Some(r) = self.eq_lit(a, &lit) {
                return r;
            }
        }
        if let Some(lit) = self.as_str(a).map(str::to_string) {
            if let Some(r) = self.eq_lit(b, &lit) {
                return r;
            }
        }
        // A literal can never equal a concatenation whose literal prefix or suffix disagrees.
        if let (Some(lit), Some(parts)) = (self.str_lit_of(a, b), self.concat_parts_of(a, b)) {
            let (pre, suf) = self.literal_ends(&parts);
            if !lit.starts_with(&pre)
                || !lit.ends_with(&suf)
                || lit.len() < pre.len() + suf.len() && parts.len() > 1 && pre.len() + suf.len() > lit.len()
            {
                return self.ff();
            }
        }
        self.intern(Node::Eq(a, b), Sort::Bool)
    }

    fn str_lit_of(&self, a: T, b: T) -> Option<String> {
        self.as_str(a).or_else(|| self.as_str(b)).map(str::to_string)
    }

    fn concat_parts_of(&self, a: T, b: T) -> Option<Vec<T>> {
        match (self.node(a), self.node(b)) {
            (Node::Concat(p), _) | (_, Node::Concat(p)) => Some(p.clone()),
            _ => None,
        }
    }

    /// The literal text at the start and at the end of a concatenation.
    fn literal_ends(&self, parts: &[T]) -> (String, String) {
        let pre = parts.first().and_then(|p| self.as_str(*p)).unwrap_or("").to_string();
        let suf = if parts.len() > 1 { parts.last().and_then(|p| self.as_str(*p)).unwrap_or("").to_string() } else { String::new() };
        (pre, suf)
    }

    /// Record that `join` is the colon-join of six segments whose first five have no colon.
    pub fn register_join(&mut self, join: T, segs: [T; 6]) {
        self.joins.insert(join, segs);
    }

    /// Record that `t` is `prefix ++ path ++ name` (see `path_names`).
    pub fn register_path_name(&mut self, t: T, prefix: &str, path: T, name: T) {
        self.path_names.insert(t, (prefix.to_string(), path, name));
    }

    /// Equality of a string term with literal text, decomposing ARN joins and `ite`s.
    fn eq_lit(&mut self, x: T, lit: &str) -> Option<T> {
        if let Some((prefix, path, name)) = self.path_names.get(&x).cloned() {
            let Some(rest) = lit.strip_prefix(prefix.as_str()) else { return Some(self.ff()) };
            let (p, n) = match rest.rfind('/') {
                Some(i) => (&rest[..=i], &rest[i + 1..]),
                None => ("", rest),
            };
            let (pl, nl) = (self.str(p), self.str(n));
            let a = self.eq(path, pl);
            let b = self.eq(name, nl);
            return Some(self.and([a, b]));
        }
        // A concatenation with one non-literal part: strip the literal ends.
        if let Node::Concat(parts) = self.node(x).clone() {
            let non_lit: Vec<usize> = parts.iter().enumerate().filter(|(_, p)| self.as_str(**p).is_none()).map(|(i, _)| i).collect();
            if non_lit.len() == 1 {
                let i = non_lit[0];
                let pre: String = parts[..i].iter().filter_map(|p| self.as_str(*p)).collect();
                let suf: String = parts[i + 1..].iter().filter_map(|p| self.as_str(*p)).collect();
                if lit.len() < pre.len() + suf.len() || !lit.starts_with(&pre) || !lit.ends_with(&suf) {
                    return Some(self.ff());
                }
                let mid = self.str(&lit[pre.len()..lit.len() - suf.len()]);
                return Some(self.eq(parts[i], mid));
            }
        }
        if let Some(segs) = self.joins.get(&x).copied() {
            let Some(pieces) = crate::model::value::arn_segments(lit) else { return Some(self.ff()) };
            let pieces: Vec<String> = pieces.iter().map(|p| p.to_string()).collect();
            let mut conj = Vec::new();
            for (s, p) in segs.iter().zip(pieces.iter()) {
                let l = self.str(p);
                conj.push(self.eq(*s, l));
            }
            return Some(self.and(conj));
        }
        if let Node::Ite(c, a, b) = self.node(x).clone() {
            if *self.sort(a) == Sort::Str {
                let l = self.str(lit);
                let ea = self.eq(a, l);
                let eb = self.eq(b, l);
                return Some(self.ite(c, ea, eb));
            }
        }
        None
    }

    pub fn ne(&mut self, a: T, b: T) -> T {
        let e = self.eq(a, b);
        self.not(e)
    }

    // ---- integers ----

    pub fn le(&mut self, a: T, b: T) -> T {
        match (self.as_int(a), self.as_int(b)) {
            (Some(x), Some(y)) => self.bool(x <= y),
            _ if a == b => self.tt(),
            _ => self.intern(Node::Le(a, b), Sort::Bool),
        }
    }

    pub fn lt(&mut self, a: T, b: T) -> T {
        match (self.as_int(a), self.as_int(b)) {
            (Some(x), Some(y)) => self.bool(x < y),
            _ if a == b => self.ff(),
            _ => self.intern(Node::Lt(a, b), Sort::Bool),
        }
    }

    pub fn ge(&mut self, a: T, b: T) -> T {
        self.le(b, a)
    }

    pub fn gt(&mut self, a: T, b: T) -> T {
        self.lt(b, a)
    }

    pub fn add(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut konst: i128 = 0;
        let mut out = Vec::new();
        for t in items {
            match self.node(t) {
                Node::Int(i) => konst = konst.saturating_add(*i),
                Node::Add(xs) => out.extend(xs.iter().copied()),
                _ => out.push(t),
            }
        }
        if konst != 0 || out.is_empty() {
            let k = self.int(konst);
            out.push(k);
        }
        if out.len() == 1 {
            return out[0];
        }
        self.intern(Node::Add(out), Sort::Int)
    }

    pub fn mul(&mut self, k: i128, a: T) -> T {
        match self.node(a) {
            Node::Int(i) => {
                let v = k.saturating_mul(*i);
                self.int(v)
            }
            _ if k == 1 => a,
            _ if k == 0 => self.int(0),
            _ => self.intern(Node::Mul(k, a), Sort::Int),
        }
    }

    /// Apply a string predicate to both branches of an `ite` subject (keeps literals
    /// foldable: the branches are usually concatenations with literal parts).
    pub(super) fn distribute(&mut self, s: T, f: &mut dyn FnMut(&mut Terms, T) -> T) -> Option<T> {
        if let Node::Ite(c, a, b) = self.node(s).clone() {
            if *self.sort(a) == Sort::Str {
                let fa = f(self, a);
                let fb = f(self, b);
                return Some(self.ite(c, fa, fb));
            }
        }
        None
    }

    // ---- bit-vectors ----

    pub fn bv_and(&mut self, a: T, b: T) -> T {
        if let (Node::Bv(x, w), Node::Bv(y, _)) = (self.node(a), self.node(b)) {
            let (v, w) = (x & y, *w);
            return self.bv(v, w);
        }
        let s = self.sort(a).clone();
        self.intern(Node::BvAnd(a, b), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boolean_folding() {
        let mut t = Terms::new();
        let x = t.var("x", Sort::Bool);
        let y = t.var("y", Sort::Bool);
        let nx = t.not(x);
        assert_eq!(t.not(nx), x);
        let tt = t.tt();
        assert_eq!(t.and([x, tt]), x);
        let ff = t.ff();
        assert_eq!(t.and([x, ff]), ff);
        assert_eq!(t.and([x, nx]), ff);
        assert_eq!(t.or([x, nx]), tt);
        let a = t.and([x, y]);
        let b = t.and([y, x]);
        assert_eq!(a, b, "and is hash-consed up to order");
        assert_eq!(t.ite(x, tt, ff), x);
    }

    #[test]
    fn string_folding() {
        let mut t = Terms::new();
        let s = t.var("s", Sort::Str);
        let a = t.str("arn:");
        let b = t.str("aws");
        let c = t.concat([a, b, s]);
        let ab = t.concat([a, b]);
        assert_eq!(t.as_str(ab).unwrap(), "arn:aws");
        let lit = t.str("arn:aws:x");
        assert_ne!(t.eq(c, lit), t.ff());
        let bad = t.str("xyz");
        assert_eq!(t.eq(c, bad), t.ff());
        let p = t.str("arn:a");
        assert_eq!(t.prefix(p, c), t.tt());
        let q = t.str("arn:b");
        assert_eq!(t.prefix(q, c), t.ff());
        let hay = t.str("key/abc");
        let needle = t.str("abc");
        let zero = t.int(0);
        let idx = t.indexof(hay, needle, zero);
        assert_eq!(t.as_int(idx), Some(4));
        let l = t.str_len(hay);
        assert_eq!(t.as_int(l), Some(7));
    }

    #[test]
    fn regex_membership_of_literals_folds() {
        let mut t = Terms::new();
        let any = t.re_all();
        let lit = t.re_lit("key/");
        let re = t.re_concat([lit, any]);
        let yes = t.str("key/abc");
        let no = t.str("alias/abc");
        assert_eq!(t.in_re(yes, re), t.tt());
        assert_eq!(t.in_re(no, re), t.ff());
    }
}
