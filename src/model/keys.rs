//! Facts about well-known condition keys that the evaluator and the encoder share: which keys
//! hold several values in a request (the `ArrayOf…` keys of the Service Authorization Reference
//! and the multivalued global keys), and which keys describe the caller, the resource or the
//! request itself and are therefore tied to the request by the context-consistency axioms.

use crate::model::key::ContextKey;

/// Multivalued keys AWS documents (global keys and the KMS `ArrayOfString` keys). Other keys are
/// single-valued unless a request gives them several values.
const MULTI_VALUED: [&str; 9] = [
    "aws:tagkeys",
    "aws:principalservicenameslist",
    "aws:principalorgpaths",
    "aws:calledvia",
    "aws:sourceorgpaths",
    "kms:encryptioncontextkeys",
    "kms:grantoperations",
    "kms:resourcealiases",
    "aws:resourceorgpaths",
];

pub fn is_multi_valued(key: &ContextKey) -> bool {
    MULTI_VALUED.contains(&key.canonical())
}

/// Keys whose value is determined by the request's principal (CONTROLS.md, context consistency).
pub const PRINCIPAL_ARN: &str = "aws:principalarn";
pub const PRINCIPAL_ACCOUNT: &str = "aws:principalaccount";
pub const CALLER_ACCOUNT: &str = "kms:calleraccount";
pub const PRINCIPAL_TYPE: &str = "aws:principaltype";
pub const PRINCIPAL_SERVICE_NAME: &str = "aws:principalservicename";
pub const RESOURCE_ACCOUNT: &str = "aws:resourceaccount";
pub const REQUESTED_REGION: &str = "aws:requestedregion";
pub const PRINCIPAL_ORG_ID: &str = "aws:principalorgid";
pub const PRINCIPAL_IS_AWS_SERVICE: &str = "aws:principalisawsservice";
pub const USERNAME: &str = "aws:username";
pub const USERID: &str = "aws:userid";
pub const SECURE_TRANSPORT: &str = "aws:securetransport";
pub const VIA_AWS_SERVICE: &str = "aws:viaawsservice";

/// Keys that describe the calling principal itself (not one request): shared by every request
/// of one principal, and absent from requests of principals that are not in an account
/// (anonymous callers, services) — CONTROLS.md: anonymous requests carry no principal keys.
pub fn is_principal_scoped(key: &ContextKey) -> bool {
    let k = key.canonical();
    k.starts_with("aws:principaltag/") || matches!(k, "aws:principalorgid" | "aws:principalorgpaths" | "aws:userid")
}
