//! Every input in `fuzz/regressions/` (crashes the fuzzers once found, and seeds) goes through
//! the whole analysis without a panic, without an `internal-error` (a contained panic is still
//! a regression) and within a time limit; and recursive input of every kind the analysis
//! has fixpoints over (types, calls, generics, aliases, glob imports, trait impls, `Deref`,
//! module files) terminates with the findings it should have.

mod common;

use facadelint::diag::Diagnostic;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Each input takes milliseconds; the margin is for a debug build on a loaded machine. A
/// fixpoint that does not terminate runs into it instead of hanging the test suite.
const LIMIT: Duration = Duration::from_secs(30);

/// `analyse_text` on its own thread, with [`LIMIT`] to finish.
fn analyse_within(what: &str, text: &str) -> Vec<Diagnostic> {
    let (tx, rx) = mpsc::channel();
    let text = text.to_string();
    std::thread::Builder::new()
        .name(what.to_string())
        .spawn(move || {
            let _ = tx.send(facadelint::pipeline::analyse_text(&text));
        })
        .unwrap();
    match rx.recv_timeout(LIMIT) {
        Ok(diagnostics) => diagnostics,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: no result within {LIMIT:?}: the analysis does not terminate")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{what}: the analysis panics"),
    }
}

fn assert_no_internal_error(what: &str, diagnostics: &[Diagnostic]) {
    let internal: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.code == "internal-error")
        .collect();
    assert!(internal.is_empty(), "{what}: {internal:#?}");
}

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = common::workspace_root().join("fuzz/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let what = entry.path().display().to_string();
        assert_no_internal_error(&what, &analyse_within(&what, &text));
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

/// Issue #18: a char literal whose escape ends the input sent the nesting guard's jump scan
/// past the end (`internal-error`, the file not analysed). Found by `analyse_bytes` (17 bytes),
/// minimized to `'\\`; both are in `fuzz/regressions/`. Each is now a parse error located where
/// rustc's lexer stops, in rustc's words.
#[test]
fn an_escape_at_the_end_of_a_char_literal_is_a_located_parse_error() {
    let dir = common::workspace_root().join("fuzz/regressions");
    for (file, message, at) in [
        (
            "issue-18-char-escape-at-end.rs",
            "unknown start of token: \\u{fffd}",
            9,
        ),
        (
            "issue-18-char-escape-at-end-min.rs",
            "unterminated character literal",
            0,
        ),
    ] {
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let diagnostics = analyse_within(file, &text);
        assert_no_internal_error(file, &diagnostics);
        let errors: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.code == "parse-error")
            .collect();
        assert_eq!(errors.len(), 1, "{file}: {diagnostics:#?}");
        assert_eq!(errors[0].message, message, "{file}");
        assert_eq!(
            errors[0].primary_span().map(|s| s.start),
            Some(at),
            "{file}"
        );
    }
    // Every shorter prefix and every truncation of the input at a char boundary too: the
    // scan's end cases (a lone quote, a quote and a backslash, a partial escape).
    let found = String::from_utf8_lossy(
        &std::fs::read(dir.join("issue-18-char-escape-at-end.rs")).unwrap(),
    )
    .into_owned();
    for end in (0..=found.len()).filter(|e| found.is_char_boundary(*e)) {
        for start in (0..end).filter(|s| found.is_char_boundary(*s)) {
            let what = format!("bytes {start}..{end}");
            assert_no_internal_error(
                &what,
                &facadelint::pipeline::analyse_text(&found[start..end]),
            );
        }
    }
}

/// The one-file leak model every recursion case is added to: `WatcherRemovalFacade`
/// delegates `using_namespace` (the bypass, line 31) and `facade()` makes one.
const MODEL: &str = r#"use std::sync::{Arc, Mutex};

pub trait CuratorFramework {
    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework>;
    fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>>;
}

#[derive(Default)]
pub struct WatcherRemovalManager {
    paths: Mutex<Vec<String>>,
}

pub struct Raw;

impl CuratorFramework for Raw {
    fn using_namespace(&self, _ns: Option<&str>) -> Arc<dyn CuratorFramework> {
        Arc::new(Raw)
    }
    fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
        None
    }
}

pub struct WatcherRemovalFacade {
    client: Arc<dyn CuratorFramework>,
    manager: Arc<WatcherRemovalManager>,
}

