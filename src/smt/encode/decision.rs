//! Statements, policies and the whole AWS decision as constraints, mirroring `crate::eval`
//! (explicit deny; key policy with grants to the caller, to its role, or to its account with
//! delegation to IAM; cross-account needing both sides; boundaries, SCPs and session policies
//! as limits; resource-less actions decided by identity policies; KMS's cross-account rules).

use crate::model::catalog::{self, KmsAction};
use crate::model::lever::{whole_statement, Lever, Part};
use crate::model::policy::ResourcePattern;
use crate::model::principal::iam_path_name;
use crate::model::principal::PrincipalKind;
use crate::model::value::ArnParts;
use crate::model::{Effect, PrincipalElement, PrincipalPattern, Statement};
use crate::model::{PolicyRole, PolicySet, PrincipalMatch};
use crate::smt::encode::request::{ActionRep, PrincipalRep};
use crate::smt::encode::{Encoder, TPart};
use crate::smt::term::T;

/// How a statement's Principal element covers the symbolic principal (see `PrincipalMatch`).
#[derive(Debug, Clone, Copy)]
pub struct PrincipalCover {
    pub exact: T,
    pub role: T,
    pub account: T,
}

/// The decision of a policy set for one request.
#[derive(Debug, Clone, Copy)]
pub struct DecisionTerms {
    pub allowed: T,
    pub denied: T,
}

impl Encoder {
    /// Which policy roles govern the principal (`PolicyRole::governs`).
    pub(in crate::smt::encode) fn role_applies(&mut self, role: PolicyRole) -> T {
        use PrincipalKind::*;
        match role {
            PolicyRole::KeyPolicy | PolicyRole::Grant => self.t.tt(),
            PolicyRole::Identity => self.p_kind_in(&[User, Role, FederatedUser]),
            PolicyRole::Boundary => self.p_kind_in(&[User, Role]),
            PolicyRole::Session => self.p_kind_in(&[Role, FederatedUser]),
            PolicyRole::Scp => self.p_in_account(),
        }
    }

    /// A principal pattern names the caller's account / ARN / session / name (for the
    /// identities of IAM principals, `{"AWS": "*"}` names them all).
    fn names_account(&mut self, pat: &PrincipalPattern) -> T {
        match pat {
            PrincipalPattern::Everyone | PrincipalPattern::AnyAws => self.t.tt(),
            PrincipalPattern::Account(a) => {
                let in_acct = self.p_in_account();
                let acct = self.p_account();
                let lit = self.t.str(a);
                let e = self.t.eq(acct, lit);
                self.t.and([in_acct, e])
            }
            _ => self.t.ff(),
        }
    }

    /// The pattern names the caller's user, role or federated user: by ARN, paths included
    /// (compared part by part, not as a joined string: a word equation).
    fn names_arn(&mut self, pat: &PrincipalPattern) -> T {
        let x = match pat {
            PrincipalPattern::Everyone | PrincipalPattern::AnyAws => return self.t.tt(),
            PrincipalPattern::Arn(x) => x.clone(),
            _ => return self.t.ff(),
        };
        let PrincipalRep::Sym(sp) = self.principal.clone() else { return self.t.ff() };
        let (kind, part, acct, path, name) = if let Some((part, acct, kind, path, name)) = iam_path_name(&x) {
            let kind = if kind == "user" { PrincipalKind::User } else { PrincipalKind::Role };
            (kind, part.to_string(), acct.to_string(), Some(path.to_string()), name.to_string())
        } else {
            match ArnParts::split(&x) {
                Some(a) if a.is_arn() && a.service == "sts" && a.region.is_empty() => match a.resource.strip_prefix("federated-user/") {
                    Some(name) => (PrincipalKind::FederatedUser, a.partition.to_string(), a.account.to_string(), None, name.to_string()),
                    None => return self.t.ff(),
                },
                _ => return self.t.ff(),
            }
        };
        let is = self.p_kind_is(kind);
        let mut pairs = vec![(sp.part, part), (sp.account, acct)];
        if let Some(path) = path {
            pairs.push((sp.path, path));
        }
        pairs.push((sp.pname, name));
        let mut conj = vec![is];
        for (v, l) in pairs {
            let lt = self.t.str(&l);
            conj.push(self.t.eq(v, lt));
        }
        self.t.and(conj)
    }

