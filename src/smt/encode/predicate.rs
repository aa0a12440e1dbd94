//! Request predicates (`crate::model::request_spec::Predicate`) as terms, built from the
//! encoder's own statement matchers — a clause as in a Condition block, an action or resource
//! element as in a statement, a principal pattern as in an authorized-principal list — so that
//! a cell of an access finding means to the solver what it means to the evaluator
//! (`crate::eval::predicate`).

use crate::model::request_spec::Predicate;
use crate::smt::encode::Encoder;
use crate::smt::term::T;

impl Encoder {
    /// `p` holds for request `req`.
    pub(in crate::smt::encode) fn predicate(&mut self, req: usize, p: &Predicate) -> T {
        match p {
            Predicate::Clause(c) => self.clause(req, c),
            Predicate::Principal(pat) => self.principal_matches_pattern(pat),
            Predicate::Action(el) => self.action_element_cover(req, el),
            Predicate::Resource(el) => self.resource_element_cover(req, el),
            Predicate::Not(q) => {
                let t = self.predicate(req, q);
                self.t.not(t)
            }
            Predicate::And(ps) => {
                let ts: Vec<T> = ps.iter().map(|q| self.predicate(req, q)).collect();
                self.t.and(ts)
            }
            Predicate::Or(ps) => {
                let ts: Vec<T> = ps.iter().map(|q| self.predicate(req, q)).collect();
                self.t.or(ts)
            }
        }
    }
}
