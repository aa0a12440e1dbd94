//! The vocabulary of access findings, without the solver: a *cell* is a set of requests —
//! who (anyone, an organization, an account, a service, one principal), on which resources,
//! which actions, and a *cube* of the policies' own condition clauses, each required to hold
//! or to fail — written as a `Predicate` the evaluator and the encoder both decide. This file
//! builds the candidate cells around one allowed request, most general first (the chains the
//! enumeration of `mod.rs` tries), and groups the cataloged KMS actions into classes the
//! policies cannot tell apart.

use crate::eval::condition::template_matches;
use crate::eval::predicate::holds;
use crate::model::catalog::{self, KMS_ACTIONS};
use crate::model::condition::{parse_arn_pattern, Clause, ConditionValue, Operator};
use crate::model::policy::ResourcePattern;
use crate::model::request::Context;
use crate::model::request_spec::Predicate;
use crate::model::template::{Syntax, Template};
use crate::model::value::ArnParts;
use crate::model::{ActionElement, ContextKey, Effect, PolicySet, PrincipalKind, Request, ResourceElement};

/// Who a cell's requests come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    /// Every principal the question ranges over (for an identity policy: its holders).
    Anyone,
    /// Principals of this type, of any account (`aws:PrincipalType`: `Account` for root
    /// users, `User`, `AssumedRole`, `FederatedUser`).
    Type(String),
    /// Principals of this AWS organization (`aws:PrincipalOrgID`).
    Organization(String),
    /// Principals of this account.
    Account(String),
    /// Every service principal.
    AnyService,
    /// This service principal.
    Service(String),
    /// This IAM principal (a role covers its sessions).
    Principal(String),
    /// Unauthenticated callers.
    Anonymous,
}

impl Who {
    pub fn predicate(&self) -> Option<Predicate> {
        Some(match self {
            Who::Anyone => return None,
            Who::Type(t) => Predicate::Clause(string_equals("aws:PrincipalType", t)?),
            Who::Organization(o) => Predicate::Clause(string_equals("aws:PrincipalOrgID", o)?),
            Who::Account(a) => Predicate::Principal(a.clone()),
            Who::AnyService => Predicate::Principal("*".into()),
            Who::Service(s) => Predicate::Principal(s.clone()),
            Who::Principal(p) => Predicate::Principal(p.clone()),
            // Neither an IAM principal (any ARN) nor a service (any name).
            Who::Anonymous => {
                Predicate::negate(Predicate::Or(vec![Predicate::Principal("arn:*".into()), Predicate::Principal("*".into())]))
            }
        })
    }
}

/// `key StringEquals value`, as a statement would write it.
pub fn string_equals(key: &str, value: &str) -> Option<Clause> {
    let operator = Operator::parse("StringEquals").ok()?;
    let value = ConditionValue::parse(&operator, value, false).ok()?;
    Some(Clause { operator, key: ContextKey::new(key), values: vec![value], path: String::new() })
}

/// On which resources.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every resource the question ranges over (a key policy's: its key).
    Any,
    /// Resources a pattern covers: a Resource entry of the policies, or every key of an
    /// account (`arn:*:kms:*:ACCOUNT:key/*`).
    Pattern(ResourcePattern),
    /// Exactly this resource.
    Exactly(String),
}

impl Scope {
    pub fn predicate(&self) -> Option<Predicate> {
        let one = |p: ResourcePattern| Predicate::Resource(ResourceElement { negated: false, patterns: vec![p] });
        match self {
            Scope::Any => None,
            Scope::Pattern(p) => Some(one(p.clone())),
            // An ARN segment by segment, as the statements' own ARN patterns are matched (a
            // whole-string equality would make the solver relate the string to its segments).
            Scope::Exactly(r) if ArnParts::split(r).is_some_and(|a| a.is_arn()) && !r.contains(['*', '?', '$']) => {
                Some(one(ResourcePattern::Arn(parse_arn_pattern(r, false).ok()?)))
            }
            Scope::Exactly(r) => Some(one(ResourcePattern::Whole(Template::literal(r)))),
        }
    }

