//! The symbolic decision of one concrete request: the request is encoded, either as constants
//! (every pattern folds; checks the encoder's folding) or as symbolic variables pinned to the
//! request's values by equalities (checks the encoding under the solver), and the solver
//! decides whether the policy set allows or explicitly denies it. Differential tests compare
//! this with `crate::eval`; any difference is a bug in one of them.

use crate::model::catalog::KMS_ACTIONS;
use crate::model::principal::{is_account_id, Principal, PrincipalKind};
use crate::model::request::Request;
use crate::model::value::{arn_segments, ArnParts, Decimal, Ip, Timestamp};
use crate::model::Template;
use crate::model::{Decision, PolicySet};
use crate::smt::answer::{Outcome, SolverError};
use crate::smt::check::check;
use crate::smt::encode::request::{kind_index, ActionRep, KeyRep, PrincipalRep, ResourceRep};
use crate::smt::encode::Encoder;
use crate::smt::options::SolverOptions;
use crate::smt::query::Query;
use crate::smt::term::T;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinMode {
    /// Principal, action and resource as constants.
    Fold,
    /// Everything symbolic, pinned by equalities.
    Assert,
}

/// Why the encoding could not decide a pinned request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("unsupported: {}", .0.join("; "))]
    Unsupported(Vec<String>),
    #[error("solver: {0}")]
    Unknown(String),
    #[error("solver error: {0}")]
    Solver(SolverError),
    #[error("the pinned request contradicts the encoding's axioms")]
    Inconsistent,
}

/// The decision the encoding gives for `req`, or why it could not decide.
pub fn symbolic_decision(set: &PolicySet, req: &Request, mode: PinMode, opts: &SolverOptions) -> Result<Decision, PinError> {
    decide(set, req, mode, opts, false)
}

/// `symbolic_decision` with the request-context facts in force (`request/facts.rs`), for a
/// request the facts check finds possible: the facts must not exclude it
/// (`PinError::Inconsistent` otherwise) nor change its decision.
pub fn symbolic_decision_with_facts(set: &PolicySet, req: &Request, mode: PinMode, opts: &SolverOptions) -> Result<Decision, PinError> {
    decide(set, req, mode, opts, true)
}

