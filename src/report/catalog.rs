//! `keyward controls`: the registry as text (id, severity, title, what it applies to, each
//! parameter with its default) or JSON.

use super::SCHEMA_VERSION;
use crate::controls::catalog::{ParamInfo, Severity, Target};
use crate::controls::CONTROLS;
use serde::Serialize;

#[derive(Serialize)]
pub struct CatalogJson {
    pub schema_version: u32,
    pub controls: Vec<ControlJson>,
}

#[derive(Serialize)]
pub struct ControlJson {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub target: Target,
    pub rationale: &'static str,
    pub remediation: &'static str,
    pub params: &'static [ParamInfo],
}

pub fn json() -> CatalogJson {
    let controls = CONTROLS
        .iter()
        .map(|c| ControlJson {
            id: c.id,
            title: c.title,
            severity: c.severity,
            target: c.target(),
            rationale: c.rationale,
            remediation: c.remediation,
            params: c.params,
        })
        .collect();
    CatalogJson { schema_version: SCHEMA_VERSION, controls }
}

pub fn text() -> String {
    let mut out = String::new();
    for c in CONTROLS.iter() {
        out.push_str(&format!("{:<26} {:<8} {}  [{}]\n", c.id, format!("{:?}", c.severity).to_lowercase(), c.title, c.target().describe()));
        for p in c.params {
            out.push_str(&format!("    {}.{} (default {}): {}\n", c.id, p.name, p.default, p.help));
        }
    }
    out
}
