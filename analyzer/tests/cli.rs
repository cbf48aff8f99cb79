//! UI tests of the command line: exact rendered output (snapshots in `tests/ui/*.stderr`,
//! bless with FACADELINT_BLESS=1) and exit codes, run through the real binaries.

mod common;

use common::*;
use std::path::Path;

fn ui(name: &str) -> std::path::PathBuf {
    workspace_root().join("analyzer/tests/ui").join(name)
}

fn snapshot(name: &str, run: &Run) {
    let text = format!("{}exit code: {}\n", run.stderr, run.code);
    assert_snapshot(&ui(&format!("{name}.stderr")), &text);
}

fn root_run(args: &[&str]) -> Run {
    run_in(&workspace_root(), args, &[])
}

#[test]
fn parse_error_is_located_and_other_files_are_still_analysed() {
    let run = root_run(&["analyzer/tests/ui/parse-error", "--color", "never"]);
    // The syntax error makes the exit code 2; the leak in the other file is still reported.
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("error[watcher-removal-bypass]"));
    snapshot("parse-error", &run);
}

#[test]
fn unknown_key_in_rule_file_points_inside_the_toml() {
    let run = root_run(&[
        "fixtures/curator-5.5.0",
        "--rules",
        "analyzer/tests/ui/bad-rule/unknown-field.toml",
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 2);
    snapshot("bad-rule-unknown-field", &run);
}

#[test]
fn bad_value_in_rule_file_points_at_the_value() {
    let run = root_run(&[
        "fixtures/curator-5.5.0",
        "--rules",
        "analyzer/tests/ui/bad-rule/bad-level.toml",
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 2);
    snapshot("bad-rule-bad-level", &run);
}

#[test]
fn missing_path_is_a_usage_error() {
    let run = root_run(&["fixtures/no-such-crate", "--color", "never"]);
    assert_eq!(run.code, 2);
    snapshot("missing-path", &run);
}

#[test]
fn module_tree_follows_mod_rs_path_attributes_inline_and_gated_modules() {
    let run = root_run(&["analyzer/tests/ui/module-tree", "--color", "never"]);
    assert_eq!(run.code, 2, "the missing module is an input error");
    // lib.rs, a/mod.rs, a/b.rs, other/renamed.rs, other/y.rs, c/d.rs and the cfg-gated gated.rs.
    assert!(run.stderr.contains("in 7 files"), "{}", run.stderr);
    snapshot("module-tree", &run);
}

#[test]
fn exit_codes_follow_findings() {
    assert_eq!(root_run(&["fixtures/curator-5.5.0", "-q"]).code, 0);
    assert_eq!(root_run(&["fixtures/curator-5.6.0", "-q"]).code, 1);
    assert_eq!(root_run(&["--no-such-flag"]).code, 2);
    let help = root_run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("Exit codes:"), "{}", help.stdout);
}

#[test]
fn output_is_identical_across_thread_counts() {
    let args = [
        "fixtures/closure-leak",
        "fixtures/curator-5.6.0",
        "analyzer/tests/ui/parse-error",
        "--color",
        "never",
    ];
    let one = run_in(&workspace_root(), &args, &[("RAYON_NUM_THREADS", "1")]);
    let two = run_in(&workspace_root(), &args, &[("RAYON_NUM_THREADS", "2")]);
    let again = run_in(&workspace_root(), &args, &[("RAYON_NUM_THREADS", "2")]);
    assert_eq!(one.stderr, two.stderr);
    assert_eq!(two.stderr, again.stderr);
    assert_eq!(one.code, two.code);
}

#[test]
fn cargo_subcommand_drops_its_own_name() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-facadelint"))
        .current_dir(workspace_root())
        .args(["facadelint", "fixtures/curator-5.6.0", "--color", "never"])
        .output()
        .unwrap();
    let direct = root_run(&["fixtures/curator-5.6.0", "--color", "never"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), direct.stderr);
}

#[test]
fn cargo_project_is_found_from_the_working_directory() {
    let dir = workspace_root().join("fixtures/curator-5.6.0");
    let run = run_in(&dir, &["--color", "never", "-q"], &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("--> src/imps/watcher_removal_facade.rs:37:9"),
        "{}",
        run.stderr
    );
    assert!(
        !Path::new(&dir.join("Cargo.lock")).exists(),
        "analysis must not write into the project"
    );
}

