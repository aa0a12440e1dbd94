//! Candidate synthesis: settle an exists-allowed question without the solver when some Allow
//! statement grants it outright (#15, what S3 Block Public Access does in its authorization
//! path). From each Allow statement that could grant the question, concrete requests are built
//! that meet its conditions directly — values taken from the condition's own literals and
//! patterns (wildcards filled with readable text, variables resolved against the request),
//! fresh values elsewhere — and a Deny that still applies is escaped, where one of its clauses
//! can be falsified, by the same means. Each candidate is then checked exactly:
//! - it is one of the property's requests (`admits`: the principal, action, resource and
//!   context specs, with the encoder's meaning of *fresh* and *arbitrary*);
//! - AWS can send it: the facts check (`crate::model::request_facts`) finds nothing impossible,
//!   and nothing left out that every real request carries and a policy reads;
//! - the concrete evaluator allows it.
//!
//! A candidate that passes all three *is* a violation with a confirmed counterexample, so the
//! synthesis is exact in what it reports; it is incomplete (a question it cannot settle goes to
//! the solver, which decides it either way). Candidates are tried in a fixed order, so the
//! answer is a function of the question alone.

use super::candidate_values::{fill, fill_always_present, fill_arn, fill_principal_arn, guess_action, typed_default, values_for};
use crate::eval::condition::eval_clause;
use crate::eval::{action_matches, evaluate};
use crate::model::condition::{Clause, ConditionValue};
use crate::model::context_facts;
use crate::model::key::ContextKey;
use crate::model::named::Named;
use crate::model::policy::{Effect, ResourcePattern, Statement};
use crate::model::principal::{Principal, PrincipalKind, PrincipalPattern};
use crate::model::request::{Context, Request};
use crate::model::request_facts::{self, Severity};
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::template::Part;
use crate::model::{value::Arn, value::Timestamp, Decision, PolicySet};
use crate::smt::readable::Role;
use std::collections::HashSet;

/// At most this many candidates per question: past them the solver is cheaper.
const MAX_CANDIDATES: usize = 48;
/// Actions tried per (statement, principal).
const ACTIONS_PER_PRINCIPAL: usize = 4;
/// Rounds of escaping the Deny statements that still apply to a candidate.
const ESCAPE_ROUNDS: usize = 3;

/// What the synthesis found, and how many candidates it evaluated.
#[derive(Debug, Clone)]
pub struct Synthesized {
    pub request: Option<Request>,
    pub tried: usize,
}

/// The question, with what every candidate is checked against.
struct Question<'a> {
    set: &'a PolicySet,
    who: &'a PrincipalSpec,
    req: &'a RequestSpec,
    named: Named,
    read: HashSet<String>,
    /// Some key the policies read is in every request of some caller (the time, …): only then
    /// can a candidate lack one that matters.
    reads_always_present: bool,
    /// Literal actions the policies name (an unlisted action is none of them).
    literal_actions: HashSet<String>,
    /// The named actions of a `Patterns` spec (expanded once).
    expanded: Vec<String>,
    at: Option<Timestamp>,
}

/// Search for an allowed request of (`who`, `req`) under `set` (see the module comment).
pub fn synthesize(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, at: Option<Timestamp>) -> Synthesized {
    let q = Question::new(set, who, req, at);
    let mut tried = 0;
    let mut seen: HashSet<String> = HashSet::new();
    for (_, policy) in set.policies() {
        for s in policy.statements.iter().filter(|s| s.effect == Effect::Allow && s.resource.is_some()) {
            let actions = q.actions(s);
            if actions.is_empty() {
                continue;
            }
            for principal in q.principals(s) {
                // A few actions per principal: the statement grants them alike, unless a Deny
                // tells them apart.
                for action in actions.iter().take(ACTIONS_PER_PRINCIPAL) {
                    let base = Request { principal: principal.clone(), action: action.clone(), resource: String::new(), context: q.time() };
                    if !action_matches(s, action, &base.effective_context()) {
                        continue;
                    }
                    for resource in q.resources(s, &principal) {
                        let mut r = Request { resource, ..base.clone() };
                        bind_resource_variables(&mut r, s);
                        meet(&mut r, &s.conditions);
                        if !seen.insert(r.to_json_line()) {
                            continue;
                        }
                        tried += 1;
                        if let Some(found) = q.settle(r) {
                            return Synthesized { request: Some(found), tried };
                        }
                        if tried >= MAX_CANDIDATES {
                            return Synthesized { request: None, tried };
                        }
                    }
                }
            }
        }
    }
    Synthesized { request: None, tried }
}

