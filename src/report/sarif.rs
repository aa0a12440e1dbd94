//! `keyward check --format sarif`: SARIF 2.1.0 as GitHub code scanning reads it — one rule per
//! control of the registry with its `security-severity`, every result located at a region (the
//! responsible statement, else the key or policy the result is about), artifact URIs that are
//! relative references (a path under the working folder) or `file://` URIs, and a
//! `partialFingerprints` entry that stays the same when lines move, so an alert follows its
//! finding from commit to commit.

use crate::controls::{Finding, Severity, Status, CONTROLS};
use crate::policy::Diagnostic;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Serialize)]
pub struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<SarifRun<'a>>,
}

#[derive(Serialize)]
pub struct SarifRun<'a> {
    pub tool: SarifTool,
    pub results: Vec<SarifResult<'a>>,
    pub invocations: Vec<SarifInvocation>,
}

#[derive(Serialize)]
pub struct SarifTool {
    pub driver: SarifDriver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifDriver {
    pub name: &'static str,
    pub version: &'static str,
    pub information_uri: &'static str,
    pub rules: Vec<SarifRule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifRule {
    pub id: &'static str,
    pub name: String,
    pub short_description: SarifText,
    pub full_description: SarifText,
    pub help: SarifText,
    pub properties: SarifRuleProperties,
}

#[derive(Serialize)]
pub struct SarifRuleProperties {
    pub severity: Severity,
    pub applies_to: &'static str,
    /// GitHub's severity score (0.0–10.0): critical 9.5, high 8.0, medium 5.5, low 3.0.
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    pub tags: Vec<&'static str>,
}

#[derive(Serialize)]
pub struct SarifText {
    pub text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult<'a> {
    pub rule_id: String,
    pub rule_index: usize,
    pub kind: &'static str,
    pub level: &'static str,
    pub message: SarifText,
    pub locations: Vec<SarifLocation>,
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    pub properties: SarifResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<Vec<SarifSuppression>>,
    /// For a result that holds: the statements that make it hold, each with its reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<SarifRelated>,
}

#[derive(Serialize)]
pub struct SarifResultProperties<'a> {
    pub verdict: &'static str,
    pub counterexample: Vec<Value>,
    /// Why a result that holds holds (the `why` of `check --format json`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<super::why::WhyJson<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifRelated {
    pub id: usize,
    pub physical_location: SarifPhysical,
    pub message: SarifText,
}

#[derive(Serialize)]
pub struct SarifSuppression {
    pub kind: &'static str,
    pub justification: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLocation {
    pub physical_location: SarifPhysical,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logical_locations: Option<Vec<SarifLogical>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifPhysical {
    pub artifact_location: SarifArtifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<SarifRegion>,
}

#[derive(Serialize)]
pub struct SarifArtifact {
    pub uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifRegion {
    pub start_line: usize,
    pub start_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifLogical {
    pub fully_qualified_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifInvocation {
    pub execution_successful: bool,
    pub tool_execution_notifications: Vec<SarifNotification>,
}

#[derive(Serialize)]
pub struct SarifNotification {
    pub level: &'static str,
    pub message: SarifText,
    pub locations: Vec<SarifLocation>,
}

fn sarif_level(f: &Finding) -> &'static str {
    match f.status {
        Status::Violated => "error",
        Status::Unknown | Status::Error => "warning",
        _ => "none",
    }
}

fn sarif_kind(f: &Finding) -> &'static str {
    match f.status {
        Status::Violated => "fail",
        Status::Holds => "pass",
        Status::NotApplicable => "notApplicable",
        Status::Unknown | Status::Error => "review",
    }
}

/// An artifact URI: a relative reference for a path under the working folder (what code
/// scanning resolves against the checkout), else a `file://` URI; percent-encoded.
fn uri(file: &str) -> String {
    let path = std::path::Path::new(file);
    let relative = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => path.strip_prefix(&cwd).ok().map(|p| p.to_string_lossy().into_owned()),
        _ if path.is_absolute() => None,
        _ => Some(file.trim_start_matches("./").to_string()),
    };
    match relative {
        Some(r) => percent_encode(&r),
        None => format!("file://{}", percent_encode(file)),
    }
}

/// Percent-encoding of what a URI path may not hold as is (RFC 3986: unreserved, sub-delims,
/// `:`, `@` and `/` stay).
fn percent_encode(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

/// The fingerprint's digest: FNV-1a as 16 hex digits (stable across versions).
fn fnv(text: &str) -> String {
    format!("{:016x}", crate::model::hash::fnv1a(text.as_bytes()))
}

/// What identifies a finding whatever its line: the control, the key or policy, and the
/// responsible statements by Sid or index.
fn fingerprint(f: &Finding) -> String {
    let statements: Vec<String> = f.statements.iter().map(|s| s.sid.clone().unwrap_or_else(|| format!("#{}", s.index))).collect();
    fnv(&format!("{}\u{0}{}\u{0}{}", f.control, f.resource, statements.join(",")))
}

fn region(line: usize, column: usize) -> Option<SarifRegion> {
    Some(SarifRegion { start_line: line.max(1), start_column: column.max(1) })
}

pub fn sarif<'a>(findings: &'a [Finding], errors: &[Diagnostic], warnings: &[Diagnostic]) -> SarifLog<'a> {
    let rules = CONTROLS
        .iter()
        .map(|c| SarifRule {
            id: c.id,
            name: c.id.replace([':', '.', '-'], "_"),
            short_description: SarifText { text: c.title.into() },
            full_description: SarifText { text: c.rationale.into() },
            help: SarifText { text: c.remediation.into() },
            properties: SarifRuleProperties {
                severity: c.severity,
                applies_to: c.target().describe(),
                security_severity: security_severity(c.severity),
                tags: vec!["security"],
            },
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| {
            let logical = || Some(vec![SarifLogical { fully_qualified_name: f.resource.clone() }]);
            let locations = if f.statements.is_empty() {
                // No statement to point at: the key or policy itself.
                let (line, column) = f.anchor.unwrap_or((1, 1));
                vec![SarifLocation {
                    physical_location: SarifPhysical {
                        artifact_location: SarifArtifact { uri: uri(&f.file) },
                        region: region(line, column),
                    },
                    logical_locations: logical(),
                }]
            } else {
                f.statements
                    .iter()
                    .map(|s| SarifLocation {
                        physical_location: SarifPhysical {
                            artifact_location: SarifArtifact { uri: uri(s.file.split('#').next().unwrap_or(&s.file)) },
                            region: region(s.line, s.column),
                        },
                        logical_locations: logical(),
                    })
                    .collect()
            };
            SarifResult {
                rule_id: f.control.clone(),
                rule_index: CONTROLS.iter().position(|c| c.id == f.control).unwrap_or(0),
                kind: sarif_kind(f),
                level: sarif_level(f),
                message: SarifText { text: f.message.clone() },
                locations,
                partial_fingerprints: BTreeMap::from([("keyward/v1", fingerprint(f))]),
                properties: SarifResultProperties {
                    verdict: f.status.name(),
                    counterexample: f.counterexample.iter().map(|r| r.to_json()).collect(),
                    why: f.why.as_ref().map(super::why::json),
                },
                related_locations: f
                    .why
                    .iter()
                    .flat_map(|w| &w.reasons)
                    .enumerate()
                    .map(|(id, r)| SarifRelated {
                        id,
                        physical_location: SarifPhysical {
                            artifact_location: SarifArtifact { uri: uri(r.statement.file.split('#').next().unwrap_or(&r.statement.file)) },
                            region: region(r.statement.line, r.statement.column),
                        },
                        message: SarifText { text: format!("holds because {}", r.text) },
                    })
                    .collect(),
                suppressions: f
                    .suppressed
                    .as_ref()
                    .map(|reason| vec![SarifSuppression { kind: "external", justification: reason.clone() }]),
            }
        })
        .collect();
    let mut notifications: Vec<SarifNotification> = errors
        .iter()
        .map(|e| (e, "error"))
        .chain(warnings.iter().map(|w| (w, "warning")))
        .map(|(e, level)| SarifNotification {
            level,
            message: SarifText { text: e.to_string() },
            locations: vec![SarifLocation {
                physical_location: SarifPhysical {
                    artifact_location: SarifArtifact { uri: uri(&e.file) },
                    region: region(e.line, e.column),
                },
                logical_locations: None,
            }],
        })
        .collect();
    // An internal error is the tool failing, not a finding about the code: say so where code
    // scanning shows tool problems.
    notifications.extend(findings.iter().filter(|f| f.status == Status::Error).map(|f| SarifNotification {
        level: "error",
        message: SarifText { text: format!("{} on {}: {}", f.control, f.resource, f.message) },
        locations: vec![SarifLocation {
            physical_location: SarifPhysical {
                artifact_location: SarifArtifact { uri: uri(&f.file) },
                region: f.anchor.and_then(|(l, c)| region(l, c)),
            },
            logical_locations: None,
        }],
    }));
    let successful = !notifications.iter().any(|n| n.level == "error");
    SarifLog {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![SarifRun {
            tool: SarifTool {
                driver: SarifDriver {
                    name: "keyward",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: "https://github.com/keyward/keyward",
                    rules,
                },
            },
            results,
            invocations: vec![SarifInvocation { execution_successful: successful, tool_execution_notifications: notifications }],
        }],
    }
}
