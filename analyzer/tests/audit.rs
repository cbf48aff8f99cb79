//! `facadelint audit` on every fixture: the exact table (snapshot `fixtures/<name>/expected.audit`,
//! bless with FACADELINT_BLESS=1), plus structured checks of the JSON and Markdown forms on the
//! Curator models.

mod common;

use common::*;

fn audit(fixture: &str, format: &str) -> Run {
    let dir = format!("fixtures/{fixture}");
    let rules = format!("{dir}/facadelint-rules");
    let mut args = vec!["audit", dir.as_str(), "--format", format];
    if workspace_root().join(&rules).is_dir() {
        args.extend(["--rules", rules.as_str()]);
    }
    run_in(&workspace_root(), &args, &[])
}

#[test]
fn audit_tables_match_their_snapshots() {
    let mut failures = Vec::new();
    for dir in fixtures() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let run = audit(&name, "table");
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        if std::panic::catch_unwind(|| assert_snapshot(&dir.join("expected.audit"), &run.stdout))
            .is_err()
        {
            failures.push(name);
        }
    }
    assert!(failures.is_empty(), "audit snapshots differ: {failures:?}");
}

fn verdict(json: &serde_json::Value, facade: &str, method: &str) -> String {
    json["facades"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["facade"] == facade && f["tracker"].is_string())
        .flat_map(|f| f["methods"].as_array().unwrap())
        .find(|m| m["method"] == method)
        .map(|m| m["verdict"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("no {facade}::{method} in {json}"))
}

#[test]
fn curator_5_6_0_facade_drops_or_exposes_and_5_8_0_keeps() {
    let leak: serde_json::Value =
        serde_json::from_str(&audit("curator-5.6.0", "json").stdout).unwrap();
    for method in ["using_namespace", "non_namespace_view", "zookeeper_client"] {
        let v = verdict(&leak, "WatcherRemovalFacade", method);
        assert!(v == "drops" || v == "raw", "5.6.0 {method}: {v}");
    }
    let fixed: serde_json::Value =
        serde_json::from_str(&audit("curator-5.8.0", "json").stdout).unwrap();
    assert_eq!(
        verdict(&fixed, "WatcherRemovalFacade", "using_namespace"),
        "keeps"
    );
    assert_eq!(
        verdict(&fixed, "WatcherRemovalFacade", "non_namespace_view"),
        "keeps"
    );
}

#[test]
fn markdown_is_a_table_per_facade() {
    let md = audit("curator-5.6.0", "markdown").stdout;
    assert!(md.starts_with("## facadelint audit\n"), "{md}");
    assert!(md.contains("| method | verdict | via | returns | at |"));
    assert!(md.contains("| `using_namespace` | **drops** |"), "{md}");
}

#[test]
fn graphs_show_each_finding_path_with_the_bypass_highlighted() {
    let dir = std::env::temp_dir().join(format!("facadelint-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (format, name) in [("dot", "graph.dot"), ("mermaid", "graph.mmd")] {
        let out = dir.join(name);
        let out_s = out.to_string_lossy().into_owned();
        let run = run_in(
            &workspace_root(),
            &["fixtures/curator-5.6.0", "-q", "--graph", format, &out_s],
            &[],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        let text = std::fs::read_to_string(&out).unwrap();
        assert_snapshot(
            &workspace_root().join(format!("analyzer/tests/ui/curator-5.6.0.{name}")),
            &text,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_applies_the_rewrap_and_the_result_is_clean_and_compiles() {
    let dir = copy_fixture("curator-5.6.0", "fix");
    let fixed = run_in(&dir, &["--fix", "-q", "--color", "never"], &[]);
    assert_eq!(
        fixed.code, 1,
        "the findings of this run are still reported: {}",
        fixed.stderr
    );
    assert!(
        fixed
            .stderr
            .contains("fixed 1 finding in src/imps/watcher_removal_facade.rs"),
        "{}",
        fixed.stderr
    );
    let again = run_in(&dir, &["-q", "--color", "never"], &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
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
        .arg(dir.join("fixed.rmeta"))
        .arg(dir.join("src/lib.rs"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every fixture whose findings carry a machine-applicable fix: `--fix` on a copy gives code
/// that still compiles and no longer has the findings it fixed.
#[test]
fn every_machine_applicable_fix_compiles_and_removes_its_findings() {
    let mut fixed_any = 0;
    for dir in fixtures() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let json = run_in(&dir, &[".", "--message-format", "json"], &[]);
        let applicable = json.stdout.matches("\"MachineApplicable\"").count();
        if applicable == 0 {
            continue;
        }
        let before = json.stdout.matches("\"level\":\"error\"").count();
        let copy = copy_fixture(&name, &format!("fix-all-{name}"));
        let fix = run_in(&copy, &["--fix", "-q", "--color", "never"], &[]);
        assert_eq!(fix.code, 1, "{name}: {}", fix.stderr);
        let after = run_in(&copy, &[".", "--message-format", "json"], &[]);
        let remaining = after.stdout.matches("\"level\":\"error\"").count();
        assert!(
            remaining + applicable <= before,
            "{name}: {applicable} fixes applied but {remaining} of {before} findings remain\n{}",
            after.stdout
        );
        let out = std::process::Command::new("rustc")
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "lib",
                "--emit=metadata",
            ])
            .args(["--cap-lints", "allow", "-o"])
            .arg(copy.join("fixed.rmeta"))
            .arg(copy.join("src/lib.rs"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: the fixed code does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&copy);
        fixed_any += 1;
    }
    assert!(
        fixed_any >= 3,
        "only {fixed_any} fixtures had a machine-applicable fix"
    );
}

#[test]
fn json_carries_the_suggestion_with_its_applicability() {
    let run = run_in(
        &workspace_root(),
        &["fixtures/curator-5.6.0", "--message-format", "json"],
        &[],
    );
    let first: serde_json::Value =
        serde_json::from_str(run.stdout.lines().next().unwrap()).unwrap();
    let help = first["message"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["level"] == "help")
        .unwrap();
    let span = &help["spans"][0];
    assert_eq!(span["suggestion_applicability"], "MachineApplicable");
    assert!(span["suggested_replacement"]
        .as_str()
        .unwrap()
        .contains("removal_manager: std::sync::Arc::clone(&self.removal_manager)"));
}
