//! Bytes → a property file of `keyward prove` or an error, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = keyward::properties::property_file::parse("property.toml", text);
});
