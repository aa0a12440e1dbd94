//! The report of AWS's policy validators (`cfn-policy-validator`, `tf-policy-validator`), so
//! that keyward's `check-no-new-access`, `check-access-not-granted` and `check-no-public-access`
//! drop into a pipeline that reads theirs: `{"BlockingFindings": [...], "NonBlockingFindings":
//! [...]}`, each finding with `findingType`, `code`, `message`, `resourceName`, `policyName`
//! and `details` (`result`, `message`, `reasons` by statement) — and keyward's proof besides:
//! the counterexample requests, confirmed by the evaluator, in `details.counterexample`.

use crate::eval::explain::StatementRef;
use crate::model::Request;
use serde::Serialize;
use serde_json::{json, Value};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatorFinding {
    pub finding_type: &'static str,
    pub code: String,
    pub message: String,
    pub resource_name: String,
    pub policy_name: String,
    pub details: Value,
}

#[derive(Debug, Serialize)]
pub struct ValidatorReport {
    #[serde(rename = "BlockingFindings")]
    pub blocking: Vec<ValidatorFinding>,
    #[serde(rename = "NonBlockingFindings")]
    pub non_blocking: Vec<ValidatorFinding>,
}

/// A failed check: the statements responsible as the validators' reasons, the requests that
/// show it.
pub fn failed(
    code: &str,
    message: &str,
    reason: &str,
    names: (String, String),
    statements: &[StatementRef],
    counterexample: &[Request],
) -> ValidatorFinding {
    let reasons: Vec<Value> = statements
        .iter()
        .map(|s| match &s.sid {
            Some(sid) => json!({"description": format!("{reason} in the following statement with sid: {sid}."), "statementId": sid, "statementIndex": s.index}),
            None => json!({"description": format!("{reason} in the following statement with index: {}.", s.index), "statementIndex": s.index}),
        })
        .collect();
    ValidatorFinding {
        finding_type: "SECURITY_WARNING",
        code: code.to_string(),
        message: message.to_string(),
        resource_name: names.0,
        policy_name: names.1,
        details: json!({
            "result": "FAIL",
            "message": message,
            "reasons": reasons,
            "counterexample": counterexample.iter().map(Request::to_json).collect::<Vec<_>>(),
            "locations": statements.iter().map(|s| json!({"file": s.file, "line": s.line, "column": s.column})).collect::<Vec<_>>(),
        }),
    }
}

/// A failed check found for values assumed for values unknown before deployment (an imported
/// principal): the values in `details.assumed`, keyward's explanation in `details.message`.
pub fn assuming(mut f: ValidatorFinding, assumed: &[(String, String)], explanation: &str) -> ValidatorFinding {
    if !assumed.is_empty() {
        f.details["assumed"] = assumed.iter().map(|(unknown, value)| json!({"unknown": unknown, "value": value})).collect();
        f.details["message"] = json!(explanation);
    }
    f
}

/// A check keyward could not decide (a solver timeout, a value unknown before deployment) or
/// failed on: an `ERROR` finding, blocking by default, never a silent pass.
pub fn undecided(code: &str, why: &str, names: (String, String)) -> ValidatorFinding {
    ValidatorFinding {
        finding_type: "ERROR",
        code: code.to_string(),
        message: format!("keyward could not decide this check: {why}"),
        resource_name: names.0,
        policy_name: names.1,
        details: json!({"result": "UNKNOWN", "message": why}),
    }
}