/// Is `r` one of the requests of (`who`, `req`) — by the encoder's meaning of every spec —
/// that AWS can send and `set` allows? What every presolved answer is checked against.
pub fn accepts(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, at: Option<Timestamp>, r: &Request) -> bool {
    Acceptor::new(set, who, req, at).accepts(r)
}

/// The checks of `accepts`, prepared once for many requests of one question.
pub struct Acceptor<'a>(Question<'a>);

impl<'a> Acceptor<'a> {
    pub fn new(set: &'a PolicySet, who: &'a PrincipalSpec, req: &'a RequestSpec, at: Option<Timestamp>) -> Acceptor<'a> {
        Acceptor(Question::new(set, who, req, at))
    }

    pub fn accepts(&self, r: &Request) -> bool {
        self.0.admits(r) && self.0.possible(r) && evaluate(self.0.set, r).decision == Decision::Allowed
    }
}

impl<'a> Question<'a> {
    fn new(set: &'a PolicySet, who: &'a PrincipalSpec, req: &'a RequestSpec, at: Option<Timestamp>) -> Question<'a> {
        let mut literal_actions = HashSet::new();
        for (_, p) in set.policies() {
            for s in &p.statements {
                literal_actions.extend(s.action.patterns.iter().filter_map(|t| t.as_literal()).map(|a| a.to_ascii_lowercase()));
            }
        }
        let read = set.keys_read();
        Question {
            set,
            who,
            req,
            named: Named::of(set.policies().map(|(_, p)| p)),
            reads_always_present: read.iter().any(|k| {
                context_facts::lookup(&ContextKey::new(k))
                    .is_some_and(|f| context_facts::Caller::ALL.iter().any(|c| f.presence(*c) == context_facts::Presence::Always))
            }),
            read,
            literal_actions,
            expanded: match &req.action {
                ActionSpec::Patterns(p) => ActionSpec::expand(p),
                _ => Vec::new(),
            },
            at: at.or_else(|| req.context.iter().find_map(|c| if let ContextSpec::At(t) = c { Some(*t) } else { None })),
        }
    }
}

impl Question<'_> {
    /// The time keys of a request made at `--at`.
    fn time(&self) -> Context {
        let mut c = Context::new();
        if let Some(t) = self.at {
            for (k, v) in ContextSpec::time_context(t) {
                c.insert(k, vec![v]);
            }
        }
        c
    }

    /// Escape the Deny statements that still apply, fill in what the policies read and every
    /// request carries, and return the request if it passes every check.
    fn settle(&self, mut r: Request) -> Option<Request> {
        for _ in 0..=ESCAPE_ROUNDS {
            if self.reads_always_present {
                fill_always_present(&mut r, &self.read);
            }
            let r2 = request_facts::complete(&r);
            let verdict = evaluate(self.set, &r2);
            if verdict.decision == Decision::Allowed {
                return (self.admits(&r2) && self.possible(&r2)).then_some(r2);
            }
            // Falsify one clause of each Deny statement that applies.
            let ctx = r.effective_context();
            let mut changed = false;
            for (_, p) in self.set.policies() {
                for d in p.statements.iter().filter(|d| d.effect == Effect::Deny) {
                    if d.conditions.is_empty() || !d.conditions.iter().all(|c| eval_clause(c, &ctx).holds) {
                        continue;
                    }
                    changed |= d.conditions.iter().any(|c| escape(&mut r, c));
                }
            }
            if !changed {
                return None;
            }
        }
        None
    }

