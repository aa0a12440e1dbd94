//! Matching ignoring ASCII case: StringEqualsIgnoreCase (and the Bool operator's `true`/
//! `false`) over a condition value, and action patterns over action names.
//!
//! A literal of more than `SHORT` characters is compared character by character: the string
//! is split into one-character variables, shared by every literal of its length compared with
//! it, and each variable is one of the character's two cases. A shorter literal is a regular
//! expression (`[aA][bB]…`). z3 4.8.12 solves the split in tens of milliseconds whatever the
//! length; the regular expression costs about as much at 8 characters, 0.8 s at 32, 2.5 s at
//! 48 and times out at 64 (a 96-character Nitro Enclaves image digest; `encodings/patterns.md`).

use crate::smt::encode::{Encoder, Resolved, TPart};
use crate::smt::term::{Sort, T};

/// Literals up to this many characters are matched by a regular expression.
const SHORT: usize = 8;

impl Encoder {
    /// `x` equals the template ignoring ASCII case (StringEqualsIgnoreCase).
    pub(in crate::smt::encode) fn exact_ignore_case(&mut self, r: &Resolved, x: T) -> T {
        let mut text = String::new();
        for p in &r.parts {
            match p {
                TPart::Lit(s) => text.push_str(s),
                // Wildcards are literal characters of an exact comparison.
                TPart::Star => text.push('*'),
                TPart::Qmark => text.push('?'),
                TPart::Term(_) => {
                    // SOUNDNESS: refusal — z3 4.8.12 has no complete lower-casing of a term.
                    self.unsupported("StringEqualsIgnoreCase with a policy variable".into());
                    return self.t.ff();
                }
            }
        }
        let m = if let Some(value) = self.t.as_str(x) {
            let same = value.eq_ignore_ascii_case(&text);
            self.t.bool(same)
        } else if !text.chars().any(|c| c.is_ascii_alphabetic()) {
            let lit = self.t.str(&text);
            self.t.eq(x, lit)
        } else if self.textbook || text.chars().count() <= SHORT {
            let re = self.caseless_re(&text);
            self.t.in_re(x, re)
        } else {
            self.caseless_chars(&text, x)
        };
        self.t.and([r.ok, m])
    }

    /// `x` equals `text` ignoring ASCII case, character by character: when `x` has the length
    /// of `text`, `x = c0 ++ c1 ++ …` with one-character variables (an axiom that removes no
    /// model: every string of that length splits so, in exactly one way), and the match is
    /// "that length, and each `ci` is one of the two cases of character i". Exact under
    /// negation too, and one split per (string, length) serves every literal of that length,
    /// so two literals compared with one key share their variables.
    fn caseless_chars(&mut self, text: &str, x: T) -> T {
        let n = text.chars().count();
        let chars = match self.caseless_splits.get(&(x, n)) {
            Some(chars) => chars.clone(),
            None => {
                let k = self.caseless_splits.len();
                let one = self.t.int(1);
                let mut chars = Vec::with_capacity(n);
                let mut split = Vec::with_capacity(n + 1);
                for i in 0..n {
                    let c = self.t.var(&format!("fold.{k}.{i}"), Sort::Str);
                    let len = self.t.str_len(c);
                    split.push(self.t.eq(len, one));
                    chars.push(c);
                }
                let whole = self.t.concat(chars.iter().copied());
                split.push(self.t.eq(x, whole));
                let split = self.t.and(split);
                let has_len = self.has_length(x, n);
                let axiom = self.t.implies(has_len, split);
                self.axioms.push(axiom);
                self.caseless_splits.insert((x, n), chars.clone());
                chars
            }
        };
        let mut conj = vec![self.has_length(x, n)];
        for (c, ch) in chars.iter().zip(text.chars()) {
            let lo = self.t.str(&ch.to_ascii_lowercase().to_string());
            let is_lo = self.t.eq(*c, lo);
            if ch.is_ascii_alphabetic() {
                let hi = self.t.str(&ch.to_ascii_uppercase().to_string());
                let is_hi = self.t.eq(*c, hi);
                conj.push(self.t.or([is_lo, is_hi]));
            } else {
                conj.push(is_lo);
            }
        }
        self.t.and(conj)
    }

    fn has_length(&mut self, x: T, n: usize) -> T {
        let len = self.t.str_len(x);
        let n = self.t.int(n as i128);
        self.t.eq(len, n)
    }

    /// `x` matches the glob ignoring ASCII case (actions; the pattern is literal text).
    pub(in crate::smt::encode) fn glob_ignore_case(&mut self, parts: &[TPart], x: T) -> T {
        let lowered: Vec<TPart> = parts
            .iter()
            .map(|p| match p {
                TPart::Lit(s) => TPart::Lit(s.to_ascii_lowercase()),
                other => other.clone(),
            })
            .collect();
        if let Some(text) = self.t.as_str(x) {
            let text = text.to_ascii_lowercase();
            let xt = self.t.str(&text);
            return self.glob_parts(&lowered, xt);
        }
        self.glob_parts(&lowered, x)
    }

    fn caseless_re(&mut self, s: &str) -> T {
        let mut items = Vec::new();
        for c in s.chars() {
            if c.is_ascii_alphabetic() {
                let lo = self.t.re_lit(&c.to_ascii_lowercase().to_string());
                let hi = self.t.re_lit(&c.to_ascii_uppercase().to_string());
                items.push(self.t.re_union([lo, hi]));
            } else {
                items.push(self.t.re_lit(&c.to_string()));
            }
        }
        self.t.re_concat(items)
    }
}
