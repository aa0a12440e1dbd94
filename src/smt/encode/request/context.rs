//! The symbolic context: for each condition key the policies read, a presence flag and typed
//! views of its values (string, ARN, number, date, IP), with one witness slot per clause for
//! multivalued keys (DESIGN.md: a slot per ForAnyValue/ForAllValues clause is enough). Keys a
//! real request fixes (aws:PrincipalArn, kms:CallerAccount, aws:ResourceAccount, …) are views of
//! the principal, action and resource, not free variables (CONTROLS.md "Context consistency",
//! mirroring `Request::effective_context`); keys that describe the principal are shared by all
//! of its requests. Also the constraints of a spec's `ContextSpec`s.

use super::{KeyRep, KeyUsage, PrincipalRep, Slot, SymArn, PREFIX, REGION, SERVICE};
use crate::model::context_facts;
use crate::model::key::ContextKey;
use crate::model::keys;
use crate::model::principal::PrincipalKind;
use crate::model::request_spec::ContextSpec;
use crate::model::value::{arn_segments, Decimal, Ip, Timestamp};
use crate::smt::encode::Encoder;
use crate::smt::term::{Sort, Terms, T};

impl Encoder {
    fn usage_of(&self, key: &ContextKey) -> KeyUsage {
        let mut u = self.usage.get(key.canonical()).cloned().unwrap_or(KeyUsage { string: true, ..KeyUsage::default() });
        if let Some(s) = self.min_scale.get(key.canonical()) {
            // `scale + 1` is the view's scale; make it cover the pinned value's digits.
            u.scale = u.scale.max(s.saturating_sub(1));
        }
        u
    }

    /// The representation of `key` in request `req` (created on first use).
    pub(in crate::smt::encode) fn key(&mut self, req: usize, key: &ContextKey) -> KeyRep {
        let k = key.canonical().to_string();
        if let Some(d) = self.derived_key(req, key) {
            return d;
        }
        if keys::is_principal_scoped(key) {
            if let Some(r) = self.shared_keys.get(&k) {
                return r.clone();
            }
            let rep = self.free_key("p.ctx.", key);
            // Principals outside accounts carry no principal keys. SOUNDNESS: AWS documents
            // aws:PrincipalAccount "anonymous" for anonymous callers; CONTROLS.md says they
            // carry no principal keys.
            let in_acct = self.p_in_account();
            let ax = self.t.implies(rep.present, in_acct);
            self.axioms.push(ax);
            if key.canonical() == keys::USERID {
                // The root user's and federated users' ids are derived
                // (`Request::effective_context`): equalities, not a derived view, so that
                // conditions on the key compare one variable.
                self.userid_axioms(&rep);
            }
            self.shared_keys.insert(k, rep.clone());
            self.key_facts(None, &rep);
            return rep;
        }
        if let Some(r) = self.requests[req].keys.get(&k) {
            return r.clone();
        }
        let rep = self.free_key(&format!("q{req}.ctx."), key);
        self.requests[req].keys.insert(k, rep.clone());
        self.key_facts(Some(req), &rep);
        rep
    }

    /// aws:userid is the account for the root user and `ACCOUNT:NAME` for a federated user.
    fn userid_axioms(&mut self, rep: &KeyRep) {
        let Some(s) = rep.slots[0].s else { return };
        let is_root = self.p_kind_is(PrincipalKind::Root);
        let is_fed = self.p_kind_is(PrincipalKind::FederatedUser);
        let acct = self.p_account();
        let name = match self.principal.clone() {
            PrincipalRep::Const(p) => {
                let n = p.arn.rsplit('/').next().unwrap_or("").to_string();
                self.t.str(&n)
            }
            PrincipalRep::Sym(sp) => sp.pname,
        };
        let colon = self.t.str(":");
        let fed = self.t.concat([acct, colon, name]);
        for (is, value) in [(is_root, acct), (is_fed, fed)] {
            let e = self.t.eq(s, value);
            let both = self.t.and([rep.present, e]);
            let ax = self.t.implies(is, both);
            self.axioms.push(ax);
        }
    }

