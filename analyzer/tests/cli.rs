//! UI tests of the command line: exact rendered output (snapshots in `tests/ui/*.stderr`,
//! bless with FACADELINT_BLESS=1) and exit codes, run through the real binaries.

mod common;

use common::*;
use std::collections::BTreeMap;
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
fn a_registration_watcher_must_be_a_field_name() {
    let run = root_run(&[
        "fixtures/curator-5.5.0",
        "--rules",
        "analyzer/tests/ui/bad-rule/bad-watcher.toml",
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 2);
    snapshot("bad-rule-bad-watcher", &run);
}

#[test]
fn a_rule_docs_file_must_be_a_small_regular_file() {
    // `/dev/zero` never ends: reading it whole would take all memory.
    let run = root_run(&[
        "fixtures/curator-5.5.0",
        "--rules",
        "analyzer/tests/ui/bad-rule/docs-device.toml",
        "--color",
        "never",
    ]);
    assert_eq!(run.code, 2);
    snapshot("bad-rule-docs-device", &run);
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

/// What a run printed and how it ended, for byte-for-byte comparison.
fn outcome(run: &Run) -> (i32, &str, &str) {
    (run.code, run.stdout.as_str(), run.stderr.as_str())
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
    assert_eq!(one.code, 2, "{}", one.stderr);
    assert_eq!(outcome(&one), outcome(&two));
    assert_eq!(outcome(&two), outcome(&again));
}

/// Every fixture crate in every machine-readable and human format: the same exit code,
/// stdout and stderr with one thread, with two, and in a second run with two (hash seeds
/// differ between processes). Two fixtures run at a time to keep the test fast.
#[test]
fn every_fixture_gives_the_same_bytes_whatever_the_thread_count() {
    let fixtures = fixtures();
    assert!(fixtures.len() > 30, "fixtures/ not found");
    let jobs: Vec<(String, &str)> = fixtures
        .iter()
        .map(|f| format!("fixtures/{}", f.file_name().unwrap().to_string_lossy()))
        .flat_map(|f| ["human", "json", "sarif"].map(|format| (f.clone(), format)))
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((fixture, format)) = jobs.get(i) else {
                    break;
                };
                let args = [
                    fixture.as_str(),
                    "--message-format",
                    format,
                    "--color",
                    "never",
                ];
                let run =
                    |threads| run_in(&workspace_root(), &args, &[("RAYON_NUM_THREADS", threads)]);
                let (one, two, again) = (run("1"), run("2"), run("2"));
                let problem = if !(0..=1).contains(&one.code) {
                    Some(format!("exit code {}\n{}", one.code, one.stderr))
                } else if *format != "human" && one.stdout.is_empty() {
                    Some("nothing on stdout".to_string())
                } else if outcome(&one) != outcome(&two) {
                    Some(format!(
                        "1 thread:\n{}{}\n2 threads:\n{}{}",
                        one.stdout, one.stderr, two.stdout, two.stderr
                    ))
                } else if outcome(&two) != outcome(&again) {
                    Some(format!(
                        "2 threads:\n{}{}\nagain:\n{}{}",
                        two.stdout, two.stderr, again.stdout, again.stderr
                    ))
                } else {
                    None
                };
                if let Some(p) = problem {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{fixture} --message-format {format}: {p}"));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
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

/// Every file under `dir` (relative path → contents and modification time) and every folder.
/// Folders carry no time: adding or renaming a file inside one changes it.
fn tree_state(dir: &Path) -> BTreeMap<String, Option<(Vec<u8>, std::time::SystemTime)>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            let rel = rel.to_string_lossy().replace('\\', "/");
            let meta = e.metadata().unwrap();
            let state = meta
                .is_file()
                .then(|| (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()));
            (rel, state)
        })
        .collect()
}

/// The paths created, changed (contents or modification time) or removed between two states.
fn changed_paths(
    before: &BTreeMap<String, Option<(Vec<u8>, std::time::SystemTime)>>,
    after: &BTreeMap<String, Option<(Vec<u8>, std::time::SystemTime)>>,
) -> Vec<String> {
    let mut out: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|p| before.get(*p) != after.get(*p))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A copy of a fixture whose files are all dated well in the past, so that a rewrite within
/// the same clock tick as the copy still shows as a changed modification time.
fn dated_copy(fixture: &str, tag: &str) -> std::path::PathBuf {
    let dir = copy_fixture(fixture, tag);
    let past = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for e in walkdir::WalkDir::new(&dir).into_iter().flatten() {
        if e.file_type().is_file() {
            let f = std::fs::File::options().write(true).open(e.path()).unwrap();
            f.set_modified(past).unwrap();
        }
    }
    dir
}

#[test]
fn write_baseline_writes_only_the_named_file() {
    let dir = dated_copy("curator-5.6.0", "only-baseline");
    let before = tree_state(&dir);
    let run = run_in(
        &dir,
        &["--write-baseline", "known.json", "--color", "never"],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(changed_paths(&before, &tree_state(&dir)), ["known.json"]);
    // Written again over itself: still only that file (the temporary file is gone).
    let before = tree_state(&dir);
    let again = run_in(&dir, &["--write-baseline", "known.json"], &[]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(changed_paths(&before, &tree_state(&dir)), ["known.json"]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn graph_writes_only_the_named_file() {
    let dir = dated_copy("curator-5.6.0", "only-graph");
    for (format, file) in [("dot", "path.dot"), ("mermaid", "out/path.mmd")] {
        std::fs::create_dir_all(dir.join("out")).unwrap();
        let before = tree_state(&dir);
        let run = run_in(&dir, &["--graph", format, file, "--color", "never"], &[]);
        assert_eq!(run.code, 1, "the finding is still reported: {}", run.stderr);
        assert_eq!(
            changed_paths(&before, &tree_state(&dir)),
            [file],
            "{format}"
        );
        let graph = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(graph.contains("WatcherRemovalFacade"), "{graph}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn fix_rewrites_only_the_fixed_files() {
    let dir = dated_copy("curator-5.6.0", "only-fix");
    let before = tree_state(&dir);
    let run = run_in(&dir, &["--fix", "--color", "never"], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let reported: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("facadelint: fixed "))
        .filter_map(|l| l.split_once(" in ").map(|(_, file)| file))
        .collect();
    assert_eq!(
        reported,
        ["src/imps/watcher_removal_facade.rs"],
        "{}",
        run.stderr
    );
    assert_eq!(
        changed_paths(&before, &tree_state(&dir)),
        reported,
        "only the fixed file changed, no temporary file left behind"
    );
    // Nothing left to fix: nothing is written.
    let before = tree_state(&dir);
    let run = run_in(&dir, &["--fix", "--color", "never"], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        changed_paths(&before, &tree_state(&dir)),
        Vec::<String>::new()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn panic_while_parsing_one_file_costs_only_that_file() {
    let args = [
        "analyzer/tests/ui/parse-error/leak.rs",
        "analyzer/tests/ui/parse-panic",
        "--color",
        "never",
    ];
    let helper = "analyzer/tests/ui/parse-panic/helper.rs";
    let clean = root_run(&args);
    assert_eq!(
        clean.code, 1,
        "without the panic: the leak only\n{}",
        clean.stderr
    );
    assert!(!clean.stderr.contains("internal-error"), "{}", clean.stderr);

    let target = format!("parse:{helper}");
    let run = run_in(
        &workspace_root(),
        &args,
        &[("FACADELINT_INJECT_PANIC", &target)],
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "error[internal-error]: internal error while parsing `{helper}`: panic injected"
        )) && run.stderr.contains(&format!("--> {helper}:1:1")),
        "the internal error names and points at the file\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(at analyzer/src/parse.rs:"),
        "the panic is located in the parser\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "error[watcher-removal-bypass]: watch registered through a client that bypasses"
        ) && run
            .stderr
            .contains("--> analyzer/tests/ui/parse-error/leak.rs:32:9"),
        "the leak in the other file is still reported\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("facadelint: 1 finding, 0 input errors, 1 internal error in 2 files\n"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
    snapshot(
        "internal-error-parse",
        &Run {
            stderr: without_panic_locations(&run.stderr),
            ..run
        },
    );
}

/// A panic that no stage contains (here: in the renderer) ends the run with
/// `error[internal-error]` and exit code 2, never with a crash and Rust's exit code 101.
#[test]
fn panic_outside_the_contained_stages_is_an_internal_error_not_a_crash() {
    for format in ["human", "short", "json", "sarif"] {
        let target = format!("render:{format}");
        let run = run_in(
            &workspace_root(),
            &[
                "fixtures/curator-5.6.0",
                "--message-format",
                format,
                "--color",
                "never",
            ],
            &[("FACADELINT_INJECT_PANIC", &target)],
        );
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!(
                "error[internal-error]: internal error: panic injected by FACADELINT_INJECT_PANIC in render of `{format}` (at analyzer/src/cli.rs:"
            )),
            "{format}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("please report it"), "{}", run.stderr);
        assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
        assert_eq!(run.stdout, "", "{format}: nothing was rendered");
        if format == "human" {
            snapshot(
                "internal-error-render",
                &Run {
                    stderr: without_panic_locations(&run.stderr),
                    ..run
                },
            );
        }
    }
}

#[test]
fn very_verbose_lists_every_file_of_the_module_trees() {
    let run = root_run(&["fixtures/curator-5.6.0", "-vv", "-q", "--color", "never"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let listed: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("  file "))
        .collect();
    let mut on_disk: Vec<String> =
        walkdir::WalkDir::new(workspace_root().join("fixtures/curator-5.6.0/src"))
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                e.path()
                    .strip_prefix(workspace_root())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
    on_disk.sort();
    assert_eq!(listed, on_disk, "{}", run.stderr);
    let one_v = root_run(&["fixtures/curator-5.6.0", "-v", "-q"]);
    assert!(!one_v.stderr.contains("  file "), "{}", one_v.stderr);
}
