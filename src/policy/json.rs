//! Reading JSON with positions. `serde_json` decides what is valid JSON (its messages are the
//! familiar ones, with line and column); `jsonc-parser` in strict mode then gives the syntax tree
//! with the byte range of every value, which the policy reader needs to point at elements.
//! Duplicate object keys are rejected here: JSON leaves their meaning open and a prover must not
//! pick one reading silently.

use crate::model::source::{path_index, path_member, Source, Span};
use crate::policy::diagnostic::{Diagnostic, Diagnostics};
use jsonc_parser::ast::{ObjectPropName, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

pub use jsonc_parser::ast::Value as JsonValue;

/// Parse `source` as strict JSON and hand its root value to `f`.
pub fn with_json<T>(source: &Source, f: impl FnOnce(&Value<'_>) -> Result<T, Diagnostics>) -> Result<T, Diagnostics> {
    let text = source.text();
    if let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(text) {
        let message = strip_position(&e.to_string());
        // serde's line and column count in this text; a generated text (a template's policy)
        // locates elsewhere, and at the end of a line serde says column 0: go by the offset.
        let mut offset =
            text.split_inclusive('\n').take(e.line().saturating_sub(1)).map(str::len).sum::<usize>() + e.column().saturating_sub(1);
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let (line, column) = source.line_col(offset);
        return Err(Diagnostic {
            file: source.name().into(),
            path: source.full_path(""),
            line,
            column,
            message: format!("invalid JSON: {message}"),
        }
        .into());
    }
    let strict = ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    let parsed = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict)
        .map_err(|e| Diagnostic::at(source, Span::new(e.range().start, e.range().end), "", format!("invalid JSON: {}", e.kind())))?;
    let Some(root) = parsed.value else {
        return Err(Diagnostic::at(source, Span::default(), "", "the document is empty").into());
    };
    let mut dups = Vec::new();
    find_duplicate_keys(source, &root, "", &mut dups);
    if !dups.is_empty() {
        return Err(Diagnostics(dups));
    }
    f(&root)
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn find_duplicate_keys(source: &Source, v: &Value<'_>, path: &str, out: &mut Vec<Diagnostic>) {
    match v {
        Value::Object(o) => {
            let mut seen = std::collections::HashSet::new();
            for p in &o.properties {
                let name = prop_name(&p.name);
                let child = path_member(path, &name);
                if !seen.insert(name.clone()) {
                    out.push(Diagnostic::at(
                        source,
                        span(&p.range),
                        &child,
                        format!("duplicate key {name:?}: JSON does not say which one counts"),
                    ));
                }
                find_duplicate_keys(source, &p.value, &child, out);
            }
        }
        Value::Array(a) => {
            for (i, e) in a.elements.iter().enumerate() {
                find_duplicate_keys(source, e, &path_index(path, i), out);
            }
        }
        _ => {}
    }
}

pub fn prop_name(n: &ObjectPropName<'_>) -> String {
    match n {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
    }
}

pub fn span(r: &jsonc_parser::common::Range) -> Span {
    Span::new(r.start, r.end)
}

pub fn value_span(v: &Value<'_>) -> Span {
    match v {
        Value::StringLit(x) => span(&x.range),
        Value::NumberLit(x) => span(&x.range),
        Value::BooleanLit(x) => span(&x.range),
        Value::Object(x) => span(&x.range),
        Value::Array(x) => span(&x.range),
        Value::NullKeyword(x) => span(&x.range),
    }
}

/// What a JSON value is, in words, for messages.
pub fn kind_name(v: &Value<'_>) -> &'static str {
    match v {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// Convert a JSON tree to a `serde_json::Value` (for parts of inputs that are plain data).
pub fn to_serde(v: &Value<'_>) -> serde_json::Value {
    match v {
        Value::StringLit(s) => serde_json::Value::String(s.value.to_string()),
        Value::NumberLit(n) => serde_json::from_str(n.value).unwrap_or(serde_json::Value::Null),
        Value::BooleanLit(b) => serde_json::Value::Bool(b.value),
        Value::NullKeyword(_) => serde_json::Value::Null,
        Value::Array(a) => serde_json::Value::Array(a.elements.iter().map(to_serde).collect()),
        Value::Object(o) => serde_json::Value::Object(o.properties.iter().map(|p| (prop_name(&p.name), to_serde(&p.value))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_json_at_the_end_has_a_column() {
        let e = with_json(&Source::new("p.json", "{\"Version\": \"2012-10-17\",\n"), |_| Ok(())).unwrap_err();
        assert!(e.0[0].line >= 1 && e.0[0].column >= 1, "{e:?}");
        let g = Source::generated("t.yaml", "{\"a\": ".into(), "Resources.P", vec![(0, (30, 7))]);
        let e = with_json(&g, |_| Ok(())).unwrap_err();
        assert_eq!((e.0[0].line, e.0[0].column), (30, 7), "a generated text locates in its template");
    }

    #[test]
    fn invalid_json_reports_line_and_column() {
        let s = Source::new("p.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [,]\n}");
        let e = with_json(&s, |_| Ok(())).unwrap_err();
        assert_eq!(e.0[0].line, 3);
        assert!(e.0[0].message.starts_with("invalid JSON"), "{}", e.0[0].message);
    }

    #[test]
    fn duplicate_keys_are_rejected_with_their_path() {
        let s = Source::new("p.json", r#"{"Statement": {"Effect": "Allow", "Effect": "Deny"}}"#);
        let e = with_json(&s, |_| Ok(())).unwrap_err();
        assert_eq!(e.0[0].path, "Statement.Effect");
    }

    #[test]
    fn comments_and_trailing_commas_are_not_json() {
        for text in ["{\"a\": 1,}", "{/*c*/\"a\": 1}", "{'a': 1}"] {
            assert!(with_json(&Source::new("p.json", text), |_| Ok(())).is_err(), "{text}");
        }
    }
}
