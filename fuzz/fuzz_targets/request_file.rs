//! Bytes → a request (as `keyward eval --request` reads it) or diagnostics; a request that
//! parses also goes through the request-context facts check and `complete`.
#![no_main]
use keyward::model::request_facts::{check, complete};
use keyward::policy::json::with_json;
use keyward::policy::request_file::read_request;
use keyward::policy::Source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let source = Source::new("request.json", text);
    if let Ok(req) = with_json(&source, |root| read_request(&source, root, "")) {
        let _ = check(&req);
        let _ = check(&complete(&req));
    }
});
