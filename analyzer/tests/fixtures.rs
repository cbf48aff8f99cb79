//! Every crate under `fixtures/`: it compiles, its diagnostics match the snapshot
//! `expected.stderr` exactly, and every `//~ rule-id` marker has a finding at that line while
//! every finding has a marker (no noise, no misses).

mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn args_for(dir: &Path) -> Vec<String> {
    let rel = dir
        .strip_prefix(workspace_root())
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut args = vec![rel.clone(), "--color".into(), "never".into()];
    if dir.join("facadelint-rules").is_dir() {
        args.push("--rules".into());
        args.push(format!("{rel}/facadelint-rules"));
    }
    args
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `(file, line, rule)` of every `//~ rule` marker.
fn markers(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut files = Vec::new();
    rs_files(&dir.join("src"), &mut files);
    let mut out = BTreeSet::new();
    for f in files {
        let rel = f
            .strip_prefix(workspace_root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            if let Some((_, rule)) = line.split_once("//~ ") {
                out.insert((rel.clone(), i + 1, rule.trim().to_string()));
            }
        }
    }
    out
}

/// `(file, line, rule)` of every finding, from `--message-format short`.
fn findings(dir: &Path) -> BTreeSet<(String, usize, String)> {
    let mut args = args_for(dir);
    args.extend(["--message-format".into(), "short".into(), "-q".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_in(&workspace_root(), &args, &[]);
    run.stderr
        .lines()
        .filter_map(|l| {
            let (loc, rest) = l
                .split_once(": error[")
                .or_else(|| l.split_once(": warning["))?;
            let rule = rest.split(']').next()?.to_string();
            let mut parts = loc.rsplitn(3, ':');
            let _col = parts.next()?;
            let line = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_string(), line, rule))
        })
        .collect()
}

#[test]
fn fixtures_match_their_snapshots() {
    let mut failures = Vec::new();
    for dir in fixtures() {
        let args = args_for(&dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run_in(&workspace_root(), &args, &[]);
        let expected_code = if markers(&dir).is_empty() { 0 } else { 1 };
        let rendered = format!("{}exit code: {}\n", run.stderr, run.code);
        let result =
            std::panic::catch_unwind(|| assert_snapshot(&dir.join("expected.stderr"), &rendered));
        if result.is_err() {
            failures.push(format!("{}: snapshot differs", dir.display()));
        }
        let known_gap = dir.join("known-gap.md").is_file();
        if run.code != expected_code && !known_gap {
            failures.push(format!(
                "{}: exit code {} (expected {expected_code})",
                dir.display(),
                run.code
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_marker_has_a_finding_and_every_finding_a_marker() {
    let mut report = Vec::new();
    for dir in fixtures() {
        let expected = markers(&dir);
        let got = findings(&dir);
        let noisy: Vec<_> = got.difference(&expected).collect();
        let missing: Vec<_> = expected.difference(&got).collect();
        let known_gap = dir.join("known-gap.md").is_file();
        if known_gap {
            // A documented gap must still be a gap: when it is fixed, remove known-gap.md.
            if missing.is_empty() && noisy.is_empty() {
                report.push(format!(
                    "{}: known gap is fixed; delete known-gap.md",
                    dir.display()
                ));
            }
            continue;
        }
        if !noisy.is_empty() || !missing.is_empty() {
            report.push(format!(
                "{}: noisy {noisy:?}, missing {missing:?}",
                dir.display()
            ));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn fixtures_compile_with_rustc() {
    let target =
        std::env::temp_dir().join(format!("facadelint-fixture-check-{}", std::process::id()));
    std::fs::create_dir_all(&target).unwrap();
    for dir in fixtures() {
        let out = std::process::Command::new("rustc")
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--emit=metadata",
                "--cap-lints",
                "allow",
                "-o",
            ])
            .arg(target.join(format!(
                    "{}.rmeta",
                    dir.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .replace(['.', '-'], "_")
                )))
            .arg(dir.join("src/lib.rs"))
            .output()
            .expect("rustc");
        assert!(
            out.status.success(),
            "{} does not compile:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&target);
}

#[test]
fn prefilter_never_changes_the_output() {
    let mut differ = Vec::new();
    for dir in fixtures() {
        let args = args_for(&dir);
        let mut with: Vec<&str> = args.iter().map(String::as_str).collect();
        let filtered = run_in(&workspace_root(), &with, &[]);
        with.push("--no-prefilter");
        let full = run_in(&workspace_root(), &with, &[]);
        if (filtered.code, &filtered.stderr) != (full.code, &full.stderr) {
            differ.push(format!(
                "{}:\n{}\n--- without prefilter:\n{}",
                dir.display(),
                filtered.stderr,
                full.stderr
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