    /// AWS can send `r`: nothing impossible, and nothing left out that every request carries
    /// and a policy reads (a Deny on `Null aws:userid false` is not escaped by leaving it out).
    fn possible(&self, r: &Request) -> bool {
        // A warning about the principal or the resource (a malformed key id, which the encoder
        // excludes where a policy could match one) rejects the candidate too.
        !request_facts::check(r).iter().any(|f| {
            f.severity == Severity::Impossible
                || matches!(f.key.as_str(), "principal" | "resource")
                || self.read.contains(&f.key.to_ascii_lowercase())
        })
    }

    /// Is `r` one of the question's requests? The encoder's meaning of every spec.
    fn admits(&self, r: &Request) -> bool {
        let ctx = r.effective_context();
        // A symbolic principal of an account is in the partition of the ARN it addresses
        // (`same_partition` of the encoder).
        let partition_ok = !matches!(self.who, PrincipalSpec::Any { .. })
            || !r.principal.kind.in_account()
            || crate::model::value::ArnParts::split(&r.resource)
                .filter(|a| a.is_arn())
                .map_or(true, |a| a.partition == r.principal.partition);
        partition_ok
            && self.admits_principal(&r.principal, &ctx)
            && self.admits_action(&r.action)
            && self.admits_resource(&r.resource)
            && self.admits_context(&ctx, r)
    }

    fn admits_principal(&self, p: &Principal, ctx: &Context) -> bool {
        let PrincipalSpec::Any { kinds, fresh, accounts, not_accounts, not_matching, matching } = self.who else {
            return matches!(self.who, PrincipalSpec::Fixed(f) if f == p);
        };
        let in_account = p.kind.in_account();
        let named = &self.named.values;
        kinds.contains(&p.kind)
            && accounts.as_ref().map_or(true, |list| !in_account || list.contains(&p.account))
            && !not_accounts.contains(&p.account)
            && !not_matching.iter().any(|m| p.matches_spec_pattern(m))
            && (matching.is_empty() || matching.iter().any(|m| p.matches_spec_pattern(m) && well_formed_spec_pattern(m)))
            && (!fresh || {
                let value = |k: &str| ctx.get(&ContextKey::new(k)).map(|v| v.to_vec()).unwrap_or_default();
                let uid_named = value("aws:userid").iter().any(|u| named.iter().any(|n| u == n || u.starts_with(&format!("{n}:"))));
                !self.named.accounts().any(|a| *a == p.account)
                    && !named.contains(&p.arn)
                    && !p.session.as_ref().is_some_and(|s| named.contains(s))
                    && !value("aws:PrincipalOrgID").iter().any(|o| named.contains(o))
                    && !value("aws:PrincipalOrgPaths").iter().any(|o| named.iter().any(|n| o.contains(n.as_str())))
                    && !uid_named
            })
    }

    fn admits_action(&self, a: &str) -> bool {
        let lower = a.to_ascii_lowercase();
        let listed = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(a));
        match &self.req.action {
            ActionSpec::One(x) => x.eq_ignore_ascii_case(a),
            ActionSpec::AnyOf { actions, unlisted } => {
                listed(actions) || unlisted.as_ref().is_some_and(|svc| !listed(actions) && self.unlisted_ok(svc, &lower))
            }
            ActionSpec::Unlisted { service, named } => !listed(named) && self.unlisted_ok(service, &lower),
            ActionSpec::Any { .. } => well_formed_action(&lower),
            ActionSpec::Patterns(_) => listed(&self.expanded),
        }
    }

    /// A free action of `service`: well formed, not cataloged, not a literal action a policy
    /// names (those are named actions of the query, not free ones).
    fn unlisted_ok(&self, service: &str, lower: &str) -> bool {
        lower.strip_prefix(&format!("{}:", service.to_ascii_lowercase())).is_some()
            && well_formed_action(lower)
            && crate::model::catalog::lookup(lower).is_none()
            && !self.literal_actions.contains(lower)
    }

