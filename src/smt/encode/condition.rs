//! Condition clauses as constraints, mirroring `crate::eval::condition` case for case: absent
//! keys (negated operators and IfExists hold, positive operators fail, ForAllValues holds,
//! ForAnyValue fails), set operators over the key's value slots, values ORed (negated: matches
//! none), a plain operator on a present multivalued key never matching, and each family's
//! comparison on the value's typed view.

use crate::model::condition::{ArnPattern, BaseOp, Clause, ConditionValue, SetOp, StrMatch};
use crate::model::keys::is_multi_valued;
use crate::smt::encode::request::Slot;
use crate::smt::encode::{Encoder, Resolved, TPart};
use crate::smt::term::T;

impl Encoder {
    /// The clause holds for request `req`.
    pub(in crate::smt::encode) fn clause(&mut self, req: usize, c: &Clause) -> T {
        if let Some(t) = self.clause_terms.get(&(req, c.clone())) {
            return *t;
        }
        let t = self.clause_uncached(req, c);
        self.clause_terms.insert((req, c.clone()), t);
        t
    }

    fn clause_uncached(&mut self, req: usize, c: &Clause) -> T {
        let op = c.operator;
        let base = op.base;
        let rep = self.key(req, &c.key);
        if base == BaseOp::Null {
            let mut alts = Vec::new();
            for v in &c.values {
                if let ConditionValue::Null(want_absent) = v {
                    alts.push(if *want_absent { self.t.not(rep.present) } else { rep.present });
                }
            }
            return self.t.or(alts);
        }
        let absent_value = match op.set {
            Some(SetOp::ForAllValues) => true,
            Some(SetOp::ForAnyValue) => op.if_exists,
            None => op.if_exists || base.negated(),
        };
        let absent = self.t.bool(absent_value);
        if op.set.is_none() && is_multi_valued(&c.key) {
            // Present multivalued key without a set operator: never matches.
            // SOUNDNESS: undocumented by AWS (see eval::condition and encodings/conditions.md).
            let np = self.t.not(rep.present);
            return self.t.and([np, absent]);
        }
        // With the request-context facts a Bool key is exactly `true` or `false`: the Bool
        // operator's case-insensitive match is then an equality (cheaper for the solver).
        let exact_bool =
            self.facts && crate::model::context_facts::lookup(&c.key).is_some_and(|f| f.ty == crate::model::context_facts::KeyType::Bool);
        let mut lits = Vec::new();
        for slot in &rep.slots {
            let pos = self.slot_matches(req, base.positive(), &c.values, slot, exact_bool);
            let lit = if base.negated() { self.t.not(pos) } else { pos };
            lits.push((slot.active, lit));
        }
        let present_value = match op.set {
            Some(SetOp::ForAllValues) => {
                let all: Vec<T> = lits.iter().map(|(a, l)| self.t.implies(*a, *l)).collect();
                self.t.and(all)
            }
            _ => {
                let any: Vec<T> = lits.iter().map(|(a, l)| self.t.and([*a, *l])).collect();
                self.t.or(any)
            }
        };
        self.t.ite(rep.present, present_value, absent)
    }

    /// Some policy value matches the slot's value under the positive operator `op`.
    fn slot_matches(&mut self, req: usize, op: BaseOp, values: &[ConditionValue], slot: &Slot, exact_bool: bool) -> T {
        let mut alts = Vec::new();
        for v in values {
            let m = self.value_matches(req, op, v, slot, exact_bool);
            alts.push(m);
        }
        self.t.or(alts)
    }

    fn need_string(&mut self, slot: &Slot) -> T {
        match slot.s {
            Some(s) => s,
            None => {
                self.unsupported("a condition key compared both as a string and as a typed value".into());
                self.t.str("")
            }
        }
    }

