//! Account snapshots, as `scripts/collect-snapshot.sh` writes them with AWS's own CLI:
//!
//! ```text
//! SNAPSHOT/snapshot.json                                   manifest (optional)
//! SNAPSHOT/iam/get-account-authorization-details.json     users, groups, roles, policies
//! SNAPSHOT/kms/REGION/list-aliases.json
//! SNAPSHOT/kms/REGION/keys/KEY-ID/describe-key.json
//! SNAPSHOT/kms/REGION/keys/KEY-ID/get-key-policy.json     {"Policy": "<JSON text>", …}
//! SNAPSHOT/kms/REGION/keys/KEY-ID/get-key-rotation-status.json
//! SNAPSHOT/kms/REGION/keys/KEY-ID/list-grants.json
//! SNAPSHOT/scps/*.json                                     SCP documents (optional, by hand)
//! ```
//!
//! Identity subjects are the customer managed policies (default version; KMS.1) and the inline
//! policies of users, groups and roles (KMS.2). Key subjects carry the key policy, grants,
//! metadata, rotation status and the account's IAM principals with their identity policies
//! (attached managed, inline, group) and permissions boundary, so that key-policy delegation is
//! resolved to the principals whose IAM policies also allow. Policy documents embedded in the
//! authorization details keep their positions in that file.

use super::grants;
use crate::controls::subject::{AccountPrincipal, IdentityOrigin, IdentitySubject, KeyMetadata, KeySubject, Subject};
use crate::model::principal::Principal;
use crate::model::Policy;
use crate::policy::json::{prop_name, with_json, JsonValue};
use crate::policy::read::read_policy;
use crate::policy::{parse_policy, Diagnostic, Diagnostics, Source};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub const AUTH_DETAILS: &str = "iam/get-account-authorization-details.json";

pub fn is_snapshot(dir: &Path) -> bool {
    dir.join("snapshot.json").is_file() || dir.join(AUTH_DETAILS).is_file()
}

fn get<'a>(v: &'a JsonValue<'a>, key: &str) -> Option<&'a JsonValue<'a>> {
    match v {
        JsonValue::Object(o) => o.properties.iter().find(|p| prop_name(&p.name) == key).map(|p| &p.value),
        _ => None,
    }
}

fn items<'a>(v: Option<&'a JsonValue<'a>>) -> &'a [JsonValue<'a>] {
    match v {
        Some(JsonValue::Array(a)) => &a.elements,
        _ => &[],
    }
}

fn string(v: Option<&JsonValue<'_>>) -> String {
    match v {
        Some(JsonValue::StringLit(s)) => s.value.to_string(),
        Some(JsonValue::BooleanLit(b)) => b.value.to_string(),
        _ => String::new(),
    }
}

