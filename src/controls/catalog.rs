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

impl ControlInfo {
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