    fn names_session(&mut self, pat: &PrincipalPattern) -> T {
        match pat {
            PrincipalPattern::Everyone | PrincipalPattern::AnyAws => self.t.tt(),
            PrincipalPattern::Arn(x) => {
                let PrincipalRep::Sym(sp) = self.principal.clone() else { return self.t.ff() };
                match parse_session_arn(x) {
                    // Compare the session's parts, not the joined string (a word equation).
                    Some((part, acct, rn, sn)) => {
                        let pairs = [(sp.part, part), (sp.account, acct), (sp.pname, rn), (sp.sname, sn)];
                        let mut conj = vec![sp.has_sess];
                        for (v, l) in pairs {
                            let lt = self.t.str(&l);
                            conj.push(self.t.eq(v, lt));
                        }
                        self.t.and(conj)
                    }
                    None => self.t.ff(),
                }
            }
            _ => self.t.ff(),
        }
    }

    /// The pattern names the caller's service principal (`Federated` and `CanonicalUser`
    /// entries name no caller); `{"AWS": "*"}` does when `unsigned_too`.
    fn names_other(&mut self, pat: &PrincipalPattern, unsigned_too: bool) -> T {
        let (kind, name) = match pat {
            PrincipalPattern::Everyone => return self.t.tt(),
            PrincipalPattern::AnyAws => return self.t.bool(unsigned_too),
            PrincipalPattern::Service(s) => (PrincipalKind::Service, s),
            _ => return self.t.ff(),
        };
        let is = self.p_kind_is(kind);
        let n = self.p_name();
        let lit = self.t.str(name);
        let e = self.t.eq(n, lit);
        self.t.and([is, e])
    }

    /// Principal/NotPrincipal coverage (`PrincipalElement::matches`).
    pub(in crate::smt::encode) fn principal_cover(
        &mut self,
        el: &PrincipalElement,
        effect: Effect,
        has_boundaries: bool,
    ) -> PrincipalCover {
        let ff = self.t.ff();
        // A constant principal: the evaluator's own matcher decides.
        if let PrincipalRep::Const(p) = &self.principal {
            let bounded = has_boundaries && PolicyRole::Boundary.governs(p);
            let m = el.matches(effect, p, bounded);
            let (e, r, a) = (m == PrincipalMatch::Exact, m == PrincipalMatch::Role, m == PrincipalMatch::Account);
            return PrincipalCover { exact: self.t.bool(e), role: self.t.bool(r), account: self.t.bool(a) };
        }
        let unsigned_too = el.any_aws_covers_unsigned(effect);
        if el.negated {
            use PrincipalKind::*;
            let any = |enc: &mut Encoder, f: &dyn Fn(&mut Encoder, &PrincipalPattern) -> T| {
                let parts: Vec<T> = el.patterns.iter().map(|p| f(enc, p)).collect();
                enc.t.or(parts)
            };
            let acct = any(self, &|e, p| e.names_account(p));
            let arn = any(self, &|e, p| e.names_arn(p));
            let sess = any(self, &|e, p| e.names_session(p));
            let other = any(self, &|e, p| e.names_other(p, unsigned_too));
            let everyone =
                el.patterns.contains(&PrincipalPattern::Everyone) || unsigned_too && el.patterns.contains(&PrincipalPattern::AnyAws);
            let everyone = self.t.bool(everyone);
            let (has_sess, _) = self.p_session();
            let sess_ok = self.t.implies(has_sess, sess);
            let cases = [
                (Anonymous, everyone),
                (Root, acct),
                (User, self.t.and([acct, arn])),
                (FederatedUser, self.t.and([acct, arn])),
                (Role, self.t.and([acct, arn, sess_ok])),
                (Service, other),
            ];
            let mut all_named = Vec::new();
            for (k, named) in cases {
                let is = self.p_kind_is(k);
                all_named.push(self.t.and([is, named]));
            }
            let all = self.t.or(all_named);
            let mut applies = self.t.not(all);
            if effect == Effect::Deny && has_boundaries {
                let bounded = self.role_applies(PolicyRole::Boundary);
                applies = self.t.or([applies, bounded]);
            }
            return PrincipalCover { exact: applies, role: ff, account: ff };
        }
        let mut exact = Vec::new();
        let mut role = Vec::new();
        let mut account = Vec::new();
        for pat in &el.patterns {
            match pat {
                PrincipalPattern::Everyone => exact.push(self.t.tt()),
                PrincipalPattern::AnyAws => {
                    let covered = if unsigned_too { self.t.tt() } else { self.p_in_account() };
                    exact.push(covered);
                }
                PrincipalPattern::Account(_) => account.push(self.names_account(pat)),
                PrincipalPattern::Arn(_) => {
                    let arn = self.names_arn(pat);
                    let is_role = self.p_kind_is(PrincipalKind::Role);
                    role.push(self.t.and([arn, is_role]));
                    let not_role = self.t.not(is_role);
                    exact.push(self.t.and([arn, not_role]));
                    exact.push(self.names_session(pat));
                }
                PrincipalPattern::Service(_) => exact.push(self.names_other(pat, unsigned_too)),
                PrincipalPattern::Federated(_) | PrincipalPattern::Canonical(_) | PrincipalPattern::UniqueId(_) => {}
            }
        }
        PrincipalCover { exact: self.t.or(exact), role: self.t.or(role), account: self.t.or(account) }
    }

