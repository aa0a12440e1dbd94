//! Terraform plans (`terraform show -json`, format 0.1–1.2) as subjects: the keys
//! (`aws_kms_key`, `aws_kms_replica_key`, with an `aws_kms_key_policy` in place of the key's
//! own, and their `aws_kms_grant`s as grants, `grants.rs`) and the IAM policies (`aws_iam_policy`, `aws_iam_role_policy`, `aws_iam_user_policy`,
//! `aws_iam_group_policy`, a role's `inline_policy` blocks) of `planned_values`, child modules
//! included. The plan is read with every position (`template::node`), so a finding points at
//! the resource's policy string in the plan.
//!
//! A policy the plan knows only after apply (`after_unknown`) is rebuilt (`rebuild.rs`): an
//! `aws_kms_key` without a `policy` argument gets KMS's default key policy; a policy that is an
//! `aws_iam_policy_document` data source is read from `prior_state` when Terraform read it at
//! plan time, else rebuilt from the data source's statement blocks in `configuration`, a
//! reference to a resource the plan creates becoming that resource's placeholder. Anything else
//! stays unknown, and so does every verdict on it, with the resource named.

mod grants;
mod plan;
mod rebuild;

use crate::controls::subject::{IdentityOrigin, IdentitySubject, KeyMetadata, KeySubject, MultiRegionConfiguration, Subject};
use crate::inputs::template::document::{self, Document};
use crate::inputs::template::node::{self, Node, V};
use crate::inputs::template::{placeholder, TemplateOptions};
use crate::policy::Diagnostic;
use plan::{config_address, module_prefix, Plan, Resource};

/// Is `text` a Terraform plan? A JSON object with `format_version` and planned values or
/// resource changes.
pub fn is_plan(text: &str) -> bool {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => {
            o.contains_key("format_version") && (o.contains_key("planned_values") || o.contains_key("resource_changes"))
        }
        _ => false,
    }
}

pub fn load(file: &str, text: &str, opts: &TemplateOptions, errors: &mut Vec<Diagnostic>) -> Vec<Subject> {
    let root = match node::parse(text) {
        Ok(r) => r,
        Err(e) => {
            errors.push(Diagnostic::at_line(file, "", e.line, e.col, e.message));
            return vec![];
        }
    };
    let plan = Plan::new(&root, opts);
    let mut out = Vec::new();
    // An aws_kms_key_policy replaces the policy of the key it names.
    let key_policies: Vec<&Resource<'_>> = plan.planned.values().filter(|r| r.ty == "aws_kms_key_policy").collect();
    let keys: Vec<&Resource<'_>> =
        plan.planned.values().filter(|r| matches!(r.ty.as_str(), "aws_kms_key" | "aws_kms_replica_key")).collect();
    let unmatched: Vec<&Resource<'_>> = key_policies.iter().copied().filter(|kp| !keys.iter().any(|k| plan.names_key(kp, k))).collect();
    for r in plan.planned.values() {
        match r.ty.as_str() {
            "aws_kms_key" | "aws_kms_replica_key" => {
                let own = key_policies.iter().find(|kp| plan.names_key(kp, r)).copied();
                if let Some(mut s) = plan.key(file, r, own, errors) {
                    // An aws_kms_key_policy keyward cannot tie to its key may be this key's.
                    if let (None, Some(kp), Subject::Key(k)) = (own, unmatched.first(), &mut s) {
                        k.unresolved
                            .push(format!("{} (its key_id is known only after apply: it may replace this key's policy)", kp.address));
                    }
                    out.push(s);
                }
            }
            "aws_iam_policy" => {
                let arn = plan.attribute(r, "arn");
                let boundary = plan.is_boundary(r, &arn);
                out.extend(plan.identity(file, r, "policy", arn, IdentityOrigin::Managed { boundary }, errors));
            }
            "aws_iam_role_policy" | "aws_iam_user_policy" | "aws_iam_group_policy" => {
                let holder_key = match r.ty.as_str() {
                    "aws_iam_user_policy" => "user",
                    "aws_iam_group_policy" => "group",
                    _ => "role",
                };
                let named = plan.text(r, holder_key);
                let holder = named.clone().unwrap_or_else(|| r.address.clone());
                let name = plan.text(r, "name").unwrap_or_else(|| r.address.clone());
                // The holder's ARN pattern (any identity holder when its name is unknown).
                let arn =
                    named.map(|n| placeholder::holder_pattern(&plan.partition, &plan.opts.account, holder_key, &n)).unwrap_or_default();
                out.extend(plan.identity(file, r, "policy", format!("{holder}/{name}"), IdentityOrigin::Inline { holder: arn }, errors));
            }
            "aws_iam_role" => out.extend(plan.inline_policies(file, r, errors)),
            _ => {}
        }
    }
    out
}

