//! End to end: a generated ~10k-line Curator-style workspace compiles, and facadelint (the
//! real debug binary) reports exactly the planted leaks: the primary locations of its
//! `watcher-removal-bypass` findings are the `file:line`s of `planted.json`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use facadelint_bench::gen::read_planted;

const LINES: usize = 10_000;
const SEED: u64 = 1;

/// Findings facadelint reports for `SEED` that are not planted leaks, each a known analyzer
/// discrepancy with its explanation (the generator is not bent around them). When the
/// analyzer is fixed the test fails until the entry is removed. None at the moment: the one
/// this test found (the builder line `let client = client.with_session_timeout(..)` reported a
/// second time as a "foreign" client when the same builder type is also used on the raw
/// client) is fixture `merged-builders-leak`, fixed in 229198a.
const KNOWN_EXTRA: &[(&str, usize)] = &[];

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Generates the workspace into a fresh temporary folder.
fn generate(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    let out = Command::new(env!("CARGO_BIN_EXE_gen-workspace"))
        .args([
            "--lines",
            &LINES.to_string(),
            "--seed",
            &SEED.to_string(),
            "--out",
        ])
        .arg(dir)
        .output()
        .expect("run gen-workspace");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "gen-workspace failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.starts_with("lines=") && stdout.contains(" planted="),
        "{stdout}"
    );
}

/// `target/debug/facadelint` of this workspace, built first if it is missing.
fn facadelint() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let bin = target
        .join("debug")
        .join(format!("facadelint{}", std::env::consts::EXE_SUFFIX));
    if !bin.is_file() {
        let status = Command::new(cargo())
            .args(["build", "-p", "facadelint", "-q"])
            .current_dir(workspace_root())
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p facadelint failed");
    }
    bin
}

/// `(file, line)` of each `path:line:col: error[watcher-removal-bypass]` line, paths relative
/// to `dir`.
fn reported(dir: &Path, stderr: &str) -> BTreeSet<(String, usize)> {
    stderr
        .lines()
        .filter_map(|l| {
            let (loc, _) = l.split_once(": error[watcher-removal-bypass]")?;
            let mut parts = loc.rsplitn(3, ':');
            let _col = parts.next()?;
            let line: usize = parts.next()?.parse().ok()?;
            let path = parts.next()?;
            let path = Path::new(path);
            let path = path.strip_prefix(dir).unwrap_or(path);
            let path = path.to_string_lossy().replace('\\', "/");
            Some((path.trim_start_matches("./").to_string(), line))
        })
        .collect()
}

#[test]
fn generated_workspace_compiles_and_facadelint_reports_exactly_the_planted_leaks() {
    let dir = std::env::temp_dir().join(format!("facadelint-bench-{}", std::process::id()));
    generate(&dir);
    let facadelint = facadelint();
    // Both at once: the compile check takes a few seconds, facadelint (debug) longer.
    std::thread::scope(|s| {
        let check = s.spawn(|| compiles(&dir));
        reports_exactly_the_planted_leaks(&dir, &facadelint);
        check.join().unwrap();
    });
    let _ = std::fs::remove_dir_all(&dir);
}

/// `cargo check` of the whole generated workspace succeeds (std only, so offline works).
fn compiles(dir: &Path) {
    let out = Command::new(cargo())
        .args(["check", "--offline", "-q", "--workspace", "--target-dir"])
        .arg(dir.join("target"))
        .current_dir(dir)
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .expect("run cargo check");
    assert!(
        out.status.success(),
        "generated workspace {} does not compile:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn reports_exactly_the_planted_leaks(dir: &Path, facadelint: &Path) {
    let planted: BTreeSet<(String, usize)> =
        read_planted(&std::fs::read_to_string(dir.join("planted.json")).unwrap())
            .unwrap()
            .into_iter()
            .map(|p| (p.file, p.line))
            .collect();
    assert!(planted.len() >= 3, "too few planted leaks: {planted:?}");
    let run = |extra: &[&str]| {
        Command::new(facadelint)
            .args([".", "--message-format", "short", "-q", "--color", "never"])
            .args(extra)
            .current_dir(dir)
            .env_remove("RAYON_NUM_THREADS")
            .output()
            .expect("run facadelint")
    };
    let out = run(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "facadelint exit code\n{stderr}");
    // The prefilter skips files here (helpers that never touch a client): it must not
    // change a byte of the output.
    let all = run(&["--no-prefilter"]);
    assert_eq!(
        (all.status.code(), String::from_utf8_lossy(&all.stderr)),
        (out.status.code(), stderr.clone()),
        "--no-prefilter changed the output (left: --no-prefilter)"
    );
    let reported = reported(dir, &stderr);
    let known: BTreeSet<(String, usize)> = KNOWN_EXTRA
        .iter()
        .map(|&(f, l)| (f.to_string(), l))
        .collect();
    let missed: Vec<_> = planted.difference(&reported).collect();
    let extra: Vec<_> = reported
        .difference(&planted)
        .filter(|r| !known.contains(*r))
        .collect();
    let fixed: Vec<_> = known.difference(&reported).collect();
    assert!(
        missed.is_empty() && extra.is_empty() && fixed.is_empty(),
        "planted leaks not reported: {missed:?}\nreported but not planted: {extra:?}\n\
         known discrepancies no longer reported (remove them from KNOWN_EXTRA): {fixed:?}\n\
         workspace: {}\n{stderr}",
        dir.display()
    );
}
