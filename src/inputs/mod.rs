//! What `keyward check` and `keyward corpus` look at: *subjects* — an identity policy or a key
//! (its key policy, grants, metadata and, from an account snapshot, the IAM principals of its
//! account with their policies). Subjects come from single policy files (kind from `--kind` or
//! detected from `Principal`), folders of policy files, account snapshots (`snapshot.rs`) and
//! CloudFormation templates (`template/`) and Terraform plans (`terraform/`).
//! Problems are collected as diagnostics so one bad input never hides the others.

pub mod grants;
pub mod limits;
pub mod snapshot;
pub mod template;
pub mod terraform;

use crate::controls::subject::{IdentityOrigin, IdentitySubject, KeySubject, Subject};
use crate::model::value::Arn;
use crate::model::{Policy, PolicySet};
use crate::policy::{load_policy, parse_policy, Diagnostic, Source};
use std::path::{Path, PathBuf};

/// How a policy file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Kind {
    Identity,
    Key,
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub kind: Option<Kind>,
    pub key_arn: Option<String>,
    pub account: String,
    /// How CloudFormation templates are resolved (their account is `account`).
    pub template: template::TemplateOptions,
    /// A file given by name that is neither a policy, a template nor a plan is skipped (listed
    /// in `skipped`), not an error: pre-commit passes every changed file.
    pub skip_unrecognised: bool,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            kind: None,
            key_arn: None,
            account: "111122223333".into(),
            template: template::TemplateOptions::default(),
            skip_unrecognised: false,
        }
    }
}

/// The key id of the placeholder key a key policy given without `--key-arn` protects (`check`,
/// `diff`): a well-formed key id that no real key has.
pub const PLACEHOLDER_KEY_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The placeholder key of `account` for key policies given without `--key-arn`.
pub fn placeholder_key(account: &str) -> String {
    format!("arn:aws:kms:us-east-1:{account}:key/{PLACEHOLDER_KEY_ID}")
}

/// Load every subject below `paths`. Folders are searched for `*.json` policy files (JSON files
/// that are not policy documents — no top-level `Statement` — are skipped and listed in
/// `skipped`); a folder holding `snapshot.json` or `iam/get-account-authorization-details.json`
/// is an account snapshot.
pub fn load(paths: &[PathBuf], opts: &LoadOptions, errors: &mut Vec<Diagnostic>, skipped: &mut Vec<String>) -> Vec<Subject> {
    let mut out = Vec::new();
    // Templates and plans deploy to the account of the policy files.
    let deployment = template::TemplateOptions { account: opts.account.clone(), ..opts.template.clone() };
    for p in paths {
        if p.is_dir() {
            if snapshot::is_snapshot(p) {
                out.extend(snapshot::load(p, errors));
            } else {
                for f in policy_files(p, errors, skipped) {
                    out.extend(load_file(&f, opts, errors));
                }
            }
        } else if p.exists() {
            let name = p.display().to_string();
            match std::fs::read_to_string(p) {
                Ok(text) if opts.skip_unrecognised && !recognised(p, &text) => skipped.push(name),
                Ok(text) if template::is_template(p, &text) => out.extend(template::load(&name, &text, &deployment, errors)),
                Ok(text) if terraform::is_plan(&text) => out.extend(terraform::load(&name, &text, &deployment, errors)),
                // A policy file, from the text already read.
                Ok(text) => match parse_policy(Source::new(name.clone(), text)) {
                    Ok(policy) => out.push(subject_of(policy, name, opts)),
                    Err(e) => errors.extend(e.0),
                },
                Err(_) => out.extend(load_file(p, opts, errors)),
            }
        } else {
            errors.push(Diagnostic::file(&p.display().to_string(), "no such file or folder"));
        }
    }
    out
}

/// Is `text` a policy document, a template or a plan? (A YAML file is a template when it has
/// `Resources` or `AWSTemplateFormatVersion`.)
fn recognised(path: &Path, text: &str) -> bool {
    let yaml_template =
        || template::node::parse(text).is_ok_and(|root| root.get("Resources").is_some() || root.get("AWSTemplateFormatVersion").is_some());
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(o)) => o.contains_key("Statement") || template::is_template(path, text) || terraform::is_plan(text),
        Ok(_) => false,
        Err(_) => template::is_template(path, text) && yaml_template(),
    }
}

