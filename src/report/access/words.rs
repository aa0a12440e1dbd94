//! Access findings in words: who (a principal, an account delegated to its IAM, an
//! organization, a service for a source account, anyone), which actions (grouped into usage
//! and administration, families such as `kms:GenerateDataKey*` written as one pattern), and the
//! residual conditions, each a clause of the policies that must hold or fail, written the way
//! a reviewer reads it (`kms:ViaService ∈ {s3.us-east-1.amazonaws.com}`).

use crate::model::catalog::{self, KMS_ACTIONS};
use crate::model::condition::{BaseOp, Clause};
use crate::properties::access::cells::{Actions, Atom, AtomKind, Cell, Literal, Unlisted, Who};

/// A policy value as written (strings and ARNs without quotes).
pub fn plain(v: &crate::model::ConditionValue) -> String {
    match v {
        crate::model::ConditionValue::Str(t) => t.raw().to_string(),
        crate::model::ConditionValue::Arn(p) => p.raw(),
        other => crate::eval::condition::render_value(other),
    }
}

/// Who a finding is about, once its principal clauses are read as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhoWords {
    /// `anyone`, `anonymous`, `type` (every principal of a type, any account),
    /// `organization`, `account`, `services`, `service`, `principal`, `holder`.
    pub kind: &'static str,
    pub value: Option<String>,
    /// For a service principal: the source account, ARN or organization it acts for.
    pub source: Option<String>,
    pub text: String,
    /// The literals that say who (not repeated as conditions).
    pub consumed: Vec<usize>,
}

/// Where the question's principal comes from.
pub struct Frame<'a> {
    /// One fixed principal (a snapshot's IAM principal).
    pub principal: Option<&'a str>,
    /// An identity policy's holders.
    pub holder: bool,
    /// The key's account, for a key.
    pub owner: Option<&'a str>,
    /// The key policy is analysed without the owner account's IAM policies and one of its
    /// Allow statements names the owner account (delegation to its IAM).
    pub delegates: bool,
}

/// The single value a literal pins `key` to: a positive `StringEquals`/`ArnEquals` (or an
/// `ArnLike`/`StringLike` without wildcards) of one value, or a failing `StringNotEquals` of
/// one value — neither `IfExists` nor a set operator, so the key is present with that value.
fn pinned(atoms: &[Atom], l: &Literal, keys: &[&str]) -> Option<String> {
    let AtomKind::Clause(c) = &atoms.get(l.atom)?.kind else { return None };
    if c.operator.if_exists || c.operator.set.is_some() || c.values.len() != 1 || !keys.iter().any(|k| c.key.canonical() == *k) {
        return None;
    }
    let v = plain(&c.values[0]);
    if v.contains(['*', '?', '$']) {
        return None;
    }
    let positive = matches!(c.operator.base, BaseOp::StringEquals | BaseOp::ArnEquals | BaseOp::StringLike | BaseOp::ArnLike);
    let negative = matches!(c.operator.base, BaseOp::StringNotEquals | BaseOp::ArnNotEquals | BaseOp::StringNotLike | BaseOp::ArnNotLike);
    ((l.holds && positive) || (!l.holds && negative)).then_some(v)
}

