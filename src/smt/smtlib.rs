//! SMT-LIB2 text of a query. This text is what keyward solves: the in-process backend loads it
//! into z3 and external solvers read it from stdin, and `--dump-smt` writes it, so a dumped file
//! reproduces the exact question. Subterms shared in the DAG are printed once as `define-fun`s;
//! strings use SMT-LIB 2.6 escapes (`""` for a quote, `\u{…}` for anything not printable ASCII and
//! for the backslash), so any policy text round-trips.

use crate::smt::term::{Node, Sort, Terms, T};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

pub fn sort_name(s: &Sort) -> String {
    match s {
        Sort::Bool => "Bool".into(),
        Sort::Int => "Int".into(),
        Sort::Str => "String".into(),
        Sort::Re => "RegLan".into(),
        Sort::Bv(w) => format!("(_ BitVec {w})"),
    }
}

pub fn quote_symbol(name: &str) -> String {
    let simple = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "~!@$%^&*_-+=<>.?/".contains(c));
    if simple {
        name.to_string()
    } else {
        format!("|{}|", name.replace(['|', '\\'], "_"))
    }
}

pub fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\\' => out.push_str("\\u{5c}"),
            ' '..='~' => out.push(c),
            _ => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    out.push('"');
    out
}

/// A self-contained SMT-LIB2 script asserting `assertions`: with `(set-logic ALL)` and
/// `(check-sat)` for files and external solvers (`complete`), without them for z3's
/// in-process parser (a logic declaration there only slows it down).
pub fn script(terms: &Terms, assertions: &[T], complete: bool) -> String {
    let mut p = Printer::new(terms, assertions);
    let mut out = String::new();
    if complete {
        out.push_str("(set-logic ALL)\n");
    }
    for v in terms.vars(assertions) {
        if let Node::Var(name, sort) = terms.node(v) {
            let _ = writeln!(out, "(declare-fun {} () {})", quote_symbol(name), sort_name(sort));
        }
    }
    let mut body = String::new();
    for &a in assertions {
        let e = p.expr(a);
        let _ = writeln!(body, "(assert {e})");
    }
    out.push_str(&p.defines);
    out.push_str(&body);
    if complete {
        out.push_str("(check-sat)\n");
    }
    out
}

struct Printer<'a> {
    terms: &'a Terms,
    shared: HashSet<T>,
    named: HashMap<T, String>,
    defines: String,
}

impl<'a> Printer<'a> {
    fn new(terms: &'a Terms, roots: &[T]) -> Printer<'a> {
        // Count parents in the DAG; compound terms with several parents are defined once.
        let mut parents: HashMap<T, usize> = HashMap::new();
        let mut seen = HashSet::new();
        let mut stack: Vec<T> = roots.to_vec();
        while let Some(t) = stack.pop() {
            if !seen.insert(t) {
                continue;
            }
            for c in terms.children(t) {
                *parents.entry(c).or_default() += 1;
                stack.push(c);
            }
        }
        let shared = parents
            .into_iter()
            .filter(|(t, n)| *n > 1 && !terms.children(*t).is_empty() && *terms.sort(*t) != Sort::Re)
            .map(|(t, _)| t)
            .collect();
        Printer { terms, shared, named: HashMap::new(), defines: String::new() }
    }

    fn expr(&mut self, t: T) -> String {
        if let Some(n) = self.named.get(&t) {
            return n.clone();
        }
        let text = self.render(t);
        if self.shared.contains(&t) {
            let name = format!("_t{}", t.0);
            let sort = sort_name(self.terms.sort(t));
            let _ = writeln!(self.defines, "(define-fun {name} () {sort} {text})");
            self.named.insert(t, name.clone());
            return name;
        }
        text
    }

    fn list(&mut self, op: &str, xs: &[T]) -> String {
        let mut s = format!("({op}");
        for &x in xs {
            s.push(' ');
            s.push_str(&self.expr(x));
        }
        s.push(')');
        s
    }

    fn render(&mut self, t: T) -> String {
        let node = self.terms.node(t).clone();
        match node {
            Node::True => "true".into(),
            Node::False => "false".into(),
            Node::Int(i) if i < 0 => format!("(- {})", i.unsigned_abs()),
            Node::Int(i) => i.to_string(),
            Node::Str(s) => string_literal(&s),
            Node::Bv(v, w) => format!("(_ bv{v} {w})"),
            Node::Var(name, _) => quote_symbol(&name),
            Node::Not(a) => format!("(not {})", self.expr(a)),
            Node::And(xs) => self.list("and", &xs),
            Node::Or(xs) => self.list("or", &xs),
            Node::Ite(c, a, b) => self.list("ite", &[c, a, b]),
            Node::Eq(a, b) => self.list("=", &[a, b]),
            Node::Le(a, b) => self.list("<=", &[a, b]),
            Node::Lt(a, b) => self.list("<", &[a, b]),
            Node::Add(xs) => self.list("+", &xs),
            Node::Mul(k, a) => {
                let kk = if k < 0 { format!("(- {})", k.unsigned_abs()) } else { k.to_string() };
                format!("(* {kk} {})", self.expr(a))
            }
            Node::Concat(xs) => self.list("str.++", &xs),
            Node::Len(a) => format!("(str.len {})", self.expr(a)),
            Node::Prefix(a, b) => self.list("str.prefixof", &[a, b]),
            Node::Suffix(a, b) => self.list("str.suffixof", &[a, b]),
            Node::Contains(a, b) => self.list("str.contains", &[a, b]),
            Node::IndexOf(a, b, c) => self.list("str.indexof", &[a, b, c]),
            Node::Substr(a, b, c) => self.list("str.substr", &[a, b, c]),
            Node::InRe(a, b) => self.list("str.in_re", &[a, b]),
            Node::ReLit(s) => format!("(str.to_re {})", string_literal(&s)),
            Node::ReConcat(xs) => self.list("re.++", &xs),
            Node::ReUnion(xs) => self.list("re.union", &xs),
            Node::ReStar(a) => format!("(re.* {})", self.expr(a)),
            Node::ReAllChar => "re.allchar".into(),
            Node::ReAll => "re.all".into(),
            Node::ReNone => "re.none".into(),
            Node::ReRange(a, b) => format!("(re.range {} {})", string_literal(&a.to_string()), string_literal(&b.to_string())),
            Node::ReLoop(a, lo, hi) => format!("((_ re.loop {lo} {hi}) {})", self.expr(a)),
            Node::BvAnd(a, b) => self.list("bvand", &[a, b]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip_shapes() {
        assert_eq!(string_literal("a\"b"), "\"a\"\"b\"");
        assert_eq!(string_literal("a\\u{41}"), "\"a\\u{5c}u{41}\"");
        assert_eq!(string_literal("é\n"), "\"\\u{e9}\\u{a}\"");
        assert_eq!(quote_symbol("p.kind"), "p.kind");
        assert_eq!(quote_symbol("ctx.aws:SourceIp"), "|ctx.aws:SourceIp|");
    }

    #[test]
    fn shared_subterms_are_defined_once() {
        let mut t = Terms::new();
        let x = t.var("x", Sort::Str);
        let lit = t.str("key/");
        let p = t.prefix(lit, x);
        let y = t.var("y", Sort::Bool);
        let a = t.and([p, y]);
        let ny = t.not(y);
        let b = t.and([p, ny]);
        let root = t.or([a, b]);
        let s = script(&t, &[root], true);
        assert!(s.contains("(define-fun _t"), "{s}");
        assert_eq!(s.matches("str.prefixof").count(), 1, "{s}");
        assert!(s.ends_with("(check-sat)\n"));
    }
}
