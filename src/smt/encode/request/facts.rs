//! The request-context facts as constraints on the symbolic request of a property: only
//! requests AWS can send are in its range (CONTROLS.md "Request-context facts"). The decision
//! itself (`decision.rs`) stays defined for every request, as `crate::eval` is, so a pinned
//! request decides the same either way; the facts narrow what a property ranges over.
//!
//! The request's shape: a cataloged KMS operation that takes no key (CreateKey, ListKeys, …)
//! is requested against `*`, and one that takes a key never is.

use crate::model::catalog::{self, KMS_ACTIONS};
use crate::model::request_spec::ResourceSpec;
use crate::smt::encode::Encoder;
use crate::smt::term::T;

impl Encoder {
    /// The shape facts of request `req`, whose resource comes from `resource`.
    pub(in crate::smt::encode) fn shape_facts(&mut self, req: usize, resource: &ResourceSpec) -> Vec<T> {
        let (keyless, keyed): (Vec<_>, Vec<_>) = KMS_ACTIONS.iter().partition(|a| !catalog::takes_a_key(&a.full_name()));
        let lower = |v: Vec<&catalog::KmsAction>| v.iter().map(|a| a.full_name().to_ascii_lowercase()).collect::<Vec<_>>();
        let (keyless, keyed) = (lower(keyless), lower(keyed));
        match resource {
            // A key ARN is never `*`: the action is not one that takes no key.
            ResourceSpec::Key { .. } => vec![self.action_none_of(req, &keyless)],
            ResourceSpec::Fixed(r) if r == "*" => vec![self.action_none_of(req, &keyed)],
            ResourceSpec::Fixed(_) => vec![self.action_none_of(req, &keyless)],
            ResourceSpec::Any => {
                let res = self.resource_term(req);
                let star = self.t.str("*");
                let is_star = self.t.eq(res, star);
                let not_keyless = self.action_none_of(req, &keyless);
                let not_keyed = self.action_none_of(req, &keyed);
                let keyless_star = self.t.or([not_keyless, is_star]);
                let not_star = self.t.not(is_star);
                let keyed_not_star = self.t.or([not_keyed, not_star]);
                vec![keyless_star, keyed_not_star]
            }
        }
    }
}
