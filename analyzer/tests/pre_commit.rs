//! End-to-end test of the pre-commit hook: runs `scripts/pre-commit-test.sh`, which installs a
//! pinned pre-commit and runs `pre-commit try-repo` on this checkout against a throwaway copy
//! of the Curator 5.6.0 model (must fail) and of its 5.8.0 fix (must pass).
//!
//! It needs Python, git and crates.io and builds the hook in release mode (minutes), so it runs
//! only with `FACADELINT_PRE_COMMIT_TEST=1` (as `.ci/run` does); otherwise it is skipped.

use std::path::Path;
use std::process::Command;

#[test]
fn pre_commit_hook_fails_on_the_leak_and_passes_on_the_fix() {
    if std::env::var_os("FACADELINT_PRE_COMMIT_TEST").is_none_or(|v| v != "1") {
        eprintln!(
            "skipped: set FACADELINT_PRE_COMMIT_TEST=1 to run the pre-commit end-to-end test"
        );
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    // Output is not captured: the script's progress and pre-commit's output go to the log.
    let status = Command::new("bash")
        .arg("scripts/pre-commit-test.sh")
        .current_dir(root)
        .status()
        .expect("run bash scripts/pre-commit-test.sh");
    assert!(
        status.success(),
        "scripts/pre-commit-test.sh failed: {status}"
    );
}
