//! Principals on both sides of a decision. `PrincipalPattern` is one entry of a policy's
//! Principal/NotPrincipal element (`"AWS": "111122223333"`, `"Service": "logs.amazonaws.com"`,
//! `"*"`); `Principal` is who makes a request. AWS checks a request's principal as a set of
//! identities — the session, the role it belongs to, and the account — and a Principal element
//! matches when it names any of them, while a NotPrincipal element applies unless it names all
//! of them (which is why AWS tells users to list the account ARN next to a user in
//! NotPrincipal). `Principal::identities` is that set; the SMT encoding mirrors it.
//!
//! Callers are the ones AWS has (CONTROLS.md "Callers"): an IAM user, the root user, a role
//! session (also for web-identity and SAML federation), a federated user, a service principal,
//! or anonymous. A role always calls through a session. Principals are identities compared by
//! ARN, paths included: a Principal naming `role/ops/Admin` covers that role's sessions and
//! nothing whose role ARN differs (`role/Admin` is another role).

use crate::model::error::ValueError;
use crate::model::template::{Syntax, Template};
use crate::model::value::Arn;
use std::fmt;

/// The kind of request principal (also the value of `aws:PrincipalType` where AWS sets one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    Anonymous,
    Root,
    User,
    /// A role session (a role never calls without one).
    Role,
    FederatedUser,
    Service,
}

impl PrincipalKind {
    pub const ALL: [PrincipalKind; 6] = [
        PrincipalKind::Anonymous,
        PrincipalKind::Root,
        PrincipalKind::User,
        PrincipalKind::Role,
        PrincipalKind::FederatedUser,
        PrincipalKind::Service,
    ];

    /// Principals that belong to an AWS account and are governed by IAM policies there.
    pub fn in_account(self) -> bool {
        matches!(self, PrincipalKind::Root | PrincipalKind::User | PrincipalKind::Role | PrincipalKind::FederatedUser)
    }

    /// `aws:PrincipalType` as AWS documents it.
    pub fn principal_type(self) -> Option<&'static str> {
        Some(match self {
            PrincipalKind::Root => "Account",
            PrincipalKind::User => "User",
            PrincipalKind::Role => "AssumedRole",
            PrincipalKind::FederatedUser => "FederatedUser",
            // CONTROLS.md: anonymous requests carry no principal keys.
            // SOUNDNESS: AWS documents aws:PrincipalType "Anonymous" for them.
            _ => return None,
        })
    }
}

