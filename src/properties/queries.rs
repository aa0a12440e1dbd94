//! The query primitives every control and command is built from:
//! - `exists_allowed`: is some request matching a spec allowed?
//! - `exists_allowed_pair`: are two requests of one principal both allowed (separation of
//!   duties), optionally on the same resource?
//! - `added_access`: does policy set NEW allow a request that OLD does not?
//!
//! Each returns a `Verdict` where *violated* means such requests exist (with them as the
//! counterexample, confirmed by the evaluator). The question is plain data
//! (`crate::model::request_spec`); `crate::smt` builds and solves its query, and
//! `verdict::run` replays the answer.

use super::relevance::may_grant;
use super::synthesis::{accepts, synthesize, Acceptor};
use super::verdict::{run, CheckStats, Checked, Counterexample, Expect, InternalError, Replay, Settled, Verdict};
use super::why::{explained, Ask};
use crate::model::keys::is_principal_scoped;
use crate::model::named::Named;
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::{Decision, PolicySet};
use crate::smt::readable::Role;
use crate::smt::{
    build_added_access, build_allowed_pair, build_exists_allowed, build_exists_denied, build_exists_request, Build, Encoding, SolverOptions,
};
use std::time::Instant;

/// ∃ request matching (`who`, `req`) that `set` allows.
pub fn exists_allowed(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    answer(Ask::Allowed { set, who, req }, opts, label)
}

fn allowed(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    let started = Instant::now();
    // The witnesses are concrete requests the evaluator decides — no query, no solver — so they
    // are this layer's to try; the textbook baseline measures the encoding without them.
    if opts.encoding == Encoding::Default && opts.presolve {
        if !may_grant(set, who, req) {
            return irrelevant(started);
        }
        if let Some(found) = witness_first(set, who, req, opts) {
            return presolved(started, vec![found], Settled::Witness, 0);
        }
        let synthesized = synthesize(set, who, req, opts.at);
        if let Some(found) = synthesized.request {
            return presolved(started, vec![found], Settled::Synthesis, synthesized.tried);
        }
    }
    if let Some(late) = past_deadline(opts, started) {
        return late;
    }
    let req = &at_time(req, opts);
    let q = build_exists_allowed(set, who, req, opts.encoding, label);
    run(q, &[Replay { req: 0, set, expect: Expect::Allowed }], opts, started)
}

/// ∃ principal matching `who` and two requests both allowed by `set`; with `same_resource` the
/// two requests address the same resource.
pub fn exists_allowed_pair(
    set: &PolicySet,
    who: &PrincipalSpec,
    first: &RequestSpec,
    second: &RequestSpec,
    same_resource: bool,
    opts: &SolverOptions,
    label: &str,
) -> Checked {
    answer(Ask::Pair { set, who, first, second, same_resource }, opts, label)
}

fn pair(
    set: &PolicySet,
    who: &PrincipalSpec,
    first: &RequestSpec,
    second: &RequestSpec,
    same_resource: bool,
    opts: &SolverOptions,
    label: &str,
) -> Checked {
    let started = Instant::now();
    if opts.encoding == Encoding::Default && opts.presolve {
        if !may_grant(set, who, first) || !may_grant(set, who, second) {
            return irrelevant(started);
        }
        if let Some((requests, tried)) = pair_first(set, who, first, second, same_resource, opts) {
            return presolved(started, requests, Settled::Synthesis, tried);
        }
    }
    if let Some(late) = past_deadline(opts, started) {
        return late;
    }
    let (first, second) = (&at_time(first, opts), &at_time(second, opts));
    let q = build_allowed_pair(set, who, first, second, same_resource, opts.encoding, label);
    run(q, &[Replay { req: 0, set, expect: Expect::Allowed }, Replay { req: 1, set, expect: Expect::Allowed }], opts, started)
}

