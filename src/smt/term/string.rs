//! String functions of the term language (concatenation, length, prefix, suffix, contains,
//! index-of, substring), folding on literals and distributing over `ite` subjects so literal
//! branches stay foldable.

use super::{Node, Sort, Terms, T};

impl Terms {
    // ---- strings ----

    pub fn concat(&mut self, items: impl IntoIterator<Item = T>) -> T {
        let mut out: Vec<T> = Vec::new();
        let mut flat = Vec::new();
        for t in items {
            match self.node(t) {
                Node::Concat(xs) => flat.extend(xs.iter().copied()),
                _ => flat.push(t),
            }
        }
        for t in flat {
            if let Some(s) = self.as_str(t) {
                if s.is_empty() {
                    continue;
                }
                if let Some(last) = out.last().copied() {
                    if let Some(prev) = self.as_str(last) {
                        let joined = format!("{prev}{s}");
                        out.pop();
                        let j = self.str(&joined);
                        out.push(j);
                        continue;
                    }
                }
            }
            out.push(t);
        }
        match out.len() {
            0 => self.str(""),
            1 => out[0],
            _ => self.intern(Node::Concat(out), Sort::Str),
        }
    }

    pub fn str_len(&mut self, s: T) -> T {
        match self.node(s) {
            Node::Str(x) => {
                let n = x.chars().count() as i128;
                self.int(n)
            }
            _ => self.intern(Node::Len(s), Sort::Int),
        }
    }

    /// `p` is a prefix of `s`.
    pub fn prefix(&mut self, p: T, s: T) -> T {
        if self.as_str(p).is_some() {
            if let Some(r) = self.distribute(s, &mut |t, x| t.prefix(p, x)) {
                return r;
            }
        }
        match (self.node(p), self.node(s)) {
            (Node::Str(a), _) if a.is_empty() => self.tt(),
            (Node::Str(a), Node::Str(b)) => {
                let r = b.starts_with(a.as_str());
                self.bool(r)
            }
            (Node::Str(a), Node::Concat(parts)) => {
                if let Some(first) = parts.first().and_then(|f| self.as_str(*f)) {
                    let (a, first) = (a.clone(), first.to_string());
                    if first.starts_with(&a) {
                        return self.tt();
                    }
                    if !a.starts_with(&first) {
                        return self.ff();
                    }
                }
                self.intern(Node::Prefix(p, s), Sort::Bool)
            }
            _ if p == s => self.tt(),
            _ => self.intern(Node::Prefix(p, s), Sort::Bool),
        }
    }

    /// `x` is a suffix of `s`.
    pub fn suffix(&mut self, x: T, s: T) -> T {
        if self.as_str(x).is_some() {
            if let Some(r) = self.distribute(s, &mut |t, y| t.suffix(x, y)) {
                return r;
            }
        }
        match (self.node(x), self.node(s)) {
            (Node::Str(a), _) if a.is_empty() => self.tt(),
            (Node::Str(a), Node::Str(b)) => {
                let r = b.ends_with(a.as_str());
                self.bool(r)
            }
            (Node::Str(a), Node::Concat(parts)) => {
                if let Some(last) = parts.last().and_then(|f| self.as_str(*f)) {
                    let (a, last) = (a.clone(), last.to_string());
                    if last.ends_with(&a) {
                        return self.tt();
                    }
                    if !a.ends_with(&last) {
                        return self.ff();
                    }
                }
                self.intern(Node::Suffix(x, s), Sort::Bool)
            }
            _ if x == s => self.tt(),
            _ => self.intern(Node::Suffix(x, s), Sort::Bool),
        }
    }

    /// `s` contains `x`.
    pub fn contains(&mut self, s: T, x: T) -> T {
        if self.as_str(x).is_some() {
            if let Some(r) = self.distribute(s, &mut |t, y| t.contains(y, x)) {
                return r;
            }
        }
        match (self.node(s), self.node(x)) {
            (_, Node::Str(a)) if a.is_empty() => self.tt(),
            (Node::Str(a), Node::Str(b)) => {
                let r = a.contains(b.as_str());
                self.bool(r)
            }
            _ => self.intern(Node::Contains(s, x), Sort::Bool),
        }
    }

    /// First index of `x` in `s` at or after `start` (-1 when absent).
    pub fn indexof(&mut self, s: T, x: T, start: T) -> T {
        if let (Some(a), Some(b), Some(i)) = (self.as_str(s), self.as_str(x), self.as_int(start)) {
            let chars: Vec<char> = a.chars().collect();
            let pat: Vec<char> = b.chars().collect();
            let r = if i < 0 || i as usize > chars.len() {
                -1
            } else {
                (i as usize..=chars.len().saturating_sub(pat.len()).max(i as usize))
                    .find(|&k| k + pat.len() <= chars.len() && chars[k..k + pat.len()] == pat[..])
                    .map(|k| k as i128)
                    .unwrap_or(-1)
            };
            return self.int(r);
        }
        self.intern(Node::IndexOf(s, x, start), Sort::Int)
    }

    pub fn substr(&mut self, s: T, off: T, len: T) -> T {
        self.intern(Node::Substr(s, off, len), Sort::Str)
    }
}