impl<'a> Plan<'a> {
    fn text(&self, r: &Resource<'_>, attr: &str) -> Option<String> {
        r.values.get(attr).and_then(Node::scalar_text).or_else(|| self.rebuilt_attr(r, attr).and_then(|n| n.scalar_text()))
    }

    /// An attribute of a planned resource: its planned value, else its placeholder.
    pub fn attribute(&self, r: &Resource<'_>, attr: &str) -> String {
        match r.values.get(attr).and_then(Node::scalar_text) {
            Some(v) if !v.is_empty() => v,
            _ => rebuild::placeholder(self, &r.address, &r.ty, r.values, attr),
        }
    }

    fn rebuilt_attr(&self, r: &Resource<'_>, attr: &str) -> Option<Node> {
        let cfg = self.config.get(&config_address(&r.address))?;
        let expr = cfg.get("expressions")?.get(attr)?;
        Some(rebuild::expression(&module_prefix(&r.address), expr))
    }

    /// Does the `aws_kms_key_policy` `kp` name the key `key`?
    fn names_key(&self, kp: &Resource<'_>, key: &Resource<'_>) -> bool {
        let known = kp.values.get("key_id").and_then(Node::scalar_text);
        let key_ids = [key.values.get("key_id"), key.values.get("id"), key.values.get("arn")];
        if known.is_some() && key_ids.iter().flatten().any(|k| k.scalar_text() == known) {
            return true;
        }
        let refs = self
            .config
            .get(&config_address(&kp.address))
            .and_then(|c| c.get("expressions"))
            .and_then(|e| e.get("key_id"))
            .and_then(|k| k.get("references"));
        let target = config_address(&key.address);
        matches!(refs.map(|r| &r.v), Some(V::Seq(items)) if items.iter().filter_map(Node::as_str).any(|x| format!("{}{x}", module_prefix(&kp.address)).starts_with(&format!("{target}."))))
    }

