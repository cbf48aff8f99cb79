//! The bad-input battery: inputs a real tree can hold (unparsable, empty, odd encodings and
//! line endings, huge or deeply nested files, unreadable paths, missing modules, broken
//! manifests). For each one the run must end normally (exit code 0, 1 or 2, never a signal),
//! print the exact located diagnostic (snapshots in `tests/ui/robustness/*.stderr`, bless with
//! `FACADELINT_BLESS=1`), exit with the documented code, and still report the leak in the
//! file beside the bad input (`tests/ui/robustness/leak.rs`, a one-file model of CURATOR-710).
//!
//! Inputs are built at test time in fresh temporary folders; the binary runs with the folder as
//! its working directory and relative paths as arguments, so the output is stable. When the
//! binary has `--no-prefilter`, every small case is also run with it and must print the same
//! bytes: the prefilter must not change what a bad input reports. The large and deeply nested
//! inputs all name the rule's types (so they are parsed either way) and run once, the nested
//! ones under a time limit.

mod common;

use common::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The leaking file put beside most bad inputs; its finding must survive them.
const LEAK: &str = include_str!("ui/robustness/leak.rs");
const LEAK_FINDING: &str = "error[watcher-removal-bypass]";

/// A fresh folder under the system temporary directory, removed when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "facadelint-robustness-{tag}-{}-{n}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    fn write(&self, rel: &str, bytes: impl AsRef<[u8]>) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn leak(&self, rel: &str) {
        self.write(rel, LEAK);
    }

    /// Runs facadelint in this folder with `--color never`; when the binary has
    /// `--no-prefilter`, runs it again with that flag and requires the same output.
    fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.dir, args)
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--color", "never"]);
        let run = self.run_once_in(cwd, &args);
        if supports_no_prefilter() {
            args.push("--no-prefilter");
            let all = self.run_once_in(cwd, &args);
            assert_eq!(
                (run.code, &run.stderr),
                (all.code, &all.stderr),
                "the prefilter changed the result (left: default run, right: --no-prefilter)"
            );
        }
        run
    }

    /// One run as given (no comparison with `--no-prefilter`).
    fn run_filtered(&self, args: &[&str]) -> Run {
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--color", "never"]);
        self.run_once_in(&self.dir, &args)
    }

    /// One run, paths in the output that name this folder replaced by `$DIR`.
    fn run_once_in(&self, cwd: &Path, args: &[&str]) -> Run {
        let run = run_in(cwd, args, &[]);
        assert_exited_normally(&run, args);
        self.normalize(run)
    }

    /// One run with `--color never` and a time limit, for inputs every file of which names
    /// the rule's types (the prefilter parses them all, so a second run would repeat this).
    /// `None` when the limit passed (the process is killed).
    fn run_limited(&self, args: &[&str], limit: Duration) -> Option<Run> {
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--color", "never"]);
        run_with_limit(&self.dir, &args, limit).map(|run| self.normalize(run))
    }

    fn normalize(&self, mut run: Run) -> Run {
        let canonical = std::fs::canonicalize(&self.dir).unwrap();
        for dir in [&canonical, &self.dir] {
            let shown = dir.to_string_lossy().into_owned();
            run.stderr = run.stderr.replace(&shown, "$DIR");
            run.stdout = run.stdout.replace(&shown, "$DIR");
        }
        run
    }
}

/// Like `common::run_in`, but kills the process after `limit` and returns `None`.
fn run_with_limit(cwd: &Path, args: &[&str], limit: Duration) -> Option<Run> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_facadelint"))
        .current_dir(cwd)
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("RAYON_NUM_THREADS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run facadelint");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    status.map(|status| Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    })
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Does not follow symbolic links: loops and links outside are removed, not walked.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn supports_no_prefilter() -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        run_in(&workspace_root(), &["--help"], &[])
            .stdout
            .contains("--no-prefilter")
    })
}

/// Exit code 0, 1 or 2: `Run::code` is -1 when a signal (a stack overflow's abort, a
/// segmentation fault) ended the process.
fn assert_exited_normally(run: &Run, args: &[&str]) {
    assert!(
        matches!(run.code, 0..=2),
        "facadelint {args:?} did not exit normally (code {}, -1 means killed by a signal)\n--- stderr (last 2000 bytes)\n{}",
        run.code,
        tail(&run.stderr, 2000)
    );
}

fn tail(s: &str, n: usize) -> &str {
    let mut start = s.len().saturating_sub(n);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

fn assert_code(run: &Run, code: i32) {
    assert_eq!(run.code, code, "exit code\n--- stderr\n{}", run.stderr);
}

/// The leak beside the bad input is still reported, at its usual position in `file`.
fn assert_leak_reported(run: &Run, file: &str) {
    assert_leak_at(run, &format!("{file}:32:9"));
}

/// The leak's finding is reported with its primary label at `position` (`file:line:col`).
fn assert_leak_at(run: &Run, position: &str) {
    assert!(
        run.stderr.contains(LEAK_FINDING),
        "the leak's finding is missing\n--- stderr\n{}",
        run.stderr
    );
    let at = format!("--> {position}\n");
    assert!(
        run.stderr.contains(&at),
        "the leak's finding is not at `{at}`\n--- stderr\n{}",
        run.stderr
    );
}

/// `name` has a diagnostic located in it (`--> name:line:col`).
fn assert_located_in(run: &Run, name: &str) {
    assert!(
        run.stderr.contains(&format!("--> {name}:")),
        "no located diagnostic in `{name}`\n--- stderr\n{}",
        run.stderr
    );
}

fn snapshot(name: &str, run: &Run) {
    let path = workspace_root()
        .join("analyzer/tests/ui/robustness")
        .join(format!("{name}.stderr"));
    assert_snapshot(&path, &format!("{}exit code: {}\n", run.stderr, run.code));
}

/// The leak model without its first line (an inner doc comment, only valid at the top).
fn leak_body() -> &'static str {
    LEAK.split_once('\n').unwrap().1
}

