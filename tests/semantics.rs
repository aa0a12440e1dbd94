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