impl CuratorFramework for WatcherRemovalFacade {
    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
        self.client.using_namespace(ns)
    }
    fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
        Some(Arc::clone(&self.manager))
    }
}

pub struct Watching {
    client: Arc<dyn CuratorFramework>,
}

impl Watching {
    pub fn commit_watcher(&self, path: &str) {
        if let Some(m) = self.client.watcher_removal_manager() {
            m.paths.lock().unwrap().push(path.to_string());
        }
    }
}

pub fn facade() -> Arc<dyn CuratorFramework> {
    Arc::new(WatcherRemovalFacade { client: Arc::new(Raw), manager: Arc::default() })
}
"#;

/// The registration paths (`commit_watcher("/x")`) that have a finding, sorted.
fn registrations_with_findings(text: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut out: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.is_finding)
        .flat_map(|d| &d.labels)
        .filter(|l| l.message.starts_with("registered here"))
        .filter_map(|l| text.get(l.span.start as usize..l.span.end as usize))
        .filter_map(|call| call.split("commit_watcher(\"").nth(1))
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The model plus `code` analyses within the time limit, without an internal error, with a
/// finding at exactly the `expected` registrations.
fn check_terminates(what: &str, code: &str, expected: &[&str]) {
    let text = format!("{MODEL}\n{code}");
    let start = Instant::now();
    let diagnostics = analyse_within(what, &text);
    assert_no_internal_error(what, &diagnostics);
    assert_eq!(
        registrations_with_findings(&text, &diagnostics),
        expected,
        "{what} (in {:?}): {diagnostics:#?}",
        start.elapsed()
    );
    for d in diagnostics.iter().filter(|d| d.is_finding) {
        let primary = d.labels.iter().find(|l| l.primary).unwrap();
        let bypass = &text[primary.span.start as usize..primary.span.end as usize];
        assert!(
            bypass.ends_with(".using_namespace(ns)"),
            "{what}: bypass at `{bypass}`"
        );
    }
}

#[test]
fn the_model_alone_has_no_registration() {
    check_terminates("the model", "", &[]);
}

#[test]
fn recursive_types_and_recursive_calls_terminate() {
    check_terminates(
        "recursive types and calls",
        r#"pub struct Node {
    next: Option<Box<Node>>,
    client: Arc<dyn CuratorFramework>,
}

impl Node {
    fn walk(&self) -> Arc<dyn CuratorFramework> {
        match &self.next {
            Some(n) => n.walk(),
            None => self.client.using_namespace(None),
        }
    }
}

pub fn through_list() {
    let last = Node { next: None, client: facade() };
    let first = Node { next: Some(Box::new(last)), client: facade() };
    Watching { client: first.walk() }.commit_watcher("/list");
}

pub struct Looping;
impl CuratorFramework for Looping {
    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
        self.using_namespace(ns)
    }
    fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
        self.watcher_removal_manager()
    }
}

fn ping(n: u32, c: Arc<dyn CuratorFramework>) -> Arc<dyn CuratorFramework> {
    if n == 0 { c.using_namespace(None) } else { pong(n - 1, c) }
}
fn pong(n: u32, c: Arc<dyn CuratorFramework>) -> Arc<dyn CuratorFramework> {
    ping(n, c)
}

pub fn through_mutual_recursion() {
    Watching { client: ping(3, facade()) }.commit_watcher("/ping");
}
"#,
        &["/list", "/ping"],
    );
}

#[test]
fn polymorphic_recursion_terminates() {
    check_terminates(
        "polymorphic recursion",
        r#"pub struct Wrap<T: ?Sized>(Arc<T>);

impl<T: CuratorFramework + ?Sized> CuratorFramework for Wrap<T> {
    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
        self.0.using_namespace(ns)
    }
    fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
        self.0.watcher_removal_manager()
    }
}

/// Each call wraps the client once more: `Wrap<Wrap<Wrap<…>>>` has no bound.
fn grow<T: CuratorFramework + ?Sized + 'static>(c: Arc<T>, n: u32) -> Arc<dyn CuratorFramework> {
    if n == 0 {
        c.using_namespace(None)
    } else {
        grow(Arc::new(Wrap(c)), n - 1)
    }
}

