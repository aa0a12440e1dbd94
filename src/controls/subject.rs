//! What a control looks at, a *subject*: an identity policy with where it comes from (KMS.1
//! covers customer managed policies, KMS.2 inline ones), or a KMS key — its key policy,
//! grants, `describe-key` metadata, rotation status and, from an account snapshot, the IAM
//! principals of its account with the policies that govern them. `crate::inputs` reads
//! subjects from files, folders and snapshots.

use crate::model::principal::Principal;
use crate::model::{Policy, PolicySet};

/// Where an identity policy comes from (KMS.1 covers managed policies, KMS.2 inline ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityOrigin {
    /// A standalone file: treated as a customer managed policy (KMS.2 only when asked for).
    File,
    /// A customer managed policy (its default version); `boundary` when some principal uses it
    /// as its permissions boundary.
    Managed { boundary: bool },
    /// An inline policy of a user, group or role.
    Inline { holder: String },
}

#[derive(Debug, Clone)]
pub struct IdentitySubject {
    pub file: String,
    /// The policy ARN, `holder/policy-name`, or the file.
    pub resource: String,
    pub policy: Policy,
    pub origin: IdentityOrigin,
    /// Values the policy depends on that are unknown before deployment (a template's imported
    /// value, a parameter without value): every control on the subject answers `unknown`.
    pub unresolved: Vec<String>,
}

/// An IAM principal of the key's account with the policies that govern it (snapshot mode).
#[derive(Debug, Clone)]
pub struct AccountPrincipal {
    pub principal: Principal,
    pub identity: Vec<Policy>,
    pub boundary: Option<Policy>,
}

/// `describe-key`'s KeyMetadata, the fields the controls read.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyMetadata {
    #[serde(default)]
    pub key_id: String,
    #[serde(default)]
    pub arn: String,
    #[serde(rename = "AWSAccountId", default)]
    pub aws_account_id: String,
    #[serde(default)]
    pub key_state: String,
    #[serde(default)]
    pub key_manager: String,
    #[serde(default)]
    pub key_spec: Option<String>,
    #[serde(default)]
    pub customer_master_key_spec: Option<String>,
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub deletion_date: Option<serde_json::Value>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub multi_region_configuration: Option<MultiRegionConfiguration>,
}

/// `describe-key`'s MultiRegionConfiguration: a `REPLICA` key's rotation is its primary's.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MultiRegionConfiguration {
    #[serde(default)]
    pub multi_region_key_type: String,
}

impl KeyMetadata {
    pub fn spec(&self) -> &str {
        self.key_spec.as_deref().or(self.customer_master_key_spec.as_deref()).unwrap_or("")
    }
}

#[derive(Debug, Clone)]
pub struct KeySubject {
    pub file: String,
    pub key_arn: String,
    /// The key's account (owner O).
    pub owner: String,
    pub policy: Option<Policy>,
    pub grants: Option<Policy>,
    pub metadata: Option<KeyMetadata>,
    /// `get-key-rotation-status`: `Some(enabled)`; `None` when not collected.
    pub rotation: Option<bool>,
    pub aliases: Vec<String>,
    /// Snapshot mode: the IAM principals of the owner account; `None` for key-policy-only
    /// analysis, where a statement naming the account stands for "the account, delegated".
    pub principals: Option<Vec<AccountPrincipal>>,
    pub scps: Vec<Policy>,
    /// Values the key's policy or settings depend on that are unknown before deployment (see
    /// `IdentitySubject::unresolved`).
    pub unresolved: Vec<String>,
}

impl KeySubject {
    /// The key policy set (key policy and grants, SCPs) without identity policies.
    pub fn key_set(&self) -> PolicySet {
        PolicySet {
            key_policy: self.policy.clone(),
            grants: self.grants.iter().cloned().collect(),
            scps: self.scps.clone(),
            external_identity_unknown: true,
            ..Default::default()
        }
    }
}

// One subject exists per input file or key, never in bulk: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Subject {
    Identity(IdentitySubject),
    Key(KeySubject),
}

impl Subject {
    /// The file the subject was read from.
    pub fn file(&self) -> &str {
        match self {
            Subject::Identity(s) => &s.file,
            Subject::Key(k) => &k.file,
        }
    }

    /// Values the subject depends on that are unknown before deployment.
    pub fn unresolved(&self) -> &[String] {
        match self {
            Subject::Identity(s) => &s.unresolved,
            Subject::Key(k) => &k.unresolved,
        }
    }

    /// Why the subject cannot be decided, when it depends on values unknown before deployment:
    /// the first of them, and how many more.
    pub fn unresolved_reason(&self) -> Option<String> {
        let (first, rest) = self.unresolved().split_first()?;
        let others = if rest.is_empty() { String::new() } else { format!(" and {} more", rest.len()) };
        Some(format!("it depends on {first}{others}, which is unknown before deployment"))
    }

    /// What findings name: the policy (ARN, `holder/name` or file) or the key ARN.
    pub fn resource(&self) -> &str {
        match self {
            Subject::Identity(s) => &s.resource,
            Subject::Key(k) => &k.key_arn,
        }
    }
}

impl KeySubject {
    /// An AWS managed key: its policy is written and maintained by AWS.
    pub fn aws_managed(&self) -> bool {
        self.metadata.as_ref().is_some_and(|m| m.key_manager.eq_ignore_ascii_case("AWS"))
    }
}
