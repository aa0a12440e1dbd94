//! Patterns as constraints: globs (`*`, `?`) with policy variables over string terms.
//! Literal patterns over literal strings fold to true/false here. Otherwise: equality for a
//! pattern without wildcards; for a wildcard pattern a word equation with a lazily asserted
//! exact form (`glob_split`): `str.prefixof`/`str.suffixof`/`str.contains` for wildcards only
//! at the ends, a regular expression for other literal patterns, and for patterns with
//! variables the leftmost-match chain of `str.indexof` (exact for `*`-separated segments; it
//! needs no quantifier, so it is exact under negation too).

use crate::model::template::{Part, Template};
use crate::smt::encode::{Encoder, Resolved, TPart};
use crate::smt::term::{Sort, T};

impl Encoder {
    /// Resolve the variables of `tpl` in request `req` (`Template::resolve` semantics: a key's
    /// value when it has exactly one, else the default, else unresolvable).
    pub(in crate::smt::encode) fn resolve(&mut self, req: usize, tpl: &Template) -> Resolved {
        let mut ok = Vec::new();
        let mut parts = Vec::new();
        for p in tpl.parts() {
            match p {
                Part::Lit(s) => parts.push(TPart::Lit(s.clone())),
                Part::Star => parts.push(TPart::Star),
                Part::Qmark => parts.push(TPart::Qmark),
                Part::Var(v) => {
                    let rep = self.key(req, &v.key);
                    let values: Vec<(T, Option<T>)> = rep.slots.iter().map(|s| (s.active, s.s)).collect();
                    if values.iter().any(|(_, s)| s.is_none()) {
                        self.unsupported(format!(
                            "policy variable ${{{}}} names a key that is compared as a number, date or IP",
                            v.key.name()
                        ));
                    }
                    // Exactly one value.
                    let mut one = Vec::new();
                    let mut value = self.t.str("");
                    for (j, (a, s)) in values.iter().enumerate() {
                        let others: Vec<T> = values.iter().enumerate().filter(|(i, _)| *i != j).map(|(_, (b, _))| self.t.not(*b)).collect();
                        let mut conj = vec![*a];
                        conj.extend(others);
                        one.push(self.t.and(conj));
                        if let Some(s) = s {
                            value = self.t.ite(*a, *s, value);
                        }
                    }
                    let resolvable = self.t.or(one);
                    match &v.default {
                        Some(d) => {
                            let dl = self.t.str(d);
                            let term = self.t.ite(resolvable, value, dl);
                            parts.push(TPart::Term(term));
                        }
                        None => {
                            ok.push(resolvable);
                            parts.push(TPart::Term(value));
                        }
                    }
                }
            }
        }
        // Merge literal runs and fold literal terms into literal text.
        let mut merged: Vec<TPart> = Vec::new();
        for p in parts {
            let p = match p {
                TPart::Term(t) => match self.t.as_str(t) {
                    Some(s) => TPart::Lit(s.to_string()),
                    None => TPart::Term(t),
                },
                other => other,
            };
            match (merged.last_mut(), p) {
                (Some(TPart::Lit(prev)), TPart::Lit(s)) => prev.push_str(&s),
                (_, TPart::Lit(s)) if s.is_empty() => {}
                (_, p) => merged.push(p),
            }
        }
        let ok = self.t.and(ok);
        Resolved { ok, parts: merged }
    }

    /// `x` matches the resolved glob (case-sensitive).
    pub(in crate::smt::encode) fn glob(&mut self, r: &Resolved, x: T) -> T {
        let m = self.glob_parts(&r.parts, x);
        self.t.and([r.ok, m])
    }

    /// `x` equals the resolved template exactly (wildcards are text: StringEquals).
    pub(in crate::smt::encode) fn exact(&mut self, r: &Resolved, x: T) -> T {
        let terms: Vec<T> = r
            .parts
            .iter()
            .map(|p| match p {
                TPart::Lit(s) => self.t.str(s),
                TPart::Star => self.t.str("*"),
                TPart::Qmark => self.t.str("?"),
                TPart::Term(t) => *t,
            })
            .collect();
        let whole = self.t.concat(terms);
        let e = self.t.eq(x, whole);
        self.t.and([r.ok, e])
    }

