//! Values a Terraform plan knows only after apply, rebuilt from what it does know: constant
//! `configuration` expressions, data sources read at plan time (`prior_state`), and
//! placeholders for the resources the plan creates (the ARN a role, key or policy will have in
//! the account and Region given, used where the plan knows the resource but not its ARN). An
//! `aws_iam_policy_document` data source is rebuilt from its `statement` blocks.
//!
//! SOUNDNESS: `configuration` lists the references of a non-constant expression, not the
//! expression: such an expression is unknown, and so is every verdict on its policy; only
//! constants are rebuilt. `encodings/templates.md` lists the cases.

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

/// The value of a `configuration` expression in the module `prefix` (`module.a.`): its
/// constant. SOUNDNESS: a non-constant expression is unknown — `configuration` records its
/// references, not the expression, and `[aws_iam_role.app.arn]`, `concat([aws_iam_role.app.arn],
/// ["*"])` and `"${aws_iam_role.app.arn}/*"` record the same references.
pub fn expression(prefix: &str, expr: &Node) -> Node {
    if let Some(c) = expr.get("constant_value") {
        return c.clone();
    }
    let refs: Vec<&str> = match expr.get("references").map(|r| &r.v) {
        Some(V::Seq(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => vec![],
    };
    if refs.is_empty() {
        return symbolic(expr, "a value known only after apply".into());
    }
    symbolic(expr, format!("an expression of {prefix}{} (the plan records its references, not its value)", refs.join(", ")))
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
        Some(e) => policy_document(prefix, e, at),
        None => symbolic(at, format!("{address} (not in the plan's configuration)")),
    }
}

/// An `aws_iam_policy_document` from its argument and `statement` blocks.
fn policy_document(prefix: &str, e: &Node, at: &Node) -> Node {
    for unsupported in ["source_json", "override_json", "source_policy_documents", "override_policy_documents"] {
        if e.get(unsupported).is_some() {
            return symbolic(at, format!("an aws_iam_policy_document with {unsupported} (not rebuilt)"));
        }
    }
    let key = |name: &str, n: &Node| Key { name: name.to_string(), line: n.line, col: n.col };
    let mut members = vec![(
        key("Version", e),
        e.get("version").map_or_else(|| Node::new(V::Str("2012-10-17".into()), e.line, e.col), |v| expression(prefix, v)),
    )];
    let mut statements = Vec::new();
    if let Some(V::Seq(blocks)) = e.get("statement").map(|s| &s.v) {
        for b in blocks {
            let mut st = Vec::new();
            let mut put = |name: &str, value: Node| st.push((key(name, &value), value));
            if let Some(v) = b.get("sid") {
                put("Sid", expression(prefix, v));
            }
            put("Effect", b.get("effect").map_or_else(|| Node::new(V::Str("Allow".into()), b.line, b.col), |v| expression(prefix, v)));
            for (tf, aws) in
                [("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"), ("not_resources", "NotResource")]
            {
                if let Some(v) = b.get(tf) {
                    put(aws, list(expression(prefix, v)));
                }
            }
            for (tf, aws) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
                if let Some(V::Seq(ps)) = b.get(tf).map(|p| &p.v) {
                    // Blocks of one type merge their identifiers (the provider does so).
                    let mut m: Vec<(Key, Node)> = Vec::new();
                    for p in ps {
                        let ty = p.get("type").map(|t| expression(prefix, t));
                        let ty = match ty.as_ref().map(|t| (&t.v, t.scalar_text())) {
                            Some((_, Some(t))) => t,
                            Some((V::Symbolic(w), _)) => return symbolic(at, w.clone()),
                            _ => String::new(),
                        };
                        let ids =
                            p.get("identifiers").map_or_else(|| Node::new(V::Seq(vec![]), p.line, p.col), |i| list(expression(prefix, i)));
                        match m.iter_mut().find(|(k, _)| k.name == ty) {
                            Some((_, existing)) => append(existing, ids),
                            None => m.push((key(&ty, p), ids)),
                        }
                    }
                    // A single `*` block with identifiers ["*"] is `"Principal": "*"`.
                    let star = matches!(m.as_slice(), [(k, Node { v: V::Seq(ids), .. })] if k.name == "*" && ids.iter().all(|i| i.as_str() == Some("*")));
                    let value = if star { Node::new(V::Str("*".into()), b.line, b.col) } else { Node::new(V::Map(m), b.line, b.col) };
                    put(aws, value);
                }
            }
            if let Some(V::Seq(cs)) = b.get("condition").map(|c| &c.v) {
                let mut ops: Vec<(Key, Node)> = Vec::new();
                for c in cs {
                    let test = c.get("test").map(|t| expression(prefix, t)).and_then(|t| t.scalar_text()).unwrap_or_default();
                    let variable = c.get("variable").map(|t| expression(prefix, t)).and_then(|t| t.scalar_text()).unwrap_or_default();
                    let values = c.get("values").map_or_else(|| Node::new(V::Seq(vec![]), c.line, c.col), |v| list(expression(prefix, v)));
                    // Blocks of one test and variable merge their values (the provider does so).
                    match ops.iter_mut().find(|(k, _)| k.name == test) {
                        Some((_, Node { v: V::Map(m), .. })) => match m.iter_mut().find(|(k, _)| k.name == variable) {
                            Some((_, existing)) => append(existing, values),
                            None => m.push((key(&variable, c), values)),
                        },
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

/// `existing` with the items of `more` after its own (a symbolic side makes the whole unknown).
fn append(existing: &mut Node, more: Node) {
    match (&mut existing.v, more.v) {
        (V::Seq(a), V::Seq(b)) => a.extend(b),
        (V::Symbolic(_), _) => {}
        (_, V::Symbolic(w)) => existing.v = V::Symbolic(w),
        (_, other) => existing.v = V::Symbolic(format!("values that cannot be merged ({other:?})")),
    }
}

/// A list-valued block argument: a single value is a list of one.
fn list(n: Node) -> Node {
    match n.v {
        V::Seq(_) | V::Symbolic(_) => n,
        _ => Node { v: V::Seq(vec![n.clone()]), ..n },
    }
}