/// Two synthesised requests of one principal, both allowed: one of each spec, the second made
/// by the principal the first one found (and on its resource, with `same_resource`), then the
/// other way round. With `same_resource` only where both specs describe the same resources, so
/// that each request stays one of its own spec's.
fn pair_first(
    set: &PolicySet,
    who: &PrincipalSpec,
    first: &RequestSpec,
    second: &RequestSpec,
    same_resource: bool,
    opts: &SolverOptions,
) -> Option<(Vec<crate::model::Request>, usize)> {
    // The same resource spec: the first request's resource is one of the second's too.
    if same_resource && first.resource != second.resource {
        return None;
    }
    let mut tried = 0;
    for (a_spec, b_spec, flip) in [(first, second, false), (second, first, true)] {
        let a = synthesize(set, who, a_spec, opts.at);
        tried += a.tried;
        // No request of one spec is found: the other order cannot find a pair either.
        let a = a.request?;
        let mut b_spec = b_spec.clone();
        if same_resource {
            b_spec.resource = ResourceSpec::Fixed(a.resource.clone());
        }
        let b = synthesize(set, &PrincipalSpec::Fixed(a.principal.clone()), &b_spec, opts.at);
        tried += b.tried;
        if let Some(mut b) = b.request {
            // The keys of the principal (its tags, organization, unique id) are one set of
            // values for both requests, as in the pair query: the first request's, and the
            // second must still be allowed — and one of the question's — with them.
            for (k, _) in b.context.clone().iter().filter(|(k, _)| is_principal_scoped(k)) {
                b.context.insert(k.name(), vec![]);
            }
            for (k, v) in a.context.iter().filter(|(k, _)| is_principal_scoped(k)) {
                b.context.insert(k.name(), v.clone());
            }
            if accepts(set, who, &b_spec, opts.at, &b) {
                return Some((if flip { vec![b, a] } else { vec![a, b] }, tried));
            }
        }
    }
    None
}

/// ∃ request matching (`who`, `req`) that `new` allows and `old` does not.
pub fn added_access(
    old: &PolicySet,
    new: &PolicySet,
    who: &PrincipalSpec,
    req: &RequestSpec,
    opts: &SolverOptions,
    label: &str,
) -> Checked {
    answer(Ask::Added { old, new, who, req }, opts, label)
}

fn added(old: &PolicySet, new: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    let started = Instant::now();
    if opts.encoding == Encoding::Default && opts.presolve && !may_grant(new, who, req) {
        return irrelevant(started);
    }
    if let Some(late) = past_deadline(opts, started) {
        return late;
    }
    let req = &at_time(req, opts);
    let q = build_added_access(old, new, who, req, opts.encoding, label);
    run(q, &[Replay { req: 0, set: new, expect: Expect::Allowed }, Replay { req: 0, set: old, expect: Expect::NotAllowed }], opts, started)
}

/// ∃ request matching (`who`, `req`) that `set` does not allow (*violated*: such a request,
/// confirmed not allowed by the evaluator). The access findings prove a cell exact with it:
/// *holds* means every request of the cell is allowed.
pub fn exists_denied(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    answer(Ask::Denied { set, who, req }, opts, label)
}

fn denied(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    solve_one(set, who, req, opts, label, build_exists_denied, &[Replay { req: 0, set, expect: Expect::NotAllowed }])
}

/// ∃ request matching (`who`, `req`), whatever `set` decides: *holds* means the spec is empty
/// (the access findings' "is one cell inside another?").
pub fn exists_request(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions, label: &str) -> Checked {
    solve_one(set, who, req, opts, label, build_exists_request, &[])
}

