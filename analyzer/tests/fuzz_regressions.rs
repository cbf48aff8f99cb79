//! Every input in `fuzz/regressions/` (crashes the fuzzers once found, and seeds) goes through
//! the whole analysis without a panic.

mod common;

#[test]
fn fuzz_regressions_do_not_panic() {
    let dir = common::workspace_root().join("fuzz/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let result = std::panic::catch_unwind(|| facadelint::pipeline::analyse_text(&text));
        assert!(result.is_ok(), "{} panics", entry.path().display());
        n += 1;
    }
    assert!(n > 0, "no regression inputs in {}", dir.display());
}

#[test]
fn recursive_types_and_recursive_calls_terminate() {
    let text = r#"
        use std::sync::Arc;
        pub trait CuratorFramework { fn using_namespace(&self) -> Arc<dyn CuratorFramework>; }
        pub struct WatcherRemovalManager;
        pub struct Node { next: Option<Box<Node>>, client: Arc<dyn CuratorFramework> }
        pub struct WatcherRemovalFacade { client: Arc<dyn CuratorFramework>, m: Arc<WatcherRemovalManager> }
        impl CuratorFramework for WatcherRemovalFacade {
            fn using_namespace(&self) -> Arc<dyn CuratorFramework> { self.using_namespace() }
        }
        impl Node {
            fn walk(&self) -> Arc<dyn CuratorFramework> {
                match &self.next { Some(n) => n.walk(), None => self.client.using_namespace() }
            }
        }
        fn ping(n: u32) -> u32 { if n == 0 { 0 } else { pong(n - 1) } }
        fn pong(n: u32) -> u32 { ping(n) }
    "#;
    let out = facadelint::pipeline::analyse_text(text);
    assert!(out.iter().all(|d| d.code != "internal-error"), "{out:?}");
}