    /// A key with constant values (`const_context`): every view is a literal.
    fn const_key(&mut self, key: &ContextKey, values: &[String]) -> KeyRep {
        let u = self.usage_of(key);
        let present = self.t.bool(!values.is_empty());
        let multi = keys::is_multi_valued(key);
        let n = if multi { u.clauses.max(self.extra_slots.get(key.canonical()).copied().unwrap_or(0)) } else { 0 };
        let placed: Vec<Option<String>> =
            if multi { self.pinned_slots(key, values, n) } else { values.iter().cloned().map(Some).collect() };
        let inactive = |enc: &mut Encoder| {
            let (ff, e, zero) = (enc.t.ff(), enc.t.str(""), enc.t.int(0));
            let bv0 = enc.t.bv(0, 128);
            let s = (u.string || u.arn || !(u.numeric || u.date || u.ip)).then_some(e);
            Slot {
                active: ff,
                s,
                arn: u.arn.then_some(SymArn { split: ff, segs: [e; 6], whole: e }),
                num: u.numeric.then_some((ff, zero, u.scale + 1)),
                date: u.date.then_some((ff, zero)),
                ip: u.ip.then_some((ff, ff, bv0)),
            }
        };
        let slots = placed
            .iter()
            .map(|v| {
                let Some(v) = v else { return inactive(self) };
                let tt = self.t.tt();
                let s = (u.string || u.arn || !(u.numeric || u.date || u.ip)).then(|| self.t.str(v));
                // The ARN view of a literal: `v` itself is already a term (the string view).
                let arn = u.arn.then(|| match arn_segments(v) {
                    Some(segs) => {
                        let whole = self.t.str(v);
                        SymArn { split: tt, segs: segs.map(|x| self.t.str(x)), whole }
                    }
                    None => {
                        let ff = self.t.ff();
                        let e = self.t.str("");
                        SymArn { split: ff, segs: [e; 6], whole: self.t.str(v) }
                    }
                });
                let scale = u.scale + 1;
                let num = u.numeric.then(|| match Decimal::parse(v) {
                    Some(d) => (tt, self.scaled(&d, scale), scale),
                    None => (self.t.ff(), self.t.int(0), scale),
                });
                let date = u.date.then(|| match Timestamp::parse(v) {
                    Some(ts) => (tt, self.t.int(ts.0 as i128)),
                    None => (self.t.ff(), self.t.int(0)),
                });
                let ip = u.ip.then(|| match Ip::parse(v) {
                    Some(ip) => (tt, self.t.bool(ip.v6), self.t.bv(ip.bits, 128)),
                    None => (self.t.ff(), self.t.ff(), self.t.bv(0, 128)),
                });
                Slot { active: tt, s, arn, num, date, ip }
            })
            .collect::<Vec<_>>();
        // An absent key: one inactive slot with every view the clauses may read.
        let slots = if slots.is_empty() { vec![inactive(self)] } else { slots };
        KeyRep { key: key.clone(), present, multi, slots, decode: true, derived_when: None }
    }

