//! The facts check of one concrete request (CONTROLS.md "Request-context facts", the table of
//! `context_facts.rs`): what makes a request file one AWS never sends (an *impossible* request:
//! `aws:SourceAccount` on an IAM user's call, `kms:ViaService` on a direct call, a KMS call by
//! an anonymous caller, a `kms:EncryptionContext:K` without K in `kms:EncryptionContextKeys`,
//! …), and what it leaves out that every real request carries (an *incomplete* one: no
//! `aws:CurrentTime`). `keyward eval` refuses impossible requests and warns about incomplete
//! ones; every counterexample keyward reports passes the check.

use crate::model::catalog;
use crate::model::context_facts::{self, Actions, CallPath, Caller, Fact, KeyType, Presence, Tie};
use crate::model::key::ContextKey;
use crate::model::principal::PrincipalKind;
use crate::model::request::{is_kms_action, Request};
use crate::model::value::{Arn, Decimal, Ip, Timestamp};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// AWS never sends such a request.
    Impossible,
    /// Every real request carries a key the request leaves out: conditions on it see it absent.
    Incomplete,
}

/// One finding of the facts check.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FactFinding {
    pub severity: Severity,
    /// The key (or `principal`, `resource`) at fault.
    pub key: String,
    pub message: String,
    /// The documentation the fact rests on.
    pub source: String,
}

fn finding(severity: Severity, key: &str, message: String, source: String) -> FactFinding {
    FactFinding { severity, key: key.to_string(), message, source }
}

const KMS_API: &str = "KMS API Reference, Welcome: every KMS call is signed and made over TLS";

