//! Differential fuzzing of the SMT encoding (issue #16): a structure-aware input (`arbitrary`)
//! builds a policy set — identity, key, boundary, SCP, session and grant policies whose
//! statements use Principal/NotPrincipal, Action/NotAction, Resource/NotResource, every
//! condition operator with IfExists and the set qualifiers, and policy variables — and one
//! concrete request. The solver, with the request pinned (folded into the terms and asserted,
//! with and without the request-context facts), must decide it as the evaluator does; a
//! disagreement aborts. A solver `unknown` (the short timeout) and a construct the encoding
//! refuses on purpose (answered `unknown` by the pipeline) are no disagreement.
#![no_main]
use keyward::eval::evaluate;
use keyward::model::principal::Principal;
use keyward::model::request::Context;
use keyward::model::{PolicySet, Request};
use keyward::policy::{parse_policy, Source};
use keyward::smt::{symbolic_decision, symbolic_decision_with_facts, PinError, PinMode, SolverOptions};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};

const OPERATORS: &[&str] = &[
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
    "NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
    "DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
];
const KEYS: &[&str] = &[
    "kms:ViaService", "aws:PrincipalTag/team", "kms:EncryptionContext:dept", "kms:CallerAccount", "aws:PrincipalAccount",
    "aws:username", "aws:PrincipalArn", "aws:SourceArn", "aws:MultiFactorAuthAge", "aws:CurrentTime", "aws:SecureTransport",
    "aws:SourceIp", "aws:TagKeys", "kms:EncryptionContextKeys", "aws:PrincipalOrgID", "aws:userid", "kms:GrantIsForAWSResource",
    "aws:ResourceTag/env", "aws:RequestTag/env", "kms:KeySpec", "aws:SourceVpce", "aws:PrincipalType",
];
const VALUES: &[&str] = &[
    "s3.us-east-1.amazonaws.com", "ec2.*.amazonaws.com", "red", "RED", "${aws:username}", "eng", "f*", "111122223333",
    "444455556666", "alice", "arn:aws:iam::111122223333:*", "${aws:PrincipalTag/team, 'red'}", "*", "?", "", "${*}", "${?}", "${$}",
    "3600", "1.5", "-2", "0", "2026-01-01T00:00:00Z", "1767225600", "2025-06-01", "true", "false", "True", "10.0.0.0/8",
    "2001:db8::/32", "203.0.113.7", "0.0.0.0/0", "arn:aws:s3:::bucket*", "arn:aws:*:*:111122223333:*", "arn:aws:iam::*:role/Admin",
    "arn:aws:iam::${aws:PrincipalAccount}:user/*", "o-abc123", "AROAEXAMPLEROLEID:*", "AssumedRole", "SYMMETRIC_DEFAULT", "dGVzdA==",
    "vpce-1234", "a", "b*", "z", "${aws:PrincipalTag/team}",
];
const PRINCIPALS: &[&str] = &[
    r#""*""#, r#"{"AWS": "*"}"#, r#"{"AWS": "111122223333"}"#, r#"{"AWS": "arn:aws:iam::444455556666:root"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:user/alice"}"#, r#"{"AWS": "arn:aws:iam::111122223333:role/Admin"}"#,
    r#"{"AWS": "arn:aws:sts::111122223333:assumed-role/Admin/s1"}"#, r#"{"Service": "logs.amazonaws.com"}"#,
    r#"{"Federated": "accounts.google.com"}"#, r#"{"AWS": "arn:aws:iam::444455556666:user/bob"}"#,
];
const ACTIONS: &[&str] = &["kms:*", "kms:Decrypt", "kms:De*", "kms:*Key*", "*", "s3:*", "kms:?ncrypt", "kms:Future*", "KMS:encrypt", "kms:CreateKey", "kms:PutKeyPolicy"];
const RESOURCES: &[&str] = &[
    "*", "arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:*:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:*:*:alias/*",
    "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:kms:*:${aws:PrincipalAccount}:key/*", "arn:aws:kms:*:*:key/1234abcd-12ab-34cd-56ef-1234567890a?",
    "arn:aws:kms:*:*:key/${aws:PrincipalTag/team}", "arn:aws:kms:us-east-1:111122223333:key/${*}",
];
const CALLERS: &[&str] = &[
    "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::444455556666:user/bob",
    "arn:aws:sts::111122223333:assumed-role/Admin/s1", "arn:aws:sts::444455556666:federated-user/fed", "logs.amazonaws.com", "anonymous",
];
const REQUEST_ACTIONS: &[&str] = &["kms:Decrypt", "kms:Encrypt", "kms:PutKeyPolicy", "kms:CreateKey", "s3:GetObject", "kms:FutureThing", "KMS:decrypt"];
const REQUEST_RESOURCES: &[&str] = &[
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab", "arn:aws:kms:eu-west-1:444455556666:key/mrk-1234abcd12ab34cd56ef1234567890ab",
    "arn:aws:kms:us-east-1:111122223333:alias/a", "*", "arn:aws:s3:::bucket/alice/x", "arn:aws:kms:us-east-1:111122223333:key/red",
];

#[derive(Arbitrary, Debug)]
struct Input {
    policies: Vec<PolicyIn>,
    external_identity_unknown: bool,
    caller: u8,
    action: u8,
    resource: u8,
    context: Vec<(u8, Vec<u8>)>,
}

