//! Values a Terraform plan knows only after apply, rebuilt from what it does know: the
//! `configuration` expressions (a constant, or references), the root module's variables, data
//! sources read at plan time (`prior_state`), and placeholders for the resources the plan
//! creates (the ARN a role, key or policy will have in the account and Region given). An
//! `aws_iam_policy_document` data source is rebuilt from its `statement` blocks.
//!
//! SOUNDNESS: `configuration` lists the references of a non-constant expression, not the
//! expression. An expression with exactly one reference (`aws_iam_role.app.arn`, or a list of
//! it) is taken to be that reference; one with several, a function call or interpolation that
//! Terraform records no differently, is not guessed: it is unknown, and so is every verdict on
//! the policy. `encodings/terraform.md` lists the cases.

use super::plan::{config_address, Plan};
use crate::inputs::template::node::{Key, Node, V};
use crate::inputs::template::placeholder;

/// The value of a planned resource's attribute when the plan does not know it.
pub fn placeholder(plan: &Plan<'_>, address: &str, ty: &str, values: &Node, attr: &str) -> String {
    let (p, region, account) = (&plan.partition, &plan.opts.region, &plan.opts.account);
    let local = config_address(address);
    let short = local.rsplit('.').next().unwrap_or(&local).to_string();
    let name = values.get("name").and_then(Node::scalar_text).filter(|n| !n.is_empty()).unwrap_or_else(|| format!("terraform-{short}"));
    let path =
        values.get("path").and_then(Node::scalar_text).filter(|p| p.starts_with('/') && p.ends_with('/')).unwrap_or_else(|| "/".into());
    let key_id = || {
        let u = placeholder::uuid(address);
        if values.get("multi_region").is_some_and(|m| m.v == V::Bool(true)) || ty == "aws_kms_replica_key" {
            format!("mrk-{}", u.replace('-', ""))
        } else {
            u
        }
    };
    match (ty, attr) {
        ("aws_kms_key" | "aws_kms_replica_key", "arn") => format!("arn:{p}:kms:{region}:{account}:key/{}", key_id()),
        ("aws_kms_key" | "aws_kms_replica_key", "key_id" | "id") => key_id(),
        ("aws_iam_role", "arn") => format!("arn:{p}:iam::{account}:role{path}{name}"),
        ("aws_iam_user", "arn") => format!("arn:{p}:iam::{account}:user{path}{name}"),
        ("aws_iam_group", "arn") => format!("arn:{p}:iam::{account}:group{path}{name}"),
        ("aws_iam_policy", "arn" | "id") => format!("arn:{p}:iam::{account}:policy{path}{name}"),
        ("aws_iam_role" | "aws_iam_user" | "aws_iam_group" | "aws_iam_policy", "name" | "id") => name,
        ("aws_s3_bucket", "arn") => format!("arn:{p}:s3:::{}", values.get("bucket").and_then(Node::scalar_text).unwrap_or(name)),
        ("aws_s3_bucket", "id" | "bucket") => values.get("bucket").and_then(Node::scalar_text).unwrap_or(name),
        ("aws_sns_topic", "arn" | "id") => format!("arn:{p}:sns:{region}:{account}:{name}"),
        ("aws_sqs_queue", "arn") => format!("arn:{p}:sqs:{region}:{account}:{name}"),
        ("aws_lambda_function", "arn") => format!(
            "arn:{p}:lambda:{region}:{account}:function:{}",
            values.get("function_name").and_then(Node::scalar_text).unwrap_or(name)
        ),
        ("aws_cloudwatch_log_group", "arn") => format!("arn:{p}:logs:{region}:{account}:log-group:{name}"),
        (_, "arn") => {
            let service = ty.strip_prefix("aws_").and_then(|t| t.split('_').next()).unwrap_or("resource");
            format!("arn:{p}:{service}:{region}:{account}:{short}/{name}")
        }
        _ => format!("{address}.{attr}"),
    }
}

fn symbolic(at: &Node, what: String) -> Node {
    Node::new(V::Symbolic(what), at.line, at.col)
}