    /// Action/NotAction covers the request's action.
    pub(in crate::smt::encode) fn action_cover(&mut self, req: usize, s: &Statement) -> T {
        self.action_element_cover(req, &s.action)
    }

    /// An Action/NotAction element covers the request's action.
    pub(in crate::smt::encode) fn action_element_cover(&mut self, req: usize, el: &crate::model::ActionElement) -> T {
        let mut alts = Vec::new();
        for pat in &el.patterns {
            let r = self.resolve(req, pat);
            let m = match self.requests[req].action.clone() {
                ActionRep::Const { canonical, .. } => {
                    let x = self.t.str(&canonical);
                    self.glob_ignore_case(&r.parts, x)
                }
                ActionRep::Sym { text: Some(text), .. } => self.glob_ignore_case(&r.parts, text),
                ActionRep::Sym { idx, named, free, text: None } => {
                    let model_pat = crate::model::template::Resolved(
                        r.parts
                            .iter()
                            .map(|p| match p {
                                TPart::Lit(s) => crate::model::Part::Lit(s.clone()),
                                TPart::Star => crate::model::Part::Star,
                                TPart::Qmark => crate::model::Part::Qmark,
                                TPart::Term(_) => crate::model::Part::Star,
                            })
                            .collect(),
                    );
                    let mut ors = Vec::new();
                    for (i, (lower, _)) in named.iter().enumerate() {
                        if model_pat.matches(lower, true) {
                            let ii = self.t.int(i as i128);
                            ors.push(self.t.eq(idx, ii));
                        }
                    }
                    // A free action of a known service only meets patterns that can start with
                    // `service:` (most patterns of a policy name other services: folded here).
                    let reachable = |svc: &Option<String>| {
                        svc.as_ref().map_or(true, |svc| literal_prefix_compatible(&r.parts, &format!("{}:", svc.to_ascii_lowercase())))
                    };
                    // A literal pattern naming a named action never matches a free action that
                    // is distinct from the named ones.
                    let literal: Option<String> = r
                        .parts
                        .iter()
                        .map(|p| match p {
                            TPart::Lit(s) => Some(s.to_ascii_lowercase()),
                            _ => None,
                        })
                        .collect();
                    let named_literal =
                        |name: &T| self.distinct_free.contains(name) && literal.as_ref().is_some_and(|l| named.iter().any(|(n, _)| n == l));
                    // `kms:*` (or `k*`, `*`) covers every free action of service `kms`, which is
                    // `kms:` and a word: true, without a word equation for the solver.
                    let covers_service = |svc: &Option<String>| {
                        let Some(svc) = svc else { return false };
                        let head = format!("{}:", svc.to_ascii_lowercase());
                        match r.parts.as_slice() {
                            [TPart::Star] => true,
                            [TPart::Lit(l), TPart::Star] => head.starts_with(&l.to_ascii_lowercase()),
                            _ => false,
                        }
                    };
                    if let Some((name, svc)) = free.filter(|(name, svc)| reachable(svc) && !named_literal(name)) {
                        let n = self.t.int(named.len() as i128);
                        let is_free = self.t.eq(idx, n);
                        let g = if covers_service(&svc) { self.t.tt() } else { self.glob_ignore_case(&r.parts, name) };
                        ors.push(self.t.and([is_free, g]));
                    }
                    self.t.or(ors)
                }
            };
            alts.push(m);
        }
        let any = self.t.or(alts);
        if el.negated {
            self.t.not(any)
        } else {
            any
        }
    }