    pub fn render(&self) -> String {
        match self {
            Scope::Any => "*".into(),
            Scope::Pattern(p) => p.raw(),
            Scope::Exactly(r) => r.clone(),
        }
    }
}

/// Which actions: cataloged ones, and the actions the catalog does not list (AWS may add them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Actions {
    /// `kms:Name`, in catalog order.
    pub named: Vec<String>,
    pub unlisted: Option<Unlisted>,
}

/// Uncataloged KMS actions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unlisted {
    /// Every one.
    All,
    /// Those one of `only` covers (every one when empty) and none of `except` does: Action
    /// patterns of the policies (`kms:ReEncrypt*`), which alone tell uncataloged actions apart.
    Filter { only: Vec<String>, except: Vec<String> },
    /// This one.
    One(String),
}

impl Unlisted {
    /// Every action of `other` is one of these.
    fn includes(&self, other: &Unlisted) -> bool {
        match (self, other) {
            (Unlisted::All, _) => true,
            (Unlisted::Filter { only: a, except: ea }, Unlisted::Filter { only: b, except: eb }) => {
                ea.iter().all(|e| eb.contains(e)) && (a.is_empty() || (!b.is_empty() && b.iter().all(|x| a.contains(x))))
            }
            (x, y) => x == y,
        }
    }

    /// The union, when one of these says it.
    fn union(&self, other: &Unlisted) -> Option<Unlisted> {
        if self.includes(other) {
            return Some(self.clone());
        }
        if other.includes(self) {
            return Some(other.clone());
        }
        match (self, other) {
            (Unlisted::Filter { only: a, except: ea }, Unlisted::Filter { only: b, except: eb })
                if ea == eb && !a.is_empty() && !b.is_empty() =>
            {
                let mut only = a.clone();
                only.extend(b.iter().filter(|x| !a.contains(x)).cloned());
                Some(Unlisted::Filter { only, except: ea.clone() })
            }
            _ => None,
        }
    }
}

impl Actions {
    pub fn predicate(&self) -> Option<Predicate> {
        let element = |names: &[String], wildcards: bool| {
            let patterns = names.iter().filter_map(|n| Template::parse(n, Syntax { wildcards, variables: false }).ok()).collect();
            Predicate::Action(ActionElement { negated: false, patterns })
        };
        let catalog: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
        let unlisted = self.unlisted.as_ref().map(|u| {
            let outside = Predicate::negate(element(&catalog, false));
            match u {
                Unlisted::All => outside,
                Unlisted::Filter { only, except } => {
                    let mut parts = vec![outside];
                    if !only.is_empty() {
                        parts.push(element(only, true));
                    }
                    if !except.is_empty() {
                        parts.push(Predicate::negate(element(except, true)));
                    }
                    Predicate::And(parts)
                }
                Unlisted::One(a) => element(std::slice::from_ref(a), false),
            }
        });
        let mut alts = Vec::new();
        if !self.named.is_empty() {
            alts.push(element(&self.named, false));
        }
        alts.extend(unlisted);
        Some(Predicate::Or(alts))
    }

    /// Every request action of `other` is one of these.
    pub fn includes(&self, other: &Actions) -> bool {
        let unlisted_ok = match (&self.unlisted, &other.unlisted) {
            (_, None) => true,
            (Some(a), Some(b)) => a.includes(b),
            (None, Some(_)) => false,
        };
        unlisted_ok && other.named.iter().all(|n| self.named.contains(n))
    }

    /// The union (named in catalog order), when one `Actions` says it.
    pub fn union(&self, other: &Actions) -> Option<Actions> {
        let named = KMS_ACTIONS.iter().map(|a| a.full_name()).filter(|n| self.named.contains(n) || other.named.contains(n)).collect();
        let unlisted = match (&self.unlisted, &other.unlisted) {
            (Some(a), Some(b)) => Some(a.union(b)?),
            (a, None) => a.clone(),
            (None, b) => b.clone(),
        };
        Some(Actions { named, unlisted })
    }
}

