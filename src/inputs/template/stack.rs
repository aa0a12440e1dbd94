//! The subjects of a CloudFormation stack: its KMS keys (`AWS::KMS::Key`, `AWS::KMS::ReplicaKey`,
//! with their aliases) and its IAM policies (`AWS::IAM::ManagedPolicy`, `AWS::IAM::Policy`,
//! `AWS::IAM::RolePolicy`/`UserPolicy`/`GroupPolicy`, the inline `Policies` of roles, users
//! and groups). A resource whose `Condition` is false is not created and gets no subject.
//!
//! A stack is not its account: the account has principals the template does not show, with
//! policies it does not show. So a key of a stack is analysed as a key policy on its own
//! (`principals: None`: a statement naming the account stands for every principal of the
//! account its IAM policies allow), which answers for every such account; the stack's own
//! roles are principals of that account by their placeholder ARNs.

use super::bounds::Role;
use super::document::{self, Document};
use super::node::{Node, ReadError, V};
use super::placeholder;
use super::resolve::Resolver;
use crate::controls::subject::{IdentityOrigin, IdentitySubject, KeyMetadata, KeySubject, MultiRegionConfiguration, Subject};
use crate::policy::Diagnostic;
use std::collections::BTreeMap;

/// A template error as a diagnostic at its place.
pub fn diagnostic(file: &str, path: &str, e: &ReadError) -> Diagnostic {
    Diagnostic::at_line(file, path, e.line, e.col, &e.message)
}

struct Ctx<'a> {
    file: &'a str,
    res: &'a Resolver<'a>,
    errors: &'a mut Vec<Diagnostic>,
    roles: &'a mut BTreeMap<String, Role>,
}

/// The stack's subjects; `roles` gets where each unknown string of their policies first sits.
pub fn subjects(file: &str, res: &Resolver<'_>, errors: &mut Vec<Diagnostic>, roles: &mut BTreeMap<String, Role>) -> Vec<Subject> {
    let mut cx = Ctx { file, res, errors, roles };
    let mut out = Vec::new();
    let Some(V::Map(resources)) = res.resources.map(|r| &r.v) else { return out };
    let mut boundaries = Vec::new();
    for (k, r) in resources {
        if let Some(Some(b)) = cx.resolved(&k.name, r, "PermissionsBoundary") {
            boundaries.extend(b.scalar_text());
        }
    }
    for (k, r) in resources {
        let id = &k.name;
        let path = format!("Resources.{id}");
        if id.starts_with("Fn::ForEach") {
            cx.errors.push(Diagnostic::at_line(file, &path, k.line, k.col, "Fn::ForEach (AWS::LanguageExtensions) is not supported"));
            continue;
        }
        let ty = r.get("Type").and_then(Node::as_str).unwrap_or("");
        if let Some(c) = r.get("Condition").and_then(Node::as_str) {
            match res.condition(r, c) {
                Ok(Some(false)) => continue,
                Ok(_) => {}
                Err(e) => {
                    cx.errors.push(diagnostic(file, &format!("{path}.Condition"), &e));
                    continue;
                }
            }
        }
        match ty {
            "AWS::KMS::Key" | "AWS::KMS::ReplicaKey" => out.extend(cx.key(id, r, resources)),
            "AWS::IAM::ManagedPolicy" => {
                let arn = match placeholder::reference(res, id, r) {
                    Ok(a) => a,
                    Err(e) => {
                        cx.errors.push(diagnostic(file, &path, &e));
                        continue;
                    }
                };
                let origin = IdentityOrigin::Managed { boundary: boundaries.contains(&arn) };
                out.extend(cx.identity(id, r, "PolicyDocument", arn, origin));
            }
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" | "AWS::IAM::UserPolicy" | "AWS::IAM::GroupPolicy" => {
                let name = cx.text(id, r, "PolicyName").unwrap_or_else(|| id.clone());
                let mut holders: Vec<(&str, String)> = Vec::new();
                let mut unknown_holder = false;
                for (property, kind) in [
                    ("Roles", "role"),
                    ("Users", "user"),
                    ("Groups", "group"),
                    ("RoleName", "role"),
                    ("UserName", "user"),
                    ("GroupName", "group"),
                ] {
                    if let Some(v) = cx.resolved(id, r, property).flatten() {
                        unknown_holder |= super::resolve::contains_symbolic(&v);
                        let names = match v.v {
                            V::Seq(items) => items.iter().filter_map(Node::scalar_text).collect(),
                            _ => v.scalar_text().into_iter().collect::<Vec<_>>(),
                        };
                        holders.extend(names.into_iter().map(|n| (kind, n)));
                    }
                }
                let shown =
                    if holders.is_empty() { id.clone() } else { holders.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(",") };
                // One holder: its ARN (pattern); several, or one unknown before deployment: any
                // identity holder (a narrower holder could make a control hold wrongly).
                let holder = match holders.as_slice() {
                    [(kind, n)] if !unknown_holder => placeholder::holder_pattern(&res.partition, &res.opts.account, kind, n),
                    _ => String::new(),
                };
                out.extend(cx.identity(id, r, "PolicyDocument", format!("{shown}/{name}"), IdentityOrigin::Inline { holder }));
            }
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => out.extend(cx.inline_policies(id, r)),
            _ => {}
        }
    }
    out
}