    fn admits_resource(&self, res: &str) -> bool {
        match &self.req.resource {
            ResourceSpec::Fixed(f) => f == res,
            ResourceSpec::Any => true,
            ResourceSpec::Key { account, region, arbitrary } => {
                let Some(a) = Arn::parse(res) else { return false };
                let Some(id) = a.resource.strip_prefix("key/") else { return false };
                let clean = |s: &str| !s.is_empty() && !s.contains(':');
                clean(&a.partition)
                    && a.service == "kms"
                    && clean(&a.region)
                    && region.as_ref().map_or(true, |r| *r == a.region)
                    && match account {
                        Some(x) => *x == a.account,
                        None => crate::model::principal::is_account_id(&a.account),
                    }
                    && clean(id)
                    && !id.contains('/')
                    && context_facts::well_formed_key_id(id)
                    && !(*arbitrary && self.named.values.contains(res))
            }
        }
    }

    fn admits_context(&self, ctx: &Context, r: &Request) -> bool {
        let get = |k: &str| ctx.get(&ContextKey::new(k));
        self.req.context.iter().all(|c| match c {
            ContextSpec::Absent(k) => get(k).is_none(),
            ContextSpec::AbsentOr(k, v) => get(k).map_or(true, |vals| vals == [v.clone()]),
            ContextSpec::NotEqual(k, v) => !get(k).is_some_and(|vals| vals.contains(v)),
            ContextSpec::Equal(k, v) => get(k).is_some_and(|vals| vals == [v.clone()]),
            ContextSpec::ArnAccountNotEqual(k, acct) => {
                // The encoder compares the account segment of any value with five colons.
                !get(k)
                    .is_some_and(|vals| vals.iter().any(|v| v.split(':').nth(4).is_some_and(|a| a == acct) && v.matches(':').count() >= 5))
            }
            ContextSpec::At(t) => ContextSpec::time_context(*t).iter().all(|(k, v)| get(k).is_some_and(|vals| vals == [v.clone()])),
            ContextSpec::Holds(p) => crate::eval::predicate::holds(p, r),
        })
    }

