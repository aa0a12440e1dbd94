//! A concrete request: principal, action, resource and context. The context maps condition
//! keys to one or several string values (multi-valued keys such as `aws:TagKeys`). Keys that a
//! real request always carries and that are fixed by the request itself (CONTROLS.md, "Context
//! consistency") are derived here when the request file leaves them out; a value the request
//! gives explicitly is never overridden.

use crate::model::context_facts;
use crate::model::key::ContextKey;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::value::Arn;
use indexmap::IndexMap;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    values: IndexMap<ContextKey, Vec<String>>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Set a key; an empty list is the same as an absent key.
    pub fn insert(&mut self, key: &str, values: Vec<String>) {
        let key = ContextKey::new(key);
        if values.is_empty() {
            self.values.shift_remove(&key);
        } else {
            self.values.insert(key, values);
        }
    }

    pub fn get(&self, key: &ContextKey) -> Option<&[String]> {
        self.values.get(key).map(|v| v.as_slice())
    }

    pub fn contains(&self, key: &ContextKey) -> bool {
        self.values.contains_key(key)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&ContextKey, &Vec<String>)> {
        self.values.iter()
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    /// `service:Action` as the caller names it (matched case-insensitively).
    pub action: String,
    /// An ARN, or `*` for actions that take no resource (kms:CreateKey, kms:ListKeys, …).
    pub resource: String,
    pub context: Context,
}

impl Request {
    /// The context with the consistency axioms applied for keys the request leaves out.
    /// Each axiom names its source.
    pub fn effective_context(&self) -> Context {
        let mut ctx = self.context.clone();
        let mut derive = |key: &str, value: Option<String>| {
            if let Some(v) = value {
                if !ctx.contains(&ContextKey::new(key)) {
                    ctx.insert(key, vec![v]);
                }
            }
        };
        let p = &self.principal;
        let kms_action = is_kms_action(&self.action);
        // IAM User Guide, aws:SecureTransport: always in the request context; KMS API
        // Reference: every KMS call is made over TLS.
        if kms_action {
            derive("aws:SecureTransport", Some("true".into()));
        }
        // aws:userid: the account for the root user, ACCOUNT:NAME for federated users (IAM
        // User Guide, principal key values); users' and roles' unique ids are not derivable.
        match p.kind {
            PrincipalKind::Root => derive("aws:userid", Some(p.account.clone())),
            PrincipalKind::FederatedUser => derive("aws:userid", p.arn.rsplit('/').next().map(|n| format!("{}:{n}", p.account))),
            _ => {}
        }
        if p.kind.in_account() {
            // IAM User Guide, global condition keys: aws:PrincipalArn is the ARN of the user,
            // role (not the session) or root; aws:PrincipalAccount is the caller's account.
            derive("aws:PrincipalArn", Some(p.arn.clone()));
            derive("aws:PrincipalAccount", Some(p.account.clone()));
            // KMS Developer Guide, kms:CallerAccount: the account of the caller, for the KMS
            // actions whose catalog entry lists the key (an unlisted KMS action: open, derived).
            if kms_action && context_facts::listed_for("kms:CallerAccount", &self.action) != Some(false) {
                derive("kms:CallerAccount", Some(p.account.clone()));
            }
        }
        if p.kind == PrincipalKind::User {
            // aws:username: always present for IAM users; the last segment of the user ARN.
            derive("aws:username", p.arn.rsplit('/').next().map(str::to_string));
        }
        if p.kind == PrincipalKind::Service {
            // aws:PrincipalServiceName: present when the caller is a service principal.
            derive("aws:PrincipalServiceName", Some(p.arn.clone()));
        }
        derive("aws:PrincipalType", p.kind.principal_type().map(str::to_string));
        // aws:PrincipalIsAWSService: present for signed requests, true for service principals.
        match p.kind {
            PrincipalKind::Service => derive("aws:PrincipalIsAWSService", Some("true".into())),
            k if k.in_account() => derive("aws:PrincipalIsAWSService", Some("false".into())),
            _ => {}
        }
        if let Some(arn) = Arn::parse(&self.resource) {
            // aws:ResourceAccount: the account that owns the resource.
            if !arn.account.is_empty() {
                derive("aws:ResourceAccount", Some(arn.account.clone()));
            }
            // aws:RequestedRegion: a KMS request goes to the key's own Region.
            if arn.service == "kms" && !arn.region.is_empty() && self.action.to_ascii_lowercase().starts_with("kms:") {
                derive("aws:RequestedRegion", Some(arn.region.clone()));
            }
        }
        ctx
    }

