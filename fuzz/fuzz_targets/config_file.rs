//! Bytes → a keyward.toml (controls, parameters, ignores) or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut params = keyward::controls::Params::default();
    let _ = params.load_config("keyward.toml", text);
});
