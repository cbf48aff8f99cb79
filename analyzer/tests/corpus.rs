//! The real-code corpus (`corpus/`: ~4,800 files, 2.27M lines of popular crates):
//! no panic, every file on disk in a module tree and analysed or reported with a location,
//! exactly the known input errors and no finding with the shipped rules, the same output with
//! and without the prefilter, with 1 or 2 threads, and in a repeated run.
//!
//! Slow, so it runs only when `FACADELINT_CORPUS` names the vendored folder (`.ci/run` fetches
//! it with `corpus/fetch.sh` and passes a release binary in `FACADELINT_BIN`). In CI
//! (`CI` set) a missing `FACADELINT_CORPUS` is a failure, not a skip: a CI step that runs the
//! whole test suite before the corpus is fetched says so with `FACADELINT_CORPUS=skip`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every diagnostic of the `--no-prefilter` run, located or not, in short format. syn rejects
/// the 2015-edition bare trait object of signal-hook-registry; the other entries name module
/// files the published crates do not ship (their tests, another platform's code).
const EXPECTED: &[&str] = &[
    "regex-1.13.2/tests/lib.rs:3:5: error[missing-module]: file not found for module `fuzz`",
    "regex-automata-0.4.19/tests/lib.rs:21:5: error[missing-module]: file not found for module `fuzz`",
    "rustls-webpki-0.103.17/src/aws_lc_rs_algs.rs:303:9: error[missing-module]: file not found for module `alg_tests`",
    "rustls-webpki-0.103.17/src/lib.rs:79:16: error[missing-module]: file not found for module `test_utils`",
    "rustls-webpki-0.103.17/src/ring_algs.rs:248:9: error[missing-module]: file not found for module `alg_tests`",
    "signal-hook-registry-1.4.8/src/lib.rs:140:17: error[parse-error]: could not parse: expected `;`",
];

/// Files in the module trees that are not `.rs` files: shlex includes its documentation as a
/// module (`#[path = "quoting_warning.md"] mod quoting_warning;`, a doc-comment-only file).
const NOT_RS_IN_TREES: &[&str] = &["shlex-2.0.1/src/quoting_warning.md"];

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    /// Stderr without the per-file list of `-vv`: what a failure message shows.
    fn shown(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| !l.starts_with("  file "))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    /// Stderr without the `-v` timing and memory lines: what must not vary between runs.
    fn untimed(&self) -> String {
        self.stderr
            .lines()
            .filter(|l| !l.starts_with("  phase "))
            .map(|l| format!("{l}\n"))
            .collect()
    }
}

fn facadelint(corpus: &Path, args: &[&str], threads: &str) -> Out {
    let bin = std::env::var_os("FACADELINT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_facadelint")));
    let out = Command::new(bin)
        .current_dir(corpus)
        .arg(".")
        .args(["--message-format", "short", "--color", "never", "-vv"])
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .env_remove("FACADELINT_INJECT_PANIC")
        .output()
        .expect("run facadelint");
    Out {
        code: out.status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every line of stderr that is neither the summary nor the indented `-v`/`-vv` report:
/// located diagnostics (`file:line:col: error[…]`), unlocated ones (`error[internal-error]: …`,
/// `warning[cargo-metadata]: …`) and anything else printed (a panic message), sorted.
fn diagnostics(out: &Out) -> Vec<String> {
    let mut lines: Vec<String> = out
        .stderr
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("facadelint: ") && !l.starts_with("  "))
        .map(|l| l.trim_start_matches("./").to_string())
        .collect();
    lines.sort();
    lines
}

/// The one summary line.
fn summary(out: &Out) -> &str {
    let lines: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("facadelint: "))
        .collect();
    assert_eq!(lines.len(), 1, "one summary line\n{}", out.shown());
    lines[0]
}

/// The files of the analysed module trees (`-vv`), relative to the corpus.
fn listed_files(out: &Out) -> BTreeSet<String> {
    out.stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  file "))
        .map(|f| f.trim_start_matches("./").to_string())
        .collect()
}

/// `(files, not parsed)` from the `-v` counts line.
fn counts(out: &Out) -> (usize, usize) {
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains(" files (") && l.contains(" not parsed"))
        .unwrap_or_else(|| panic!("no counts line\n{}", out.shown()));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .take(2)
        .collect();
    (numbers[0], numbers[1])
}

