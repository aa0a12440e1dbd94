//! Reading control parameters and ignores from the command line (`--param CONTROL.name=value`)
//! and from `keyward.toml`, each value checked against the kind the registry gives the
//! parameter, each control name resolved through the registry (`registry::select`).

use crate::controls::catalog::ParamKind;
use crate::controls::params::{Ignore, ParamValue, Params};
use crate::controls::registry::{select, CONTROLS};
use std::collections::BTreeMap;

/// A parameter, ignore or configuration that cannot be used (a usage error, exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("--param {spec:?}: expected CONTROL.name=value")]
    CliSyntax { spec: String },
    #[error("--param {spec:?}: {error}")]
    Cli { spec: String, error: Box<ParamError> },
    #[error("unknown control {0:?} (see `keyward controls`)")]
    UnknownControl(String),
    #[error("control {control} has no parameter {name:?}")]
    NoSuchParameter { control: String, name: String },
    /// A value of the wrong kind: the value and what is wrong with it.
    #[error("{value} {problem}")]
    BadValue { value: String, problem: String },
    /// A configuration file that cannot be read or is not TOML of the expected shape.
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("{file}: [params.{control:?}] {name}: {error}")]
    FileParameter { file: String, control: String, name: String, error: Box<ParamError> },
    #[error("{file}: {section}: unknown control {control:?} (see `keyward controls`)")]
    FileControl { file: String, section: &'static str, control: String },
}

fn bad(value: impl std::fmt::Display, problem: impl Into<String>) -> ParamError {
    ParamError::BadValue { value: value.to_string(), problem: problem.into() }
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

/// The control ids a user's spelling names (`CIS-KMS-EXPOSED` → its parts).
fn control_ids(name: &str) -> Vec<&'static str> {
    select(name).into_iter().map(|c| c.id).collect()
}

/// A note when `name` is a control that also has parts (`CIS-KMS-STAR` and
/// `CIS-KMS-STAR:unlisted`): the name selects that control alone, which configurations written
/// for keyward before schema 2 may not expect.
fn parts_note(file: &str, section: &str, name: &str) -> Option<String> {
    let prefix = format!("{}:", select(name).first()?.id);
    let parts: Vec<&str> = CONTROLS.iter().map(|c| c.id).filter(|id| id.starts_with(&prefix)).collect();
    (!parts.is_empty()).then(|| format!("{file}: {section} {name:?} names that control alone; {} is its own id", parts.join(", ")))
}

fn kind_of(control: &str, name: &str) -> Option<ParamKind> {
    CONTROLS.iter().find(|c| c.id == control)?.params.iter().find(|p| p.name == name).map(|p| p.kind)
}

fn typed(kind: ParamKind, raw: &str) -> Result<ParamValue, ParamError> {
    match kind {
        ParamKind::List => Ok(ParamValue::List(raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())),
        ParamKind::Bool => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(ParamValue::Bool(true)),
            "false" | "no" | "0" => Ok(ParamValue::Bool(false)),
            _ => Err(bad(format!("{raw:?}"), "is not a boolean (true or false)")),
        },
        ParamKind::Word(words) => {
            if words.contains(&raw) {
                Ok(ParamValue::Word(raw.to_string()))
            } else {
                Err(bad(format!("{raw:?}"), format!("is not one of {}", words.join(", "))))
            }
        }
    }
}

fn from_toml(kind: ParamKind, v: &toml::Value) -> Result<ParamValue, ParamError> {
    match (kind, v) {
        (ParamKind::List, toml::Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(x, "is not a string")))
            .collect::<Result<Vec<_>, _>>()
            .map(ParamValue::List),
        (ParamKind::List, toml::Value::String(s)) => typed(kind, s),
        (ParamKind::Bool, toml::Value::Boolean(b)) => Ok(ParamValue::Bool(*b)),
        (_, toml::Value::String(s)) => typed(kind, s),
        _ => Err(bad(v, "has the wrong type")),
    }
}

