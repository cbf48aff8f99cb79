//! Discovery: which crates and files a run analyses.
//!
//! Inside a Cargo project the packages and targets come from
//! `cargo metadata --no-deps --offline` (which never builds or runs anything); explicit paths
//! that are not Cargo projects are walked. Module trees are followed from each crate root by
//! [`load`](crate::load). Invariant: this stage only finds paths; it reads no source file.
//!
//! Invariant: no file of the analysed tree chooses which program runs. `cargo metadata` is the
//! only process started, and it starts in the root of the file system (see [`neutral_dir`]):
//! rustup picks the toolchain, and so the `cargo` binary, from `rust-toolchain.toml` files and
//! directory overrides of the working directory and its ancestors, and cargo reads
//! `.cargo/config.toml` from the same places; in the analysed tree those would decide what
//! runs (a `[toolchain] path` names any folder's `bin/cargo`).

use crate::diag::Diagnostic;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

#[derive(Clone, Debug)]
pub struct CrateRoot {
    /// The crate's name as code refers to it (`-` replaced by `_`).
    pub name: String,
    pub root: PathBuf,
    pub package: Option<String>,
    pub manifest: Option<PathBuf>,
    /// Cargo's package id, for machine-readable output.
    pub package_id: Option<String>,
    /// The target's name as Cargo spells it, and its edition.
    pub target_name: String,
    pub edition: String,
    /// `lib`, `bin`, `test`, `example`, `bench`, or `file` for walked files.
    pub kind: String,
}

#[derive(Default, Debug)]
pub struct Discovery {
    pub crates: Vec<CrateRoot>,
    /// Walked `.rs` files; those no other file declares as a module become crate roots.
    pub loose_files: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// The root of the (first) Cargo workspace analysed: where configuration is read.
    pub workspace_root: Option<PathBuf>,
    /// Manifests that are not valid TOML: (path, text, byte range, message), so the warning
    /// can point inside the file once it is in the source database.
    pub bad_manifests: Vec<(PathBuf, String, std::ops::Range<usize>, String)>,
}

#[derive(Clone, Debug, Default)]
pub struct TargetSelection {
    pub all_targets: bool,
    pub packages: Vec<String>,
    pub exclude: Vec<String>,
}

/// Finds the crates to analyse: explicit paths, or the Cargo project around `manifest`/`cwd`.
pub fn discover(
    paths: &[PathBuf],
    manifest: Option<&Path>,
    cwd: &Path,
    selection: &TargetSelection,
) -> Discovery {
    let mut out = Discovery::default();
    if paths.is_empty() {
        let manifest = manifest
            .map(Path::to_path_buf)
            .or_else(|| find_manifest(cwd));
        match manifest {
            Some(m) => cargo_project(&m, cwd, selection, &mut out),
            None => walk(cwd, &mut out),
        }
    } else {
        for path in paths {
            if path.is_dir() && path.join("Cargo.toml").is_file() {
                cargo_project(&path.join("Cargo.toml"), cwd, selection, &mut out);
            } else if path.is_dir() && path.extension().is_some_and(|x| x == "rs") {
                // rustc would say "Is a directory"; walking it would analyse nothing the user
                // named and say nothing.
                out.diagnostics.push(
                    Diagnostic::error(
                        "input-error",
                        format!(
                            "`{}` is a directory, not a Rust source file",
                            path.display()
                        ),
                    )
                    .with_note("a path ending in `.rs` names a file; the directory was not walked"),
                );
            } else if path.is_dir() || path.is_file() {
                walk(path, &mut out);
            } else {
                let why = match path.symlink_metadata() {
                    Ok(_) => unfollowable(path),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        format!("path `{}` does not exist", path.display())
                    }
                    Err(e) => format!("could not read `{}`: {e}", path.display()),
                };
                out.diagnostics.push(Diagnostic::error("input-error", why));
            }
        }
    }
    out.crates
        .sort_by(|a, b| (&a.root, &a.kind).cmp(&(&b.root, &b.kind)));
    out.crates.dedup_by(|a, b| a.root == b.root);
    out.loose_files.sort();
    out.loose_files.dedup();
    out
}