/// The value of a `configuration` expression in the module `prefix` (`module.a.`).
pub fn expression(plan: &Plan<'_>, prefix: &str, expr: &Node) -> Node {
    if let Some(c) = expr.get("constant_value") {
        return c.clone();
    }
    let refs: Vec<&str> = match expr.get("references").map(|r| &r.v) {
        Some(V::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => return symbolic(expr, "a value known only after apply".into()),
    };
    // `aws_iam_role.app.arn` comes with its parent `aws_iam_role.app`: one reference.
    let leaves: Vec<&str> = refs.iter().copied().filter(|r| !refs.iter().any(|o| o != r && o.starts_with(&format!("{r}.")))).collect();
    match leaves.as_slice() {
        [one] => reference(plan, prefix, one, expr),
        _ => symbolic(expr, format!("an expression of {} (several references: keyward does not guess how they combine)", refs.join(", "))),
    }
}

fn reference(plan: &Plan<'_>, prefix: &str, r: &str, at: &Node) -> Node {
    let str_at = |s: String| Node::new(V::Str(s), at.line, at.col);
    let parts: Vec<&str> = r.split('.').collect();
    match parts.as_slice() {
        ["var", name, ..] if prefix.is_empty() => match plan.variable(name) {
            Some(v) => Node { line: at.line, col: at.col, ..v.clone() },
            None => symbolic(at, format!("the variable {name}")),
        },
        ["data", "aws_caller_identity", _, "account_id"] => str_at(plan.opts.account.clone()),
        ["data", "aws_partition", _, "partition"] => str_at(plan.partition.clone()),
        ["data", "aws_region", _, "name" | "id"] => str_at(plan.opts.region.clone()),
        ["data", ty, name, attr] => match plan.prior_resource(&format!("{prefix}data.{ty}.{name}")).and_then(|v| v.get(attr)) {
            Some(v) if !matches!(v.v, V::Null) => Node { line: at.line, col: at.col, ..v.clone() },
            _ => symbolic(at, format!("{prefix}{r} (read at apply)")),
        },
        [ty, name, attr] if ty.starts_with("aws_") => {
            let address = format!("{prefix}{ty}.{name}");
            match plan.planned_resource(&address) {
                Some((ty, values)) => match values.get(attr).and_then(Node::scalar_text) {
                    Some(v) if !v.is_empty() => str_at(v),
                    _ => str_at(placeholder(plan, &address, ty, values, attr)),
                },
                None => symbolic(at, format!("{prefix}{r}")),
            }
        }
        _ => symbolic(at, format!("{prefix}{r}")),
    }
}

/// The policy document of a `policy` argument's expression: a constant, a data source's JSON
/// read at plan time, or an `aws_iam_policy_document` rebuilt from its blocks.
pub fn document(plan: &Plan<'_>, address: &str, expr: &Node, at: &Node) -> Node {
    let prefix = super::plan::module_prefix(address);
    let prefix = prefix.as_str();
    if let Some(c) = expr.get("constant_value") {
        return c.clone();
    }
    let refs: Vec<&str> = match expr.get("references").map(|r| &r.v) {
        Some(V::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => vec![],
    };
    let docs: Vec<&str> =
        refs.iter().copied().filter(|r| r.starts_with("data.aws_iam_policy_document.") && r.split('.').count() == 3).collect();
    let [doc] = docs.as_slice() else {
        return symbolic(
            at,
            format!("the policy of {address} (known only after apply, and not one aws_iam_policy_document keyward can rebuild)"),
        );
    };
    let address = format!("{prefix}{doc}");
    let address = address.as_str();
    if let Some(json) = plan.prior_resource(address).and_then(|v| v.get("json")).filter(|j| j.as_str().is_some_and(|s| !s.is_empty())) {
        return json.clone();
    }
    match plan.config_resource(address).and_then(|c| c.get("expressions")) {
        Some(e) => policy_document(plan, prefix, e, at),
        None => symbolic(at, format!("{address} (not in the plan's configuration)")),
    }
}

/// An `aws_iam_policy_document` from its argument and `statement` blocks.
fn policy_document(plan: &Plan<'_>, prefix: &str, e: &Node, at: &Node) -> Node {
    for unsupported in ["source_json", "override_json", "source_policy_documents", "override_policy_documents"] {
        if e.get(unsupported).is_some() {
            return symbolic(at, format!("an aws_iam_policy_document with {unsupported} (not rebuilt)"));
        }
    }
    let key = |name: &str, n: &Node| Key { name: name.to_string(), line: n.line, col: n.col };
    let mut members = vec![(
        key("Version", e),
        e.get("version").map_or_else(|| Node::new(V::Str("2012-10-17".into()), e.line, e.col), |v| expression(plan, prefix, v)),
    )];
    let mut statements = Vec::new();
    if let Some(V::Seq(blocks)) = e.get("statement").map(|s| &s.v) {
        for b in blocks {
            let mut st = Vec::new();
            let mut put = |name: &str, value: Node| st.push((key(name, &value), value));
            if let Some(v) = b.get("sid") {
                put("Sid", expression(plan, prefix, v));
            }
            put(
                "Effect",
                b.get("effect").map_or_else(|| Node::new(V::Str("Allow".into()), b.line, b.col), |v| expression(plan, prefix, v)),
            );
            for (tf, aws) in
                [("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")]
            {
                if let Some(v) = b.get(tf) {
                    put(aws, list(expression(plan, prefix, v)));
                }
            }
            for (tf, aws) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
                if let Some(V::Seq(ps)) = b.get(tf).map(|p| &p.v) {
                    let mut m: Vec<(Key, Node)> = Vec::new();
                    for p in ps {
                        let ty = p.get("type").map(|t| expression(plan, prefix, t)).and_then(|t| t.scalar_text()).unwrap_or_default();
                        let ids = p
                            .get("identifiers")
                            .map_or_else(|| Node::new(V::Seq(vec![]), p.line, p.col), |i| list(expression(plan, prefix, i)));
                        if ty == "*" {
                            m.clear();
                            put_principal_star(&mut m, p);
                            break;
                        }
                        m.push((key(&ty, p), ids));
                    }
                    let value = match m.as_slice() {
                        [(k, v)] if k.name == "*" => v.clone(),
                        _ => Node::new(V::Map(m), b.line, b.col),
                    };
                    put(aws, value);
                }
            }
            if let Some(V::Seq(cs)) = b.get("condition").map(|c| &c.v) {
                let mut ops: Vec<(Key, Node)> = Vec::new();
                for c in cs {
                    let test = c.get("test").map(|t| expression(plan, prefix, t)).and_then(|t| t.scalar_text()).unwrap_or_default();
                    let variable = c.get("variable").map(|t| expression(plan, prefix, t)).and_then(|t| t.scalar_text()).unwrap_or_default();
                    let values =
                        c.get("values").map_or_else(|| Node::new(V::Seq(vec![]), c.line, c.col), |v| list(expression(plan, prefix, v)));
                    match ops.iter_mut().find(|(k, _)| k.name == test) {
                        Some((_, Node { v: V::Map(m), .. })) => m.push((key(&variable, c), values)),
                        _ => ops.push((key(&test, c), Node::new(V::Map(vec![(key(&variable, c), values)]), c.line, c.col))),
                    }
                }
                put("Condition", Node::new(V::Map(ops), b.line, b.col));
            }
            statements.push(Node::new(V::Map(st), b.line, b.col));
        }
    }
    members.push((key("Statement", e), Node::new(V::Seq(statements), e.line, e.col)));
    Node::new(V::Map(members), e.line, e.col)
}

/// `principals { type = "*" identifiers = ["*"] }` is `"Principal": "*"`.
fn put_principal_star(m: &mut Vec<(Key, Node)>, p: &Node) {
    m.push((Key { name: "*".into(), line: p.line, col: p.col }, Node::new(V::Str("*".into()), p.line, p.col)));
}

/// A list-valued block argument: a single value is a list of one.
fn list(n: Node) -> Node {
    match n.v {
        V::Seq(_) | V::Symbolic(_) => n,
        _ => Node { v: V::Seq(vec![n.clone()]), ..n },
    }
}