    /// The configuration's expression of `attr` of the resource `address`.
    fn configured(&self, address: &str, attr: &str) -> Option<&'a Node> {
        self.config.get(&config_address(address)).and_then(|c| c.get("expressions")).and_then(|e| e.get(attr))
    }

    /// Does the plan's configuration describe the resource `address`?
    fn has_config(&self, address: &str) -> bool {
        self.config.contains_key(&config_address(address))
    }

    /// The policy document of `attr` of `r`: known, default, read or rebuilt, or unknown.
    fn document(&self, r: &Resource<'_>, attr: &str, default: Option<&str>) -> Option<Node> {
        let value = r.values.get(attr);
        if let Some(v) = value.filter(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())) {
            return Some(v.clone());
        }
        // Unknown until apply, or recorded empty (a plan of a no-op change can say `""`).
        let after_unknown = self.unknown.get(&r.address).and_then(|u| u.get(attr)).is_some_and(|u| u.v == V::Bool(true))
            || value.is_some_and(|v| v.as_str() == Some(""));
        let configured = self.configured(&r.address, attr);
        let has_config = self.has_config(&r.address);
        match (configured, default) {
            // No policy argument in the configuration: KMS's default key policy. Without the
            // configuration a policy known only after apply is unknown.
            (None, Some(d)) if has_config || !after_unknown => Some(Node::new(V::Str(d.to_string()), r.at.line, r.at.col)),
            (None, _) if after_unknown => {
                Some(Node::new(V::Symbolic(format!("the {attr} of {} (known only after apply)", r.address)), r.at.line, r.at.col))
            }
            (Some(expr), _) if after_unknown => Some(rebuild::document(self, &r.address, expr, r.at)),
            _ => None,
        }
    }

    fn identity(
        &self,
        file: &str,
        r: &Resource<'_>,
        attr: &str,
        resource: String,
        origin: IdentityOrigin,
        errors: &mut Vec<Diagnostic>,
    ) -> Option<Subject> {
        let path = format!("{}.{attr}", r.address);
        let Some(doc) = self.document(r, attr, None) else {
            errors.push(Diagnostic::at_line(file, &path, r.at.line, r.at.col, format!("{} has no {attr} in the plan", r.address)));
            return None;
        };
        let Document { policy, unresolved, assumed, .. } = document::policy_or_report(file, &path, &doc, errors)?;
        Some(Subject::Identity(IdentitySubject { file: file.to_string(), resource, policy, origin, unresolved, assumed }))
    }

    /// A role's `inline_policy` blocks.
    fn inline_policies(&self, file: &str, r: &Resource<'_>, errors: &mut Vec<Diagnostic>) -> Vec<Subject> {
        let holder = self.text(r, "name").unwrap_or_else(|| r.address.clone());
        // The role's ARN when its name is known at plan time; else (a `name_prefix`, a name
        // known only after apply) any identity holder: a generated ARN is not the role's.
        let named = r.values.get("name").and_then(Node::scalar_text).is_some_and(|n| !n.is_empty());
        let holder_arn = if named { self.attribute(r, "arn") } else { String::new() };
        let unknown = |what: String| Node::new(V::Symbolic(what), r.at.line, r.at.col);
        let blocks: Vec<Node> = match r.values.get("inline_policy").map(|b| &b.v) {
            Some(V::Seq(blocks)) => blocks.clone(),
            // A role the plan creates without `inline_policy` blocks in its configuration has
            // none: the provider marks the attribute unknown because it reads it back after
            // apply, and a new role has only the inline policies of `aws_iam_role_policy`
            // resources, which are subjects of their own.
            _ if self.creates(&r.address) && self.configured(&r.address, "inline_policy").is_none() && self.has_config(&r.address) => {
                return vec![]
            }
            // The blocks themselves are known only after apply.
            _ if self.unknown.get(&r.address).and_then(|u| u.get("inline_policy")).is_some_and(|u| u.v != V::Bool(false)) => {
                vec![Node::new(V::Map(vec![]), r.at.line, r.at.col)]
            }
            _ => return vec![],
        };
        let mut out = Vec::new();
        for (i, b) in blocks.iter().enumerate() {
            let doc = match b.get("policy").filter(|p| p.as_str().is_some_and(|s| !s.trim().is_empty())) {
                Some(d) => d.clone(),
                // A block without a known policy: an inline policy that exists, unknown.
                None => unknown(format!("the inline_policy {i} of {} (known only after apply)", r.address)),
            };
            let doc = &doc;
            let name = b.get("name").and_then(Node::scalar_text).unwrap_or_else(|| format!("inline_policy[{i}]"));
            let path = format!("{}.inline_policy[{i}].policy", r.address);
            if let Some(Document { policy, unresolved, assumed, .. }) = document::policy_or_report(file, &path, doc, errors) {
                out.push(Subject::Identity(IdentitySubject {
                    file: file.to_string(),
                    resource: format!("{holder}/{name}"),
                    policy,
                    origin: IdentityOrigin::Inline { holder: holder_arn.clone() },
                    unresolved,
                    assumed,
                }));
            }
        }
        out
    }

    fn key(&self, file: &str, r: &Resource<'_>, own: Option<&Resource<'_>>, errors: &mut Vec<Diagnostic>) -> Option<Subject> {
        let replica = r.ty == "aws_kms_replica_key";
        let arn = self.attribute(r, "arn");
        let key_id = arn.rsplit_once("key/").map(|(_, k)| k.to_string()).unwrap_or_else(|| placeholder::uuid(&r.address));
        let default = document::default_key_policy(&self.partition, &self.opts.account);
        let (source, attr) = match own {
            Some(kp) => (kp, "policy"),
            None => (r, "policy"),
        };
        let path = format!("{}.{attr}", source.address);
        let doc = match self.document(source, attr, if own.is_none() { Some(&default) } else { None }) {
            Some(d) => d,
            None => Node::new(
                V::Symbolic(format!(
                    "the policy of {} (known only after apply, and not an aws_iam_policy_document keyward can rebuild)",
                    source.address
                )),
                source.at.line,
                source.at.col,
            ),
        };
        let Document { policy, mut unresolved, assumed, .. } = document::policy_or_report(file, &path, &doc, errors)?;
        let flag = |attr: &str, default: bool, unresolved: &mut Vec<String>| match r.values.get(attr).map(|v| &v.v) {
            Some(V::Bool(b)) => *b,
            None | Some(V::Null) if self.unknown.get(&r.address).and_then(|u| u.get(attr)).is_some_and(|u| u.v == V::Bool(true)) => {
                unresolved.push(format!("{}.{attr} (known only after apply)", r.address));
                default
            }
            _ => default,
        };
        let rotation = (!replica).then(|| flag("enable_key_rotation", false, &mut unresolved));
        let enabled = flag(if replica { "enabled" } else { "is_enabled" }, true, &mut unresolved);
        let spec = (!replica).then(|| {
            self.text(r, "customer_master_key_spec")
                .or_else(|| self.text(r, "key_spec"))
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "SYMMETRIC_DEFAULT".into())
        });
        let metadata = KeyMetadata {
            key_id,
            arn: arn.clone(),
            aws_account_id: self.opts.account.clone(),
            key_state: if enabled { "Enabled" } else { "Disabled" }.into(),
            key_manager: "CUSTOMER".into(),
            key_spec: spec,
            customer_master_key_spec: None,
            origin: if r.ty == "aws_kms_external_key" { "EXTERNAL" } else { "AWS_KMS" }.into(),
            deletion_date: None,
            description: self.text(r, "description"),
            multi_region_configuration: replica.then(|| MultiRegionConfiguration { multi_region_key_type: "REPLICA".into() }),
        };
        let (grants, unknown_grants) = grants::of_key(self, file, r, errors);
        unresolved.extend(unknown_grants);
        let owner =
            crate::model::value::Arn::parse(&arn).map(|a| a.account).filter(|a| !a.is_empty()).unwrap_or_else(|| self.opts.account.clone());
        Some(Subject::Key(KeySubject {
            file: file.to_string(),
            key_arn: arn,
            owner,
            policy: Some(policy),
            grants,
            metadata: Some(metadata),
            rotation,
            aliases: self.aliases(r),
            principals: None,
            scps: vec![],
            unresolved,
            assumed,
        }))
    }

    /// Does `attr` of `r` reference the resource `target` and no other? (An alias's
    /// `target_key_id` names one key; which attribute of it does not matter.)
    fn references_only(&self, r: &Resource<'_>, attr: &str, target: &Resource<'_>) -> bool {
        let prefix = module_prefix(&r.address);
        let refs = self
            .config
            .get(&config_address(&r.address))
            .and_then(|c| c.get("expressions"))
            .and_then(|e| e.get(attr))
            .and_then(|x| x.get("references"));
        let Some(V::Seq(items)) = refs.map(|x| &x.v) else { return false };
        let target = config_address(&target.address);
        let resources: std::collections::BTreeSet<String> = items
            .iter()
            .filter_map(Node::as_str)
            .map(|x| {
                let parts: Vec<&str> = x.split('.').collect();
                let n = if parts.first() == Some(&"data") { 3 } else { 2 };
                format!("{prefix}{}", parts.iter().take(n).copied().collect::<Vec<_>>().join("."))
            })
            .collect();
        resources.len() == 1 && resources.contains(&target)
    }

    /// Is the managed policy `policy` (of ARN `arn`) some role's or user's permissions boundary
    /// in the plan: its ARN as their `permissions_boundary`, or the configuration's reference
    /// to it? (KMS.1's `exclude_permission_boundaries`.)
    fn is_boundary(&self, policy: &Resource<'_>, arn: &str) -> bool {
        self.planned.values().filter(|r| matches!(r.ty.as_str(), "aws_iam_role" | "aws_iam_user")).any(|r| {
            r.values.get("permissions_boundary").and_then(Node::scalar_text).is_some_and(|b| b == arn)
                || self.references_only(r, "permissions_boundary", policy)
        })
    }

    /// The `aws_kms_alias` names whose target is the key `r`.
    fn aliases(&self, key: &Resource<'_>) -> Vec<String> {
        let ids: Vec<String> = ["key_id", "arn", "id"].iter().filter_map(|a| key.values.get(a).and_then(Node::scalar_text)).collect();
        self.planned
            .values()
            .filter(|a| a.ty == "aws_kms_alias")
            .filter(|a| {
                a.values.get("target_key_id").and_then(Node::scalar_text).is_some_and(|t| ids.contains(&t))
                    || self.references_only(a, "target_key_id", key)
            })
            .filter_map(|a| a.values.get("name").and_then(Node::scalar_text))
            .collect()
    }
}
