//! Reading inputs: JSON with positions, the policy grammar, and diagnostics that name the file,
//! the JSON path and the line:column of every problem.

pub mod diagnostic;
pub mod json;
pub mod read;
pub mod request_file;

pub use crate::model::source::Source;
pub use diagnostic::{Diagnostic, Diagnostics};
pub use read::parse_policy;

use crate::model::Policy;
use std::path::Path;

/// Read and parse one policy file.
pub fn load_policy(path: &Path) -> Result<Policy, Diagnostics> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| Diagnostic::file(&name, format!("cannot read the file: {e}")))?;
    parse_policy(Source::new(name, text))
}
