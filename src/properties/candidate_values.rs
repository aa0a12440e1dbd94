//! The values candidate synthesis (`synthesis.rs`) puts into a request: the request values that
//! make a clause's policy value match (its literal, a pattern with readable fills, a number or
//! date just past a bound, a network's first address), ARN and principal patterns with their
//! wildcards filled, typed defaults, and the keys every request carries (the time, the caller's
//! `aws:userid`, `aws:ViaAWSService`). Only proposals: the evaluator and the facts check decide.

use crate::model::condition::{Clause, Cmp, ConditionValue, SetOp};
use crate::model::context_facts::{self, KeyType};
use crate::model::key::ContextKey;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::request::{Context, Request};
use crate::model::request_facts::{self, Severity};
use crate::model::request_spec::ContextSpec;
use crate::model::template::{Part, Template};
use crate::model::value::{Decimal, Timestamp};
use crate::smt::readable::Role;
use std::collections::HashSet;

/// Request values that make the positive form of `c` match one of its policy values (for a
/// negated operator, its positive form: the Deny-escaping direction).
pub(super) fn values_for(c: &Clause, ctx: &Context) -> Vec<Vec<String>> {
    let lookup = crate::eval::condition::single_value(ctx);
    let cmp = c.operator.base.cmp();
    let mut out = Vec::new();
    for v in &c.values {
        let text = match v {
            ConditionValue::Str(t) => resolve_fill(t, &lookup, if c.key.canonical() == "kms:viaservice" { "us-east-1" } else { "example" }),
            ConditionValue::Num(d) => Some(shift_num(d, cmp)),
            ConditionValue::Date(t) => Some(Timestamp(shift(t.0, 1000, cmp)).render()),
            ConditionValue::Bool(b) => Some(b.to_string()),
            ConditionValue::Binary(s) => Some(s.clone()),
            ConditionValue::Ip(cidr) => Some(cidr.network_address().render()),
            ConditionValue::Arn(a) => {
                let segs: Option<Vec<String>> = a.segments.iter().map(|t| resolve_fill(t, &lookup, "*")).collect();
                segs.map(|s| fill_arn(&s.join(":")))
            }
            ConditionValue::Null(_) => None,
        };
        if let Some(t) = text {
            out.push(vec![t]);
        }
    }
    if c.operator.set == Some(SetOp::ForAllValues) && out.len() > 1 {
        out.insert(0, out.iter().flatten().cloned().collect());
    }
    out
}

fn shift(v: i64, step: i64, cmp: Option<Cmp>) -> i64 {
    match cmp {
        Some(Cmp::Lt) => v.saturating_sub(step),
        Some(Cmp::Gt) => v.saturating_add(step),
        _ => v,
    }
}

fn shift_num(d: &Decimal, cmp: Option<Cmp>) -> String {
    match (cmp, d.render().parse::<i64>()) {
        (Some(Cmp::Lt | Cmp::Gt), Ok(i)) => shift(i, 1, cmp).to_string(),
        _ => d.render(),
    }
}

/// A template's text with its variables resolved and wildcards filled with `star` (`?` with
/// `x`); `None` when a variable has no value.
pub(super) fn resolve_fill(t: &Template, lookup: &dyn Fn(&ContextKey) -> Option<String>, star: &str) -> Option<String> {
    let r = t.resolve(lookup)?;
    let mut out = String::new();
    for p in &r.0 {
        match p {
            Part::Lit(s) => out.push_str(s),
            Part::Star => out.push_str(star),
            Part::Qmark => out.push('x'),
            Part::Var(_) => return None,
        }
    }
    Some(out)
}

pub(super) fn fill(t: &Template, star: &str) -> String {
    resolve_fill(t, &|_| None, star).unwrap_or_else(|| t.raw().replace(['*', '?'], "x"))
}

/// An ARN pattern's wildcards filled segment by segment: a readable region and account, a key
/// id after `key/`, `example` elsewhere.
pub(super) fn fill_arn(pattern: &str) -> String {
    let mut segs: Vec<String> = pattern.splitn(6, ':').map(str::to_string).collect();
    let star = |s: &str, with: &str| s.replace('*', with).replace('?', "x");
    for (i, s) in segs.iter_mut().enumerate() {
        if !s.contains(['*', '?']) {
            continue;
        }
        *s = match i {
            1 if s == "*" => "aws".into(),
            3 if s == "*" => Role::Region.readable().first().copied().unwrap_or("us-east-1").into(),
            4 if s == "*" => Role::Account.readable().first().copied().unwrap_or("210987654321").into(),
            5 if s.starts_with("key/") => format!("key/{}", Role::KeyId.readable().first().copied().unwrap_or("")),
            5 => star(s, "Example"),
            _ => star(s, "example"),
        };
    }
    segs.join(":")
}

