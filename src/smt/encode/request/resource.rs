//! The symbolic resource: a literal, or a symbolic ARN (`SymArn`: six segment strings when the
//! resource has five colons or more, one string otherwise) with its shape axioms; the views the
//! decision reads (the whole string, the segments, the owning account); and the constraints of
//! a `ResourceSpec` — a fixed resource, any resource, or a key ARN
//! `arn:P:kms:R:A:key/ID` that may have to be a key the policies do not name (an *arbitrary*
//! key, CONTROLS.md "Shared vocabulary").

use super::{arn_owner, ResourceRep, SymArn};
use crate::model::named::Named;
use crate::model::request_spec::ResourceSpec;
use crate::model::value::arn_segments;
use crate::smt::encode::Encoder;
use crate::smt::readable::Role;
use crate::smt::term::{Sort, T};

/// The names of the six ARN segment variables, in order (by role where they have one).
fn segment_names() -> [&'static str; 6] {
    [Role::ArnPrefix.suffix(), Role::Partition.suffix(), "service", Role::Region.suffix(), Role::Account.suffix(), "resource"]
}

impl Encoder {
    /// A fresh symbolic ARN named `{prefix}split`, `{prefix}arn` … `{prefix}whole`, with its
    /// shape axioms: when it splits, its first five segments have no colon; when it does not,
    /// the whole string has at most four colons.
    pub(in crate::smt::encode) fn sym_arn(&mut self, prefix: &str) -> SymArn {
        let split = self.t.var(&format!("{prefix}split"), Sort::Bool);
        let segs = segment_names().map(|n| self.t.var(&format!("{prefix}{n}"), Sort::Str));
        let whole = self.t.var(&format!("{prefix}whole"), Sort::Str);
        let (split_ok, whole_ok) = self.split_axioms(&segs, whole);
        let a = self.t.implies(split, split_ok);
        let ns = self.t.not(split);
        let b = self.t.implies(ns, whole_ok);
        self.shapes.push(a);
        self.shapes.push(b);
        SymArn { split, segs, whole }
    }

    /// A symbolic resource with its structural axioms.
    pub(in crate::smt::encode) fn sym_resource(&mut self, req_prefix: &str) -> ResourceRep {
        let arn = self.sym_arn(&format!("{req_prefix}resource."));
        let text = self.textbook.then(|| self.textbook_resource_text(req_prefix, arn.split, &arn.segs, arn.whole));
        ResourceRep::Sym { arn, text }
    }

    /// (segments 1–5 contain no colon, `whole` has fewer than five colons).
    fn split_axioms(&mut self, segs: &[T; 6], whole: T) -> (T, T) {
        let colon = self.t.str(":");
        let mut no_colon = Vec::new();
        for s in &segs[..5] {
            let c = self.t.contains(*s, colon);
            no_colon.push(self.t.not(c));
        }
        let split_ok = self.t.and(no_colon);
        let at_most_four = self.at_most_four_colons_re();
        let whole_ok = self.t.in_re(whole, at_most_four);
        (split_ok, whole_ok)
    }

    /// Strings with at most four colons, as a positive regex (`[^:]*(:[^:]*)?` four times):
    /// z3 4.8.12 handles it far better than the complement of "five colons".
    fn at_most_four_colons_re(&mut self) -> T {
        let not_colon = self.not_colon_re();
        let run = self.t.re_star(not_colon);
        let colon = self.t.re_lit(":");
        let more = self.t.re_concat([colon, run]);
        let empty = self.t.re_lit("");
        let opt = self.t.re_union([empty, more]);
        self.t.re_concat([run, opt, opt, opt, opt])
    }

    /// Any one character but `:`.
    pub(in crate::smt::encode) fn not_colon_re(&mut self) -> T {
        // SOUNDNESS: z3's alphabet ends at U+2FFFF; strings with later characters are outside
        // every query (under-approximation, encodings/README.md).
        let below = self.t.re_range('\u{0}', '9');
        let above = self.t.re_range(';', '\u{2ffff}');
        self.t.re_union([below, above])
    }

