//! Every crate under `fixtures/`: it compiles, its diagnostics match the snapshot
//! `expected.stderr` exactly, and every `//~ rule-id` marker has a finding at that line while
//! every finding has a marker (no noise, no misses). Markers count: a `//~| rule-id` line
//! (rustc's convention) expects one more finding at the line of the marker before it.

mod common;

use common::*;
use std::collections::BTreeMap;
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

type Expected = BTreeMap<(String, usize, String), usize>;

/// How many findings of each rule every line expects: `//~ rule` marks its own line,
/// `//~| rule` the line of the marker before it.
fn markers(dir: &Path) -> Expected {
    let mut files = Vec::new();
    rs_files(&dir.join("src"), &mut files);
    let mut out = BTreeMap::new();
    for f in files {
        let rel = f
            .strip_prefix(workspace_root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let mut last_marked = None;
        for (i, line) in std::fs::read_to_string(&f).unwrap().lines().enumerate() {
            let (at, rule) = if let Some((_, rule)) = line.split_once("//~| ") {
                let at = last_marked.expect("`//~|` needs a `//~` marker before it");
                (at, rule)
            } else if let Some((_, rule)) = line.split_once("//~ ") {
                last_marked = Some(i + 1);
                (i + 1, rule)
            } else {
                continue;
            };
            *out.entry((rel.clone(), at, rule.trim().to_string()))
                .or_insert(0) += 1;
        }
    }
    out
}

/// How many findings of each rule every line has, from `--message-format short`.
fn findings(dir: &Path) -> Expected {
    let mut args = args_for(dir);
    args.extend(["--message-format".into(), "short".into(), "-q".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = run_in(&workspace_root(), &args, &[]);
    let mut out = BTreeMap::new();
    for l in run.stderr.lines() {
        let Some((loc, rest)) = l
            .split_once(": error[")
            .or_else(|| l.split_once(": warning["))
        else {
            continue;
        };
        let Some(rule) = rest.split(']').next() else {
            continue;
        };
        let mut parts = loc.rsplitn(3, ':');
        let _col = parts.next();
        let (Some(line), Some(file)) = (parts.next().and_then(|n| n.parse().ok()), parts.next())
        else {
            continue;
        };
        *out.entry((file.to_string(), line, rule.to_string()))
            .or_insert(0) += 1;
    }
    out
}

/// The entries of `a` that `b` lacks (with how many are missing).
fn excess(a: &Expected, b: &Expected) -> Vec<String> {
    a.iter()
        .filter_map(|(k, &n)| {
            let m = b.get(k).copied().unwrap_or(0);
            (n > m).then(|| format!("{}:{} {} x{}", k.0, k.1, k.2, n - m))
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
        let noisy = excess(&got, &expected);
        let missing = excess(&expected, &got);
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
