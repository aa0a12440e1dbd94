//! Source text bookkeeping: where a piece of a policy came from. A `Source` owns the text of one
//! input (a file, or a policy embedded as a string inside another file) and turns byte offsets
//! into 1-based line:column positions, so every diagnostic and every SARIF location can point at
//! the exact character a user has to look at.

use std::sync::Arc;

/// A byte range inside a `Source`'s text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// One input text with its display name. Cheap to clone (shared text).
#[derive(Debug, Clone)]
pub struct Source {
    inner: Arc<SourceInner>,
}

#[derive(Debug)]
struct SourceInner {
    name: String,
    text: String,
    line_starts: Vec<usize>,
    /// When this text was found inside another document (a key policy stored as a JSON string
    /// in `get-key-policy` output, an IAM policy inside an account snapshot), the JSON path of
    /// the place it came from. Diagnostics prefix their own path with it.
    path_prefix: String,
    /// When the text was generated from another document (a policy resolved out of a
    /// CloudFormation template): byte offsets of the text, ascending, with the 1-based line and
    /// column in that document of the node written there. Locations come from it.
    origins: Vec<(usize, (usize, usize))>,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Source {
        Source::embedded(name, text, String::new())
    }

    /// A text embedded at `path_prefix` (a JSON path such as `Policies[3].Document`) of `name`.
    pub fn embedded(name: impl Into<String>, text: impl Into<String>, path_prefix: impl Into<String>) -> Source {
        let text = text.into();
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        Source {
            inner: Arc::new(SourceInner { name: name.into(), text, line_starts, path_prefix: path_prefix.into(), origins: Vec::new() }),
        }
    }

    /// A text generated from the document `name` (at `path_prefix` of it): `origins` gives, for
    /// ascending byte offsets of `text`, the line and column in `name` of what was written
    /// there, so that every location points into `name`, not into the generated text.
    pub fn generated(
        name: impl Into<String>,
        text: String,
        path_prefix: impl Into<String>,
        origins: Vec<(usize, (usize, usize))>,
    ) -> Source {
        let mut s = Source::embedded(name, text, path_prefix);
        if let Some(inner) = Arc::get_mut(&mut s.inner) {
            inner.origins = origins;
        }
        s
    }

    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn text(&self) -> &str {
        &self.inner.text
    }

    pub fn path_prefix(&self) -> &str {
        &self.inner.path_prefix
    }

    /// 1-based line and column (in characters, as editors count) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.inner.text.len());
        if !self.inner.origins.is_empty() {
            let i = self.inner.origins.partition_point(|(o, _)| *o <= offset);
            return self.inner.origins.get(i.saturating_sub(1)).map_or((1, 1), |(_, lc)| *lc);
        }
        let line_index = match self.inner.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.inner.line_starts.get(line_index).copied().unwrap_or(0);
        let column = self.inner.text.get(start..offset).map(|s| s.chars().count()).unwrap_or(0) + 1;
        (line_index + 1, column)
    }

    /// The full JSON path of an element, including the embedding prefix.
    pub fn full_path(&self, path: &str) -> String {
        join_path(self.path_prefix(), path)
    }
}

/// Join two JSON paths (`Policies[0]` + `Statement[1]` = `Policies[0].Statement[1]`).
pub fn join_path(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) if path.starts_with('[') => format!("{prefix}{path}"),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// Append an object member to a JSON path, quoting names that would read ambiguously.
pub fn path_member(path: &str, name: &str) -> String {
    let plain =
        !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-' | '/' | '$' | '{' | '}' | '@'));
    let member = if plain { name.to_string() } else { format!("[{}]", serde_json::Value::String(name.to_string())) };
    if member.starts_with('[') {
        format!("{path}{member}")
    } else {
        join_path(path, &member)
    }
}

/// Append an array index to a JSON path.
pub fn path_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let s = Source::new("f.json", "{\n  \"é\": 1,\n  \"x\": 2\n}");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(2), (2, 1));
        let x = s.text().find("\"x\"").unwrap();
        assert_eq!(s.line_col(x), (3, 3));
        let after_e = s.text().find(": 1").unwrap();
        assert_eq!(s.line_col(after_e), (2, 6));
    }

    #[test]
    fn a_generated_text_locates_in_its_origin() {
        let s = Source::generated("t.yaml", "{\"a\": [1, 2]}".into(), "Resources.K", vec![(0, (4, 3)), (7, (5, 7)), (11, (6, 9))]);
        assert_eq!(s.line_col(0), (4, 3));
        assert_eq!(s.line_col(8), (5, 7));
        assert_eq!(s.line_col(11), (6, 9));
        assert_eq!(s.line_col(100), (6, 9));
    }

    #[test]
    fn paths_join_and_quote() {
        assert_eq!(path_member("Statement[2].Condition", "StringLike"), "Statement[2].Condition.StringLike");
        assert_eq!(path_member("", "Statement"), "Statement");
        assert_eq!(path_member("Condition", "a b"), "Condition[\"a b\"]");
        assert_eq!(join_path("Policies[1].Document", "Statement[0]"), "Policies[1].Document.Statement[0]");
        assert_eq!(join_path("", "Statement[0]"), "Statement[0]");
    }
}
