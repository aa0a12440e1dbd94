//! The encoding of policies and requests into SMT terms, the symbolic twin of `crate::eval`:
//! - `request/` is the symbolic request (the twin of `crate::model::request`): the principal,
//!   action, resource and context of each request a query ranges over, the structural axioms
//!   that make them look like real ones, and the constraints of the plain-data request specs
//!   (`crate::model::request_spec`) properties describe them with;
//! - `pattern.rs` (globs with policy variables), `condition.rs` (condition clauses) and
//!   `decision.rs` (statements, policies, the whole AWS decision) mirror `crate::eval`
//!   function by function;
//! - `textbook.rs` is the whole-string baseline encoding kept for ablation;
//! - `build.rs` assembles the queries of the property primitives, `pin.rs` the symbolic
//!   decision of one concrete request (the differential tests).
//!
//! This file owns the encoder's state: the terms, the axioms, the lazily solved shape axioms,
//! the constructs the encoding cannot express, the symbolic requests, and how the policies use
//! each context key. Its fields are private to the encoding; an encoder finishes into a
//! `Query` value (`finish`), which is what the rest of keyward sees.

pub mod build;
mod caseless;
mod condition;
mod decision;
mod pattern;
pub mod pin;
mod predicate;
pub mod request;
mod textbook;

use crate::model::lever::{Lever, Polarity};
use crate::model::request::Context;
use crate::model::value::Decimal;
use crate::model::{ConditionValue, Family, Policy, Principal, Template};
use crate::smt::options::Encoding;
use crate::smt::query::Query;
use crate::smt::simplify;
use crate::smt::term::{Terms, T};
use request::{ActionRep, KeyRep, KeyUsage, PrincipalRep, RequestRep, ResourceRep};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A template part after variable resolution: literal text, a wildcard, or a string term.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TPart {
    Lit(String),
    Star,
    Qmark,
    Term(T),
}

/// A resolved template: the condition under which every variable resolves, and the parts.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub ok: T,
    pub parts: Vec<TPart>,
}

/// The encoder: terms, axioms, and the symbolic request(s) of one query.
#[derive(Clone)]
pub struct Encoder {
    t: Terms,
    axioms: Vec<T>,
    /// Shape axioms of string values (a segment has no colon, an account is 12 digits, a name
    /// is not empty, …). They are as much part of the query as `axioms`, but the solver gets
    /// them lazily (`crate::smt::lazy`): z3's string solver spends seconds on them, and a
    /// model of the query without them usually satisfies them or is repaired to.
    shapes: Vec<T>,
    /// Constructs the encoding cannot express exactly; a query with any is `Unknown`.
    unsupported: Vec<String>,
    principal: PrincipalRep,
    requests: Vec<RequestRep>,
    usage: HashMap<String, KeyUsage>,
    shared_keys: BTreeMap<String, KeyRep>,
    /// Extra value slots for keys (used when a concrete request pins more values).
    extra_slots: HashMap<String, usize>,
    /// A concrete context: free keys become constants (everything folds).
    const_context: Option<Context>,
    /// Smallest decimal scale of a key's numeric view (pinned values may have more digits than
    /// any policy constant).
    min_scale: HashMap<String, u32>,
    principal_axioms_done: bool,
    /// The Boolean of each glob encoded by a word equation (`pattern.rs`, `glob_split`).
    glob_defs: HashMap<(Vec<TPart>, T), T>,
    /// The one-character variables a string is split into for case-insensitive comparisons
    /// with literals of one length (`caseless.rs`).
    caseless_splits: HashMap<(T, usize), Vec<T>>,
    /// Free action variables constrained to differ from every named action: a literal action
    /// pattern naming one of those can never match them (folded while encoding).
    distinct_free: HashSet<T>,
    /// The textbook whole-string encoding for ablation (`--encoding baseline`, `textbook.rs`):
    /// actions and resources are single strings and every wildcard is a regular expression.
    textbook: bool,
    /// Keep the query's requests to those AWS can send (`request/facts.rs`): on for the
    /// property queries, off for a pinned request, which is decided as the evaluator decides it.
    facts: bool,
    /// Some policy's key resource pattern can only match what is no key id (`key/MRK-*`,
    /// `key/alice`): the facts then ask for well-formed key ids.
    key_id_patterns: bool,
    cross_facts_done: bool,
    /// With the facts: the number of witness slots of kms:EncryptionContextKeys and the
    /// kms:EncryptionContext keys whose own slots follow them (`request/facts.rs`).
    ec_slots: Option<(usize, Vec<String>)>,
    /// Each clause's term per request, built once: a clause an access cell repeats from a
    /// statement is then the statement's own term (a case-insensitive match builds fresh
    /// variables, and two copies of one would be two constraints for the solver to relate).
    clause_terms: HashMap<(usize, crate::model::condition::Clause), T>,
    /// While a decision is encoded for an explanation: the side of the question and how its
    /// requests break the property (`crate::model::lever`). `None`: no levers.
    lever_side: Option<(usize, Polarity)>,
    /// The Boolean of each lever the decisions used (shared by the requests of one side).
    levers: BTreeMap<Lever, T>,
}

