//! The policy grammar: turns a JSON tree into a validated `model::Policy`. Every rule AWS
//! enforces when it accepts a policy is checked here, with a diagnostic that names the element:
//! known elements only, Action xor NotAction, Principal xor NotPrincipal, Resource xor
//! NotResource, Effect Allow/Deny, known condition operators with values of the right type,
//! well-formed ARNs, CIDRs, numbers, dates and policy variables. Strings, numbers and booleans
//! are accepted as condition values (AWS reads `"Bool": {"aws:SecureTransport": false}`), but
//! nothing else.

use crate::model::condition::{parse_arn_pattern, Clause, ConditionValue, Operator};
use crate::model::error::ValueError;
use crate::model::key::ContextKey;
use crate::model::policy::{ActionElement, Effect, Policy, PrincipalElement, ResourceElement, ResourcePattern, Statement, Version};
use crate::model::principal::{is_service_principal, PrincipalPattern};
use crate::model::source::{path_index, path_member, Source, Span};
use crate::model::template::{Syntax, Template};
use crate::policy::diagnostic::{Diagnostic, Diagnostics};
use crate::policy::json::{kind_name, prop_name, span, value_span, with_json, JsonValue};

/// Parse a policy document.
pub fn parse_policy(source: Source) -> Result<Policy, Diagnostics> {
    let src = source.clone();
    with_json(&source, move |root| read_policy(src, root))
}

/// Parse a policy from a JSON subtree of a larger document (an account snapshot).
pub fn read_policy(source: Source, root: &JsonValue<'_>) -> Result<Policy, Diagnostics> {
    let mut r = Reader { source: &source, errors: Vec::new() };
    let policy = r.policy(root);
    match policy {
        Some(p) if r.errors.is_empty() => Ok(p),
        _ => {
            if r.errors.is_empty() {
                r.errors.push(Diagnostic::at(&source, value_span(root), "", "not a policy document"));
            }
            Err(Diagnostics(r.errors))
        }
    }
}

struct Reader<'s> {
    source: &'s Source,
    errors: Vec<Diagnostic>,
}

/// A string found in the document, with where it was.
struct Str {
    text: String,
    span: Span,
    path: String,
}

impl<'s> Reader<'s> {
    fn err(&mut self, span: Span, path: &str, msg: impl ToString) {
        self.errors.push(Diagnostic::at(self.source, span, path, msg.to_string()));
    }

    fn policy(&mut self, root: &JsonValue<'_>) -> Option<Policy> {
        let JsonValue::Object(obj) = root else {
            self.err(value_span(root), "", format!("a policy document must be a JSON object, found {}", kind_name(root)));
            return None;
        };
        let mut version = Version::Absent;
        let mut id = None;
        let mut statements_value = None;
        for p in &obj.properties {
            let name = prop_name(&p.name);
            let path = path_member("", &name);
            match name.as_str() {
                "Version" => match &p.value {
                    JsonValue::StringLit(s) if s.value == "2012-10-17" => version = Version::V2012_10_17,
                    JsonValue::StringLit(s) if s.value == "2008-10-17" => version = Version::V2008_10_17,
                    other => self.err(value_span(other), &path, "Version must be \"2012-10-17\" or \"2008-10-17\""),
                },
                "Id" => match &p.value {
                    JsonValue::StringLit(s) => id = Some(s.value.to_string()),
                    other => self.err(value_span(other), &path, format!("Id must be a string, found {}", kind_name(other))),
                },
                "Statement" => statements_value = Some(&p.value),
                other => self.err(span(&p.range), &path, format!("unknown policy element {other:?} (expected Version, Id, Statement)")),
            }
        }
        let Some(stmts) = statements_value else {
            self.err(span(&obj.range), "", "a policy document needs a Statement element");
            return None;
        };
        let mut statements = Vec::new();
        match stmts {
            JsonValue::Array(a) => {
                for (i, s) in a.elements.iter().enumerate() {
                    if let Some(st) = self.statement(s, i, &path_index("Statement", i), version) {
                        statements.push(st);
                    }
                }
            }
            JsonValue::Object(_) => {
                if let Some(st) = self.statement(stmts, 0, "Statement", version) {
                    statements.push(st);
                }
            }
            other => self.err(
                value_span(other),
                "Statement",
                format!("Statement must be an object or an array of objects, found {}", kind_name(other)),
            ),
        }
        Some(Policy { source: self.source.clone(), version, id, statements })
    }

