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
    /// Values the policy's structure depends on that are unknown before deployment (a whole
    /// document or statement a template imports): every control on the subject answers
    /// `unknown`.
    pub unresolved: Vec<String>,
    /// The values unknown before deployment that the policy's strings depend on (an imported
    /// role ARN in a Principal): the policy is decided for every value of them (`Assumed`).
    pub assumed: Option<Box<Assumed>>,
}

/// A policy some of whose strings are unknown before deployment (a template's imported value,
/// a parameter without value; CONTROLS.md "Templates and plans": any value of its type). The
/// subject's own `policy` stands for none of them; a control decides from these:
/// - `wider` allows every request the policy allows for some value of them, `narrower` only
///   requests it allows for every value (each `None` when it cannot be written). A control
///   that is violated only by allowing too much holds for every value when it holds for
///   `wider`; one violated only by allowing too little, when it holds for `narrower`.
/// - `cases` are the policy for real values, tried in order: a case that violates the control
///   is the verdict, with the values it assumed. `exhaustive` when they are every value the
///   template allows (a parameter's AllowedValues).
#[derive(Debug, Clone, Default)]
pub struct Assumed {
    /// What each unknown value is, in words (`the export PartnerRoleArn (Fn::ImportValue; …)`).
    pub values: Vec<String>,
    pub wider: Option<Policy>,
    pub narrower: Option<Policy>,
    pub cases: Vec<Case>,
    pub exhaustive: bool,
    /// The policy parses with `*` in place of each unknown string: the subject's own `policy`
    /// is that (otherwise it is a stand-in that decides nothing).
    pub as_written: bool,
    /// Every unknown is a string value (none an `Fn::If` on an unknown condition, which may
    /// take an element or an entry away): every deployment has the same statements and
    /// elements.
    pub same_structure: bool,
}

impl Assumed {
    /// The policy is valid (IAM would accept it) for some value of the unknowns: `*` for each,
    /// or a case. The bounds decide only then — they drop the statements with unknowns, and
    /// with them an error that no value repairs (an instance-profile ARN as a principal).
    pub fn valid(&self) -> bool {
        self.as_written || !self.cases.is_empty()
    }
}

/// The policy under values assumed for the unknown ones.
#[derive(Debug, Clone)]
pub struct Case {
    /// (what the value is, the value assumed), in the order of `Assumed::values`.
    pub values: Vec<(String, String)>,
    pub policy: Policy,
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
    /// Values the key's policy structure or settings depend on that are unknown before
    /// deployment (see `IdentitySubject::unresolved`).
    pub unresolved: Vec<String>,
    /// The unknown values the key policy's strings depend on (see `Assumed`).
    pub assumed: Option<Box<Assumed>>,
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

    /// The subject's policy: the identity policy, or the key policy when the key has one.
    pub fn policy(&self) -> Option<&Policy> {
        match self {
            Subject::Identity(s) => Some(&s.policy),
            Subject::Key(k) => k.policy.as_ref(),
        }
    }

    /// The unknown values the subject's policy strings depend on.
    pub fn assumed(&self) -> Option<&Assumed> {
        match self {
            Subject::Identity(s) => s.assumed.as_deref(),
            Subject::Key(k) => k.assumed.as_deref(),
        }
    }

    pub fn assumed_mut(&mut self) -> Option<&mut Assumed> {
        match self {
            Subject::Identity(s) => s.assumed.as_deref_mut(),
            Subject::Key(k) => k.assumed.as_deref_mut(),
        }
    }

    /// Why the subject cannot be decided from its `policy` alone, when it depends on values
    /// unknown before deployment: the first of them, and how many more. A reader that does not
    /// decide through `assumed()` (see `crate::controls::assume`) answers unknown with it.
    pub fn unresolved_reason(&self) -> Option<String> {
        let assumed = self.assumed().map(|a| a.values.as_slice()).unwrap_or_default();
        let all: Vec<&String> = self.unresolved().iter().chain(assumed).collect();
        let (first, rest) = all.split_first()?;
        let others = if rest.is_empty() { String::new() } else { format!(" and {} more", rest.len()) };
        Some(format!("it depends on {first}{others}, which is unknown before deployment"))
    }

    /// The subject with `policy` for the one whose strings are unknown, nothing assumed.
    pub fn with_policy(&self, policy: &Policy) -> Subject {
        match self {
            Subject::Identity(s) => Subject::Identity(IdentitySubject { policy: policy.clone(), assumed: None, ..s.clone() }),
            Subject::Key(k) => Subject::Key(KeySubject { policy: Some(policy.clone()), assumed: None, ..k.clone() }),
        }
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