/// A policy document of the authorization details: a JSON object (what the CLI prints) or a
/// URL-encoded JSON string (what the API returns).
fn document(file: &str, text: &str, v: Option<&JsonValue<'_>>, path: &str) -> Result<Policy, Diagnostics> {
    match v {
        Some(obj @ JsonValue::Object(_)) => read_policy(Source::embedded(file, text, path), obj),
        Some(JsonValue::StringLit(s)) => {
            let decoded = percent_decode(&s.value);
            parse_policy(Source::embedded(file, decoded, path))
        }
        _ => Err(Diagnostic::file(file, format!("{path}: missing policy document")).into()),
    }
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && s.is_char_boundary(i + 1) && s.is_char_boundary(i + 3) {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Iam {
    /// Managed policies by ARN (default version).
    managed: HashMap<String, Policy>,
    subjects: Vec<Subject>,
    principals: Vec<AccountPrincipal>,
}

fn read_iam(dir: &Path, errors: &mut Vec<Diagnostic>) -> Option<Iam> {
    let path = dir.join(AUTH_DETAILS);
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(Diagnostic::file(&file, format!("cannot read the file: {e}")));
            return None;
        }
    };
    let src = Source::new(file.clone(), text.clone());
    let mut local_errors = Vec::new();
    let r = with_json(&src, |root| {
        let mut iam = Iam { managed: HashMap::new(), subjects: Vec::new(), principals: Vec::new() };
        let doc = |v: Option<&JsonValue<'_>>, p: String, errs: &mut Vec<Diagnostic>| match document(&file, &text, v, &p) {
            Ok(pol) => Some(pol),
            Err(e) => {
                errs.extend(e.0);
                None
            }
        };
        // Managed policies: the default version.
        let mut boundary_arns = std::collections::HashSet::new();
        for (kind, list) in [("UserDetailList", get(root, "UserDetailList")), ("RoleDetailList", get(root, "RoleDetailList"))] {
            let _ = kind;
            for e in items(list) {
                if let Some(b) = get(e, "PermissionsBoundary") {
                    boundary_arns.insert(string(get(b, "PermissionsBoundaryArn")));
                }
            }
        }
        for (i, pol) in items(get(root, "Policies")).iter().enumerate() {
            let arn = string(get(pol, "Arn"));
            let default = string(get(pol, "DefaultVersionId"));
            let versions = items(get(pol, "PolicyVersionList"));
            let pick = versions.iter().enumerate().find(|(_, v)| {
                matches!(get(v, "IsDefaultVersion"), Some(JsonValue::BooleanLit(b)) if b.value)
                    || (!default.is_empty() && string(get(v, "VersionId")) == default)
            });
            let Some((j, v)) = pick else {
                local_errors.push(Diagnostic::file(&file, format!("Policies[{i}] ({arn}): no default version in PolicyVersionList")));
                continue;
            };
            let Some(p) = doc(get(v, "Document"), format!("Policies[{i}].PolicyVersionList[{j}].Document"), &mut local_errors) else {
                continue;
            };
            // KMS.1 covers customer managed policies; AWS managed ones are only used to resolve
            // what principals may do.
            if !arn.starts_with("arn:aws:iam::aws:") && !arn.contains(":iam::aws:policy/") {
                iam.subjects.push(Subject::Identity(IdentitySubject {
                    file: file.clone(),
                    resource: arn.clone(),
                    policy: p.clone(),
                    origin: IdentityOrigin::Managed { boundary: boundary_arns.contains(&arn) },
                    unresolved: vec![],
                    assumed: None,
                }));
            }
            iam.managed.insert(arn, p);
        }
        let attached = |e: &JsonValue<'_>, iam: &Iam, errs: &mut Vec<Diagnostic>, what: &str| -> Vec<Policy> {
            let mut out = Vec::new();
            for a in items(get(e, "AttachedManagedPolicies")) {
                let arn = string(get(a, "PolicyArn"));
                match iam.managed.get(&arn) {
                    Some(p) => out.push(p.clone()),
                    None => errs.push(Diagnostic::file(
                        &file,
                        format!("{what}: attached policy {arn} is not in Policies (collect with every filter)"),
                    )),
                }
            }
            out
        };
        // Groups: inline and attached policies, given to their members.
        let mut groups: BTreeMap<String, Vec<Policy>> = BTreeMap::new();
        for (i, g) in items(get(root, "GroupDetailList")).iter().enumerate() {
            let name = string(get(g, "GroupName"));
            let mut pols = attached(g, &iam, &mut local_errors, &format!("GroupDetailList[{i}] ({name})"));
            for (j, ip) in items(get(g, "GroupPolicyList")).iter().enumerate() {
                let pname = string(get(ip, "PolicyName"));
                if let Some(p) =
                    doc(get(ip, "PolicyDocument"), format!("GroupDetailList[{i}].GroupPolicyList[{j}].PolicyDocument"), &mut local_errors)
                {
                    iam.subjects.push(Subject::Identity(IdentitySubject {
                        file: file.clone(),
                        resource: format!("{}/{pname}", string(get(g, "Arn"))),
                        policy: p.clone(),
                        origin: IdentityOrigin::Inline { holder: string(get(g, "Arn")) },
                        unresolved: vec![],
                        assumed: None,
                    }));
                    pols.push(p);
                }
            }
            groups.insert(name, pols);
        }
        for (list, inline_key) in [("UserDetailList", "UserPolicyList"), ("RoleDetailList", "RolePolicyList")] {
            for (i, e) in items(get(root, list)).iter().enumerate() {
                let arn = string(get(e, "Arn"));
                let mut pols = attached(e, &iam, &mut local_errors, &format!("{list}[{i}] ({arn})"));
                for (j, ip) in items(get(e, inline_key)).iter().enumerate() {
                    let pname = string(get(ip, "PolicyName"));
                    if let Some(p) =
                        doc(get(ip, "PolicyDocument"), format!("{list}[{i}].{inline_key}[{j}].PolicyDocument"), &mut local_errors)
                    {
                        iam.subjects.push(Subject::Identity(IdentitySubject {
                            file: file.clone(),
                            resource: format!("{arn}/{pname}"),
                            policy: p.clone(),
                            origin: IdentityOrigin::Inline { holder: arn.clone() },
                            unresolved: vec![],
                            assumed: None,
                        }));
                        pols.push(p);
                    }
                }
                for g in items(get(e, "GroupList")) {
                    if let Some(gp) = groups.get(&string(Some(g))) {
                        pols.extend(gp.iter().cloned());
                    }
                }
                let boundary = get(e, "PermissionsBoundary").map(|b| string(get(b, "PermissionsBoundaryArn"))).and_then(|b| {
                    let p = iam.managed.get(&b).cloned();
                    if p.is_none() {
                        local_errors.push(Diagnostic::file(&file, format!("{list}[{i}] ({arn}): boundary {b} is not in Policies")));
                    }
                    p
                });
                match Principal::parse(&arn) {
                    Ok(principal) => iam.principals.push(AccountPrincipal { principal, identity: pols, boundary }),
                    Err(m) => local_errors.push(Diagnostic::file(&file, format!("{list}[{i}].Arn: {m}"))),
                }
            }
        }
        Ok(iam)
    });
    errors.extend(local_errors);
    match r {
        Ok(iam) => Some(iam),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    }
}