/// Who the cell's requests come from.
pub fn who(cell: &Cell, atoms: &[Atom], frame: &Frame<'_>) -> WhoWords {
    let w = |kind, value: Option<String>, text: String| WhoWords { kind, value, source: None, text, consumed: vec![] };
    if let Some(p) = frame.principal {
        return w("principal", Some(p.to_string()), p.to_string());
    }
    if frame.holder {
        return w("holder", None, "the policy's holder".into());
    }
    let find = |keys: &[&str]| cell.literals.iter().enumerate().find_map(|(i, l)| pinned(atoms, l, keys).map(|v| (i, v)));
    let mut out = match &cell.who {
        Who::Anyone => {
            let lifted = find(&["aws:principalarn"])
                .map(|x| ("principal", x))
                .or_else(|| find(&["aws:principalaccount", "kms:calleraccount"]).map(|x| ("account", x)))
                .or_else(|| find(&["aws:principalorgid"]).map(|x| ("organization", x)))
                .or_else(|| find(&["aws:principalservicename"]).map(|x| ("service", x)));
            match lifted {
                Some((kind, (i, v))) => {
                    let mut o = w(kind, Some(v), String::new());
                    o.consumed.push(i);
                    o
                }
                None => w("anyone", None, String::new()),
            }
        }
        Who::Type(t) => w("type", Some(t.clone()), String::new()),
        Who::Organization(o) => w("organization", Some(o.clone()), String::new()),
        Who::Account(a) => w("account", Some(a.clone()), String::new()),
        Who::AnyService => w("services", None, String::new()),
        Who::Service(s) => w("service", Some(s.clone()), String::new()),
        Who::Principal(p) => w("principal", Some(p.clone()), String::new()),
        Who::Anonymous => w("anonymous", None, String::new()),
    };
    // A principal the cell must match (a Deny's NotPrincipal leaves it alone) narrows who.
    if matches!(out.kind, "anyone" | "type" | "services") {
        let named = cell.literals.iter().enumerate().find_map(|(i, l)| match atoms.get(l.atom).map(|a| &a.kind) {
            Some(AtomKind::Principal(p)) if l.holds => Some((i, p.clone())),
            _ => None,
        });
        if let Some((i, p)) = named {
            let root = out.kind == "type" && out.value.as_deref() == Some("Account");
            let (kind, value) = if crate::model::principal::is_account_like(&p) {
                if root {
                    ("principal", format!("arn:aws:iam::{p}:root"))
                } else {
                    ("account", p)
                }
            } else if p.starts_with("arn:") {
                ("principal", p)
            } else {
                ("service", p)
            };
            out = WhoWords { kind, value: Some(value), source: None, text: String::new(), consumed: out.consumed };
            out.consumed.push(i);
        }
    }
    if out.kind == "service" || out.kind == "services" {
        if let Some((i, v)) = find(&["aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"]) {
            out.source = Some(v);
            out.consumed.push(i);
        }
    }
    let value = out.value.clone().unwrap_or_default();
    let foreign = |account: &str| frame.owner.is_some_and(|o| o != account);
    out.text = match out.kind {
        "anyone" => "anyone — any principal of any account, services and anonymous callers (public)".into(),
        "anonymous" => "anonymous (unauthenticated) callers (public)".into(),
        "organization" => format!("any principal of organization {value}"),
        "type" => match value.as_str() {
            "Account" => "the root user of any account".into(),
            "AssumedRole" => "any role session of any account".into(),
            "FederatedUser" => "any federated user of any account".into(),
            _ => "any IAM user of any account".into(),
        },
        "services" => match &out.source {
            Some(src) => format!("any service principal, acting for {src}"),
            None => "any service principal, acting for any account (confused deputy)".into(),
        },
        "account" if foreign(&value) => format!("account {value} (cross-account): any of its principals its own IAM policies allow"),
        "account" => format!("any principal of account {value}"),
        "service" => match &out.source {
            Some(src) => format!("the service principal {value}, acting for {src}"),
            None => format!("the service principal {value}, acting for any account (confused deputy)"),
        },
        _ => match crate::model::value::ArnParts::split(&value) {
            Some(a) if a.resource == "root" && frame.delegates && !foreign(a.account) => format!(
                "account {}, delegated to its IAM: its root user, and the principals its identity policies allow (not part of this analysis)",
                a.account
            ),
            Some(a) if a.resource == "root" => format!("the root user of account {}", a.account),
            Some(a) if foreign(a.account) => format!("{value} (cross-account)"),
            _ => value.clone(),
        },
    };
    out
}

