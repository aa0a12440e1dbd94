//! The request-context facts (CONTROLS.md "Request-context facts"): one table, read by the
//! concrete evaluator (to fill in and to check request files, `request_facts.rs`) and by the
//! encoder (to keep a property's symbolic requests to those AWS can send). A row per global
//! condition key of the IAM User Guide's "AWS global condition context keys" and per `kms:` key
//! of the KMS Developer Guide: its type; whether a request carries it, by caller class (IAM user,
//! root, role session, federated user, service principal, anonymous), by call path (direct or
//! through a service) and by action (the per-action keys of the Service Authorization Reference,
//! `catalog_keys.rs`); what ties its value to the request; and the page it rests on (the key's
//! *Availability* line). Where the documentation leaves a rule open the key stays free
//! (`Presence::Open`: a false alarm at worst, never a false "holds"; encodings/context-facts.md).

use crate::model::catalog;
use crate::model::catalog_keys::LISTED;
use crate::model::key::ContextKey;
use crate::model::principal::PrincipalKind;

/// A key's value type, as the documentation gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Str,
    Arn,
    Bool,
    /// `ArrayOfString`: multivalued.
    Strs,
    Num,
    Date,
    Ip,
}

/// Whether a caller class's requests carry a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// In every such request (that the call path and the action allow).
    Always,
    /// In some.
    Sometimes,
    /// In none.
    Never,
    /// The documentation does not say: treated as `Sometimes`.
    // SOUNDNESS: over-approximation — an open key may be present or absent (a false alarm at
    // worst, never a false "holds"; encodings/context-facts.md).
    Open,
}

/// The caller classes of CONTROLS.md, in the table's column order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    IamUser,
    Root,
    RoleSession,
    FederatedUser,
    Service,
    Anonymous,
}

impl Caller {
    pub const ALL: [Caller; 6] =
        [Caller::IamUser, Caller::Root, Caller::RoleSession, Caller::FederatedUser, Caller::Service, Caller::Anonymous];

    pub fn of(kind: PrincipalKind) -> Caller {
        match kind {
            PrincipalKind::User => Caller::IamUser,
            PrincipalKind::Root => Caller::Root,
            PrincipalKind::Role => Caller::RoleSession,
            PrincipalKind::FederatedUser => Caller::FederatedUser,
            PrincipalKind::Service => Caller::Service,
            PrincipalKind::Anonymous => Caller::Anonymous,
        }
    }

    pub fn kind(self) -> PrincipalKind {
        match self {
            Caller::IamUser => PrincipalKind::User,
            Caller::Root => PrincipalKind::Root,
            Caller::RoleSession => PrincipalKind::Role,
            Caller::FederatedUser => PrincipalKind::FederatedUser,
            Caller::Service => PrincipalKind::Service,
            Caller::Anonymous => PrincipalKind::Anonymous,
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Caller::IamUser => "IAM users",
            Caller::Root => "root users",
            Caller::RoleSession => "role sessions",
            Caller::FederatedUser => "federated users",
            Caller::Service => "service principals",
            Caller::Anonymous => "anonymous callers",
        }
    }
}

/// On which calls a key can appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallPath {
    Any,
    /// Only on calls an AWS service makes on the caller's behalf (`aws:ViaAWSService` true).
    Through,
}

/// For which actions a key can appear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actions {
    All,
    /// For a cataloged KMS action only when its catalog entry lists the key (`catalog_keys`);
    /// never for another service's action if it is a `kms:` key.
    Listed,
}