    /// The resource as one string.
    pub(in crate::smt::encode) fn resource_term(&mut self, req: usize) -> T {
        match self.requests[req].resource.clone() {
            ResourceRep::Lit(s) => self.t.str(&s),
            ResourceRep::Sym { text: Some(text), .. } => text,
            ResourceRep::Sym { arn, text: None } => arn.text(&mut self.t),
        }
    }

    /// (resource has five colons, its six segments) — `arn_segments` semantics.
    pub(in crate::smt::encode) fn resource_segs(&mut self, req: usize) -> (T, [T; 6]) {
        match self.requests[req].resource.clone() {
            ResourceRep::Lit(s) => match arn_segments(&s) {
                Some(segs) => {
                    let tt = self.t.tt();
                    (tt, segs.map(|x| self.t.str(x)))
                }
                None => {
                    let ff = self.t.ff();
                    let e = self.t.str("");
                    (ff, [e; 6])
                }
            },
            ResourceRep::Sym { arn, .. } => (arn.split, arn.segs),
        }
    }

    /// The account that owns the resource, `Arn::parse` semantics: (has one, the account).
    pub(in crate::smt::encode) fn resource_account(&mut self, req: usize) -> (T, T) {
        let (split, segs) = self.resource_segs(req);
        arn_owner(&mut self.t, split, &segs)
    }

    /// The resource of request `prefix` of a spec, and its constraints.
    pub(in crate::smt::encode) fn resource_spec(&mut self, prefix: &str, spec: &ResourceSpec, named: &Named) -> (ResourceRep, Vec<T>) {
        match spec {
            ResourceSpec::Fixed(s) => (ResourceRep::Lit(s.clone()), vec![]),
            ResourceSpec::Any => (self.sym_resource(prefix), vec![]),
            ResourceSpec::Key { account, region, arbitrary } => {
                let mut out = Vec::new();
                let t = &mut self.t;
                let arn = t.str("arn");
                let kms = t.str("kms");
                let part = t.var(&format!("{prefix}resource.{}", Role::Partition.suffix()), Sort::Str);
                let reg = match region {
                    Some(r) => t.str(r),
                    None => t.var(&format!("{prefix}resource.{}", Role::Region.suffix()), Sort::Str),
                };
                let acct = match account {
                    Some(a) => t.str(a),
                    None => t.var(&format!("{prefix}resource.{}", Role::Account.suffix()), Sort::Str),
                };
                let id = t.var(&format!("{prefix}resource.{}", Role::KeyId.suffix()), Sort::Str);
                let key_pre = t.str("key/");
                let res = t.concat([key_pre, id]);
                let colon = t.str(":");
                let slash = t.str("/");
                let empty = t.str("");
                // The segments' shapes are axioms the solver gets lazily (`Encoder::shapes`).
                let mut shapes = Vec::new();
                for v in [part, reg, acct] {
                    if t.as_str(v).is_none() {
                        let c = t.contains(v, colon);
                        shapes.push(t.not(c));
                        shapes.push(t.ne(v, empty));
                    }
                }
                let c = t.contains(id, colon);
                shapes.push(t.not(c));
                let s = t.contains(id, slash);
                shapes.push(t.not(s));
                shapes.push(t.ne(id, empty));
                if account.is_none() {
                    let digit = t.re_range('0', '9');
                    let digits = t.re_star(digit);
                    shapes.push(t.in_re(acct, digits));
                    let len = t.str_len(acct);
                    let twelve = t.int(12);
                    shapes.push(t.eq(len, twelve));
                }
                self.shapes.extend(shapes);
                let segs = [arn, part, kms, reg, acct, res];
                if *arbitrary {
                    for named_arn in named.arns().collect::<Vec<_>>() {
                        let eqs: Vec<T> = segs
                            .iter()
                            .zip(named_arn.iter())
                            .map(|(s, l)| {
                                let lt = self.t.str(l);
                                self.t.eq(*s, lt)
                            })
                            .collect();
                        let same = self.t.and(eqs);
                        out.push(self.t.not(same));
                    }
                }
                let tt = self.t.tt();
                let text = self.textbook.then(|| self.textbook_resource_text(prefix, tt, &segs, empty));
                (ResourceRep::Sym { arn: SymArn { split: tt, segs, whole: empty }, text }, out)
            }
        }
    }
}
