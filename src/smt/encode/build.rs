//! The queries of the property primitives (`crate::properties`), built from plain-data
//! request specs. Each `build_*` returns a `Query` whose goals are satisfiable exactly when
//! the property is violated (cedar's "unsat iff it holds"):
//! - `build_exists_allowed`: some request of the spec is allowed (request 0);
//! - `build_allowed_pair`: one principal has two requests both allowed (requests 0 and 1,
//!   optionally on the same resource);
//! - `build_added_access`: a request NEW allows and OLD does not (request 0);
//! - `build_exists_denied`: some request of the spec is not allowed (request 0);
//! - `build_exists_request`: some request of the spec, whatever the decision (request 0).
//!
//! The golden `.smt2` files (`encodings/golden/`) print these queries.

use super::request::ResourceRep;
use super::Encoder;
use crate::model::condition::Clause;
use crate::model::lever::Polarity;
use crate::model::named::Named;
use crate::model::request_spec::{ContextSpec, PrincipalSpec, RequestSpec};
use crate::model::source::{Source, Span};
use crate::model::{ActionElement, Effect, Policy, PolicySet, Statement, Version};
use crate::smt::options::Encoding;
use crate::smt::query::Query;
use crate::smt::term::T;

/// How a query is built: its encoding, and whether its decisions carry the levers of an
/// explanation (`crate::model::lever`: a Boolean per statement or element, true as written).
#[derive(Debug, Clone, Copy, Default)]
pub struct Build {
    pub encoding: Encoding,
    pub levers: bool,
}

impl From<Encoding> for Build {
    fn from(encoding: Encoding) -> Build {
        Build { encoding, levers: false }
    }
}

fn policies_of<'a>(sets: &[&'a PolicySet]) -> Vec<&'a Policy> {
    sets.iter().flat_map(|s| s.policies().map(|(_, p)| p)).collect()
}

/// The condition clauses of the specs' predicates as one statement: the encoder builds the
/// views of the keys its policies read, and a predicate may read a key no policy of the sets
/// does.
fn predicate_policy(specs: &[&RequestSpec]) -> Option<Policy> {
    let conditions: Vec<Clause> = specs
        .iter()
        .flat_map(|r| r.context.iter())
        .flat_map(|c| match c {
            ContextSpec::Holds(p) => p.clauses(),
            _ => vec![],
        })
        .cloned()
        .collect();
    if conditions.is_empty() {
        return None;
    }
    let statement = Statement {
        index: 0,
        sid: None,
        effect: Effect::Allow,
        principal: None,
        action: ActionElement { negated: false, patterns: vec![] },
        resource: None,
        conditions,
        path: String::new(),
        span: Span::new(0, 0),
    };
    Some(Policy { source: Source::new("<request predicate>", ""), version: Version::V2012_10_17, id: None, statements: vec![statement] })
}

/// An encoder over the policies of `sets`, their named values, and the principal of `who`
/// with its constraints (the first goals); `specs` are the requests' specs.
fn setup(sets: &[&PolicySet], who: &PrincipalSpec, encoding: Encoding, specs: &[&RequestSpec]) -> (Encoder, Named, Vec<T>) {
    let policies = policies_of(sets);
    let named = Named::of(policies.iter().copied());
    let extra = predicate_policy(specs);
    let mut enc = Encoder::new(policies.iter().copied().chain(extra.as_ref()), encoding);
    enc.enable_facts();
    let goals = enc.principal_spec(who, &named);
    (enc, named, goals)
}

impl Encoder {
    /// Add request `prefix` of spec `req` — on `shared`'s resource when given — with its
    /// constraints pushed onto `goals`; returns its index and resource.
    fn add_spec_request(
        &mut self,
        prefix: &str,
        req: &RequestSpec,
        named: &Named,
        shared: Option<ResourceRep>,
        goals: &mut Vec<T>,
    ) -> (usize, ResourceRep) {
        let a = self.action_spec(prefix, &req.action);
        let r = match shared {
            Some(r) => r,
            None => {
                let (r, rc) = self.resource_spec(prefix, &req.resource, named);
                goals.extend(rc);
                goals.extend(self.same_partition(&r));
                r
            }
        };
        let i = self.add_request(a, r.clone());
        goals.extend(self.action_constraint(i, &req.action));
        goals.extend(self.shape_facts(i, &req.resource));
        goals.extend(self.context_spec(i, &req.context));
        (i, r)
    }