/// The query `build` makes of one request of (`who`, `req`) under `set`, solved without a
/// presolve (unless past `--max-time`), its answer replayed as `replay` says.
fn solve_one(
    set: &PolicySet,
    who: &PrincipalSpec,
    req: &RequestSpec,
    opts: &SolverOptions,
    label: &str,
    build: fn(&PolicySet, &PrincipalSpec, &RequestSpec, Build, &str) -> crate::smt::Query,
    replay: &[Replay<'_>],
) -> Checked {
    let started = Instant::now();
    if let Some(late) = past_deadline(opts, started) {
        return late;
    }
    let req = &at_time(req, opts);
    run(build(set, who, req, opts.encoding.into(), label), replay, opts, started)
}

/// A violation found before the solver: `requests`, each already allowed by the evaluator.
fn presolved(started: Instant, requests: Vec<crate::model::Request>, settled: Settled, candidates: usize) -> Checked {
    let stats = CheckStats { encode_ms: started.elapsed().as_secs_f64() * 1000.0, settled, candidates, ..CheckStats::default() };
    let decisions = vec![Decision::Allowed; requests.len()];
    Checked::verdict(Verdict::Violated(Counterexample { requests, decisions }), stats)
}

/// The answer when no Allow statement can match an action of the question: it holds.
fn irrelevant(started: Instant) -> Checked {
    let stats = CheckStats { encode_ms: started.elapsed().as_secs_f64() * 1000.0, settled: Settled::Relevance, ..CheckStats::default() };
    Checked::verdict(Verdict::Holds, stats)
}

/// Past the run's `--max-time`: unknown, without building the query (encoding a policy of
/// thousands of statements takes time of its own, which the solver's timeout does not bound).
fn past_deadline(opts: &SolverOptions, started: Instant) -> Option<Checked> {
    opts.past_deadline().then(|| {
        let stats = CheckStats { encode_ms: started.elapsed().as_secs_f64() * 1000.0, ..CheckStats::default() };
        Checked::verdict(Verdict::Unknown(crate::smt::options::DEADLINE_REACHED.into()), stats)
    })
}

/// `req` made at the instant of `--at`, if one is given.
fn at_time(req: &RequestSpec, opts: &SolverOptions) -> RequestSpec {
    req.made_at(opts.at)
}

/// The answer to `ask`, explained when it holds and `opts` asks for it.
fn answer(ask: Ask<'_>, opts: &SolverOptions, label: &str) -> Checked {
    explained(unexplained(&ask, opts, label), ask, opts, label, &unexplained)
}

/// The answer to `ask` alone (an explanation asks its questions again this way, on weakened
/// policy sets).
fn unexplained(ask: &Ask<'_>, opts: &SolverOptions, label: &str) -> Checked {
    match *ask {
        Ask::Allowed { set, who, req } => allowed(set, who, req, opts, label),
        Ask::Pair { set, who, first, second, same_resource } => pair(set, who, first, second, same_resource, opts, label),
        Ask::Added { old, new, who, req } => added(old, new, who, req, opts, label),
        Ask::Denied { set, who, req } => denied(set, who, req, opts, label),
    }
}

/// How a search over several actions ended (`every_action_allowed`).
#[derive(Debug, Clone)]
pub enum CoverageEnd {
    /// Every action is allowed by some request.
    AllAllowed,
    /// No request with this action is allowed (its query is unsat): the search stopped there.
    NeverAllowed(String),
    Unknown {
        action: String,
        reason: String,
    },
    Error {
        action: String,
        error: InternalError,
    },
}

/// The answer of `every_action_allowed`: one witness per action allowed (in order, up to where
/// the search ended), and the figures of each query.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub witnesses: Vec<crate::model::Request>,
    pub end: CoverageEnd,
    pub stats: Vec<CheckStats>,
    /// Why the action of `NeverAllowed` is never allowed, when asked (`SolverOptions::explain`).
    pub why: Option<super::explanation::Why>,
}