fn find_manifest(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join("Cargo.toml"))
        .find(|m| m.is_file())
}

/// Where `cargo metadata` runs: the root of the file system that holds `cwd` (`/` on Unix).
/// rustup and cargo look for their per-directory settings (`rust-toolchain.toml`,
/// `rust-toolchain`, `rustup override`, `.cargo/config.toml`) in the working directory and its
/// ancestors; the root is the one folder that is nobody's descendant, and only an
/// administrator can write there. So the `cargo` that runs is the one rustup would use outside
/// the project (or `$CARGO`, set by cargo for `cargo facadelint`), and the project's
/// `.cargo/config.toml` is not read (`cargo metadata --no-deps` needs nothing from it).
fn neutral_dir(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .last()
        .filter(|root| root.has_root())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

fn cargo_project(manifest: &Path, cwd: &Path, selection: &TargetSelection, out: &mut Discovery) {
    // Cargo makes a relative `--manifest-path` absolute against its own working directory,
    // which is not ours: make it absolute here (cargo normalizes `.` and `..` the same way).
    let joined = cwd.join(manifest);
    let absolute = std::path::absolute(&joined).unwrap_or(joined);
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(&absolute)
        .current_dir(neutral_dir(cwd))
        .no_deps()
        .other_options(vec!["--offline".to_string()])
        .exec();
    let metadata = match metadata {
        Ok(m) => m,
        Err(e) => {
            let dir = manifest.parent().unwrap_or(Path::new("."));
            let text = std::fs::read_to_string(manifest).unwrap_or_default();
            match toml::from_str::<toml::Table>(&text) {
                Err(te) => out.bad_manifests.push((
                    manifest.to_path_buf(),
                    text,
                    te.span().unwrap_or(0..0),
                    te.message().trim().to_string(),
                )),
                Ok(_) => {
                    let message = e.to_string();
                    let mut d = Diagnostic::warning(
                        "cargo-metadata",
                        format!(
                            "`cargo metadata` failed for `{}`; walking the folder instead",
                            manifest.display()
                        ),
                    )
                    .with_note(first_line(&message));
                    // Cargo says why on a later line (`missing field `package.name``).
                    let cause = message.lines().rev().map(str::trim).find(|l| !l.is_empty());
                    if let Some(cause) = cause.filter(|c| *c != first_line(&message)) {
                        d = d.with_note(format!("cargo: {cause}"));
                    }
                    out.diagnostics.push(d);
                }
            }
            walk(dir, out);
            return;
        }
    };
    if out.workspace_root.is_none() {
        out.workspace_root = Some(metadata.workspace_root.clone().into_std_path_buf());
    }
    let members: Vec<_> = metadata.workspace_packages();
    for p in &selection.packages {
        if !members.iter().any(|m| &m.name == p) {
            out.diagnostics.push(Diagnostic::error(
                "input-error",
                format!("package `{p}` is not a member of the workspace"),
            ));
        }
    }
    for package in members {
        if !selection.packages.is_empty() && !selection.packages.contains(&package.name) {
            continue;
        }
        if selection.exclude.contains(&package.name) {
            continue;
        }
        for target in &package.targets {
            let kind = target_kind(
                &target
                    .kind
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>(),
            );
            let wanted = match kind {
                "lib" | "bin" => true,
                "test" | "example" | "bench" => selection.all_targets,
                _ => false,
            };
            if !wanted {
                continue;
            }
            out.crates.push(CrateRoot {
                name: target.name.replace('-', "_"),
                root: target.src_path.clone().into_std_path_buf(),
                package: Some(package.name.to_string()),
                package_id: Some(package.id.repr.clone()),
                target_name: target.name.clone(),
                edition: target.edition.to_string(),
                manifest: Some(package.manifest_path.clone().into_std_path_buf()),
                kind: kind.to_string(),
            });
        }
    }
}

fn target_kind(kinds: &[String]) -> &'static str {
    for k in kinds {
        match k.as_str() {
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro" => return "lib",
            "bin" => return "bin",
            "test" => return "test",
            "example" => return "example",
            "bench" => return "bench",
            _ => {}
        }
    }
    "other"
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
        .to_string()
}