    /// Resource/NotResource covers the request's resource (no element: no effect).
    pub(in crate::smt::encode) fn resource_cover(&mut self, req: usize, s: &Statement) -> T {
        let Some(el) = &s.resource else { return self.t.ff() };
        self.resource_element_cover(req, el)
    }

    /// A Resource/NotResource element covers the request's resource.
    pub(in crate::smt::encode) fn resource_element_cover(&mut self, req: usize, el: &crate::model::ResourceElement) -> T {
        let mut alts = Vec::new();
        for p in &el.patterns {
            let m = match p {
                ResourcePattern::Whole(tpl) => {
                    let r = self.resolve(req, tpl);
                    let x = self.resource_term(req);
                    self.glob(&r, x)
                }
                ResourcePattern::Arn(a) => match self.textbook.then(|| self.arn_regex(req, a)).flatten() {
                    // Textbook baseline: one regular expression over the whole resource string.
                    Some(re) => {
                        let x = self.resource_term(req);
                        self.t.in_re(x, re)
                    }
                    None => {
                        let (split, segs) = self.resource_segs(req);
                        if self.t.as_bool(split) == Some(false) {
                            self.t.ff()
                        } else {
                            let m = self.arn_pattern(req, a, &segs);
                            self.t.and([split, m])
                        }
                    }
                },
            };
            alts.push(m);
        }
        let any = self.t.or(alts);
        if el.negated {
            self.t.not(any)
        } else {
            any
        }
    }

    /// A statement applies (principal aside): action, resource and every condition. With
    /// `levers` (side, policy, statement) each element gets a lever
    /// (`crate::model::lever`) — its term holds when the lever is false, the element widened to
    /// match every request — and no element that never matches folds the statement away.
    fn statement_body(&mut self, req: usize, s: &Statement, levers: Option<(usize, usize, usize)>) -> T {
        let parts = [Part::Action, Part::Resource].into_iter().chain((0..s.conditions.len()).map(Part::Condition));
        let mut conj = Vec::new();
        for part in parts {
            let m = match part {
                Part::Action => self.action_cover(req, s),
                Part::Resource => self.resource_cover(req, s),
                Part::Condition(i) => match s.conditions.get(i) {
                    Some(c) => self.clause(req, c),
                    None => continue,
                },
                Part::Statement | Part::Principal => continue,
            };
            match levers {
                None if self.t.as_bool(m) == Some(false) => return m,
                None => conj.push(m),
                Some((side, policy, statement)) => {
                    let kept = self.lever(Lever { side, policy, statement, part });
                    let gone = self.t.not(kept);
                    conj.push(self.t.or([gone, m]));
                }
            }
        }
        self.t.and(conj)
    }

