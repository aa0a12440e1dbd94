//! Property files for `keyward prove` (TOML), in the spirit of IAM Access Analyzer's
//! CheckAccessNotGranted, but proved for every request rather than sampled:
//!
//! ```toml
//! name = "no-decrypt-outside-the-account"
//! description = "No principal outside 111122223333 can decrypt with the key"
//! kind = "forbidden"          # violated when some matching request is allowed
//!                             # ("required": violated when a listed action is never allowed)
//! [principal]                 # all fields optional
//! kinds = ["user", "role", "root", "federated-user", "service", "anonymous"]  # default: all
//! not_accounts = ["111122223333"]
//! accounts = ["444455556666"]
//! not_matching = ["arn:aws:iam::111122223333:role/Admin*"]   # authorized principals
//! fresh = false               # ARN, account and organization are no named value
//! arn = "arn:aws:iam::111122223333:role/App"                  # one fixed principal
//! [request]
//! actions = ["kms:Decrypt", "kms:ReEncrypt*"]   # case-insensitive patterns
//! resource = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-…"  # or "any", "*",
//! # or a table: { key_of_account = "111122223333", region = "us-east-1", arbitrary = true }
//! [request.context]
//! "kms:ViaService" = "absent"              # or { equals = "…" } / { not_equals = "…" }
//! ```

