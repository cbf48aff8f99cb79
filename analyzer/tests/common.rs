//! Shared helpers: run the real binary, compare with snapshots (bless with FACADELINT_BLESS=1).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_in(cwd: &Path, args: &[&str], envs: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_facadelint"));
    cmd.current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run facadelint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Compares `actual` with the snapshot file; `FACADELINT_BLESS=1` rewrites it instead.
pub fn assert_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("FACADELINT_BLESS").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {} (run with FACADELINT_BLESS=1)",
            path.display()
        )
    });
    if expected != actual {
        panic!(
            "snapshot {} differs (run with FACADELINT_BLESS=1 to accept)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

/// A fresh copy of `fixtures/<name>` (Cargo.toml and src/) in a temporary folder.
pub fn copy_fixture(name: &str, tag: &str) -> PathBuf {
    let dest = std::env::temp_dir().join(format!("facadelint-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dest);
    copy_dir(&workspace_root().join("fixtures").join(name), &dest);
    let _ = std::fs::remove_file(dest.join("expected.stderr"));
    dest
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// Every fixture crate under `fixtures/`, sorted.
pub fn fixtures() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(workspace_root().join("fixtures"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    out.sort();
    out
}

/// `(at analyzer/src/x.rs:12)` becomes `(at …)`: where inside facadelint a panic happened
/// changes with every edit of its sources.
pub fn without_panic_locations(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(" (at analyzer/src/") {
        out.push_str(&rest[..i]);
        out.push_str(" (at …)");
        rest = &rest[i..];
        rest = rest.find(')').map_or("", |j| &rest[j + 1..]);
    }
    out.push_str(rest);
    out
}