#[test]
fn explain_prints_the_rule_docs_and_list_rules_lists_them() {
    let run = root_run(&["--explain", "watcher-removal-bypass"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("watcher-removal-bypass\n======================\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Why is this bad?"));
    let list = root_run(&["list-rules"]);
    assert_eq!(list.code, 0);
    assert!(
        list.stdout.contains("watcher-removal-bypass"),
        "{}",
        list.stdout
    );
    assert_eq!(root_run(&["--explain", "no-such-rule"]).code, 2);
}

#[test]
fn json_lines_carry_cargo_envelope_and_rustc_diagnostic_fields() {
    let run = root_run(&["fixtures/curator-5.6.0", "--message-format", "json"]);
    assert_eq!(run.code, 1);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    assert_eq!(
        lines.len(),
        2,
        "one finding and the closing line:\n{}",
        run.stdout
    );
    let msg = &lines[0];
    assert_eq!(msg["reason"], "compiler-message");
    assert!(msg["package_id"]
        .as_str()
        .unwrap()
        .contains("fixture-curator-5-6-0"));
    assert!(msg["manifest_path"]
        .as_str()
        .unwrap()
        .ends_with("fixtures/curator-5.6.0/Cargo.toml"));
    assert_eq!(msg["target"]["kind"][0], "lib");
    let m = &msg["message"];
    assert_eq!(m["level"], "error");
    assert_eq!(m["code"]["code"], "watcher-removal-bypass");
    assert!(m["code"]["explanation"]
        .as_str()
        .unwrap()
        .contains("## Why is this bad?"));
    let spans = m["spans"].as_array().unwrap();
    assert_eq!(spans.len(), 4);
    let primary: Vec<_> = spans.iter().filter(|s| s["is_primary"] == true).collect();
    assert_eq!(primary.len(), 1);
    let p = primary[0];
    assert_eq!(
        p["file_name"],
        "fixtures/curator-5.6.0/src/imps/watcher_removal_facade.rs"
    );
    assert_eq!(
        (p["line_start"].as_u64(), p["column_start"].as_u64()),
        (Some(37), Some(9))
    );
    assert_eq!(
        (p["line_end"].as_u64(), p["column_end"].as_u64()),
        (Some(37), Some(40))
    );
    let source =
        std::fs::read_to_string(workspace_root().join(p["file_name"].as_str().unwrap())).unwrap();
    let (start, end) = (
        p["byte_start"].as_u64().unwrap() as usize,
        p["byte_end"].as_u64().unwrap() as usize,
    );
    assert_eq!(&source[start..end], "self.client.using_namespace(ns)");
    assert_eq!(p["text"][0]["highlight_start"], 9);
    let children = m["children"].as_array().unwrap();
    assert!(children.iter().any(|c| c["level"] == "note"
        && c["message"]
            .as_str()
            .unwrap()
            .starts_with("chain before the bypass:")));
    assert!(children.iter().any(|c| c["level"] == "help"));
    assert!(m["rendered"]
        .as_str()
        .unwrap()
        .starts_with("error[watcher-removal-bypass]"));
    assert_eq!(
        lines[1],
        serde_json::json!({"reason": "build-finished", "success": false})
    );
}

fn snapshot_tree(dir: &Path) -> Vec<(String, Vec<u8>, std::time::SystemTime)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .map(|e| {
            let meta = e.metadata().unwrap();
            let bytes = if meta.is_file() {
                std::fs::read(e.path()).unwrap()
            } else {
                Vec::new()
            };
            (
                e.path().display().to_string(),
                bytes,
                meta.modified().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn analysed_tree_is_left_exactly_as_it_was() {
    let dir = copy_fixture("curator-5.6.0", "read-only");
    let before = snapshot_tree(&dir);
    for args in [
        vec!["--color", "never"],
        vec!["--message-format", "json"],
        vec!["--message-format", "sarif"],
        vec!["audit"],
        vec!["--no-prefilter", "-v"],
    ] {
        let run = run_in(&dir, &args, &[]);
        assert!(run.code == 0 || run.code == 1, "{args:?}: {}", run.stderr);
    }
    assert_eq!(
        snapshot_tree(&dir),
        before,
        "no file created, changed or touched"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
