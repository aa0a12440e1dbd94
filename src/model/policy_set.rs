//! The policies in scope for one decision and the decision itself: which role each policy
//! plays (identity, key policy, boundary, SCP, session, grant), which roles govern which
//! principals, and the three outcomes AWS distinguishes. The concrete evaluator
//! (`crate::eval`) and the SMT encoding (`crate::smt`) both decide over this one type.

use crate::model::condition::ConditionValue;
use crate::model::policy::Policy;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::template::Template;

/// AWS's answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Decision {
    Allowed,
    ExplicitlyDenied,
    ImplicitlyDenied,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Allowed => "Allowed",
            Decision::ExplicitlyDenied => "ExplicitlyDenied",
            Decision::ImplicitlyDenied => "ImplicitlyDenied",
        })
    }
}

/// The role a policy plays in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PolicyRole {
    Identity,
    KeyPolicy,
    Boundary,
    Scp,
    Session,
    /// KMS grants on the key (from ListGrants), as allow statements naming their grantee.
    Grant,
}

/// The policies in scope for one principal and one key.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    /// Identity policies of the requesting principal (attached, inline, group).
    pub identity: Vec<Policy>,
    /// The key policy (resource policy) of the requested key.
    pub key_policy: Option<Policy>,
    /// Permissions boundaries of the principal (usually zero or one).
    pub boundaries: Vec<Policy>,
    /// SCPs that apply to the principal's account (one level: one of them must allow).
    pub scps: Vec<Policy>,
    /// Session policies of a role session or federated user.
    pub session: Vec<Policy>,
    /// The key's grants, each an Allow statement for its grantee, operations and constraints.
    /// A grant authorizes its grantee by itself (no key policy or IAM policy needed), still
    /// under explicit denies and SCPs (KMS Developer Guide, "Grants in AWS KMS").
    pub grants: Vec<Policy>,
    /// Key-policy analysis without the other accounts' IAM policies: a principal of another
    /// account counts as allowed by its own identity policies (its account may grant it
    /// anything), so the key policy alone decides what is exposed.
    pub external_identity_unknown: bool,
}

impl PolicySet {
    pub fn policies(&self) -> impl Iterator<Item = (PolicyRole, &Policy)> {
        self.identity
            .iter()
            .map(|p| (PolicyRole::Identity, p))
            .chain(self.key_policy.iter().map(|p| (PolicyRole::KeyPolicy, p)))
            .chain(self.boundaries.iter().map(|p| (PolicyRole::Boundary, p)))
            .chain(self.scps.iter().map(|p| (PolicyRole::Scp, p)))
            .chain(self.session.iter().map(|p| (PolicyRole::Session, p)))
            .chain(self.grants.iter().map(|p| (PolicyRole::Grant, p)))
    }

    /// The context keys (canonical) the policies read: in their conditions and in the policy
    /// variables of condition values and resources. A request's missing key matters to the
    /// decision only if it is one of these.
    pub fn keys_read(&self) -> std::collections::HashSet<String> {
        let mut out = std::collections::HashSet::new();
        for (_, p) in self.policies() {
            for s in &p.statements {
                for c in &s.conditions {
                    out.insert(c.key.canonical().to_string());
                    for v in &c.values {
                        let templates: Vec<&Template> = match v {
                            ConditionValue::Str(t) => vec![t],
                            ConditionValue::Arn(a) => a.segments.iter().collect(),
                            _ => vec![],
                        };
                        out.extend(templates.iter().flat_map(|t| t.variables()).map(|v| v.key.canonical().to_string()));
                    }
                }
                for r in s.resource.iter().flat_map(|r| r.patterns.iter()) {
                    out.extend(r.templates().into_iter().flat_map(|t| t.variables()).map(|v| v.key.canonical().to_string()));
                }
            }
        }
        out
    }
}

impl PolicyRole {
    /// Does a policy of this role govern `p`? Identity policies, boundaries and session
    /// policies belong to IAM users and roles (and federated users); SCPs to every principal of
    /// a member account, root included; key policies and grants to every caller.
    pub fn governs(self, p: &Principal) -> bool {
        match self {
            PolicyRole::KeyPolicy | PolicyRole::Grant => true,
            PolicyRole::Identity => p.kind.in_account() && p.kind != PrincipalKind::Root,
            PolicyRole::Boundary => matches!(p.kind, PrincipalKind::User | PrincipalKind::Role),
            PolicyRole::Session => matches!(p.kind, PrincipalKind::Role | PrincipalKind::FederatedUser),
            PolicyRole::Scp => p.kind.in_account(),
        }
    }
}
