//! A plan's `aws_kms_grant` resources as the grants of their keys: each grant is the Allow
//! statement `crate::inputs::grants` makes of a `list-grants` entry (its grantee, its
//! operations, its encryption-context constraints), located at the grant's resource in the
//! plan. A grant whose grantee, operations or constraints are known only after apply, or whose
//! key keyward cannot tell, makes the keys it may be on unknown: a grant only adds access, so
//! leaving it out could turn a violation into "holds".

use super::plan::{Plan, Resource};
use crate::inputs::grants::{account_grantee, grants_document, Grant, GrantConstraints};
use crate::inputs::template::document;
use crate::inputs::template::node::{Key, Node, V};
use crate::model::Policy;
use crate::policy::Diagnostic;
use std::collections::BTreeMap;

/// The grants on `key` (as one policy, `None` without any) and what about them is unknown.
pub fn of_key(plan: &Plan<'_>, file: &str, key: &Resource<'_>, errors: &mut Vec<Diagnostic>) -> (Option<Policy>, Vec<String>) {
    let mut unknown = Vec::new();
    let mut statements = Vec::new();
    for g in plan.planned.values().filter(|r| r.ty == "aws_kms_grant") {
        if !plan.names_key(g, key) {
            // A grant keyward cannot tie to any planned key may be on this one, unless its
            // key_id is known (a key outside the plan).
            let known = g.values.get("key_id").and_then(Node::scalar_text).is_some_and(|k| !k.is_empty());
            if !known
                && !plan
                    .planned
                    .values()
                    .filter(|k| matches!(k.ty.as_str(), "aws_kms_key" | "aws_kms_replica_key"))
                    .any(|k| plan.names_key(g, k))
            {
                unknown.push(format!("{} (its key_id is known only after apply: it may grant on this key)", g.address));
            }
            continue;
        }
        let grant = match grant(plan, g) {
            Ok(grant) => grant,
            Err(Unknown(what)) => {
                unknown.push(what);
                continue;
            }
        };
        if let Some(why) = account_grantee(&grant) {
            unknown.push(why);
            continue;
        }
        let doc = grants_document(std::slice::from_ref(&grant));
        if let Some(serde_json::Value::Array(sts)) = doc.get("Statement") {
            statements.extend(sts.iter().map(|st| located(st, g.at)));
        }
    }
    if statements.is_empty() {
        return (None, unknown);
    }
    let at = key.at;
    let doc = Node::new(
        V::Map(vec![
            (Key { name: "Version".into(), line: at.line, col: at.col }, Node::new(V::Str("2012-10-17".into()), at.line, at.col)),
            (Key { name: "Statement".into(), line: at.line, col: at.col }, Node::new(V::Seq(statements), at.line, at.col)),
        ]),
        at.line,
        at.col,
    );
    match document::policy(file, &format!("{}#grants", key.address), &doc) {
        Ok(p) => (Some(p), unknown),
        Err(e) => {
            errors.extend(e.0);
            (None, unknown)
        }
    }
}

/// What of a grant is known only after apply, in words.
struct Unknown(String);

/// The grant `g` as `list-grants` would show it, or what of it is unknown.
fn grant(plan: &Plan<'_>, g: &Resource<'_>) -> Result<Grant, Unknown> {
    let unknown = |attr: &str| Unknown(format!("the {attr} of {} (known only after apply)", g.address));
    // `after_unknown` marks a known list `[false]` and known blocks `[{}]`: unknown is a `true`
    // anywhere in it.
    fn any_true(n: &Node) -> bool {
        match &n.v {
            V::Bool(b) => *b,
            V::Seq(items) => items.iter().any(any_true),
            V::Map(m) => m.iter().any(|(_, v)| any_true(v)),
            _ => false,
        }
    }
    let after_unknown = |attr: &str| plan.unknown.get(&g.address).and_then(|u| u.get(attr)).is_some_and(any_true);
    let grantee = match g.values.get("grantee_principal").and_then(Node::scalar_text) {
        Some(p) if !p.is_empty() => p,
        _ => return Err(unknown("grantee_principal")),
    };
    let operations: Vec<String> = match g.values.get("operations").map(|o| &o.v) {
        Some(V::Seq(items)) if items.iter().all(|i| i.as_str().is_some()) => items.iter().filter_map(Node::scalar_text).collect(),
        _ => return Err(unknown("operations")),
    };
    if after_unknown("operations") || after_unknown("constraints") {
        return Err(unknown(if after_unknown("operations") { "operations" } else { "constraints" }));
    }
    let mut constraints = GrantConstraints::default();
    if let Some(V::Seq(blocks)) = g.values.get("constraints").map(|c| &c.v) {
        for b in blocks {
            for (attr, slot) in [
                ("encryption_context_equals", &mut constraints.encryption_context_equals),
                ("encryption_context_subset", &mut constraints.encryption_context_subset),
            ] {
                match b.get(attr).map(|m| &m.v) {
                    None | Some(V::Null) => {}
                    Some(V::Map(pairs)) => {
                        let mut out = BTreeMap::new();
                        for (k, v) in pairs {
                            out.insert(k.name.clone(), v.scalar_text().ok_or_else(|| unknown(attr))?);
                        }
                        slot.get_or_insert_with(BTreeMap::new).extend(out);
                    }
                    Some(_) => return Err(unknown(attr)),
                }
            }
        }
    }
    let any = constraints.encryption_context_equals.is_some() || constraints.encryption_context_subset.is_some();
    Ok(Grant {
        grant_id: g.address.clone(),
        name: g.values.get("name").and_then(Node::scalar_text),
        grantee_principal: grantee,
        operations,
        constraints: any.then_some(constraints),
    })
}

/// A JSON value as a template node, every part at the grant resource's place in the plan.
fn located(v: &serde_json::Value, at: &Node) -> Node {
    use serde_json::Value;
    let (line, col) = (at.line, at.col);
    let v = match v {
        Value::Null => V::Null,
        Value::Bool(b) => V::Bool(*b),
        Value::Number(n) => V::Num(n.to_string()),
        Value::String(s) => V::Str(s.clone()),
        Value::Array(items) => V::Seq(items.iter().map(|i| located(i, at)).collect()),
        Value::Object(m) => V::Map(m.iter().map(|(k, v)| (Key { name: k.clone(), line, col }, located(v, at))).collect()),
    };
    Node::new(v, line, col)
}
