//! A resolved policy document whose strings are unknown before deployment (an imported role
//! ARN in a Principal, a parameter without value in a Resource or a condition), bounded on both
//! sides by documents without unknowns (CONTROLS.md "Templates and plans": an unknown value is
//! any value of its type):
//! - `wider` allows every request the document allows for *some* value of the unknowns: each
//!   Allow statement that holds one is widened (its Principal, Action or Resource becomes `*`,
//!   its unknown NotPrincipal/NotAction/NotResource entries and condition keys are dropped) and
//!   each Deny statement that holds one is removed;
//! - `narrower` allows only requests the document allows for *every* value: Allow statements
//!   with an unknown are removed, Deny statements with one are widened.
//!
//! Both follow from how AWS decides (a request is allowed when some Allow matches and no Deny
//! does): a statement's matched requests only grow when an element becomes `*`, a Not-element
//! loses entries or a condition loses a conjunct. Where an unknown decides the document's
//! structure (a whole statement, an Effect, a Version) there is no bound: `leaves` says so,
//! and the subject answers unknown.

use super::node::{contains_symbolic, first_symbolic, Key, Node, V};

/// Where an unknown string sits, which decides the values worth trying for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A Principal or NotPrincipal entry (or part of one: `arn:aws:iam::${Account}:root`).
    Principal,
    Action,
    Resource,
    /// A condition value or key.
    Condition,
    /// A Sid or Id: it decides nothing.
    Other,
}

/// The unknown value (in words) that decides a document's structure: a whole statement, an
/// Effect, a Version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Structural(pub String);

/// The unknown strings of `doc` in order of first appearance, each with where it first sits;
/// `Err` with the first unknown value that decides the structure of the document.
pub fn leaves(doc: &Node) -> Result<Vec<(String, Role)>, Structural> {
    let mut out: Vec<(String, Role)> = Vec::new();
    let mut add = |what: &str, role: Role| {
        if !out.iter().any(|(w, _)| w == what) {
            out.push((what.to_string(), role));
        }
    };
    let V::Map(top) = &doc.v else { return structural(doc).map(|()| vec![]) };
    for (k, v) in top {
        match k.name.as_str() {
            "Id" => symbolic_strings(v, Role::Other, &mut add)?,
            "Statement" => {
                let statements: Vec<&Node> = match &v.v {
                    V::Seq(items) => items.iter().collect(),
                    _ => vec![v],
                };
                for st in statements {
                    let V::Map(members) = &st.v else {
                        structural(st)?;
                        continue;
                    };
                    for (k, v) in members {
                        let role = match k.name.as_str() {
                            "Sid" => Role::Other,
                            "Principal" | "NotPrincipal" => Role::Principal,
                            "Action" | "NotAction" => Role::Action,
                            "Resource" | "NotResource" => Role::Resource,
                            "Condition" => Role::Condition,
                            _ => {
                                structural(v)?;
                                continue;
                            }
                        };
                        symbolic_strings(v, role, &mut add)?;
                    }
                }
            }
            _ => structural(v)?,
        }
    }
    Ok(out)
}

/// `Err` with the first unknown value inside `n`.
fn structural(n: &Node) -> Result<(), Structural> {
    match first_symbolic(n) {
        Some(s) => Err(Structural(s.to_string())),
        None => Ok(()),
    }
}

/// The unknowns of an element: the element itself, a member of its mapping, or an item of a
/// member's list (a condition block is one level deeper). Anything deeper is structure.
fn symbolic_strings(n: &Node, role: Role, add: &mut dyn FnMut(&str, Role)) -> Result<(), Structural> {
    let depth = if role == Role::Condition { 3 } else { 2 };
    fn walk(n: &Node, depth: usize, role: Role, add: &mut dyn FnMut(&str, Role)) -> Result<(), Structural> {
        match &n.v {
            V::Symbolic(s) => {
                add(s, role);
                Ok(())
            }
            V::Seq(items) if depth > 0 => items.iter().try_for_each(|i| match &i.v {
                V::Symbolic(s) => {
                    add(s, role);
                    Ok(())
                }
                _ => structural(i),
            }),
            V::Map(m) if depth > 0 => m.iter().try_for_each(|(_, v)| walk(v, depth - 1, role, add)),
            _ => structural(n),
        }
    }
    walk(n, depth, role, add)
}

/// The document allowing every request `doc` allows for some value of its unknowns.
pub fn wider(doc: &Node) -> Node {
    bound(doc, true)
}

/// The document allowing only the requests `doc` allows for every value of its unknowns.
pub fn narrower(doc: &Node) -> Node {
    bound(doc, false)
}

fn bound(doc: &Node, wide: bool) -> Node {
    let mut doc = doc.clone();
    let V::Map(top) = &mut doc.v else { return doc };
    top.retain(|(k, v)| k.name != "Id" || !contains_symbolic(v));
    for (_, v) in top.iter_mut().filter(|(k, _)| k.name == "Statement") {
        let single = !matches!(v.v, V::Seq(_));
        let items = match std::mem::replace(&mut v.v, V::Null) {
            V::Seq(items) => items,
            other => vec![Node::new(other, v.line, v.col)],
        };
        let mut kept = Vec::new();
        for mut st in items {
            // A Sid decides nothing: an unknown one is dropped, the statement kept as it is.
            if let V::Map(members) = &mut st.v {
                members.retain(|(k, v)| k.name != "Sid" || !contains_symbolic(v));
            }
            if !contains_symbolic(&st) {
                kept.push(st);
                continue;
            }
            let allow = st.get("Effect").and_then(Node::as_str) == Some("Allow");
            // An Allow grows the allowed requests and a Deny shrinks them: widen the one that
            // helps the bound, drop the other.
            if allow == wide {
                widen(&mut st);
                kept.push(st);
            }
        }
        // A statement list that lost every statement is an empty list (a policy that allows
        // nothing), not a statement.
        v.v = if single && kept.len() == 1 { kept.remove(0).v } else { V::Seq(kept) };
    }
    doc
}

