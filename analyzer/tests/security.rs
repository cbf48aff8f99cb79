//! The analysed tree cannot make facadelint run code (README, "Security and guarantees").
//!
//! One Cargo workspace holds every way a tree can ask for a program to run, each of which
//! writes a marker file when it runs:
//! - `rust-toolchain.toml` whose `[toolchain] path` names a fake toolchain: rustup's `cargo`
//!   proxy runs that toolchain's `bin/cargo` when it starts in the project (this is how the
//!   tree could choose the `cargo` behind `cargo metadata`);
//! - a build script, and a proc-macro crate (with its own build script) used by the library;
//! - `.cargo/config.toml` with `[build] rustc`/`rustc-wrapper`, a runner, a credential
//!   provider, `paths` overrides with a build script, and an alias for `metadata`.
//!
//! The real binaries run from inside the project, from a subfolder, and from outside with the
//! project's path as an argument, with the environment a shell or a git hook gives (no
//! `CARGO`, no `RUSTUP_TOOLCHAIN`: cargo and rustup set those for this test process). Then no
//! marker exists, the tree is unchanged, and the analysis went through `cargo metadata` (no
//! fallback warning) and reports the leak in the library with exit code 1. Last, a trap in
//! cargo's own configuration (`$CARGO_HOME`) checks that `cargo metadata` still gets
//! `--no-deps`, without which it runs `rustc -vV` and writes `Cargo.lock`.
#![cfg(unix)]

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The one-file model of CURATOR-710 that the robustness battery uses: one finding, at 32:9.
const LEAK: &str = include_str!("ui/robustness/leak.rs");

