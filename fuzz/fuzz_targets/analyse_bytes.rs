//! Arbitrary bytes through parse → lower → index → flow analysis → report.
//!
//! facadelint contains its own panics (`guard.rs`): a panic while parsing, lowering or
//! analysing becomes an `internal-error` diagnostic instead of unwinding, so the fuzzer would
//! never see it. Such a diagnostic is turned back into a crash here. Bytes are read the way
//! `analyzer/tests/fuzz_regressions.rs` replays them (lossy UTF-8).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let diagnostics = facadelint::pipeline::analyse_text(&text);
    if let Some(d) = diagnostics.iter().find(|d| d.code == "internal-error") {
        panic!("internal-error: {}", d.message);
    }
});