/// Every finding of the facts check for `req`, in a stable order.
pub fn check(req: &Request) -> Vec<FactFinding> {
    let mut out = Vec::new();
    let caller = Caller::of(req.principal.kind);
    let kms = is_kms_action(&req.action);
    if kms && caller == Caller::Anonymous {
        out.push(finding(
            Severity::Impossible,
            "principal",
            format!("KMS accepts only signed requests: an anonymous caller cannot call {}", req.action),
            KMS_API.into(),
        ));
    }
    if let Some(a) = catalog::lookup(&req.action) {
        let keyless = a.resource == catalog::ResourceKind::Unscoped;
        if keyless && req.resource != "*" {
            out.push(finding(
                Severity::Impossible,
                "resource",
                format!("{} takes no key: its requests are made against \"*\", not {}", req.action, req.resource),
                "Service Authorization Reference, AWS KMS: the action lists no resource type".into(),
            ));
        }
        if !keyless && req.resource == "*" {
            out.push(finding(
                Severity::Impossible,
                "resource",
                format!("{} acts on a key: its requests name the key, never \"*\"", req.action),
                "Service Authorization Reference, AWS KMS: the action requires the key resource type".into(),
            ));
        }
    }
    // CONTROLS.md: a key ARN's key id is a lower-case UUID or mrk- and 32 lower-case hex digits.
    if let Some(arn) = Arn::parse(&req.resource).filter(|a| a.service == "kms") {
        if let Some(id) = arn.resource.strip_prefix("key/") {
            // A warning, not a refusal: the encoder asks for well-formed ids only where a
            // policy's key pattern could tell them apart (encodings/context-facts.md).
            if !context_facts::well_formed_key_id(id) {
                out.push(finding(
                    Severity::Incomplete,
                    "resource",
                    format!("{} names no key: a key id is a lower-case UUID or mrk- and 32 lower-case hex digits", req.resource),
                    "KMS Developer Guide, Key identifiers (KeyId): key ID, e.g. 1234abcd-12ab-34cd-56ef-1234567890ab, mrk-1234abcd12ab34cd56ef1234567890ab".into(),
                ));
            }
        }
    }
    let ctx = req.effective_context();
    let via = req.via_aws_service();
    for (key, values) in ctx.iter() {
        let Some(fact) = context_facts::lookup(key) else { continue };
        let name = key.name();
        let cite = fact.citation();
        let given = req.context.contains(key);
        if fact.presence(caller) == Presence::Never {
            out.push(finding(
                Severity::Impossible,
                name,
                format!("{name} is only present in requests made by {}", fact.callers_that_may()),
                cite.clone(),
            ));
        }
        if fact.path == CallPath::Through && !via {
            out.push(finding(
                Severity::Impossible,
                name,
                format!("{name} is only present in calls an AWS service makes on the caller's behalf (aws:ViaAWSService is false)"),
                cite.clone(),
            ));
        }
        if fact.actions == Actions::Listed && context_facts::listed_for(fact.key, &req.action) == Some(false) {
            out.push(finding(Severity::Impossible, name, format!("{name} is not a condition key of {}", req.action), cite.clone()));
        }
        if !fact.multivalued() && values.len() > 1 {
            out.push(finding(
                Severity::Impossible,
                name,
                format!("{name} is single-valued, the request gives {} values", values.len()),
                cite.clone(),
            ));
        }
        if fact.ty == KeyType::Bool && values.iter().any(|v| v != "true" && v != "false") {
            out.push(finding(Severity::Impossible, name, format!("{name} is a Bool: its value is true or false"), cite.clone()));
        }
        let epoch = fact.key.eq_ignore_ascii_case("aws:EpochTime");
        let typed = |v: &String| match fact.ty {
            KeyType::Date if epoch => !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()),
            KeyType::Date => Timestamp::parse(v).is_some(),
            KeyType::Num => Decimal::parse(v).is_some(),
            KeyType::Ip => Ip::parse(v).is_some(),
            _ => true,
        };
        if let Some(v) = values.iter().find(|v| !typed(v)) {
            let what = match fact.ty {
                KeyType::Date if epoch => "whole seconds since 1970-01-01",
                KeyType::Date => "a date",
                KeyType::Num => "a number",
                _ => "an IP address",
            };
            out.push(finding(Severity::Impossible, name, format!("{name} is {what}, not {v:?}"), cite.clone()));
        }
        if context_facts::is_org_id(fact.key) && values.iter().any(|v| !context_facts::well_formed_org_id(v)) {
            out.push(finding(
                Severity::Impossible,
                name,
                format!("{name} is an organization id: o- and 10 to 32 lower-case letters or digits"),
                "AWS Organizations API Reference, Organization: Id pattern ^o-[a-z0-9]{10,32}$".into(),
            ));
        }
        if given {
            tie_findings(req, fact, key, values, &ctx, &mut out);
        }
    }
    let instant = |k: &str| ctx.get(&ContextKey::new(k)).and_then(|v| v.first()).and_then(|v| Timestamp::parse(v));
    if let (Some(now), Some(epoch)) = (instant("aws:CurrentTime"), instant("aws:EpochTime")) {
        if now.0.div_euclid(1000) != epoch.0.div_euclid(1000) {
            out.push(finding(
                Severity::Impossible,
                "aws:EpochTime",
                format!("aws:EpochTime and aws:CurrentTime are one instant, the request's ({} is not {})", epoch.render(), now.render()),
                "IAM User Guide, aws:CurrentTime and aws:EpochTime: the date and time of the request".into(),
            ));
        }
    }
    for fact in context_facts::FACTS {
        if fact.is_family() || ctx.contains(&ContextKey::new(fact.key)) {
            continue;
        }
        let always = fact.presence(caller) == Presence::Always
            && (fact.path == CallPath::Any || via)
            && (fact.actions == Actions::All || context_facts::listed_for(fact.key, &req.action) == Some(true))
            && !(kms && caller == Caller::Anonymous);
        // The keys of the resource and the caller that the request determines are filled in.
        if always && !matches!(fact.tie, Tie::Resource) {
            out.push(finding(
                Severity::Incomplete,
                fact.key,
                format!("{} is in every request like this one; the request gives none, so conditions on it see it absent", fact.key),
                fact.citation(),
            ));
        }
    }
    out
}

