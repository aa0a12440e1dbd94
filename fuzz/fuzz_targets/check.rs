//! `check` end to end on small policies (issue #16): bytes → parsed policy → every control that
//! applies, as an identity policy and as a key policy, with a short solver timeout. Never a
//! panic; a counterexample is replayed through the evaluator by the pipeline itself, so an
//! internal error (a counterexample the evaluator refuses, a model that cannot be read back)
//! aborts here. A solver `unknown` is fine.
#![no_main]
use keyward::controls::{run_subject, Ctx, Params, Status};
use keyward::inputs::{subject_of, Kind, LoadOptions};
use keyward::policy::{parse_policy, Source};
use keyward::smt::SolverOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Small policies only: the point is the pipeline, not the solver's time on big inputs.
    if data.len() > 2048 {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = parse_policy(Source::new("fuzz.json", text)) else { return };
    let opts = SolverOptions { timeout: std::time::Duration::from_millis(500), ..SolverOptions::default() };
    let params = Params::default();
    let ctx = Ctx { params: &params, opts: &opts };
    for kind in [Kind::Identity, Kind::Key] {
        let load = LoadOptions { kind: Some(kind), ..LoadOptions::default() };
        let subject = subject_of(policy.clone(), "fuzz.json".into(), &load);
        for f in run_subject(&subject, &[], &ctx) {
            assert!(f.status != Status::Error, "{} on {text}: {}", f.control, f.message);
        }
    }
});