/// The policy files below the folder `dir`, sorted: `*.json` files with a top-level `Statement`
/// (the others are listed in `skipped`), not looking inside account snapshots. `load` reads
/// them; `keyward corpus` lists them first so it can shard and parallelise per file.
pub fn policy_files(dir: &Path, errors: &mut Vec<Diagnostic>, skipped: &mut Vec<String>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    collect_json(dir, &mut files, errors);
    files.sort();
    files
        .into_iter()
        .filter(|f| {
            let keep = is_policy_document(f);
            if !keep {
                skipped.push(f.display().to_string());
            }
            keep
        })
        .collect()
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>, errors: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            errors.push(Diagnostic::file(&dir.display().to_string(), format!("cannot read the folder: {e}")));
            return;
        }
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            if snapshot::is_snapshot(&path) {
                // A snapshot inside a folder of policies is not a set of policy files.
                continue;
            }
            collect_json(&path, out, errors);
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

/// A cheap test: does the file parse as JSON with a top-level `Statement`? Files that do not
/// parse at all are treated as policies, so their error is reported.
fn is_policy_document(path: &Path) -> bool {
    let Ok(text) = std::fs::read_to_string(path) else { return true };
    match serde_json::from_str::<serde_json::Value>(&text) {
        Ok(serde_json::Value::Object(o)) => o.contains_key("Statement"),
        Ok(_) => false,
        Err(_) => true,
    }
}

/// One policy file as a subject.
pub fn load_file(path: &Path, opts: &LoadOptions, errors: &mut Vec<Diagnostic>) -> Option<Subject> {
    let policy = match load_policy(path) {
        Ok(p) => p,
        Err(e) => {
            errors.extend(e.0);
            return None;
        }
    };
    Some(subject_of(policy, path.display().to_string(), opts))
}

/// A parsed policy as a subject of the given (or detected) kind.
pub fn subject_of(policy: Policy, file: String, opts: &LoadOptions) -> Subject {
    let kind = opts.kind.unwrap_or(if policy.has_principals() { Kind::Key } else { Kind::Identity });
    match kind {
        Kind::Identity => Subject::Identity(IdentitySubject {
            resource: file.clone(),
            file,
            policy,
            origin: IdentityOrigin::File,
            unresolved: vec![],
            assumed: None,
        }),
        Kind::Key => {
            let key_arn = opts.key_arn.clone().unwrap_or_else(|| placeholder_key(&opts.account));
            let owner = Arn::parse(&key_arn).map(|a| a.account).filter(|a| !a.is_empty()).unwrap_or_else(|| opts.account.clone());
            Subject::Key(KeySubject {
                file,
                key_arn,
                owner,
                policy: Some(policy),
                grants: None,
                metadata: None,
                rotation: None,
                aliases: vec![],
                principals: None,
                scps: vec![],
                unresolved: vec![],
                assumed: None,
            })
        }
    }
}

/// Policies given as positional arguments, sorted by kind. At most one key policy.
pub fn policy_set(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> PolicySet {
    let mut set = PolicySet::default();
    for p in paths {
        match load_policy(p) {
            Ok(pol) if pol.has_principals() => {
                if set.key_policy.is_some() {
                    errors.push(Diagnostic::file(
                        &p.display().to_string(),
                        "a second key policy (a policy with Principal elements); give one key policy at a time",
                    ));
                } else {
                    set.key_policy = Some(pol);
                }
            }
            Ok(pol) => set.identity.push(pol),
            Err(e) => errors.extend(e.0),
        }
    }
    set
}

/// Load optional extra policies (boundaries, SCPs).
pub fn load_all(paths: &[PathBuf], errors: &mut Vec<Diagnostic>) -> Vec<Policy> {
    paths
        .iter()
        .filter_map(|p| match load_policy(p) {
            Ok(pol) => Some(pol),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        })
        .collect()
}
