//! The registry of the controls of CONTROLS.md: one entry per control with its metadata and the
//! function that runs it. Adding a control is one entry here and one function in
//! `identity.rs`, `key.rs`, `metadata.rs` or `lint.rs`.

use crate::controls::catalog::{Check, ControlInfo, KeyCheck, Origins, ParamInfo, ParamKind, Severity};
use crate::controls::{identity, key, lint, metadata};

const BLOCKED: ParamInfo = ParamInfo {
    name: "blocked_actions",
    kind: ParamKind::List,
    default: "kms:Decrypt,kms:ReEncryptFrom",
    help: "action patterns that must not be allowed on an arbitrary key",
};
const CONDITIONS: ParamInfo = ParamInfo {
    name: "conditions",
    kind: ParamKind::Word(&["respect", "ignore"]),
    default: "respect",
    help: "ignore treats every condition as satisfiable (the AWS Security Hub rule)",
};
const AUTHORIZED: ParamInfo = ParamInfo {
    name: "authorized_principals",
    kind: ParamKind::List,
    default: "the owner account root",
    help: "principal ARN patterns, account ids or service names allowed to perform the action",
};
const EXEMPT: ParamInfo = ParamInfo {
    name: "exempt_principals",
    kind: ParamKind::List,
    default: "the owner account root",
    help: "principals the control does not consider",
};
const ADMIN: ParamInfo = ParamInfo {
    name: "admin_actions",
    kind: ParamKind::List,
    default: "the administration actions of CONTROLS.md",
    help: "actions that change the key or its policy",
};
const USAGE: ParamInfo = ParamInfo {
    name: "usage_actions",
    kind: ParamKind::List,
    default: "the cryptographic actions of CONTROLS.md",
    help: "actions that use the key",
};

const fn destructive(id: &'static str, title: &'static str, check: KeyCheck) -> ControlInfo {
    ControlInfo {
        id,
        title,
        severity: Severity::High,
        check: Check::Key(check),
        rationale: "Destructive or irreversible key operations must stay with the principals responsible for the key; any other principal (including anonymous callers, other accounts and services) being able to perform them risks data loss or lockout.",
        remediation: "Restrict the statements that allow the action to the authorized principals (Principal element or aws:PrincipalArn condition), or add an explicit Deny for everyone else.",
        params: &[AUTHORIZED],
    }
}

