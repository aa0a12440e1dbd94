//! Regular expressions of the term language: the constructors (folding unions, concatenations
//! and stars) and `in_re`, which decides the membership of a literal string here instead of in
//! the solver. The matcher computes the set of end positions reachable from each start
//! position (no backtracking blow-up).

use super::{Node, Sort, Terms, T};
use std::collections::BTreeSet;

impl Terms {
    pub fn in_re(&mut self, s: T, re: T) -> T {
        if let Some(r) = self.distribute(s, &mut |t, y| t.in_re(y, re)) {
            return r;
        }
        match self.node(re) {
            Node::ReAll => return self.tt(),
            Node::ReNone => return self.ff(),
            Node::ReLit(l) => {
                let l = l.clone();
                let lit = self.str(&l);
                return self.eq(s, lit);
            }
            _ => {}
        }
        if let Some(text) = self.as_str(s) {
            let text: Vec<char> = text.chars().collect();
            let r = matches(self, re, &text);
            return self.bool(r);
        }
        self.intern(Node::InRe(s, re), Sort::Bool)
    }

    // ---- regular expressions ----

    pub fn re_lit(&mut self, s: &str) -> T {
        self.intern(Node::ReLit(s.to_string()), Sort::Re)
    }

    pub fn re_all(&mut self) -> T {
        self.intern(Node::ReAll, Sort::Re)
    }

    pub fn re_none(&mut self) -> T {
        self.intern(Node::ReNone, Sort::Re)
    }

    pub fn re_allchar(&mut self) -> T {
        self.intern(Node::ReAllChar, Sort::Re)
    }

    pub fn re_range(&mut self, lo: char, hi: char) -> T {
        self.intern(Node::ReRange(lo, hi), Sort::Re)
    }

    pub fn re_star(&mut self, r: T) -> T {
        match self.node(r) {
            Node::ReAllChar | Node::ReAll => self.re_all(),
            Node::ReStar(_) => r,
            _ => self.intern(Node::ReStar(r), Sort::Re),
        }
    }

    pub fn re_loop(&mut self, r: T, lo: u32, hi: u32) -> T {
        self.intern(Node::ReLoop(r, lo, hi), Sort::Re)
    }

    pub fn re_concat(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut out: Vec<T> = Vec::new();
        for t in items {
            let n = self.node(t).clone();
            match n {
                Node::ReConcat(xs) => out.extend(xs),
                Node::ReLit(s) if s.is_empty() => {}
                Node::ReNone => return self.re_none(),
                Node::ReLit(s) => {
                    if let Some(Node::ReLit(prev)) = out.last().map(|l| self.node(*l).clone()) {
                        out.pop();
                        let j = self.re_lit(&format!("{prev}{s}"));
                        out.push(j);
                    } else {
                        out.push(t);
                    }
                }
                Node::ReAll => {
                    if out.last().map(|l| self.node(*l) == &Node::ReAll) != Some(true) {
                        out.push(t);
                    }
                }
                _ => out.push(t),
            }
        }
        match out.len() {
            0 => self.re_lit(""),
            1 => out[0],
            _ => self.intern(Node::ReConcat(out), Sort::Re),
        }
    }

    pub fn re_union(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut out: Vec<T> = Vec::new();
        for t in items {
            match self.node(t) {
                Node::ReNone => {}
                Node::ReAll => return t,
                Node::ReUnion(xs) => out.extend(xs.iter().copied()),
                _ => out.push(t),
            }
        }
        out.sort();
        out.dedup();
        match out.len() {
            0 => self.re_none(),
            1 => out[0],
            _ => self.intern(Node::ReUnion(out), Sort::Re),
        }
    }

    /// Does the literal `text` belong to the regular expression `re`? (`in_re` on literals and
    /// the ground evaluator use it.)
    pub fn re_matches(&self, re: T, text: &[char]) -> bool {
        matches(self, re, text)
    }
}

fn matches(terms: &Terms, re: T, text: &[char]) -> bool {
    ends(terms, re, text, 0).contains(&text.len())
}

fn ends(terms: &Terms, re: T, text: &[char], start: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    match terms.node(re) {
        Node::ReLit(s) => {
            let chars: Vec<char> = s.chars().collect();
            if text.len() >= start + chars.len() && text[start..start + chars.len()] == chars[..] {
                out.insert(start + chars.len());
            }
        }
        Node::ReAllChar if start < text.len() => {
            out.insert(start + 1);
        }
        Node::ReRange(lo, hi) if start < text.len() && *lo <= text[start] && text[start] <= *hi => {
            out.insert(start + 1);
        }
        Node::ReAllChar | Node::ReRange(..) => {}
        Node::ReAll => {
            out.extend(start..=text.len());
        }
        Node::ReNone => {}
        Node::ReConcat(parts) => {
            let mut cur: BTreeSet<usize> = [start].into_iter().collect();
            for p in parts {
                let mut next = BTreeSet::new();
                for &s in &cur {
                    next.extend(ends(terms, *p, text, s));
                }
                cur = next;
                if cur.is_empty() {
                    break;
                }
            }
            out = cur;
        }
        Node::ReUnion(parts) => {
            for p in parts {
                out.extend(ends(terms, *p, text, start));
            }
        }
        Node::ReStar(inner) => {
            out = closure(terms, *inner, text, [start].into_iter().collect(), 0, u32::MAX);
        }
        Node::ReLoop(inner, lo, hi) => {
            out = closure(terms, *inner, text, [start].into_iter().collect(), *lo, *hi);
        }
        _ => {}
    }
    out
}

/// Positions reachable by repeating `inner` between `lo` and `hi` times.
fn closure(terms: &Terms, inner: T, text: &[char], start: BTreeSet<usize>, lo: u32, hi: u32) -> BTreeSet<usize> {
    let mut result = BTreeSet::new();
    let mut frontier = start;
    let mut seen_at_count: Vec<BTreeSet<usize>> = Vec::new();
    let mut count = 0u32;
    loop {
        if count >= lo {
            result.extend(frontier.iter().copied());
        }
        if count >= hi || frontier.is_empty() {
            break;
        }
        let mut next = BTreeSet::new();
        for &s in &frontier {
            next.extend(ends(terms, inner, text, s));
        }
        // Once past the minimum, positions already reached add nothing new.
        if count >= lo {
            next.retain(|p| !result.contains(p));
        }
        if seen_at_count.contains(&next) && count >= lo {
            break;
        }
        seen_at_count.push(next.clone());
        frontier = next;
        count += 1;
        if count > text.len() as u32 + lo + 1 {
            break;
        }
    }
    result
}
