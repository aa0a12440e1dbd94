//! Request templates: the shapes of requests a property ranges over — which principals (kinds,
//! a fixed principal, fresh outsiders, principals outside an authorized list), which actions,
//! which resource (a fixed ARN, an arbitrary key of an account, any resource) and which context
//! (keys absent). Each builder adds the template's variables and constraints to an `Encoder`.

use crate::model::named::Named;
use crate::model::principal::PrincipalKind;
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, ResourceSpec};
use crate::model::template::{Syntax, Template};
use crate::model::ContextKey;
use crate::smt::encode::{ActionRep, Encoder, PrincipalRep, ResourceRep};
use crate::smt::term::{Sort, T};

/// Set up the principal of the encoder and return its constraints.
pub fn principal(enc: &mut Encoder, spec: &PrincipalSpec, named: &Named) -> Vec<T> {
    match spec {
        PrincipalSpec::Fixed(p) => {
            enc.set_principal_const(p.clone());
            vec![]
        }
        PrincipalSpec::Any { kinds, fresh, accounts, not_accounts, not_matching, matching } => {
            let extra: Vec<String> = named.accounts().filter(|a| a.len() != 12).cloned().collect();
            enc.set_principal_sym(kinds, extra);
            let mut out = Vec::new();
            let acct = enc.p_account();
            let in_acct = enc.p_in_account();
            if let Some(list) = accounts {
                let alts: Vec<T> = list
                    .iter()
                    .map(|a| {
                        let l = enc.t.str(a);
                        enc.t.eq(acct, l)
                    })
                    .collect();
                let one = enc.t.or(alts);
                out.push(enc.t.implies(in_acct, one));
            }
            for a in not_accounts {
                let l = enc.t.str(a);
                out.push(enc.t.ne(acct, l));
            }
            if *fresh {
                for a in named.accounts() {
                    let l = enc.t.str(a);
                    out.push(enc.t.ne(acct, l));
                }
                // ARN and name not named either.
                let arn = enc.p_arn();
                for v in &named.values {
                    let l = enc.t.str(v);
                    out.push(enc.t.ne(arn, l));
                }
                let org = ContextKey::new("aws:PrincipalOrgID");
                let rep = if enc.usage.contains_key(org.canonical()) { Some(enc.key(0, &org)) } else { None };
                if let Some((rep, Some(s))) = rep.map(|r| {
                    let s = r.slots[0].s;
                    (r, s)
                }) {
                    for v in &named.values {
                        let l = enc.t.str(v);
                        let ne = enc.t.ne(s, l);
                        out.push(enc.t.implies(rep.present, ne));
                    }
                }
            }
            for pat in not_matching {
                let m = principal_matches_pattern(enc, pat);
                out.push(enc.t.not(m));
            }
            if !matching.is_empty() {
                let ms: Vec<T> = matching.iter().map(|pat| principal_matches_pattern(enc, pat)).collect();
                out.push(enc.t.or(ms));
            }
            out
        }
    }
}