/// Walks a file or folder for `.rs` files, skipping `target/` and hidden folders.
fn walk(path: &Path, out: &mut Discovery) {
    if path.is_file() {
        out.loose_files.push(path.to_path_buf());
        return;
    }
    let walker = WalkDir::new(path)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            let is_root = e.depth() == 0;
            is_root || !(e.file_type().is_dir() && (name == "target" || name.starts_with('.')))
        });
    for entry in walker {
        match entry {
            Ok(e) => {
                let is_rs = e.path().extension().is_some_and(|x| x == "rs");
                if is_rs && e.file_type().is_file() {
                    out.loose_files.push(e.into_path());
                }
            }
            Err(e) => {
                let at = e.path().unwrap_or(path);
                let is_link = at.symlink_metadata().is_ok_and(|m| m.is_symlink());
                let name = at.file_name().unwrap_or_default().to_string_lossy();
                // A dangling link can only hide a source file when it has a source file's
                // name; editors' lock files (`.#lib.rs`) are dangling links by design.
                let could_be_source = name.ends_with(".rs") && !name.starts_with(".#");
                if is_link && !at.exists() && !could_be_source && e.loop_ancestor().is_none() {
                    continue;
                }
                let why = if let Some(ancestor) = e.loop_ancestor() {
                    format!(
                        "`{}` is a symbolic link loop: it leads back to `{}`, which contains it; not followed",
                        at.display(),
                        ancestor.display()
                    )
                } else if is_link && !at.exists() {
                    unfollowable(at)
                } else {
                    let io = e
                        .io_error()
                        .map(|io| io.to_string())
                        .unwrap_or_else(|| e.to_string());
                    format!("could not read `{}`: {io}", at.display())
                };
                out.diagnostics.push(Diagnostic::error("input-error", why));
            }
        }
    }
}

/// Why the symbolic link `link` cannot be followed, the same words whether it was named on the
/// command line or met in a walk: its chain of links ends at a path that does not exist
/// (dangling), or comes back to a link already passed (a loop). Lexical, for the message only:
/// the caller knows from the file system that following it failed.
fn unfollowable(link: &Path) -> String {
    // Linux gives up after 40 links (ELOOP); a longer chain is a loop to the user too.
    const MAX_LINKS: usize = 40;
    let mut seen = vec![normalize(link)];
    let mut current = link.to_path_buf();
    for _ in 0..MAX_LINKS {
        let target = match std::fs::read_link(&current) {
            Ok(t) => t,
            // Not a link (any more): an intermediate folder is what failed.
            Err(_) => break,
        };
        let next = current.parent().unwrap_or(Path::new("")).join(target);
        let next = normalize(&next);
        if seen.contains(&next) {
            return format!("`{}` is a symbolic link loop", link.display());
        }
        match next.symlink_metadata() {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return format!(
                    "`{}` is a broken symbolic link: its target `{}` does not exist",
                    link.display(),
                    next.display()
                );
            }
            Err(e) => return format!("could not read `{}`: {e}", next.display()),
            Ok(m) if !m.is_symlink() => break,
            Ok(_) => {}
        }
        seen.push(next.clone());
        current = next;
    }
    if seen.len() > MAX_LINKS {
        return format!("`{}` is a symbolic link loop", link.display());
    }
    match std::fs::metadata(link) {
        Err(e) => format!("could not read `{}`: {e}", link.display()),
        Ok(_) => format!("could not read `{}`", link.display()),
    }
}

/// Removes `.` and `x/..` pairs without touching the file system (as the kernel would for a
/// link target, except through links to folders: good enough to name a missing target).
fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
