//! Renderers of `keyward check` results: JSON (schema_version 1, the contract users' scripts
//! rely on), SARIF 2.1.0 (rules from the control catalog, results located at the responsible
//! statement's line), and text for people (verdict, counterexample requests as JSON, the
//! statements responsible).

use crate::controls::{control, Finding, Status, CONTROLS};
use crate::policy::Diagnostic;
use serde_json::{json, Value};

pub fn finding_json(f: &Finding) -> Value {
    let mut v = json!({
        "file": f.file,
        "resource": f.resource,
        "control": f.control,
        "verdict": f.status.name(),
        "counterexample": f.counterexample.iter().map(crate::model::Request::to_json).collect::<Vec<_>>(),
        "message": f.message,
        "statements": f.statements.iter().map(|s| s.index).collect::<Vec<_>>(),
        "locations": f.statements,
        "time_ms": {"encode": round(f.timing.encode_ms), "solve": round(f.timing.solve_ms)},
        "solver_calls": f.timing.solver_calls,
    });
    if let Some(reason) = &f.suppressed {
        v["suppressed"] = json!({"reason": reason});
    }
    v
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn json_report(findings: &[Finding], errors: &[Diagnostic]) -> Value {
    json!({
        "schema_version": 1,
        "results": findings.iter().map(finding_json).collect::<Vec<_>>(),
        "errors": errors,
    })
}

fn sarif_level(f: &Finding) -> &'static str {
    match f.status {
        Status::Violated => "error",
        Status::Unknown => "warning",
        _ => "none",
    }
}

fn sarif_kind(f: &Finding) -> &'static str {
    match f.status {
        Status::Violated => "fail",
        Status::Holds => "pass",
        Status::NotApplicable => "notApplicable",
        Status::Unknown => "review",
    }
}

pub fn sarif_report(findings: &[Finding], errors: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = CONTROLS
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "name": c.id.replace([':', '.', '-'], "_"),
                "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.rationale},
                "help": {"text": c.remediation},
                "properties": {"severity": c.severity, "applies_to": c.target.describe()},
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let rule_index = CONTROLS.iter().position(|c| c.id == f.control).unwrap_or(0);
            let locations: Vec<Value> = if f.statements.is_empty() {
                vec![json!({"physicalLocation": {"artifactLocation": {"uri": uri(&f.file)}}, "logicalLocations": [{"fullyQualifiedName": f.resource}]})]
            } else {
                f.statements
                    .iter()
                    .map(|s| {
                        json!({
                            "physicalLocation": {"artifactLocation": {"uri": uri(s.file.split('#').next().unwrap_or(&s.file))}, "region": {"startLine": s.line.max(1), "startColumn": s.column.max(1)}},
                            "logicalLocations": [{"fullyQualifiedName": f.resource}],
                        })
                    })
                    .collect()
            };
            let mut r = json!({
                "ruleId": f.control,
                "ruleIndex": rule_index,
                "kind": sarif_kind(f),
                "level": sarif_level(f),
                "message": {"text": f.message},
                "locations": locations,
                "properties": {"verdict": f.status.name(), "counterexample": f.counterexample.iter().map(crate::model::Request::to_json).collect::<Vec<_>>()},
            });
            if let Some(reason) = &f.suppressed {
                r["suppressions"] = json!([{"kind": "external", "justification": reason}]);
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({"level": "error", "message": {"text": e.to_string()}, "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&e.file)}, "region": {"startLine": e.line.max(1), "startColumn": e.column.max(1)}}}]})
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "keyward", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/keyward/keyward", "rules": rules}},
            "results": results,
            "invocations": [{"executionSuccessful": errors.is_empty(), "toolExecutionNotifications": notifications}],
        }],
    })
}

fn uri(file: &str) -> String {
    file.trim_start_matches("./").to_string()
}

/// Human text: violations and unknowns in full, passing controls one line each.
pub fn text_report(findings: &[Finding], errors: &[Diagnostic], verbose: bool) -> String {
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
            (_, Some(_)) => "SUPPRESSED",
            (Status::Violated, _) => "VIOLATED",
            (Status::Holds, _) => "holds",
            (Status::Unknown, _) => "UNKNOWN",
            (Status::NotApplicable, _) => "n/a",
        };
        out.push_str(&format!("  {:<10} {:<26} {}\n", mark, f.control, title));
        if matches!(f.status, Status::Violated | Status::Unknown) || verbose {
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
    let count = |s: Status| findings.iter().filter(|f| f.status == s && f.suppressed.is_none()).count();
    out.push_str(&format!(
        "\n{} results: {} violated, {} unknown, {} hold, {} not applicable, {} suppressed; {} input errors\n",
        findings.len(),
        count(Status::Violated),
        count(Status::Unknown),
        count(Status::Holds),
        count(Status::NotApplicable),
        findings.iter().filter(|f| f.suppressed.is_some()).count(),
        errors.len()
    ));
    out
}