/// What ties a key's value to the rest of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tie {
    /// A view of the caller (aws:PrincipalArn, kms:CallerAccount, …: `Request::effective_context`).
    Caller,
    /// `aws:userid`: the account for root, `ACCOUNT:NAME` for federated users,
    /// `ROLEID:SESSION` for role sessions (`AROA…`), the user's unique id (`AIDA…`) for users.
    UserId,
    /// `true` exactly for service principals.
    IsService,
    /// `aws:ViaAWSService`: `true` exactly on calls through a service.
    ViaFlag,
    /// `aws:SecureTransport`: `true` for KMS actions (KMS accepts only TLS), a Bool otherwise.
    TrueForKms,
    /// A view of the resource (aws:ResourceAccount, aws:RequestedRegion).
    Resource,
    /// `aws:SourceAccount` is the account of `aws:SourceArn` when that ARN has one.
    AccountOfSourceArn,
    /// Every value starts with the value of that key and `/` (organization paths).
    UnderOrg(&'static str),
    /// `kms:EncryptionContext:K` is present exactly when K is a value of
    /// `kms:EncryptionContextKeys`.
    InContextKeys,
    /// `kms:ViaService`: the calling service's endpoint name, `SERVICE.REGION.amazonaws.com`.
    ViaName,
    /// `aws:SourceIp`: absent from a request made through a VPC endpoint (which carries
    /// `aws:SourceVpce`, `aws:SourceVpc` and `aws:VpcSourceIp` instead).
    NotThroughVpce,
    /// A parameter of the request (free within its type).
    Request,
    Free,
}

/// Where a row comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Src {
    /// IAM User Guide, "AWS global condition context keys", the key's Availability line.
    Iam,
    /// KMS Developer Guide, "AWS KMS condition keys", the key's row.
    Kms,
    /// Service Authorization Reference, AWS KMS (the project catalog).
    Sar,
    Page(&'static str),
}

/// One row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// As AWS spells it; a family ends with `/` or `:` (`aws:PrincipalTag/`).
    pub key: &'static str,
    pub ty: KeyType,
    /// By `Caller::ALL`.
    pub present: [Presence; 6],
    pub path: CallPath,
    pub actions: Actions,
    pub tie: Tie,
    pub source: Src,
}

impl Fact {
    pub fn is_family(&self) -> bool {
        self.key.ends_with('/') || self.key.ends_with(':')
    }

    pub fn presence(&self, c: Caller) -> Presence {
        self.present[Caller::ALL.iter().position(|x| *x == c).unwrap_or(0)]
    }

    pub fn multivalued(&self) -> bool {
        self.ty == KeyType::Strs
    }

    /// The citation of the row.
    pub fn citation(&self) -> String {
        match self.source {
            Src::Iam => format!(
                "IAM User Guide, AWS global condition context keys, {} (Availability); https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html",
                self.key
            ),
            Src::Kms => {
                format!("KMS Developer Guide, AWS KMS condition keys, {}; https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html", self.key)
            }
            Src::Sar => format!("Service Authorization Reference, AWS Key Management Service, condition keys: {}", self.key),
            Src::Page(url) => format!("{} ({url})", self.key),
        }
    }

    /// The callers whose requests can carry the key, as words ("service principals").
    pub fn callers_that_may(&self) -> String {
        let who: Vec<&str> = Caller::ALL.iter().filter(|c| self.presence(**c) != Presence::Never).map(|c| c.plural()).collect();
        match who.len() {
            0 => "no caller".into(),
            1 => who[0].into(),
            n => format!("{} and {}", who[..n - 1].join(", "), who[n - 1]),
        }
    }
}

const fn presence_row(s: &str) -> [Presence; 6] {
    let b = s.as_bytes();
    let mut out = [Presence::Open; 6];
    let mut i = 0;
    while i < 6 {
        out[i] = match b[i] {
            b'A' => Presence::Always,
            b'S' => Presence::Sometimes,
            b'N' => Presence::Never,
            _ => Presence::Open,
        };
        i += 1;
    }
    out
}

const fn f(key: &'static str, ty: KeyType, present: &str, path: CallPath, actions: Actions, tie: Tie, source: Src) -> Fact {
    Fact { key, ty, present: presence_row(present), path, actions, tie, source }
}

use Actions::{All, Listed};
use CallPath::{Any, Through};
use KeyType::*;
use Src::*;
use Tie::*;

