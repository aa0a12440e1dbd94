//! Request predicates (`crate::model::request_spec::Predicate`) decided for one concrete
//! request, with the matchers the evaluator uses for statements: a cell of an access finding
//! holds for a request exactly when the statements' own clause, action and resource checks say
//! so, and the SMT encoding of the same predicate (`crate::smt::encode::predicate`) is replayed
//! against this.

use crate::model::request::Context;
use crate::model::request_spec::Predicate;
use crate::model::Request;

/// Does `p` hold for `req`?
pub fn holds(p: &Predicate, req: &Request) -> bool {
    holds_in(p, req, &req.effective_context())
}

fn holds_in(p: &Predicate, req: &Request, ctx: &Context) -> bool {
    match p {
        Predicate::Clause(c) => super::condition::eval_clause(c, ctx).holds,
        Predicate::Principal(pat) => req.principal.matches_spec_pattern(pat),
        Predicate::Action(el) => {
            let any = el.patterns.iter().any(|t| super::condition::template_matches(t, &req.action, ctx, true));
            any != el.negated
        }
        Predicate::Resource(el) => {
            let any = el.patterns.iter().any(|r| super::resource_pattern_matches(r, &req.resource, ctx));
            any != el.negated
        }
        Predicate::Not(q) => !holds_in(q, req, ctx),
        Predicate::And(ps) => ps.iter().all(|q| holds_in(q, req, ctx)),
        Predicate::Or(ps) => ps.iter().any(|q| holds_in(q, req, ctx)),
    }
}