/// The principal matches an authorized-principal pattern: an account id (every principal of
/// the account), an ARN pattern with wildcards matched against aws:PrincipalArn or the session
/// ARN, or a service principal name.
pub fn principal_matches_pattern(enc: &mut Encoder, pattern: &str) -> T {
    if crate::model::principal::is_account_like(pattern) {
        let in_acct = enc.p_in_account();
        let acct = enc.p_account();
        let l = enc.t.str(pattern);
        let e = enc.t.eq(acct, l);
        return enc.t.and([in_acct, e]);
    }
    let syntax = Syntax { wildcards: true, variables: false };
    if pattern.starts_with("arn:") {
        let Ok(arn) = crate::model::condition::parse_arn_pattern(pattern, false) else { return enc.t.ff() };
        let segs = enc.p_arn_segs();
        let in_acct = enc.p_in_account();
        let by_arn = enc.arn_pattern(0, &arn, &segs);
        let by_arn = enc.t.and([in_acct, by_arn]);
        let (has, sess) = enc.p_session();
        let Ok(t) = Template::parse(pattern, syntax) else { return by_arn };
        let r = enc.resolve(0, &t);
        // Only a pattern whose service segment can be `sts` can name a session ARN; deciding
        // that here keeps a false word equation away from the solver (z3 4.8.12 is slow on
        // `"arn:" ++ p ++ ":sts::" … = "arn:aws:iam::…"`).
        let sts_ok = crate::model::value::arn_segments(pattern).is_some_and(|segs| segs[2] == "sts" || segs[2].contains(['*', '?']));
        let m = if sts_ok { enc.glob(&r, sess) } else { enc.t.ff() };
        let by_session = enc.t.and([has, m]);
        // A literal user or role ARN names that user or role whatever its path, as a policy's
        // Principal does (`model::principal::same_iam_name`).
        let by_name = match (crate::model::principal::iam_name(pattern), enc.principal.clone()) {
            (Some((part, acct, kind, name)), PrincipalRep::Sym(sp)) if !pattern.contains(['*', '?']) => {
                let k = enc.p_kind_is(if kind == "user" { PrincipalKind::User } else { PrincipalKind::Role });
                let (lp, la, ln) = (enc.t.str(part), enc.t.str(acct), enc.t.str(name));
                let e1 = enc.t.eq(sp.part, lp);
                let e2 = enc.t.eq(sp.account, la);
                let e3 = enc.t.eq(sp.pname, ln);
                enc.t.and([k, e1, e2, e3])
            }
            // A pattern with wildcards also matches the user's or role's ARN without its path
            // (`user/admin-*` covers admin-alice whatever path the search gives her).
            (_, PrincipalRep::Sym(sp)) if pattern.contains(['*', '?']) => {
                // Segment-wise, like `by_arn`, with `user/NAME` as the resource part: a glob
                // over the concatenated ARN is a word problem z3 4.8.12 times out on.
                let mut alts = Vec::new();
                for (kind, word) in [(PrincipalKind::User, "user/"), (PrincipalKind::Role, "role/")] {
                    let k = enc.p_kind_is(kind);
                    let mut segs = enc.p_arn_segs();
                    let w = enc.t.str(word);
                    segs[5] = enc.t.concat([w, sp.pname]);
                    let m = enc.arn_pattern(0, &arn, &segs);
                    alts.push(enc.t.and([k, m]));
                }
                enc.t.or(alts)
            }
            _ => enc.t.ff(),
        };
        return enc.t.or([by_arn, by_session, by_name]);
    }
    match Template::parse(pattern, syntax) {
        Ok(t) => {
            let outside = enc.p_kind_in(&[PrincipalKind::Service, PrincipalKind::WebIdentity, PrincipalKind::CanonicalUser]);
            let r = enc.resolve(0, &t);
            let n = enc.p_name();
            let m = enc.glob(&r, n);
            enc.t.and([outside, m])
        }
        Err(_) => enc.t.ff(),
    }
}

/// Build the resource of request `prefix` and its constraints.
pub fn resource(enc: &mut Encoder, prefix: &str, spec: &ResourceSpec, named: &Named) -> (ResourceRep, Vec<T>) {
    match spec {
        ResourceSpec::Fixed(s) => (ResourceRep::Lit(s.clone()), vec![]),
        ResourceSpec::Any => (enc.sym_resource(prefix), vec![]),
        ResourceSpec::Key { account, region, arbitrary } => {
            let mut out = Vec::new();
            let arn = enc.t.str("arn");
            let kms = enc.t.str("kms");
            let part = enc.t.var(&format!("{prefix}resource.partition"), Sort::Str);
            let reg = match region {
                Some(r) => enc.t.str(r),
                None => enc.t.var(&format!("{prefix}resource.region"), Sort::Str),
            };
            let acct = match account {
                Some(a) => enc.t.str(a),
                None => enc.t.var(&format!("{prefix}resource.account"), Sort::Str),
            };
            let id = enc.t.var(&format!("{prefix}resource.key_id"), Sort::Str);
            let key_pre = enc.t.str("key/");
            let res = enc.t.concat([key_pre, id]);
            let colon = enc.t.str(":");
            let slash = enc.t.str("/");
            let empty = enc.t.str("");
            // The segments' shapes are axioms the solver gets lazily (`Encoder::shapes`).
            let mut shapes = Vec::new();
            for v in [part, reg, acct] {
                if enc.t.as_str(v).is_none() {
                    let c = enc.t.contains(v, colon);
                    shapes.push(enc.t.not(c));
                    shapes.push(enc.t.ne(v, empty));
                }
            }
            let c = enc.t.contains(id, colon);
            shapes.push(enc.t.not(c));
            let s = enc.t.contains(id, slash);
            shapes.push(enc.t.not(s));
            shapes.push(enc.t.ne(id, empty));
            if account.is_none() {
                let digit = enc.t.re_range('0', '9');
                let digits = enc.t.re_star(digit);
                shapes.push(enc.t.in_re(acct, digits));
                let len = enc.t.str_len(acct);
                let twelve = enc.t.int(12);
                shapes.push(enc.t.eq(len, twelve));
            }
            enc.shapes.extend(shapes);
            let segs = [arn, part, kms, reg, acct, res];
            if *arbitrary {
                for named_arn in named.arns().collect::<Vec<_>>() {
                    let eqs: Vec<T> = segs
                        .iter()
                        .zip(named_arn.iter())
                        .map(|(s, l)| {
                            let lt = enc.t.str(l);
                            enc.t.eq(*s, lt)
                        })
                        .collect();
                    let same = enc.t.and(eqs);
                    out.push(enc.t.not(same));
                }
            }
            let tt = enc.t.tt();
            let text = enc.textbook.then(|| enc.textbook_resource_text(prefix, tt, &segs, empty));
            (ResourceRep::Sym { split: tt, segs, whole: empty, text }, out)
        }
    }
}

