//! `keyward check` results: JSON (the versioned contract users' scripts rely on) and text for
//! people (verdict, counterexample requests as JSON, the statements responsible); SARIF is
//! `sarif.rs`.

use super::SCHEMA_VERSION;
use crate::controls::{control, Finding, Status};
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
    /// For a policy with values unknown before deployment: the values a violation assumed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumed: Vec<AssumedJson<'a>>,
    /// Why a result that holds holds (`--no-explain` leaves it out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<super::why::WhyJson<'a>>,
}

#[derive(Serialize)]
pub struct AssumedJson<'a> {
    /// What the value is (`the export PartnerRoleArn (Fn::ImportValue; …)`).
    pub unknown: &'a str,
    pub value: &'a str,
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
        assumed: f.assumed.iter().map(|(unknown, value)| AssumedJson { unknown, value }).collect(),
        why: f.why.as_ref().map(super::why::json),
    }
}

pub fn json<'a>(findings: &'a [Finding], errors: &'a [Diagnostic], warnings: &'a [Diagnostic]) -> CheckJson<'a> {
    CheckJson { schema_version: SCHEMA_VERSION, results: findings.iter().map(result_json).collect(), errors, warnings }
}

// ---------------------------------------------------------------------------------- SARIF

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
        if let Some(why) = &f.why {
            for line in super::why::lines(why, if verbose { usize::MAX } else { 3 }, "holds because") {
                out.push_str(&format!("             {line}\n"));
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
