//! One-file model of the CURATOR-710 leak: the removal facade delegates `using_namespace`.
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
            m.paths.lock().unwrap().push(path.to_string());
        }
    }
}

pub struct Recipe {
    facade: Arc<WatcherRemovalFacade>,
}

impl Recipe {
    pub fn new() -> Self {
        let facade = WatcherRemovalFacade { client: Arc::new(Raw), manager: Arc::default() };
        Recipe { facade: Arc::new(facade) }
    }

    pub fn watch(&self) {
        let watching = Watching { client: self.facade.using_namespace(None) };
        watching.commit_watcher("/config");
    }
}