#[derive(Arbitrary, Debug)]
struct PolicyIn {
    role: u8,
    version: u8,
    statements: Vec<StatementIn>,
}

#[derive(Arbitrary, Debug)]
struct StatementIn {
    deny: bool,
    not_principal: bool,
    principal: u8,
    not_action: bool,
    actions: Vec<u8>,
    not_resource: bool,
    resources: Vec<u8>,
    conditions: Vec<(u8, u8, u8, Vec<u8>)>,
}

fn pick<'a>(pool: &[&'a str], i: u8) -> &'a str {
    pool[i as usize % pool.len()]
}

fn list(pool: &[&str], ix: &[u8]) -> Value {
    let v: Vec<Value> = ix.iter().take(3).map(|i| json!(pick(pool, *i))).collect();
    match v.len() {
        0 => json!(pick(pool, 0)),
        1 => v.into_iter().next().unwrap_or(Value::Null),
        _ => Value::Array(v),
    }
}

fn statement(s: &StatementIn, with_principal: bool) -> Value {
    let mut m = Map::new();
    m.insert("Effect".into(), json!(if s.deny { "Deny" } else { "Allow" }));
    if with_principal {
        let p: Value = serde_json::from_str(pick(PRINCIPALS, s.principal)).unwrap_or(Value::Null);
        m.insert(if s.not_principal && s.deny { "NotPrincipal" } else { "Principal" }.into(), p);
    }
    m.insert(if s.not_action { "NotAction" } else { "Action" }.into(), list(ACTIONS, &s.actions));
    m.insert(if s.not_resource { "NotResource" } else { "Resource" }.into(), list(RESOURCES, &s.resources));
    let mut c = Map::new();
    for (op, qual, key, values) in s.conditions.iter().take(3) {
        let base = pick(OPERATORS, *op);
        let set = ["", "", "ForAnyValue:", "ForAllValues:"][*qual as usize % 4];
        let if_exists = if base != "Null" && qual & 4 != 0 { "IfExists" } else { "" };
        let entry = c.entry(format!("{set}{base}{if_exists}")).or_insert_with(|| json!({}));
        if let Some(o) = entry.as_object_mut() {
            o.insert(pick(KEYS, *key).into(), list(VALUES, values));
        }
    }
    if !c.is_empty() {
        m.insert("Condition".into(), Value::Object(c));
    }
    Value::Object(m)
}

fn build(input: &Input) -> Option<PolicySet> {
    let mut set = PolicySet { external_identity_unknown: input.external_identity_unknown, ..PolicySet::default() };
    for (i, p) in input.policies.iter().take(4).enumerate() {
        let role = p.role % 6;
        let with_principal = role == 1 || role == 5;
        let statements: Vec<Value> = p.statements.iter().take(4).map(|s| statement(s, with_principal)).collect();
        let doc = match p.version % 3 {
            0 => json!({"Version": "2012-10-17", "Statement": statements}),
            1 => json!({"Version": "2008-10-17", "Statement": statements}),
            _ => json!({"Statement": statements}),
        };
        // A generated value the parser rejects (a number for a date operator) is no input.
        let policy = parse_policy(Source::new(format!("p{i}.json"), doc.to_string())).ok()?;
        match role {
            0 => set.identity.push(policy),
            1 => set.key_policy = Some(policy),
            2 => set.boundaries.push(policy),
            3 => set.scps.push(policy),
            4 => set.session.push(policy),
            _ => set.grants.push(policy),
        }
    }
    Some(set)
}

fn request(input: &Input) -> Option<Request> {
    let principal = Principal::parse(pick(CALLERS, input.caller)).ok()?;
    let mut context = Context::new();
    for (k, vs) in input.context.iter().take(4) {
        context.insert(pick(KEYS, *k), vs.iter().take(3).map(|v| pick(VALUES, *v).to_string()).collect());
    }
    Some(Request { principal, action: pick(REQUEST_ACTIONS, input.action).into(), resource: pick(REQUEST_RESOURCES, input.resource).into(), context })
}

fuzz_target!(|input: Input| {
    let (Some(set), Some(req)) = (build(&input), request(&input)) else { return };
    let req = keyward::model::request_facts::make_possible(req);
    let concrete = evaluate(&set, &req).decision;
    let opts = SolverOptions { timeout: std::time::Duration::from_secs(2), ..SolverOptions::default() };
    // The encoding answers for the requests AWS can send (the differential test's contract
    // too): a generated request is mended into the nearest possible one (kms:CallerAccount other
    // than the caller's account dropped, a key every such request carries added), and the rare
    // one still flagged after that is no input.
    if !keyward::model::request_facts::check(&req).is_empty() {
        return;
    }
    for mode in [PinMode::Fold, PinMode::Assert] {
        let answers = [symbolic_decision(&set, &req, mode, &opts), symbolic_decision_with_facts(&set, &req, mode, &opts)];
        for a in answers {
            match a {
                Ok(d) => assert_eq!(d, concrete, "{mode:?}: the solver decides {d}, the evaluator {concrete}\nrequest {}\n{input:?}", req.to_json_line()),
                // A timeout, or a construct the encoding refuses on purpose (a numeric operator
                // on a string key: the pipeline answers unknown, never a verdict).
                Err(PinError::Unknown(_) | PinError::Unsupported(_)) => {}
                Err(e) => panic!("{mode:?}: {e}\nrequest {}\n{input:?}", req.to_json_line()),
            }
        }
    }
});