/// Is the cell open to everyone, or to another account?
pub fn exposure(w: &WhoWords, frame: &Frame<'_>) -> Option<&'static str> {
    let value = w.value.as_deref().unwrap_or("");
    let account = crate::model::value::ArnParts::split(value).map(|a| a.account.to_string()).unwrap_or_else(|| value.to_string());
    match w.kind {
        "anyone" | "anonymous" | "type" => Some("public"),
        "organization" => Some("cross-account"),
        "service" | "services" if w.source.is_none() => Some("confused-deputy"),
        "account" | "principal" if frame.owner.is_some_and(|o| o != account) => Some("cross-account"),
        _ => None,
    }
}

/// The cataloged actions of `a` written compactly: a family (`kms:GenerateDataKey*`) where
/// every cataloged action of that prefix is there, in catalog order.
pub fn compact(names: &[String]) -> Vec<String> {
    let all: Vec<String> = KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    let mut prefixes: Vec<String> = Vec::new();
    for n in names {
        let bare = n.trim_start_matches("kms:");
        for (i, ch) in bare.char_indices().skip(1) {
            if ch.is_ascii_uppercase() {
                prefixes.push(format!("kms:{}", &bare[..i]));
            }
        }
    }
    prefixes.sort_by_key(|p| (p.len(), p.clone()));
    prefixes.dedup();
    let members_of = |p: &str| -> Vec<&String> { all.iter().filter(|a| a.starts_with(p)).collect() };
    // Of the prefixes with the same members, the longest (`kms:GenerateDataKey*`, not
    // `kms:GenerateData*`).
    let longest: Vec<String> =
        prefixes.iter().filter(|p| !prefixes.iter().any(|q| q.len() > p.len() && members_of(q) == members_of(p))).cloned().collect();
    let mut covered: Vec<String> = Vec::new();
    let mut out: Vec<(usize, String)> = Vec::new();
    for p in longest {
        let members = members_of(&p);
        if members.len() >= 2 && members.iter().all(|m| names.contains(m)) && !members.iter().any(|m| covered.contains(m)) {
            let first = all.iter().position(|a| a.starts_with(&p)).unwrap_or(0);
            out.push((first, format!("{p}*")));
            covered.extend(members.into_iter().cloned());
        }
    }
    for n in names.iter().filter(|n| !covered.contains(n)) {
        out.push((all.iter().position(|a| a == n).unwrap_or(usize::MAX), n.clone()));
    }
    out.sort();
    out.into_iter().map(|(_, n)| n).collect()
}

/// The actions in words: `every KMS action`, or the usage and administration groups.
pub fn actions(a: &Actions) -> (Vec<String>, Vec<String>, Option<String>) {
    let unlisted = a.unlisted.as_ref().map(|u| match u {
        Unlisted::All => "any KMS action AWS adds later".to_string(),
        Unlisted::Filter { only, except } => {
            let mut t = "any KMS action AWS adds later".to_string();
            if !only.is_empty() {
                t.push_str(&format!(" that matches {}", only.join(" or ")));
            }
            if !except.is_empty() {
                t.push_str(&format!(", except those matching {}", except.join(", ")));
            }
            t
        }
        Unlisted::One(x) => format!("the uncataloged action {x}"),
    });
    let is_usage = |n: &String| catalog::lookup(n).is_some_and(|k| k.is_usage());
    let usage: Vec<String> = a.named.iter().filter(|n| is_usage(n)).cloned().collect();
    let admin: Vec<String> = a.named.iter().filter(|n| !is_usage(n)).cloned().collect();
    (compact(&usage), compact(&admin), unlisted)
}

/// One line for the actions.
pub fn actions_line(a: &Actions) -> String {
    let keyed = KMS_ACTIONS.iter().filter(|k| k.resource != catalog::ResourceKind::Unscoped).all(|k| a.named.contains(&k.full_name()));
    if keyed && a.unlisted == Some(Unlisted::All) {
        return if a.named.len() == KMS_ACTIONS.len() {
            "kms:* (every KMS action, those AWS adds later included)".into()
        } else {
            "kms:* (every KMS action on a key, those AWS adds later included)".into()
        };
    }
    let (usage, admin, unlisted) = actions(a);
    let mut parts = Vec::new();
    if !usage.is_empty() {
        parts.push(format!("usage: {}", usage.join(", ")));
    }
    if !admin.is_empty() {
        parts.push(format!("administration: {}", admin.join(", ")));
    }
    parts.extend(unlisted);
    parts.join("; ")
}

fn set_text(vals: &[String]) -> String {
    match vals {
        [one] => one.clone(),
        _ => format!("{{{}}}", vals.join(", ")),
    }
}

/// A clause in words, as it holds.
pub fn clause_text(c: &Clause) -> String {
    let k = c.key.name();
    let vals: Vec<String> = c.values.iter().map(plain).collect();
    let op = c.operator;
    if op.set.is_some() {
        return format!("{} {k} {}", op.name(), set_text(&vals));
    }
    // A plain operator on a multivalued key (`encodings/conditions.md`): holds only when the
    // key is absent and the operator holds for an absent key.
    if op.base != BaseOp::Null && crate::model::keys::is_multi_valued(&c.key) {
        return if op.if_exists || op.base.negated() {
            format!("{k} is absent")
        } else {
            format!("never ({} on multivalued {k})", op.name())
        };
    }
    let or_absent = if op.if_exists { " (or absent)" } else { "" };
    let single = vals.len() == 1;
    let body = match op.base {
        BaseOp::Null => {
            return match c.values.first() {
                Some(crate::model::ConditionValue::Null(true)) => format!("{k} is absent"),
                _ => format!("{k} is present"),
            }
        }
        BaseOp::StringEquals | BaseOp::ArnEquals | BaseOp::NumericEquals | BaseOp::DateEquals | BaseOp::Bool | BaseOp::BinaryEquals => {
            if single {
                format!("{k} = {}", vals[0])
            } else {
                format!("{k} ∈ {}", set_text(&vals))
            }
        }
        BaseOp::StringEqualsIgnoreCase => format!("{k} = {} (ignoring case)", set_text(&vals)),
        BaseOp::StringLike | BaseOp::ArnLike => format!("{k} like {}", set_text(&vals)),
        BaseOp::StringNotEquals | BaseOp::ArnNotEquals | BaseOp::NumericNotEquals | BaseOp::DateNotEquals => {
            return format!("{k} ∉ {} (or absent)", set_text(&vals))
        }
        BaseOp::StringNotEqualsIgnoreCase => return format!("{k} ∉ {} ignoring case (or absent)", set_text(&vals)),
        BaseOp::StringNotLike | BaseOp::ArnNotLike => return format!("{k} not like {} (or absent)", set_text(&vals)),
        BaseOp::NotIpAddress => return format!("{k} outside {} (or absent)", set_text(&vals)),
        BaseOp::IpAddress => format!("{k} in {}", set_text(&vals)),
        _ => format!("{} {k} {}", op.base.name(), set_text(&vals)),
    };
    format!("{body}{or_absent}")
}

/// An atom in words, holding or failing.
pub fn atom_text(a: &AtomKind, holds: bool) -> String {
    let not = if holds { "" } else { "not " };
    match a {
        AtomKind::Clause(c) => literal_text(c, holds),
        AtomKind::Resource(p) => format!("the resource is {not}covered by {}", p.raw()),
        AtomKind::Principal(p) => format!("the principal is {not}{p}"),
    }
}

/// A literal in words: its clause holding, or failing (the complement of a negated operator
/// read positively: a failing `StringNotEquals` is "present and one of").
pub fn literal_text(c: &Clause, holds: bool) -> String {
    if holds {
        return clause_text(c);
    }
    let op = c.operator;
    let k = c.key.name();
    let vals: Vec<String> = c.values.iter().map(plain).collect();
    if op.set.is_none() && op.base != BaseOp::Null && crate::model::keys::is_multi_valued(&c.key) {
        return if op.if_exists || op.base.negated() { format!("{k} is present") } else { format!("{k}: any value") };
    }
    if op.set.is_none() && !op.if_exists {
        match op.base {
            BaseOp::StringNotEquals | BaseOp::ArnNotEquals if vals.len() == 1 => return format!("{k} = {}", vals[0]),
            BaseOp::StringNotEquals | BaseOp::ArnNotEquals => return format!("{k} ∈ {}", set_text(&vals)),
            BaseOp::StringNotLike | BaseOp::ArnNotLike => return format!("{k} like {}", set_text(&vals)),
            BaseOp::Bool if vals.len() == 1 => return format!("{k} is not {} (or absent)", vals[0]),
            BaseOp::Null => return clause_text(&Clause { values: c.values.iter().map(flip_null).collect(), ..c.clone() }),
            _ => {}
        }
    }
    format!("not ({})", clause_text(c))
}

fn flip_null(v: &crate::model::ConditionValue) -> crate::model::ConditionValue {
    match v {
        crate::model::ConditionValue::Null(b) => crate::model::ConditionValue::Null(!b),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_are_written_once_when_every_member_is_there() {
        let names: Vec<String> = [
            "kms:Decrypt",
            "kms:GenerateDataKey",
            "kms:GenerateDataKeyPair",
            "kms:GenerateDataKeyPairWithoutPlaintext",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(compact(&names), vec!["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]);
        // Without one member the family is spelled out.
        let some: Vec<String> = names.iter().filter(|n| *n != "kms:ReEncryptTo").cloned().collect();
        assert_eq!(compact(&some), vec!["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncryptFrom"]);
    }
}