/// `req` with the keys its own keys imply and it leaves out (a counterexample decodes only the
/// keys its policies read): `kms:EncryptionContextKeys` from the `kms:EncryptionContext:K` it
/// carries, a `kms:EncryptionContext:K` for each K it lists, `aws:PrincipalOrgID` from
/// `aws:PrincipalOrgPaths`. The added keys are ones no policy of the query reads, so the
/// decision stays (the replay confirms it).
pub fn complete(req: &Request) -> Request {
    let mut r = req.clone();
    let ec_prefix = "kms:encryptioncontext:";
    let ec_names: Vec<String> = req
        .context
        .iter()
        .filter(|(k, _)| k.canonical().starts_with(ec_prefix) && k.canonical().len() > ec_prefix.len())
        .map(|(k, _)| k.name()[ec_prefix.len()..].to_string())
        .collect();
    let keys_key = ContextKey::new("kms:EncryptionContextKeys");
    match req.context.get(&keys_key) {
        None if !ec_names.is_empty() => r.context.insert("kms:EncryptionContextKeys", ec_names),
        Some(listed) => {
            for k in listed {
                let ec = format!("kms:EncryptionContext:{k}");
                if !req.context.contains(&ContextKey::new(&ec)) {
                    r.context.insert(&ec, vec![format!("example-{}", k.to_ascii_lowercase())]);
                }
            }
        }
        None => {}
    }
    // A call through a service names the service (kms:ViaService) on the actions that list it.
    let via_key = ContextKey::new("kms:ViaService");
    if req.via_aws_service()
        && !req.context.contains(&via_key)
        && context_facts::listed_for("kms:ViaService", &req.action) == Some(true)
        && req.principal.kind != PrincipalKind::Service
    {
        let region = Arn::parse(&req.resource).map(|a| a.region).filter(|r| !r.is_empty()).unwrap_or_else(|| "us-east-1".to_string());
        r.context.insert("kms:ViaService", vec![format!("s3.{region}.amazonaws.com")]);
    }
    for (paths_key, org_key) in
        [("aws:PrincipalOrgPaths", "aws:PrincipalOrgID"), ("aws:SourceOrgPaths", "aws:SourceOrgID"), ("aws:VpceOrgPaths", "aws:VpceOrgID")]
    {
        if let (Some(paths), false) = (req.context.get(&ContextKey::new(paths_key)), req.context.contains(&ContextKey::new(org_key))) {
            if let Some(org) = paths.first().and_then(|p| p.split('/').next()).filter(|o| !o.is_empty()) {
                r.context.insert(org_key, vec![org.to_string()]);
            }
        }
    }
    r
}

/// The request AWS could send nearest to `req`, for generators that draw requests freely (the
/// differential test, the differential fuzz target): the encoding answers for possible requests
/// only, so a generated request is mended rather than skipped, keeping the generator's reach.
/// An impossible key is dropped (given no value), a call no caller of its kind makes becomes an
/// S3 call, an impossible resource swaps between `*` and a key ARN, and a key every such request
/// carries gets a value of its type. A few rounds settle it; a request still flagged after them
/// is returned as it is (the caller checks).
pub fn make_possible(mut r: Request) -> Request {
    for _ in 0..8 {
        let findings = check(&r);
        if findings.is_empty() {
            break;
        }
        for f in findings {
            match (f.severity, f.key.as_str()) {
                (Severity::Impossible, "principal") => r.action = "s3:GetObject".into(),
                (Severity::Impossible, "resource") => {
                    r.resource = if r.resource == "*" {
                        "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab".into()
                    } else {
                        "*".into()
                    }
                }
                (Severity::Impossible, k) => r.context.insert(k, vec![]),
                (Severity::Incomplete, k) => {
                    let v = typical_value(&r, k);
                    r.context.insert(k, vec![v]);
                }
            }
        }
    }
    r
}