impl Encoder {
    /// A new encoder for queries over `policies` (their keys decide the context views).
    pub fn new<'a>(policies: impl IntoIterator<Item = &'a Policy>, encoding: Encoding) -> Encoder {
        let policies: Vec<&Policy> = policies.into_iter().collect();
        let key_id_patterns = names_malformed_key_ids(&policies);
        let mut t = Terms::new();
        // Term 2 is the integer 0 in every query (the golden files number terms from here).
        t.int(0);
        Encoder {
            t,
            axioms: Vec::new(),
            shapes: Vec::new(),
            unsupported: Vec::new(),
            principal: PrincipalRep::Const(Principal::anonymous()),
            requests: Vec::new(),
            usage: key_usage(policies.iter().copied()),
            shared_keys: BTreeMap::new(),
            extra_slots: HashMap::new(),
            const_context: None,
            min_scale: HashMap::new(),
            principal_axioms_done: false,
            glob_defs: HashMap::new(),
            caseless_splits: HashMap::new(),
            distinct_free: HashSet::new(),
            textbook: encoding == Encoding::Baseline,
            facts: false,
            cross_facts_done: false,
            ec_slots: None,
            clause_terms: HashMap::new(),
            lever_side: None,
            levers: BTreeMap::new(),
            key_id_patterns,
        }
    }

    /// Add a request; returns its index.
    fn add_request(&mut self, action: ActionRep, resource: ResourceRep) -> usize {
        self.requests.push(RequestRep { action, resource, keys: BTreeMap::new() });
        self.requests.len() - 1
    }

    fn unsupported(&mut self, why: String) {
        if !self.unsupported.contains(&why) {
            self.unsupported.push(why);
        }
    }

    /// The scaled integer of a decimal constant for a key's numeric view.
    fn scaled(&mut self, d: &Decimal, scale: u32) -> T {
        let v = d.mantissa * 10i128.pow(scale.saturating_sub(d.scale));
        self.t.int(v)
    }

    /// Finish the query "∃ requests: axioms ∧ goals": the principal's structural axioms are
    /// added, and the eager part is propagated for the solver (`simplify::for_encoding`).
    /// `label` names the query in SMT dumps.
    pub fn finish(self, goals: Vec<T>, label: &str) -> Query {
        self.finish_query(goals, label, true)
    }

    /// `finish`, reading the model back or not (`model`: a query only asked sat or unsat).
    fn finish_query(mut self, goals: Vec<T>, label: &str, model: bool) -> Query {
        self.cross_facts();
        self.principal_axioms();
        let encoding = if self.textbook { Encoding::Baseline } else { Encoding::Default };
        let mut eager = self.axioms.clone();
        eager.extend_from_slice(&goals);
        let (eager, want) = if self.unsupported.is_empty() {
            let mut assertions = eager.clone();
            assertions.extend_from_slice(&self.shapes);
            let want = if model { self.t.vars(&assertions) } else { Vec::new() };
            (simplify::for_encoding(encoding, &mut self.t, eager), want)
        } else {
            // Never solved (`crate::smt::check` answers unknown).
            (eager, Vec::new())
        };
        Query {
            label: label.to_string(),
            terms: self.t,
            axioms: self.axioms,
            shapes: self.shapes,
            goals,
            eager,
            want,
            unsupported: self.unsupported,
            encoding,
            principal: self.principal,
            requests: self.requests,
            shared_keys: self.shared_keys,
            levers: self.levers.into_iter().collect(),
        }
    }

    /// The decisions encoded from now on give their statements levers of `side`, which
    /// requests of `polarity` break (`None`: no levers).
    pub(in crate::smt::encode) fn lever_side(&mut self, side: Option<(usize, Polarity)>) {
        self.lever_side = side;
    }

    /// The Boolean of lever `l` (true: the part as written).
    fn lever(&mut self, l: Lever) -> T {
        if let Some(t) = self.levers.get(&l) {
            return *t;
        }
        let t = self.t.var(&l.var_name(), crate::smt::term::Sort::Bool);
        self.levers.insert(l, t);
        t
    }
}

