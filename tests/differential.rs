//! Differential tests of the SMT encoding against the concrete evaluator: pinning the symbolic
//! request to a concrete one, the solver's decision must equal the evaluator's — on the
//! semantics corpus and on random policies and requests.

use crate::common::cases::all_cases;
use keyward::eval::evaluate;
use keyward::smt::pin::{symbolic_decision, PinMode};
use keyward::smt::solver::SolverOptions;

#[test]
fn the_semantics_corpus_decides_the_same_symbolically() {
    let opts = SolverOptions::default();
    let mut failures = Vec::new();
    let mut n = 0;
    for c in all_cases() {
        for r in &c.requests {
            let concrete = evaluate(&c.set, &r.request).decision;
            for mode in [PinMode::Fold, PinMode::Assert] {
                n += 1;
                match symbolic_decision(&c.set, &r.request, mode, &opts) {
                    Ok(d) if d == concrete => {}
                    Ok(d) => failures.push(format!("{} / {} ({mode:?}): evaluator {concrete}, SMT {d}", c.path, r.name)),
                    Err(e) => failures.push(format!("{} / {} ({mode:?}): {e}", c.path, r.name)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{} of {n} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
#[ignore]
fn debug_dump_case() {
    let opts = SolverOptions { dump_dir: Some("/tmp/dump".into()), timeout: std::time::Duration::from_secs(3), ..SolverOptions::default() };
    for c in all_cases() {
        for r in &c.requests {
            let d = symbolic_decision(&c.set, &r.request, PinMode::Assert, &opts);
            println!("{} {:?}", r.name, d);
        }
    }
}