    /// The decision of `set` for request `i`, with the levers of `side` (which requests of
    /// `polarity` break the property) when `how` asks for them.
    fn decision_of(&mut self, set: &PolicySet, i: usize, how: Build, side: usize, polarity: Polarity) -> super::decision::DecisionTerms {
        self.lever_side(how.levers.then_some((side, polarity)));
        let d = self.decision(set, i);
        self.lever_side(None);
        d
    }
}

/// ∃ request matching (`who`, `req`) that `set` allows.
pub fn build_exists_allowed(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, how: impl Into<Build>, label: &str) -> Query {
    let how = how.into();
    let (mut enc, named, mut goals) = setup(&[set], who, how.encoding, &[req]);
    let (i, _) = enc.add_spec_request("q0.", req, &named, None, &mut goals);
    let d = enc.decision_of(set, i, how, 0, Polarity::Allowed);
    goals.push(d.allowed);
    enc.finish(goals, label)
}

/// ∃ request matching (`who`, `req`) that `set` does not allow.
pub fn build_exists_denied(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, how: Build, label: &str) -> Query {
    let (mut enc, named, mut goals) = setup(&[set], who, how.encoding, &[req]);
    let (i, _) = enc.add_spec_request("q0.", req, &named, None, &mut goals);
    let d = enc.decision_of(set, i, how, 0, Polarity::Refused);
    goals.push(enc.t.not(d.allowed));
    enc.finish(goals, label)
}

/// ∃ request matching (`who`, `req`), whatever `set` decides (`set` gives the encoder its
/// policies: the views of the keys they read, the values they name).
pub fn build_exists_request(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, how: Build, label: &str) -> Query {
    let (mut enc, named, mut goals) = setup(&[set], who, how.encoding, &[req]);
    enc.add_spec_request("q0.", req, &named, None, &mut goals);
    enc.finish(goals, label)
}

/// ∃ principal matching `who` and two requests both allowed by `set`; with `same_resource` the
/// two requests address the same resource.
pub fn build_allowed_pair(
    set: &PolicySet,
    who: &PrincipalSpec,
    first: &RequestSpec,
    second: &RequestSpec,
    same_resource: bool,
    how: impl Into<Build>,
    label: &str,
) -> Query {
    let how = how.into();
    let (mut enc, named, mut goals) = setup(&[set], who, how.encoding, &[first, second]);
    let (i0, r0) = enc.add_spec_request("q0.", first, &named, None, &mut goals);
    let (i1, _) = enc.add_spec_request("q1.", second, &named, same_resource.then_some(r0), &mut goals);
    for i in [i0, i1] {
        let d = enc.decision_of(set, i, how, 0, Polarity::Allowed);
        goals.push(d.allowed);
    }
    enc.finish(goals, label)
}

/// ∃ request matching (`who`, `req`) that `new` allows and `old` does not.
pub fn build_added_access(
    old: &PolicySet,
    new: &PolicySet,
    who: &PrincipalSpec,
    req: &RequestSpec,
    how: impl Into<Build>,
    label: &str,
) -> Query {
    let how = how.into();
    let (mut enc, named, mut goals) = setup(&[old, new], who, how.encoding, &[req]);
    let (i, _) = enc.add_spec_request("q0.", req, &named, None, &mut goals);
    let dn = enc.decision_of(new, i, how, 0, Polarity::Allowed);
    let dold = enc.decision_of(old, i, how, 1, Polarity::Refused);
    goals.push(dn.allowed);
    goals.push(enc.t.not(dold.allowed));
    enc.finish(goals, label)
}