pub const CONTROLS: [ControlInfo; 19] = [
    ControlInfo {
        id: "KMS.1",
        title: "IAM customer managed policies should not allow decryption actions on all KMS keys",
        severity: Severity::Medium,
        rationale: "A policy that allows kms:Decrypt or kms:ReEncryptFrom on keys it does not name grants them on every key whose key policy delegates to IAM, present and future (AWS Security Hub KMS.1).",
        remediation: "List the key ARNs the principal needs in Resource instead of `*` or a key/* wildcard.",
        params: &[BLOCKED, ParamInfo { name: "exclude_permission_boundaries", kind: ParamKind::Bool, default: "false", help: "skip managed policies used as permissions boundaries" }, CONDITIONS],
        check: Check::Identity(identity::kms1, Origins::Managed),
    },
    ControlInfo {
        id: "KMS.2",
        title: "IAM principals should not have IAM inline policies that allow decryption actions on all KMS keys",
        severity: Severity::Medium,
        rationale: "As KMS.1, for inline policies of users, groups and roles (AWS Security Hub KMS.2).",
        remediation: "List the key ARNs the principal needs in Resource instead of `*` or a key/* wildcard.",
        params: &[BLOCKED, CONDITIONS],
        check: Check::Identity(identity::kms2, Origins::Inline),
    },
    ControlInfo {
        id: "KMS.3",
        title: "AWS KMS keys should not be deleted unintentionally",
        severity: Severity::Critical,
        rationale: "A key pending deletion makes every ciphertext under it unrecoverable once the waiting period ends (AWS Security Hub KMS.3).",
        remediation: "If the deletion is unintended, run `aws kms cancel-key-deletion` before the deletion date.",
        params: &[],
        check: Check::Metadata(metadata::pending_deletion),
    },
    ControlInfo {
        id: "KMS.4",
        title: "AWS KMS key rotation should be enabled",
        severity: Severity::Medium,
        rationale: "Automatic rotation of symmetric customer managed keys limits the data protected by one key material version (AWS Security Hub KMS.4, CIS).",
        remediation: "Run `aws kms enable-key-rotation --key-id KEY`.",
        params: &[],
        check: Check::Metadata(metadata::rotation),
    },
    ControlInfo {
        id: "CIS-KMS-STAR",
        title: "IAM policies should not grant full KMS privileges (kms:*)",
        severity: Severity::High,
        rationale: "Full KMS privileges include key deletion, policy changes and every future KMS action; least privilege grants only the actions needed (CIS).",
        remediation: "Replace `*`, `kms:*` or a broad NotAction with the specific KMS actions the principal needs.",
        params: &[],
        check: Check::Identity(identity::full_kms, Origins::Any),
    },
    ControlInfo {
        id: "CIS-KMS-EXPOSED:public",
        title: "KMS keys should not be publicly accessible",
        severity: Severity::Critical,
        rationale: "A key policy or grant that lets an arbitrary principal (or an anonymous caller) use or manage the key exposes every ciphertext under it (CIS).",
        remediation: "Name the principals, or restrict `Principal: \"*\"` with a condition on aws:PrincipalOrgID, aws:PrincipalAccount or kms:CallerAccount.",
        params: &[],
        check: Check::Key(key::public),
    },
    ControlInfo {
        id: "CIS-KMS-EXPOSED:external",
        title: "KMS keys should not be shared with untrusted accounts",
        severity: Severity::High,
        rationale: "Principals of accounts outside the trusted accounts and organizations must not be able to use the key (CIS).",
        remediation: "Remove the external account from the key policy or grants, or add it to trusted_accounts if the sharing is intended.",
        params: &[
            ParamInfo { name: "trusted_accounts", kind: ParamKind::List, default: "the owner account", help: "account ids whose principals may have access" },
            ParamInfo { name: "trusted_orgs", kind: ParamKind::List, default: "none", help: "organization ids (aws:PrincipalOrgID) whose principals may have access" },
        ],
        check: Check::Key(key::external),
    },
    ControlInfo {
        id: "IAM-KMS-1",
        title: "The account root can always manage the key",
        severity: Severity::High,
        rationale: "If the owner account root cannot change the key policy, a mistake in it can only be repaired by AWS Support; a policy that nobody can change is a lockout.",
        remediation: "Keep the default statement that allows arn:aws:iam::ACCOUNT:root kms:* and do not deny it kms:PutKeyPolicy.",
        params: &[ParamInfo { name: "root_actions", kind: ParamKind::List, default: "kms:PutKeyPolicy", help: "actions the owner root must be able to perform" }],
        check: Check::Key(key::root_can_manage),
    },
    destructive("IAM-KMS-2", "Only authorized principals can delete imported key material", key::delete_imported_key_material),
    destructive("IAM-KMS-3", "Only authorized principals can schedule key deletion", key::schedule_key_deletion),
    destructive("IAM-KMS-4", "Only authorized principals can disable the key", key::disable_key),
    destructive("IAM-KMS-5", "Only authorized principals can change the key policy", key::put_key_policy),
    ControlInfo {
        id: "IAM-KMS-6",
        title: "Service access to the key is scoped with kms:ViaService",
        severity: Severity::Medium,
        rationale: "Grant actions meant for AWS services (encryption at rest) should only be usable through those services, not called directly.",
        remediation: "Add a kms:ViaService condition, or `Bool: {kms:GrantIsForAWSResource: true}`, to the statements that allow the grant actions.",
        params: &[
            ParamInfo { name: "service_actions", kind: ParamKind::List, default: "kms:CreateGrant,kms:ListGrants,kms:RevokeGrant", help: "actions services use" },
            ParamInfo { name: "service_principals", kind: ParamKind::List, default: "every principal except exempt_principals", help: "principals that use the key through services" },
            EXEMPT,
        ],
        check: Check::Key(key::via_service),
    },
    destructive("IAM-KMS-7", "Only authorized principals can disable key rotation", key::disable_key_rotation),
    ControlInfo {
        id: "IAM-KMS-8",
        title: "Key administration and key usage are not granted together",
        severity: Severity::Medium,
        rationale: "Separation of duties: a principal that can both change a key (or its policy) and use it for cryptography can grant itself anything the key protects.",
        remediation: "Split the statements: administrators get the administration actions, applications the usage actions.",
        params: &[ParamInfo { name: "same_key", kind: ParamKind::Bool, default: "true", help: "identity form: both on the same key" }, EXEMPT, ADMIN, USAGE],
        check: Check::Both(identity::separation, key::separation),
    },
    ControlInfo {
        id: "BP-DENY-NOTPRINCIPAL",
        title: "Deny statements should not use NotPrincipal",
        severity: Severity::Low,
        rationale: "Deny with NotPrincipal is hard to get right: it denies every principal not listed, including role sessions and the account root unless each form is listed, and it applies differently under permissions boundaries.",
        remediation: "Use Principal \"*\" with a condition on aws:PrincipalArn (ArnNotEquals / ArnNotLike) instead.",
        params: &[],
        check: Check::Both(lint::deny_not_principal_identity, lint::deny_not_principal_key),
    },
    ControlInfo {
        id: "BP-KMS-STAR-KEYPOLICY",
        title: "Key policies should not grant kms:* to principals other than the account root",
        severity: Severity::Medium,
        rationale: "kms:* includes key deletion, policy changes and future actions; only the account root (delegating to IAM) should receive it.",
        remediation: "Grant the specific administration or usage actions the principal needs.",
        params: &[],
        check: Check::Key(lint::star_in_key_policy),
    },
    ControlInfo {
        id: "CIS-KMS-STAR:unlisted",
        title: "IAM policies should not grant KMS actions AWS has not released yet",
        severity: Severity::Low,
        rationale: "A wildcard that allows every future KMS action grants permissions nobody has reviewed.",
        remediation: "List the KMS actions instead of a wildcard.",
        params: &[],
        check: Check::Identity(identity::unlisted, Origins::Any),
    },
    ControlInfo {
        id: "IAM-KMS-1:lockout",
        title: "Some principal can change the key policy",
        severity: Severity::Critical,
        rationale: "A key policy that no principal can change cannot be repaired without AWS Support.",
        remediation: "Allow the owner account root kms:PutKeyPolicy.",
        params: &[],
        check: Check::Key(key::lockout),
    },
];

/// The catalog entry of `id` (case-insensitive).
pub fn control(id: &str) -> Option<&'static ControlInfo> {
    CONTROLS.iter().find(|c| c.id.eq_ignore_ascii_case(id))
}

/// The controls a user's `--control`, `enabled`, `[params]` or `[[ignore]]` name selects: the
/// control with that id (case-insensitive) alone, or — for a name no control has, such as
/// `CIS-KMS-EXPOSED` — every control whose id is that name followed by `:` and a part.
pub fn select(name: &str) -> Vec<&'static ControlInfo> {
    if let Some(c) = control(name) {
        return vec![c];
    }
    CONTROLS.iter().filter(|c| c.id.split_once(':').is_some_and(|(base, _)| base.eq_ignore_ascii_case(name))).collect()
}