// 1. A file that does not parse.

#[test]
fn unparsable_files_are_located_and_the_rest_is_analysed() {
    let s = Scratch::new("parse");
    s.leak("src/leak.rs");
    // A grammar error, and an unclosed delimiter (a tokenizer error). Both files name the
    // client trait, so they matter to the rule whatever the prefilter decides.
    s.write(
        "src/half_written.rs",
        "pub fn count(client: &dyn CuratorFramework) -> usize {\n    let n = ;\n    n\n}\n",
    );
    s.write(
        "src/unclosed.rs",
        "pub fn open(client: &dyn CuratorFramework) {\n    if true {\n        client.len(\n}\n",
    );
    let run = s.run(&["src"]);
    assert_located_in(&run, "src/half_written.rs");
    assert_located_in(&run, "src/unclosed.rs");
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("unparsable", &run);
}

#[test]
fn unparsable_file_that_names_nothing_of_the_rules_is_reported_without_the_prefilter() {
    // By default the prefilter does not parse a file that names nothing the rules are about
    // (README, "Security and guarantees"): its syntax errors are the compiler's business and
    // the run reports the leak elsewhere. `--no-prefilter` parses it and locates the error.
    let s = Scratch::new("parse-plain");
    s.leak("src/leak.rs");
    s.write(
        "src/plain.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a +\n}\n",
    );
    let filtered = s.run_filtered(&["src"]);
    assert_leak_reported(&filtered, "src/leak.rs");
    assert!(
        !filtered.stderr.contains("src/plain.rs"),
        "{}",
        filtered.stderr
    );
    assert_code(&filtered, 1);
    let run = s.run_filtered(&["src", "--no-prefilter"]);
    assert_leak_reported(&run, "src/leak.rs");
    assert_located_in(&run, "src/plain.rs");
    assert_code(&run, 2);
    snapshot("unparsable-plain", &run);
    // A file the user names (as a path, or with --touching as the pre-commit hook does) is
    // always parsed: it was requested, so its syntax error fails the run.
    for args in [
        &["src/leak.rs", "src/plain.rs"][..],
        &["src", "--touching", "src/plain.rs"][..],
    ] {
        let named = s.run_filtered(args);
        assert_located_in(&named, "src/plain.rs");
        assert_code(&named, 2);
    }
}

/// Shapes of every edition the issue names (bare trait objects, `try!`, async, const
/// generics, GATs, `impl Trait`, let-else, raw and non-ASCII identifiers, raw strings,
/// `#[cfg]`-heavy code) in one module beside the leak.
const EDITION_SHAPES: &str = r####"// Language shapes from every edition in one module; none of them touches a client.
#![allow(dead_code, unused)]

pub trait Shape {
    fn area(&self) -> f64;
}

pub fn old_style(x: &Shape) -> f64 {
    x.area()
}

pub fn boxed_dyn(items: Vec<Box<dyn Shape + Send>>) -> impl Iterator<Item = f64> {
    items.into_iter().map(|s| s.area())
}

pub fn retry() -> Result<u32, std::num::ParseIntError> {
    let n = r#try!("7".parse::<u32>());
    Ok(n)
}

#[macro_export]
macro_rules! r#try {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Err(e),
        }
    };
}

pub struct Grid<const W: usize, const H: usize> {
    cells: [[u8; W]; H],
}

pub trait Lending {
    type Item<'a>
    where
        Self: 'a;
    fn next<'a>(&'a mut self) -> Option<Self::Item<'a>>;
}

pub async fn later(n: u32) -> u32 {
    let f = async move { n + 1 };
    f.await
}

pub fn let_else(v: Option<u32>) -> u32 {
    let Some(x) = v else { return 0 };
    x
}

pub fn raw_names(r#type: u32, r#match: u32) -> u32 {
    r#type + r#match
}

pub fn non_ascii() -> u32 {
    let café = 1;
    let größe = 2;
    café + größe
}

pub const RAW: &str = r#"a "quoted" (((( string"#;
pub const RAWER: &str = r##"with "# inside"##;

#[cfg(any(unix, windows))]
pub fn platform() -> &'static str {
    #[cfg(unix)]
    let name = "unix";
    #[cfg(windows)]
    let name = "windows";
    #[cfg(not(any(unix, windows)))]
    let name = "other";
    name
}

#[cfg_attr(test, derive(Debug))]
pub enum Either<L, R> {
    Left(L),
    Right(R),
}
"####;

#[test]
fn shapes_of_every_edition_pass_through() {
    let s = Scratch::new("edition-shapes");
    s.leak("src/leak.rs");
    s.write("src/shapes.rs", EDITION_SHAPES);
    // `run` also checks that `--no-prefilter` (which parses the shapes) gives the same output.
    let run = s.run(&["src"]);
    assert_leak_reported(&run, "src/leak.rs");
    assert!(
        !run.stderr.contains("src/shapes.rs"),
        "a shape was not understood\n{}",
        run.stderr
    );
    assert_code(&run, 1);
}

#[test]
fn edition_2015_try_parses_and_a_bare_trait_object_sum_is_located() {
    // syn reads `try!` but rejects a bare `Fn(..) + Send` (2015 syntax without `dyn`), as in
    // signal-hook-registry 1.4.8: a located parse error, and the rest of the run goes on.
    let s = Scratch::new("edition-2015");
    s.leak("src/leak.rs");
    s.write(
        "src/old.rs",
        "fn f() -> Result<u32, ()> {\n    let n = try!(Ok(7));\n    Ok(n)\n}\ntype Action = Fn(u32) + Send + Sync;\n",
    );
    let run = s.run_filtered(&["src", "--no-prefilter"]);
    assert_leak_reported(&run, "src/leak.rs");
    assert!(
        run.stderr.contains("--> src/old.rs:5:17\n"),
        "{}",
        run.stderr
    );
    assert_code(&run, 2);
}

// 2. An empty file.