    /// The glob match itself.
    pub(in crate::smt::encode) fn glob_parts(&mut self, parts: &[TPart], x: T) -> T {
        let has_star = parts.contains(&TPart::Star);
        let has_qmark = parts.contains(&TPart::Qmark);
        let has_term = parts.iter().any(|p| matches!(p, TPart::Term(_)));
        // Literal subject and literal pattern: decide now.
        if !has_term {
            if let Some(text) = self.t.as_str(x) {
                let model_parts: Vec<Part> = parts
                    .iter()
                    .map(|p| match p {
                        TPart::Lit(s) => Part::Lit(s.clone()),
                        TPart::Star => Part::Star,
                        TPart::Qmark => Part::Qmark,
                        TPart::Term(_) => Part::Star,
                    })
                    .collect();
                let m = crate::model::template::Resolved(model_parts).matches(text, false);
                return self.t.bool(m);
            }
        }
        if !has_star && !has_qmark {
            let terms: Vec<T> = parts.iter().map(|p| self.part_term(p)).collect();
            let whole = self.t.concat(terms);
            return self.t.eq(x, whole);
        }
        if parts == [TPart::Star] {
            return self.t.tt();
        }
        if self.textbook {
            // Every wildcard a regular expression (no word equations, no prefix/suffix forms).
            return if has_term { self.glob_with_terms(parts, x) } else { self.glob_regex(parts, x) };
        }
        self.glob_split(parts, x)
    }