pub struct Nest<T> {
    inner: Option<Box<Nest<Vec<T>>>>,
    client: Arc<dyn CuratorFramework>,
}

impl<T> Nest<T> {
    fn deepest(&self) -> Arc<dyn CuratorFramework> {
        match &self.inner {
            Some(n) => n.deepest(),
            None => self.client.using_namespace(None),
        }
    }
}

pub fn through_generic_recursion() {
    Watching { client: grow(facade(), 3) }.commit_watcher("/grow");
    let nest: Nest<u8> = Nest { inner: None, client: facade() };
    Watching { client: nest.deepest() }.commit_watcher("/nest");
}
"#,
        &["/grow", "/nest"],
    );
}

#[test]
fn type_alias_cycles_terminate() {
    check_terminates(
        "type alias cycles",
        r#"type A = B;
type B = A;
type Tree = Vec<Tree>;
type Client = Arc<dyn CuratorFramework>;
type Again = Client;

fn take(a: A, t: Tree) -> (B, Tree) {
    (a, t)
}

fn namespaced(c: Again) -> Client {
    c.using_namespace(None)
}

pub fn through_aliases() {
    Watching { client: namespaced(facade()) }.commit_watcher("/alias");
}
"#,
        &["/alias"],
    );
}

#[test]
fn glob_import_cycles_terminate() {
    check_terminates(
        "glob import cycles",
        r#"mod a {
    pub use super::b::*;
    pub use crate::Watching as Registrar;
}
mod b {
    pub use super::a::*;
}
mod c {
    pub use self::*;
    pub use super::c::*;
    pub use crate::c::*;
}

pub fn through_glob_cycle() {
    use self::b::{Missing, Registrar};
    use self::c::Nothing;
    Registrar { client: facade().using_namespace(None) }.commit_watcher("/glob");
}
"#,
        &["/glob"],
    );
}

#[test]
fn mutually_recursive_trait_impls_terminate() {
    // `Player` implements neither `Left` nor `Right` directly: the blanket impls, each
    // requiring the other, give it no `left` (rustc rejects the call too).
    check_terminates(
        "mutually recursive trait impls",
        r#"pub trait Ping {
    fn ping(&self, n: u32) -> Arc<dyn CuratorFramework>;
}
pub trait Pong {
    fn pong(&self, n: u32) -> Arc<dyn CuratorFramework>;
}

pub struct Player(Arc<dyn CuratorFramework>);

impl Ping for Player {
    fn ping(&self, n: u32) -> Arc<dyn CuratorFramework> {
        self.pong(n)
    }
}
impl Pong for Player {
    fn pong(&self, n: u32) -> Arc<dyn CuratorFramework> {
        if n == 0 { self.0.using_namespace(None) } else { self.ping(n - 1) }
    }
}

pub trait Left {
    fn left(&self) -> Arc<dyn CuratorFramework>;
}
pub trait Right {
    fn right(&self) -> Arc<dyn CuratorFramework>;
}
impl<T: Right> Left for T {
    fn left(&self) -> Arc<dyn CuratorFramework> {
        self.right()
    }
}
impl<T: Left> Right for T {
    fn right(&self) -> Arc<dyn CuratorFramework> {
        self.left()
    }
}

pub fn through_mutually_recursive_impls() {
    Watching { client: Player(facade()).ping(2) }.commit_watcher("/impls");
    Watching { client: Player(facade()).left() }.commit_watcher("/blanket");
}
"#,
        &["/impls"],
    );
}

#[test]
fn deref_cycles_terminate() {
    // Method lookup through `Deref` goes DA -> DB -> DA -> …: a method neither has ends it.
    check_terminates(
        "deref cycles",
        r#"pub struct DA(Box<DB>, Arc<dyn CuratorFramework>);
pub struct DB(Option<Box<DA>>);

impl std::ops::Deref for DA {
    type Target = DB;
    fn deref(&self) -> &DB {
        &self.0
    }
}
impl std::ops::Deref for DB {
    type Target = DA;
    fn deref(&self) -> &DA {
        self.0.as_ref().unwrap()
    }
}

pub fn through_deref_cycle() {
    let d = DA(Box::new(DB(None)), facade());
    let _ = d.no_such_method();
    let _ = d.commit_watcher("/not-a-watching");
    Watching { client: d.1.using_namespace(None) }.commit_watcher("/deref");
}
"#,
        &["/deref"],
    );
}

