//! Controls over key metadata from an account snapshot, without a solver: KMS.3 (a customer
//! managed key pending deletion) and KMS.4 (rotation of symmetric AWS_KMS customer managed
//! keys). Keys a control does not cover are reported as not applicable, never as passing.

use crate::controls::finding::{Finding, Status};
use crate::controls::subject::{KeyMetadata, KeySubject};

fn no_metadata(mut f: Finding) -> Finding {
    f.status = Status::NotApplicable;
    f.message = "no describe-key metadata (key metadata comes from an account snapshot)".into();
    f
}

fn customer(md: &KeyMetadata) -> bool {
    md.key_manager.eq_ignore_ascii_case("CUSTOMER")
}

fn pending(md: &KeyMetadata) -> bool {
    matches!(md.key_state.as_str(), "PendingDeletion" | "PendingReplicaDeletion")
}

/// KMS.3: a customer managed key should not be pending deletion.
pub fn pending_deletion(k: &KeySubject, mut f: Finding) -> Finding {
    let Some(md) = &k.metadata else { return no_metadata(f) };
    if !customer(md) {
        f.status = Status::NotApplicable;
        f.message = format!("an AWS managed key (KeyManager {})", md.key_manager);
    } else if pending(md) {
        f.status = Status::Violated;
        let when = md.deletion_date.as_ref().map(|d| match d {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
        f.message = format!("the key is {}{}", md.key_state, when.map(|w| format!(", to be deleted on {w}")).unwrap_or_default());
    } else {
        f.status = Status::Holds;
        f.message = format!("the key is {}", md.key_state);
    }
    f
}

/// KMS.4: automatic rotation of symmetric AWS_KMS customer managed keys.
pub fn rotation(k: &KeySubject, mut f: Finding) -> Finding {
    let Some(md) = &k.metadata else { return no_metadata(f) };
    f.status = Status::NotApplicable;
    if !customer(md) {
        f.message = format!("an AWS managed key (KeyManager {}): AWS rotates it", md.key_manager);
    } else if md.spec() != "SYMMETRIC_DEFAULT" {
        f.message = format!("automatic rotation does not apply to {} keys", md.spec());
    } else if md.origin != "AWS_KMS" {
        f.message = format!("automatic rotation does not apply to keys of origin {}", md.origin);
    } else if pending(md) {
        f.message = format!("the key is {}", md.key_state);
    } else if k.rotation.is_none() && md.multi_region_configuration.as_ref().is_some_and(|m| m.multi_region_key_type == "REPLICA") {
        // A template's replica key (CONTROLS.md "Templates and plans"): it inherits rotation
        // from its primary. A snapshot's replica reports its primary's status, judged below.
        f.message = "a replica key: its rotation is its primary key's".into();
    } else {
        match k.rotation {
            Some(true) => {
                f.status = Status::Holds;
                f.message = "automatic rotation is enabled".into();
            }
            Some(false) => {
                f.status = Status::Violated;
                f.message = "automatic rotation is disabled".into();
            }
            None => {
                f.status = Status::Unknown;
                f.message = "unknown: the snapshot has no get-key-rotation-status for this key".into();
            }
        }
    }
    f
}
