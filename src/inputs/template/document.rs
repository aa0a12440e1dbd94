//! A policy document of a template, resolved, as a `Policy` whose every location points into
//! the template: the resolved tree is written as JSON text with, for each value and member
//! name, the template line and column it came from (`Source::generated`), so a diagnostic or a
//! finding names the template's line of the statement, not a line of a text nobody sees. A
//! document given as a JSON string (`PolicyDocument: !Sub '{…}'`) is parsed as that string,
//! every location at the string's own position.

use super::bounds::{self, Role};
use super::node::{Node, V};
use crate::controls::subject::Assumed;
use crate::model::source::Source;
use crate::model::Policy;
use crate::policy::{parse_policy, Diagnostics};

/// The policy of the resolved document `doc`, found at `path` (`Resources.K.Properties.KeyPolicy`)
/// of `file`.
pub fn policy(file: &str, path: &str, doc: &Node) -> Result<Policy, Diagnostics> {
    read(file, path, doc).map(|(p, _)| p)
}

/// The policy of `doc`, and whether it is the document as written (not the stand-in).
fn read(file: &str, path: &str, doc: &Node) -> Result<(Policy, bool), Diagnostics> {
    match written(file, path, doc) {
        Ok(p) => Ok((p, true)),
        // A value unknown before deployment where the policy needs a statement or an element
        // (an `Fn::If` on an unknown condition around a statement), or where `*` is not a
        // valid value: the subject is decided from `Assumed` or answers unknown, so the
        // stand-in is read instead of reporting an error the template may not have.
        Err(_) if crate::inputs::template::resolve::contains_symbolic(doc) => {
            parse_policy(Source::generated(file, UNKNOWN_POLICY.to_string(), path, vec![(0, (doc.line, doc.col))])).map(|p| (p, false))
        }
        Err(e) => Err(e),
    }
}

/// The policy of `doc` as written, `*` in place of each unknown string.
fn written(file: &str, path: &str, doc: &Node) -> Result<Policy, Diagnostics> {
    let mut w = Writer { text: String::new(), origins: Vec::new() };
    match &doc.v {
        // A document unknown as a whole: the subject answers unknown; this stands in for it.
        V::Symbolic(_) => {
            w.origins.push((0, (doc.line, doc.col)));
            w.text = UNKNOWN_POLICY.to_string();
        }
        V::Str(s) => {
            w.origins.push((0, (doc.line, doc.col)));
            w.text = s.clone();
        }
        _ => w.node(doc),
    }
    parse_policy(Source::generated(file, w.text, path, w.origins))
}

/// A document read: its policy, and what it depends on that is unknown before deployment.
pub struct Document {
    pub policy: Policy,
    /// The unknown value that decides the document's structure, if any (the subject answers
    /// unknown).
    pub unresolved: Vec<String>,
    /// The unknown strings, with the document's bounds (`bounds.rs`).
    pub assumed: Option<Box<Assumed>>,
    /// Where each unknown string first sits.
    pub roles: Vec<(String, Role)>,
}

/// The policy of `doc` with what it depends on that is unknown before deployment; a policy
/// that does not parse goes to `errors`.
pub fn policy_or_report(file: &str, path: &str, doc: &Node, errors: &mut Vec<crate::policy::Diagnostic>) -> Option<Document> {
    let (policy, as_written) = match read(file, path, doc) {
        Ok(p) => p,
        Err(e) => {
            errors.extend(e.0);
            return None;
        }
    };
    let read = match bounds::leaves(doc) {
        Ok(roles) if roles.is_empty() => Document { policy, unresolved: vec![], assumed: None, roles },
        Ok(roles) => {
            // A bound that does not parse (a condition left without keys IAM accepts, …) is
            // no bound: the controls that need it answer from the cases, or unknown.
            let bound = |n: Node| written(file, path, &n).ok();
            let assumed = Assumed {
                as_written,
                same_structure: !roles.iter().any(|(w, _)| crate::inputs::template::resolve::may_be_absent(w)),
                values: roles.iter().map(|(w, _)| w.clone()).collect(),
                wider: bound(bounds::wider(doc)),
                narrower: bound(bounds::narrower(doc)),
                cases: vec![],
                exhaustive: false,
            };
            Document { policy, unresolved: vec![], assumed: Some(Box::new(assumed)), roles }
        }
        Err(bounds::Structural(first)) => Document { policy, unresolved: vec![first], assumed: None, roles: vec![] },
    };
    Some(read)
}

/// The key policy KMS gives a key created without one (KMS Developer Guide, "Default key
/// policy": the account's root gets kms:*, which delegates to IAM).
pub fn default_key_policy(partition: &str, account: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{{"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {{"AWS": "arn:{partition}:iam::{account}:root"}}, "Action": "kms:*", "Resource": "*"}}]}}"#
    )
}

/// The stand-in of a policy unknown before deployment (never decided: see `stack.rs`).
pub const UNKNOWN_POLICY: &str = r#"{"Version": "2012-10-17", "Id": "keyward-unknown-before-deployment", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;

struct Writer {
    text: String,
    origins: Vec<(usize, (usize, usize))>,
}

impl Writer {
    fn mark(&mut self, line: usize, col: usize) {
        self.origins.push((self.text.len(), (line, col)));
    }

    fn node(&mut self, n: &Node) {
        self.mark(n.line, n.col);
        match &n.v {
            V::Null => self.text.push_str("null"),
            V::Bool(b) => self.text.push_str(if *b { "true" } else { "false" }),
            // A number as written, when JSON reads it as one.
            V::Num(s) if serde_json::from_str::<serde_json::Number>(s).is_ok() => self.text.push_str(s),
            V::Num(s) | V::Str(s) => self.string(s),
            // A value unknown before deployment: the subject is decided from the bounds and
            // cases of `Assumed` (or answers unknown); its own policy, read with `*` in its
            // place so that it parses, stands for none of them.
            V::Symbolic(_) => self.string("*"),
            V::Seq(items) => {
                self.text.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    self.node(item);
                }
                self.text.push(']');
            }
            V::Map(members) => {
                self.text.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        self.text.push_str(", ");
                    }
                    self.mark(k.line, k.col);
                    self.string(&k.name);
                    self.text.push_str(": ");
                    self.node(v);
                }
                self.mark(n.line, n.col);
                self.text.push('}');
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.text.push_str(&serde_json::Value::String(s.to_string()).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::template::node::parse;

    #[test]
    fn statements_locate_in_the_template() {
        let t = parse("KeyPolicy:\n  Version: 2012-10-17\n  Statement:\n    - Sid: Root\n      Effect: Allow\n      Principal: {AWS: '*'}\n      Action: 'kms:*'\n      Resource: '*'\n").unwrap();
        let p = policy("t.yaml", "Resources.K.Properties.KeyPolicy", t.get("KeyPolicy").unwrap()).unwrap();
        let st = &p.statements[0];
        assert_eq!(p.source.line_col(st.span.start), (4, 7));
        assert_eq!(p.source.name(), "t.yaml");
    }

    #[test]
    fn a_bad_document_is_a_diagnostic_at_the_template_line() {
        let t = parse("Doc:\n  Version: '2012-10-17'\n  Statement:\n    - Effect: Allow\n      Action: 'kms:Decrypt'\n      Resource: '*'\n      Condition: {StringLikes: {'aws:username': a}}\n").unwrap();
        let e = policy("t.yaml", "Resources.P.Properties.PolicyDocument", t.get("Doc").unwrap()).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("t.yaml:7:"), "{text}");
        assert!(text.contains("Resources.P.Properties.PolicyDocument.Statement[0].Condition"), "{text}");
    }
}
