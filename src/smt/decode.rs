//! From a model to a concrete request. Every value is read through the ground evaluator, so
//! the request is exactly what the solver chose; parts a query left unconstrained get plain,
//! valid defaults. The caller replays the request through `crate::eval` before reporting it.

use crate::model::principal::{Principal, PrincipalKind};
use crate::model::request::{Context, Request};
use crate::model::value::{Decimal, Ip, Timestamp};
use crate::smt::answer::Model;
use crate::smt::encode::request::{kind_from_index, ActionRep, KeyRep, PrincipalRep, ResourceRep};
use crate::smt::ground::Ground;
use crate::smt::query::Query;

impl Query {
    /// The concrete requests of a model, one per request of the query, in order.
    pub fn decode(&self, model: &Model) -> Vec<Request> {
        let mut g = Ground::new(&self.terms, model);
        (0..self.requests.len()).map(|i| decode_request(self, &mut g, i)).collect()
    }
}

/// Decode request `req` of the query.
fn decode_request(q: &Query, g: &mut Ground<'_>, req: usize) -> Request {
    let principal = decode_principal(q, g);
    let r = &q.requests[req];
    let action = match &r.action {
        ActionRep::Const { display, .. } => display.clone(),
        ActionRep::Sym { idx, named, free, .. } => {
            let i = g.int(*idx);
            match named.get(i.max(0) as usize) {
                Some((_, display)) => display.clone(),
                None => match free {
                    Some((name, _)) => crate::smt::readable::display_action(&g.str(*name)),
                    None => named.first().map(|(_, d)| d.clone()).unwrap_or_default(),
                },
            }
        }
    };
    let resource = match &r.resource {
        ResourceRep::Lit(s) => s.clone(),
        ResourceRep::Sym { arn, .. } => {
            if g.bool(arn.split) {
                arn.segs.iter().map(|s| g.str(*s)).collect::<Vec<_>>().join(":")
            } else {
                g.str(arn.whole)
            }
        }
    };
    let mut context = Context::new();
    for rep in q.shared_keys.values().chain(r.keys.values()) {
        if !rep.decode {
            continue;
        }
        if let Some(w) = rep.derived_when {
            if g.bool(w) {
                continue;
            }
        }
        if !g.bool(rep.present) {
            continue;
        }
        let values = decode_values(g, rep);
        context.insert(rep.key.name(), values);
    }
    // A session ARN does not carry its role's path: state aws:PrincipalArn so the request file
    // reads back as the same request.
    if principal.session.is_some() && principal.arn.matches('/').count() > 1 {
        let key = crate::model::ContextKey::new("aws:PrincipalArn");
        if !context.contains(&key) {
            context.insert("aws:PrincipalArn", vec![principal.arn.clone()]);
        }
    }
    Request { principal, action, resource, context }
}

fn decode_values(g: &mut Ground<'_>, rep: &KeyRep) -> Vec<String> {
    let mut out = Vec::new();
    for slot in &rep.slots {
        if !g.bool(slot.active) {
            continue;
        }
        let v = if let Some(s) = slot.s {
            g.str(s)
        } else if let Some((ok, val, scale)) = slot.num {
            if g.bool(ok) {
                Decimal { mantissa: g.int(val), scale }.render_normalized()
            } else {
                "not-a-number".into()
            }
        } else if let Some((ok, ms)) = slot.date {
            if g.bool(ok) && rep.key.canonical() == "aws:epochtime" {
                // aws:EpochTime is written in seconds, whichever operator reads it.
                (g.int(ms) as i64).div_euclid(1000).to_string()
            } else if g.bool(ok) {
                Timestamp(g.int(ms) as i64).render()
            } else {
                "not-a-date".into()
            }
        } else if let Some((ok, v6, bits)) = slot.ip {
            if g.bool(ok) {
                Ip { v6: g.bool(v6), bits: g.bv(bits) }.render()
            } else {
                "not-an-ip".into()
            }
        } else {
            String::new()
        };
        out.push(v);
    }
    out
}

fn decode_principal(q: &Query, g: &mut Ground<'_>) -> Principal {
    let sp = match &q.principal {
        PrincipalRep::Const(p) => return p.clone(),
        PrincipalRep::Sym(sp) => sp.clone(),
    };
    let kind = kind_from_index(g.int(sp.kind));
    let account = g.str(sp.account);
    let part = g.str(sp.part);
    let (path, pname) = (g.str(sp.path), g.str(sp.pname));
    let in_account = |kind, arn: String, session| Principal { kind, account: account.clone(), arn, session, partition: part.clone() };
    match kind {
        PrincipalKind::Anonymous => Principal::anonymous(),
        PrincipalKind::Root => Principal::root(&part, &account),
        PrincipalKind::User => in_account(kind, format!("arn:{part}:iam::{account}:user/{path}{pname}"), None),
        PrincipalKind::FederatedUser => in_account(kind, format!("arn:{part}:sts::{account}:federated-user/{pname}"), None),
        // A role always calls through a session (an axiom of the query).
        PrincipalKind::Role => {
            let session = format!("arn:{part}:sts::{account}:assumed-role/{pname}/{}", g.str(sp.sname));
            in_account(kind, format!("arn:{part}:iam::{account}:role/{path}{pname}"), Some(session))
        }
        PrincipalKind::Service => Principal { kind, account: String::new(), arn: g.str(sp.name), session: None, partition: String::new() },
    }
}