fn rs_files_on_disk(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("corpus readable"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect()
}

/// Whether this is a CI run (`CI=true`, as GitHub Actions and GitLab set it, or `CI=1`).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Straight to the process's stderr: the test harness captures `eprintln!` of a passing test.
fn loud(why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** corpus test SKIPPED: {why} ***\n");
}

/// The corpus folder, or `None` after saying loudly why the test does not run.
fn corpus() -> Option<PathBuf> {
    match std::env::var_os("FACADELINT_CORPUS") {
        Some(dir) if dir == "skip" => {
            loud("FACADELINT_CORPUS=skip (a later step must run it)");
            None
        }
        Some(dir) => Some(PathBuf::from(dir)),
        None if in_ci() => panic!(
            "CI is set but FACADELINT_CORPUS is not: the corpus test would not run. Set it to the \
             vendored corpus (`bash corpus/fetch.sh` prints it), or to `skip` in a \
             step that runs the whole suite before a later step runs the corpus"
        ),
        None => {
            loud(
                "set FACADELINT_CORPUS to the vendored corpus (`bash corpus/fetch.sh` \
                 prints it; see .ci/run)",
            );
            None
        }
    }
}

/// A second run gives the same bytes (timings aside).
fn assert_same(a: &Out, b: &Out, what: &str) {
    assert_eq!(a.code, b.code, "{what}: exit code");
    assert_eq!(a.stdout, b.stdout, "{what}: stdout");
    if a.untimed() != b.untimed() {
        let first = a
            .untimed()
            .lines()
            .zip(b.untimed().lines())
            .find(|(x, y)| x != y)
            .map(|(x, y)| format!("first difference:\n  {x}\n  {y}"))
            .unwrap_or_else(|| "one output is a prefix of the other".to_string());
        panic!("{what}: stderr differs; {first}");
    }
}

#[test]
fn corpus_is_analysed_without_panics_findings_or_lost_files() {
    let Some(corpus) = corpus() else {
        return;
    };
    assert!(
        corpus.is_dir(),
        "FACADELINT_CORPUS={} is not a folder",
        corpus.display()
    );
    let expected: Vec<String> = EXPECTED.iter().map(|s| s.to_string()).collect();

    let full = facadelint(&corpus, &["--no-prefilter"], "2");
    assert_eq!(full.code, 2, "input errors, no findings:\n{}", full.shown());
    assert_eq!(full.stdout, "", "short format prints on stderr only");
    assert_eq!(diagnostics(&full), expected, "{}", full.shown());

    // Every `.rs` file on disk is in a module tree (so it was parsed: `0 not parsed`), and
    // nothing else is, but the known non-`.rs` module files.
    let on_disk = rs_files_on_disk(&corpus);
    let listed = listed_files(&full);
    let missing: Vec<&String> = on_disk.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "{} files on disk not analysed: {missing:?}",
        missing.len()
    );
    let extra: Vec<&str> = listed.difference(&on_disk).map(String::as_str).collect();
    assert_eq!(
        extra, NOT_RS_IN_TREES,
        "module files that are not `.rs` files"
    );
    assert_eq!(
        counts(&full),
        (listed.len(), 0),
        "--no-prefilter parses every file:\n{}",
        full.shown()
    );
    assert_eq!(
        summary(&full),
        format!(
            "facadelint: 0 findings, {} input errors in {} files",
            EXPECTED.len(),
            listed.len()
        )
    );

    let one_thread = facadelint(&corpus, &["--no-prefilter"], "1");
    assert_same(&full, &one_thread, "--no-prefilter with 1 and 2 threads");
    let again = facadelint(&corpus, &["--no-prefilter"], "2");
    assert_same(&full, &again, "--no-prefilter run twice");

    // With the prefilter, files that cannot matter are not parsed (their syntax errors are
    // the compiler's business); the module trees, findings and module errors are the same.
    let filtered = facadelint(&corpus, &[], "2");
    assert_eq!(filtered.code, full.code, "{}", filtered.shown());
    assert_eq!(filtered.stdout, "");
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
    assert_eq!(listed_files(&filtered), listed);
    let (files, not_parsed) = counts(&filtered);
    assert_eq!(files, listed.len());
    assert!(
        not_parsed > files / 2,
        "the prefilter skips most of the corpus:\n{}",
        filtered.shown()
    );
    assert_eq!(
        summary(&filtered),
        format!(
            "facadelint: 0 findings, {} input errors in {} files",
            not_parse_errors.len(),
            listed.len()
        )
    );
    let one_thread = facadelint(&corpus, &[], "1");
    assert_same(&filtered, &one_thread, "prefiltered with 1 and 2 threads");
    let again = facadelint(&corpus, &[], "2");
    assert_same(&filtered, &again, "prefiltered run twice");
}
