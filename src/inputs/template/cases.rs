//! The cases of a stack's policies whose strings are unknown before deployment: the policy as
//! CloudFormation would deploy it for real values of the unknowns, which the controls try in
//! order (`crate::controls::assume`). A case is the whole template resolved again with the
//! values pinned, so that a parameter inside `!Sub arn:aws:iam::${Partner}:root`, a Condition
//! on it or an `Fn::If` it decides all take the value as CloudFormation would.
//!
//! The values tried depend on where the unknown sits (`Role`): for a principal, a role of
//! another account first (the question "is this shared outside?"), then another account, a
//! role of the stack's own account, and `*`; for a resource, a key of the stack's account, then
//! `*`. A parameter's AllowedValues are its only values
//! (the cases are then exhaustive when few enough); a value that its AllowedPattern,
//! MinLength/MaxLength, MinValue/MaxValue or Type refuses is not tried, since CloudFormation
//! would not deploy it.

use super::bounds::Role;
use super::node::{Node, V};
use super::resolve::{partition_of, Resolver};
use super::{stack, TemplateOptions};
use crate::controls::subject::{Case, Subject};
use std::collections::BTreeMap;

/// Values assumed for unknowns: (what the unknown is, the value).
type Assignment = Vec<(String, String)>;

/// The key id of a key ARN tried for an unknown resource.
const ASSUMED_KEY_ID: &str = "6b657977-6172-4400-8000-000000000001";

/// At most this many readings of the template again, for all its subjects together (each a
/// whole resolution of the template).
const MAX_RESOLUTIONS: usize = 64;

/// At most this many assignments are tried exhaustively (the product of AllowedValues).
const MAX_EXHAUSTIVE: usize = 32;

/// Add the cases to every subject of `subjects` whose policy has unknown strings.
pub fn add(file: &str, root: &Node, opts: &TemplateOptions, res: &Resolver<'_>, roles: &BTreeMap<String, Role>, subjects: &mut [Subject]) {
    let mut resolved: BTreeMap<Assignment, Vec<Subject>> = BTreeMap::new();
    // The stack's documents: a case whose stack has other documents (an `Fn::If` the values
    // decide added or removed a policy, shifting `Policies[i]`) is not the same stack.
    let documents = |subjects: &[Subject]| -> Vec<(bool, String)> {
        let mut d: Vec<(bool, String)> = subjects
            .iter()
            .filter_map(|s| s.policy().map(|p| (matches!(s, Subject::Key(_)), p.source.path_prefix().to_string())))
            .collect();
        d.sort();
        d
    };
    let base = documents(subjects);
    for s in subjects.iter_mut() {
        if !s.unresolved().is_empty() {
            continue;
        }
        let Some(assumed) = s.assumed() else { continue };
        // An unknown condition is decided by the values it depends on: it is not pinned.
        let pinned: Vec<&String> = assumed.values.iter().filter(|w| !super::resolve::is_derived(w)).collect();
        let mut per_value = Vec::new();
        for what in &pinned {
            let role = roles.get(*what).copied().unwrap_or(Role::Other);
            per_value.push(values(role, res.declaration(what), opts));
        }
        if pinned.is_empty() || per_value.iter().any(|(v, _)| v.is_empty()) {
            continue;
        }
        let product: usize = per_value.iter().map(|(v, _)| v.len()).product();
        let exhaustive = per_value.iter().all(|(_, all)| *all) && product <= MAX_EXHAUSTIVE;
        // Only the subject's own values are pinned: a string built from several unknowns
        // (`!Sub arn:${Part}:iam::${Acct}:root`) names only its first, so a reading that also
        // pinned other values could decide this policy by a value its case does not name (the
        // case is then none: the policy is still unknown).
        let assignments: Vec<Assignment> = if exhaustive {
            let mut out: Vec<Assignment> = vec![vec![]];
            for (what, (vs, _)) in pinned.iter().zip(&per_value) {
                out = out
                    .into_iter()
                    .flat_map(|a| vs.iter().map(move |v| [a.clone(), vec![((*what).clone(), v.clone())]].concat()))
                    .collect();
            }
            out
        } else {
            let n = per_value.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
            (0..n)
                .map(|k| pinned.iter().zip(&per_value).map(|(what, (vs, _))| ((*what).clone(), vs[k.min(vs.len() - 1)].clone())).collect())
                .collect()
        };
        // The same document of the template (its name may depend on the values: a RoleName
        // built with `!Sub`).
        let Some(path) = s.policy().map(|p| p.source.path_prefix().to_string()) else { continue };
        let key = matches!(s, Subject::Key(_));
        let mut cases = Vec::new();
        for a in assignments {
            // A template with many unknown policies does not resolve again without end.
            if resolved.len() >= MAX_RESOLUTIONS && !resolved.contains_key(&a) {
                continue;
            }
            let stack = resolved.entry(a.clone()).or_insert_with(|| {
                let mut pinned = opts.clone();
                pinned.assume.extend(a.iter().cloned());
                match Resolver::new(root, &pinned) {
                    // The template's errors were reported by the first reading.
                    Ok(r) => stack::subjects(file, &r, &mut Vec::new(), &mut BTreeMap::new()),
                    Err(_) => vec![],
                }
            });
            // The same resource, decided by the values alone (a value that is still unknown,
            // such as a condition on another unknown, makes no case).
            if documents(stack) != base {
                continue;
            }
            let policy = stack
                .iter()
                .filter(|c| matches!(c, Subject::Key(_)) == key && c.unresolved().is_empty() && c.assumed().is_none())
                .find_map(|c| c.policy().filter(|p| p.source.path_prefix() == path))
                .cloned();
            match policy {
                Some(policy) => cases.push(Case { values: a, policy }),
                None => continue,
            }
        }
        let complete = exhaustive && cases.len() == product;
        let Some(a) = s.assumed_mut() else { continue };
        a.cases = cases;
        a.exhaustive = complete;
    }
}