#[test]
fn empty_file_is_a_valid_module() {
    let s = Scratch::new("empty");
    s.leak("src/leak.rs");
    s.write("src/empty.rs", "");
    let run = s.run(&["src"]);
    assert_leak_reported(&run, "src/leak.rs");
    assert!(run.stderr.contains(" in 2 files\n"), "{}", run.stderr);
    assert_code(&run, 1);
    snapshot("empty-file", &run);
}

// 3. A file that is only a UTF-8 byte-order mark.

#[test]
fn file_of_only_a_byte_order_mark_is_a_valid_module() {
    let s = Scratch::new("bom");
    s.leak("src/leak.rs");
    s.write("src/bom.rs", b"\xEF\xBB\xBF");
    let run = s.run(&["src"]);
    assert_leak_reported(&run, "src/leak.rs");
    assert!(run.stderr.contains(" in 2 files\n"), "{}", run.stderr);
    assert_code(&run, 1);
    snapshot("bom-only", &run);
}

#[test]
fn byte_order_mark_does_not_shift_columns() {
    // rustc drops the mark before counting: an error on line 1 has the same column (and the
    // same rendering) with and without it.
    let code = "pub fn f(c: &dyn CuratorFramework) -> { 1 }\n";
    let plain = Scratch::new("bom-plain");
    plain.write("a.rs", code);
    let marked = Scratch::new("bom-marked");
    marked.write("a.rs", format!("\u{feff}{code}"));
    let expected = plain.run(&["a.rs"]);
    let run = marked.run(&["a.rs"]);
    assert_located_in(&expected, "a.rs");
    assert!(
        expected.stderr.contains("--> a.rs:1:39\n"),
        "{}",
        expected.stderr
    );
    assert_eq!(
        run.stderr, expected.stderr,
        "a byte-order mark changed the diagnostic (left: with the mark, right: without)"
    );
    assert_code(&run, 2);
    snapshot("bom-columns", &run);
}

// 4. CRLF line endings.

#[test]
fn crlf_line_endings_give_the_positions_of_lf() {
    let lf = Scratch::new("lf");
    lf.leak("leak.rs");
    let crlf = Scratch::new("crlf");
    crlf.write("leak.rs", LEAK.replace('\n', "\r\n"));
    let expected = lf.run(&["leak.rs"]);
    let run = crlf.run(&["leak.rs"]);
    assert_leak_reported(&run, "leak.rs");
    assert!(
        !run.stderr.contains('\r'),
        "a carriage return leaked into the output"
    );
    assert_eq!(
        run.stderr, expected.stderr,
        "CRLF changed the diagnostic (left: CRLF, right: LF)"
    );
    assert_code(&run, 1);
    snapshot("crlf", &run);
}

// 5. Tabs for indentation.

#[test]
fn tabs_count_as_one_column_each() {
    let s = Scratch::new("tabs");
    let tabbed: String = LEAK
        .lines()
        .map(|line| {
            let body = line.trim_start_matches(' ');
            let indent = (line.len() - body.len()) / 4;
            format!("{}{body}\n", "\t".repeat(indent))
        })
        .collect();
    s.write("leak.rs", tabbed);
    let run = s.run(&["leak.rs"]);
    assert!(run.stderr.contains(LEAK_FINDING), "{}", run.stderr);
    // Line 32 is `\t\tself.client.using_namespace(ns)`: rustc says column 3.
    assert!(run.stderr.contains("--> leak.rs:32:3\n"), "{}", run.stderr);
    assert_code(&run, 1);
    snapshot("tabs", &run);
}

// 5b. Non-ASCII identifiers before the finding on its line.

/// The leak model's line 32 (`        self.client.using_namespace(ns)`, the bypass point).
const BYPASS_LINE: &str = "        self.client.using_namespace(ns)\n";

/// The leak model with its bypass line replaced by `line` (which ends the bypass expression).
fn leak_with_bypass_line(line: &str) -> String {
    assert!(LEAK.contains(BYPASS_LINE));
    LEAK.replace(BYPASS_LINE, &format!("{line}\n"))
}

#[test]
fn columns_after_non_ascii_identifiers_count_characters() {
    // `ö` and `ß` take two bytes, `名` three bytes and two display columns. rustc counts
    // columns in characters: the bypass expression starts at column 40 (byte 46, display
    // column 41), and the carets must sit under it in the rendered line.
    let s = Scratch::new("non-ascii");
    s.write(
        "leak.rs",
        leak_with_bypass_line(
            "        let größe = ns; let 名 = größe; self.client.using_namespace(名)",
        ),
    );
    let run = s.run(&["leak.rs"]);
    assert_leak_at(&run, "leak.rs:32:40");
    // Rendered by display width: 39 columns of text before the expression, 名 counting two.
    let carets = format!("   |{}{} returns", " ".repeat(41), "^".repeat(31));
    assert!(
        run.stderr.contains(&carets),
        "the carets are not under the expression\n{}",
        run.stderr
    );
    assert_code(&run, 1);
    snapshot("non-ascii-columns", &run);
}

// 6. A line of 100,000 characters.

#[test]
fn line_of_100_000_characters_in_a_valid_file() {
    // The leak model with its first line replaced by an array of 1s exactly 100,000
    // characters long: the finding on line 32 must keep its position.
    let mut k = 50_000;
    let line = loop {
        let numbers = vec!["1"; k].join(",");
        let line = format!("pub static NUMS: [u8; {k}] = [{numbers}];");
        if line.len() <= 100_000 {
            break format!("{line}{}", " ".repeat(100_000 - line.len()));
        }
        k -= 1;
    };
    assert_eq!(line.chars().count(), 100_000);
    let s = Scratch::new("long-line");
    s.write("long.rs", format!("{line}\n{}", leak_body()));
    let run = s.run(&["long.rs"]);
    assert_leak_reported(&run, "long.rs");
    assert_code(&run, 1);
    snapshot("long-line", &run);
}