    fn statement(&mut self, v: &JsonValue<'_>, index: usize, path: &str, version: Version) -> Option<Statement> {
        let JsonValue::Object(obj) = v else {
            self.err(value_span(v), path, format!("a statement must be a JSON object, found {}", kind_name(v)));
            return None;
        };
        let errors_before = self.errors.len();
        let mut sid = None;
        let mut effect = None;
        let mut principal: Option<PrincipalElement> = None;
        let mut action: Option<ActionElement> = None;
        let mut resource: Option<ResourceElement> = None;
        let mut conditions = Vec::new();
        let seen = |r: &mut Self, slot_taken: bool, name: &str, other: &str, sp: Span, p: &str| {
            if slot_taken {
                r.err(sp, p, format!("a statement cannot have both {other} and {name}"));
            }
        };
        for p in &obj.properties {
            let name = prop_name(&p.name);
            let ppath = path_member(path, &name);
            let psp = span(&p.range);
            match name.as_str() {
                "Sid" => match &p.value {
                    JsonValue::StringLit(s) => sid = Some(s.value.to_string()),
                    other => self.err(value_span(other), &ppath, format!("Sid must be a string, found {}", kind_name(other))),
                },
                "Effect" => match &p.value {
                    JsonValue::StringLit(s) if s.value == "Allow" => effect = Some(Effect::Allow),
                    JsonValue::StringLit(s) if s.value == "Deny" => effect = Some(Effect::Deny),
                    other => self.err(value_span(other), &ppath, "Effect must be \"Allow\" or \"Deny\""),
                },
                "Principal" | "NotPrincipal" => {
                    let negated = name == "NotPrincipal";
                    seen(self, principal.is_some(), &name, if negated { "Principal" } else { "NotPrincipal" }, psp, &ppath);
                    if let Some(patterns) = self.principals(&p.value, &ppath) {
                        principal = Some(PrincipalElement { negated, patterns });
                    }
                }
                "Action" | "NotAction" => {
                    let negated = name == "NotAction";
                    seen(self, action.is_some(), &name, if negated { "Action" } else { "NotAction" }, psp, &ppath);
                    let list = self.strings(&p.value, &ppath, &name);
                    let patterns = list.into_iter().filter_map(|s| self.action_pattern(s)).collect();
                    action = Some(ActionElement { negated, patterns });
                }
                "Resource" | "NotResource" => {
                    let negated = name == "NotResource";
                    seen(self, resource.is_some(), &name, if negated { "Resource" } else { "NotResource" }, psp, &ppath);
                    let list = self.strings(&p.value, &ppath, &name);
                    let patterns = list.into_iter().filter_map(|s| self.resource_pattern(s, version)).collect();
                    resource = Some(ResourceElement { negated, patterns });
                }
                "Condition" => conditions = self.condition(&p.value, &ppath, version),
                other => self.err(psp, &ppath, format!("unknown statement element {other:?} (expected Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition)")),
            }
        }
        let sp = span(&obj.range);
        if effect.is_none() && !obj.properties.iter().any(|p| prop_name(&p.name) == "Effect") {
            self.err(sp, path, "the statement has no Effect");
        }
        if action.is_none() {
            self.err(sp, path, "the statement has neither Action nor NotAction");
        }
        if let (Some(Effect::Allow), Some(PrincipalElement { negated: true, .. })) = (effect, &principal) {
            // AWS documents NotPrincipal with Allow as unsupported; it still parses such
            // documents in older resource policies, so we read it (BP lints flag it).
        }
        if self.errors.len() > errors_before {
            return None;
        }
        Some(Statement { index, sid, effect: effect?, principal, action: action?, resource, conditions, path: path.to_string(), span: sp })
    }