/// A value of key `k` that fits the rest of `r`.
fn typical_value(r: &Request, k: &str) -> String {
    let p = &r.principal;
    match (k, context_facts::lookup(&ContextKey::new(k)).map(|f| f.ty)) {
        ("aws:userid", _) => match &p.session {
            Some(s) => format!("AROAEXAMPLEROLEID:{}", s.rsplit('/').next().unwrap_or("")),
            None => "AIDAEXAMPLEUSERID".into(),
        },
        ("aws:ViaAWSService", _) => r.via_aws_service().to_string(),
        ("kms:ViaService", _) => "s3.us-east-1.amazonaws.com".into(),
        // The instant of aws:CurrentTime, when the request has one.
        ("aws:EpochTime", _) => r
            .context
            .get(&ContextKey::new("aws:CurrentTime"))
            .and_then(|v| v.first())
            .and_then(|v| Timestamp::parse(v))
            .map(|t| t.0.div_euclid(1000).to_string())
            .unwrap_or_else(|| "1767225600".into()),
        (_, Some(KeyType::Bool)) => "false".into(),
        (_, Some(KeyType::Date)) => "2026-01-01T00:00:00Z".into(),
        (_, Some(KeyType::Num)) => "1".into(),
        (_, Some(KeyType::Ip)) => "203.0.113.9".into(),
        (_, Some(KeyType::Arn)) => "arn:aws:s3:::example".into(),
        _ => "example".into(),
    }
}

/// An IAM unique id of the kind `prefix` names (IAM User Guide, unique identifiers: `AIDA`
/// users, `AROA` roles) and more, without a colon (the encoder's rule too).
fn unique_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && !rest.contains(':'))
}