    fn value_matches(&mut self, req: usize, op: BaseOp, v: &ConditionValue, slot: &Slot, exact_bool: bool) -> T {
        match v {
            ConditionValue::Str(tpl) => {
                let s = self.need_string(slot);
                let r = self.resolve(req, tpl);
                match op.str_match() {
                    Some(StrMatch::Like) => self.glob(&r, s),
                    Some(StrMatch::IgnoreCase) => self.exact_ignore_case(&r, s),
                    _ => self.exact(&r, s),
                }
            }
            ConditionValue::Num(d) => match (slot.num, op.cmp()) {
                (Some((ok, val, scale)), Some(cmp)) => {
                    let c = self.scaled(d, scale);
                    let rel = self.compare(cmp, val, c);
                    self.t.and([ok, rel])
                }
                _ => {
                    self.unsupported("a numeric comparison on a key without a numeric view".into());
                    self.t.ff()
                }
            },
            ConditionValue::Date(ts) => match (slot.date, op.cmp()) {
                (Some((ok, val)), Some(cmp)) => {
                    let c = self.t.int(ts.0 as i128);
                    let rel = self.compare(cmp, val, c);
                    self.t.and([ok, rel])
                }
                _ => {
                    self.unsupported("a date comparison on a key without a date view".into());
                    self.t.ff()
                }
            },
            ConditionValue::Bool(b) if exact_bool => {
                let s = self.need_string(slot);
                let lit = self.t.str(&b.to_string());
                self.t.eq(s, lit)
            }
            ConditionValue::Bool(b) => {
                let s = self.need_string(slot);
                let r = Resolved { ok: self.t.tt(), parts: vec![TPart::Lit(b.to_string())] };
                self.exact_ignore_case(&r, s)
            }
            ConditionValue::Binary(text) => {
                let s = self.need_string(slot);
                let lit = self.t.str(text);
                self.t.eq(s, lit)
            }
            ConditionValue::Ip(cidr) => match slot.ip {
                Some((ok, v6, bits)) => {
                    let fam = if cidr.v6 { v6 } else { self.t.not(v6) };
                    let mask = self.t.bv(crate::model::value::Cidr::mask(cidr.width(), cidr.prefix), 128);
                    let masked = self.t.bv_and(bits, mask);
                    let net = self.t.bv(cidr.network, 128);
                    let inside = self.t.eq(masked, net);
                    self.t.and([ok, fam, inside])
                }
                None => {
                    self.unsupported("an IP comparison on a key without an IP view".into());
                    self.t.ff()
                }
            },
            ConditionValue::Arn(p) => match slot.arn {
                Some(arn) => {
                    let m = self.arn_pattern(req, p, &arn.segs);
                    self.t.and([arn.split, m])
                }
                None => {
                    self.unsupported("an ARN comparison on a key without an ARN view".into());
                    self.t.ff()
                }
            },
            ConditionValue::Null(_) => self.t.ff(),
        }
    }

    /// The six segment globs of an ARN pattern against six segment terms.
    pub(in crate::smt::encode) fn arn_pattern(&mut self, req: usize, p: &ArnPattern, segs: &[T; 6]) -> T {
        if p.segments.len() != 6 {
            return self.t.ff();
        }
        let mut conj = Vec::new();
        for (tpl, seg) in p.segments.iter().zip(segs.iter()) {
            let r = self.resolve(req, tpl);
            let m = self.glob(&r, *seg);
            if self.t.as_bool(m) == Some(false) {
                return m;
            }
            conj.push(m);
        }
        self.t.and(conj)
    }

    fn compare(&mut self, cmp: crate::model::condition::Cmp, a: T, b: T) -> T {
        use crate::model::condition::Cmp;
        match cmp {
            Cmp::Eq => self.t.eq(a, b),
            Cmp::Lt => self.t.lt(a, b),
            Cmp::Le => self.t.le(a, b),
            Cmp::Gt => self.t.gt(a, b),
            Cmp::Ge => self.t.ge(a, b),
        }
    }
}