use super::queries::{every_action_allowed, exists_allowed, Coverage, CoverageEnd};
use super::verdict::{Counterexample, InternalError, Verdict};
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::request::Request;
use crate::model::request_spec::{ActionSpec, ContextSpec, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::PolicySet;
use crate::smt::SolverOptions;
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyKind {
    Forbidden,
    Required,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertyFile {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub kind: PropertyKind,
    #[serde(default)]
    pub principal: PrincipalTable,
    pub request: RequestTable,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalTable {
    #[serde(default)]
    pub kinds: Vec<String>,
    #[serde(default)]
    pub not_accounts: Vec<String>,
    pub accounts: Option<Vec<String>>,
    #[serde(default)]
    pub not_matching: Vec<String>,
    #[serde(default)]
    pub fresh: bool,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestTable {
    pub actions: Vec<String>,
    #[serde(default = "any_resource")]
    pub resource: ResourceValue,
    #[serde(default)]
    pub context: indexmap::IndexMap<String, ContextValue>,
}

fn any_resource() -> ResourceValue {
    ResourceValue::Text("any".into())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ResourceValue {
    Text(String),
    Key {
        key_of_account: Option<String>,
        region: Option<String>,
        #[serde(default)]
        arbitrary: bool,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ContextValue {
    Word(String),
    Equals { equals: String },
    NotEquals { not_equals: String },
}

/// A property file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PropertyError {
    /// Not a property file: the TOML position (`line:column: `, empty without one) and why.
    #[error("{file}:{position}{message}")]
    Syntax { file: String, position: String, message: String },
    #[error("{file}: unknown principal kind {kind:?} (user, role, root, federated-user, service, anonymous, iam, any; web-identity and SAML users call as role sessions)")]
    UnknownKind { file: String, kind: String },
    #[error("{file}: {message}")]
    Principal { file: String, message: String },
}

/// Parse a property file; errors carry the TOML position.
pub fn parse(name: &str, text: &str) -> Result<PropertyFile, PropertyError> {
    toml::from_str::<PropertyFile>(text).map_err(|e| {
        let pos = e.span().map(|s| {
            let upto = text.get(..s.start.min(text.len())).unwrap_or(text);
            let line = upto.matches('\n').count() + 1;
            let col = upto.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
            format!("{line}:{col}: ")
        });
        PropertyError::Syntax { file: name.to_string(), position: pos.unwrap_or_default(), message: e.message().to_string() }
    })
}

fn kind_of(word: &str) -> Option<Vec<PrincipalKind>> {
    use PrincipalKind::*;
    Some(match word {
        "any" | "all" => PrincipalKind::ALL.to_vec(),
        "user" => vec![User],
        "role" => vec![Role],
        "root" => vec![Root],
        "federated-user" => vec![FederatedUser],
        "service" => vec![Service],
        "anonymous" => vec![Anonymous],
        "iam" => vec![User, Role, FederatedUser],
        _ => return None,
    })
}

impl PropertyFile {
    /// The principals of the property; `file` names the property file in errors.
    pub fn principal_spec(&self, file: &str) -> Result<PrincipalSpec, PropertyError> {
        let p = &self.principal;
        if let Some(arn) = &p.arn {
            return Principal::parse(arn)
                .map(PrincipalSpec::Fixed)
                .map_err(|e| PropertyError::Principal { file: file.to_string(), message: e.to_string() });
        }
        let mut kinds = Vec::new();
        for k in &p.kinds {
            let Some(ks) = kind_of(k) else { return Err(PropertyError::UnknownKind { file: file.to_string(), kind: k.clone() }) };
            for kk in ks {
                if !kinds.contains(&kk) {
                    kinds.push(kk);
                }
            }
        }
        if kinds.is_empty() {
            kinds = PrincipalKind::ALL.to_vec();
        }
        Ok(PrincipalSpec::Any {
            kinds,
            fresh: p.fresh,
            accounts: p.accounts.clone(),
            not_accounts: p.not_accounts.clone(),
            not_matching: p.not_matching.clone(),
            matching: vec![],
        })
    }

    pub fn resource_spec(&self) -> ResourceSpec {
        match &self.request.resource {
            ResourceValue::Text(t) if t == "any" => ResourceSpec::Any,
            ResourceValue::Text(t) => ResourceSpec::Fixed(t.clone()),
            ResourceValue::Key { key_of_account, region, arbitrary } => {
                ResourceSpec::Key { account: key_of_account.clone(), region: region.clone(), arbitrary: *arbitrary }
            }
        }
    }

    pub fn context_specs(&self) -> Vec<ContextSpec> {
        self.request
            .context
            .iter()
            .map(|(k, v)| match v {
                ContextValue::Word(w) if w == "absent" => ContextSpec::Absent(k.clone()),
                ContextValue::Word(w) => ContextSpec::Equal(k.clone(), w.clone()),
                ContextValue::Equals { equals } => ContextSpec::Equal(k.clone(), equals.clone()),
                ContextValue::NotEquals { not_equals } => ContextSpec::NotEqual(k.clone(), not_equals.clone()),
            })
            .collect()
    }

    /// The request template with all listed actions.
    pub fn request_spec(&self) -> RequestSpec {
        RequestSpec {
            action: ActionSpec::Patterns(self.request.actions.clone()),
            resource: self.resource_spec(),
            context: self.context_specs(),
        }
    }
}

/// What proving a property file answers.
#[derive(Debug, Clone)]
pub enum Proof {
    /// Forbidden: no matching request is allowed. Required: every listed action is allowed for
    /// some matching request, with one witness request each (replayed through the evaluator).
    /// `why`: for a forbidden property, why no matching request is allowed (when asked,
    /// `SolverOptions::explain`).
    Holds { witnesses: Vec<Request>, why: Option<crate::properties::explanation::Why> },
    /// Forbidden: a matching request is allowed (the counterexample).
    Allowed(Counterexample),
    /// Required: no matching request with this action is allowed (proved; there is no request
    /// to show).
    /// `why`: the statements that make it never allowed (when asked).
    NeverAllowed { action: String, why: Option<crate::properties::explanation::Why> },
    /// The solver ran out of time or resources (on `action`, for a required property).
    Unknown { action: Option<String>, reason: String },
    /// An internal error (on `action`, for a required property).
    Error { action: Option<String>, error: InternalError },
}

impl Proof {
    pub fn verdict(&self) -> &'static str {
        match self {
            Proof::Holds { .. } => "holds",
            Proof::Allowed(_) | Proof::NeverAllowed { .. } => "violated",
            Proof::Unknown { .. } => "unknown",
            Proof::Error { .. } => "error",
        }
    }
}

impl PropertyFile {
    /// Prove the property over `set` for the principals `who`.
    pub fn prove(&self, set: &PolicySet, who: &PrincipalSpec, opts: &SolverOptions) -> Proof {
        match self.kind {
            PropertyKind::Forbidden => {
                let checked = exists_allowed(set, who, &self.request_spec(), opts, &self.name);
                match checked.answer {
                    Ok(Verdict::Holds) => Proof::Holds { witnesses: vec![], why: checked.why },
                    Ok(Verdict::Violated(cx)) => Proof::Allowed(cx),
                    Ok(Verdict::Unknown(reason)) => Proof::Unknown { action: None, reason },
                    Err(error) => Proof::Error { action: None, error },
                }
            }
            PropertyKind::Required => {
                let base = self.request_spec();
                let each = ActionSpec::expand(&self.request.actions)
                    .into_iter()
                    .map(|a| (a.clone(), RequestSpec { action: ActionSpec::One(a), ..base.clone() }))
                    .collect();
                let Coverage { witnesses, end, why, .. } = every_action_allowed(set, who, each, opts, &self.name);
                match end {
                    CoverageEnd::AllAllowed => Proof::Holds { witnesses, why: None },
                    CoverageEnd::NeverAllowed(action) => Proof::NeverAllowed { action, why },
                    CoverageEnd::Unknown { action, reason } => Proof::Unknown { action: Some(action), reason },
                    CoverageEnd::Error { action, error } => Proof::Error { action: Some(action), error },
                }
            }
        }
    }
}
