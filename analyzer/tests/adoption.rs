//! Levels (`-D/-W/-A`), configuration files, inline suppressions, exclude globs and baselines,
//! through the real binary on copies of the fixtures.

mod common;

use common::*;
use std::path::Path;

const FACADE: &str = "src/imps/watcher_removal_facade.rs";

fn run(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["--color", "never"];
    all.extend_from_slice(args);
    run_in(dir, &all, &[])
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn level_flags_apply_in_order_like_rustc() {
    let dir = copy_fixture("curator-5.6.0", "levels");
    assert_eq!(run(&dir, &["-q"]).code, 1);
    assert_eq!(run(&dir, &["-q", "-A", "watcher-removal-bypass"]).code, 0);
    let warned = run(&dir, &["-q", "-W", "watcher-removal-bypass"]);
    assert_eq!(warned.code, 0);
    assert!(
        warned.stderr.starts_with("warning[watcher-removal-bypass]"),
        "{}",
        warned.stderr
    );
    assert_eq!(
        run(
            &dir,
            &["-q", "-W", "watcher-removal-bypass", "-D", "warnings"]
        )
        .code,
        1
    );
    assert_eq!(
        run(
            &dir,
            &["-q", "-D", "warnings", "-W", "watcher-removal-bypass"]
        )
        .code,
        0
    );
    let unknown = run(&dir, &["-q", "-D", "no-such-rule"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown rule `no-such-rule`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn facadelint_toml_wins_over_cargo_metadata_and_flags_win_over_both() {
    let dir = copy_fixture("curator-5.6.0", "config");
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        format!("{manifest}\n[package.metadata.facadelint.levels]\nwatcher-removal-bypass = \"allow\"\n"),
    )
    .unwrap();
    assert_eq!(
        run(&dir, &["-q"]).code,
        0,
        "Cargo.toml metadata turns the rule off"
    );
    std::fs::write(
        dir.join("facadelint.toml"),
        "[levels]\nwatcher-removal-bypass = \"warning\"\n",
    )
    .unwrap();
    let warned = run(&dir, &["-q"]);
    assert!(
        warned.stderr.starts_with("warning[watcher-removal-bypass]"),
        "{}",
        warned.stderr
    );
    assert_eq!(run(&dir, &["-q", "-D", "watcher-removal-bypass"]).code, 1);
}

#[test]
fn unknown_config_key_is_located_in_the_file() {
    let dir = copy_fixture("curator-5.6.0", "badconfig");
    std::fs::write(
        dir.join("facadelint.toml"),
        "excludes = [\"x\"]\n\n[levels]\nwatcher-removal-bypass = \"error\"\n",
    )
    .unwrap();
    let r = run(&dir, &["-q"]);
    assert_eq!(r.code, 2);
    assert_snapshot(
        &workspace_root().join("analyzer/tests/ui/config-unknown-key.stderr"),
        &r.stderr,
    );
}

#[test]
fn exclude_globs_drop_findings_located_in_matching_files() {
    let dir = copy_fixture("curator-5.6.0", "exclude");
    std::fs::write(dir.join("facadelint.toml"), "exclude = [\"src/imps/**\"]\n").unwrap();
    assert_eq!(run(&dir, &["-q"]).code, 0);
}

#[test]
fn inline_suppression_silences_one_finding_and_an_unused_one_warns() {
    let dir = copy_fixture("curator-5.6.0", "suppress");
    edit(
        &dir,
        FACADE,
        "self.client.using_namespace(ns)",
        "self.client.using_namespace(ns) // facadelint: allow(watcher-removal-bypass) -- tracked upstream",
    );
    let r = run(&dir, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    // The same comment somewhere with nothing to suppress is reported, like an unused allow.
    let dir = copy_fixture("curator-5.8.0", "unused-suppress");
    edit(
        &dir,
        FACADE,
        "fn using_namespace(",
        "// facadelint: allow(watcher-removal-bypass) -- not needed any more\n    fn using_namespace(",
    );
    let r = run(&dir, &[]);
    assert_eq!(r.code, 0);
    assert_snapshot(
        &workspace_root().join("analyzer/tests/ui/unused-suppression.stderr"),
        &r.stderr,
    );
}

#[test]
fn suppression_above_an_item_covers_the_whole_item() {
    let dir = copy_fixture("curator-5.6.0", "suppress-item");
    edit(
        &dir,
        FACADE,
        "fn using_namespace(",
        "// facadelint: allow(watcher-removal-bypass) -- known, see CURATOR-710\n    fn using_namespace(",
    );
    let r = run(&dir, &["-q"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn baseline_records_todays_findings_and_reports_only_new_ones() {
    let dir = copy_fixture("curator-5.6.0", "baseline");
    let written = run(&dir, &["--write-baseline", "facadelint-baseline.json"]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(written
        .stderr
        .contains("recorded 1 finding in facadelint-baseline.json"));
    let saved = std::fs::read_to_string(dir.join("facadelint-baseline.json")).unwrap();
    assert!(
        !saved.contains(":37"),
        "keys carry no line numbers: {saved}"
    );
    assert_eq!(
        run(&dir, &["-q", "--baseline", "facadelint-baseline.json"]).code,
        0
    );
    // An unrelated edit above the finding moves its lines: still known.
    edit(&dir, FACADE, "use ", "// a new comment line\nuse ");
    assert_eq!(
        run(&dir, &["-q", "--baseline", "facadelint-baseline.json"]).code,
        0
    );
    // A new bypass elsewhere is reported.
    edit(
        &dir,
        "src/recipes/ensemble_tracker.rs",
        "    pub fn connection_string(&self) -> String {",
        "    pub fn connection_string(&self) -> String {\n        crate::imps::Watching::new(self.client.using_namespace(None), None).commit_watcher(\"/peek\", true);",
    );
    let r = run(&dir, &["-q", "--baseline", "facadelint-baseline.json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}