/// Who makes a request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Principal {
    pub kind: PrincipalKind,
    /// 12-digit account id for principals in an account; empty otherwise.
    pub account: String,
    /// The principal's own name: the ARN of a user, role (for a session: the role's ARN, path
    /// included, which is also `aws:PrincipalArn`), root (`arn:aws:iam::A:root`) or federated
    /// user; the service principal name. Empty for anonymous.
    pub arn: String,
    /// For a role session (every role principal): `arn:aws:sts::A:assumed-role/ROLE/SESSION`.
    pub session: Option<String>,
    /// Partition of account principals (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: String,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal { kind: PrincipalKind::Anonymous, account: String::new(), arn: String::new(), session: None, partition: String::new() }
    }

    pub fn root(partition: &str, account: &str) -> Principal {
        Principal {
            kind: PrincipalKind::Root,
            account: account.to_string(),
            arn: format!("arn:{partition}:iam::{account}:root"),
            session: None,
            partition: partition.to_string(),
        }
    }

    pub fn service(name: &str) -> Principal {
        Principal { kind: PrincipalKind::Service, account: String::new(), arn: name.to_string(), session: None, partition: String::new() }
    }

    /// The session `session` of a role (`arn:aws:iam::A:role/PATH/NAME`).
    pub fn role_session(role_arn: &str, session: &str) -> Result<Principal, ValueError> {
        let (part, acct, kind, _, name) = iam_path_name(role_arn)
            .filter(|n| n.2 == "role")
            .ok_or_else(|| ValueError::Principal(format!("{role_arn:?} is not a role ARN (arn:aws:iam::ACCOUNT:role/PATH/NAME)")))?;
        debug_assert_eq!(kind, "role");
        Ok(Principal {
            kind: PrincipalKind::Role,
            account: acct.to_string(),
            arn: role_arn.to_string(),
            session: Some(format!("arn:{part}:sts::{acct}:assumed-role/{name}/{session}")),
            partition: part.to_string(),
        })
    }

    /// The session name a role given without one gets (`Principal::parse` of a role ARN).
    pub const DEFAULT_SESSION: &'static str = "session";

    /// Parse a request principal: an IAM or STS ARN, a 12-digit account id (its root), a
    /// service principal (`logs.amazonaws.com`) or `anonymous`. A role ARN is a session of that
    /// role named `session` (roles call through sessions); a session ARN names its role
    /// without a path (`aws:PrincipalArn` in a request file gives the role's path).
    pub fn parse(text: &str) -> Result<Principal, ValueError> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("anonymous") || text == "*" {
            return Ok(Principal::anonymous());
        }
        if is_account_id(text) {
            return Ok(Principal::root("aws", text));
        }
        if text.starts_with("federated:") || text.starts_with("canonical:") {
            return Err(ValueError::Principal(format!(
                "{text:?} is not a caller: web-identity and SAML users call AWS as role sessions (arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION), and canonical user ids only name S3 grantees"
            )));
        }
        if !text.starts_with("arn:") {
            if is_service_principal(text) {
                return Ok(Principal::service(text));
            }
            return Err(ValueError::Principal(format!("{text:?} is not a principal: expected an IAM/STS ARN, an account id, a service principal such as logs.amazonaws.com, or `anonymous`")));
        }
        let arn = Arn::parse(text).ok_or_else(|| ValueError::Principal(format!("{text:?} is not a well-formed ARN")))?;
        if !is_account_like(&arn.account) {
            return Err(ValueError::Principal(format!("{text:?}: the account segment must be an account id")));
        }
        let base =
            |kind| Principal { kind, account: arn.account.clone(), arn: text.to_string(), session: None, partition: arn.partition.clone() };
        match (arn.service.as_str(), arn.resource.split_once('/').map(|(t, _)| t).unwrap_or(arn.resource.as_str())) {
            ("iam", "root") if arn.resource == "root" => Ok(Principal::root(&arn.partition, &arn.account)),
            ("iam", "user") | ("iam", "role") if iam_path_name(text).is_none() => {
                Err(ValueError::Principal(format!("{text:?}: a user or role ARN ends in a name (…:user/NAME, …:role/PATH/NAME)")))
            }
            ("iam", "user") => Ok(base(PrincipalKind::User)),
            ("iam", "role") => Principal::role_session(text, Principal::DEFAULT_SESSION),
            ("sts", "assumed-role") => {
                let mut parts = arn.resource.splitn(3, '/');
                let (_, role, session) = (parts.next(), parts.next(), parts.next());
                match (role, session) {
                    (Some(role), Some(session)) if !role.is_empty() && !session.is_empty() && !session.contains('/') => Ok(Principal {
                        kind: PrincipalKind::Role,
                        account: arn.account.clone(),
                        arn: format!("arn:{}:iam::{}:role/{}", arn.partition, arn.account, role),
                        session: Some(text.to_string()),
                        partition: arn.partition.clone(),
                    }),
                    _ => Err(ValueError::Principal(format!(
                        "{text:?}: an assumed-role ARN is arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION"
                    ))),
                }
            }
            ("sts", "federated-user")
                if arn.resource.len() > "federated-user/".len() && !arn.resource["federated-user/".len()..].contains('/') =>
            {
                Ok(base(PrincipalKind::FederatedUser))
            }
            _ => Err(ValueError::Principal(format!("{text:?} is not an IAM user, role, root, assumed-role or federated-user ARN"))),
        }
    }

    /// Does this principal match an authorized-principal pattern of a property (the concrete
    /// twin of `smt::encode` principal_matches_pattern)? An account id matches every principal
    /// of the account; an ARN glob the caller's ARN and, for a role session, its role's ARN,
    /// path included (CONTROLS.md: `role/KeyAdmin` covers neither `role/ops/KeyAdmin` nor its
    /// sessions); other text a service principal's name.
    pub fn matches_spec_pattern(&self, pat: &str) -> bool {
        let glob =
            |text: &str| match Template::parse(pat, Syntax { wildcards: true, variables: false }).ok().and_then(|t| t.resolve(&|_| None)) {
                Some(r) => r.matches(text, false),
                None => pat == text,
            };
        if is_account_like(pat) {
            return self.kind.in_account() && self.account == pat;
        }
        if pat.starts_with("arn:") {
            return self.kind.in_account() && (glob(&self.arn) || self.session.as_deref().is_some_and(glob));
        }
        !self.kind.in_account() && self.kind != PrincipalKind::Anonymous && glob(&self.arn)
    }

    /// The identities AWS checks this principal as (see the module comment).
    pub fn identities(&self) -> Vec<Identity> {
        let mut out = Vec::new();
        match self.kind {
            PrincipalKind::Anonymous => out.push(Identity::Anonymous),
            PrincipalKind::Root => out.push(Identity::Account(self.account.clone())),
            PrincipalKind::User | PrincipalKind::FederatedUser => {
                out.push(Identity::Account(self.account.clone()));
                out.push(Identity::Arn(self.arn.clone()));
            }
            PrincipalKind::Role => {
                out.push(Identity::Account(self.account.clone()));
                out.push(Identity::Arn(self.arn.clone()));
                if let Some(s) = &self.session {
                    out.push(Identity::Arn(s.clone()));
                }
            }
            PrincipalKind::Service => out.push(Identity::Service(self.arn.clone())),
        }
        out
    }

    /// How a Principal element that names `identity` grants to this principal (see
    /// `IdentityClass`).
    pub fn identity_class(&self, identity: &Identity) -> IdentityClass {
        match identity {
            Identity::Account(_) => IdentityClass::Account,
            Identity::Arn(a) if self.kind == PrincipalKind::Role && *a == self.arn => IdentityClass::Role,
            _ => IdentityClass::Exact,
        }
    }

    /// The principal as a request file writes it.
    pub fn render(&self) -> String {
        match self.kind {
            PrincipalKind::Anonymous => "anonymous".into(),
            PrincipalKind::Role => self.session.clone().unwrap_or_else(|| self.arn.clone()),
            _ => self.arn.clone(),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// What a resource policy grant names, which decides what else must allow (IAM User Guide,
/// "Policy evaluation logic"): a grant to the exact caller (user ARN, session ARN, federated-user
/// ARN, a service, `*`) stands on its own in the same account; a grant to a role ARN is still
/// limited by the role's permissions boundary and session policy; a grant to the account only
/// delegates to the account's IAM policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityClass {
    Account,
    Role,
    Exact,
}

/// One identity of a request principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    Anonymous,
    Account(String),
    Arn(String),
    Service(String),
}