/// The values tried for an unknown that sits at `role`, and whether they are all its values.
fn values(role: Role, declaration: Option<&Node>, opts: &TemplateOptions) -> (Vec<String>, bool) {
    let ty = declaration.and_then(|d| d.get("Type")).and_then(Node::as_str).unwrap_or("String");
    // An SSM parameter's AllowedValues, AllowedPattern and lengths constrain the name of the
    // Parameter Store parameter, not the value CloudFormation reads from it.
    let declaration = declaration.filter(|_| !ty.starts_with("AWS::SSM::Parameter::Value"));
    let list = ty == "CommaDelimitedList" || ty.starts_with("List<");
    if let Some(Node { v: V::Seq(allowed), .. }) = declaration.and_then(|d| d.get("AllowedValues")) {
        let all: Vec<String> = allowed.iter().filter_map(Node::scalar_text).collect();
        // A value CloudFormation refuses all the same (its AllowedPattern, lengths) is none.
        let all: Vec<String> = all.into_iter().filter(|v| declaration.map_or(true, |d| accepts(d, v))).collect();
        if list {
            // Each item of a list parameter is one of its AllowedValues: any list of them is a
            // value, so these are not all of them; the whole list first (it allows the most).
            let mut tried = vec![all.join(",")];
            tried.extend(all.iter().cloned());
            tried.dedup();
            return (tried.into_iter().filter(|v| !v.is_empty()).collect(), false);
        }
        if all.len() == allowed.len() {
            return (all, true);
        }
        return (all, false);
    }
    let p = partition_of(&opts.region);
    let own = opts.account.as_str();
    let other = if own == "999999999999" { "888888888888" } else { "999999999999" };
    let tried: Vec<String> = match role {
        Role::Principal => vec![
            format!("arn:{p}:iam::{other}:role/keyward-assumed"),
            other.to_string(),
            format!("arn:{p}:iam::{own}:role/keyward-assumed"),
            "*".to_string(),
        ],
        // A key id KMS could have given (a lower-case UUID): a request on any other names no key.
        Role::Resource => vec![format!("arn:{p}:kms:{}:{own}:key/{ASSUMED_KEY_ID}", opts.region), "*".to_string()],
        Role::Action => vec!["kms:*".to_string(), "*".to_string()],
        Role::Condition => vec![other.to_string(), own.to_string(), "*".to_string()],
        Role::Other => vec!["keyward-assumed".to_string()],
    };
    (tried.into_iter().filter(|v| declaration.map_or(true, |d| accepts(d, v))).collect(), false)
}

/// Would CloudFormation accept `value` for the parameter declared by `d`?
fn accepts(d: &Node, value: &str) -> bool {
    let number = |k: &str| d.get(k).and_then(Node::scalar_text).and_then(|t| t.parse::<f64>().ok());
    let ty = d.get("Type").and_then(Node::as_str).unwrap_or("String");
    let typed = match ty {
        "String" | "CommaDelimitedList" => true,
        "Number" | "List<Number>" => value.split(',').all(|x| x.trim().parse::<f64>().is_ok()),
        t => t.starts_with("AWS::SSM::Parameter::Value<String") || t == "AWS::SSM::Parameter::Value<List<String>>",
    };
    let length = value.chars().count() as f64;
    let within = |lo: Option<f64>, hi: Option<f64>, x: f64| lo.map_or(true, |lo| x >= lo) && hi.map_or(true, |hi| x <= hi);
    let sized = within(number("MinLength"), number("MaxLength"), length);
    let ranged = value
        .parse::<f64>()
        .map_or(number("MinValue").is_none() && number("MaxValue").is_none(), |x| within(number("MinValue"), number("MaxValue"), x));
    // An AllowedPattern is matched against the whole value; a pattern this regex dialect does
    // not read accepts nothing (no value is tried that CloudFormation might refuse).
    // SOUNDNESS: CloudFormation reads AllowedPattern as a Java regular expression; where the
    // dialects differ on a pattern both read, a value tried may be one CloudFormation refuses
    // (a "violated if" for a value that cannot be deployed; never a wrong "holds").
    let patterned = match d.get("AllowedPattern").and_then(Node::scalar_text) {
        Some(pat) => regex::Regex::new(&format!("^(?:{pat})$")).is_ok_and(|r| r.is_match(value)),
        None => true,
    };
    typed && sized && ranged && patterned
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::template::node::parse;

    #[test]
    fn a_value_the_parameter_refuses_is_not_tried() {
        let opts = TemplateOptions::default();
        let d = parse("Type: String\nAllowedPattern: 'arn:aws:iam::\\d{12}:role/.*'\n").unwrap();
        let (v, all) = values(Role::Principal, Some(&d), &opts);
        assert_eq!(v, vec!["arn:aws:iam::999999999999:role/keyward-assumed", "arn:aws:iam::111122223333:role/keyward-assumed"]);
        assert!(!all);
        let d = parse("Type: String\nAllowedValues: [a, b]\n").unwrap();
        assert_eq!(values(Role::Principal, Some(&d), &opts), (vec!["a".to_string(), "b".to_string()], true));
        let d = parse("Type: Number\nMaxValue: 5\n").unwrap();
        assert!(values(Role::Condition, Some(&d), &opts).0.is_empty());
        let d = parse("Type: String\nMinLength: 12\nMaxLength: 12\n").unwrap();
        assert_eq!(values(Role::Condition, Some(&d), &opts).0, vec!["999999999999", "111122223333"]);
    }
}
