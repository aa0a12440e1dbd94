//! The semantics cases of `corpus/cases/`: for every request, the concrete evaluator must make
//! the decision the case records (AWS's decision, cross-checked with the reference oracle).

use crate::common::cases::all_cases;
use keyward::eval::evaluate;

#[test]
fn every_semantics_case_decides_as_recorded() {
    let cases = all_cases();
    let mut total = 0;
    let mut failures = Vec::new();
    for c in &cases {
        for r in &c.requests {
            total += 1;
            let got = evaluate(&c.set, &r.request);
            if got.decision != r.expect {
                failures.push(format!("{} / {}: expected {}, got {} ({})", c.path, r.name, r.expect, got.decision, got.reasons.join("; ")));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {total} cases fail:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn the_corpus_has_at_least_200_cases_with_an_oracle_verdict() {
    let cases = all_cases();
    let total: usize = cases.iter().map(|c| c.requests.len()).sum();
    assert!(total >= 200, "only {total} semantics cases");
    for c in &cases {
        assert!(!c.description.is_empty(), "{} has no description", c.path);
        for r in &c.requests {
            assert!(
                r.oracle == "agrees" || r.oracle.starts_with("differs: "),
                "{} / {}: oracle field must be \"agrees\" or \"differs: <reason>\"",
                c.path,
                r.name
            );
        }
    }
}

/// Every request of the semantics corpus is one AWS can send (the facts check of
/// `keyward::model::request_facts`), or says why it is kept in its `impossible` field: the
/// corpus labels AWS's decisions, and AWS decides only requests it receives. A label on a
/// request the check finds possible is stale and fails too.
#[test]
fn every_semantics_case_request_is_possible_or_labelled() {
    use keyward::model::request_facts::{check, Severity};
    let mut bad = Vec::new();
    let mut labelled = 0;
    for c in all_cases() {
        for r in &c.requests {
            let why: Vec<String> =
                check(&r.request).into_iter().filter(|f| f.severity == Severity::Impossible).map(|f| f.message).collect();
            match (&r.impossible, why.is_empty()) {
                (None, false) => bad.push(format!("{} / {}: {}", c.path, r.name, why.join("; "))),
                (Some(_), true) => bad.push(format!("{} / {}: labelled impossible, but the facts check finds it possible", c.path, r.name)),
                (Some(label), false) => {
                    labelled += 1;
                    assert!(label.len() > 20, "{} / {}: say why the request is kept", c.path, r.name);
                }
                (None, true) => {}
            }
        }
    }
    assert!(bad.is_empty(), "{} requests:\n{}", bad.len(), bad.join("\n"));
    assert!(labelled < 60, "{labelled} labelled impossible requests: write possible ones");
}