    /// The full decision of `set` for request `req`.
    pub(in crate::smt::encode) fn decision(&mut self, set: &PolicySet, req: usize) -> DecisionTerms {
        let has_boundaries = !set.boundaries.is_empty();
        let mut deny = Vec::new();
        let mut allow_identity = Vec::new();
        let mut allow_boundary = Vec::new();
        let mut allow_scp = Vec::new();
        let mut allow_session = Vec::new();
        let mut key_exact = Vec::new();
        let mut key_role = Vec::new();
        let mut key_account = Vec::new();
        let mut granted = Vec::new();
        for (pos, (role, policy)) in set.policies().enumerate() {
            let applies_role = self.role_applies(role);
            if self.t.as_bool(applies_role) == Some(false) {
                continue;
            }
            for (si, s) in policy.statements.iter().enumerate() {
                let side = self.lever_side;
                let lever = |part| side.map(|(side, _)| Lever { side, policy: pos, statement: si, part });
                // An explanation's statement that works against the property has a lever per
                // element (`crate::model::lever`): its body is built whole, elements that never
                // match included — those are what the explanation may need.
                let widen = side.filter(|(_, polarity)| !whole_statement(*polarity, s.effect)).map(|(side, _)| (side, pos, si));
                let widened = widen.is_some();
                let body = self.statement_body(req, s, widen);
                let body = match lever(Part::Statement).filter(|_| !widened) {
                    Some(l) => {
                        let kept = self.lever(l);
                        self.t.and([kept, body])
                    }
                    None => body,
                };
                if self.t.as_bool(body) == Some(false) {
                    continue;
                }
                let cover = match &s.principal {
                    Some(el) => Some(self.principal_cover(el, s.effect, has_boundaries)),
                    // A key-policy statement without a principal grants and denies nobody.
                    None if matches!(role, PolicyRole::KeyPolicy | PolicyRole::Grant) && !widened => continue,
                    None if matches!(role, PolicyRole::KeyPolicy | PolicyRole::Grant) => {
                        let ff = self.t.ff();
                        Some(PrincipalCover { exact: ff, role: ff, account: ff })
                    }
                    None => None,
                };
                // A widened Principal names everyone, as `"Principal": "*"` does.
                let cover = match (cover, lever(Part::Principal).filter(|_| widened)) {
                    (Some(c), Some(l)) => {
                        let kept = self.lever(l);
                        let gone = self.t.not(kept);
                        Some(PrincipalCover { exact: self.t.or([gone, c.exact]), role: c.role, account: c.account })
                    }
                    (c, _) => c,
                };
                let cover_any = match cover {
                    Some(c) => self.t.or([c.exact, c.role, c.account]),
                    None => self.t.tt(),
                };
                match s.effect {
                    Effect::Deny => deny.push(self.t.and([applies_role, cover_any, body])),
                    Effect::Allow => match (role, cover) {
                        (PolicyRole::KeyPolicy, Some(c)) => {
                            key_exact.push(self.t.and([c.exact, body]));
                            key_role.push(self.t.and([c.role, body]));
                            key_account.push(self.t.and([c.account, body]));
                        }
                        (PolicyRole::Grant, Some(c)) => {
                            let named = self.t.or([c.exact, c.role]);
                            granted.push(self.t.and([named, body]));
                        }
                        _ => {
                            let a = self.t.and([cover_any, body]);
                            push_allow(role, a, &mut allow_identity, &mut allow_boundary, &mut allow_scp, &mut allow_session);
                        }
                    },
                }
            }
        }
        let denied = self.t.or(deny);
        let gate = |enc: &mut Encoder, role: PolicyRole, present: bool, allows: Vec<T>| {
            if !present {
                return enc.t.tt();
            }
            let applies = enc.role_applies(role);
            let na = enc.t.not(applies);
            let any = enc.t.or(allows);
            enc.t.or([na, any])
        };
        let scp_ok = gate(self, PolicyRole::Scp, !set.scps.is_empty(), allow_scp);
        let b_ok = gate(self, PolicyRole::Boundary, !set.boundaries.is_empty(), allow_boundary);
        let s_ok = gate(self, PolicyRole::Session, !set.session.is_empty(), allow_session);
        let limits_ok = self.t.and([b_ok, s_ok]);
        let is_root = self.p_kind_is(PrincipalKind::Root);
        let id_applies = self.role_applies(PolicyRole::Identity);
        let id_allow = self.t.or(allow_identity);
        let id_allow = self.t.and([id_applies, id_allow]);
        let identity_ok = self.t.or([is_root, id_allow]);
        let in_acct = self.p_in_account();
        let identity_branch = self.t.and([in_acct, identity_ok, scp_ok, limits_ok]);
        // A key policy and its grants govern requests on their key only (`eval::decide`).
        let on_key = if set.key_policy.is_some() || !granted.is_empty() {
            let res = self.resource_term(req);
            let star = self.t.str("*");
            let is_star = self.t.eq(res, star);
            let not_star = self.t.not(is_star);
            let keyless: Vec<String> = catalog::KMS_ACTIONS.iter().filter(|a| !catalog::takes_a_key(&a.full_name())).map(lower).collect();
            let takes_key = self.action_none_of(req, &keyless);
            self.t.and([not_star, takes_key])
        } else {
            self.t.ff()
        };
        let allowed_branch = if set.key_policy.is_some() {
            let exact = self.t.or(key_exact);
            let role = self.t.or(key_role);
            let account = self.t.or(key_account);
            let (has_owner, owner) = self.resource_account(req);
            let acct = self.p_account();
            let same_eq = self.t.eq(owner, acct);
            let same = self.t.and([has_owner, same_eq]);
            let acct_path = self.t.and([account, identity_ok]);
            let role_or_acct = self.t.or([role, acct_path]);
            let limited = self.t.and([limits_ok, role_or_acct]);
            let exact_or = self.t.or([exact, limited]);
            let same_branch = self.t.and([scp_ok, exact_or]);
            let key_side = self.t.or([exact, role, account]);
            // Another account's IAM policies are unknown in key-policy analysis: assume they allow.
            let cross_identity = if set.external_identity_unknown { self.t.tt() } else { identity_ok };
            // KMS refuses another account's principals for "Cross-account use: No" operations.
            let own_only: Vec<String> =
                catalog::KMS_ACTIONS.iter().filter(|a| !catalog::cross_account_allowed(&a.full_name())).map(lower).collect();
            let cross_ok = self.action_none_of(req, &own_only);
            let cross_branch = self.t.and([key_side, cross_identity, scp_ok, limits_ok, cross_ok]);
            let in_acct_branch = self.t.ite(same, same_branch, cross_branch);
            let key_branch = self.t.ite(in_acct, in_acct_branch, exact);
            self.t.ite(on_key, key_branch, identity_branch)
        } else {
            identity_branch
        };
        // A grant allows its grantee on the key by itself, under SCPs (eval::decide).
        let allowed_branch = if granted.is_empty() {
            allowed_branch
        } else {
            let g = self.t.or(granted);
            let by_grant = self.t.and([on_key, g, scp_ok]);
            self.t.or([allowed_branch, by_grant])
        };
        let nd = self.t.not(denied);
        let allowed = self.t.and([nd, allowed_branch]);
        DecisionTerms { allowed, denied }
    }
}