    /// Candidate principals for statement `s`, best first: the spec's own (a fixed principal,
    /// the literal ARNs it must match), those the statement's Principal element and its
    /// principal conditions name, then a role of a readable unnamed account.
    fn principals(&self, s: &Statement) -> Vec<Principal> {
        let (kinds, accounts, matching) = match self.who {
            PrincipalSpec::Fixed(p) => return vec![p.clone()],
            PrincipalSpec::Any { kinds, accounts, matching, .. } => (kinds, accounts, matching),
        };
        let mut arns: Vec<String> = matching.iter().filter_map(|m| fill_principal_arn(m)).collect();
        let mut accts: Vec<String> = accounts.iter().flatten().cloned().collect();
        let mut services = Vec::new();
        if let Some(el) = s.principal.as_ref().filter(|el| !el.negated) {
            for pat in &el.patterns {
                match pat {
                    PrincipalPattern::Account(a) => accts.push(a.clone()),
                    PrincipalPattern::Arn(a) => arns.extend(fill_principal_arn(a)),
                    PrincipalPattern::Service(n) => services.push(n.clone()),
                    // `*` and, in an Allow, `{"AWS": "*"}` name service principals too.
                    PrincipalPattern::Everyone | PrincipalPattern::AnyAws => {
                        services.extend(Role::ServiceName.readable().first().map(|n| n.to_string()))
                    }
                    _ => {}
                }
            }
        }
        for c in s.conditions.iter().filter(|c| !c.operator.base.negated()) {
            let key = c.key.canonical();
            for v in &c.values {
                let text = match v {
                    ConditionValue::Str(t) => t.as_literal(),
                    ConditionValue::Arn(a) => Some(fill_arn(a.segments.iter().map(|t| t.raw()).collect::<Vec<_>>().join(":").as_str())),
                    _ => None,
                };
                let Some(text) = text else { continue };
                match key {
                    "aws:principalaccount" | "kms:calleraccount" | "aws:sourceaccount" => accts.push(text),
                    "aws:principalarn" | "aws:sourcearn" => arns.extend(fill_principal_arn(&text)),
                    _ => {}
                }
            }
        }
        // The requested key's account: KMS refuses the callers of other accounts most
        // operations ("Cross-account use: No"). Not for a fresh outsider (the public question),
        // whom the key's own account would not describe.
        let fresh = matches!(self.who, PrincipalSpec::Any { fresh: true, .. });
        if let (ResourceSpec::Fixed(r), false) = (&self.req.resource, fresh) {
            accts.extend(crate::model::value::ArnParts::split(r).filter(|a| a.is_arn()).map(|a| a.account.to_string()));
        }
        // Readable accounts no policy names and the spec does not exclude (a search for several
        // external accounts excludes each one found).
        let excluded = |a: &str| match self.who {
            PrincipalSpec::Any { not_accounts, .. } => not_accounts.iter().any(|n| n == a),
            PrincipalSpec::Fixed(_) => false,
        };
        let spare = ["111122223333", "444455556666", "555555555555", "666666666666", "777777777777", "888888888888", "999999999999"];
        let fallbacks = Role::Account.readable().iter().chain(spare.iter()).filter(|a| !self.named.values.contains(**a) && !excluded(a));
        accts.extend(fallbacks.take(2).map(|a| a.to_string()));
        let name = Role::PrincipalName.readable().first().copied().unwrap_or("ExampleRole");
        let mut out: Vec<Principal> = arns.iter().filter_map(|a| Principal::parse(a).ok()).collect();
        for a in accts.iter().filter(|a| crate::model::principal::is_account_id(a)) {
            for kind in [PrincipalKind::Role, PrincipalKind::User, PrincipalKind::Root] {
                let arn = match kind {
                    PrincipalKind::Role => format!("arn:aws:iam::{a}:role/{name}"),
                    PrincipalKind::User => format!("arn:aws:iam::{a}:user/example-user"),
                    _ => a.clone(),
                };
                out.extend(Principal::parse(&arn).ok());
            }
        }
        out.extend(services.iter().map(|n| Principal::service(n)));
        let mut seen = HashSet::new();
        // The spec's own tests that need no context (the final check repeats them all).
        let empty = Context::new();
        out.retain(|p| kinds.contains(&p.kind) && self.admits_principal(p, &empty) && seen.insert(p.render()));
        out.truncate(8);
        out
    }

    /// Candidate actions of the question that statement `s` may grant.
    fn actions(&self, s: &Statement) -> Vec<String> {
        let guesses = |service: Option<&str>| -> Vec<String> {
            let mut out = Vec::new();
            for t in s.action.patterns.iter().filter(|_| !s.action.negated) {
                let raw = t.raw();
                if raw.contains(['*', '?'])
                    && service.map_or(true, |svc| raw.to_ascii_lowercase().starts_with(&format!("{}:", svc.to_ascii_lowercase())))
                {
                    out.push(guess_action(raw));
                }
            }
            if let Some(svc) = service {
                out.push(format!("{}:FutureAction", svc.to_ascii_lowercase()));
            }
            out.retain(|a| well_formed_action(&a.to_ascii_lowercase()));
            out
        };
        let mut out: Vec<String> = match &self.req.action {
            ActionSpec::One(a) => vec![a.clone()],
            ActionSpec::AnyOf { actions, unlisted } => {
                actions.iter().cloned().chain(unlisted.as_deref().map(|u| guesses(Some(u))).unwrap_or_default()).collect()
            }
            ActionSpec::Unlisted { service, .. } => guesses(Some(service)),
            ActionSpec::Any { named } => named.iter().cloned().chain(guesses(None)).collect(),
            ActionSpec::Patterns(_) => self.expanded.clone(),
        };
        let empty = Context::new();
        out.retain(|a| action_matches(s, a, &empty) || s.action.patterns.iter().any(|t| t.has_variables()));
        let mut seen = HashSet::new();
        out.retain(|a| self.admits_action(a) && seen.insert(a.to_ascii_lowercase()));
        // Likeliest first (only a few are tried per principal): an action that takes a key for
        // a key resource and none for `*` (else AWS never sends the request), and one KMS
        // accepts from another account (CancelKeyDeletion is not).
        let keyless_resource = matches!(&self.req.resource, ResourceSpec::Fixed(r) if r == "*");
        out.sort_by_key(|a| (crate::model::catalog::takes_a_key(a) == keyless_resource, !crate::model::catalog::cross_account_allowed(a)));
        out
    }