/// Principals in an account and the ARN resource they address share a partition (IAM
/// principals cannot reach resources of another partition — aws, aws-cn, aws-us-gov).
pub fn same_partition(enc: &mut Encoder, r: &ResourceRep) -> Vec<T> {
    let res_part = match r {
        ResourceRep::Lit(s) => match crate::model::value::arn_segments(s) {
            Some(segs) if segs[0] == "arn" => enc.t.str(segs[1]),
            _ => return vec![],
        },
        ResourceRep::Sym { segs, whole, .. } if enc.t.as_str(*whole) == Some("") => segs[1],
        _ => return vec![],
    };
    if !principal_is_symbolic(enc) {
        return vec![];
    }
    let part = enc.p_arn_segs()[1];
    let in_acct = enc.p_in_account();
    let eq = enc.t.eq(part, res_part);
    vec![enc.t.implies(in_acct, eq)]
}

pub fn action(enc: &mut Encoder, prefix: &str, spec: &ActionSpec) -> ActionRep {
    match spec {
        // The textbook encoding has no constant actions: the action is always one string.
        ActionSpec::One(a) if enc.textbook => enc.sym_action(prefix, std::slice::from_ref(a), None, false),
        ActionSpec::One(a) => ActionRep::Const { canonical: a.to_ascii_lowercase(), display: a.clone() },
        ActionSpec::AnyOf { actions, unlisted } => match unlisted {
            Some(svc) => enc.sym_action(prefix, actions, Some(Some(svc.clone())), true),
            None => enc.sym_action(prefix, actions, None, false),
        },
        // The free action is distinct from the named ones (they have their own indices): no
        // request is lost, and literal patterns fold for it.
        ActionSpec::Any { named } => enc.sym_action(prefix, named, Some(None), true),
        ActionSpec::Unlisted { service, named } => {
            let rep = enc.sym_action(prefix, named, Some(Some(service.clone())), true);
            if let ActionRep::Sym { idx, named, .. } = &rep {
                let n = enc.t.int(named.len() as i128);
                let is_free = enc.t.eq(*idx, n);
                enc.axioms.push(is_free);
            }
            rep
        }
        ActionSpec::Patterns(patterns) => {
            let named = ActionSpec::expand(patterns);
            let wild = patterns.iter().any(|p| p.contains(['*', '?']));
            if named.len() == 1 && !wild && !enc.textbook {
                return ActionRep::Const { canonical: named[0].to_ascii_lowercase(), display: named[0].clone() };
            }
            enc.sym_action(prefix, &named, if wild { Some(None) } else { None }, false)
        }
    }
}

/// The request's action matches one of `patterns` (for `ActionSpec::Patterns`).
pub fn action_constraint(enc: &mut Encoder, req: usize, spec: &ActionSpec) -> Vec<T> {
    let ActionSpec::Patterns(patterns) = spec else { return vec![] };
    let syntax = Syntax { wildcards: true, variables: false };
    let parsed: Vec<Template> = patterns.iter().filter_map(|p| Template::parse(p, syntax).ok()).collect();
    let el = crate::model::ActionElement { negated: false, patterns: parsed };
    vec![enc.action_element_cover(req, &el)]
}

/// The principal must be symbolic for property templates that constrain it.
pub fn principal_is_symbolic(enc: &Encoder) -> bool {
    matches!(enc.principal, PrincipalRep::Sym(_))
}

pub fn context(enc: &mut Encoder, req: usize, specs: &[ContextSpec]) -> Vec<T> {
    let mut out = Vec::new();
    for s in specs {
        match s {
            ContextSpec::Absent(k) => {
                let rep = enc.key(req, &ContextKey::new(k));
                out.push(enc.t.not(rep.present));
            }
            ContextSpec::AbsentOr(k, v) => {
                let rep = enc.key(req, &ContextKey::new(k));
                let absent = enc.t.not(rep.present);
                let Some(sv) = rep.slots[0].s else {
                    out.push(absent);
                    continue;
                };
                let l = enc.t.str(v);
                let e = enc.t.eq(sv, l);
                out.push(enc.t.or([absent, e]));
            }
            ContextSpec::Equal(k, v) | ContextSpec::NotEqual(k, v) => {
                let rep = enc.key(req, &ContextKey::new(k));
                let Some(sv) = rep.slots[0].s else { continue };
                let l = enc.t.str(v);
                let e = enc.t.eq(sv, l);
                let both = enc.t.and([rep.present, e]);
                out.push(if matches!(s, ContextSpec::Equal(..)) { both } else { enc.t.not(both) });
            }
        }
    }
    out
}
