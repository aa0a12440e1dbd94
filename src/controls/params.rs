//! Control parameters and ignores, from `--param CONTROL.name=value` (lists comma-separated; an
//! empty value is the empty list) and from `keyward.toml`:
//!
//! ```toml
//! enabled = ["KMS.1", "IAM-KMS-3"]           # controls run when no --control is given
//! trusted_accounts = ["444455556666"]        # shorthands for the parameter of every control
//! trusted_orgs = ["o-a1b2c3d4e5"]            #   that has it (authorized_principals,
//! authorized_principals = ["arn:aws:iam::111122223333:role/KeyAdmin"]  # exempt_principals,
//!                                            #   blocked_actions too)
//! [params."IAM-KMS-3"]
//! authorized_principals = ["arn:aws:iam::111122223333:role/Ops"]
//!
//! [[ignore]]
//! control = "KMS.1"
//! resource = "arn:aws:iam::111122223333:policy/Legacy*"   # glob; or `file = "…"`
//! reason = "accepted until the 2027 migration"
//! ```
//! The command line wins over the file; a control's own table wins over the shorthands.
//!
//! This file owns the values and their typed getters; reading them from the command line and
//! the file, checked against the registry's parameter kinds, is `config.rs`.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamValue {
    List(Vec<String>),
    Bool(bool),
    Word(String),
}

#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// As the file spells it (`CIS-KMS-EXPOSED` names both parts).
    pub control: String,
    /// The control ids it names, resolved by `Params::load_config` (an ignore built otherwise
    /// names `control` itself).
    #[serde(skip)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    /// (control id, parameter name) → value.
    pub(super) values: BTreeMap<(String, String), ParamValue>,
    pub ignores: Vec<Ignore>,
    pub enabled: Option<Vec<String>>,
    /// Things worth telling about the configuration (not errors), for stderr.
    pub notes: Vec<String>,
}

impl Params {
    pub fn list(&self, control: &str, name: &str) -> Option<Vec<String>> {
        match self.values.get(&(control.to_string(), name.to_string())) {
            Some(ParamValue::List(l)) => Some(l.clone()),
            _ => None,
        }
    }

    pub fn bool(&self, control: &str, name: &str) -> Option<bool> {
        match self.values.get(&(control.to_string(), name.to_string())) {
            Some(ParamValue::Bool(b)) => Some(*b),
            _ => None,
        }
    }

    pub fn word(&self, control: &str, name: &str) -> Option<String> {
        match self.values.get(&(control.to_string(), name.to_string())) {
            Some(ParamValue::Word(w)) => Some(w.clone()),
            _ => None,
        }
    }

    /// The reason of the first ignore entry that matches the finding.
    pub fn suppression(&self, control: &str, resource: &str, file: &str) -> Option<String> {
        self.ignores
            .iter()
            .find(|ig| {
                (ig.ids.iter().any(|id| id == control) || ig.ids.is_empty() && ig.control.eq_ignore_ascii_case(control))
                    && ig.resource.as_deref().map_or(true, |r| glob(r, resource))
                    && ig.file.as_deref().map_or(true, |f| glob(f, file))
            })
            .map(|ig| ig.reason.clone())
    }
}

/// `*` matches any run of characters, `?` one character.
pub fn glob(pattern: &str, text: &str) -> bool {
    let t = crate::model::template::Template::parse(pattern, crate::model::template::Syntax { wildcards: true, variables: false });
    match t.ok().and_then(|t| t.resolve(&|_| None)) {
        Some(r) => r.matches(text, false),
        None => pattern == text,
    }
}