/// One entry of a Principal/NotPrincipal element.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalPattern {
    /// `"*"`: every caller, service principals and anonymous callers included.
    Everyone,
    /// `{"AWS": "*"}`: every IAM principal. AWS warns that services differ on whether it also
    /// covers service principals (and anonymous callers): it is read as covering them where that
    /// allows more — in an Allow's Principal, a Deny's NotPrincipal — and as not covering them
    /// where that allows more the other way (CONTROLS.md "Principals are identities").
    AnyAws,
    /// `"111122223333"` or `arn:aws:iam::111122223333:root`: every principal of the account.
    Account(String),
    /// An IAM user, role, assumed-role session or federated-user ARN, compared exactly.
    Arn(String),
    /// `{"Service": "logs.amazonaws.com"}` (AWS does not accept `"Service": "*"`).
    Service(String),
    /// `{"Federated": "accounts.google.com"}`: matches no caller (web-identity and SAML users
    /// call as role sessions, which `sts:AssumeRoleWith…` policies govern, not this element).
    Federated(String),
    /// `{"CanonicalUser": "…"}`: an S3 grantee, no caller.
    Canonical(String),
    /// An IAM unique id (`AIDA…`, `AROA…`): what a policy shows after the principal it named was
    /// deleted. It matches no current principal.
    UniqueId(String),
}

