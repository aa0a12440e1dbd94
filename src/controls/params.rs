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

use super::catalog::{ParamKind, CONTROLS};
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
    pub control: String,
    #[serde(default)]
    pub resource: Option<String>,
    #[serde(default)]
    pub file: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Params {
    /// (control id, parameter name) → value.
    values: BTreeMap<(String, String), ParamValue>,
    pub ignores: Vec<Ignore>,
    pub enabled: Option<Vec<String>>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    enabled: Option<Vec<String>>,
    #[serde(default)]
    params: BTreeMap<String, BTreeMap<String, toml::Value>>,
    #[serde(default)]
    ignore: Vec<Ignore>,
    #[serde(default)]
    trusted_accounts: Option<Vec<String>>,
    #[serde(default)]
    trusted_orgs: Option<Vec<String>>,
    #[serde(default)]
    authorized_principals: Option<Vec<String>>,
    #[serde(default)]
    exempt_principals: Option<Vec<String>>,
    #[serde(default)]
    blocked_actions: Option<Vec<String>>,
}

/// The catalog's control id for a user's spelling (`CIS-KMS-EXPOSED` → its parts).
fn control_ids(name: &str) -> Vec<&'static str> {
    CONTROLS.iter().filter(|c| super::selects(name, c.id)).map(|c| c.id).collect()
}

fn kind_of(control: &str, name: &str) -> Option<ParamKind> {
    CONTROLS.iter().find(|c| c.id == control)?.params.iter().find(|p| p.name == name).map(|p| p.kind)
}

fn typed(kind: ParamKind, raw: &str) -> Result<ParamValue, String> {
    match kind {
        ParamKind::List => Ok(ParamValue::List(raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())),
        ParamKind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(ParamValue::Bool(true)),
            "false" | "no" | "0" => Ok(ParamValue::Bool(false)),
            _ => Err(format!("{raw:?} is not a boolean (true or false)")),
        },
        ParamKind::Word(words) => {
            if words.contains(&raw) {
                Ok(ParamValue::Word(raw.to_string()))
            } else {
                Err(format!("{raw:?} is not one of {}", words.join(", ")))
            }
        }
    }
}

fn from_toml(kind: ParamKind, v: &toml::Value) -> Result<ParamValue, String> {
    match (kind, v) {
        (ParamKind::List, toml::Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| format!("{x} is not a string")))
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        (ParamKind::List, toml::Value::String(s)) => typed(kind, s),
        (ParamKind::Bool, toml::Value::Boolean(b)) => Ok(ParamValue::Bool(*b)),
        (_, toml::Value::String(s)) => typed(kind, s),
        _ => Err(format!("{v} has the wrong type")),
    }
}

impl Params {
    /// Set `CONTROL.name=value` (the command-line form).
    pub fn set_cli(&mut self, spec: &str) -> Result<(), String> {
        let (lhs, value) = spec.split_once('=').ok_or_else(|| format!("--param {spec:?}: expected CONTROL.name=value"))?;
        let (control, name) = lhs.rsplit_once('.').ok_or_else(|| format!("--param {spec:?}: expected CONTROL.name=value"))?;
        self.set(control, name, |kind| typed(kind, value)).map_err(|e| format!("--param {spec:?}: {e}"))
    }

    fn set(&mut self, control: &str, name: &str, value: impl Fn(ParamKind) -> Result<ParamValue, String>) -> Result<(), String> {
        let ids = control_ids(control);
        if ids.is_empty() {
            return Err(format!("unknown control {control:?} (see `keyward controls`)"));
        }
        let mut any = false;
        for id in ids {
            if let Some(kind) = kind_of(id, name) {
                self.values.insert((id.to_string(), name.to_string()), value(kind)?);
                any = true;
            }
        }
        if any {
            Ok(())
        } else {
            Err(format!("control {control} has no parameter {name:?}"))
        }
    }

