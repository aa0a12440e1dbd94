//! A parsed policy, as an identity policy and as a key policy, decided by the concrete
//! evaluator for a fixed set of requests of every caller class: never a panic.
#![no_main]
use keyward::eval::evaluate;
use keyward::model::principal::Principal;
use keyward::model::{PolicySet, Request};
use keyward::policy::{parse_policy, Source};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = parse_policy(Source::new("fuzz.json", text)) else { return };
    let callers = [
        "arn:aws:iam::111122223333:user/alice",
        "arn:aws:sts::111122223333:assumed-role/Admin/session",
        "arn:aws:iam::444455556666:root",
        "arn:aws:sts::444455556666:federated-user/bob",
        "logs.amazonaws.com",
        "anonymous",
    ];
    let sets = [
        PolicySet { identity: vec![policy.clone()], ..PolicySet::default() },
        PolicySet { key_policy: Some(policy), ..PolicySet::default() },
    ];
    for caller in callers {
        let Ok(principal) = Principal::parse(caller) else { continue };
        for (action, resource) in [("kms:Decrypt", KEY), ("kms:CreateKey", "*"), ("kms:FutureAction", KEY), ("s3:GetObject", "arn:aws:s3:::b/k")] {
            let r = Request { principal: principal.clone(), action: action.into(), resource: resource.into(), context: Default::default() };
            for set in &sets {
                let _ = evaluate(set, &r);
            }
        }
    }
});