    /// A string or a non-empty array of strings.
    fn strings(&mut self, v: &JsonValue<'_>, path: &str, what: &str) -> Vec<Str> {
        match v {
            JsonValue::StringLit(s) => vec![Str { text: s.value.to_string(), span: span(&s.range), path: path.to_string() }],
            JsonValue::Array(a) => {
                if a.elements.is_empty() {
                    self.err(span(&a.range), path, format!("{what} must not be an empty list"));
                }
                let mut out = Vec::new();
                for (i, e) in a.elements.iter().enumerate() {
                    let p = path_index(path, i);
                    match e {
                        JsonValue::StringLit(s) => out.push(Str { text: s.value.to_string(), span: span(&s.range), path: p }),
                        other => self.err(value_span(other), &p, format!("{what} entries must be strings, found {}", kind_name(other))),
                    }
                }
                out
            }
            other => {
                self.err(value_span(other), path, format!("{what} must be a string or an array of strings, found {}", kind_name(other)));
                Vec::new()
            }
        }
    }

    fn action_pattern(&mut self, s: Str) -> Option<Template> {
        let t = s.text.as_str();
        let valid = t == "*" || {
            match t.split_once(':') {
                Some((svc, name)) => {
                    !svc.is_empty()
                        && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*' || c == '?')
                        && !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?' || c == '-' || c == '_')
                }
                None => false,
            }
        };
        if !valid {
            self.err(s.span, &s.path, format!("{t:?} is not an action: expected `service:ActionName` (wildcards * and ? allowed) or `*`"));
            return None;
        }
        match Template::parse(t, Syntax { wildcards: true, variables: false }) {
            Ok(tpl) => Some(tpl),
            Err(e) => {
                self.err(s.span, &s.path, e);
                None
            }
        }
    }

    fn resource_pattern(&mut self, s: Str, version: Version) -> Option<ResourcePattern> {
        let t = s.text.as_str();
        let syntax = Syntax { wildcards: true, variables: version.variables() };
        // A resource is `*`, or an ARN (`arn:partition:service:region:account:resource`) in which
        // wildcards and variables may stand for parts. An entry without ARN structure that starts
        // with a wildcard or a variable is matched against the whole resource string.
        let starts_open = t.starts_with('*') || t.starts_with('?') || (version.variables() && t.starts_with("${"));
        let result = if t.starts_with("arn:") {
            parse_arn_pattern(t, version.variables()).map(ResourcePattern::Arn)
        } else if starts_open && !t.contains(':') {
            Template::parse(t, syntax).map(ResourcePattern::Whole)
        } else {
            Err(ValueError::Pattern(format!("{t:?} is not a resource ARN (arn:partition:service:region:account:resource) or `*`")))
        };
        match result {
            Ok(p) => Some(p),
            Err(e) => {
                self.err(s.span, &s.path, e);
                None
            }
        }
    }