/// One atom of the policies, required to hold (`holds`) or to fail.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Literal {
    pub atom: usize,
    pub holds: bool,
}

/// What an atom tests.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AtomKind {
    /// A condition clause.
    Clause(Clause),
    /// A Resource/NotResource entry covers the resource (questions over many resources).
    Resource(ResourcePattern),
    /// The principal matches a pattern a Deny statement, or an Allow's NotPrincipal, names.
    Principal(String),
}

/// A test the policies make of a request (deduplicated), with the first statement that
/// makes it.
#[derive(Debug, Clone)]
pub struct Atom {
    pub kind: AtomKind,
    /// `key policy #2 (Sid)` and the like.
    pub statement: String,
    pub effect: Effect,
}

impl Atom {
    pub fn predicate(&self) -> Predicate {
        match &self.kind {
            AtomKind::Clause(c) => Predicate::Clause(c.clone()),
            AtomKind::Resource(p) => Predicate::Resource(ResourceElement { negated: false, patterns: vec![p.clone()] }),
            AtomKind::Principal(p) => Predicate::Principal(p.clone()),
        }
    }
}

/// The atoms of `set`: every clause of every statement, in policy and statement order; with
/// `resources`, every Resource entry; the principals Deny statements and NotPrincipal name.
pub fn atoms(set: &PolicySet, resources: bool) -> Vec<Atom> {
    let mut out: Vec<Atom> = Vec::new();
    let same_clause = |a: &AtomKind, c: &Clause| match a {
        AtomKind::Clause(x) => x.operator == c.operator && x.key == c.key && x.values == c.values,
        _ => false,
    };
    for (role, p) in set.policies() {
        for s in &p.statements {
            let statement = format!("{} {}", role_name(role), s.label());
            let push = |kind: AtomKind, out: &mut Vec<Atom>| {
                let dup = out.iter().any(|a| match (&a.kind, &kind) {
                    (AtomKind::Clause(_), AtomKind::Clause(c)) => same_clause(&a.kind, c),
                    (x, y) => x == y,
                });
                if !dup {
                    out.push(Atom { kind, statement: statement.clone(), effect: s.effect });
                }
            };
            if let Some(el) = s.principal.as_ref().filter(|el| s.effect == Effect::Deny || el.negated) {
                for pat in &el.patterns {
                    if let Some(text) = principal_pattern_text(pat) {
                        push(AtomKind::Principal(text), &mut out);
                    }
                }
            }
            if resources {
                for pat in s.resource.iter().flat_map(|e| e.patterns.iter()) {
                    push(AtomKind::Resource(pat.clone()), &mut out);
                }
            }
            for c in &s.conditions {
                push(AtomKind::Clause(c.clone()), &mut out);
            }
        }
    }
    out
}

/// A Principal entry as an authorized-principal pattern (`Predicate::Principal`).
fn principal_pattern_text(p: &crate::model::principal::PrincipalPattern) -> Option<String> {
    use crate::model::principal::PrincipalPattern as P;
    match p {
        P::Account(a) => Some(a.clone()),
        P::Arn(a) => Some(a.clone()),
        P::Service(s) => Some(s.clone()),
        _ => None,
    }
}

pub fn role_name(role: crate::model::PolicyRole) -> &'static str {
    use crate::model::PolicyRole::*;
    match role {
        Identity => "identity policy",
        KeyPolicy => "key policy",
        Boundary => "permissions boundary",
        Scp => "SCP",
        Session => "session policy",
        Grant => "grant",
    }
}

/// A cell: the requests of the question that satisfy every part.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cell {
    pub who: Who,
    pub scope: Scope,
    pub actions: Actions,
    pub literals: Vec<Literal>,
}

impl Cell {
    pub fn predicate(&self, atoms: &[Atom]) -> Predicate {
        let mut parts: Vec<Predicate> = Vec::new();
        parts.extend(self.who.predicate());
        parts.extend(self.scope.predicate());
        parts.extend(self.actions.predicate());
        for l in &self.literals {
            if let Some(a) = atoms.get(l.atom) {
                let c = a.predicate();
                parts.push(if l.holds { c } else { Predicate::negate(c) });
            }
        }
        Predicate::And(parts)
    }
}

