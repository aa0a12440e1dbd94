//! `keyward check` results: JSON (the versioned contract users' scripts rely on), SARIF 2.1.0
//! (one rule per control of the registry, results located at the responsible statement's line)
//! and text for people (verdict, counterexample requests as JSON, the statements responsible).

use super::SCHEMA_VERSION;
use crate::controls::{control, Finding, Status, CONTROLS};
use crate::eval::explain::StatementRef;
use crate::policy::Diagnostic;
use serde::Serialize;
use serde_json::Value;

#[derive(Serialize)]
pub struct CheckJson<'a> {
    pub schema_version: u32,
    pub results: Vec<ResultJson<'a>>,
    pub errors: &'a [Diagnostic],
    /// Inputs beyond AWS's own limits (size, characters), analysed all the same; they do not
    /// change the exit code.
    #[serde(skip_serializing_if = "<[Diagnostic]>::is_empty")]
    pub warnings: &'a [Diagnostic],
}

#[derive(Serialize)]
pub struct ResultJson<'a> {
    pub file: &'a str,
    pub resource: &'a str,
    pub control: &'a str,
    /// `holds`, `violated`, `unknown`, `not_applicable` or `error`.
    pub verdict: &'static str,
    /// Requests in the request-file format of `keyward eval`.
    pub counterexample: Vec<Value>,
    pub message: &'a str,
    /// Indices of the responsible statements (also in `locations`).
    pub statements: Vec<usize>,
    pub locations: &'a [StatementRef],
    pub time_ms: TimeJson,
    pub solver_calls: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<SuppressedJson<'a>>,
}

#[derive(Serialize)]
pub struct TimeJson {
    pub encode: f64,
    pub solve: f64,
}

#[derive(Serialize)]
pub struct SuppressedJson<'a> {
    pub reason: &'a str,
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn result_json(f: &Finding) -> ResultJson<'_> {
    ResultJson {
        file: &f.file,
        resource: &f.resource,
        control: &f.control,
        verdict: f.status.name(),
        counterexample: f.counterexample.iter().map(|r| r.to_json()).collect(),
        message: &f.message,
        statements: f.statements.iter().map(|s| s.index).collect(),
        locations: &f.statements,
        time_ms: TimeJson { encode: round(f.timing.encode_ms), solve: round(f.timing.solve_ms) },
        solver_calls: f.timing.solver_calls,
        suppressed: f.suppressed.as_deref().map(|reason| SuppressedJson { reason }),
    }
}

pub fn json<'a>(findings: &'a [Finding], errors: &'a [Diagnostic], warnings: &'a [Diagnostic]) -> CheckJson<'a> {
    CheckJson { schema_version: SCHEMA_VERSION, results: findings.iter().map(result_json).collect(), errors, warnings }
}

// ---------------------------------------------------------------------------------- SARIF

#[derive(Serialize)]
pub struct SarifLog {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<SarifRun>,
}

#[derive(Serialize)]
pub struct SarifRun {
    pub tool: SarifTool,
    pub results: Vec<SarifResult>,
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
    pub severity: crate::controls::Severity,
    pub applies_to: &'static str,
}

#[derive(Serialize)]
pub struct SarifText {
    pub text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub kind: &'static str,
    pub level: &'static str,
    pub message: SarifText,
    pub locations: Vec<SarifLocation>,
    pub properties: SarifResultProperties,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<Vec<SarifSuppression>>,
}

#[derive(Serialize)]
pub struct SarifResultProperties {
    pub verdict: &'static str,
    pub counterexample: Vec<Value>,
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

fn uri(file: &str) -> String {
    file.trim_start_matches("./").to_string()
}

fn region(line: usize, column: usize) -> Option<SarifRegion> {
    Some(SarifRegion { start_line: line.max(1), start_column: column.max(1) })
}

pub fn sarif(findings: &[Finding], errors: &[Diagnostic], warnings: &[Diagnostic]) -> SarifLog {
    let rules = CONTROLS
        .iter()
        .map(|c| SarifRule {
            id: c.id,
            name: c.id.replace([':', '.', '-'], "_"),
            short_description: SarifText { text: c.title.into() },
            full_description: SarifText { text: c.rationale.into() },
            help: SarifText { text: c.remediation.into() },
            properties: SarifRuleProperties { severity: c.severity, applies_to: c.target().describe() },
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| {
            let logical = || Some(vec![SarifLogical { fully_qualified_name: f.resource.clone() }]);
            let locations = if f.statements.is_empty() {
                vec![SarifLocation {
                    physical_location: SarifPhysical { artifact_location: SarifArtifact { uri: uri(&f.file) }, region: None },
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
                properties: SarifResultProperties {
                    verdict: f.status.name(),
                    counterexample: f.counterexample.iter().map(|r| r.to_json()).collect(),
                },
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
            physical_location: SarifPhysical { artifact_location: SarifArtifact { uri: uri(&f.file) }, region: None },
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

// ----------------------------------------------------------------------------------- text

/// Human text: violations, unknowns and errors in full, passing controls one line each.
pub fn text(findings: &[Finding], errors: &[Diagnostic], verbose: bool) -> String {
    let mut out = String::new();
    let mut current = String::new();
    for f in findings {
        let subject = format!("{} ({})", f.resource, f.file);
        if subject != current {
            out.push_str(&format!("\n== {subject}\n"));
            current = subject;
        }
        let title = control(&f.control).map(|c| c.title).unwrap_or("");
        let mark = match (f.status, &f.suppressed) {
            (Status::Error, _) => "ERROR",
            (_, Some(_)) => "SUPPRESSED",
            (Status::Violated, _) => "VIOLATED",
            (Status::Holds, _) => "holds",
            (Status::Unknown, _) => "UNKNOWN",
            (Status::NotApplicable, _) => "n/a",
        };
        out.push_str(&format!("  {:<10} {:<26} {}\n", mark, f.control, title));
        if matches!(f.status, Status::Violated | Status::Unknown | Status::Error) || verbose {
            out.push_str(&format!("             {}\n", f.message));
            if let Some(r) = &f.suppressed {
                out.push_str(&format!("             suppressed: {r}\n"));
            }
            for (i, r) in f.counterexample.iter().enumerate().take(if verbose { usize::MAX } else { 3 }) {
                out.push_str(&format!("             counterexample {}: {}\n", i + 1, r.to_json_line()));
            }
            if f.counterexample.len() > 3 && !verbose {
                out.push_str(&format!("             … {} more requests (--format json shows all)\n", f.counterexample.len() - 3));
            }
            for s in &f.statements {
                out.push_str(&format!("             because of {s}\n"));
            }
        }
    }
    let count = |s: Status| findings.iter().filter(|f| f.status == s && (f.suppressed.is_none() || s == Status::Error)).count();
    out.push_str(&format!(
        "\n{} results: {} violated, {} unknown, {} errors, {} hold, {} not applicable, {} suppressed; {} input errors\n",
        findings.len(),
        count(Status::Violated),
        count(Status::Unknown),
        count(Status::Error),
        count(Status::Holds),
        count(Status::NotApplicable),
        findings.iter().filter(|f| f.suppressed.is_some() && f.status != Status::Error).count(),
        errors.len()
    ));
    out
}