fn push_allow(role: PolicyRole, t: T, identity: &mut Vec<T>, boundary: &mut Vec<T>, scp: &mut Vec<T>, session: &mut Vec<T>) {
    match role {
        PolicyRole::Identity => identity.push(t),
        PolicyRole::Boundary => boundary.push(t),
        PolicyRole::Scp => scp.push(t),
        PolicyRole::Session => session.push(t),
        PolicyRole::KeyPolicy | PolicyRole::Grant => {}
    }
}

/// `arn:P:sts::A:assumed-role/ROLE/SESSION` → (P, A, ROLE, SESSION), the shape the encoding
/// gives every role session.
fn parse_session_arn(x: &str) -> Option<(String, String, String, String)> {
    let a = ArnParts::split(x)?;
    if !a.is_arn() || a.service != "sts" || !a.region.is_empty() || a.partition.is_empty() {
        return None;
    }
    let rest = a.resource.strip_prefix("assumed-role/")?;
    let (rn, sn) = rest.split_once('/')?;
    if rn.is_empty() || sn.is_empty() || sn.contains('/') {
        return None;
    }
    Some((a.partition.to_string(), a.account.to_string(), rn.to_string(), sn.to_string()))
}

/// Can a string that starts with `prefix` (lower case) match the pattern, judging by the
/// pattern's leading literal text (compared case-insensitively)?
fn literal_prefix_compatible(parts: &[TPart], prefix: &str) -> bool {
    let mut lead = String::new();
    for p in parts {
        match p {
            TPart::Lit(s) => lead.push_str(&s.to_ascii_lowercase()),
            _ => break,
        }
        if lead.len() >= prefix.len() {
            break;
        }
    }
    let n = lead.len().min(prefix.len());
    lead.as_bytes()[..n] == prefix.as_bytes()[..n]
}

fn lower(a: &KmsAction) -> String {
    a.full_name().to_ascii_lowercase()
}