fn decide(set: &PolicySet, req: &Request, mode: PinMode, opts: &SolverOptions, facts: bool) -> Result<Decision, PinError> {
    let mut enc = Encoder::new(set.policies().map(|(_, p)| p), opts.encoding);
    if facts {
        enc.enable_facts();
    }
    // The context the evaluator reads: the request's, with the keys the request determines.
    let context = req.effective_context();
    for (k, v) in context.iter() {
        // With the facts, kms:EncryptionContextKeys also has a slot per encryption-context key.
        let own = enc.ec_slots.as_ref().filter(|_| k.canonical() == "kms:encryptioncontextkeys").map_or(0, |(b, e)| b + e.len());
        enc.extra_slots.insert(k.canonical().to_string(), v.len() + own);
        let digits = v.iter().filter_map(|x| Decimal::parse(x)).map(|d| d.scale).max().unwrap_or(0);
        enc.min_scale.insert(k.canonical().to_string(), digits);
    }
    let r = match mode {
        PinMode::Fold => {
            enc.const_context = Some(context.clone());
            enc.set_principal_const(req.principal.clone());
            let canonical = req.action.to_ascii_lowercase();
            let action = ActionRep::Const { canonical, display: req.action.clone() };
            enc.add_request(action, ResourceRep::Lit(req.resource.clone()))
        }
        PinMode::Assert => {
            let extra = if is_account_id(&req.principal.account) || req.principal.account.is_empty() {
                vec![]
            } else {
                vec![req.principal.account.clone()]
            };
            enc.set_principal_sym(&PrincipalKind::ALL, extra);
            let mut named: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
            for (_, p) in set.policies() {
                for s in &p.statements {
                    named.extend(s.action.patterns.iter().filter_map(Template::as_literal));
                }
            }
            // A free action only when the request's action is none of the named ones.
            let lower = req.action.to_ascii_lowercase();
            let free = if named.iter().any(|n| n.to_ascii_lowercase() == lower) { None } else { Some(None) };
            let action = enc.sym_action("q0.", &named, free, true);
            let resource = enc.sym_resource("q0.");
            enc.add_request(action, resource)
        }
    };
    let d = enc.decision(set, r);
    let mut pins = Vec::new();
    if facts {
        pins.extend(enc.shape_facts(r, &crate::model::request_spec::ResourceSpec::Any));
        enc.cross_facts();
    }
    enc.principal_axioms();
    if mode == PinMode::Assert {
        pin_principal(&mut enc, &req.principal, &mut pins);
        pin_action(&mut enc, r, &req.action, &mut pins);
        pin_resource(&mut enc, r, &req.resource, &mut pins);
    }
    // Pin every context key the encoding created to the request's values (or absence).
    let reps: Vec<KeyRep> = enc.shared_keys.values().chain(enc.requests[r].keys.values()).cloned().collect();
    for rep in reps {
        pin_key(&mut enc, &rep, context.get(&rep.key), &mut pins);
    }
    if !enc.unsupported.is_empty() {
        return Err(PinError::Unsupported(enc.unsupported.clone()));
    }
    // Neither: the pinned request must still be consistent with the axioms (else the pins,
    // not the policies, made both questions unsatisfiable).
    let nd = enc.t.not(d.denied);
    let na = enc.t.not(d.allowed);
    let neither = enc.t.and([nd, na]);
    let sat = |goal: T, label: &str| -> Result<bool, PinError> {
        match check(&enc.pinned(&pins, goal, label), opts).outcome {
            Ok(Outcome::Sat(_)) => Ok(true),
            Ok(Outcome::Unsat) => Ok(false),
            Ok(Outcome::Unknown(why)) => Err(PinError::Unknown(why)),
            Err(e) => Err(PinError::Solver(e)),
        }
    };
    if sat(d.denied, "denied")? {
        return Ok(Decision::ExplicitlyDenied);
    }
    if sat(d.allowed, "allowed")? {
        return Ok(Decision::Allowed);
    }
    if !sat(neither, "implicit")? {
        return Err(PinError::Inconsistent);
    }
    Ok(Decision::ImplicitlyDenied)
}

impl Encoder {
    /// The query "axioms ∧ shapes ∧ pins ∧ goal" with every axiom eager (a pinned request
    /// leaves the lazy loop nothing to gain) and no model wanted: the pipeline of the
    /// property queries (unit propagation, then the solver) on a copy of this encoder.
    fn pinned(&self, pins: &[T], goal: T, label: &str) -> Query {
        let mut enc = self.clone();
        let shapes = std::mem::take(&mut enc.shapes);
        enc.axioms.extend(shapes);
        enc.axioms.extend_from_slice(pins);
        enc.finish_query(vec![goal], label, false)
    }
}

fn pin_principal(enc: &mut Encoder, p: &Principal, pins: &mut Vec<T>) {
    let PrincipalRep::Sym(sp) = enc.principal.clone() else { return };
    let t = &mut enc.t;
    let k = t.int(kind_index(p.kind));
    pins.push(t.eq(sp.kind, k));
    let eq = |t: &mut crate::smt::term::Terms, pins: &mut Vec<T>, v: T, s: &str| {
        let l = t.str(s);
        pins.push(t.eq(v, l));
    };
    eq(t, pins, sp.account, &p.account);
    if p.kind.in_account() {
        if let Some(a) = ArnParts::split(&p.arn) {
            eq(t, pins, sp.part, a.partition);
            let rest = a.resource.split_once('/').map(|(_, r)| r).unwrap_or("");
            let (path, name) = match rest.rfind('/') {
                Some(i) if p.kind != PrincipalKind::FederatedUser => (&rest[..=i], &rest[i + 1..]),
                _ => ("", rest),
            };
            if p.kind != PrincipalKind::Root {
                eq(t, pins, sp.path, path);
                eq(t, pins, sp.pname, name);
            }
        }
    } else {
        eq(t, pins, sp.name, &p.arn);
    }
    let has = t.bool(p.session.is_some());
    pins.push(t.eq(sp.has_sess, has));
    if let Some(s) = &p.session {
        let sn = s.rsplit('/').next().unwrap_or("");
        eq(t, pins, sp.sname, sn);
    }
}