#[test]
fn finding_at_column_100_000_of_a_100_000_character_line() {
    // The bypass line of the leak model with 99,999 characters of valid code before the
    // expression: the finding is at column 100,000, the line is shown whole and the carets
    // are under the expression.
    let k = 49_987;
    let padding = format!("let _pad = [{}1];  ", "1,".repeat(k));
    let prefix = format!("        {padding}");
    assert_eq!(prefix.chars().count(), 99_999);
    let line = format!("{prefix}self.client.using_namespace(ns)");
    let s = Scratch::new("long-line-finding");
    s.write("long.rs", leak_with_bypass_line(&line));
    let run = s.run(&["long.rs"]);
    assert_leak_at(&run, "long.rs:32:100000");
    let source = format!("32 | {line}\n");
    let carets = format!(
        "   | {}{} returns a client built from the inner `Raw`",
        " ".repeat(99_999),
        "^".repeat(31)
    );
    assert!(
        run.stderr.contains(&source),
        "the long line is not shown whole"
    );
    assert!(
        run.stderr.contains(&carets),
        "the carets are not under the expression at column 100,000"
    );
    assert_code(&run, 1);
    // The snapshot with the padding elided (checked exactly above), so that it stays readable.
    let shown = run
        .stderr
        .replace(
            &padding,
            &format!("<{} characters of `let _pad = [1,1,…]; `>", padding.len()),
        )
        .replace(&format!("| {}", " ".repeat(99_999)), "| <99,999 spaces>");
    snapshot(
        "long-line-finding",
        &Run {
            stderr: shown,
            ..run
        },
    );
}

// 7. A large generated file.

/// Megabytes of the generated file: 50 in release builds (about 22 s and 7 GB peak memory on
/// 2 cores, as much as `syn` alone needs for such a file; `.ci/run` runs it), 8 in debug
/// builds, where 50 MB take minutes (debug parsing runs at about 0.45 MB/s). Each size has
/// its snapshot. `FACADELINT_BIG_MB` overrides it (then the snapshot is not compared, only
/// the finding's position).
fn big_file_megabytes() -> (usize, bool) {
    match std::env::var("FACADELINT_BIG_MB") {
        Ok(v) => (v.parse().expect("FACADELINT_BIG_MB is a number"), true),
        Err(_) if cfg!(debug_assertions) => (8, false),
        Err(_) => (50, false),
    }
}

#[test]
fn large_generated_file_is_analysed_to_its_end() {
    let (megabytes, overridden) = big_file_megabytes();
    let target = megabytes * 1_000_000;
    let mut text = String::with_capacity(target + LEAK.len() + 64);
    let mut fns = 0usize;
    while text.len() < target {
        text.push_str(&format!("pub fn f{fns}(x: u32) -> u32 {{ x + {fns} }}\n"));
        fns += 1;
    }
    // The leak comes last: its finding shows the whole file was parsed and analysed.
    text.push_str(leak_body());
    let s = Scratch::new("big");
    s.write("big.rs", &text);
    let started = Instant::now();
    let run = s.run_once_in(&s.dir, &["big.rs", "--color", "never"]);
    eprintln!(
        "{} bytes ({fns} fns + the leak) analysed in {:.1?}",
        text.len(),
        started.elapsed()
    );
    assert_leak_at(&run, &format!("big.rs:{}:9", fns + 31));
    assert_code(&run, 1);
    if !overridden {
        snapshot(&format!("big-file-{megabytes}mb"), &run);
    }
}

// 8. Deep nesting: no stack overflow. Past the limits (README: 4,000 levels of brackets,
// 2,000 without) the file is rejected with a located error; below them it is parsed, lowered
// and analysed. Snapshots pin which; every run has a time limit far above what a linear parse
// of these few-hundred-kilobyte files needs.

const NESTING_LIMIT: Duration = Duration::from_secs(60);

/// What is wrong with a run over deeply nested input, if anything: it must end normally
/// within the limit, report the leak, give every error a location, and exit 2 exactly when
/// there are errors besides the leak's finding.
fn nesting_problem(run: Option<&Run>) -> Option<String> {
    let Some(run) = run else {
        return Some(format!(
            "did not finish within {} s (killed)",
            NESTING_LIMIT.as_secs()
        ));
    };
    if !matches!(run.code, 0..=2) {
        return Some(format!(
            "killed by a signal: {}",
            tail(&run.stderr, 300).trim()
        ));
    }
    if !run.stderr.contains(LEAK_FINDING) {
        return Some(format!("the leak's finding is missing:\n{}", run.stderr));
    }
    let errors: Vec<&str> = run
        .stderr
        .split("\n\n")
        .filter(|d| d.starts_with("error[") && !d.starts_with(LEAK_FINDING))
        .collect();
    if let Some(unlocated) = errors.iter().find(|d| !d.contains("--> ")) {
        return Some(format!("an error without a location: {unlocated}"));
    }
    let expected = if errors.is_empty() { 1 } else { 2 };
    if run.code != expected {
        return Some(format!(
            "exit code {} (expected {expected}):\n{}",
            run.code, run.stderr
        ));
    }
    None
}

fn assert_nesting_handled(run: Option<&Run>) {
    if let Some(problem) = nesting_problem(run) {
        panic!("{problem}");
    }
}

#[test]
fn ten_thousand_nested_parentheses() {
    let s = Scratch::new("parens");
    s.leak("src/leak.rs");
    let n = 10_000;
    // Inside a fn body: 10,001 levels with the body's brace, past the 4,000 limit.
    s.write(
        "src/in_fn.rs",
        format!(
            "pub fn parens(_c: &dyn CuratorFramework) -> u32 {{\n{}1\n{}}}\n",
            "(\n".repeat(n),
            ")\n".repeat(n)
        ),
    );
    // In a constant: 10,000 levels, also past the limit; rejected at the 4,001st.
    s.write(
        "src/in_const.rs",
        format!(
            "pub fn uses(_c: &dyn CuratorFramework) {{}}\npub const P: u32 =\n{}1\n{};\n",
            "(\n".repeat(n),
            ")\n".repeat(n)
        ),
    );
    let run = s.run_limited(&["src"], NESTING_LIMIT);
    assert_nesting_handled(run.as_ref());
    let run = run.unwrap();
    assert_leak_reported(&run, "src/leak.rs");
    snapshot("nested-parentheses", &run);
}