    /// A free key with the views its usage needs.
    fn free_key(&mut self, prefix: &str, key: &ContextKey) -> KeyRep {
        if let Some(ctx) = &self.const_context {
            let values = ctx.get(key).map(|v| v.to_vec()).unwrap_or_default();
            return self.const_key(key, &values);
        }
        let u = self.usage_of(key);
        let base = format!("{prefix}{}", key.name());
        let multi = keys::is_multi_valued(key);
        let extra = self.extra_slots.get(key.canonical()).copied().unwrap_or(0);
        let n = if multi { u.clauses.max(1).max(extra) } else { 1 };
        let stringish = u.string || u.arn;
        let families = [stringish, u.numeric, u.date, u.ip].iter().filter(|b| **b).count();
        // SOUNDNESS: a key compared with operators of two types is a refusal (unknown).
        if families > 1 {
            self.unsupported(format!(
                "condition key {} is compared with operators of different types (string, numeric, date, IP)",
                key.name()
            ));
        }
        let mut slots = Vec::new();
        let present_var = self.t.var(&format!("{base}.present"), Sort::Bool);
        for j in 0..n {
            let sb = if multi { format!("{base}.{j}") } else { base.clone() };
            let active = if multi { self.t.var(&format!("{sb}.active"), Sort::Bool) } else { present_var };
            let mut slot = Slot { active, s: None, arn: None, num: None, date: None, ip: None };
            if u.arn {
                let arn = self.sym_arn(&format!("{sb}."));
                slot.s = Some(arn.text(&mut self.t));
                slot.arn = Some(arn);
            } else if stringish || families == 0 {
                slot.s = Some(self.t.var(&format!("{sb}.s"), Sort::Str));
            }
            if u.numeric {
                let ok = self.t.var(&format!("{sb}.num_ok"), Sort::Bool);
                let v = self.t.var(&format!("{sb}.num"), Sort::Int);
                let scale = u.scale + 1;
                // SOUNDNESS: numbers have at most 18 integer digits, as Decimal::parse accepts
                // (under-approximation of AWS, which documents no limit).
                let bound = 10i128.pow(18 + scale);
                let lo = self.t.int(-bound);
                let hi = self.t.int(bound);
                let a = self.t.lt(lo, v);
                let b = self.t.lt(v, hi);
                let both = self.t.and([a, b]);
                let ax = self.t.implies(ok, both);
                self.axioms.push(ax);
                slot.num = Some((ok, v, scale));
            }
            if u.date {
                let ok = self.t.var(&format!("{sb}.date_ok"), Sort::Bool);
                let v = self.t.var(&format!("{sb}.date"), Sort::Int);
                // SOUNDNESS: dates lie in years 0001–9999, the range the date parser and printer
                // round-trip (under-approximation).
                let lo = self.t.int(-62_135_596_800_000);
                let hi = self.t.int(253_402_300_799_999);
                let a = self.t.le(lo, v);
                let b = self.t.le(v, hi);
                let both = self.t.and([a, b]);
                let ax = self.t.implies(ok, both);
                self.axioms.push(ax);
                slot.date = Some((ok, v));
            }
            if u.ip {
                let ok = self.t.var(&format!("{sb}.ip_ok"), Sort::Bool);
                let v6 = self.t.var(&format!("{sb}.ip_v6"), Sort::Bool);
                let bits = self.t.var(&format!("{sb}.ip"), Sort::Bv(128));
                // An IPv4 address lives in the low 32 bits.
                let high = self.t.bv(!0u128 << 32, 128);
                let masked = self.t.bv_and(bits, high);
                let zero = self.t.bv(0, 128);
                let low_only = self.t.eq(masked, zero);
                let nv6 = self.t.not(v6);
                let ax = self.t.implies(nv6, low_only);
                self.axioms.push(ax);
                slot.ip = Some((ok, v6, bits));
            }
            slots.push(slot);
        }
        let present = if multi {
            let actives: Vec<T> = slots.iter().map(|s| s.active).collect();
            let any = self.t.or(actives);
            let ax = self.t.iff(present_var, any);
            self.axioms.push(ax);
            present_var
        } else {
            present_var
        };
        KeyRep { key: key.clone(), present, multi, slots, decode: true, derived_when: None }
    }