    /// A glob that needs a regular expression or an `str.indexof` chain, as a Boolean `m` with
    /// two definitions:
    /// - `m ⇒ x = L0 ++ s1 ++ L1 ++ … ` (fresh strings for the wildcards, `?` of length 1),
    ///   asserted: a word equation z3 solves in milliseconds;
    /// - `¬m ⇒ ¬(exact form)` (the regular expression or leftmost-match chain), a lazy axiom
    ///   (`Encoder::shapes`): asserted only when a model has `m` false on a matching `x`.
    ///
    /// Together `m ⇔ x matches`, exactly; z3 4.8.12 needs seconds, or times out, on the
    /// regular expression of a pattern like `arn:*:secretsmanager:*:*:secret:Name-*` that the
    /// word equation solves in 4 ms.
    fn glob_split(&mut self, parts: &[TPart], x: T) -> T {
        let key = (parts.to_vec(), x);
        if let Some(m) = self.glob_defs.get(&key) {
            return *m;
        }
        let exact = if parts.iter().any(|p| matches!(p, TPart::Term(_))) {
            self.glob_with_terms(parts, x)
        } else {
            match self.glob_simple(parts, x) {
                Some(simple) => simple,
                None => self.glob_regex(parts, x),
            }
        };
        if self.t.as_bool(exact).is_some() || !self.unsupported.is_empty() {
            return exact;
        }
        let n = self.glob_defs.len();
        let m = self.t.var(&format!("glob.{n}"), Sort::Bool);
        let mut pieces = Vec::new();
        let mut conj = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            match p {
                TPart::Lit(s) => pieces.push(self.t.str(s)),
                TPart::Term(t) => pieces.push(*t),
                TPart::Star => pieces.push(self.t.var(&format!("glob.{n}.{i}"), Sort::Str)),
                TPart::Qmark => {
                    let v = self.t.var(&format!("glob.{n}.{i}"), Sort::Str);
                    let len = self.t.str_len(v);
                    let one = self.t.int(1);
                    conj.push(self.t.eq(len, one));
                    pieces.push(v);
                }
            }
        }
        let split = self.t.concat(pieces);
        conj.push(self.t.eq(x, split));
        let split_ok = self.t.and(conj);
        let pos = self.t.implies(m, split_ok);
        self.axioms.push(pos);
        let nm = self.t.not(m);
        let no = self.t.not(exact);
        let neg = self.t.implies(nm, no);
        self.shapes.push(neg);
        // Inclusions between the globs of one subject, as lemmas (`kms:GenerateDataKey*`
        // matching implies `kms:*` matching): implied by the two exact definitions, so they
        // remove no model, but z3 4.8.12 otherwise needs seconds — or times out — to find them
        // through the word equations (an organization-perimeter key policy: 10 s timeout →
        // 10 ms). In creation order, so the query text is the same on every run.
        let mut others: Vec<(&Vec<TPart>, T)> = self.glob_defs.iter().filter(|((_, y), _)| *y == x).map(|((q, _), o)| (q, *o)).collect();
        others.sort_by_key(|(_, o)| o.0);
        let mut lemmas = Vec::new();
        for (q, o) in others {
            if glob_includes(q, parts) {
                lemmas.push((m, o));
            }
            if glob_includes(parts, q) {
                lemmas.push((o, m));
            }
        }
        for (small, big) in lemmas {
            let l = self.t.implies(small, big);
            self.axioms.push(l);
        }
        self.glob_defs.insert(key, m);
        m
    }

    fn part_term(&mut self, p: &TPart) -> T {
        match p {
            TPart::Lit(s) => self.t.str(s),
            TPart::Term(t) => *t,
            TPart::Star => self.t.str("*"),
            TPart::Qmark => self.t.str("?"),
        }
    }

    /// Wildcard pattern of literal text with wildcards only at its ends: prefix, suffix,
    /// substring.
    fn glob_simple(&mut self, parts: &[TPart], x: T) -> Option<T> {
        if !parts.contains(&TPart::Qmark) {
            match parts {
                [TPart::Lit(p), TPart::Star] => {
                    let pt = self.t.str(p);
                    return Some(self.t.prefix(pt, x));
                }
                [TPart::Star, TPart::Lit(s)] => {
                    let st = self.t.str(s);
                    return Some(self.t.suffix(st, x));
                }
                [TPart::Star, TPart::Lit(m), TPart::Star] => {
                    let mt = self.t.str(m);
                    return Some(self.t.contains(x, mt));
                }
                [TPart::Lit(p), TPart::Star, TPart::Lit(s)] => {
                    let pt = self.t.str(p);
                    let st = self.t.str(s);
                    let a = self.t.prefix(pt, x);
                    let b = self.t.suffix(st, x);
                    let len = self.t.str_len(x);
                    let min = self.t.int((p.chars().count() + s.chars().count()) as i128);
                    let c = self.t.le(min, len);
                    return Some(self.t.and([a, b, c]));
                }
                _ => {}
            }
        }
        None
    }

    /// Wildcard pattern of literal text as a regular expression.
    fn glob_regex(&mut self, parts: &[TPart], x: T) -> T {
        let mut res = Vec::new();
        for p in parts {
            res.push(match p {
                TPart::Lit(s) => self.t.re_lit(s),
                TPart::Star => self.t.re_all(),
                TPart::Qmark => self.t.re_allchar(),
                TPart::Term(_) => self.t.re_all(),
            });
        }
        let re = self.t.re_concat(res);
        self.t.in_re(x, re)
    }

    /// Wildcard pattern with string terms (policy variables): anchored first and last
    /// segments, leftmost matches of the middle segments.
    fn glob_with_terms(&mut self, parts: &[TPart], x: T) -> T {
        let mut segments: Vec<Vec<TPart>> = vec![Vec::new()];
        for p in parts {
            match p {
                TPart::Star => segments.push(Vec::new()),
                other => {
                    if let Some(last) = segments.last_mut() {
                        last.push(other.clone());
                    }
                }
            }
        }
        let len_x = self.t.str_len(x);
        if segments.len() == 1 {
            // No star: the whole string has the segment's length and its parts in place.
            let seg = segments.remove(0);
            let zero = self.t.int(0);
            let (at, seg_len) = self.segment_at(&seg, x, zero);
            let l = self.t.eq(len_x, seg_len);
            return self.t.and([at, l]);
        }
        let first = segments.remove(0);
        let last = segments.pop().unwrap_or_default();
        let zero = self.t.int(0);
        let (first_ok, first_len) = self.segment_at(&first, x, zero);
        let last_len = self.segment_len(&last);
        let neg_last = self.t.mul(-1, last_len);
        let last_start = self.t.add([len_x, neg_last]);
        let (last_ok, _) = self.segment_at(&last, x, last_start);
        let min_len = self.t.add([first_len, last_len]);
        let long_enough = self.t.le(min_len, len_x);
        let mut conj = vec![first_ok, last_ok, long_enough];
        // Middle segments, leftmost occurrence after the previous one (exact for globs).
        let mut pos = first_len;
        for seg in &segments {
            if seg.contains(&TPart::Qmark) {
                // SOUNDNESS: refusal — no leftmost-occurrence function for `?` with a variable.
                self.unsupported("a pattern with `?` and a policy variable between two `*`".into());
                return self.t.ff();
            }
            let terms: Vec<T> = seg.iter().map(|p| self.part_term(p)).collect();
            let needle = self.t.concat(terms);
            let idx = self.t.indexof(x, needle, pos);
            let zero = self.t.int(0);
            let found = self.t.le(zero, idx);
            conj.push(found);
            let nlen = self.t.str_len(needle);
            pos = self.t.add([idx, nlen]);
        }
        let fits = self.t.le(pos, last_start);
        conj.push(fits);
        self.t.and(conj)
    }

    /// Length of a star-free segment.
    fn segment_len(&mut self, seg: &[TPart]) -> T {
        let mut items = Vec::new();
        for p in seg {
            items.push(match p {
                TPart::Lit(s) => self.t.int(s.chars().count() as i128),
                TPart::Qmark => self.t.int(1),
                TPart::Term(t) => self.t.str_len(*t),
                TPart::Star => self.t.int(0),
            });
        }
        self.t.add(items)
    }

    /// A star-free segment placed at offset `at` of `x`: (its parts are there, its length).
    fn segment_at(&mut self, seg: &[TPart], x: T, at: T) -> (T, T) {
        let total = self.segment_len(seg);
        // Without `?`, the segment is one string: a prefix/suffix/substring equality.
        if !seg.contains(&TPart::Qmark) {
            let terms: Vec<T> = seg.iter().map(|p| self.part_term(p)).collect();
            let s = self.t.concat(terms);
            if self.t.as_int(at) == Some(0) {
                let p = self.t.prefix(s, x);
                return (p, total);
            }
            let sub = self.t.substr(x, at, total);
            let e = self.t.eq(sub, s);
            return (e, total);
        }
        let mut conj = Vec::new();
        let mut off = at;
        for p in seg {
            match p {
                TPart::Qmark => {
                    let one = self.t.int(1);
                    off = self.t.add([off, one]);
                }
                TPart::Lit(_) | TPart::Term(_) => {
                    let piece = self.part_term(p);
                    let plen = self.t.str_len(piece);
                    let sub = self.t.substr(x, off, plen);
                    conj.push(self.t.eq(sub, piece));
                    off = self.t.add([off, plen]);
                }
                TPart::Star => {}
            }
        }
        // The whole segment lies inside x.
        let end = self.t.add([at, total]);
        let len_x = self.t.str_len(x);
        conj.push(self.t.le(end, len_x));
        let zero = self.t.int(0);
        conj.push(self.t.le(zero, at));
        (self.t.and(conj), total)
    }
}