/// Who the request comes from, most general first: anyone, its organization (when the
/// policies read it), its account, then the principal itself (a role for its sessions).
pub fn who_chain(set: &PolicySet, r: &Request) -> Vec<Who> {
    let p = &r.principal;
    let mut out = vec![Who::Anyone];
    // Every principal of its type — in any account — is what an identity policy of unnamed
    // holders (or a set without a key policy, where any root user is allowed) grants.
    if let Some(t) = p.kind.principal_type() {
        out.push(Who::Type(t.to_string()));
    }
    let ctx = r.effective_context();
    if set.keys_read().contains("aws:principalorgid") {
        if let Some([org]) = ctx.get(&ContextKey::new("aws:PrincipalOrgID")) {
            out.push(Who::Organization(org.clone()));
        }
    }
    match p.kind {
        k if k.in_account() => {
            out.push(Who::Account(p.account.clone()));
            out.push(Who::Principal(p.arn.clone()));
        }
        PrincipalKind::Service => {
            out.push(Who::AnyService);
            out.push(Who::Service(p.arn.clone()));
        }
        _ => out.push(Who::Anonymous),
    }
    let mut seen = Vec::new();
    out.retain(|w| {
        let new = !seen.contains(w) && w.predicate().map_or(true, |q| holds(&q, r));
        seen.push(w.clone());
        new
    });
    out
}

/// The resources, most general first: any, each Resource entry of an Allow statement that
/// covers the request's resource, every key of its account, the resource itself.
pub fn scope_chain(set: &PolicySet, r: &Request, fixed: bool) -> Vec<Scope> {
    if fixed {
        return vec![Scope::Any];
    }
    let ctx = r.effective_context();
    let mut out = vec![Scope::Any];
    for (_, p) in set.policies() {
        for s in p.statements.iter().filter(|s| s.effect == Effect::Allow) {
            for pat in s.resource.iter().filter(|e| !e.negated).flat_map(|e| e.patterns.iter()) {
                if crate::eval::resource_pattern_matches(pat, &r.resource, &ctx) {
                    out.push(Scope::Pattern(pat.clone()));
                }
            }
        }
    }
    if let Some(a) = ArnParts::split(&r.resource).filter(|a| a.service == "kms" && a.resource.starts_with("key/")) {
        if let Ok(p) = parse_arn_pattern(&format!("arn:*:kms:*:{}:key/*", a.account), false) {
            out.push(Scope::Pattern(ResourcePattern::Arn(p)));
        }
    }
    out.push(Scope::Exactly(r.resource.clone()));
    let mut kept: Vec<Scope> = Vec::new();
    for s in out {
        let covers = s.predicate().map_or(true, |q| holds(&q, r));
        if covers && !kept.contains(&s) {
            kept.push(s);
        }
    }
    kept
}

/// The cataloged KMS actions grouped by what the policies and the request facts can tell of
/// them: which Action elements cover them, whether they take a key and may come from another
/// account, and which of the condition keys the policies read they carry. Two actions of a
/// class are decided alike in every request that differs only in its action — a heuristic for
/// which actions to try together: each finding's actions are proved, not assumed.
pub fn action_classes(set: &PolicySet) -> Vec<Vec<String>> {
    let empty = Context::new();
    let statements: Vec<&crate::model::Statement> = set.policies().flat_map(|(_, p)| p.statements.iter()).collect();
    let mut keys: Vec<String> = set.keys_read().into_iter().collect();
    keys.sort();
    let wildcards: Vec<&Template> =
        statements.iter().flat_map(|s| s.action.patterns.iter()).filter(|t| t.raw().contains(['*', '?'])).collect();
    let mut classes: Vec<(Vec<bool>, Vec<String>)> = Vec::new();
    for a in KMS_ACTIONS.iter() {
        let name = a.full_name();
        let mut sig: Vec<bool> = statements.iter().map(|s| crate::eval::action_matches(s, &name, &empty)).collect();
        // Each wildcard entry too: `kms:ReEncrypt*` tells ReEncryptFrom apart from Decrypt
        // where both are in one statement's list.
        sig.extend(wildcards.iter().map(|t| template_matches(t, &name, &empty, true)));
        sig.push(catalog::takes_a_key(&name));
        sig.push(catalog::cross_account_allowed(&name));
        sig.extend(keys.iter().map(|k| crate::model::context_facts::listed_for(k, &name) != Some(false)));
        match classes.iter_mut().find(|(s, _)| *s == sig) {
            Some((_, members)) => members.push(name),
            None => classes.push((sig, vec![name])),
        }
    }
    classes.into_iter().map(|(_, m)| m).collect()
}

