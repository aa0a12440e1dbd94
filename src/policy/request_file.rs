//! The request file format of `keyward eval` and of the semantics cases:
//! `{"principal": ARN | service principal | "anonymous", "action": "kms:Decrypt",
//!   "resource": ARN | "*", "context": {"key": "value" | ["v1", "v2"]}}`.
//! Counterexamples are printed in this same format (`Request::to_json`) so they can be fed back
//! to `keyward eval`.

use super::diagnostic::{Diagnostic, Diagnostics};
use super::json::{kind_name, prop_name, span, value_span, JsonValue};
use crate::model::key::ContextKey;
use crate::model::principal::{iam_path_name, Principal, PrincipalKind};
use crate::model::request::{Context, Request};
use crate::model::source::{path_index, path_member, Source};

/// Read a request from a JSON subtree.
pub fn read_request(source: &Source, v: &JsonValue<'_>, path: &str) -> Result<Request, Diagnostics> {
    let mut errors = Vec::new();
    let mut err = |sp, p: &str, m: String| errors.push(Diagnostic::at(source, sp, p, m));
    let JsonValue::Object(obj) = v else {
        return Err(Diagnostic::at(source, value_span(v), path, format!("a request must be an object, found {}", kind_name(v))).into());
    };
    let (mut principal, mut action, mut resource, mut context) = (None, None, None, Context::new());
    for p in &obj.properties {
        let name = prop_name(&p.name);
        let ppath = path_member(path, &name);
        let text = match &p.value {
            JsonValue::StringLit(s) => Some(s.value.to_string()),
            _ => None,
        };
        match (name.as_str(), text) {
            ("principal", Some(t)) => match Principal::parse(&t) {
                Ok(pr) => principal = Some(pr),
                Err(e) => err(value_span(&p.value), &ppath, e.to_string()),
            },
            ("action", Some(t)) => {
                if t.split_once(':').is_some_and(|(s, n)| !s.is_empty() && !n.is_empty()) {
                    action = Some(t)
                } else {
                    err(value_span(&p.value), &ppath, format!("{t:?} is not an action (service:Name)"))
                }
            }
            ("resource", Some(t)) => resource = Some(t),
            ("principal" | "action" | "resource", None) => {
                err(value_span(&p.value), &ppath, format!("{name} must be a string, found {}", kind_name(&p.value)))
            }
            ("context", _) => match &p.value {
                JsonValue::Object(ctx) => {
                    for kp in &ctx.properties {
                        let key = prop_name(&kp.name);
                        let kpath = path_member(&ppath, &key);
                        let scalar = |v: &JsonValue<'_>| match v {
                            JsonValue::StringLit(s) => Some(s.value.to_string()),
                            JsonValue::NumberLit(n) => Some(n.value.to_string()),
                            JsonValue::BooleanLit(b) => Some(b.value.to_string()),
                            _ => None,
                        };
                        let values = match &kp.value {
                            JsonValue::Array(a) => {
                                let mut out = Vec::new();
                                for (i, e) in a.elements.iter().enumerate() {
                                    match scalar(e) {
                                        Some(s) => out.push(s),
                                        None => err(
                                            value_span(e),
                                            &path_index(&kpath, i),
                                            format!("context values must be strings, found {}", kind_name(e)),
                                        ),
                                    }
                                }
                                out
                            }
                            other => match scalar(other) {
                                Some(s) => vec![s],
                                None => {
                                    err(
                                        value_span(other),
                                        &kpath,
                                        format!("a context value must be a string or an array of strings, found {}", kind_name(other)),
                                    );
                                    vec![]
                                }
                            },
                        };
                        context.insert(&key, values);
                    }
                }
                other => err(value_span(other), &ppath, format!("context must be an object, found {}", kind_name(other))),
            },
            (other, _) => {
                err(span(&p.range), &ppath, format!("unknown request field {other:?} (expected principal, action, resource, context)"))
            }
        }
    }
    let sp = span(&obj.range);
    if principal.is_none() && !obj.properties.iter().any(|p| prop_name(&p.name) == "principal") {
        err(sp, path, "the request has no principal".into());
    }
    if action.is_none() && !obj.properties.iter().any(|p| prop_name(&p.name) == "action") {
        err(sp, path, "the request has no action".into());
    }
    if !errors.is_empty() {
        return Err(Diagnostics(errors));
    }
    match (principal, action) {
        (Some(mut principal), Some(action)) => {
            // A session ARN names its role without the role's path; the request's
            // aws:PrincipalArn, when it is that role's ARN, gives it.
            if principal.kind == PrincipalKind::Role {
                if let Some([arn]) = context.get(&ContextKey::new("aws:PrincipalArn")) {
                    let session = principal.session.clone().unwrap_or_default();
                    let name = session.rsplit('/').nth(1).unwrap_or("");
                    if let Some((part, acct, "role", _, n)) = iam_path_name(arn) {
                        if part == principal.partition && acct == principal.account && n == name {
                            principal.arn = arn.clone();
                        }
                    }
                }
            }
            Ok(Request { principal, action, resource: resource.unwrap_or_else(|| "*".into()), context })
        }
        _ => Err(Diagnostic::at(source, sp, path, "incomplete request").into()),
    }
}

/// Read and parse one request file.
pub fn load_request(path: &std::path::Path) -> Result<Request, Diagnostics> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Diagnostic::file(&name, format!("cannot read the file: {e}")))?;
    let source = Source::new(name, text);
    super::json::with_json(&source, |root| read_request(&source, root, ""))
}