/// Is every one of the `(action, request spec)` pairs allowed for some request (principal of
/// `who`)? The pairs are tried in order and the search stops at the first action that is never
/// allowed, or whose answer is unknown or an error; query `i` is labelled `{label}-{action}`.
/// CIS-KMS-STAR and the `required` properties of `keyward prove` ask this.
pub fn every_action_allowed(
    set: &PolicySet,
    who: &PrincipalSpec,
    each: Vec<(String, RequestSpec)>,
    opts: &SolverOptions,
    label: &str,
) -> Coverage {
    let mut out = Coverage { witnesses: Vec::new(), end: CoverageEnd::AllAllowed, stats: Vec::new(), why: None };
    for (action, req) in each {
        let checked = exists_allowed(set, who, &req, opts, &format!("{label}-{action}"));
        out.stats.push(checked.stats);
        match checked.answer {
            Ok(Verdict::Violated(cx)) => out.witnesses.extend(cx.requests),
            Ok(Verdict::Holds) => {
                out.why = checked.why;
                out.end = CoverageEnd::NeverAllowed(action);
                break;
            }
            Ok(Verdict::Unknown(reason)) => {
                out.end = CoverageEnd::Unknown { action, reason };
                break;
            }
            Err(error) => {
                out.end = CoverageEnd::Error { action, error };
                break;
            }
        }
    }
    out
}

/// A concrete request of the template that the evaluator allows, found without the solver:
/// a role of an unnamed account, each literal action of the template (for an unlisted action,
/// the guesses of `unlisted_guesses`), the template's key (for a key or any resource, a key
/// the policies do not name) and no context beyond what the request implies. Only
/// templates whose every constraint such a request visibly meets are tried; any other
/// template, or a guess the evaluator does not allow, goes to the solver. A found request
/// *is* the proof of *violated* (the evaluator is the reference semantics), so this is exact;
/// it saves the solver call for policies that grant a request outright, e.g. the 56 queries
/// of CIS-KMS-STAR on `"Action": "*"`, or CIS-KMS-STAR:unlisted on `kms:ReEncrypt*` (a free
/// action's word equations cost z3 100–250 ms).
fn witness_first(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, opts: &SolverOptions) -> Option<crate::model::Request> {
    let PrincipalSpec::Any { kinds, accounts, not_accounts, not_matching, matching, .. } = who else { return None };
    if !kinds.contains(&crate::model::principal::PrincipalKind::Role)
        || !not_matching.is_empty()
        || !matching.is_empty()
        || !req.context.is_empty()
    {
        return None;
    }
    let named = Named::of(set.policies().map(|(_, p)| p));
    let account = match accounts {
        Some(list) => list.first()?.clone(),
        None => Role::Account.readable().first()?.to_string(),
    };
    if not_accounts.contains(&account) || (accounts.is_none() && named.values.contains(&account)) {
        return None;
    }
    let role = Role::PrincipalName.readable().first()?;
    let principal = crate::model::principal::Principal::parse(&format!("arn:aws:iam::{account}:role/{role}")).ok()?;
    let actions: Vec<String> = match &req.action {
        ActionSpec::One(a) => vec![a.clone()],
        ActionSpec::AnyOf { actions, .. } => actions.clone(),
        ActionSpec::Patterns(p) => p.iter().filter(|a| !a.contains(['*', '?'])).cloned().collect(),
        ActionSpec::Unlisted { service, named } => unlisted_guesses(set, service, named),
        ActionSpec::Any { .. } => return None,
    };
    // A key whose id the policies do not name, in `region` (or a readable one) of `owner`.
    let unnamed_key = |region: Option<&str>, owner: &str| -> Option<String> {
        let id = Role::KeyId.readable().iter().find(|id| !named.values.iter().any(|v| v.contains(*id)))?;
        let region = region.or_else(|| Role::Region.readable().first().copied())?;
        Some(format!("arn:aws:kms:{region}:{owner}:key/{id}"))
    };
    let resource = match &req.resource {
        ResourceSpec::Fixed(r) => r.clone(),
        // Any resource: a key of the principal's account.
        ResourceSpec::Any => unnamed_key(None, &account)?,
        ResourceSpec::Key { account: key_account, region, arbitrary } => {
            // An arbitrary key is one the policies do not name: neither its ARN nor its id.
            let arn = unnamed_key(region.as_deref(), key_account.as_deref().unwrap_or(&account))?;
            if *arbitrary && named.values.contains(&arn) {
                return None;
            }
            arn
        }
    };
    // The question's own checks, built once: only a request AWS can send (kms:CreateKey is
    // never asked of a key), none that leaves out a key every such request carries and the
    // policies read (a Deny on `Null aws:userid false` is not escaped by a request without
    // aws:userid), one of the question's, and allowed.
    let acceptor = Acceptor::new(set, who, req, opts.at);
    actions.into_iter().find_map(|action| {
        let mut r = crate::model::Request { principal: principal.clone(), action, resource: resource.clone(), context: Default::default() };
        if let Some(t) = opts.at {
            for (k, v) in ContextSpec::time_context(t) {
                r.context.insert(k, vec![v]);
            }
        }
        acceptor.accepts(&r).then_some(r)
    })
}