/// Can an Allow statement of `set` cover `action` at all (whatever the request)?
pub fn some_allow_covers(set: &PolicySet, action: &str) -> bool {
    let empty = Context::new();
    set.policies().any(|(_, p)| p.statements.iter().any(|s| s.effect == Effect::Allow && crate::eval::action_matches(s, action, &empty)))
}

/// The action of the request, most general first: its class, or — for an uncataloged action —
/// every uncataloged one, those each covering Allow pattern covers, the action itself.
pub fn action_chain(set: &PolicySet, r: &Request, classes: &[Vec<String>]) -> Vec<Actions> {
    if let Some(class) = classes.iter().find(|c| c.iter().any(|n| n.eq_ignore_ascii_case(&r.action))) {
        let own = catalog::lookup(&r.action).map(|a| a.full_name()).unwrap_or_else(|| r.action.clone());
        let mut out = vec![Actions { named: class.clone(), unlisted: None }];
        if class.len() > 1 {
            out.push(Actions { named: vec![own], unlisted: None });
        }
        return out;
    }
    let empty = Context::new();
    let mut except: Vec<String> = Vec::new();
    let mut only: Vec<String> = Vec::new();
    // Every entry that grants uncataloged actions, whether it covers this one or not.
    let mut granting: Vec<String> = Vec::new();
    for (_, p) in set.policies() {
        for s in &p.statements {
            for t in s.action.patterns.iter().filter(|t| t.raw().contains(['*', '?'])) {
                let raw = t.raw().to_string();
                let removes = s.effect == Effect::Deny || s.action.negated;
                let grants = (s.effect == Effect::Allow && !s.action.negated) || (s.effect == Effect::Deny && s.action.negated);
                if grants && !granting.contains(&raw) {
                    granting.push(raw.clone());
                }
                if !template_matches(t, &r.action, &empty, true) {
                    if removes && !except.contains(&raw) {
                        except.push(raw);
                    }
                } else if grants && !only.contains(&raw) {
                    // An Allow's entry grants the actions it covers; a Deny's NotAction entry
                    // spares them.
                    only.push(raw);
                }
            }
        }
    }
    let filter = |only: Vec<String>| Actions { named: vec![], unlisted: Some(Unlisted::Filter { only, except: except.clone() }) };
    let mut out = vec![Actions { named: vec![], unlisted: Some(Unlisted::All) }];
    if !except.is_empty() {
        out.push(filter(vec![]));
    }
    // Those any granting entry covers, then those each covering one does: one finding for the
    // future actions of a statement of ten wildcards, not ten findings merged afterwards (the
    // KMS Developer Guide's key administrators statement).
    // Only entries that can name a KMS action (`kms:Get*`, not `acm:Get*`), and none a
    // removing entry names (those stay exceptions).
    granting.retain(|raw| {
        let service = raw.split(':').next().unwrap_or_default();
        (service.eq_ignore_ascii_case("kms") || !raw.contains(':') || service.contains(['*', '?'])) && !except.contains(raw)
    });
    if !only.is_empty() && granting.len() > 1 && only.iter().all(|p| granting.contains(p)) {
        out.push(filter(granting));
    }
    out.extend(only.iter().map(|p| filter(vec![p.clone()])));
    out.push(Actions { named: vec![], unlisted: Some(Unlisted::One(r.action.clone())) });
    out
}
