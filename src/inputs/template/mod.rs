//! CloudFormation templates (JSON or YAML) as subjects: `node` reads the template with every
//! position, `resolve` resolves parameters, conditions, mappings and intrinsic functions for
//! the account and Region given, `placeholder` gives the stack's own resources their values,
//! `document` turns a resolved policy document into a `Policy` located in the template, and
//! `stack` finds the keys and IAM policies the stack creates.
//!
//! Not supported, and said so with the place: a `Transform` other than
//! `AWS::LanguageExtensions` (a SAM template or a macro expands at deployment into resources
//! keyward cannot see), `Fn::Transform`, `Fn::ForEach`.

pub mod bounds;
pub mod cases;
pub mod document;
pub mod node;
pub mod options;
pub mod placeholder;
pub mod resolve;
pub mod stack;

use crate::controls::subject::Subject;
use crate::policy::Diagnostic;
pub use options::TemplateOptions;
use std::path::Path;

/// Is `path` a CloudFormation template? A `.yaml`/`.yml`/`.template` file, or a JSON file with
/// a top-level `Resources` or `AWSTemplateFormatVersion` (a policy document has neither).
pub fn is_template(path: &Path, text: &str) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "yaml" | "yml" | "template" => true,
        "json" => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(serde_json::Value::Object(o)) => o.contains_key("Resources") || o.contains_key("AWSTemplateFormatVersion"),
            _ => false,
        },
        _ => false,
    }
}

/// The subjects of the template `text` of `file`; problems go to `errors`, one per place, and
/// the rest of the template is still read.
pub fn load(file: &str, text: &str, opts: &TemplateOptions, errors: &mut Vec<Diagnostic>) -> Vec<Subject> {
    let root = match node::parse(text) {
        Ok(r) => r,
        Err(e) => {
            errors.push(stack::diagnostic(file, "", &e));
            return vec![];
        }
    };
    if !matches!(root.v, node::V::Map(_)) {
        errors.push(Diagnostic::at_line(file, "", root.line, root.col, "a template is a mapping with a Resources section"));
        return vec![];
    }
    if let Some(t) = root.get("Transform") {
        let names: Vec<String> = match &t.v {
            node::V::Seq(items) => items.iter().filter_map(node::Node::scalar_text).collect(),
            _ => t.scalar_text().into_iter().collect(),
        };
        if let Some(other) = names.iter().find(|n| *n != "AWS::LanguageExtensions") {
            let why = if other.starts_with("AWS::Serverless") {
                "a SAM template: the transform expands it into resources at deployment (run `sam build` and check the template it writes)"
            } else {
                "a macro expands the template at deployment into resources keyward cannot see"
            };
            errors.push(Diagnostic::at_line(file, "Transform", t.line, t.col, format!("the Transform {other} is not supported: {why}")));
            return vec![];
        }
    }
    let Some(resources) = root.get("Resources") else {
        errors.push(Diagnostic::at_line(file, "", root.line, root.col, "a template without a Resources section"));
        return vec![];
    };
    if !matches!(resources.v, node::V::Map(_)) {
        errors.push(Diagnostic::at_line(file, "Resources", resources.line, resources.col, "Resources must be a mapping of logical ids"));
        return vec![];
    }
    let res = match resolve::Resolver::new(&root, opts) {
        Ok(r) => r,
        Err(e) => {
            errors.push(stack::diagnostic(file, "Parameters", &e));
            return vec![];
        }
    };
    let mut roles = std::collections::BTreeMap::new();
    let mut subjects = stack::subjects(file, &res, errors, &mut roles);
    cases::add(file, &root, opts, &res, &roles, &mut subjects);
    subjects
}