impl Params {
    /// Set `CONTROL.name=value` (the command-line form).
    pub fn set_cli(&mut self, spec: &str) -> Result<(), ParamError> {
        let syntax = || ParamError::CliSyntax { spec: spec.to_string() };
        let (lhs, value) = spec.split_once('=').ok_or_else(syntax)?;
        let (control, name) = lhs.rsplit_once('.').ok_or_else(syntax)?;
        self.set(control, name, |kind| typed(kind, value)).map_err(|e| ParamError::Cli { spec: spec.to_string(), error: Box::new(e) })
    }

    fn set(&mut self, control: &str, name: &str, value: impl Fn(ParamKind) -> Result<ParamValue, ParamError>) -> Result<(), ParamError> {
        let ids = control_ids(control);
        if ids.is_empty() {
            return Err(ParamError::UnknownControl(control.to_string()));
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
            Err(ParamError::NoSuchParameter { control: control.to_string(), name: name.to_string() })
        }
    }

    /// Read `keyward.toml`. Values already set (from the command line) are kept.
    pub fn load_config(&mut self, file: &str, text: &str) -> Result<(), ParamError> {
        let cfg: ConfigFile = toml::from_str(text).map_err(|e| ParamError::File { file: file.to_string(), message: e.to_string() })?;
        for control in cfg.enabled.iter().flatten() {
            if control_ids(control).is_empty() {
                return Err(ParamError::FileControl { file: file.to_string(), section: "enabled", control: control.clone() });
            }
            self.notes.extend(parts_note(file, "enabled:", control));
        }
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
                self.set(control, name, |kind| from_toml(kind, v)).map_err(|e| ParamError::FileParameter {
                    file: file.to_string(),
                    control: control.clone(),
                    name: name.clone(),
                    error: Box::new(e),
                })?;
            }
        }
        let mut ignores = cfg.ignore;
        for ig in &mut ignores {
            ig.ids = control_ids(&ig.control).into_iter().map(str::to_string).collect();
            if ig.ids.is_empty() {
                return Err(ParamError::FileControl { file: file.to_string(), section: "[[ignore]]", control: ig.control.clone() });
            }
            self.notes.extend(parts_note(file, "[[ignore]] control", &ig.control));
        }
        self.ignores.extend(ignores);
        if cfg.enabled.is_some() {
            self.enabled = cfg.enabled;
        }
        self.values.extend(cli);
        Ok(())
    }

    /// Set a parameter from JSON (labelled corpus cases).
    pub fn set_json(&mut self, control: &str, name: &str, v: &serde_json::Value) -> Result<(), ParamError> {
        self.set(control, name, |kind| match (kind, v) {
            (ParamKind::List, serde_json::Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad(x, "is not a string")))
                .collect::<Result<Vec<_>, _>>()
                .map(ParamValue::List),
            (ParamKind::Bool, serde_json::Value::Bool(b)) => Ok(ParamValue::Bool(*b)),
            (_, serde_json::Value::String(s)) => typed(kind, s),
            _ => Err(bad(v, "has the wrong type")),
        })
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
        assert!(p.load_config("k.toml", "enabled = [\"KMS.9\"]").is_err());
    }

    #[test]
    fn ignores_name_one_control_or_a_group_of_parts_and_say_so() {
        let mut p = Params::default();
        let text = "[[ignore]]\ncontrol = \"CIS-KMS-STAR\"\nreason = \"r1\"\n[[ignore]]\ncontrol = \"CIS-KMS-EXPOSED\"\nreason = \"r2\"\n";
        p.load_config("keyward.toml", text).unwrap();
        assert_eq!(p.suppression("CIS-KMS-STAR", "x", "f").as_deref(), Some("r1"));
        assert_eq!(p.suppression("CIS-KMS-STAR:unlisted", "x", "f"), None);
        assert_eq!(p.suppression("CIS-KMS-EXPOSED:external", "x", "f").as_deref(), Some("r2"));
        assert!(p.notes.iter().any(|n| n.contains("CIS-KMS-STAR:unlisted is its own id")), "{:?}", p.notes);
    }
}