/// The ties between a given key's values and the rest of the request.
fn tie_findings(req: &Request, fact: &Fact, key: &ContextKey, values: &[String], ctx: &crate::model::Context, out: &mut Vec<FactFinding>) {
    let name = key.name();
    let cite = fact.citation();
    let p = &req.principal;
    let one = values.first().map(String::as_str).unwrap_or("");
    let mut bad = |message: String| out.push(finding(Severity::Impossible, name, message, cite.clone()));
    match fact.tie {
        Tie::TrueForKms if is_kms_action(&req.action) && one != "true" => {
            bad(format!("{name} is true for every KMS request (KMS accepts only TLS)"));
        }
        Tie::IsService => {
            let expect = p.kind == PrincipalKind::Service;
            if (one == "true") != expect {
                bad(format!("{name} is {expect} for this caller"));
            }
        }
        Tie::ViaFlag if one != "true" && context_facts::through_service_keys().any(|f| ctx.contains(&ContextKey::new(f.key))) => {
            bad(format!("{name} is false, but the request carries keys only calls through a service carry"));
        }
        Tie::NotThroughVpce => {
            if let Some(v) = context_facts::VPC_ENDPOINT_KEYS.iter().find(|k| ctx.contains(&ContextKey::new(k))) {
                bad(format!("{name} is absent from requests made through a VPC endpoint, and this one carries {v}"));
            }
        }
        Tie::UserId => {
            let ok = match p.kind {
                PrincipalKind::Root => one == p.account,
                PrincipalKind::FederatedUser => p.arn.rsplit('/').next().is_some_and(|n| one == format!("{}:{n}", p.account)),
                PrincipalKind::Role => {
                    let session = p.session.as_deref().and_then(|s| s.rsplit('/').next()).unwrap_or("");
                    // SOUNDNESS (as the encoder): the role id after AROA is any non-empty text.
                    !session.contains(':')
                        && one
                            .strip_suffix(session)
                            .and_then(|r| r.strip_suffix(':'))
                            .is_some_and(|id| id.len() > 4 && id.starts_with("AROA"))
                }
                PrincipalKind::User => unique_id(one, "AIDA"),
                _ => true,
            };
            if !ok {
                bad(format!("{name} {one:?} is not this caller's (root: the account; federated user: ACCOUNT:NAME; role session: AROA…:SESSION; user: its unique id AIDA…)"));
            }
        }
        Tie::AccountOfSourceArn => {
            let arn_account =
                ctx.get(&ContextKey::new("aws:SourceArn")).and_then(|v| v.first()).and_then(|a| Arn::parse(a)).map(|a| a.account);
            if let Some(acct) = arn_account.filter(|a| !a.is_empty()) {
                if acct != one {
                    bad(format!("{name} {one} is not the account of aws:SourceArn ({acct})"));
                }
            }
        }
        Tie::UnderOrg(org_key) => {
            if let Some(org) = ctx.get(&ContextKey::new(org_key)).and_then(|v| v.first()) {
                let prefix = format!("{org}/");
                if let Some(v) = values.iter().find(|v| !v.starts_with(&prefix)) {
                    bad(format!("{name} value {v:?} does not start with the organization {org_key} ({prefix})"));
                }
            } else {
                bad(format!("{name} needs {org_key}: every path starts with the organization id"));
            }
        }
        Tie::InContextKeys => {
            let k = key.name().get("kms:EncryptionContext:".len()..).unwrap_or("");
            let listed =
                ctx.get(&ContextKey::new("kms:EncryptionContextKeys")).is_some_and(|ks| ks.iter().any(|x| x.eq_ignore_ascii_case(k)));
            if !listed {
                bad(format!("{name} is present exactly when {k:?} is one of kms:EncryptionContextKeys"));
            }
        }
        Tie::Caller => {
            let derived = req.clone_without(key).effective_context();
            if let Some(d) = derived.get(key) {
                if d != values {
                    bad(format!("{name} is {} for this caller, the request gives {}", d.join(","), values.join(",")));
                }
            }
        }
        _ => {}
    }
    // kms:EncryptionContextKeys names keys whose kms:EncryptionContext:K the request must carry.
    if key.canonical() == "kms:encryptioncontextkeys" {
        for k in values {
            let ec = ContextKey::new(&format!("kms:EncryptionContext:{k}"));
            if !ctx.contains(&ec) {
                out.push(finding(
                    Severity::Impossible,
                    name,
                    format!("{name} lists {k:?} but the request has no kms:EncryptionContext:{k}"),
                    fact.citation(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request::Context;
    use crate::model::Principal;

    fn req(principal: &str, action: &str, resource: &str, ctx: &[(&str, &[&str])]) -> Request {
        let mut context = Context::new();
        for (k, v) in ctx {
            context.insert(k, v.iter().map(|s| s.to_string()).collect());
        }
        let principal = Principal::parse(principal).unwrap_or_else(|e| panic!("{e}"));
        Request { principal, action: action.into(), resource: resource.into(), context }
    }
    const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    fn impossible(r: &Request) -> Vec<String> {
        check(r).into_iter().filter(|f| f.severity == Severity::Impossible).map(|f| f.message).collect()
    }

    #[test]
    fn source_keys_only_for_service_principals() {
        let user = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[("aws:SourceAccount", &["111122223333"])]);
        assert_eq!(impossible(&user), vec!["aws:SourceAccount is only present in requests made by service principals".to_string()]);
        let svc = req("logs.amazonaws.com", "kms:Decrypt", KEY, &[("aws:SourceAccount", &["111122223333"])]);
        assert!(impossible(&svc).is_empty());
        let vpce = req("logs.amazonaws.com", "kms:Decrypt", KEY, &[("aws:SourceVpce", &["vpce-1a2b3c4d"])]);
        assert_eq!(impossible(&vpce).len(), 1);
    }

    #[test]
    fn via_service_and_encryption_context_ties() {
        let direct = req(
            "arn:aws:iam::111122223333:user/bob",
            "kms:Decrypt",
            KEY,
            &[("kms:ViaService", &["s3.us-east-1.amazonaws.com"]), ("aws:ViaAWSService", &["false"])],
        );
        assert_eq!(impossible(&direct).len(), 2, "{:?}", impossible(&direct));
        let via = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[("kms:ViaService", &["s3.us-east-1.amazonaws.com"])]);
        assert!(impossible(&via).is_empty(), "{:?}", impossible(&via));
        let ec = req(
            "arn:aws:iam::111122223333:user/bob",
            "kms:Decrypt",
            KEY,
            &[("kms:EncryptionContextKeys", &["a"]), ("kms:EncryptionContext:b", &["x"])],
        );
        assert_eq!(impossible(&ec).len(), 2, "{:?}", impossible(&ec));
        let ok = req(
            "arn:aws:iam::111122223333:user/bob",
            "kms:Decrypt",
            KEY,
            &[("kms:EncryptionContextKeys", &["b"]), ("kms:EncryptionContext:b", &["x"])],
        );
        assert!(impossible(&ok).is_empty());
    }

    #[test]
    fn kms_facts_shape_anonymous_and_transport() {
        assert_eq!(impossible(&req("anonymous", "kms:Decrypt", KEY, &[])).len(), 1);
        assert_eq!(impossible(&req("arn:aws:iam::111122223333:user/bob", "kms:CreateKey", KEY, &[])).len(), 1);
        assert_eq!(impossible(&req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", "*", &[])).len(), 1);
        let plain = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[("aws:SecureTransport", &["false"])]);
        assert_eq!(impossible(&plain).len(), 1);
        let wrong_account = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[("kms:CallerAccount", &["444455556666"])]);
        assert_eq!(impossible(&wrong_account).len(), 1);
        let not_listed = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[("kms:GrantOperations", &["Decrypt"])]);
        assert_eq!(impossible(&not_listed), vec!["kms:GrantOperations is not a condition key of kms:Decrypt".to_string()]);
    }

    #[test]
    fn user_ids_org_paths_and_source_arn_accounts() {
        let s = "arn:aws:sts::111122223333:assumed-role/Admin/alice";
        assert!(impossible(&req(s, "kms:Decrypt", KEY, &[("aws:userid", &["AROAEXAMPLEID:alice"])])).is_empty());
        assert_eq!(impossible(&req(s, "kms:Decrypt", KEY, &[("aws:userid", &["AROAEXAMPLEID:bob"])])).len(), 1);
        assert_eq!(impossible(&req("111122223333", "kms:Decrypt", KEY, &[("aws:userid", &["AIDAEXAMPLE"])])).len(), 1);
        let paths = req(
            s,
            "kms:Decrypt",
            KEY,
            &[("aws:PrincipalOrgID", &["o-a1b2c3d4e5"]), ("aws:PrincipalOrgPaths", &["o-a1b2c3d4e5/r-1/ou-2/"])],
        );
        assert!(impossible(&paths).is_empty());
        let bad_paths =
            req(s, "kms:Decrypt", KEY, &[("aws:PrincipalOrgID", &["o-a1b2c3d4e5"]), ("aws:PrincipalOrgPaths", &["o-x9y8z7w6v5/r-1/"])]);
        assert_eq!(impossible(&bad_paths).len(), 1);
        let arn = req(
            "logs.amazonaws.com",
            "kms:Decrypt",
            KEY,
            &[("aws:SourceArn", &["arn:aws:logs:us-east-1:444455556666:log-group:x"]), ("aws:SourceAccount", &["111122223333"])],
        );
        assert_eq!(impossible(&arn).len(), 1);
        let bucket = req(
            "s3.amazonaws.com",
            "kms:Decrypt",
            KEY,
            &[("aws:SourceArn", &["arn:aws:s3:::bucket"]), ("aws:SourceAccount", &["111122223333"])],
        );
        assert!(impossible(&bucket).is_empty());
    }

    #[test]
    fn missing_keys_every_request_carries_are_incomplete_not_impossible() {
        let r = req("arn:aws:iam::111122223333:user/bob", "kms:Decrypt", KEY, &[]);
        let f = check(&r);
        assert!(f.iter().all(|f| f.severity == Severity::Incomplete));
        let keys: Vec<&str> = f.iter().map(|f| f.key.as_str()).collect();
        assert!(keys.contains(&"aws:CurrentTime") && keys.contains(&"aws:userid"), "{keys:?}");
        assert!(!keys.contains(&"aws:SecureTransport") && !keys.contains(&"kms:CallerAccount"), "{keys:?}");
    }
}