/// A principal ARN from a pattern: its wildcards filled, a role ARN for `role/*`.
pub(super) fn fill_principal_arn(pattern: &str) -> Option<String> {
    if !pattern.starts_with("arn:") {
        return crate::model::principal::is_account_id(pattern).then(|| pattern.to_string());
    }
    Some(fill_arn(pattern))
}

/// A value of the key's documented type, for a key a clause needs present.
pub(super) fn typed_default(key: &ContextKey) -> Vec<String> {
    let ty = context_facts::lookup(key).map(|f| f.ty).unwrap_or(KeyType::Str);
    match ty {
        KeyType::Bool => vec!["false".into(), "true".into()],
        KeyType::Num => vec!["0".into(), "1".into()],
        KeyType::Date => vec![Timestamp(1_767_225_600_000).render()],
        KeyType::Ip => vec!["203.0.113.10".into()],
        KeyType::Arn => vec![format!("arn:aws:iam::{}:role/example", Role::Account.readable().first().copied().unwrap_or("210987654321"))],
        KeyType::Str | KeyType::Strs => vec!["example".into()],
    }
}

/// Keys every request carries that the policies read and `r` leaves out: the request time
/// (both views of one instant), else a typed default.
pub(super) fn fill_always_present(r: &mut Request, read: &HashSet<String>) {
    for f in request_facts::check(r) {
        let key = f.key.to_ascii_lowercase();
        if f.severity != Severity::Incomplete || !read.contains(&key) || r.context.contains(&ContextKey::new(&f.key)) {
            continue;
        }
        match key.as_str() {
            "aws:currenttime" | "aws:epochtime" => {
                let t = r
                    .context
                    .get(&ContextKey::new("aws:CurrentTime"))
                    .and_then(|v| v.first())
                    .and_then(|v| Timestamp::parse(v))
                    .or_else(|| r.context.get(&ContextKey::new("aws:EpochTime")).and_then(|v| v.first()).and_then(|v| Timestamp::parse(v)))
                    .unwrap_or(Timestamp(1_767_225_600_000));
                let t = Timestamp(t.0 - t.0.rem_euclid(1000));
                for (k, v) in ContextSpec::time_context(t) {
                    r.context.insert(k, vec![v]);
                }
            }
            // Through a service exactly when a key only such calls carry is present.
            "aws:viaawsservice" => {
                let through = context_facts::through_service_keys().any(|t| r.context.contains(&ContextKey::new(t.key)));
                r.context.insert(&f.key, vec![through.to_string()]);
            }
            "aws:userid" => {
                if let Some(id) = user_id(&r.principal) {
                    r.context.insert(&f.key, vec![id]);
                }
            }
            _ => {
                if let Some(v) = typed_default(&ContextKey::new(&f.key)).into_iter().next() {
                    r.context.insert(&f.key, vec![v]);
                }
            }
        }
    }
}

/// The caller's `aws:userid` (IAM User Guide, unique identifiers): the account for root,
/// `ACCOUNT:NAME` for a federated user, `AROA…:SESSION` for a role session, `AIDA…` for a user.
fn user_id(p: &Principal) -> Option<String> {
    let last = |s: &str| s.rsplit('/').next().unwrap_or("").to_string();
    Some(match p.kind {
        PrincipalKind::Root => p.account.clone(),
        PrincipalKind::FederatedUser => format!("{}:{}", p.account, last(&p.arn)),
        PrincipalKind::Role => format!("AROAEXAMPLEROLEID:{}", last(p.session.as_deref()?)),
        PrincipalKind::User => "AIDAEXAMPLEUSERID".to_string(),
        _ => return None,
    })
}

/// An action that a wildcard action pattern grants and the catalog may not list: its first `*`
/// read as `Future`, any other `*` dropped, each `?` an `X` (`kms:ReEncrypt*` →
/// `kms:ReEncryptFuture`). Only a guess: the evaluator decides.
pub fn guess_action(pattern: &str) -> String {
    pattern.replacen('*', "Future", 1).replace('*', "").replace('?', "X")
}
