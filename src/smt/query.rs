//! A query as a value: what `crate::smt::encode` finishes into and `crate::smt::check` solves.
//! It holds the terms, the structural axioms, the string-shape axioms the solver gets lazily,
//! the goals (satisfiable exactly when the property is violated), what the encoder could not
//! express exactly, and the symbolic requests a model is decoded into (`decode.rs`). A query is
//! self-contained: it can be printed (`--dump-smt`, golden files), solved by any backend, and
//! its models decoded, made readable (`readable.rs`) and checked against every assertion.

use crate::smt::answer::Model;
use crate::smt::encode::request::{KeyRep, PrincipalRep, RequestRep};
use crate::smt::ground::Ground;
use crate::smt::options::Encoding;
use crate::smt::smtlib::script;
use crate::smt::term::{Terms, T};
use std::collections::BTreeMap;

pub struct Query {
    /// Names the query in SMT dumps and error messages.
    pub(super) label: String,
    pub(super) terms: Terms,
    pub(super) axioms: Vec<T>,
    /// Shape axioms of string values (a segment has no colon, an account is 12 digits, …): as
    /// much part of the query as `axioms`, but given to z3 lazily (`crate::smt::lazy`).
    pub(super) shapes: Vec<T>,
    pub(super) goals: Vec<T>,
    /// `axioms ∧ goals` as the solver gets them: after unit propagation for the default
    /// encoding, as they are for the baseline (`crate::smt::simplify::for_encoding`).
    pub(super) eager: Vec<T>,
    /// Every variable of the query, read back from a model (empty: no model is wanted).
    pub(super) want: Vec<T>,
    /// Constructs the encoding cannot express exactly; a query with any is `unknown`.
    pub(super) unsupported: Vec<String>,
    pub(super) encoding: Encoding,
    pub(super) principal: PrincipalRep,
    pub(super) requests: Vec<RequestRep>,
    /// Context keys shared by every request of the principal (tags, organization, user id).
    pub(super) shared_keys: BTreeMap<String, KeyRep>,
    /// The levers of an explanation query and their Booleans (`crate::model::lever`; empty for
    /// every other query).
    pub(super) levers: Vec<(crate::model::lever::Lever, T)>,
}

impl Query {
    pub fn label(&self) -> &str {
        &self.label
    }

    /// How many requests a model of the query decodes into.
    pub fn request_count(&self) -> usize {
        self.requests.len()
    }

    /// Why `q` gets no solver call under `opts`: a construct the encoding cannot express
    /// exactly, or the run's `--max-time` is over (an unknown with this reason).
    pub(super) fn unanswerable(&self, opts: &crate::smt::options::SolverOptions) -> Option<String> {
        if !self.unsupported.is_empty() {
            return Some(format!("not encodable exactly: {}", self.unsupported.join("; ")));
        }
        opts.past_deadline().then(|| crate::smt::options::DEADLINE_REACHED.to_string())
    }

    /// Every assertion, in the order the checks read them: axioms, goals, shapes.
    pub(super) fn assertions(&self) -> Vec<T> {
        let mut all = self.axioms.clone();
        all.extend_from_slice(&self.goals);
        all.extend_from_slice(&self.shapes);
        all
    }

    /// The whole query as an SMT-LIB2 script (axioms, shapes, goals), as the golden files
    /// hold it.
    pub fn smtlib(&self) -> String {
        let mut all = self.axioms.clone();
        all.extend_from_slice(&self.shapes);
        all.extend_from_slice(&self.goals);
        script(&self.terms, &all, true)
    }

    /// The first assertion (as its term number) that `model` does not satisfy.
    pub fn violated_by(&self, model: &Model) -> Option<u32> {
        let mut g = Ground::new(&self.terms, model);
        self.assertions().into_iter().find(|a| !g.bool(*a)).map(|a| a.0)
    }
}