    fn principals(&mut self, v: &JsonValue<'_>, path: &str) -> Option<Vec<PrincipalPattern>> {
        match v {
            JsonValue::StringLit(s) if s.value == "*" => Some(vec![PrincipalPattern::Everyone]),
            JsonValue::StringLit(s) => {
                self.err(span(&s.range), path, format!("{:?}: a Principal given as a string must be \"*\"; name principals as {{\"AWS\": …}}, {{\"Service\": …}}, {{\"Federated\": …}} or {{\"CanonicalUser\": …}}", s.value));
                None
            }
            JsonValue::Object(o) => {
                if o.properties.is_empty() {
                    self.err(span(&o.range), path, "a Principal must name at least one principal");
                }
                let mut out = Vec::new();
                for p in &o.properties {
                    let kind = prop_name(&p.name);
                    let kpath = path_member(path, &kind);
                    let values = self.strings(&p.value, &kpath, &kind);
                    for s in values {
                        let parsed = match kind.as_str() {
                            "AWS" => PrincipalPattern::parse_aws(&s.text),
                            "Service" if is_service_principal(&s.text) => Ok(PrincipalPattern::Service(s.text.clone())),
                            "Service" => {
                                Err(ValueError::Principal(format!("{:?} is not a service principal (such as logs.amazonaws.com)", s.text)))
                            }
                            "Federated" if !s.text.is_empty() => Ok(PrincipalPattern::Federated(s.text.clone())),
                            "CanonicalUser" if !s.text.is_empty() => Ok(PrincipalPattern::Canonical(s.text.clone())),
                            "Federated" | "CanonicalUser" => Err(ValueError::Principal("an empty principal name".to_string())),
                            other => {
                                self.err(
                                    span(&p.range),
                                    &kpath,
                                    format!("unknown principal type {other:?} (expected AWS, Service, Federated, CanonicalUser)"),
                                );
                                break;
                            }
                        };
                        match parsed {
                            Ok(pp) => out.push(pp),
                            Err(e) => self.err(s.span, &s.path, e),
                        }
                    }
                }
                Some(out)
            }
            other => {
                self.err(value_span(other), path, format!("a Principal must be \"*\" or an object, found {}", kind_name(other)));
                None
            }
        }
    }

    fn condition(&mut self, v: &JsonValue<'_>, path: &str, version: Version) -> Vec<Clause> {
        let JsonValue::Object(obj) = v else {
            self.err(value_span(v), path, format!("Condition must be an object, found {}", kind_name(v)));
            return Vec::new();
        };
        let mut clauses = Vec::new();
        for op_prop in &obj.properties {
            let op_name = prop_name(&op_prop.name);
            let op_path = path_member(path, &op_name);
            let op = match Operator::parse(&op_name) {
                Ok(op) => op,
                Err(e) => {
                    self.err(span(&op_prop.range), &op_path, e);
                    continue;
                }
            };
            let JsonValue::Object(keys) = &op_prop.value else {
                self.err(
                    value_span(&op_prop.value),
                    &op_path,
                    format!("{op_name} must map condition keys to values, found {}", kind_name(&op_prop.value)),
                );
                continue;
            };
            for key_prop in &keys.properties {
                let key_name = prop_name(&key_prop.name);
                let key_path = path_member(&op_path, &key_name);
                if key_name.trim().is_empty() || key_name.contains(char::is_whitespace) {
                    self.err(span(&key_prop.range), &key_path, format!("{key_name:?} is not a condition key name"));
                    continue;
                }
                let raw_values = self.condition_values(&key_prop.value, &key_path);
                let mut values = Vec::new();
                for (text, sp, vpath) in raw_values {
                    match ConditionValue::parse(&op, &text, version.variables()) {
                        Ok(cv) => values.push(cv),
                        Err(e) => self.err(sp, &vpath, e),
                    }
                }
                clauses.push(Clause { operator: op, key: ContextKey::new(&key_name), values, path: key_path });
            }
        }
        clauses
    }