fn pin_action(enc: &mut Encoder, r: usize, action: &str, pins: &mut Vec<T>) {
    if let ActionRep::Sym { idx, named, free, .. } = enc.requests[r].action.clone() {
        let lower = action.to_ascii_lowercase();
        match named.iter().position(|(l, _)| *l == lower) {
            Some(i) => {
                let ii = enc.t.int(i as i128);
                pins.push(enc.t.eq(idx, ii));
            }
            None => {
                let n = enc.t.int(named.len() as i128);
                pins.push(enc.t.eq(idx, n));
                if let Some((name, _)) = free {
                    let l = enc.t.str(&lower);
                    pins.push(enc.t.eq(name, l));
                }
            }
        }
    }
}

fn pin_resource(enc: &mut Encoder, r: usize, resource: &str, pins: &mut Vec<T>) {
    if let ResourceRep::Sym { arn: crate::smt::encode::request::SymArn { split, segs, whole }, .. } = enc.requests[r].resource {
        match arn_segments(resource) {
            Some(parts) => {
                pins.push(split);
                for (s, p) in segs.iter().zip(parts.iter()) {
                    let l = enc.t.str(p);
                    pins.push(enc.t.eq(*s, l));
                }
            }
            None => {
                pins.push(enc.t.not(split));
                let l = enc.t.str(resource);
                pins.push(enc.t.eq(whole, l));
            }
        }
    }
}

fn pin_key(enc: &mut Encoder, rep: &KeyRep, values: Option<&[String]>, pins: &mut Vec<T>) {
    if let Some(when) = rep.derived_when {
        // A partly derived key's free part only matters where the request does not fix it.
        let nw = enc.t.not(when);
        let mut inner = Vec::new();
        pin_values(enc, rep, values, &mut inner);
        let all = enc.t.and(inner);
        pins.push(enc.t.implies(nw, all));
        return;
    }
    pin_values(enc, rep, values, pins);
}

fn pin_values(enc: &mut Encoder, rep: &KeyRep, values: Option<&[String]>, pins: &mut Vec<T>) {
    let values = values.unwrap_or(&[]);
    let placed = if rep.multi { enc.pinned_slots(&rep.key, values, rep.slots.len()) } else { values.iter().cloned().map(Some).collect() };
    let t = &mut enc.t;
    let present = t.bool(!values.is_empty());
    pins.push(t.eq(rep.present, present));
    for (j, slot) in rep.slots.iter().enumerate() {
        let v = placed.get(j).and_then(|v| v.as_ref());
        let active = t.bool(v.is_some());
        if rep.multi {
            pins.push(t.eq(slot.active, active));
        }
        let Some(v) = v else { continue };
        if let Some(s) = slot.s {
            let l = t.str(v);
            pins.push(t.eq(s, l));
        }
        if let Some(arn) = slot.arn {
            // Whether the value splits into six segments is known: say so, rather than leave
            // z3 to refute the other branch through the "fewer than five colons" regex.
            let splits = t.bool(crate::model::value::arn_segments(v).is_some());
            pins.push(t.eq(arn.split, splits));
        }
        if let Some((ok, val, scale)) = slot.num {
            match Decimal::parse(v) {
                Some(d) => {
                    pins.push(ok);
                    let c = t.int(d.mantissa * 10i128.pow(scale.saturating_sub(d.scale)));
                    pins.push(t.eq(val, c));
                }
                None => pins.push(t.not(ok)),
            }
        }
        if let Some((ok, ms)) = slot.date {
            match Timestamp::parse(v) {
                Some(ts) => {
                    pins.push(ok);
                    let c = t.int(ts.0 as i128);
                    pins.push(t.eq(ms, c));
                }
                None => pins.push(t.not(ok)),
            }
        }
        if let Some((ok, v6, bits)) = slot.ip {
            match Ip::parse(v) {
                Some(ip) => {
                    pins.push(ok);
                    let f = t.bool(ip.v6);
                    pins.push(t.eq(v6, f));
                    let b = t.bv(ip.bits, 128);
                    pins.push(t.eq(bits, b));
                }
                None => pins.push(t.not(ok)),
            }
        }
    }
}
