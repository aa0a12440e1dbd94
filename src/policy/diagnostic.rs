//! Input diagnostics: every problem with an input names the file, the JSON path of the element
//! (`Statement[2].Condition.StringLike`) and its line:column, so users can fix it without
//! guessing. Loading collects all problems of a file instead of stopping at the first one.

use crate::model::source::{Source, Span};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: String,
    /// JSON path of the offending element; empty for the document itself.
    pub path: String,
    /// 1-based; 0 when the problem has no position (an unreadable file).
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl Diagnostic {
    pub fn at(source: &Source, span: Span, path: &str, message: impl Into<String>) -> Diagnostic {
        let (line, column) = source.line_col(span.start);
        Diagnostic { file: source.name().to_string(), path: source.full_path(path), line, column, message: message.into() }
    }

    /// A problem with a whole file (unreadable, wrong kind).
    /// A diagnostic at a known line and column of `file` (a template's element).
    pub fn at_line(file: &str, path: &str, line: usize, column: usize, message: impl Into<String>) -> Diagnostic {
        Diagnostic { file: file.to_string(), path: path.to_string(), line, column, message: message.into() }
    }

    pub fn file(file: &str, message: impl Into<String>) -> Diagnostic {
        Diagnostic { file: file.to_string(), path: String::new(), line: 0, column: 0, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)?;
        } else {
            write!(f, "{}: {}", self.file, self.message)?;
        }
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

/// All problems found in one input.
#[derive(Debug, Clone, thiserror::Error)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}