    /// Condition values: a string, number or boolean, or a non-empty array of them.
    fn condition_values(&mut self, v: &JsonValue<'_>, path: &str) -> Vec<(String, Span, String)> {
        let scalar = |v: &JsonValue<'_>| -> Option<String> {
            match v {
                JsonValue::StringLit(s) => Some(s.value.to_string()),
                JsonValue::NumberLit(n) => Some(n.value.to_string()),
                JsonValue::BooleanLit(b) => Some(b.value.to_string()),
                _ => None,
            }
        };
        match v {
            JsonValue::Array(a) => {
                if a.elements.is_empty() {
                    self.err(span(&a.range), path, "a condition key needs at least one value");
                }
                let mut out = Vec::new();
                for (i, e) in a.elements.iter().enumerate() {
                    let p = path_index(path, i);
                    match scalar(e) {
                        Some(s) => out.push((s, value_span(e), p)),
                        None => self.err(
                            value_span(e),
                            &p,
                            format!("a condition value must be a string, number or boolean, found {}", kind_name(e)),
                        ),
                    }
                }
                out
            }
            other => match scalar(other) {
                Some(s) => vec![(s, value_span(other), path.to_string())],
                None => {
                    self.err(
                        value_span(other),
                        path,
                        format!("a condition value must be a string, number or boolean (or an array of them), found {}", kind_name(other)),
                    );
                    Vec::new()
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, Diagnostics> {
        parse_policy(Source::new("p.json", text))
    }

    #[test]
    fn reads_a_key_policy() {
        let p = parse(
            r#"{"Version": "2012-10-17", "Id": "k", "Statement": [
              {"Sid": "root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Effect": "Deny", "NotPrincipal": {"AWS": ["111122223333", "arn:aws:iam::111122223333:user/a"]}, "NotAction": ["kms:Describe*"], "Resource": "*",
               "Condition": {"Bool": {"aws:SecureTransport": false}, "ForAnyValue:StringLike": {"kms:EncryptionContextKeys": ["a*", "b"]}}}
            ]}"#,
        )
        .unwrap();
        assert_eq!(p.statements.len(), 2);
        assert_eq!(p.statements[1].conditions.len(), 2);
        assert_eq!(p.statements[1].conditions[1].values.len(), 2);
        assert!(p.statements[1].principal.as_ref().unwrap().negated);
        assert!(p.has_principals());
    }

    #[test]
    fn single_statement_object() {
        let p =
            parse(r#"{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}"}}"#).unwrap();
        assert_eq!(p.version, Version::Absent);
        assert_eq!(p.statements[0].path, "Statement");
        // Without Version 2012-10-17 the variable is text.
        let r = &p.statements[0].resource.as_ref().unwrap().patterns[0];
        assert!(r.templates().iter().all(|t| !t.has_variables()));
    }

    fn first_error(text: &str) -> Diagnostic {
        parse(text).unwrap_err().0.remove(0)
    }

    #[test]
    fn errors_name_path_and_position() {
        let e = first_error("{\"Version\": \"2012-10-17\", \"Statement\": [\n {\"Effect\": \"Allow\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\",\n  \"Condition\": {\"StringLikes\": {\"a:b\": \"x\"}}}]}");
        assert_eq!(e.path, "Statement[0].Condition.StringLikes");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("unknown condition operator"));
        let e = first_error(r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "NotAction": "c:d", "Resource": "*"}]}"#);
        assert!(e.message.contains("both"), "{}", e.message);
        let e = first_error(
            r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/99"}}}]}"#,
        );
        assert_eq!(e.path, "Statement[0].Condition.IpAddress.aws:SourceIp");
        let e = first_error(r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "bucket"}]}"#);
        assert!(e.message.contains("not a resource ARN"));
        let e = first_error(r#"{"Statement": [{"Effect": "Allow", "Action": ["a:b", 3], "Resource": "*"}]}"#);
        assert_eq!(e.path, "Statement[0].Action[1]");
        let e = first_error(r#"{"Statement": [{"Effect": "Permit", "Action": "a:b", "Resource": "*"}]}"#);
        assert_eq!(e.path, "Statement[0].Effect");
        let e = first_error(
            r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Principal": {"AWS": "arn:aws:iam::abc:user/x"}}]}"#,
        );
        assert_eq!(e.path, "Statement[0].Principal.AWS");
        let e = first_error(r#"{"Statement": [], "Extra": 1}"#);
        assert_eq!(e.path, "Extra");
        let e = first_error(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "arn:aws:s3:::${aws:username"}]}"#,
        );
        assert!(e.message.contains("unterminated"));
        let e = first_error(
            r#"{"Statement": [{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {"StringEquals": {"k": null}}}]}"#,
        );
        assert_eq!(e.path, "Statement[0].Condition.StringEquals.k");
    }

    #[test]
    fn all_errors_of_a_file_are_reported() {
        let errs = parse(r#"{"Statement": [{"Effect": "Allow", "Action": "nope", "Resource": "*"}, {"Effect": "Maybe", "Action": "a:b", "Resource": "*"}]}"#).unwrap_err();
        assert_eq!(errs.0.len(), 2);
    }
}