    /// Keys fixed by the request (CONTROLS.md "Context consistency"; mirrors
    /// `Request::effective_context`). `None` for keys that are not derived.
    fn derived_key(&mut self, req: usize, key: &ContextKey) -> Option<KeyRep> {
        let single = |_: &mut Terms, present: T, value: T| derived_rep(key, present, value);
        let k = key.canonical();
        let u = self.usage_of(key);
        if (u.numeric || u.date || u.ip) && is_derived_name(k) {
            self.unsupported(format!("{} is compared with a numeric, date or IP operator", key.name()));
        }
        let rep = match k {
            keys::PRINCIPAL_ARN => {
                let arn = self.p_sym_arn();
                let v = self.p_arn();
                let mut r = single(&mut self.t, arn.split, v);
                r.slots[0].arn = Some(arn);
                r
            }
            keys::PRINCIPAL_ACCOUNT => {
                let in_acct = self.p_in_account();
                let v = self.p_account();
                single(&mut self.t, in_acct, v)
            }
            keys::CALLER_ACCOUNT => {
                let in_acct = self.p_in_account();
                let kms = self.action_is_kms(req);
                // Only for the KMS actions whose catalog entry lists it (context_facts).
                let without: Vec<String> =
                    context_facts::kms_actions_without("kms:CallerAccount").iter().map(|a| a.to_ascii_lowercase()).collect();
                let listed = self.action_none_of(req, &without);
                let present = self.t.and([in_acct, kms, listed]);
                let v = self.p_account();
                single(&mut self.t, present, v)
            }
            keys::PRINCIPAL_TYPE => {
                let mut value = self.t.str("");
                let mut present_parts = Vec::new();
                for kind in [PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser] {
                    let is = self.p_kind_is(kind);
                    let name = self.t.str(kind.principal_type().unwrap_or(""));
                    value = self.t.ite(is, name, value);
                    present_parts.push(is);
                }
                let present = self.t.or(present_parts);
                single(&mut self.t, present, value)
            }
            keys::USERNAME => {
                let is_user = self.p_kind_is(PrincipalKind::User);
                // The user's name: the part of the ARN after its last '/'.
                let name = match self.principal.clone() {
                    PrincipalRep::Const(p) => {
                        let n = p.arn.rsplit('/').next().unwrap_or("").to_string();
                        self.t.str(&n)
                    }
                    PrincipalRep::Sym(sp) => sp.pname,
                };
                single(&mut self.t, is_user, name)
            }
            keys::PRINCIPAL_SERVICE_NAME => {
                let is = self.p_kind_is(PrincipalKind::Service);
                let n = self.p_name();
                single(&mut self.t, is, n)
            }
            keys::PRINCIPAL_IS_AWS_SERVICE => {
                let is = self.p_kind_is(PrincipalKind::Service);
                let in_acct = self.p_in_account();
                let present = self.t.or([is, in_acct]);
                let yes = self.t.str("true");
                let no = self.t.str("false");
                let v = self.t.ite(is, yes, no);
                single(&mut self.t, present, v)
            }
            keys::SECURE_TRANSPORT => {
                // KMS accepts only TLS: true for every KMS request (`Request::effective_context`).
                let kms = self.action_is_kms(req);
                let yes = self.t.str("true");
                return Some(self.partly_derived(req, key, kms, yes));
            }
            keys::RESOURCE_ACCOUNT => {
                let (has, acct) = self.resource_account(req);
                return Some(self.partly_derived(req, key, has, acct));
            }
            keys::REQUESTED_REGION => {
                let (split, segs) = self.resource_segs(req);
                let arn = self.t.str("arn");
                let is_arn = self.t.eq(segs[PREFIX], arn);
                let kms_lit = self.t.str("kms");
                let is_kms_res = self.t.eq(segs[SERVICE], kms_lit);
                let empty = self.t.str("");
                let has_region = self.t.ne(segs[REGION], empty);
                let kms_action = self.action_is_kms(req);
                let when = self.t.and([split, is_arn, is_kms_res, has_region, kms_action]);
                return Some(self.partly_derived(req, key, when, segs[REGION]));
            }
            _ => return None,
        };
        Some(rep)
    }

    /// A key derived from the request when `when` holds, otherwise a free key.
    fn partly_derived(&mut self, req: usize, key: &ContextKey, when: T, value: T) -> KeyRep {
        let k = key.canonical().to_string();
        let free = match self.requests[req].keys.get(&k) {
            Some(r) => r.clone(),
            None => {
                let mut r = self.free_key(&format!("q{req}.ctx."), key);
                // The decoder writes the free value only when the request does not fix it.
                r.derived_when = Some(when);
                self.requests[req].keys.insert(k, r.clone());
                self.key_facts(Some(req), &r);
                r
            }
        };
        let fs = free.slots[0].clone();
        let present = self.t.or([when, free.present]);
        let fv = fs.s.unwrap_or(value);
        let v = self.t.ite(when, value, fv);
        KeyRep {
            key: key.clone(),
            present,
            multi: false,
            slots: vec![Slot { active: present, s: Some(v), arn: None, num: None, date: None, ip: None }],
            decode: false,
            derived_when: Some(when),
        }
    }

