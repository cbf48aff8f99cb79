//! The hook's entry point run as pre-commit runs it: in the repository root (here a fixture
//! crate), with relative file names. Fast; the full pre-commit run is `analyzer/tests/pre_commit.rs`.

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stderr: String,
}

fn hook(fixture: &str, args: &[&str]) -> Run {
    let cwd = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(fixture);
    let out = Command::new(env!("CARGO_BIN_EXE_facadelint-pre-commit"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run facadelint-pre-commit");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_staged_file_on_the_path_of_the_leak_fails() {
    // The bypass point, the facade's creation and the builder are all labels of the finding.
    for file in [
        "src/imps/watcher_removal_facade.rs",
        "src/recipes/ensemble_tracker.rs",
        "src/imps/get_config_builder.rs",
    ] {
        let run = hook("curator-5.6.0", &[file]);
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        assert!(run.stderr.contains("error[watcher-removal-bypass]"));
        assert!(run
            .stderr
            .contains("--> src/imps/watcher_removal_facade.rs:37:9"));
    }
}

#[test]
fn a_staged_file_off_the_path_passes_although_the_whole_project_is_analysed() {
    let run = hook("curator-5.6.0", &["src/zookeeper.rs", "src/framework.rs"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("error["), "{}", run.stderr);
    assert!(
        run.stderr.contains("in 11 files"),
        "whole project: {}",
        run.stderr
    );
}

#[test]
fn the_fixed_model_passes_with_every_file_staged() {
    let files = [
        "src/lib.rs",
        "src/framework.rs",
        "src/zookeeper.rs",
        "src/imps/mod.rs",
        "src/imps/watcher_removal_facade.rs",
        "src/imps/get_config_builder.rs",
        "src/recipes/ensemble_tracker.rs",
    ];
    let run = hook("curator-5.8.0", &files);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn hook_args_pass_through_with_their_values() {
    // `args: [--message-format, short]` in .pre-commit-config.yaml; then the staged file.
    let run = hook(
        "curator-5.6.0",
        &[
            "--message-format",
            "short",
            "-q",
            "src/imps/watcher_removal_facade.rs",
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("src/imps/watcher_removal_facade.rs:37:9: error[watcher-removal-bypass]"),
        "{}",
        run.stderr
    );
}
