//! The semantics-case format of `corpus/cases/`: one JSON file holds a policy set and requests
//! with the decision AWS makes for each:
//!
//! ```json
//! {"description": "…",
//!  "policies": {"identity": [POLICY…], "key_policy": POLICY, "boundary": [POLICY…],
//!               "scps": [POLICY…], "session": [POLICY…]},
//!  "requests": [{"name": "…", "request": REQUEST, "expect": "Allowed", "note": "…",
//!                "oracle": "agrees" | "differs: why the oracle is wrong here"}]}
//! ```
//! Policies are embedded so a case reads on one screen; diagnostics point into the case file.

use keyward::model::source::{path_index, path_member};
use keyward::model::Request;
use keyward::model::{Decision, PolicySet};
use keyward::policy::json::{prop_name, with_json, JsonValue};
use keyward::policy::read::read_policy;
use keyward::policy::request_file::read_request;
use keyward::policy::{Diagnostics, Source};
use std::path::Path;

pub struct CaseRequest {
    pub name: String,
    pub request: Request,
    pub expect: Decision,
    pub oracle: String,
    /// Why a request AWS never sends (the facts check says it is impossible) is kept.
    pub impossible: Option<String>,
}

pub struct CaseFile {
    pub path: String,
    pub description: String,
    pub set: PolicySet,
    pub requests: Vec<CaseRequest>,
}

fn field<'a>(v: &'a JsonValue<'a>, name: &str) -> Option<&'a JsonValue<'a>> {
    match v {
        JsonValue::Object(o) => o.properties.iter().find(|p| prop_name(&p.name) == name).map(|p| &p.value),
        _ => None,
    }
}

fn string(v: Option<&JsonValue<'_>>) -> String {
    match v {
        Some(JsonValue::StringLit(s)) => s.value.to_string(),
        _ => String::new(),
    }
}

pub fn load_case(path: &Path) -> Result<CaseFile, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: {e}"))?;
    let source = Source::new(name.clone(), text.clone());
    let result = with_json(&source, |root| {
        let mut set = PolicySet::default();
        let mut errors = Vec::new();
        let policies = field(root, "policies");
        let mut read = |v: &JsonValue<'_>, p: &str| match read_policy(Source::embedded(name.clone(), text.clone(), p), v) {
            Ok(pol) => Some(pol),
            Err(e) => {
                errors.extend(e.0);
                None
            }
        };
        let list = |key: &str| -> Vec<(String, &JsonValue<'_>)> {
            let base = path_member("policies", key);
            match policies.and_then(|p| field(p, key)) {
                Some(JsonValue::Array(a)) => a.elements.iter().enumerate().map(|(i, e)| (path_index(&base, i), e)).collect(),
                Some(other) => vec![(base, other)],
                None => vec![],
            }
        };
        for (p, v) in list("identity") {
            set.identity.extend(read(v, &p));
        }
        for (p, v) in list("key_policy") {
            set.key_policy = read(v, &p);
        }
        for (p, v) in list("boundary") {
            set.boundaries.extend(read(v, &p));
        }
        for (p, v) in list("scps") {
            set.scps.extend(read(v, &p));
        }
        for (p, v) in list("session") {
            set.session.extend(read(v, &p));
        }
        let mut requests = Vec::new();
        if let Some(JsonValue::Array(a)) = field(root, "requests") {
            for (i, r) in a.elements.iter().enumerate() {
                let rpath = path_index("requests", i);
                let req = match field(r, "request") {
                    Some(v) => match read_request(&source, v, &path_member(&rpath, "request")) {
                        Ok(req) => req,
                        Err(e) => {
                            errors.extend(e.0);
                            continue;
                        }
                    },
                    None => continue,
                };
                let expect = match string(field(r, "expect")).as_str() {
                    "Allowed" => Decision::Allowed,
                    "ExplicitlyDenied" => Decision::ExplicitlyDenied,
                    "ImplicitlyDenied" => Decision::ImplicitlyDenied,
                    other => {
                        errors.push(keyward::policy::Diagnostic::file(&name, format!("{rpath}.expect: unknown decision {other:?}")));
                        continue;
                    }
                };
                let impossible = field(r, "impossible").map(|v| string(Some(v)));
                requests.push(CaseRequest {
                    name: string(field(r, "name")),
                    request: req,
                    expect,
                    oracle: string(field(r, "oracle")),
                    impossible,
                });
            }
        }
        if !errors.is_empty() {
            return Err(Diagnostics(errors));
        }
        Ok(CaseFile { path: name.clone(), description: string(field(root, "description")), set, requests })
    });
    result.map_err(|e| e.to_string())
}

/// Every case file below `corpus/cases`.
pub fn all_cases() -> Vec<CaseFile> {
    let dir = super::project_dir().join("corpus").join("cases");
    super::json_files(&dir).iter().map(|p| load_case(p).unwrap_or_else(|e| panic!("{e}"))).collect()
}