    /// The constraints of a spec's context on request `req`.
    pub(in crate::smt::encode) fn context_spec(&mut self, req: usize, specs: &[ContextSpec]) -> Vec<T> {
        let enc = self;
        let mut out = Vec::new();
        for s in specs {
            match s {
                ContextSpec::Absent(k) => {
                    let rep = enc.key(req, &ContextKey::new(k));
                    out.push(enc.t.not(rep.present));
                }
                ContextSpec::AbsentOr(k, v) => {
                    let rep = enc.key(req, &ContextKey::new(k));
                    let absent = enc.t.not(rep.present);
                    let Some(sv) = rep.slots[0].s else {
                        out.push(absent);
                        continue;
                    };
                    let l = enc.t.str(v);
                    let e = enc.t.eq(sv, l);
                    out.push(enc.t.or([absent, e]));
                }
                ContextSpec::ArnAccountNotEqual(k, acct) => {
                    let rep = enc.key(req, &ContextKey::new(k));
                    // A key no policy reads has no ARN view: its value decides nothing.
                    let Some(arn) = rep.slots[0].arn else { continue };
                    let l = enc.t.str(acct);
                    let same = enc.t.eq(arn.segs[super::ACCOUNT], l);
                    let owned = enc.t.and([rep.present, arn.split, same]);
                    out.push(enc.t.not(owned));
                }
                // SOUNDNESS: without `--at` the time is free, any instant past or future
                // (over-approximation: an expired grant is still found).
                ContextSpec::At(t) => {
                    // Both time keys are this instant in every view a policy reads.
                    for (k, text) in ContextSpec::time_context(*t) {
                        let rep = enc.key(req, &ContextKey::new(k));
                        out.push(rep.present);
                        let slot = &rep.slots[0];
                        if let Some(sv) = slot.s {
                            let l = enc.t.str(&text);
                            out.push(enc.t.eq(sv, l));
                        }
                        if let Some((ok, v)) = slot.date {
                            // The key's own text as a date (aws:EpochTime: its whole second).
                            let ms = enc.t.int(i128::from(Timestamp::parse(&text).map_or(t.0, |x| x.0)));
                            let e = enc.t.eq(v, ms);
                            out.push(enc.t.and([ok, e]));
                        }
                        if let Some((ok, v, scale)) = slot.num {
                            out.push(match Decimal::parse(&text) {
                                Some(d) => {
                                    let n = enc.scaled(&d, scale);
                                    let e = enc.t.eq(v, n);
                                    enc.t.and([ok, e])
                                }
                                None => enc.t.not(ok),
                            });
                        }
                        if let Some((ok, _, _)) = slot.ip {
                            out.push(enc.t.not(ok));
                        }
                    }
                }
                ContextSpec::Holds(p) => {
                    let t = enc.predicate(req, p);
                    out.push(t);
                }
                ContextSpec::Equal(k, v) | ContextSpec::NotEqual(k, v) => {
                    let rep = enc.key(req, &ContextKey::new(k));
                    let Some(sv) = rep.slots[0].s else { continue };
                    let l = enc.t.str(v);
                    let e = enc.t.eq(sv, l);
                    let both = enc.t.and([rep.present, e]);
                    out.push(if matches!(s, ContextSpec::Equal(..)) { both } else { enc.t.not(both) });
                }
            }
        }
        out
    }
}

fn is_derived_name(k: &str) -> bool {
    matches!(
        k,
        keys::PRINCIPAL_ARN
            | keys::PRINCIPAL_ACCOUNT
            | keys::CALLER_ACCOUNT
            | keys::PRINCIPAL_TYPE
            | keys::USERNAME
            | keys::PRINCIPAL_SERVICE_NAME
            | keys::PRINCIPAL_IS_AWS_SERVICE
            | keys::RESOURCE_ACCOUNT
            | keys::REQUESTED_REGION
            | keys::SECURE_TRANSPORT
    )
}

/// A key whose value the request determines.
fn derived_rep(key: &ContextKey, present: T, value: T) -> KeyRep {
    KeyRep {
        key: key.clone(),
        present,
        multi: false,
        slots: vec![Slot { active: present, s: Some(value), arn: None, num: None, date: None, ip: None }],
        decode: false,
        derived_when: None,
    }
}