/// The table. Presence columns: IAM user, root, role session, federated user, service principal,
/// anonymous (A always, S sometimes, N never, O open). Departures from the documentation's
/// wording, each following CONTROLS.md: service principals never carry the IAM-principal keys
/// (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType, aws:userid, org and tag keys,
/// kms:CallerAccount) nor the VPC keys; anonymous callers carry no principal keys (the
/// documentation gives aws:userid, aws:PrincipalAccount and aws:PrincipalType the value
/// `anonymous` for them; KMS accepts no anonymous request, so no KMS answer depends on it).
// SOUNDNESS: under-approximation (CONTROLS.md) — no service-principal request carries an
// IAM-principal key or a VPC key (encodings/context-facts.md).
pub const FACTS: &[Fact] = &[
    f("aws:PrincipalArn", Arn, "AAAANN", Any, All, Caller, Iam),
    f("aws:PrincipalAccount", Str, "AAAANN", Any, All, Caller, Iam),
    f("aws:PrincipalOrgPaths", Strs, "SSSSNN", Any, All, UnderOrg("aws:PrincipalOrgID"), Iam),
    f("aws:PrincipalOrgID", Str, "SSSSNN", Any, All, Free, Iam),
    f("aws:PrincipalTag/", Str, "SOSSNN", Any, All, Free, Iam),
    f("aws:PrincipalIsAWSService", Bool, "AAAAAN", Any, All, IsService, Iam),
    f("aws:PrincipalServiceName", Str, "NNNNAN", Any, All, Caller, Iam),
    f("aws:PrincipalServiceNamesList", Strs, "NNNNAN", Any, All, Free, Iam),
    f("aws:PrincipalType", Str, "AAAANN", Any, All, Caller, Iam),
    f("aws:userid", Str, "AAAANN", Any, All, UserId, Iam),
    f("aws:username", Str, "ANNNNN", Any, All, Caller, Iam),
    f("aws:AssumedRoot", Bool, "NSNNNN", Any, All, Free, Iam),
    f("aws:FederatedProvider", Str, "NNSNNN", Any, All, Free, Iam),
    f("aws:TokenIssueTime", Date, "SSAANN", Any, All, Free, Iam),
    f("aws:SignInSessionArn", Arn, "SSSONN", Any, All, Free, Iam),
    // Present with temporary credentials: role sessions, federated users (GetFederationToken),
    // users with session tokens or console sign-in.
    f("aws:MultiFactorAuthAge", Num, "SSSSNN", Any, All, Free, Iam),
    f("aws:MultiFactorAuthPresent", Bool, "SSSSNN", Any, All, Free, Iam),
    f("aws:ChatbotSourceArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("aws:Ec2InstanceSourceVpc", Str, "NNSNNN", Any, All, Free, Iam),
    f("aws:Ec2InstanceSourcePrivateIPv4", Ip, "NNSNNN", Any, All, Free, Iam),
    f("aws:SourceIdentity", Str, "NNSNNN", Any, All, Free, Iam),
    f("ec2:RoleDelivery", Num, "NNSNNN", Any, All, Free, Iam),
    f("ec2:SourceInstanceArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("glue:RoleAssumedBy", Str, "NNSNNN", Any, All, Free, Iam),
    f("glue:CredentialIssuingService", Str, "NNSNNN", Any, All, Free, Iam),
    f("codebuild:BuildArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("codebuild:ProjectArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("lambda:SourceFunctionArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("ssm:SourceInstanceArn", Arn, "NNSNNN", Any, All, Free, Iam),
    f("identitystore:UserId", Str, "NNSNNN", Any, All, Free, Iam),
    // IAM User Guide, aws:SourceIp: "If the request comes from a host that uses an Amazon VPC
    // endpoint, then the aws:SourceIp key is not available."
    f("aws:SourceIp", Ip, "SSSSOS", Any, All, NotThroughVpce, Iam),
    f("aws:SourceVpc", Str, "SSSSNS", Any, All, Free, Iam),
    f("aws:SourceVpce", Str, "SSSSNS", Any, All, Free, Iam),
    f("aws:VpcSourceIp", Ip, "SSSSNS", Any, All, Free, Iam),
    f("aws:SourceVpcArn", Arn, "SSSSNS", Any, All, Free, Iam),
    f("aws:VpceAccount", Str, "SSSSNS", Any, All, Free, Iam),
    f("aws:VpceOrgID", Str, "SSSSNS", Any, All, Free, Iam),
    f("aws:VpceOrgPaths", Strs, "SSSSNS", Any, All, UnderOrg("aws:VpceOrgID"), Iam),
    f("aws:ResourceAccount", Str, "AAAAAA", Any, All, Resource, Iam),
    f("aws:ResourceOrgID", Str, "SSSSSS", Any, All, Free, Iam),
    f("aws:ResourceOrgPaths", Strs, "SSSSSS", Any, All, Free, Iam),
    f("aws:ResourceTag/", Str, "SSSSSS", Any, Listed, Free, Iam),
    f("aws:CalledVia", Strs, "SSSSNN", Through, All, Free, Iam),
    f("aws:CalledViaFirst", Str, "SSSSNN", Through, All, Free, Iam),
    f("aws:CalledViaLast", Str, "SSSSNN", Through, All, Free, Iam),
    f("aws:CalledViaAWSMCP", Str, "SSSSNN", Through, All, Free, Iam),
    f("aws:ViaAWSService", Bool, "AAAAAA", Any, All, ViaFlag, Iam),
    f("aws:ViaAWSMCPService", Bool, "SSSSOO", Any, All, Free, Iam),
    f("aws:CurrentTime", Date, "AAAAAA", Any, All, Free, Iam),
    f("aws:EpochTime", Date, "AAAAAA", Any, All, Free, Iam),
    f("aws:referer", Str, "SSSSOS", Any, All, Free, Iam),
    f("aws:RequestedRegion", Str, "AAAAAA", Any, All, Resource, Iam),
    f("aws:RequestTag/", Str, "SSSSSS", Any, Listed, Free, Iam),
    f("aws:TagKeys", Strs, "SSSSSS", Any, Listed, Free, Iam),
    f("aws:SecureTransport", Bool, "AAAAAA", Any, All, TrueForKms, Iam),
    f("aws:SourceAccount", Str, "NNNNSN", Any, All, AccountOfSourceArn, Iam),
    f("aws:SourceArn", Arn, "NNNNSN", Any, All, Free, Iam),
    f("aws:SourceOrgID", Str, "NNNNSN", Any, All, Free, Iam),
    f("aws:SourceOrgPaths", Strs, "NNNNSN", Any, All, UnderOrg("aws:SourceOrgID"), Iam),
    f("aws:UserAgent", Str, "AAAAAA", Any, All, Free, Iam),
    f("aws:IsMcpServiceAction", Bool, "SSSSOO", Any, All, Free, Iam),
    f("kms:BypassPolicyLockoutSafetyCheck", Bool, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:CallerAccount", Str, "AAAANN", Any, Listed, Caller, Kms),
    f("kms:CustomerMasterKeySpec", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:CustomerMasterKeyUsage", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:DataKeyPairSpec", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:EncryptionAlgorithm", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:EncryptionContext:", Str, "SSSSSN", Any, Listed, InContextKeys, Kms),
    f("kms:EncryptionContextKeys", Strs, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:ExpirationModel", Str, "SSSSSN", Any, Listed, Request, Kms),
    f(
        "kms:GrantConstraintSourceArn",
        Arn,
        "SSSSSN",
        Any,
        Listed,
        Request,
        Page("https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html"),
    ),
    f("kms:GrantConstraintType", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:GrantIsForAWSResource", Bool, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:GrantOperations", Strs, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:GranteePrincipal", Str, "SSSSSN", Any, Listed, Request, Kms),
    f(
        "kms:GranteeServicePrincipal",
        Str,
        "SSSSSN",
        Any,
        Listed,
        Request,
        Page("https://docs.aws.amazon.com/kms/latest/developerguide/grant-authorization.html"),
    ),
    f("kms:KeyAgreementAlgorithm", Str, "AAAAAN", Any, Listed, Request, Sar),
    f("kms:KeyOrigin", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:KeySpec", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:KeyUsage", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:MacAlgorithm", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:MessageType", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:MultiRegion", Bool, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:MultiRegionKeyType", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:PrimaryRegion", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:ReEncryptOnSameKey", Bool, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:ReplicaRegion", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:RequestAlias", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:ResourceAliases", Strs, "SSSSSN", Any, Listed, Free, Kms),
    f("kms:RetiringPrincipal", Str, "SSSSSN", Any, Listed, Request, Kms),
    f("kms:RetiringServicePrincipal", Str, "SSSSSN", Any, Listed, Request, Sar),
    f(
        "kms:RotationPeriodInDays",
        Num,
        "SSSSSN",
        Any,
        Listed,
        Request,
        Page("https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKeyRotation.html"),
    ),
    f(
        "kms:ScheduleKeyDeletionPendingWindowInDays",
        Num,
        "SSSSSN",
        Any,
        Listed,
        Request,
        Page("https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html"),
    ),
    f("kms:SigningAlgorithm", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:TrailingDaysWithoutKeyUsage", Num, "SSSSSN", Any, Listed, Request, Sar),
    f("kms:ValidTo", Date, "SSSSSN", Any, Listed, Request, Kms),
    // CONTROLS.md: for KMS actions kms:ViaService is present iff aws:ViaAWSService is true
    // (an IAM principal's call that a service makes for it, on an action that lists the key).
    // SOUNDNESS: under-approximation for the listed actions (a service call without the key is
    // not searched); for an unlisted action the key stays free.
    f("kms:ViaService", Str, "AAAAON", Through, Listed, ViaName, Kms),
    f("kms:WrappingAlgorithm", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:WrappingKeySpec", Str, "AAAAAN", Any, Listed, Request, Kms),
    f("kms:RecipientAttestation:", Str, "SSSSSN", Any, Listed, Request, Kms),
];

/// The row of a key (a family's row for `aws:PrincipalTag/team`, `kms:EncryptionContext:dept`).
pub fn lookup(key: &ContextKey) -> Option<&'static Fact> {
    let k = key.canonical();
    FACTS.iter().find(|f| {
        let fk = f.key.to_ascii_lowercase();
        if f.is_family() {
            k.len() > fk.len() && k.starts_with(&fk)
        } else {
            k == fk
        }
    })
}

/// Whether the catalog lets `action` carry `key` (a fact key or family): `Some(listed)` for a
/// cataloged KMS action, `Some(false)` for a `kms:` key on another service's action, `None`
/// (open) for an unlisted KMS action or an `aws:` key on another service's action.
// SOUNDNESS: over-approximation — an unlisted KMS action may carry any kms: key, another
// service's action any aws: key.
pub fn listed_for(key: &str, action: &str) -> Option<bool> {
    let is_kms_action = action.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:")) && action.len() > 4;
    if !is_kms_action {
        return if key.to_ascii_lowercase().starts_with("kms:") { Some(false) } else { None };
    }
    let a = catalog::lookup(action)?;
    // CONTROLS.md: kms:CallerAccount is in every KMS request by an IAM principal; the KMS
    // permissions reference lists it for the keyless operations (ConnectCustomKeyStore,
    // CreateCustomKeyStore, …) that the Service Authorization Reference leaves without keys.
    if key.eq_ignore_ascii_case("kms:CallerAccount") {
        return Some(true);
    }
    let row = LISTED.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
    Some(row.is_some_and(|(_, acts)| acts.contains(&a.name)))
}

/// The cataloged KMS actions (as `kms:Name`) that never carry `key`.
pub fn kms_actions_without(key: &str) -> Vec<String> {
    catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).filter(|a| listed_for(key, a) == Some(false)).collect()
}

/// Is `id` a KMS key id: 36 characters, lower-case hex digits and dashes (a UUID), or `mrk-`
/// and 32 lower-case hex digits? SOUNDNESS: over-approximation, as in the encoder — where
/// a UUID's dashes go is not checked.
pub fn well_formed_key_id(id: &str) -> bool {
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if id.len() != 36 {
        return false;
    }
    match id.strip_prefix("mrk-") {
        Some(m) => m.bytes().all(hex),
        None => id.bytes().all(|b| hex(b) || b == b'-'),
    }
}

/// Keys whose value is an organization id (`o-` and 10 to 32 lower-case letters or digits,
/// AWS Organizations API Reference, Organization).
pub fn is_org_id(key: &str) -> bool {
    ["aws:PrincipalOrgID", "aws:SourceOrgID", "aws:ResourceOrgID", "aws:VpceOrgID"].iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// Is `v` a well-formed organization id?
pub fn well_formed_org_id(v: &str) -> bool {
    v.strip_prefix("o-").is_some_and(|b| (10..=32).contains(&b.len()) && b.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
}

/// The keys a request through a VPC endpoint carries (and no `aws:SourceIp` with them).
pub const VPC_ENDPOINT_KEYS: [&str; 3] = ["aws:SourceVpce", "aws:SourceVpc", "aws:VpcSourceIp"];

/// The keys only a call through a service carries (`kms:ViaService`, `aws:CalledVia*`).
pub fn through_service_keys() -> impl Iterator<Item = &'static Fact> {
    FACTS.iter().filter(|f| f.path == CallPath::Through)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_is_unique_and_cited() {
        for (i, a) in FACTS.iter().enumerate() {
            assert!(FACTS[i + 1..].iter().all(|b| !b.key.eq_ignore_ascii_case(a.key)), "{} twice", a.key);
            assert!(!a.citation().is_empty());
        }
        assert!(FACTS.len() >= 95);
    }

    #[test]
    fn families_and_exact_keys_are_found() {
        let row = |k: &str| lookup(&ContextKey::new(k)).map(|f| f.key);
        assert_eq!(row("AWS:SourceAccount"), Some("aws:SourceAccount"));
        assert_eq!(row("aws:PrincipalTag/team"), Some("aws:PrincipalTag/"));
        assert_eq!(row("kms:EncryptionContext:Department"), Some("kms:EncryptionContext:"));
        assert_eq!(row("kms:EncryptionContextKeys"), Some("kms:EncryptionContextKeys"));
        assert_eq!(row("kms:RecipientAttestation:PCR7"), Some("kms:RecipientAttestation:"));
        assert_eq!(row("aws:PrincipalTag/"), None);
        assert_eq!(row("s3:prefix"), None);
    }

    #[test]
    fn the_rows_say_what_controls_md_says() {
        let row = |k: &str| lookup(&ContextKey::new(k)).copied();
        let Some(sa) = row("aws:SourceAccount") else { panic!("no row") };
        assert_eq!(sa.presence(Caller::Service), Presence::Sometimes);
        assert_eq!(sa.presence(Caller::IamUser), Presence::Never);
        assert_eq!(sa.callers_that_may(), "service principals");
        let Some(st) = row("aws:SecureTransport") else { panic!("no row") };
        assert!(Caller::ALL.iter().all(|c| st.presence(*c) == Presence::Always));
        let Some(vpce) = row("aws:SourceVpce") else { panic!("no row") };
        assert_eq!(vpce.presence(Caller::Service), Presence::Never);
        let Some(via) = row("kms:ViaService") else { panic!("no row") };
        assert_eq!(via.path, CallPath::Through);
        assert_eq!(listed_for("kms:ViaService", "kms:Decrypt"), Some(true));
        assert_eq!(listed_for("kms:ViaService", "kms:ListKeys"), Some(false));
        assert_eq!(listed_for("kms:CallerAccount", "kms:ListAliases"), Some(true));
        assert_eq!(listed_for("kms:EncryptionContext:", "kms:Encrypt"), Some(true));
        assert_eq!(listed_for("kms:GrantOperations", "kms:Decrypt"), Some(false));
        assert_eq!(listed_for("kms:ViaService", "s3:GetObject"), Some(false));
        assert_eq!(listed_for("aws:RequestTag/", "s3:PutObject"), None);
        assert_eq!(listed_for("kms:ViaService", "kms:FutureAction"), None);
        assert!(kms_actions_without("kms:GrantOperations").len() == catalog::KMS_ACTIONS.len() - 1);
    }
}