/// Does a Resource or NotResource pattern of `policies` name KMS keys by a key part that no
/// key id (36 characters of lower-case hex digits and dashes, or mrk- and hex digits) can
/// match in full: a literal character outside `[0-9a-f-]` other than the `mrk` of `mrk-`, or
/// a literal key part that is not an id? Only then can the key-id fact change an answer; it
/// costs z3 seconds where policy variables name keys.
fn names_malformed_key_ids(policies: &[&Policy]) -> bool {
    policies.iter().flat_map(|p| p.statements.iter()).flat_map(|s| s.resource.iter().flat_map(|r| r.patterns.iter())).any(|pat| {
        let raw = pat.raw();
        let Some(at) = raw.find(":key/") else { return false };
        if !raw.starts_with("arn:") || !raw.split(':').nth(2).is_some_and(|svc| svc.contains("kms") || svc.contains(['*', '?'])) {
            return false;
        }
        let part = &raw[at + 5..];
        if part.contains("${") {
            return false;
        }
        let literal = !part.contains(['*', '?']);
        let body = part.strip_prefix("mrk-").unwrap_or(part);
        let wrong_length = !part.contains('*') && part.chars().count() != 36;
        (literal && !crate::model::context_facts::well_formed_key_id(part))
            || wrong_length
            || body.chars().any(|c| !(c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '-' || c == '*' || c == '?'))
    })
}

/// How the policies use each context key: which typed views its values need (string, ARN,
/// number with its largest scale, date, IP) and how many clauses read it (one value slot each
/// for multivalued keys). Keys named by policy variables are read as strings.
fn key_usage<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> HashMap<String, KeyUsage> {
    let mut usage: HashMap<String, KeyUsage> = HashMap::new();
    for p in policies {
        for s in &p.statements {
            for c in &s.conditions {
                let u = usage.entry(c.key.canonical().to_string()).or_default();
                u.clauses += 1;
                if !u.spellings.iter().any(|x| x == c.key.name()) {
                    u.spellings.push(c.key.name().to_string());
                }
                for v in &c.values {
                    if let Some(l) = if let ConditionValue::Str(t) = v { t.as_literal() } else { None } {
                        if !u.literals.contains(&l) {
                            u.literals.push(l);
                        }
                    }
                }
                match c.operator.base.family() {
                    Family::String | Family::Bool | Family::Binary => u.string = true,
                    Family::Arn => {
                        u.string = true;
                        u.arn = true;
                    }
                    Family::Numeric => {
                        u.numeric = true;
                        for v in &c.values {
                            if let ConditionValue::Num(d) = v {
                                u.scale = u.scale.max(d.scale);
                            }
                        }
                    }
                    Family::Date => u.date = true,
                    Family::Ip => u.ip = true,
                    Family::Null => {}
                }
                for v in &c.values {
                    let templates: Vec<&Template> = match v {
                        ConditionValue::Str(t) => vec![t],
                        ConditionValue::Arn(a) => a.segments.iter().collect(),
                        _ => vec![],
                    };
                    for t in templates {
                        for var in t.variables() {
                            usage.entry(var.key.canonical().to_string()).or_default().string = true;
                        }
                    }
                }
            }
            if let Some(r) = &s.resource {
                for p in &r.patterns {
                    for t in p.templates() {
                        for var in t.variables() {
                            usage.entry(var.key.canonical().to_string()).or_default().string = true;
                        }
                    }
                }
            }
        }
    }
    usage
}