impl PrincipalPattern {
    /// Does this entry name `identity`? `unsigned_too`: `{"AWS": "*"}` also names service
    /// principals and anonymous callers (see `AnyAws`).
    pub fn matches(&self, identity: &Identity, unsigned_too: bool) -> bool {
        match (self, identity) {
            (PrincipalPattern::Everyone, _) => true,
            (PrincipalPattern::AnyAws, Identity::Account(_) | Identity::Arn(_)) => true,
            (PrincipalPattern::AnyAws, Identity::Service(_) | Identity::Anonymous) => unsigned_too,
            (PrincipalPattern::Account(a), Identity::Account(b)) => a == b,
            (PrincipalPattern::Arn(a), Identity::Arn(b)) => a == b,
            (PrincipalPattern::Service(a), Identity::Service(b)) => a == b,
            _ => false,
        }
    }

    /// Parse an `AWS` principal value.
    pub fn parse_aws(text: &str) -> Result<PrincipalPattern, ValueError> {
        if text == "*" {
            return Ok(PrincipalPattern::AnyAws);
        }
        if is_account_like(text) {
            return Ok(PrincipalPattern::Account(text.to_string()));
        }
        if is_unique_id(text) {
            return Ok(PrincipalPattern::UniqueId(text.to_string()));
        }
        if text.contains('*') || text.contains('?') {
            return Err(ValueError::Principal(format!(
                "{text:?}: a Principal cannot use wildcards inside an ARN (use a condition on aws:PrincipalArn)"
            )));
        }
        let arn = Arn::parse(text).ok_or_else(|| ValueError::Principal(format!("{text:?} is not an account id, an IAM ARN or `*`")))?;
        if !is_account_like(&arn.account) {
            return Err(ValueError::Principal(format!("{text:?}: the account segment of a principal ARN must be an account id")));
        }
        match (arn.service.as_str(), arn.resource.as_str()) {
            ("iam", "root") => Ok(PrincipalPattern::Account(arn.account)),
            ("iam", r) if r.starts_with("user/") || r.starts_with("role/") => Ok(PrincipalPattern::Arn(text.to_string())),
            ("sts", r) if r.starts_with("assumed-role/") || r.starts_with("federated-user/") => Ok(PrincipalPattern::Arn(text.to_string())),
            _ => Err(ValueError::Principal(format!("{text:?} is not a principal ARN (root, user, role, assumed-role or federated-user)"))),
        }
    }
}

impl fmt::Display for PrincipalPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrincipalPattern::Everyone => f.write_str("*"),
            PrincipalPattern::AnyAws => f.write_str("AWS *"),
            PrincipalPattern::Account(a) => write!(f, "account {a}"),
            PrincipalPattern::Arn(a) | PrincipalPattern::UniqueId(a) => f.write_str(a),
            PrincipalPattern::Service(s) => write!(f, "service {s}"),
            PrincipalPattern::Federated(s) => write!(f, "federated {s}"),
            PrincipalPattern::Canonical(s) => write!(f, "canonical user {s}"),
        }
    }
}

/// (partition, account, `user`/`role`, path, name) of an IAM user or role ARN; the path is
/// `""` or `a/b/` (the ARN's `user/a/b/NAME`).
pub fn iam_path_name(arn: &str) -> Option<(&str, &str, &str, &str, &str)> {
    let a = crate::model::value::ArnParts::split(arn)?;
    if !a.is_arn() || a.service != "iam" || !a.region.is_empty() {
        return None;
    }
    let (kind, rest) = a.resource.split_once('/')?;
    if kind != "user" && kind != "role" {
        return None;
    }
    let (path, name) = match rest.rfind('/') {
        Some(i) => (&rest[..=i], &rest[i + 1..]),
        None => ("", rest),
    };
    if name.is_empty() {
        return None;
    }
    Some((a.partition, a.account, kind, path, name))
}

pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Account ids are 12 digits; shorter digit strings appear in documentation examples and are
/// read as (non-existent) accounts rather than rejected.
pub fn is_account_like(s: &str) -> bool {
    (1..=12).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_unique_id(s: &str) -> bool {
    const PREFIXES: [&str; 6] = ["AIDA", "AROA", "AGPA", "AIPA", "ANPA", "ANVA"];
    s.len() >= 16 && PREFIXES.iter().any(|p| s.starts_with(p)) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

pub fn is_service_principal(s: &str) -> bool {
    !s.is_empty() && s.contains('.') && !s.contains(':') && !s.contains('/') && !s.contains(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_principals_parse() {
        let s = Principal::parse("arn:aws:sts::111122223333:assumed-role/Admin/alice").unwrap();
        assert_eq!(s.kind, PrincipalKind::Role);
        assert_eq!(s.arn, "arn:aws:iam::111122223333:role/Admin");
        assert_eq!(s.account, "111122223333");
        assert_eq!(s.identities().len(), 3);
        assert_eq!(Principal::parse("111122223333").unwrap().arn, "arn:aws:iam::111122223333:root");
        assert_eq!(Principal::parse("logs.amazonaws.com").unwrap().kind, PrincipalKind::Service);
        assert_eq!(Principal::parse("anonymous").unwrap().kind, PrincipalKind::Anonymous);
        assert!(Principal::parse("arn:aws:iam::12x4:user/x").is_err());
        assert!(Principal::parse("bob").is_err());
        // A role calls through a session; web-identity users and canonical ids are no callers.
        let role = Principal::parse("arn:aws:iam::111122223333:role/ops/Admin").unwrap();
        assert_eq!(role.arn, "arn:aws:iam::111122223333:role/ops/Admin");
        assert_eq!(role.session.as_deref(), Some("arn:aws:sts::111122223333:assumed-role/Admin/session"));
        assert!(Principal::parse("federated:accounts.google.com").is_err());
        assert!(Principal::parse("canonical:79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be").is_err());
    }

    #[test]
    fn patterns_match_identities_by_arn_paths_included() {
        let user = Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap();
        let ids = user.identities();
        let acct = PrincipalPattern::parse_aws("arn:aws:iam::111122223333:root").unwrap();
        assert!(ids.iter().any(|i| acct.matches(i, false)));
        let other = PrincipalPattern::parse_aws("444455556666").unwrap();
        assert!(!ids.iter().any(|i| other.matches(i, false)));
        assert!(PrincipalPattern::parse_aws("arn:aws:iam::111122223333:user/*").is_err());
        // A pattern naming a role with its path covers that role's sessions, not a role of the
        // same name elsewhere.
        let with_path = PrincipalPattern::parse_aws("arn:aws:iam::111122223333:role/service-role/App").unwrap();
        let session = Principal::role_session("arn:aws:iam::111122223333:role/service-role/App", "s1").unwrap();
        assert!(session.identities().iter().any(|i| with_path.matches(i, false)));
        let pathless = Principal::parse("arn:aws:sts::111122223333:assumed-role/App/s1").unwrap();
        assert!(!pathless.identities().iter().any(|i| with_path.matches(i, false)), "role/App is another role than role/service-role/App");
        assert!(Principal::parse("arn:aws:iam::111122223333:user/").is_err());
        assert!(matches!(PrincipalPattern::parse_aws("AIDAJQABLZS4A3QDU576Q").unwrap(), PrincipalPattern::UniqueId(_)));
        assert!(Principal::anonymous().identities().iter().all(|i| !acct.matches(i, true)));
        assert!(Principal::anonymous().identities().iter().any(|i| PrincipalPattern::Everyone.matches(i, false)));
        // {"AWS": "*"}: every IAM principal; services and anonymous callers only when asked.
        let any_aws = PrincipalPattern::parse_aws("*").unwrap();
        assert!(ids.iter().any(|i| any_aws.matches(i, false)));
        let service = Principal::service("logs.amazonaws.com");
        assert!(!service.identities().iter().any(|i| any_aws.matches(i, false)));
        assert!(service.identities().iter().any(|i| any_aws.matches(i, true)));
    }
}
