//! The symbolic request, the twin of `crate::model::request`. A query ranges over requests
//! whose parts are either constants (a fixed principal, a fixed action, a fixed key ARN — then
//! every pattern over them folds before the solver sees it) or symbolic:
//! - principal (`principal.rs`): a kind (enum as Int), and for principals in an account the
//!   parts of its ARN (partition, account, path and name), a session for role sessions, a
//!   name for services and identity providers;
//! - action (`action.rs`): an index into the query's finite list of named actions (the catalog
//!   plus every action a policy names), plus optionally one *free* action, a lower-case string
//!   that is none of the named ones (an unlisted action, matched by wildcard patterns through
//!   string constraints);
//! - resource (`resource.rs`): a symbolic ARN, the six segments when the resource has five
//!   colons or more, else one string;
//! - context (`context.rs`): per referenced key, a presence flag and typed views of its value
//!   (string, number scaled to an integer, date in epoch ms, IP as a 128-bit vector, ARN
//!   segments), with one witness slot per clause for multivalued keys.
//!
//! Keys fixed by the request (aws:PrincipalArn, kms:CallerAccount, aws:ResourceAccount, …) are
//! views of the principal/resource, not free variables: that is the context-consistency axioms
//! of CONTROLS.md. Every choice mirrors `crate::eval` and `crate::model::request`.
//!
//! The request-context facts (`facts.rs`) narrow a property's requests to those AWS can send.
//!
//! This file holds the representations; the files beside it build them on the encoder and
//! turn the plain-data specs of `crate::model::request_spec` into their constraints. One type,
//! `SymArn`, is the ARN of the resource, of ARN-valued context keys and of the principal.

mod action;
mod context;
mod facts;
mod principal;
mod resource;

use crate::model::key::ContextKey;
use crate::model::principal::{Principal, PrincipalKind};
use crate::smt::term::{Terms, T};
use std::collections::BTreeMap;

/// A principal kind's integer in the encoding.
pub fn kind_index(k: PrincipalKind) -> i128 {
    PrincipalKind::ALL.iter().position(|x| *x == k).unwrap_or(0) as i128
}

pub fn kind_from_index(i: i128) -> PrincipalKind {
    PrincipalKind::ALL.get(i.max(0) as usize).copied().unwrap_or(PrincipalKind::Anonymous)
}

/// The symbolic principal.
#[derive(Debug, Clone)]
pub struct SymPrincipal {
    pub kind: T,
    /// Kinds the query allows.
    pub kinds: Vec<PrincipalKind>,
    /// Partition and account of principals in an account.
    pub part: T,
    pub account: T,
    /// IAM path (`""` or `division/`) and name of a user or role; the name of a federated user.
    pub path: T,
    pub pname: T,
    /// Service principal / identity provider / canonical user name.
    pub name: T,
    pub has_sess: T,
    /// Session name of a role session.
    pub sname: T,
    /// Accounts other than 12-digit ids the principal may have (named in the policies).
    pub extra_accounts: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum PrincipalRep {
    Const(Principal),
    Sym(SymPrincipal),
}

#[derive(Debug, Clone)]
pub enum ActionRep {
    Const {
        canonical: String,
        display: String,
    },
    Sym {
        idx: T,
        /// (lower-case name, display name) of each index.
        named: Vec<(String, String)>,
        /// The free action's lower-case name (index `named.len()`), when allowed, with the
        /// service it is restricted to.
        free: Option<(T, Option<String>)>,
        /// The textbook encoding: the action as one lower-case string, which every pattern
        /// matches by a regular expression; `idx` is then only its position in `named` (or
        /// `named.len()`), kept for decoding.
        text: Option<T>,
    },
}

/// (lower-case name, display name) of each named action, first spelling kept.
pub(super) fn named_list(named: &[String]) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Vec::new();
    for n in named {
        let lower = n.to_ascii_lowercase();
        if !list.iter().any(|(l, _)| *l == lower) {
            list.push((lower, n.clone()));
        }
    }
    list
}

