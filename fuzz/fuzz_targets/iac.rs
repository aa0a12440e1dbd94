//! Bytes → the subjects of a CloudFormation template or a Terraform plan, or diagnostics: the
//! readers (YAML/JSON with positions, intrinsic resolution, placeholders, plan rebuilding)
//! never panic, and every diagnostic has a line and column.
#![no_main]
use keyward::inputs::template::{self, TemplateOptions};
use keyward::inputs::terraform;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let opts = TemplateOptions::default();
    let mut errors = Vec::new();
    let _ = template::load("fuzz.yaml", text, &opts, &mut errors);
    let _ = terraform::load("fuzz.json", text, &opts, &mut errors);
    for e in &errors {
        assert!(e.line > 0 && e.column > 0, "a diagnostic without a place: {e:?}");
    }
});