/// A fresh folder under the system temporary directory, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("facadelint-security-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        // `$TMPDIR` may be reached through a link (macOS); the markers name the real folder.
        let dir = std::fs::canonicalize(&dir).unwrap();
        Scratch { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// A shell script that appends its name and arguments to `markers/<marker>` and fails.
    fn trap_script(&self, rel: &str, marker: &str) {
        let log = self.path("markers").join(marker);
        self.write(
            rel,
            &format!(
                "#!/bin/sh\necho \"$0 $*\" >> '{}'\nexit 101\n",
                log.display()
            ),
        );
        let path = self.path(rel);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    /// Rust code that writes `markers/<marker>` when it runs.
    fn marker_code(&self, marker: &str) -> String {
        format!(
            "std::fs::write({:?}, \"ran\").unwrap();",
            self.path("markers").join(marker).display().to_string()
        )
    }

    /// The names of the markers written so far.
    fn markers(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(self.path("markers"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        out.sort();
        out
    }

    fn clear_markers(&self) {
        for name in self.markers() {
            std::fs::remove_file(self.path("markers").join(name)).unwrap();
        }
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Builds the trapped workspace in `proj/` (and the fake toolchain and overrides beside it).
fn trapped_project(s: &Scratch) {
    std::fs::create_dir_all(s.path("markers")).unwrap();

    // A toolchain outside the project whose every binary is a trap.
    s.trap_script("toolchain/bin/cargo", "toolchain-cargo");
    s.trap_script("toolchain/bin/rustc", "toolchain-rustc");
    s.trap_script("wrapper", "rustc-wrapper");
    s.trap_script("runner", "runner");
    s.trap_script("credential-provider", "credential-provider");
    s.write(
        "proj/rust-toolchain.toml",
        &format!(
            "[toolchain]\npath = \"{}\"\n",
            s.path("toolchain").display()
        ),
    );

    s.write(
        "proj/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\n\
         [dependencies]\nevil-macros = { path = \"macros\" }\n\n\
         [workspace]\nmembers = [\"macros\"]\n",
    );
    s.write(
        "proj/build.rs",
        &format!("fn main() {{\n    {}\n}}\n", s.marker_code("build-script")),
    );
    // The library is the leak model with one more module, whose function uses the macro.
    s.write("proj/src/lib.rs", &format!("{LEAK}\nmod hooked;\n"));
    s.write(
        "proj/src/hooked.rs",
        "#[evil_macros::hook]\npub fn hooked() {}\n",
    );
    proc_macro_crate(s, "proj/macros", "proc-macro", "macro-build-script");

    // Every key of cargo's configuration that names a program, or a crate that would be built.
    // `paths` overrides `evil-macros` with a copy whose build script writes another marker.
    proc_macro_crate(
        s,
        "override",
        "override-proc-macro",
        "override-build-script",
    );
    s.write(
        "proj/.cargo/config.toml",
        &format!(
            "paths = [\"{override_dir}\"]\n\n\
             [build]\nrustc = \"{rustc}\"\nrustc-wrapper = \"{wrapper}\"\n\
             rustc-workspace-wrapper = \"{wrapper}\"\ntarget-dir = \"cargo-config-was-read\"\n\n\
             [target.'cfg(all())']\nrunner = \"{runner}\"\n\n\
             [registry]\nglobal-credential-providers = [\"{provider}\"]\n\n\
             [alias]\nmetadata = \"build\"\n",
            override_dir = s.path("override").display(),
            rustc = s.path("toolchain/bin/rustc").display(),
            wrapper = s.path("wrapper").display(),
            runner = s.path("runner").display(),
            provider = s.path("credential-provider").display(),
        ),
    );
}

/// A proc-macro crate `evil-macros` in `rel` whose attribute and build script write markers.
fn proc_macro_crate(s: &Scratch, rel: &str, expand_marker: &str, build_marker: &str) {
    s.write(
        &format!("{rel}/Cargo.toml"),
        "[package]\nname = \"evil-macros\"\nversion = \"0.1.0\"\nedition = \"2021\"\nbuild = \"build.rs\"\n\n\
         [lib]\nproc-macro = true\n",
    );
    s.write(
        &format!("{rel}/build.rs"),
        &format!("fn main() {{\n    {}\n}}\n", s.marker_code(build_marker)),
    );
    s.write(
        &format!("{rel}/src/lib.rs"),
        &format!(
            "extern crate proc_macro;\nuse proc_macro::TokenStream;\n\n\
             #[proc_macro_attribute]\npub fn hook(_attr: TokenStream, item: TokenStream) -> TokenStream {{\n    \
             {}\n    item\n}}\n",
            s.marker_code(expand_marker)
        ),
    );
}

/// The environment of a shell or a git hook: cargo and rustup set `CARGO` and
/// `RUSTUP_TOOLCHAIN` for this test process, and either would choose the toolchain for the
/// child, so the trap could not fire.
fn shell_like(cmd: &mut Command) -> &mut Command {
    cmd.env_remove("CARGO")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTUP_TOOLCHAIN_SOURCE")
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS")
}

fn run(binary: &str, cwd: &Path, args: &[&str]) -> Run {
    let out = shell_like(&mut Command::new(binary))
        .current_dir(cwd)
        .args(args)
        .args(["--color", "never"])
        .output()
        .expect("run facadelint");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Every file and folder under `dir`, relative, sorted (to see that nothing was written).
fn listing(dir: &Path) -> Vec<String> {
    fn visit(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            out.push(p.strip_prefix(root).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                visit(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    visit(dir, dir, &mut out);
    out.sort();
    out
}

/// Checks that the trap is armed where it can be: the `cargo` on `PATH`, started in the
/// project, runs the fake toolchain's `cargo` when it is rustup's proxy. Without rustup the
/// `rust-toolchain.toml` trap cannot fire here, and the test says so loudly.
fn check_trap_is_armed(s: &Scratch) {
    let _ = shell_like(&mut Command::new("cargo"))
        .arg("--version")
        .current_dir(s.path("proj"))
        .output();
    if s.markers().contains(&"toolchain-cargo".to_string()) {
        s.clear_markers();
    } else {
        eprintln!(
            "\n*** WARNING: `cargo` on PATH did not run the toolchain named by rust-toolchain.toml \
             (no rustup?): the toolchain part of this test cannot fail here ***\n"
        );
    }
    assert!(s.markers().is_empty(), "{:?}", s.markers());
}

#[test]
fn the_analysed_tree_cannot_make_facadelint_run_anything() {
    let s = Scratch::new("trapped");
    trapped_project(&s);
    check_trap_is_armed(&s);
    let before = listing(&s.dir);
    let proj = s.path("proj");
    let facadelint = env!("CARGO_BIN_EXE_facadelint");
    let cargo_facadelint = env!("CARGO_BIN_EXE_cargo-facadelint");

    // (binary, working directory, arguments, where the leak's finding is shown)
    let runs: Vec<(&str, PathBuf, Vec<&str>, &str)> = vec![
        // As the pre-commit hook and a shell in the project run it.
        (facadelint, proj.clone(), vec![], "src/lib.rs"),
        (facadelint, proj.clone(), vec!["."], "src/lib.rs"),
        (
            facadelint,
            proj.clone(),
            vec!["--manifest-path", "Cargo.toml"],
            "src/lib.rs",
        ),
        // From a subfolder: the project is found above it.
        (facadelint, proj.join("src"), vec![], "lib.rs"),
        // From outside, the project named as an argument.
        (facadelint, s.dir.clone(), vec!["proj"], "proj/src/lib.rs"),
        // `cargo facadelint`'s binary, started without cargo's `CARGO`.
        (
            cargo_facadelint,
            proj.clone(),
            vec!["facadelint"],
            "src/lib.rs",
        ),
    ];
    let mut first = None;
    for (binary, cwd, args, shown) in &runs {
        let run = run(binary, cwd, args);
        let what = format!(
            "{} {args:?} in {}",
            Path::new(binary).file_name().unwrap().to_string_lossy(),
            cwd.display()
        );
        assert_eq!(
            s.markers(),
            Vec::<String>::new(),
            "{what} ran code of the analysed tree\n--- stderr\n{}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("warning[cargo-metadata]"),
            "{what}: `cargo metadata` did not work (the toolchain's cargo ran?)\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("--> {shown}:32:9\n"))
                && run.stderr.contains("error[watcher-removal-bypass]"),
            "{what}: the leak is not reported at {shown}:32:9\n{}",
            run.stderr
        );
        // Both crates of the workspace were analysed: the library's two files and the macro
        // crate's one.
        assert!(
            run.stderr
                .contains("1 finding, 0 input errors in 3 files\n"),
            "{what}\n{}",
            run.stderr
        );
        assert_eq!(run.code, 1, "{what}: exit code\n{}", run.stderr);
        first.get_or_insert(run);
    }
    assert_eq!(
        listing(&s.dir),
        before,
        "facadelint wrote into the analysed tree"
    );
    let run = first.unwrap();

    // `--no-deps` is what keeps cargo from running `rustc -vV` (through any configured
    // wrapper) to learn the target. The tree's configuration is not read at all; cargo's own
    // (`$CARGO_HOME/config.toml`) always is, so a trap there shows the flag is still passed.
    s.write(
        "cargo-home/config.toml",
        &format!(
            "[build]\nrustc = \"{rustc}\"\nrustc-wrapper = \"{wrapper}\"\n",
            rustc = s.path("toolchain/bin/rustc").display(),
            wrapper = s.path("wrapper").display(),
        ),
    );
    let out = shell_like(&mut Command::new(facadelint))
        .current_dir(&proj)
        .args(["--color", "never"])
        .env("CARGO_HOME", s.path("cargo-home"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        s.markers(),
        Vec::<String>::new(),
        "`cargo metadata` ran rustc\n{stderr}"
    );
    assert!(
        !stderr.contains("warning[cargo-metadata]") && out.status.code() == Some(1),
        "{stderr}"
    );

    assert_snapshot(
        &workspace_root().join("analyzer/tests/ui/security/trapped-project.stderr"),
        &format!("{}exit code: {}\n", run.stderr, run.code),
    );
}
