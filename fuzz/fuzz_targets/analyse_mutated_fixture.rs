//! Structured inputs: a one-file Curator model with fuzzer-chosen edits (deleted or repeated
//! lines, swapped identifiers), so the analysis sees nearly-valid client code. An
//! `internal-error` diagnostic (a panic contained by `guard.rs`) is turned back into a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

const MODEL: &str = include_str!("../../analyzer/tests/ui/parse-error/leak.rs");
const WORDS: &[&str] = &[
    "self.client",
    "self",
    "Arc::new",
    "clone()",
    "using_namespace",
    "manager",
    "{",
    "}",
    ";",
    "&",
    "?",
];

fuzz_target!(|data: &[u8]| {
    let mut lines: Vec<String> = MODEL.lines().map(str::to_string).collect();
    for chunk in data.chunks(3) {
        let [op, a, b] = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = lines.len().max(1);
        let i = a as usize % n;
        match op % 4 {
            0 if lines.len() > 1 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                let w = WORDS[b as usize % WORDS.len()];
                lines[i].push_str(w);
            }
            _ => {
                let j = b as usize % n;
                lines.swap(i, j);
            }
        }
    }
    let diagnostics = facadelint::pipeline::analyse_text(&lines.join("\n"));
    if let Some(d) = diagnostics.iter().find(|d| d.code == "internal-error") {
        panic!("internal-error: {}", d.message);
    }
});
