//! Arbitrary bytes through parse → lower → index → flow analysis → report.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = facadelint::pipeline::analyse_text(text);
    }
});
