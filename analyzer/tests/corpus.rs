//! The real-code corpus (`../shared/corpus`: ~4,800 files, 2.27M lines of popular crates):
//! no panic, every file analysed or reported with a location, zero findings with the shipped
//! rules, the same output with and without the prefilter, and with 1 or 2 threads.
//!
//! Slow, so it runs only when `FACADELINT_CORPUS` names the vendored folder (`.ci/run` fetches
//! it with `../shared/corpus/fetch.sh` and passes a release binary in `FACADELINT_BIN`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// syn rejects this 2015-edition bare trait object; the other entries name module files the
/// published crates do not ship (their tests, another platform's code).
const EXPECTED: &[&str] = &[
    "regex-1.13.2/tests/lib.rs:3:5: error[missing-module]: file not found for module `fuzz`",
    "regex-automata-0.4.19/tests/lib.rs:21:5: error[missing-module]: file not found for module `fuzz`",
    "rustls-webpki-0.103.17/src/aws_lc_rs_algs.rs:303:9: error[missing-module]: file not found for module `alg_tests`",
    "rustls-webpki-0.103.17/src/lib.rs:79:16: error[missing-module]: file not found for module `test_utils`",
    "rustls-webpki-0.103.17/src/ring_algs.rs:248:9: error[missing-module]: file not found for module `alg_tests`",
    "signal-hook-registry-1.4.8/src/lib.rs:140:17: error[parse-error]: could not parse: expected `;`",
];

struct Out {
    code: i32,
    stderr: String,
}

fn facadelint(corpus: &Path, args: &[&str], threads: &str) -> Out {
    let bin = std::env::var_os("FACADELINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_facadelint")));
    let out = Command::new(bin)
        .current_dir(corpus)
        .arg(".")
        .args(["--message-format", "short", "--color", "never"])
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("run facadelint");
    Out {
        code: out.status.code().expect("exited normally, not by a signal"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn diagnostics(out: &Out) -> Vec<String> {
    let mut lines: Vec<String> = out
        .stderr
        .lines()
        .filter(|l| l.contains(": error[") || l.contains(": warning["))
        .map(|l| l.trim_start_matches("./").to_string())
        .collect();
    lines.sort();
    lines
}

fn rs_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .count()
}

#[test]
fn corpus_is_analysed_without_panics_findings_or_lost_files() {
    let Some(corpus) = std::env::var_os("FACADELINT_CORPUS").map(PathBuf::from) else {
        eprintln!("skipped: set FACADELINT_CORPUS to the vendored corpus (see .ci/run)");
        return;
    };
    let expected: Vec<String> = EXPECTED.iter().map(|s| s.to_string()).collect();

    let full = facadelint(&corpus, &["--no-prefilter", "-v"], "2");
    assert_eq!(full.code, 2, "input errors, no findings:\n{}", full.stderr);
    assert_eq!(diagnostics(&full), expected, "{}", full.stderr);
    assert!(
        full.stderr
            .contains("facadelint: 0 findings, 6 input errors"),
        "{}",
        full.stderr
    );
    let files = rs_files(&corpus);
    assert!(
        full.stderr.contains("(0 not parsed"),
        "--no-prefilter parses every file:\n{}",
        full.stderr
    );
    let summary = full
        .stderr
        .lines()
        .find(|l| l.contains(" files ("))
        .unwrap_or("");
    let analysed: usize = summary
        .trim()
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        analysed >= files,
        "{analysed} files analysed of {files} on disk"
    );

    // With the prefilter, files that cannot matter are not parsed (their syntax errors are
    // the compiler's business); findings and module errors are the same.
    let filtered = facadelint(&corpus, &[], "2");
    assert_eq!(filtered.code, full.code);
    let not_parse_errors: Vec<String> = expected
        .iter()
        .filter(|l| !l.contains("parse-error"))
        .cloned()
        .collect();
    assert_eq!(
        diagnostics(&filtered),
        not_parse_errors,
        "the prefilter changes nothing but speed"
    );

    let one_thread = facadelint(&corpus, &[], "1");
    assert_eq!(
        one_thread.stderr, filtered.stderr,
        "output does not depend on the thread count"
    );
}