#[test]
fn builders_that_build_their_own_type_stay_small() {
    // Found by the fuzzer: every method of an immutable builder returns a new builder, so each
    // builder object is a receiver of all N methods. When each new builder's context grew by
    // its creator, N = 40 took over 10 s and 1.4 GB (N^4 instances); 64 would take hours.
    let options: String = (0..64)
        .map(|i| {
            format!(
                "    pub fn option_{i}(&self) -> Options {{ Options {{ client: self.client.clone(), flags: self.flags + {i} }} }}\n"
            )
        })
        .collect();
    let code = format!(
        r#"pub struct Options {{
    client: Arc<dyn CuratorFramework>,
    flags: u64,
}}

impl Options {{
{options}    pub fn watch(&self) {{
        Watching {{ client: self.client.using_namespace(None) }}.commit_watcher("/chained");
    }}
}}

pub fn configure() {{
    let o = Options {{ client: facade(), flags: 0 }};
    o.option_3().option_17().option_63().option_3().watch();
}}
"#
    );
    check_terminates("same-type builder chain", &code, &["/chained"]);
}

#[test]
fn results_of_unseen_calls_stored_back_stay_small() {
    // Found by the fuzzer: a method that stores results of calls on its own (unseen) client
    // into new values of its own type. Each result was an object named by its whole chain of
    // call sites (up to four deep): N = 80 such calls took 84 s and 1.6 GB.
    let relays =
        "        let r = Relay { client: self.client.using_namespace(None) };\n".repeat(64);
    let code = format!(
        r#"pub struct Relay {{
    client: Arc<dyn CuratorFramework>,
}}

impl Relay {{
    pub fn relay(&self) {{
{relays}        Watching {{ client: r.client.using_namespace(None) }}.commit_watcher("/relayed");
    }}
}}

pub fn start() {{
    Relay {{ client: facade() }}.relay();
}}
"#
    );
    check_terminates("results of unseen calls", &code, &["/relayed"]);
}

/// Runs the real binary in `dir` with [`LIMIT`] to finish; returns its exit code and stderr.
fn run_binary_within(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_facadelint"))
        .current_dir(dir)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "facadelint {args:?} in {}: not done within {LIMIT:?}",
                dir.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = reader.join().unwrap();
    (
        status.code().expect("exited normally, not by a signal"),
        stderr,
    )
}

/// Module files that include each other through `#[path]` are read once each and the run
/// ends with the leak reported. rustc rejects them (`circular modules: src/lib.rs ->
/// src/lib.rs`); facadelint does not report them yet, so the exit code may be 1 or 2.
#[test]
fn circular_module_files_terminate() {
    let dir = std::env::temp_dir().join(format!("facadelint-circular-mods-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"circular\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .unwrap();
    let lib = format!(
        "#[path = \"lib.rs\"]\nmod me;\nmod other;\n{MODEL}\n\
         pub fn leak() {{ Watching {{ client: facade().using_namespace(None) }}.commit_watcher(\"/self\"); }}\n"
    );
    std::fs::write(dir.join("src/lib.rs"), lib).unwrap();
    std::fs::write(
        dir.join("src/other.rs"),
        "#[path = \"lib.rs\"]\npub mod back;\n#[path = \"other.rs\"]\npub mod again;\n",
    )
    .unwrap();
    for extra in [&[][..], &["--no-prefilter"][..]] {
        let mut args = vec!["--color", "never", "--message-format", "short"];
        args.extend_from_slice(extra);
        let (code, stderr) = run_binary_within(&dir, &args);
        assert!(!stderr.contains("internal-error"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("src/lib.rs:34:9: error[watcher-removal-bypass]"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(" in 2 files\n"), "{args:?}: {stderr}");
        for cycle in [
            "src/lib.rs:2:5: error[circular-module]: circular modules: src/lib.rs -> src/lib.rs",
            "src/other.rs:2:9: error[circular-module]: circular modules: src/lib.rs -> src/other.rs -> src/lib.rs",
            "src/other.rs:4:9: error[circular-module]: circular modules: src/other.rs -> src/other.rs",
        ] {
            assert!(stderr.contains(cycle), "{args:?}: {cycle}\n{stderr}");
        }
        assert_eq!(code, 2, "{args:?}: exit code\n{stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