#[test]
fn ten_thousand_nested_blocks() {
    let s = Scratch::new("blocks");
    s.leak("src/leak.rs");
    let n = 10_000;
    // 10,000 blocks inside a fn body: 10,001 levels.
    s.write(
        "src/in_fn.rs",
        format!(
            "pub fn blocks(_c: &dyn CuratorFramework) -> u32 {{\n{}1\n{}}}\n",
            "{\n".repeat(n),
            "}\n".repeat(n)
        ),
    );
    // The body's braces are the outermost of the 10,000 blocks: 10,000 levels, past the
    // limit; rejected at the 4,001st.
    s.write(
        "src/body_is_a_block.rs",
        format!(
            "pub fn blocks(_c: &dyn CuratorFramework) -> u32\n{}1\n{}",
            "{\n".repeat(n),
            "}\n".repeat(n)
        ),
    );
    let run = s.run_limited(&["src"], NESTING_LIMIT);
    assert_nesting_handled(run.as_ref());
    let run = run.unwrap();
    assert_leak_reported(&run, "src/leak.rs");
    snapshot("nested-blocks", &run);
}

#[test]
fn ten_thousand_nested_closures() {
    let s = Scratch::new("closures");
    s.leak("src/leak.rs");
    s.write(
        "src/closures.rs",
        format!(
            "pub fn closures(_c: &dyn CuratorFramework) {{\n    let _f =\n{}1;\n}}\n",
            "|x: u32|\n".repeat(10_000)
        ),
    );
    let run = s.run_limited(&["src"], NESTING_LIMIT);
    assert_nesting_handled(run.as_ref());
    let run = run.unwrap();
    assert_leak_reported(&run, "src/leak.rs");
    snapshot("nested-closures", &run);
}

/// A second watch registered through the bypassing client (two lines): the leak model reports
/// it as a finding of its own, with its `registered here` label on the second line.
const DEEP_REGISTRATION: &str =
    "let watching = Watching { client: self.facade.using_namespace(None) };\n\
     watching.commit_watcher(\"/deep\");\n";

/// `body` as the method `Recipe::{name}`, in an `impl` of its own.
fn recipe_method(name: &str, body: String) -> String {
    format!("impl Recipe {{\n    pub fn {name}(&self) {{\n{body}\n    }}\n}}\n")
}

/// Runs the leak model followed by `deep` (code just under a nesting limit that registers a
/// second watch at its innermost level, line `line`): both findings are reported and nothing
/// else, so the deep code was parsed, lowered and analysed.
fn assert_deep_code_analysed(tag: &str, deep: String, line: usize) {
    let s = Scratch::new(tag);
    s.write("src/deep.rs", format!("{LEAK}{deep}"));
    let run = s.run_limited(&["src"], NESTING_LIMIT);
    assert_nesting_handled(run.as_ref());
    let run = run.unwrap();
    assert_leak_reported(&run, "src/deep.rs");
    assert!(
        run.stderr
            .contains("facadelint: 2 findings, 0 input errors in 1 file\n"),
        "the registration inside the deep code is not reported\n{}",
        run.stderr
    );
    let registered = format!("{line} | ");
    assert!(
        run.stderr
            .lines()
            .any(|l| l.trim_start().starts_with(&registered))
            && run.stderr.contains("registered here"),
        "no label at line {line} (the deep registration)\n{}",
        run.stderr
    );
    assert_code(&run, 1);
    snapshot(tag, &run);
}

/// The leak model's length in lines: the deep code starts on the next one.
fn leak_lines() -> usize {
    LEAK.lines().count()
}

#[test]
fn parentheses_just_under_the_limit_are_analysed() {
    // 3,900 parentheses (one a line) around the bypassing client, inside a struct literal, a
    // fn body and an impl: 3,903 levels, under the 4,000 limit.
    let n = 3_900;
    let deep = recipe_method(
        "watch_parens",
        format!(
            "let watching = Watching {{ client:\n{}self.facade.using_namespace(None)\n{}}};\n\
             watching.commit_watcher(\"/deep\");",
            "(\n".repeat(n),
            ")\n".repeat(n)
        ),
    );
    // impl, fn, `let watching …`, n `(`, the client, n `)`, `};`, the registration.
    assert_deep_code_analysed(
        "under-limit-parentheses",
        deep,
        leak_lines() + 3 + 2 * n + 3,
    );
}

#[test]
fn blocks_just_under_the_limit_are_analysed() {
    // The registration in 3,900 nested blocks inside a fn body and an impl: 3,902 levels.
    let n = 3_900;
    let deep = recipe_method(
        "watch_blocks",
        format!("{}{DEEP_REGISTRATION}{}", "{\n".repeat(n), "}\n".repeat(n)),
    );
    // impl, fn, 3,900 block lines, `let watching …`, the registration.
    assert_deep_code_analysed("under-limit-blocks", deep, leak_lines() + 2 + n + 2);
}

#[test]
fn closures_just_under_the_limit_are_analysed() {
    // 1,900 closures nested without brackets (the limit is 2,000), the innermost body a block
    // that registers the watch.
    let n = 1_900;
    let deep = recipe_method(
        "watch_closures",
        format!(
            "let _f =\n{}{{\n{DEEP_REGISTRATION}}};",
            "|_x: u32|\n".repeat(n)
        ),
    );
    // impl, fn, `let _f =`, 1,900 closure lines, `{`, `let watching …`, the registration.
    assert_deep_code_analysed("under-limit-closures", deep, leak_lines() + 3 + n + 3);
}

