//! What a control is: its id, title, severity, rationale, remediation and parameters as
//! CONTROLS.md defines them, and the check that runs it with the subjects it applies to. The
//! table of every control is `registry.rs`; `keyward controls` prints it and SARIF output
//! turns it into rules.

use crate::controls::finding::{Ctx, Finding, Status};
use crate::controls::subject::{IdentityOrigin, IdentitySubject, KeySubject, Subject};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Identity policies.
    Identity,
    /// Key policies (with grants, and the account's principals in a snapshot).
    Key,
    /// Both forms (IAM-KMS-8).
    Both,
    /// Key metadata from a snapshot (no solver).
    KeyMetadata,
}

impl Target {
    pub fn describe(self) -> &'static str {
        match self {
            Target::Identity => "identity policies",
            Target::Key => "key policies",
            Target::Both => "identity and key policies",
            Target::KeyMetadata => "keys of an account snapshot (describe-key, get-key-rotation-status)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    /// Comma-separated on the command line; empty means the empty list.
    List,
    Bool,
    /// One of the listed words.
    Word(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct ParamInfo {
    pub name: &'static str,
    pub kind: ParamKind,
    pub default: &'static str,
    pub help: &'static str,
}

/// A control over identity policies.
pub type IdentityCheck = fn(&IdentitySubject, &Ctx<'_>, Finding) -> Finding;
/// A control over a key (its key policy, grants and, in a snapshot, its account's principals).
pub type KeyCheck = fn(&KeySubject, &Ctx<'_>, Finding) -> Finding;
/// A control over a key's metadata (no solver).
pub type MetadataCheck = fn(&KeySubject, Finding) -> Finding;

/// Which identity policies an identity control covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origins {
    Any,
    /// Customer managed policies (and policy files, read as such).
    Managed,
    /// Inline policies (a policy file only when the control is selected by name).
    Inline,
}

/// The function that runs a control, by the subjects it applies to.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    Identity(IdentityCheck, Origins),
    /// Key policies of customer managed keys (AWS writes and maintains the others).
    Key(KeyCheck),
    /// Identity policies of any origin and key policies, with one function each.
    Both(IdentityCheck, KeyCheck),
    /// Keys with `describe-key` metadata (a key without it only when selected by name).
    Metadata(MetadataCheck),
}

#[derive(Debug, Clone, Copy)]
pub struct ControlInfo {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub params: &'static [ParamInfo],
    pub check: Check,
}

/// How a control's verdict moves with the requests a policy allows, which decides how it is
/// answered for a policy whose strings are unknown before deployment (`crate::controls::assume`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Violated when the policy allows some request it should not: allowing more can only
    /// violate it (the public, external, destructive-action and KMS.1 controls).
    Violation,
    /// Violated when the policy does not allow a request it should: allowing less can only
    /// violate it (IAM-KMS-1, the lockout check).
    Guarantee,
    /// A lint on which elements the statements have, not on their values (BP-DENY-NOTPRINCIPAL):
    /// every deployment of the policy answers alike.
    Structure,
    /// A lint on how the policy is written, not on what it allows.
    Syntax,
    /// The key's settings, not its policy (KMS.3, KMS.4).
    Independent,
}

impl ControlInfo {
    /// How the control's verdict moves with what the policy allows. The list is explicit: a
    /// control added without being classified here is a lint, decided only for values tried.
    pub fn direction(&self) -> Direction {
        if matches!(self.check, Check::Metadata(_)) {
            return Direction::Independent;
        }
        match self.id {
            "KMS.1"
            | "KMS.2"
            | "CIS-KMS-STAR"
            | "CIS-KMS-STAR:unlisted"
            | "CIS-KMS-EXPOSED:public"
            | "CIS-KMS-EXPOSED:external"
            | "IAM-KMS-2"
            | "IAM-KMS-3"
            | "IAM-KMS-4"
            | "IAM-KMS-5"
            | "IAM-KMS-6"
            | "IAM-KMS-7"
            | "IAM-KMS-8" => Direction::Violation,
            // A statement that allows `kms:*` to a principal other than the owner root: a
            // wider Action or Principal can only add one.
            "BP-KMS-STAR-KEYPOLICY" => Direction::Violation,
            "IAM-KMS-1" | "IAM-KMS-1:lockout" => Direction::Guarantee,
            "BP-DENY-NOTPRINCIPAL" => Direction::Structure,
            _ => Direction::Syntax,
        }
    }

    /// What the control applies to.
    pub fn target(&self) -> Target {
        match self.check {
            Check::Identity(..) => Target::Identity,
            Check::Key(_) => Target::Key,
            Check::Both(..) => Target::Both,
            Check::Metadata(_) => Target::KeyMetadata,
        }
    }

    /// Does the control apply to `subject`? `explicit`: the user selected it by name.
    pub fn applies(&self, subject: &Subject, explicit: bool) -> bool {
        match (subject, self.check) {
            (Subject::Identity(s), Check::Identity(_, origins)) => match (origins, &s.origin) {
                (Origins::Managed, IdentityOrigin::Inline { .. }) => false,
                (Origins::Inline, IdentityOrigin::Managed { .. }) => false,
                (Origins::Inline, IdentityOrigin::File) => explicit,
                _ => true,
            },
            (Subject::Identity(_), Check::Both(..)) => true,
            (Subject::Key(k), Check::Key(_) | Check::Both(..)) => k.policy.is_some() && !k.aws_managed(),
            (Subject::Key(k), Check::Metadata(_)) => k.metadata.is_some() || explicit,
            _ => false,
        }
    }

    /// Run the control on a subject it applies to.
    pub fn run(&self, subject: &Subject, ctx: &Ctx<'_>) -> Finding {
        // A check that forgets to set a verdict is a bug, reported as one (never `unknown`).
        let base = Finding::new(subject.file(), subject.resource(), self.id, Status::Error, "the control produced no verdict");
        match (subject, self.check) {
            (Subject::Identity(s), Check::Identity(f, _) | Check::Both(f, _)) => f(s, ctx, base),
            (Subject::Key(k), Check::Key(f) | Check::Both(_, f)) => f(k, ctx, base),
            (Subject::Key(k), Check::Metadata(f)) => f(k, base),
            _ => Finding { status: Status::NotApplicable, message: format!("{} applies to {}", self.id, self.target().describe()), ..base },
        }
    }
}
