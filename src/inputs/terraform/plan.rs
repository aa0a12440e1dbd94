//! A Terraform plan's parts, indexed by address: `planned_values` and `prior_state` resources
//! (child modules included), `resource_changes`' `after_unknown`, `configuration` resources
//! (by module path, without instance keys).

use crate::inputs::template::node::{Node, V};
use crate::inputs::template::{resolve, TemplateOptions};
use std::collections::BTreeMap;

/// A resource of `planned_values` (or `prior_state`), by address.
pub struct Resource<'a> {
    pub address: String,
    pub ty: String,
    pub values: &'a Node,
    pub at: &'a Node,
}

/// The plan's parts a policy is rebuilt from.
pub struct Plan<'a> {
    pub opts: &'a TemplateOptions,
    pub partition: String,
    pub planned: BTreeMap<String, Resource<'a>>,
    prior: BTreeMap<String, Resource<'a>>,
    pub unknown: BTreeMap<String, &'a Node>,
    /// `resource_changes`' `change.actions` (`["create"]`, `["update"]`, …), by address.
    pub actions: BTreeMap<String, Vec<String>>,
    /// `configuration` resources by address (with the module prefix, without instance keys).
    pub config: BTreeMap<String, &'a Node>,
}

fn resources<'a>(module: Option<&'a Node>, out: &mut BTreeMap<String, Resource<'a>>) {
    let Some(m) = module else { return };
    if let Some(V::Seq(rs)) = m.get("resources").map(|r| &r.v) {
        for r in rs {
            let (Some(address), Some(ty)) = (r.get("address").and_then(Node::as_str), r.get("type").and_then(Node::as_str)) else {
                continue;
            };
            if let Some(values) = r.get("values") {
                out.insert(address.to_string(), Resource { address: address.to_string(), ty: ty.to_string(), values, at: r });
            }
        }
    }
    if let Some(V::Seq(children)) = m.get("child_modules").map(|c| &c.v) {
        for c in children {
            resources(Some(c), out);
        }
    }
}

fn config_resources<'a>(module: Option<&'a Node>, prefix: &str, out: &mut BTreeMap<String, &'a Node>) {
    let Some(m) = module else { return };
    if let Some(V::Seq(rs)) = m.get("resources").map(|r| &r.v) {
        for r in rs {
            if let Some(a) = r.get("address").and_then(Node::as_str) {
                out.insert(format!("{prefix}{a}"), r);
            }
        }
    }
    if let Some(V::Map(calls)) = m.get("module_calls").map(|c| &c.v) {
        for (k, call) in calls {
            config_resources(call.get("module"), &format!("{prefix}module.{}.", k.name), out);
        }
    }
}

/// An address without its instance keys (`module.a["x"].aws_iam_role.r[0]` →
/// `module.a.aws_iam_role.r`), as `configuration` names it.
pub fn config_address(address: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// The module prefix of an address (`module.a.` of `module.a.aws_kms_key.k`).
pub fn module_prefix(address: &str) -> String {
    let a = config_address(address);
    let parts: Vec<&str> = a.split('.').collect();
    let mut out = String::new();
    let mut i = 0;
    while i + 1 < parts.len() && parts[i] == "module" {
        out.push_str(&format!("module.{}.", parts[i + 1]));
        i += 2;
    }
    out
}

impl<'a> Plan<'a> {
    pub fn new(root: &'a Node, opts: &'a TemplateOptions) -> Plan<'a> {
        let mut planned = BTreeMap::new();
        resources(root.get("planned_values").and_then(|p| p.get("root_module")), &mut planned);
        let mut prior = BTreeMap::new();
        resources(root.get("prior_state").and_then(|p| p.get("values")).and_then(|v| v.get("root_module")), &mut prior);
        let mut unknown = BTreeMap::new();
        let mut actions = BTreeMap::new();
        if let Some(V::Seq(changes)) = root.get("resource_changes").map(|c| &c.v) {
            for c in changes {
                let Some(a) = c.get("address").and_then(Node::as_str) else { continue };
                if let Some(u) = c.get("change").and_then(|c| c.get("after_unknown")) {
                    unknown.insert(a.to_string(), u);
                }
                if let Some(V::Seq(xs)) = c.get("change").and_then(|c| c.get("actions")).map(|x| &x.v) {
                    actions.insert(a.to_string(), xs.iter().filter_map(Node::as_str).map(str::to_string).collect());
                }
            }
        }
        let mut config = BTreeMap::new();
        config_resources(root.get("configuration").and_then(|c| c.get("root_module")), "", &mut config);
        Plan { opts, partition: resolve::partition_of(&opts.region).to_string(), planned, prior, unknown, actions, config }
    }

    pub fn prior_resource(&self, address: &str) -> Option<&'a Node> {
        self.prior.iter().find(|(a, _)| config_address(a) == address).map(|(_, r)| r.values)
    }

    /// Does the plan create `address` (a resource that does not exist before apply)?
    pub fn creates(&self, address: &str) -> bool {
        self.actions.get(address).is_some_and(|a| a.iter().any(|x| x == "create") && !a.iter().any(|x| x == "delete"))
    }

    pub fn config_resource(&self, address: &str) -> Option<&'a Node> {
        self.config.get(address).copied()
    }
}
