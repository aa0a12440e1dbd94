//! KMS grants as policy: each grant of `aws kms list-grants` becomes an Allow statement for its
//! grantee principal, its operations (`kms:` + operation) on the key, and its constraints as
//! conditions — `EncryptionContextSubset` requires each pair (`StringEquals` on
//! `kms:EncryptionContext:K`), `EncryptionContextEquals` requires each pair and no other key
//! (`ForAllValues:StringEquals` on `kms:EncryptionContextKeys`). The statements go into
//! `PolicySet::grants`, which the evaluator and the encoder treat as standalone authorization.

use crate::model::Policy;
use crate::policy::{parse_policy, Diagnostic, Diagnostics, Source};
use serde::Deserialize;
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Grant {
    #[serde(default)]
    pub grant_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub grantee_principal: String,
    #[serde(default)]
    pub operations: Vec<String>,
    #[serde(default)]
    pub constraints: Option<GrantConstraints>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GrantConstraints {
    #[serde(default)]
    pub encryption_context_subset: Option<std::collections::BTreeMap<String, String>>,
    #[serde(default)]
    pub encryption_context_equals: Option<std::collections::BTreeMap<String, String>>,
}

/// The `Grants` list of `list-grants` output.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGrants {
    #[serde(default)]
    pub grants: Vec<Grant>,
}

/// The operations a grant's constraints apply to: those that take an encryption context
/// (KMS Developer Guide, "Using grant constraints": the constraints do not apply to
/// DescribeKey, RetireGrant, or operations without an encryption context). The others are
/// allowed without them: CreateGrant, for one, carries no encryption context of its own.
const CONSTRAINED: [&str; 8] = [
    "Decrypt",
    "Encrypt",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateDataKeyWithoutPlaintext",
    "ReEncryptFrom",
    "ReEncryptTo",
];

/// A grant to an AWS account (`arn:aws:iam::A:root` or `A`) lets that account's principals
/// use it as their IAM policies allow, which keyward does not model: the keys with such a grant
/// are unknown. Why, when `g`'s grantee is an account: the Principal entry it becomes reads
/// as one (`PrincipalPattern::Account`), as the evaluator and the encoder read it.
pub fn account_grantee(g: &Grant) -> Option<String> {
    use crate::model::PrincipalPattern;
    matches!(PrincipalPattern::parse_aws(&g.grantee_principal), Ok(PrincipalPattern::Account(_))).then(|| {
        format!("the grant {} to the account {} (who in that account may use it is not modelled)", g.grant_id, g.grantee_principal)
    })
}

/// The policy document equivalent to `grants` (one statement per grant, Sid `grant:<id>`, and
/// one more without the constraints for the operations they do not apply to).
pub fn grants_document(grants: &[Grant]) -> Value {
    let statements: Vec<Value> = grants
        .iter()
        .flat_map(|g| {
            let (constrained, free): (Vec<&String>, Vec<&String>) = g.operations.iter().partition(|o| CONSTRAINED.contains(&o.as_str()));
            let has_constraints =
                g.constraints.as_ref().is_some_and(|c| c.encryption_context_subset.is_some() || c.encryption_context_equals.is_some());
            if !has_constraints || free.is_empty() || constrained.is_empty() {
                let sid = format!("grant:{}", g.grant_id);
                let ops: Vec<&String> = g.operations.iter().collect();
                let keep = has_constraints && free.is_empty();
                return vec![grant_statement(g, &sid, &ops, keep)];
            }
            vec![
                grant_statement(g, &format!("grant:{}", g.grant_id), &constrained, true),
                grant_statement(g, &format!("grant:{}:unconstrained", g.grant_id), &free, false),
            ]
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The statement of `operations` of grant `g`, with its constraints when `constrained`.
fn grant_statement(g: &Grant, sid: &str, operations: &[&String], constrained: bool) -> Value {
    let principal = if crate::model::principal::is_service_principal(&g.grantee_principal) {
        json!({"Service": g.grantee_principal})
    } else {
        json!({"AWS": g.grantee_principal})
    };
    let actions: Vec<String> = operations.iter().map(|o| format!("kms:{o}")).collect();
    let mut st = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": principal,
        "Action": actions,
        "Resource": "*",
    });
    let mut cond = Map::new();
    if let Some(c) = g.constraints.as_ref().filter(|_| constrained) {
        let mut eq = Map::new();
        for (k, v) in c.encryption_context_subset.iter().chain(c.encryption_context_equals.iter()).flatten() {
            eq.insert(format!("kms:EncryptionContext:{k}"), json!(v));
        }
        if !eq.is_empty() {
            cond.insert("StringEquals".into(), Value::Object(eq));
        }
        if let Some(exact) = &c.encryption_context_equals {
            let keys: Vec<&String> = exact.keys().collect();
            cond.insert("ForAllValues:StringEquals".into(), json!({"kms:EncryptionContextKeys": keys}));
        }
    }
    if !cond.is_empty() {
        st["Condition"] = Value::Object(cond);
    }
    st
}

/// Grants as a policy named `<file>#grants`; `None` when there are none.
pub fn grants_policy(file: &str, grants: &[Grant]) -> Result<Option<Policy>, Diagnostics> {
    if grants.is_empty() {
        return Ok(None);
    }
    let doc = grants_document(grants);
    let text = serde_json::to_string_pretty(&doc).map_err(|e| Diagnostic::file(file, format!("grants: {e}")))?;
    parse_policy(Source::new(format!("{file}#grants"), text)).map(Some)
}

/// Parse `list-grants` output (or a bare list of grants).
pub fn parse_grants(file: &str, v: &Value) -> Result<Vec<Grant>, Diagnostic> {
    let r = match v {
        Value::Array(_) => serde_json::from_value::<Vec<Grant>>(v.clone()),
        _ => serde_json::from_value::<ListGrants>(v.clone()).map(|l| l.grants),
    };
    r.map_err(|e| Diagnostic::file(file, format!("not list-grants output: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_become_conditions() {
        let v = json!({"Grants": [{"GrantId": "g1", "GranteePrincipal": "arn:aws:iam::444455556666:role/R", "Operations": ["Decrypt"], "Constraints": {"EncryptionContextEquals": {"app": "x"}}}]});
        let g = parse_grants("f", &v).unwrap();
        let doc = grants_document(&g);
        assert_eq!(doc["Statement"][0]["Action"], json!(["kms:Decrypt"]));
        assert_eq!(doc["Statement"][0]["Condition"]["StringEquals"]["kms:EncryptionContext:app"], json!("x"));
        assert_eq!(doc["Statement"][0]["Condition"]["ForAllValues:StringEquals"]["kms:EncryptionContextKeys"], json!(["app"]));
        assert!(grants_policy("f", &g).unwrap().is_some());
    }
}
