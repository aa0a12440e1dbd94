//! The textbook whole-string encoding, kept for ablation only (`--encoding baseline`): the
//! request's action and resource are each one string variable, and every wildcard pattern over
//! them (Action/NotAction, Resource/NotResource with ARN patterns) is a regular-expression
//! membership, as in the published string-solver encodings of IAM policies. The default
//! encoding instead folds action patterns against a finite list of named actions, matches ARN
//! patterns segment by segment and turns globs into word equations (`pattern.rs`). Both state
//! the same semantics; a `corpus compare` of the two runs, and the differential test of the
//! textbook encoding against the evaluator (tests/differential.rs), check that they agree.

use crate::model::condition::ArnPattern;
use crate::smt::encode::request::{join_arn, named_list, ActionRep};
use crate::smt::encode::{Encoder, TPart};
use crate::smt::term::{Sort, T};

impl Encoder {
    /// The action as one string: one of `named` (case-insensitively), or — when `free` is
    /// `Some(service)` — any action-shaped string (of `service` when given). The index into
    /// `named` is a function of the string, kept only so the decoder reads it like the default
    /// encoding's: index `named.len()` means "none of the named actions", so the free action
    /// is always distinct from them here (`sym_action`'s `distinct` needs no separate case).
    pub(in crate::smt::encode) fn textbook_action(
        &mut self,
        req_prefix: &str,
        named: &[String],
        free: Option<Option<String>>,
    ) -> ActionRep {
        let list = named_list(named);
        let text = self.t.var(&format!("{req_prefix}action.text"), Sort::Str);
        let idx = self.t.var(&format!("{req_prefix}action"), Sort::Int);
        let n = list.len() as i128;
        let mut chain = self.t.int(n);
        let mut is_named = Vec::new();
        for (i, (lower, _)) in list.iter().enumerate().rev() {
            let lit = self.t.str(lower);
            let same = self.t.eq(text, lit);
            is_named.push(same);
            let ii = self.t.int(i as i128);
            chain = self.t.ite(same, ii, chain);
        }
        let def = self.t.eq(idx, chain);
        self.axioms.push(def);
        match &free {
            None => {
                let domain = self.t.or(is_named);
                self.axioms.push(domain);
            }
            Some(svc) => {
                let nn = self.t.int(n);
                let is_free = self.t.eq(idx, nn);
                let word = self.action_word(text, svc.as_deref());
                let ax = self.t.implies(is_free, word);
                self.axioms.push(ax);
            }
        }
        ActionRep::Sym { idx, named: list, free: free.map(|svc| (text, svc)), text: Some(text) }
    }

    /// The resource as one string `text`: the six segments joined by `:` when it splits, else
    /// the unsplit string. Patterns match `text`; the segments serve the keys a request
    /// derives from its resource (aws:ResourceAccount, …) and policy variables in ARN patterns.
    pub(in crate::smt::encode) fn textbook_resource_text(&mut self, req_prefix: &str, split: T, segs: &[T; 6], whole: T) -> T {
        let text = self.t.var(&format!("{req_prefix}resource.text"), Sort::Str);
        let joined = join_arn(&mut self.t, segs);
        let a = self.t.eq(text, joined);
        let b = self.t.eq(text, whole);
        let when_split = self.t.implies(split, a);
        let ns = self.t.not(split);
        let when_not = self.t.implies(ns, b);
        self.axioms.push(when_split);
        self.axioms.push(when_not);
        text
    }

    /// An ARN pattern without policy variables as one regular expression over the whole
    /// resource string: in the first five segments `*` and `?` stay inside the segment
    /// (`[^:]*`, `[^:]`), in the sixth they match anything. A string matches it exactly when
    /// it splits into six segments that match the pattern's segments (the first five colons of
    /// a match are the pattern's separators). `None` for a pattern with variables.
    pub(in crate::smt::encode) fn arn_regex(&mut self, req: usize, p: &ArnPattern) -> Option<T> {
        if p.segments.iter().any(|t| t.variables().next().is_some()) {
            return None;
        }
        if p.segments.len() != 6 {
            return Some(self.t.re_none());
        }
        let mut items = Vec::new();
        for (i, tpl) in p.segments.iter().enumerate() {
            if i > 0 {
                items.push(self.t.re_lit(":"));
            }
            let last = i == 5;
            let r = self.resolve(req, tpl);
            for part in &r.parts {
                let re = match part {
                    TPart::Lit(s) => self.t.re_lit(s),
                    TPart::Star if last => self.t.re_all(),
                    TPart::Qmark if last => self.t.re_allchar(),
                    TPart::Star => {
                        let c = self.not_colon_re();
                        self.t.re_star(c)
                    }
                    TPart::Qmark => self.not_colon_re(),
                    TPart::Term(_) => return None,
                };
                items.push(re);
            }
        }
        Some(self.t.re_concat(items))
    }
}

#[cfg(test)]
mod tests {
    use crate::smt::encode::request::{ActionRep, ResourceRep};
    use crate::smt::encode::Encoder;
    use crate::smt::options::Encoding;

    fn arn(p: &str) -> crate::model::condition::ArnPattern {
        crate::model::condition::parse_arn_pattern(p, true).expect("ARN pattern")
    }

    #[test]
    fn arn_regex_keeps_wildcards_inside_segments() {
        let mut enc = Encoder::new([], Encoding::Default);
        let r = enc.add_request(
            ActionRep::Const { canonical: "kms:decrypt".into(), display: "kms:Decrypt".into() },
            ResourceRep::Lit(String::new()),
        );
        let re = enc.arn_regex(r, &arn("arn:aws:kms:*:111122223333:key/*")).expect("literal pattern");
        let cases = [
            ("arn:aws:kms:us-east-1:111122223333:key/abc", true),
            ("arn:aws:kms::111122223333:key/a:b", true),
            ("arn:aws:kms:us:east:111122223333:key/abc", false),
            ("arn:aws:kms:us-east-1:111122223333", false),
        ];
        for (s, want) in cases {
            let lit = enc.t.str(s);
            let m = enc.t.in_re(lit, re);
            assert_eq!(enc.t.as_bool(m), Some(want), "{s}");
            let segs = crate::model::value::arn_segments(s);
            let by_segments = segs.is_some_and(|segs| {
                arn("arn:aws:kms:*:111122223333:key/*")
                    .segments
                    .iter()
                    .zip(segs.iter())
                    .all(|(t, v)| t.resolve(&|_| None).is_some_and(|r| r.matches(v, false)))
            });
            assert_eq!(by_segments, want, "segment semantics of {s}");
        }
        assert!(enc.arn_regex(r, &arn("arn:aws:kms:*:${aws:PrincipalAccount}:key/*")).is_none());
    }
}