    /// Is the call made through an AWS service? `aws:ViaAWSService` when the request gives it,
    /// else whether it carries a key that only such calls carry.
    pub fn via_aws_service(&self) -> bool {
        match self.context.get(&ContextKey::new("aws:ViaAWSService")) {
            Some(v) => v.iter().any(|x| x == "true"),
            None => context_facts::through_service_keys().any(|f| self.context.contains(&ContextKey::new(f.key))),
        }
    }

    /// The request without `key` in its context (what the request itself determines).
    pub fn clone_without(&self, key: &ContextKey) -> Request {
        let mut r = self.clone();
        r.context.insert(key.name(), vec![]);
        r
    }

    /// The request in the request-file format of `keyward eval` (context keys in their given
    /// order): what counterexamples print, so they can be fed back.
    pub fn to_json(&self) -> serde_json::Value {
        let r = self;
        let mut ctx = serde_json::Map::new();
        for (k, v) in r.context.iter() {
            let value = if v.len() == 1 {
                serde_json::Value::String(v[0].clone())
            } else {
                serde_json::Value::Array(v.iter().cloned().map(serde_json::Value::String).collect())
            };
            ctx.insert(k.name().to_string(), value);
        }
        serde_json::json!({
            "principal": r.principal.render(),
            "action": r.action,
            "resource": r.resource,
            "context": ctx,
        })
    }

    /// `to_json` on one line.
    pub fn to_json_line(&self) -> String {
        self.to_json().to_string()
    }

    /// The account that owns the resource, if the resource names one.
    pub fn resource_account(&self) -> Option<String> {
        Arn::parse(&self.resource).map(|a| a.account).filter(|a| !a.is_empty())
    }
}

/// `kms:Name` in any case.
pub fn is_kms_action(action: &str) -> bool {
    action.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("kms:")) && action.len() > 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axioms_fill_what_is_missing_and_keep_what_is_given() {
        let mut context = Context::new();
        context.insert("aws:PrincipalAccount", vec!["999999999999".into()]);
        let r = Request {
            principal: Principal::parse("arn:aws:iam::111122223333:user/bob").unwrap(),
            action: "kms:Decrypt".into(),
            resource: "arn:aws:kms:eu-west-1:444455556666:key/k".into(),
            context,
        };
        let c = r.effective_context();
        let get = |k: &str| c.get(&ContextKey::new(k)).map(|v| v[0].clone());
        assert_eq!(get("kms:CallerAccount").as_deref(), Some("111122223333"));
        assert_eq!(get("aws:PrincipalAccount").as_deref(), Some("999999999999"));
        assert_eq!(get("aws:ResourceAccount").as_deref(), Some("444455556666"));
        assert_eq!(get("aws:RequestedRegion").as_deref(), Some("eu-west-1"));
        assert_eq!(get("aws:PrincipalType").as_deref(), Some("User"));
    }

    #[test]
    fn anonymous_requests_carry_no_principal_keys() {
        let r = Request { principal: Principal::anonymous(), action: "kms:Decrypt".into(), resource: "*".into(), context: Context::new() };
        let c = r.effective_context();
        assert!(c.get(&ContextKey::new("aws:PrincipalArn")).is_none());
        assert!(c.get(&ContextKey::new("kms:CallerAccount")).is_none());
    }
}
