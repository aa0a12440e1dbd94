//! The query primitives every control and command is built from:
//! - `exists_allowed`: is some request matching a template allowed?
//! - `exists_allowed_pair`: are two requests of one principal both allowed (separation of
//!   duties), optionally on the same resource?
//! - `added_access`: does policy set NEW allow a request that OLD does not?
//! Each returns a `Verdict` where *violated* means such requests exist (with them as the
//! counterexample, confirmed by the evaluator).

use crate::eval::PolicySet;
use crate::properties::named::Named;
use crate::properties::template::{action, action_constraint, context, principal, resource, same_partition, ActionSpec, ContextSpec, PrincipalSpec, ResourceSpec};
use crate::properties::{run, CheckStats, Expect, InternalError, Replay, Verdict};
use crate::smt::encode::Encoder;
use crate::smt::solver::SolverOptions;
use std::time::Instant;

/// One request of a template.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    pub action: ActionSpec,
    pub resource: ResourceSpec,
    pub context: Vec<ContextSpec>,
}

pub type Checked = Result<(Verdict, CheckStats), InternalError>;

fn policies_of<'a>(sets: &[&'a PolicySet]) -> Vec<&'a crate::model::Policy> {
    sets.iter().flat_map(|s| s.policies().map(|(_, p)| p)).collect()
}

/// ∃ request matching (`who`, `req`) that `set` allows.
pub fn exists_allowed(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    let started = Instant::now();
    let (enc, goals, i) = build_exists_allowed(set, who, req);
    run(enc, &goals, &[Replay { req: i, set, expect: Expect::Allowed }], opts, label, started)
}

/// The encoder, goals and request index of `exists_allowed` (golden SMT files print these).
pub fn build_exists_allowed(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec) -> (Encoder, Vec<crate::smt::term::T>, usize) {
    let policies = policies_of(&[set]);
    let named = Named::of(policies.iter().copied());
    let mut enc = Encoder::new(policies.iter().copied());
    let mut goals = principal(&mut enc, who, &named);
    let a = action(&mut enc, "q0.", &req.action);
    let (r, rc) = resource(&mut enc, "q0.", &req.resource, &named);
    goals.extend(rc);
    goals.extend(same_partition(&mut enc, &r));
    let i = enc.add_request(a, r);
    goals.extend(action_constraint(&mut enc, i, &req.action));
    goals.extend(context(&mut enc, i, &req.context));
    let d = enc.decision(set, i);
    goals.push(d.allowed);
    (enc, goals, i)
}

/// ∃ principal matching `who` and two requests both allowed by `set`; with `same_resource` the
/// two requests address the same resource.
pub fn exists_allowed_pair(set: &PolicySet, who: &PrincipalSpec, first: &RequestSpec, second: &RequestSpec, same_resource: bool, opts: &SolverOptions, label: &str) -> Checked {
    let started = Instant::now();
    let policies = policies_of(&[set]);
    let named = Named::of(policies.iter().copied());
    let mut enc = Encoder::new(policies.iter().copied());
    let mut goals = principal(&mut enc, who, &named);
    let a0 = action(&mut enc, "q0.", &first.action);
    let (r0, c0) = resource(&mut enc, "q0.", &first.resource, &named);
    goals.extend(c0);
    goals.extend(same_partition(&mut enc, &r0));
    let i0 = enc.add_request(a0, r0.clone());
    let a1 = action(&mut enc, "q1.", &second.action);
    let r1 = if same_resource {
        r0
    } else {
        let (r1, c1) = resource(&mut enc, "q1.", &second.resource, &named);
        goals.extend(c1);
        goals.extend(same_partition(&mut enc, &r1));
        r1
    };
    let i1 = enc.add_request(a1, r1);
    goals.extend(action_constraint(&mut enc, i0, &first.action));
    goals.extend(action_constraint(&mut enc, i1, &second.action));
    goals.extend(context(&mut enc, i0, &first.context));
    goals.extend(context(&mut enc, i1, &second.context));
    let d0 = enc.decision(set, i0);
    let d1 = enc.decision(set, i1);
    goals.push(d0.allowed);
    goals.push(d1.allowed);
    run(enc, &goals, &[Replay { req: i0, set, expect: Expect::Allowed }, Replay { req: i1, set, expect: Expect::Allowed }], opts, label, started)
}

/// ∃ request matching (`who`, `req`) that `new` allows and `old` does not.
pub fn added_access(old: &PolicySet, new: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    let started = Instant::now();
    let policies = policies_of(&[old, new]);
    let named = Named::of(policies.iter().copied());
    let mut enc = Encoder::new(policies.iter().copied());
    let mut goals = principal(&mut enc, who, &named);
    let a = action(&mut enc, "q0.", &req.action);
    let (r, rc) = resource(&mut enc, "q0.", &req.resource, &named);
    goals.extend(rc);
    goals.extend(same_partition(&mut enc, &r));
    let i = enc.add_request(a, r);
    goals.extend(action_constraint(&mut enc, i, &req.action));
    goals.extend(context(&mut enc, i, &req.context));
    let dn = enc.decision(new, i);
    let dold = enc.decision(old, i);
    goals.push(dn.allowed);
    goals.push(enc.t.not(dold.allowed));
    run(enc, &goals, &[Replay { req: i, set: new, expect: Expect::Allowed }, Replay { req: i, set: old, expect: Expect::NotAllowed }], opts, label, started)
}