/// Unlisted actions of `service` (none of `named`) that the Allow statements of `set` may
/// grant: each wildcard Action pattern naming the service with its wildcards filled in
/// (`kms:ReEncrypt*` → `kms:ReEncryptFuture`), and `service:FutureAction` for `*`, `kms:*`,
/// NotAction and the like. Only guesses: the evaluator decides each.
fn unlisted_guesses(set: &PolicySet, service: &str, named: &[String]) -> Vec<String> {
    let prefix = format!("{}:", service.to_ascii_lowercase());
    let mut out = vec![format!("{prefix}FutureAction")];
    for (_, p) in set.policies() {
        for s in p.statements.iter().filter(|s| s.effect == crate::model::Effect::Allow && !s.action.negated) {
            for pat in &s.action.patterns {
                let raw = pat.raw();
                if !raw.contains(['*', '?']) || !raw.to_ascii_lowercase().starts_with(&prefix) {
                    continue;
                }
                let filled = super::candidate_values::guess_action(raw);
                // The service as the query spells it (`KMS:Get*` → `kms:GetFuture`).
                out.push(format!("{prefix}{}", filled.get(prefix.len()..).unwrap_or_default()));
            }
        }
    }
    let is_action =
        |a: &str| a.strip_prefix(prefix.as_str()).is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()));
    out.retain(|a| is_action(a) && !named.iter().any(|n| n.eq_ignore_ascii_case(a)));
    let mut seen = std::collections::HashSet::new();
    out.retain(|a| seen.insert(a.to_ascii_lowercase()));
    out
}

#[cfg(test)]
mod tests {
    use super::unlisted_guesses;
    use crate::model::PolicySet;
    use crate::policy::{parse_policy, Source};

    #[test]
    fn unlisted_guesses_fill_the_wildcards_of_allowed_patterns_of_the_service() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["KMS:ReEncrypt*", "kms:Get?ey*", "kms:ReEncrypt*", "s3:Get*", "kms:Decrypt"], "Resource": "*"},
            {"Effect": "Deny", "Action": "kms:Sign*", "Resource": "*"},
            {"Effect": "Allow", "NotAction": "kms:Verify*", "Resource": "*"}]}"#;
        let policy = parse_policy(Source::new("p.json", text)).expect("policy");
        let set = PolicySet { identity: vec![policy], ..PolicySet::default() };
        let named = vec!["kms:Decrypt".to_string(), "kms:ReEncryptFrom".to_string(), "kms:FutureAction".to_string()];
        let guesses = unlisted_guesses(&set, "kms", &named);
        // `kms:FutureAction` is named (not unlisted); duplicates and other services are dropped;
        // Deny and NotAction patterns give no guess of their own.
        assert_eq!(guesses, vec!["kms:ReEncryptFuture".to_string(), "kms:GetXeyFuture".to_string()]);
    }
}
