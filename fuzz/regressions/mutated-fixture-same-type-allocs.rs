// Fuzzer find (analyse_mutated_fixture, timeout): 45 allocations of Watching inside a Watching
// method made N^3 heap contexts (N^4 analysed instances); fixed by ef4cfa3 (same-type creator
// passes its heap context on). Took 33 s and 4 GB before, 10 ms after.
use std::sync::{Arc, Mutex};

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
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        let watching = Watching { client: self.facade.using_namespace(None) };
        }
    }
}

pub struct Recipe {
    facade: Arc<WatcherRemovalFacade>,
}

impl Recipe {
    pub fn new() -> Self {
    pub fn new() -> Self {
    pub fn watch(&self) {
        Recipe { facade: Arc::new(facade) }
    }
    }

        let facade = WatcherRemovalFacade { client: Arc::new(Raw), manager: Arc::default() };
        watching.commit_watcher("/config");
        watching.commit_watcher("/config");
        watching.commit_watcher("/config");
        watching.commit_watcher("/config");
        watching.commit_watcher("/config");
        watching.commit_watcher("/config");
    }
}