    /// Candidate resources for statement `s` and `principal`.
    fn resources(&self, s: &Statement, principal: &Principal) -> Vec<String> {
        let id = Role::KeyId.readable().iter().find(|id| !self.named.values.iter().any(|v| v.contains(**id))).copied();
        let region = Role::Region.readable().first().copied().unwrap_or("us-east-1");
        let owner = if principal.kind.in_account() {
            principal.account.clone()
        } else {
            Role::Account.readable().first().map(|a| a.to_string()).unwrap_or_default()
        };
        let key = |region: &str, account: &str| id.map(|id| format!("arn:aws:kms:{region}:{account}:key/{id}"));
        let mut out = Vec::new();
        match &self.req.resource {
            ResourceSpec::Fixed(r) => out.push(r.clone()),
            ResourceSpec::Key { account, region: want, .. } => {
                let region = want.as_deref().unwrap_or(region);
                out.extend(account.as_deref().map(|a| key(region, a)).unwrap_or_else(|| key(region, &owner)));
                // The account a Resource pattern of the statement names.
                if account.is_none() {
                    for pat in s.resource.iter().filter(|r| !r.negated).flat_map(|r| r.patterns.iter()) {
                        if let ResourcePattern::Arn(a) = pat {
                            if let (Some(acct), Some(_)) = (a.segments.get(4).and_then(|t| t.as_literal()), a.segments.get(2)) {
                                out.extend(key(region, &acct));
                            }
                        }
                    }
                }
            }
            ResourceSpec::Any => {
                for pat in s.resource.iter().filter(|r| !r.negated).flat_map(|r| r.patterns.iter()) {
                    let text = match pat {
                        ResourcePattern::Arn(a) => fill_arn(&a.segments.iter().map(|t| t.raw()).collect::<Vec<_>>().join(":")),
                        ResourcePattern::Whole(t) if t.is_star() => continue,
                        ResourcePattern::Whole(t) => fill(t, "example"),
                    };
                    out.push(text);
                }
                out.extend(key(region, &owner));
            }
        }
        out.dedup();
        out.truncate(3);
        out
    }
}

/// A `matching` pattern the encoder matches as this crate's `Principal::matches_spec_pattern`
/// does: an account, a service name, or an ARN pattern of six colon-separated segments whose
/// wildcards stay inside their segment (the encoder matches ARN patterns segment by segment
/// and a malformed one matches nothing; a whole-string glob could match more).
fn well_formed_spec_pattern(pat: &str) -> bool {
    if !pat.starts_with("arn:") {
        return true;
    }
    let segs: Vec<&str> = pat.splitn(6, ':').collect();
    segs.len() == 6 && segs[..5].iter().all(|s| !s.contains(['*', '?'])) && crate::model::condition::parse_arn_pattern(pat, false).is_ok()
}