impl Ctx<'_> {
    /// A property of a resource, resolved (`None`: absent or a template error, reported;
    /// `Some(None)`: `AWS::NoValue`).
    fn resolved(&mut self, id: &str, r: &Node, property: &str) -> Option<Option<Node>> {
        let v = r.get("Properties")?.get(property)?;
        match self.res.resolve(v) {
            Ok(x) => Some(x),
            Err(e) => {
                self.errors.push(diagnostic(self.file, &format!("Resources.{id}.Properties.{property}"), &e));
                None
            }
        }
    }

    fn text(&mut self, id: &str, r: &Node, property: &str) -> Option<String> {
        self.resolved(id, r, property).flatten().and_then(|v| v.scalar_text())
    }

    /// The policy of a document property, with what it depends on that is unknown.
    fn document(&mut self, path: &str, doc: &Node) -> Option<Document> {
        let d = document::policy_or_report(self.file, path, doc, self.errors)?;
        for (what, role) in &d.roles {
            self.roles.entry(what.clone()).or_insert(*role);
        }
        Some(d)
    }

    fn identity(&mut self, id: &str, r: &Node, property: &str, resource: String, origin: IdentityOrigin) -> Option<Subject> {
        let path = format!("Resources.{id}.Properties.{property}");
        if r.get("Properties").and_then(|p| p.get(property)).is_none() {
            self.errors.push(Diagnostic::at_line(self.file, &path, r.line, r.col, format!("the resource {id} has no {property}")));
            return None;
        }
        // An error in the document is reported by `resolved`.
        let Some(Some(doc)) = self.resolved(id, r, property) else { return None };
        let Document { policy, unresolved, assumed, .. } = self.document(&path, &doc)?;
        Some(Subject::Identity(IdentitySubject { file: self.file.to_string(), resource, policy, origin, unresolved, assumed }))
    }

    /// The inline `Policies` of a role, user or group.
    fn inline_policies(&mut self, id: &str, r: &Node) -> Vec<Subject> {
        let name_property = match r.get("Type").and_then(Node::as_str) {
            Some("AWS::IAM::User") => "UserName",
            Some("AWS::IAM::Group") => "GroupName",
            _ => "RoleName",
        };
        let (holder, arn) = match (placeholder::reference(self.res, id, r), self.res.attribute(r, id, "Arn")) {
            (Ok(h), Ok(V::Str(a))) => (h, a),
            // A name or path unknown before deployment: the generated ARN would not be the
            // holder's, so any identity holder instead.
            (Ok(h), Ok(_)) => (h, String::new()),
            (Err(e), _) | (_, Err(e)) => {
                self.errors.push(diagnostic(self.file, &format!("Resources.{id}.Properties.{name_property}"), &e));
                return vec![];
            }
        };
        let Some(Some(Node { v: V::Seq(items), .. })) = self.resolved(id, r, "Policies") else { return vec![] };
        let mut out = Vec::new();
        for (i, p) in items.iter().enumerate() {
            let path = format!("Resources.{id}.Properties.Policies[{i}].PolicyDocument");
            let Some(doc) = p.get("PolicyDocument") else {
                self.errors.push(Diagnostic::at_line(self.file, &path, p.line, p.col, "an inline policy without PolicyDocument"));
                continue;
            };
            let name = p.get("PolicyName").and_then(Node::scalar_text).unwrap_or_else(|| format!("Policies[{i}]"));
            if let Some(Document { policy, unresolved, assumed, .. }) = self.document(&path, doc) {
                out.push(Subject::Identity(IdentitySubject {
                    file: self.file.to_string(),
                    resource: format!("{holder}/{name}"),
                    policy,
                    origin: IdentityOrigin::Inline { holder: arn.clone() },
                    unresolved,
                    assumed,
                }));
            }
        }
        out
    }

    fn key(&mut self, id: &str, r: &Node, resources: &[(super::node::Key, Node)]) -> Option<Subject> {
        let res = self.res;
        let replica = r.get("Type").and_then(Node::as_str) == Some("AWS::KMS::ReplicaKey");
        let path = format!("Resources.{id}.Properties.KeyPolicy");
        let (arn, key_id) = match (placeholder::attribute(res, id, r, "Arn"), placeholder::key_id(res, id, r)) {
            (Ok(a), Ok(k)) => (a, k),
            (Err(e), _) | (_, Err(e)) => {
                self.errors.push(diagnostic(self.file, &format!("Resources.{id}"), &e));
                return None;
            }
        };
        let doc = match self.resolved(id, r, "KeyPolicy") {
            Some(Some(d)) => d,
            // No key policy: KMS gives the key its default key policy (KMS Developer Guide,
            // "Default key policy": the account's root gets kms:*, which delegates to IAM).
            _ if !replica => Node::new(V::Str(document::default_key_policy(&res.partition, &res.opts.account)), r.line, r.col),
            _ => {
                self.errors.push(Diagnostic::at_line(self.file, &path, r.line, r.col, format!("the replica key {id} has no KeyPolicy")));
                return None;
            }
        };
        let Document { policy, mut unresolved, assumed, .. } = self.document(&path, &doc)?;
        let flag = |cx: &mut Self, property: &str, default: bool, unresolved: &mut Vec<String>| match cx.resolved(id, r, property).flatten()
        {
            None => default,
            Some(Node { v: V::Bool(b), .. }) => b,
            Some(Node { v: V::Symbolic(s), .. }) => {
                unresolved.push(s);
                default
            }
            Some(n) => n.scalar_text().map_or(default, |t| t.eq_ignore_ascii_case("true")),
        };
        // CloudFormation's EnableKeyRotation defaults to false; a replica's rotation is its
        // primary's.
        // The key's kind decides KMS.4 (and a multi-Region key's id): unknown, not defaulted.
        for property in ["KeySpec", "Origin", "MultiRegion", "KeyUsage"] {
            if let Some(Some(Node { v: V::Symbolic(w), .. })) = self.resolved(id, r, property) {
                unresolved.push(w);
            }
        }
        let rotation = (!replica).then(|| flag(self, "EnableKeyRotation", false, &mut unresolved));
        let enabled = flag(self, "Enabled", true, &mut unresolved);
        let spec = if replica { None } else { Some(self.text(id, r, "KeySpec").unwrap_or_else(|| "SYMMETRIC_DEFAULT".into())) };
        let metadata = KeyMetadata {
            key_id: key_id.clone(),
            arn: arn.clone(),
            aws_account_id: res.opts.account.clone(),
            key_state: if enabled { "Enabled" } else { "Disabled" }.into(),
            key_manager: "CUSTOMER".into(),
            key_spec: spec,
            customer_master_key_spec: None,
            origin: self.text(id, r, "Origin").unwrap_or_else(|| "AWS_KMS".into()),
            deletion_date: None,
            description: self.text(id, r, "Description"),
            multi_region_configuration: replica.then(|| MultiRegionConfiguration { multi_region_key_type: "REPLICA".into() }),
        };
        let mut aliases = Vec::new();
        for (k, a) in resources.iter().filter(|(_, a)| a.get("Type").and_then(Node::as_str) == Some("AWS::KMS::Alias")) {
            let target = self.text(&k.name, a, "TargetKeyId");
            if target.as_deref().is_some_and(|t| t == key_id || t == arn) {
                aliases.extend(self.text(&k.name, a, "AliasName"));
            }
        }
        Some(Subject::Key(KeySubject {
            file: self.file.to_string(),
            key_arn: arn,
            owner: res.opts.account.clone(),
            policy: Some(policy),
            grants: None,
            metadata: Some(metadata),
            rotation,
            aliases,
            principals: None,
            scps: vec![],
            unresolved,
            assumed,
        }))
    }
}