/// Positions of the segments of a symbolic ARN (`SymArn::segs`, `arn_segments` order).
pub const PREFIX: usize = 0;
pub const PARTITION: usize = 1;
pub const SERVICE: usize = 2;
pub const REGION: usize = 3;
pub const ACCOUNT: usize = 4;
pub const RESOURCE: usize = 5;

/// A symbolic ARN, `Arn::parse`/`arn_segments` semantics: `split` holds when the string has
/// five colons or more; then it is the six segments joined by `:`, else `whole`.
#[derive(Debug, Clone, Copy)]
pub struct SymArn {
    pub split: T,
    pub segs: [T; 6],
    pub whole: T,
}

impl SymArn {
    /// The ARN as one string.
    pub fn text(&self, t: &mut Terms) -> T {
        let joined = join_arn(t, &self.segs);
        t.ite(self.split, joined, self.whole)
    }
}

/// The account that owns an ARN given as (splits, segments), `Arn::parse` semantics: (has
/// one, the account).
pub fn arn_owner(t: &mut Terms, split: T, segs: &[T; 6]) -> (T, T) {
    let arn = t.str("arn");
    let is_arn = t.eq(segs[PREFIX], arn);
    let empty = t.str("");
    let nonempty = t.ne(segs[ACCOUNT], empty);
    let has = t.and([split, is_arn, nonempty]);
    (has, segs[ACCOUNT])
}

/// The six segments joined by `:`. Every join the encoder builds has colon-free first
/// segments (an axiom or literals), which `Terms` uses to split equalities with literals.
pub fn join_arn(t: &mut Terms, segs: &[T; 6]) -> T {
    let colon = t.str(":");
    let mut parts = Vec::with_capacity(11);
    for (i, s) in segs.iter().enumerate() {
        if i > 0 {
            parts.push(colon);
        }
        parts.push(*s);
    }
    let j = t.concat(parts);
    if t.as_str(j).is_none() {
        t.register_join(j, *segs);
    }
    j
}

#[derive(Debug, Clone)]
pub enum ResourceRep {
    Lit(String),
    /// In the textbook encoding `text` is the resource as one string, which every Resource
    /// pattern matches by a regular expression (the segments are tied to it by an equation).
    Sym {
        arn: SymArn,
        text: Option<T>,
    },
}

/// Typed views of one value slot of a context key.
#[derive(Debug, Clone)]
pub struct Slot {
    pub active: T,
    /// The value as a string (String, Bool, Binary, Arn operators, variables).
    pub s: Option<T>,
    /// The ARN view of the string.
    pub arn: Option<SymArn>,
    /// Numeric view: (parses as a decimal, value × 10^scale).
    pub num: Option<(T, T, u32)>,
    /// Date view: (parses as a date, epoch ms).
    pub date: Option<(T, T)>,
    /// IP view: (parses as an address, is IPv6, 128-bit value).
    pub ip: Option<(T, T, T)>,
}

#[derive(Debug, Clone)]
pub struct KeyRep {
    pub key: ContextKey,
    pub present: T,
    pub multi: bool,
    pub slots: Vec<Slot>,
    /// Free (not derived) keys are decoded into the request's context.
    pub decode: bool,
    /// For a key that is derived when possible: the condition under which it is derived.
    pub derived_when: Option<T>,
}

/// How the policies use one key (decides its views and slot count).
#[derive(Debug, Clone, Default)]
pub struct KeyUsage {
    pub string: bool,
    pub arn: bool,
    pub numeric: bool,
    pub date: bool,
    pub ip: bool,
    /// Largest number of decimal digits of a Numeric value.
    pub scale: u32,
    pub clauses: usize,
    /// The key's name as the policies spell it, and the literal strings its clauses compare
    /// it with (the spellings an encryption-context key can have, `facts.rs`).
    pub spellings: Vec<String>,
    pub literals: Vec<String>,
}

/// One request of a query (the principal is shared by all of them).
#[derive(Debug, Clone)]
pub struct RequestRep {
    pub action: ActionRep,
    pub resource: ResourceRep,
    pub keys: BTreeMap<String, KeyRep>,
}