/// The statement `st` matching at least every request it matches for some value of its
/// unknowns.
fn widen(st: &mut Node) {
    let V::Map(members) = &mut st.v else { return };
    let mut added: Vec<(Key, Node)> = Vec::new();
    members.retain_mut(|(k, v)| {
        if !contains_symbolic(v) {
            return true;
        }
        let (line, col) = (v.line, v.col);
        let star = |k: &Key, name: &str| (Key { name: name.into(), line: k.line, col: k.col }, Node::new(V::Str("*".into()), line, col));
        match k.name.as_str() {
            "Principal" | "Action" | "Resource" => {
                *v = Node::new(V::Str("*".into()), v.line, v.col);
                true
            }
            // Fewer exceptions, more matches; none left is everything.
            "NotPrincipal" | "NotAction" | "NotResource" => {
                if drop_symbolic(v, k.name == "NotPrincipal") {
                    true
                } else {
                    added.push(star(k, &k.name[3..]));
                    false
                }
            }
            // A condition with a conjunct less matches more; an empty one is none.
            "Condition" => prune_condition(v),
            // A Sid decides nothing.
            _ => false,
        }
    });
    members.extend(added);
}

/// Drop the unknown entries of a Not-element; `false` when none is left.
fn drop_symbolic(v: &mut Node, typed: bool) -> bool {
    fn list(n: &mut Node) -> bool {
        match &mut n.v {
            V::Symbolic(_) => false,
            V::Seq(items) => {
                items.retain(|i| !matches!(i.v, V::Symbolic(_)));
                !items.is_empty()
            }
            _ => true,
        }
    }
    if !typed {
        return list(v);
    }
    match &mut v.v {
        V::Map(types) => {
            types.retain_mut(|(_, entries)| list(entries));
            !types.is_empty()
        }
        _ => list(v),
    }
}

/// Drop every condition key whose name or values are unknown (and an operator that is unknown
/// as a whole); `false` when no condition is left.
fn prune_condition(c: &mut Node) -> bool {
    let V::Map(ops) = &mut c.v else { return false };
    ops.retain_mut(|(_, keys)| match &mut keys.v {
        V::Map(ks) => {
            ks.retain(|(_, values)| !contains_symbolic(values));
            !ks.is_empty()
        }
        _ => !contains_symbolic(keys),
    });
    !ops.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::template::node::parse;

    fn sym(mut n: Node, marker: &str) -> Node {
        fn walk(n: &mut Node, marker: &str) {
            match &mut n.v {
                V::Str(s) if s == marker => n.v = V::Symbolic(format!("the value {marker}")),
                V::Seq(items) => items.iter_mut().for_each(|i| walk(i, marker)),
                V::Map(m) => m.iter_mut().for_each(|(_, v)| walk(v, marker)),
                _ => {}
            }
        }
        walk(&mut n, marker);
        n
    }

    fn json(n: &Node) -> String {
        crate::inputs::template::resolve::to_json(n).map(|v| v.to_string()).unwrap_or_default()
    }

    const DOC: &str = "Version: '2012-10-17'\nStatement:\n  - Effect: Allow\n    Principal: {AWS: [X, '111122223333']}\n    Action: kms:Decrypt\n    Resource: '*'\n    Condition: {StringEquals: {'aws:SourceAccount': X, 'kms:ViaService': s3.us-east-1.amazonaws.com}}\n  - Effect: Deny\n    NotPrincipal: {AWS: X}\n    Action: kms:*\n    Resource: '*'\n";

    #[test]
    fn an_allow_widens_and_a_deny_goes_in_the_wider_bound() {
        let doc = sym(parse(DOC).unwrap(), "X");
        assert_eq!(leaves(&doc).unwrap(), vec![("the value X".to_string(), Role::Principal)]);
        assert_eq!(
            json(&wider(&doc)),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"kms:ViaService":"s3.us-east-1.amazonaws.com"}}}]}"#
        );
        assert_eq!(
            json(&narrower(&doc)),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:*","Resource":"*","Principal":"*"}]}"#
        );
    }

    #[test]
    fn an_unknown_effect_or_statement_has_no_bound() {
        let doc = sym(parse("Version: '2012-10-17'\nStatement:\n  - Effect: X\n    Action: '*'\n    Resource: '*'\n").unwrap(), "X");
        assert_eq!(leaves(&doc), Err(Structural("the value X".to_string())));
        let doc = sym(parse("Version: '2012-10-17'\nStatement: [X]\n").unwrap(), "X");
        assert_eq!(leaves(&doc), Err(Structural("the value X".to_string())));
        let doc = sym(parse("Version: X\nStatement: []\n").unwrap(), "X");
        assert!(leaves(&doc).is_err());
    }
}
