//! The deployment a template is resolved for: account, Region, stack name, parameter values
//! and the values of the exports it imports (`--account`, `--region`, `--stack-name`,
//! `--parameters`, `--import-value`).

use std::collections::BTreeMap;

/// The deployment a template is resolved for (`--account`, `--region`, `--stack-name`,
/// `--parameters`, `--import-value`).
#[derive(Debug, Clone)]
pub struct TemplateOptions {
    pub account: String,
    pub region: String,
    pub stack_name: String,
    pub parameters: BTreeMap<String, String>,
    pub import_values: BTreeMap<String, String>,
    /// Values assumed for values unknown before deployment, by what they are in words (the
    /// `V::Symbolic` text): how the cases of a policy with unknown strings are resolved.
    pub assume: BTreeMap<String, String>,
}

impl Default for TemplateOptions {
    fn default() -> Self {
        TemplateOptions {
            account: "111122223333".into(),
            region: "us-east-1".into(),
            stack_name: "keyward-stack".into(),
            parameters: BTreeMap::new(),
            import_values: BTreeMap::new(),
            assume: BTreeMap::new(),
        }
    }
}
