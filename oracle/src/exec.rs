//! Building and running a generated program: the ground truth.
//!
//! The program is compiled with `rustc` directly (no cargo: nothing but the generated files
//! and `std` is involved, and a workspace's library is built first and passed with
//! `--extern`), then run; it prints `leak N` for every recipe whose registration site
//! still holds a watch after that recipe closed its facade.

use crate::emit::Emitted;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Writes `emitted` under `dir` (which must exist and be empty).
pub fn write(emitted: &Emitted, dir: &Path) -> std::io::Result<()> {
    for f in &emitted.files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, &f.text)?;
    }
    Ok(())
}

fn rustc(dir: &Path, args: &[&str]) -> Result<(), String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(rustc)
        .current_dir(dir)
        .args(["--edition", "2021", "-A", "warnings", "-C", "debuginfo=0"])
        .args(args)
        .output()
        .map_err(|e| format!("cannot start rustc: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// Builds the program in `dir` (written by [`write`]); the binary is `dir/target/program`.
pub fn build(emitted: &Emitted, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir.join("target")).map_err(|e| e.to_string())?;
    let mut bin_args = vec![emitted.bin_root.as_str(), "-o", "target/program"];
    let extern_arg;
    if let Some((name, root)) = &emitted.lib {
        rustc(
            dir,
            &[
                root,
                "--crate-type",
                "rlib",
                "--crate-name",
                name,
                "--out-dir",
                "target",
            ],
        )?;
        extern_arg = format!("{name}=target/lib{name}.rlib");
        bin_args.extend(["--extern", &extern_arg]);
    }
    rustc(dir, &bin_args)
}

/// Runs the built program: the recipes (by index) whose watch leaked.
pub fn run(dir: &Path) -> Result<BTreeSet<usize>, String> {
    let out = Command::new(dir.join("target/program"))
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot start the program: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the program failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            l.strip_prefix("leak ")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("unexpected output line {l:?}"))
        })
        .collect()
}
