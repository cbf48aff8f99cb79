//! `--message-format sarif`: the output validates against the official SARIF 2.1.0 JSON schema
//! (checked by `scripts/sarif-validator.sh`: pinned `jsonschema` and the OASIS schema, installed
//! once into `target/sarif-validator/`), and carries the finding where code scanning UIs look.

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn sample(name: &str) -> PathBuf {
    workspace_root().join("analyzer/tests/sarif").join(name)
}

/// Runs `bash scripts/sarif-validator.sh FILES...` from the workspace root.
fn validate(files: &[&Path]) -> Run {
    let out = Command::new("bash")
        .current_dir(workspace_root())
        .arg("scripts/sarif-validator.sh")
        .args(files)
        .output()
        .expect("run bash scripts/sarif-validator.sh");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs facadelint on `fixture` with `--message-format sarif` from the workspace root, checks
/// its exit code, and writes its stdout to a temp file. Returns the file and the parsed log.
fn sarif_of(fixture: &str, expected_code: i32) -> (PathBuf, Value) {
    let run = run_in(
        &workspace_root(),
        &[fixture, "--message-format", "sarif"],
        &[],
    );
    assert_eq!(
        run.code, expected_code,
        "facadelint {fixture} --message-format sarif\n--- stderr\n{}\n--- stdout\n{}",
        run.stderr, run.stdout
    );
    let name = fixture.replace('/', "_");
    let file = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("sarif-{}-{name}.sarif", std::process::id()));
    std::fs::write(&file, &run.stdout).unwrap();
    let log: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", run.stdout));
    (file, log)
}

/// Checks what every facadelint SARIF log has: version, tool, and one rule per facadelint rule.
fn assert_log_header(log: &Value) {
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "facadelint");

    let rules = driver["rules"]
        .as_array()
        .expect("runs[0].tool.driver.rules");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // One rule per rule that `facadelint list-rules` lists, in any order, none twice.
    let listed = run_in(&workspace_root(), &["list-rules"], &[]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let mut expected: Vec<&str> = listed
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let mut actual = ids.clone();
    expected.sort_unstable();
    actual.sort_unstable();
    assert_eq!(actual, expected, "driver.rules vs `facadelint list-rules`");
    assert!(ids.contains(&"watcher-removal-bypass"), "{ids:?}");
    for rule in rules {
        let help = rule["help"]["text"].as_str().unwrap_or("");
        assert!(!help.trim().is_empty(), "rule without help.text: {rule}");
    }
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let (leak, _) = sarif_of("fixtures/curator-5.6.0", 1);
    let (clean, _) = sarif_of("fixtures/curator-5.5.0", 0);
    let run = validate(&[&leak, &clean]);
    assert_eq!(
        run.code, 0,
        "SARIF output is not valid SARIF 2.1.0\n--- stderr\n{}\n--- stdout\n{}",
        run.stderr, run.stdout
    );
    assert_eq!(
        run.stdout,
        format!("valid: {}\nvalid: {}\n", leak.display(), clean.display())
    );
    let _ = std::fs::remove_file(leak);
    let _ = std::fs::remove_file(clean);
}

#[test]
fn sarif_for_curator_5_6_0_has_the_finding_with_its_path() {
    let (file, log) = sarif_of("fixtures/curator-5.6.0", 1);
    let _ = std::fs::remove_file(file);
    assert_log_header(&log);

    let results = log["runs"][0]["results"]
        .as_array()
        .expect("runs[0].results");
    assert_eq!(results.len(), 1, "{results:#?}");
    let result = &results[0];
    assert_eq!(result["ruleId"], "watcher-removal-bypass");
    assert_eq!(result["level"], "error");

    let physical = &result["locations"][0]["physicalLocation"];
    let artifact = &physical["artifactLocation"];
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        artifact["uri"],
        "fixtures/curator-5.6.0/src/imps/watcher_removal_facade.rs"
    );
    assert_eq!(physical["region"]["startLine"], 37);
    assert_eq!(physical["region"]["startColumn"], 9);

    let steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("codeFlows[0].threadFlows[0].locations");
    assert!(steps.len() >= 3, "{steps:#?}");
}

#[test]
fn sarif_for_curator_5_5_0_has_no_results() {
    let (file, log) = sarif_of("fixtures/curator-5.5.0", 0);
    let _ = std::fs::remove_file(file);
    assert_log_header(&log);
    let results = log["runs"][0]["results"]
        .as_array()
        .expect("runs[0].results");
    assert!(results.is_empty(), "{results:#?}");
}

/// The validator itself: it accepts a valid log and rejects an invalid one with its messages.
#[test]
fn validator_accepts_valid_sarif_and_rejects_invalid_sarif() {
    let valid = sample("minimal-valid.sarif");
    let run = validate(&[&valid]);
    assert_eq!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    assert_eq!(run.stdout, format!("valid: {}\n", valid.display()));

    let invalid = sample("invalid.sarif");
    let run = validate(&[&invalid]);
    assert_ne!(run.code, 0, "{}\n{}", run.stderr, run.stdout);
    assert_eq!(run.stdout, "", "nothing is `valid:` here");
    // The schema's own complaints, one per mistake planted in the file.
    for expected in [
        "'message' is a required property",
        "'fatal' is not one of",
        "0 is less than the minimum of 1",
        "is not of type 'object'",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }

    // Both at once: the valid one is still reported, and the run fails.
    let run = validate(&[&valid, &invalid]);
    assert_ne!(run.code, 0);
    assert_eq!(run.stdout, format!("valid: {}\n", valid.display()));
}