fn read_json(path: &Path, errors: &mut Vec<Diagnostic>) -> Option<serde_json::Value> {
    let file = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            errors.push(Diagnostic::file(&file, format!("cannot read the file: {e}")));
            return None;
        }
    };
    match serde_json::from_str(&text) {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(Diagnostic {
                file,
                path: String::new(),
                line: e.line(),
                column: e.column(),
                message: format!("invalid JSON: {e}"),
            });
            None
        }
    }
}

fn sorted_dirs(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir).map(|r| r.flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect()).unwrap_or_default();
    v.sort();
    v
}

/// Load a snapshot folder into subjects.
pub fn load(dir: &Path, errors: &mut Vec<Diagnostic>) -> Vec<Subject> {
    let mut out = Vec::new();
    let iam = if dir.join(AUTH_DETAILS).is_file() { read_iam(dir, errors) } else { None };
    let mut scps = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir.join("scps")) {
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
        files.sort();
        for f in files {
            match crate::policy::load_policy(&f) {
                Ok(p) => scps.push(p),
                Err(e) => errors.extend(e.0),
            }
        }
    }
    let principals = iam.as_ref().map(|i| i.principals.clone());
    if let Some(iam) = iam {
        out.extend(iam.subjects);
    }
    for region in sorted_dirs(&dir.join("kms")) {
        let mut aliases: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let alias_file = region.join("list-aliases.json");
        if alias_file.is_file() {
            if let Some(v) = read_json(&alias_file, errors) {
                for a in v.get("Aliases").and_then(|x| x.as_array()).into_iter().flatten() {
                    if let (Some(name), Some(target)) =
                        (a.get("AliasName").and_then(|x| x.as_str()), a.get("TargetKeyId").and_then(|x| x.as_str()))
                    {
                        aliases.entry(target.to_string()).or_default().push(name.to_string());
                    }
                }
            }
        }
        for kdir in sorted_dirs(&region.join("keys")) {
            let describe = kdir.join("describe-key.json");
            let Some(meta) = read_json(&describe, errors) else { continue };
            let md: KeyMetadata = match meta.get("KeyMetadata").cloned().map(serde_json::from_value) {
                Some(Ok(m)) => m,
                _ => {
                    errors.push(Diagnostic::file(&describe.display().to_string(), "not describe-key output (no KeyMetadata)"));
                    continue;
                }
            };
            let policy_file = kdir.join("get-key-policy.json");
            let policy = if policy_file.is_file() {
                read_json(&policy_file, errors).and_then(|v| match v.get("Policy").and_then(|p| p.as_str()) {
                    Some(text) => match parse_policy(Source::embedded(policy_file.display().to_string(), text.to_string(), "Policy")) {
                        Ok(p) => Some(p),
                        Err(e) => {
                            errors.extend(e.0);
                            None
                        }
                    },
                    None => {
                        errors.push(Diagnostic::file(&policy_file.display().to_string(), "not get-key-policy output (no Policy string)"));
                        None
                    }
                })
            } else {
                None
            };
            let rotation_file = kdir.join("get-key-rotation-status.json");
            let rotation = if rotation_file.is_file() {
                read_json(&rotation_file, errors).and_then(|v| v.get("KeyRotationEnabled").and_then(|b| b.as_bool()))
            } else {
                None
            };
            let grants_file = kdir.join("list-grants.json");
            let mut unresolved = Vec::new();
            let grants = if grants_file.is_file() {
                let name = grants_file.display().to_string();
                read_json(&grants_file, errors).and_then(|v| match grants::parse_grants(&name, &v) {
                    Ok(g) => match grants::grants_policy(&name, &g) {
                        Ok(p) => {
                            // SOUNDNESS: a grant to an account is not modelled: its key is unknown.
                            unresolved = g.iter().filter_map(grants::account_grantee).collect();
                            p
                        }
                        Err(e) => {
                            errors.extend(e.0);
                            None
                        }
                    },
                    Err(d) => {
                        errors.push(d);
                        None
                    }
                })
            } else {
                None
            };
            let owner = if md.aws_account_id.is_empty() {
                crate::model::value::ArnParts::split(&md.arn).map(|a| a.account.to_string()).unwrap_or_default()
            } else {
                md.aws_account_id.clone()
            };
            let key_aliases = aliases.get(&md.key_id).cloned().unwrap_or_default();
            out.push(Subject::Key(KeySubject {
                file: policy_file.display().to_string(),
                key_arn: md.arn.clone(),
                owner,
                policy,
                grants,
                metadata: Some(md),
                rotation,
                aliases: key_aliases,
                principals: principals.clone(),
                scps: scps.clone(),
                unresolved,
                assumed: None,
            }));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%7B%22a%22%3A1%7D"), "{\"a\":1}");
        assert_eq!(percent_decode("100%"), "100%");
    }
}