/// Does every string `small` matches also match `big`? Both literal-only globs; a sufficient
/// test (each token of `small` absorbed by `big`: a `*` only by a `*`, a `?` by a `?` or a `*`, a
/// character by itself, a `?` or a `*`), which is all a lemma needs: `false` only loses the
/// lemma. Globs with policy-variable terms are never compared.
pub(super) fn glob_includes(big: &[TPart], small: &[TPart]) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Tok {
        Ch(char),
        One,
        Any,
    }
    let toks = |parts: &[TPart]| -> Option<Vec<Tok>> {
        let mut out = Vec::new();
        for p in parts {
            match p {
                TPart::Lit(s) => out.extend(s.chars().map(Tok::Ch)),
                TPart::Qmark => out.push(Tok::One),
                TPart::Star => out.push(Tok::Any),
                TPart::Term(_) => return None,
            }
        }
        Some(out)
    };
    let (Some(b), Some(a)) = (toks(big), toks(small)) else { return false };
    if a.len().saturating_mul(b.len()) > 1 << 16 {
        return false;
    }
    // ok[i][j]: small[i..] is included in big[j..].
    let mut ok = vec![vec![false; b.len() + 1]; a.len() + 1];
    for i in (0..=a.len()).rev() {
        for j in (0..=b.len()).rev() {
            ok[i][j] = if j == b.len() {
                i == a.len()
            } else if b[j] == Tok::Any {
                ok[i][j + 1] || (i < a.len() && ok[i + 1][j])
            } else if i == a.len() {
                false
            } else {
                match (a[i], b[j]) {
                    (Tok::Ch(x), Tok::Ch(y)) => x == y && ok[i + 1][j + 1],
                    (Tok::Ch(_) | Tok::One, Tok::One) => ok[i + 1][j + 1],
                    _ => false,
                }
            };
        }
    }
    ok[0][0]
}

#[cfg(test)]
mod inclusion {
    use super::glob_includes;
    use crate::smt::encode::TPart;

    fn g(s: &str) -> Vec<TPart> {
        let mut out = Vec::new();
        for c in s.chars() {
            match c {
                '*' => out.push(TPart::Star),
                '?' => out.push(TPart::Qmark),
                c => match out.last_mut() {
                    Some(TPart::Lit(l)) => l.push(c),
                    _ => out.push(TPart::Lit(c.to_string())),
                },
            }
        }
        out
    }

    #[test]
    fn glob_inclusion_is_sound_on_examples() {
        for (big, small) in
            [("kms:*", "kms:generatedatakey*"), ("*", "a?b*"), ("a*c", "ab*c"), ("a?c", "abc"), ("*x*", "a*x*b"), ("a*", "a*")]
        {
            assert!(glob_includes(&g(big), &g(small)), "{big} ⊇ {small}");
        }
        for (big, small) in [("kms:generatedatakey*", "kms:*"), ("a?c", "a*c"), ("abc", "a?c"), ("a*b", "a*"), ("x*", "y*")] {
            assert!(!glob_includes(&g(big), &g(small)), "{big} ⊉ {small}");
        }
    }
}