/// Runs each file alone beside the leak (a stack overflow aborts the whole process, so one
/// run per input tells which input does it) and reports every problem at once.
fn assert_each_nesting_handled(tag: &str, files: &[(&str, String)]) {
    let mut problems = Vec::new();
    for (name, text) in files {
        let s = Scratch::new(tag);
        s.leak("src/leak.rs");
        s.write(&format!("src/{name}"), text);
        let started = Instant::now();
        let run = s.run_limited(&["src"], NESTING_LIMIT);
        if let Some(problem) = nesting_problem(run.as_ref()) {
            problems.push(format!(
                "{name} ({} bytes, {:.1?}): {problem}",
                text.len(),
                started.elapsed()
            ));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn ten_thousand_nested_types() {
    // 10,000 levels, past the limits (4,000 brackets, 2,000 without): the guard rejects
    // them with a located error; what must never happen is a stack overflow.
    let n = 10_000;
    let file =
        |ty: String| format!("pub fn uses(_c: &dyn CuratorFramework) {{}}\npub type T = {ty};\n");
    assert_each_nesting_handled(
        "types",
        &[
            ("refs.rs", file(format!("{}u8", "&".repeat(n)))),
            (
                "arrays.rs",
                file(format!("{}u8{}", "[".repeat(n), "; 1]".repeat(n))),
            ),
            (
                "tuples.rs",
                file(format!("{}u8{}", "(".repeat(n), ",)".repeat(n))),
            ),
            (
                "generics.rs",
                file(format!("{}u8{}", "Vec<".repeat(n), ">".repeat(n))),
            ),
        ],
    );
}

#[test]
fn deep_nesting_without_brackets() {
    // Nesting the bracket counter does not see: prefix operators, closures, `else if`
    // chains, method chains (each call's receiver is the previous call).
    let n = 100_000;
    let in_fn = |body: String| format!("pub fn deep(_c: &dyn CuratorFramework) {{\n{body}\n}}\n");
    assert_each_nesting_handled(
        "unbracketed",
        &[
            (
                "not.rs",
                in_fn(format!("    let _x = {}true;", "!".repeat(n))),
            ),
            (
                "refs.rs",
                in_fn(format!("    let _x = {}1;", "&".repeat(n))),
            ),
            (
                "ref_type.rs",
                in_fn(format!("    let _x: {}u8 = 1;", "&".repeat(n))),
            ),
            (
                "closures.rs",
                in_fn(format!("    let _f =\n{}1;", "|x: u32|\n".repeat(n))),
            ),
            (
                "else_if.rs",
                in_fn(format!(
                    "    if true {{}}{}",
                    "\n    else if true {}".repeat(n)
                )),
            ),
            (
                "method_chain.rs",
                in_fn(format!(
                    "    let _x = 1{};",
                    "\n        .clone()".repeat(10_000)
                )),
            ),
        ],
    );
}

// 9. Invalid UTF-8.

#[test]
fn invalid_utf8_is_located_at_its_byte_offset() {
    let s = Scratch::new("utf8");
    s.leak("src/leak.rs");
    // Latin-1 `é` (0xE9) at byte 37: line 2, column 9.
    s.write(
        "src/latin1.rs",
        b"pub fn f() -> &'static str {\n    \"caf\xE9 au lait\"\n}\n",
    );
    let run = s.run(&["src"]);
    assert!(
        run.stderr.contains("byte offset 37") && run.stderr.contains("--> src/latin1.rs:2:9\n"),
        "{}",
        run.stderr
    );
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("invalid-utf8", &run);
}

// 10. Unreadable paths: links that lead nowhere, a directory named like a source file, and
// files and folders without read permission.

#[cfg(unix)]
fn unreadable_tree(s: &Scratch) {
    use std::os::unix::fs::symlink;
    s.write("src/lib.rs", "mod leak;\nmod x;\n");
    s.leak("src/leak.rs");
    // A directory named like a source file, also named by `mod x;`.
    std::fs::create_dir_all(s.path("src/x.rs")).unwrap();
    // A dangling link, a link to itself, and a directory link to its own folder.
    symlink("missing.rs", s.path("src/y.rs")).unwrap();
    symlink("z.rs", s.path("src/z.rs")).unwrap();
    symlink(".", s.path("src/loop")).unwrap();
}

/// The same words for a link whether it is walked or named: dangling (with the target that
/// is missing) or a loop, never the raw `No such file or directory` / `Too many levels`.
#[cfg(unix)]
fn assert_links_described(run: &Run) {
    for expected in [
        "`src/y.rs` is a broken symbolic link: its target `src/missing.rs` does not exist\n",
        "`src/z.rs` is a symbolic link loop\n",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing `{expected}`\n{}",
            run.stderr
        );
    }
    assert!(
        !run.stderr.contains("os error"),
        "a link is described by a raw OS error\n{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn unreadable_paths_in_a_walked_folder_are_reported() {
    let s = Scratch::new("unreadable");
    unreadable_tree(&s);
    // Dangling links that cannot be source files: an editor's lock file, a note.
    std::os::unix::fs::symlink("user@host.1234", s.path("src/.#leak.rs")).unwrap();
    std::os::unix::fs::symlink("nowhere.txt", s.path("src/notes.txt")).unwrap();
    let run = s.run(&["src"]);
    assert_links_described(&run);
    assert!(
        run.stderr
            .contains("`src/loop` is a symbolic link loop: it leads back to `src`"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains(".#leak.rs") && !run.stderr.contains("notes.txt"),
        "{}",
        run.stderr
    );
    assert_located_in(&run, "src/lib.rs");
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("unreadable-walked", &run);
}

#[cfg(unix)]
#[test]
fn unreadable_paths_named_on_the_command_line_are_reported() {
    let s = Scratch::new("unreadable-args");
    unreadable_tree(&s);
    let run = s.run(&["src/y.rs", "src/z.rs", "src/x.rs", "src/leak.rs"]);
    assert_links_described(&run);
    // rustc says "Is a directory"; walking it silently would analyse nothing that was named.
    assert!(
        run.stderr
            .contains("error[input-error]: `src/x.rs` is a directory, not a Rust source file\n"),
        "{}",
        run.stderr
    );
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("unreadable-args", &run);
}

/// Whether this process reads files whatever their permissions (root, or
/// `CAP_DAC_OVERRIDE`), and whether it is root (the owner of a file it creates).
#[cfg(unix)]
fn permissions_do_not_stop_us(s: &Scratch) -> (bool, bool) {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    s.write("probe", "x");
    let probe = s.path("probe");
    let root = std::fs::metadata(&probe).unwrap().uid() == 0;
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o000)).unwrap();
    let readable = std::fs::read(&probe).is_ok();
    std::fs::remove_file(&probe).unwrap();
    (readable, root)
}

/// The user the binary runs as when the test runs as root: `nobody`.
const UNPRIVILEGED: &str = "65534";

#[cfg(unix)]
#[test]
fn files_and_folders_without_read_permission_are_reported() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let s = Scratch::new("permissions");
    s.write("src/lib.rs", "mod leak;\nmod secret;\n");
    s.leak("src/leak.rs");
    // All three name the client trait: they matter to the rule, so they must be read.
    let uses = "pub fn uses(_c: &dyn CuratorFramework) {}\n";
    s.write("src/secret.rs", uses); // declared by `mod secret;`
    s.write("src/loose.rs", uses); // a crate root of its own
    s.write("src/sealed/inner.rs", uses); // in a folder that cannot be listed
    let (readable_anyway, root) = permissions_do_not_stop_us(&s);
    if readable_anyway && !root {
        eprintln!(
            "\n*** SKIPPED files_and_folders_without_read_permission_are_reported: this \
             process reads files of mode 000 but is not root, so it cannot run facadelint as \
             another user ***\n"
        );
        return;
    }
    let mode = |rel: &str, mode: u32| {
        std::fs::set_permissions(s.path(rel), std::fs::Permissions::from_mode(mode)).unwrap()
    };
    for rel in ["src/secret.rs", "src/loose.rs", "src/sealed"] {
        mode(rel, 0o000);
    }
    let args = ["src", "--color", "never"];
    let run = if readable_anyway {
        // As root nothing is unreadable: run the binary as `nobody`, to whom the folder is
        // readable (modes 755 and 644 from the usual umask) except for the three paths above.
        let dir_mode = std::fs::metadata(&s.dir).unwrap().mode();
        assert!(
            dir_mode & 0o005 == 0o005,
            "the scratch folder is not readable by others (umask?): {dir_mode:o}"
        );
        let out = Command::new("setpriv")
            .args([
                "--reuid",
                UNPRIVILEGED,
                "--regid",
                UNPRIVILEGED,
                "--clear-groups",
            ])
            .arg(env!("CARGO_BIN_EXE_facadelint"))
            .args(args)
            .current_dir(&s.dir)
            .env_remove("NO_COLOR")
            .env_remove("RAYON_NUM_THREADS")
            .output()
            .expect(
                "running as root, this test needs `setpriv` (util-linux) to run facadelint \
                 as an unprivileged user",
            );
        let run = Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(
            !run.stderr.contains("setpriv: "),
            "setpriv could not run facadelint as user {UNPRIVILEGED} (can others read and \
             execute the binary?)\n{}",
            run.stderr
        );
        s.normalize(run)
    } else {
        s.normalize(run_in(&s.dir, &args, &[]))
    };
    // Give the files back so that the scratch folder can be removed by a non-root owner.
    mode("src/sealed", 0o755);
    assert_exited_normally(&run, &args);
    // The declared module's read error points at its `mod` line.
    assert!(
        run.stderr.contains(
            "error[input-error]: could not read `src/secret.rs`: Permission denied (os error 13)\n  --> src/lib.rs:2:5\n"
        ),
        "no located diagnostic for the unreadable module\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("could not read `src/loose.rs`: Permission denied (os error 13)\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("could not read `src/sealed`: Permission denied (os error 13)\n"),
        "{}",
        run.stderr
    );
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("unreadable-permissions", &run);
}

// 11. A `mod` whose file is missing.

#[test]
fn missing_module_file_is_located_at_its_mod_line() {
    let s = Scratch::new("missing-mod");
    s.write(
        "src/lib.rs",
        "//! A crate root.\nmod leak;\npub mod gone;\n",
    );
    s.leak("src/leak.rs");
    let run = s.run(&["src"]);
    assert!(
        run.stderr.contains("file not found for module `gone`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--> src/lib.rs:3:"), "{}", run.stderr);
    assert_leak_reported(&run, "src/leak.rs");
    assert_code(&run, 2);
    snapshot("missing-module", &run);
}

// 12. `#[path]` pointing outside the project folder.

fn project(s: &Scratch, name: &str, lib: &str) {
    s.write(
        &format!("{name}/Cargo.toml"),
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n"),
    );
    s.write(&format!("{name}/src/lib.rs"), lib);
}

#[test]
fn path_attribute_outside_the_project_is_read() {
    let s = Scratch::new("path-outside");
    project(
        &s,
        "proj",
        "//! A crate whose module lives outside its folder.\n#[path = \"../../outside.rs\"]\nmod outside;\n",
    );
    // rustc reads it, so facadelint does: the leak in it is reported.
    s.leak("outside.rs");
    let run = s.run(&["proj"]);
    assert_leak_reported(&run, "proj/src/../../outside.rs");
    assert_code(&run, 1);
    snapshot("path-outside", &run);
}

#[test]
fn path_attribute_to_a_missing_file_outside_is_located() {
    let s = Scratch::new("path-missing");
    project(
        &s,
        "proj",
        "//! A crate whose module should live outside its folder.\nmod leak;\n#[path = \"../../absent.rs\"]\nmod absent;\n",
    );
    s.leak("proj/src/leak.rs");
    let run = s.run(&["proj"]);
    assert!(
        run.stderr.contains("file not found for module `absent`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("--> proj/src/lib.rs:4:"),
        "{}",
        run.stderr
    );
    // With `#[path]` rustc reads that file only: the help must not suggest creating a file
    // rustc would not read.
    assert!(
        !run.stderr.contains("proj/src/absent.rs") && !run.stderr.contains("absent/mod.rs"),
        "the help suggests files rustc does not read for a `#[path]` module\n{}",
        run.stderr
    );
    assert_leak_reported(&run, "proj/src/leak.rs");
    assert_code(&run, 2);
    snapshot("path-missing", &run);
}

// 13. `Cargo.toml` that `cargo metadata` rejects: walk the folder with a warning.

#[test]
fn invalid_toml_manifest_falls_back_to_walking() {
    let s = Scratch::new("bad-toml");
    s.write("proj/Cargo.toml", "[package\nname = \"proj\"\n");
    s.leak("proj/src/lib.rs");
    let run = s.run(&["proj"]);
    assert!(
        run.stderr.contains("warning[cargo-metadata]"),
        "{}",
        run.stderr
    );
    // The manifest is a file: the warning points into it (the unclosed table, 1:9), as
    // cargo's own error does.
    assert!(
        run.stderr.contains("--> proj/Cargo.toml:1:9\n"),
        "the warning has no location in the manifest\n{}",
        run.stderr
    );
    assert_leak_reported(&run, "proj/src/lib.rs");
    assert_code(&run, 1);
    snapshot("manifest-invalid-toml", &run);
}

#[test]
fn cargo_that_cannot_be_started_falls_back_to_walking() {
    let s = Scratch::new("no-cargo");
    s.write(
        "proj/Cargo.toml",
        "[package]\nname = \"proj\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.leak("proj/src/lib.rs");
    // `$CARGO` names the cargo facadelint starts; here it does not exist.
    let run = common::run_in(
        &s.dir,
        &["proj", "--color", "never"],
        &[
            ("CARGO", "/nonexistent/bin/cargo"),
            ("PATH", "/nonexistent"),
        ],
    );
    assert!(
        run.stderr.contains(
            "warning[cargo-metadata]: `cargo metadata` failed for `proj/Cargo.toml`; walking the folder instead\n"
        ) && run.stderr.contains("failed to start `cargo metadata`"),
        "{}",
        run.stderr
    );
    assert_leak_reported(&run, "proj/src/lib.rs");
    assert_code(&run, 1);
}

#[test]
fn manifest_without_package_name_falls_back_to_walking() {
    let s = Scratch::new("no-name");
    s.write(
        "proj/Cargo.toml",
        "[package]\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.leak("proj/src/lib.rs");
    let run = s.run(&["proj"]);
    assert!(
        run.stderr.contains("warning[cargo-metadata]"),
        "{}",
        run.stderr
    );
    // Cargo gives its reason on a later line (missing field `package.name`); "failed to
    // parse manifest" alone does not say what to fix.
    assert!(
        run.stderr.contains("package.name"),
        "the warning does not say why cargo rejected the manifest\n{}",
        run.stderr
    );
    assert_leak_reported(&run, "proj/src/lib.rs");
    assert_code(&run, 1);
    snapshot("manifest-no-name", &run);
}

// Internal errors: a panic inside facadelint is contained to the function it hit.

/// A second, clean recipe in its own file: the leak model with its facade fixed (it re-wraps)
/// and the recipe renamed, so `Cache::refresh` registers a watch through the facade. The
/// function the injected panics hit.
fn second_recipe() -> String {
    let fixed = LEAK
        .replace(
            "        self.client.using_namespace(ns)\n",
            "        let client = self.client.using_namespace(ns);\n        \
             Arc::new(WatcherRemovalFacade { client, manager: Arc::clone(&self.manager) })\n",
        )
        .replace("Recipe", "Cache")
        .replace("pub fn watch(", "pub fn refresh(");
    assert!(
        fixed.contains("Arc::new(WatcherRemovalFacade { client") && fixed.contains("fn refresh(")
    );
    fixed
}

/// Runs the leak beside the second recipe with `FACADELINT_INJECT_PANIC=<stage>:<item>`:
/// the leak is still reported, the internal error names the function (`shown`) and is
/// located at it, and the exit code is 2.
fn assert_contained(stage: &str, item: &str, shown: &str, snapshot_name: &str) {
    let s = Scratch::new(snapshot_name);
    s.leak("src/leak.rs");
    s.write("src/second.rs", second_recipe());
    let target = format!("{stage}:{item}");
    let args = ["src", "--color", "never"];
    let run = s.normalize(run_in(
        &s.dir,
        &args,
        &[("FACADELINT_INJECT_PANIC", &target)],
    ));
    assert_exited_normally(&run, &args);
    assert!(
        run.stderr.contains("error[internal-error]")
            && run.stderr.contains(&format!("`{shown}`: panic injected")),
        "no internal error naming `{shown}`\n--- stderr\n{}",
        run.stderr
    );
    assert_located_in(&run, "src/second.rs");
    assert_leak_reported(&run, "src/leak.rs");
    assert!(
        run.stderr.contains("1 internal error"),
        "the summary does not count the internal error\n{}",
        run.stderr
    );
    assert_code(&run, 2);
    snapshot(
        snapshot_name,
        &Run {
            stderr: without_panic_locations(&run.stderr),
            ..run
        },
    );
}

#[test]
fn panic_while_lowering_one_function_costs_only_that_function() {
    // Lowering sees the bare function name; the report names it with its type.
    assert_contained("lower", "refresh", "Cache::refresh", "internal-error-lower");
}

#[test]
fn panic_while_solving_one_function_costs_only_that_function() {
    assert_contained(
        "flow",
        "Cache::refresh",
        "Cache::refresh",
        "internal-error-flow",
    );
}

#[test]
fn panic_while_checking_one_function_costs_only_that_function() {
    assert_contained(
        "findings",
        "Cache::refresh",
        "Cache::refresh",
        "internal-error-findings",
    );
}