/// Set the context of `r` so that every clause of `conditions` holds, where a value does it:
/// per key, the first of (absent, the clauses' own values, a value none of them names, a
/// typed default) under which all clauses on that key hold. Keys the request fixes (the
/// caller's ARN and account, …) are left to the principal's choice.
fn meet(r: &mut Request, conditions: &[Clause]) {
    let mut keys: Vec<&ContextKey> = Vec::new();
    for c in conditions {
        if !keys.contains(&&c.key) {
            keys.push(&c.key);
        }
    }
    // Clauses without variables first: a variable may read a key set here.
    keys.sort_by_key(|k| conditions.iter().any(|c| c.key == **k && has_variables(c)));
    for key in keys {
        if r.effective_context().contains(key) && !r.context.contains(key) {
            continue;
        }
        let on_key: Vec<&Clause> = conditions.iter().filter(|c| c.key == *key).collect();
        let mut options: Vec<Option<Vec<String>>> = vec![None];
        let eff = r.effective_context();
        for c in &on_key {
            options.extend(values_for(c, &eff).into_iter().map(Some));
        }
        options.push(Some(vec!["example".to_string()]));
        options.extend(typed_default(key).into_iter().map(|v| Some(vec![v])));
        for opt in options {
            let mut trial = r.clone();
            trial.context.insert(key.name(), opt.clone().unwrap_or_default());
            let ctx = trial.effective_context();
            if on_key.iter().all(|c| eval_clause(c, &ctx).holds) {
                *r = trial;
                break;
            }
        }
    }
}

/// Give the variables of the statement's Resource patterns the values that make a pattern name
/// the request's resource (`key/${aws:PrincipalTag/KmsKeyId}`: the tag is the key id), where a
/// segment is literal text around one variable of a key the request does not fix.
fn bind_resource_variables(r: &mut Request, s: &Statement) {
    let Some(arn) = Arn::parse(&r.resource) else { return };
    let segs = arn.segments();
    for pat in s.resource.iter().filter(|e| !e.negated).flat_map(|e| e.patterns.iter()) {
        let ResourcePattern::Arn(a) = pat else { continue };
        for (t, seg) in a.segments.iter().zip(segs.iter()) {
            let parts = t.parts();
            let vars: Vec<&Part> = parts.iter().filter(|p| matches!(p, Part::Var(_))).collect();
            if vars.len() != 1 || t.has_wildcards() {
                continue;
            }
            let mut prefix = String::new();
            let mut suffix = String::new();
            let mut after = false;
            let mut key = None;
            for p in parts {
                match p {
                    Part::Lit(l) if after => suffix.push_str(l),
                    Part::Lit(l) => prefix.push_str(l),
                    Part::Var(v) => {
                        key = Some(v.key.clone());
                        after = true;
                    }
                    _ => {}
                }
            }
            let Some(key) = key else { continue };
            let value = seg.strip_prefix(prefix.as_str()).and_then(|rest| rest.strip_suffix(suffix.as_str()));
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                if !r.effective_context().contains(&key) {
                    r.context.insert(key.name(), vec![v.to_string()]);
                }
            }
        }
    }
}

/// Falsify clause `c` of an applying Deny by changing a key the request does not fix; true
/// when the request changed.
fn escape(r: &mut Request, c: &Clause) -> bool {
    let key = &c.key;
    if r.effective_context().contains(key) && !r.context.contains(key) {
        return false;
    }
    let eff = r.effective_context();
    let mut options: Vec<Option<Vec<String>>> = vec![None];
    options.extend(values_for(c, &eff).into_iter().map(Some));
    options.push(Some(vec!["example-other".to_string()]));
    options.extend(typed_default(key).into_iter().map(|v| Some(vec![v])));
    for opt in options {
        let mut trial = r.clone();
        trial.context.insert(key.name(), opt.unwrap_or_default());
        if !eval_clause(c, &trial.effective_context()).holds {
            *r = trial;
            return true;
        }
    }
    false
}

fn has_variables(c: &Clause) -> bool {
    c.values.iter().any(|v| match v {
        ConditionValue::Str(t) => t.has_variables(),
        ConditionValue::Arn(a) => a.segments.iter().any(|t| t.has_variables()),
        _ => false,
    })
}

/// `service:Name` with an alphanumeric name.
fn well_formed_action(lower: &str) -> bool {
    lower.split_once(':').is_some_and(|(svc, n)| !svc.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
}
