//! `keyward prove` results: the property's verdict with its evidence — the counterexample of a
//! forbidden property, the witness request of each action of a required one, or the action a
//! required property never allows (a proof: no request exists to show) — and the statements
//! that decide the requests shown.

use super::SCHEMA_VERSION;
use crate::controls::Explanation;
use crate::eval::explain::{responsible, StatementRef};
use crate::model::request::Request;
use crate::model::PolicySet;
use crate::properties::property_file::{Proof, PropertyFile, PropertyKind};
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct ProveJson<'a> {
    pub schema_version: u32,
    pub property: &'a str,
    /// `forbidden` or `required`.
    pub kind: &'static str,
    /// `holds`, `violated`, `unknown` or `error`.
    pub verdict: &'static str,
    pub message: String,
    /// A forbidden property's violating request.
    pub counterexample: Vec<Value>,
    /// A required property that holds: one allowed request per action.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Value>,
    /// A required property that is violated: the action no matching request may perform.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub never_allowed: Option<&'a str>,
    /// The statements that decide the requests shown.
    pub statements: Vec<StatementRef>,
    /// Why a forbidden property holds, or why a required property's action is never allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<super::why::WhyJson<'a>>,
}

fn kind_name(k: PropertyKind) -> &'static str {
    match k {
        PropertyKind::Forbidden => "forbidden",
        PropertyKind::Required => "required",
    }
}

/// The message of a proof.
fn message(prop: &PropertyFile, proof: &Proof) -> String {
    match proof {
        Proof::Holds { .. } if prop.kind == PropertyKind::Required => "every listed action is allowed for some matching request".into(),
        Proof::Holds { .. } => String::new(),
        Proof::Allowed(_) => "a request the property forbids is allowed".into(),
        Proof::NeverAllowed { action, .. } => format!("{action} is never allowed for a matching request"),
        Proof::Unknown { action: Some(a), reason } => format!("unknown: {a}: {reason}"),
        Proof::Unknown { action: None, reason } => format!("unknown: {reason}"),
        Proof::Error { action: Some(a), error } => format!("internal error (please report): {a}: {error}"),
        Proof::Error { action: None, error } => format!("internal error (please report): {error}"),
    }
}

/// (counterexample, witnesses) of a proof.
fn requests(proof: &Proof) -> (&[Request], &[Request]) {
    match proof {
        Proof::Allowed(cx) => (&cx.requests, &[]),
        Proof::Holds { witnesses, .. } => (&[], witnesses),
        _ => (&[], &[]),
    }
}

fn statements(set: &PolicySet, proof: &Proof) -> Vec<StatementRef> {
    let (cx, witnesses) = requests(proof);
    cx.iter().chain(witnesses).flat_map(|r| responsible(set, r).1).collect()
}

/// The explanation a proof carries.
pub fn explanation(proof: &Proof) -> Option<Explanation> {
    match proof {
        Proof::Holds { why: Some(w), .. } | Proof::NeverAllowed { why: Some(w), .. } => Some(Explanation::of(w)),
        _ => None,
    }
}

pub fn json<'a>(prop: &'a PropertyFile, set: &PolicySet, proof: &'a Proof, why: Option<&'a Explanation>) -> ProveJson<'a> {
    let (cx, witnesses) = requests(proof);
    ProveJson {
        schema_version: SCHEMA_VERSION,
        property: &prop.name,
        kind: kind_name(prop.kind),
        verdict: proof.verdict(),
        message: message(prop, proof),
        counterexample: cx.iter().map(Request::to_json).collect(),
        witnesses: witnesses.iter().map(Request::to_json).collect(),
        never_allowed: match proof {
            Proof::NeverAllowed { action, .. } => Some(action),
            _ => None,
        },
        statements: statements(set, proof),
        why: why.map(super::why::json),
    }
}

pub fn text(prop: &PropertyFile, set: &PolicySet, proof: &Proof) -> String {
    let mut out = format!("property {}: {}\n", prop.name, proof.verdict().to_uppercase());
    if !prop.description.is_empty() {
        out.push_str(&format!("  {}\n", prop.description));
    }
    let m = message(prop, proof);
    if !m.is_empty() {
        out.push_str(&format!("  {m}\n"));
    }
    let (cx, witnesses) = requests(proof);
    for r in cx {
        out.push_str(&format!("  counterexample: {}\n", r.to_json_line()));
    }
    for r in witnesses {
        out.push_str(&format!("  witness: {}\n", r.to_json_line()));
    }
    for s in statements(set, proof) {
        out.push_str(&format!("  because of {s}\n"));
    }
    if let Some(why) = explanation(proof) {
        // A required property's action never allowed: the reasons are the violation's.
        let lead = if matches!(proof, Proof::NeverAllowed { .. }) { "never allowed because" } else { "holds because" };
        for line in super::why::lines(&why, usize::MAX, lead) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}