    /// Read `keyward.toml`. Values already set (from the command line) are kept.
    pub fn load_config(&mut self, file: &str, text: &str) -> Result<(), String> {
        let cfg: ConfigFile = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
        let cli = std::mem::take(&mut self.values);
        for (name, v) in [
            ("trusted_accounts", &cfg.trusted_accounts),
            ("trusted_orgs", &cfg.trusted_orgs),
            ("authorized_principals", &cfg.authorized_principals),
            ("exempt_principals", &cfg.exempt_principals),
            ("blocked_actions", &cfg.blocked_actions),
        ] {
            if let Some(list) = v {
                for c in CONTROLS.iter().filter(|c| c.params.iter().any(|p| p.name == name)) {
                    self.values.insert((c.id.to_string(), name.to_string()), ParamValue::List(list.clone()));
                }
            }
        }
        for (control, table) in &cfg.params {
            for (name, v) in table {
                self.set(control, name, |kind| from_toml(kind, v)).map_err(|e| format!("{file}: [params.{control:?}] {name}: {e}"))?;
            }
        }
        for ig in &cfg.ignore {
            if control_ids(&ig.control).is_empty() {
                return Err(format!("{file}: [[ignore]]: unknown control {:?}", ig.control));
            }
        }
        self.ignores.extend(cfg.ignore);
        if cfg.enabled.is_some() {
            self.enabled = cfg.enabled;
        }
        self.values.extend(cli);
        Ok(())
    }

    /// Set a parameter from JSON (labelled corpus cases).
    pub fn set_json(&mut self, control: &str, name: &str, v: &serde_json::Value) -> Result<(), String> {
        self.set(control, name, |kind| match (kind, v) {
            (ParamKind::List, serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string).ok_or_else(|| format!("{x} is not a string")))
                .collect::<Result<Vec<_>, _>>()
                .map(ParamValue::List),
            (ParamKind::Bool, serde_json::Value::Bool(b)) => Ok(ParamValue::Bool(*b)),
            (_, serde_json::Value::String(s)) => typed(kind, s),
            _ => Err(format!("{v} has the wrong type")),
        })
    }

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
                super::selects(&ig.control, control)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_params_are_typed_and_checked() {
        let mut p = Params::default();
        p.set_cli("IAM-KMS-3.authorized_principals=arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:role/B").unwrap();
        assert_eq!(p.list("IAM-KMS-3", "authorized_principals").unwrap().len(), 2);
        p.set_cli("IAM-KMS-3.authorized_principals=").unwrap();
        assert_eq!(p.list("IAM-KMS-3", "authorized_principals").unwrap(), Vec::<String>::new());
        p.set_cli("CIS-KMS-EXPOSED.trusted_accounts=444455556666").unwrap();
        assert_eq!(p.list("CIS-KMS-EXPOSED:external", "trusted_accounts").unwrap(), vec!["444455556666"]);
        assert!(p.set_cli("KMS.1.conditions=maybe").is_err());
        assert!(p.set_cli("KMS.9.blocked_actions=x").is_err());
        assert!(p.set_cli("KMS.1.nope=x").is_err());
    }

    #[test]
    fn config_file_and_ignores() {
        let mut p = Params::default();
        p.set_cli("KMS.1.blocked_actions=kms:Encrypt").unwrap();
        p.load_config("keyward.toml", "blocked_actions = [\"kms:Decrypt\"]\n[[ignore]]\ncontrol = \"KMS.1\"\nresource = \"arn:aws:iam::1:policy/Legacy*\"\nreason = \"accepted\"\n").unwrap();
        assert_eq!(p.list("KMS.1", "blocked_actions").unwrap(), vec!["kms:Encrypt"]);
        assert_eq!(p.list("KMS.2", "blocked_actions").unwrap(), vec!["kms:Decrypt"]);
        assert_eq!(p.suppression("KMS.1", "arn:aws:iam::1:policy/LegacyApp", "f").as_deref(), Some("accepted"));
        assert!(p.suppression("KMS.2", "arn:aws:iam::1:policy/LegacyApp", "f").is_none());
        assert!(p.load_config("k.toml", "bogus = 1").is_err());
    }
}
