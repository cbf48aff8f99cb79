//! The shared core crate: the session handle, the client trait `CuratorFramework`, the
//! removal tracker `WatcherRemovalManager`, `Watching` (where watches are registered), and
//! the core's own raw client and namespace facade.

use super::emit::render;
use super::names::ident;
use super::GenFile;
use proc_macro2::Ident;
use quote::quote;

pub fn files() -> Vec<GenFile> {
    let lib_rs = quote! {
        #![doc = " Core of the coordination client: the session handle, the client API shared by"]
        #![doc = " the real client and the facades that wrap it, and watch bookkeeping."]
        pub mod framework;
        pub mod imps;
        pub mod manager;
        pub mod watching;
        pub mod zookeeper;
        pub use framework::{fix_for_namespace, CuratorFramework, DEFAULT_SESSION_TIMEOUT_MS};
        pub use imps::{CuratorFrameworkImpl, NamespaceFacade};
        pub use manager::WatcherRemovalManager;
        pub use watching::Watching;
        pub use zookeeper::{EventType, KeeperError, Stat, WatchedEvent, Watcher, ZooKeeperHandle};
        use std::sync::Arc;
        #[doc = " Opens a client for `connect_string` (e.g. `\"zk1:2181,zk2:2181\"`)."]
        pub fn connect(connect_string: &str) -> Arc<CuratorFrameworkImpl> {
            Arc::new(CuratorFrameworkImpl::new(ZooKeeperHandle::connect(connect_string)))
        }
    };
    vec![
        GenFile::rust("src/lib.rs", render(lib_rs)),
        GenFile::rust("src/zookeeper.rs", render(zookeeper())),
        GenFile::rust("src/framework.rs", render(framework())),
        GenFile::rust("src/manager.rs", render(manager())),
        GenFile::rust("src/watching.rs", render(watching())),
        GenFile::rust("src/imps.rs", render(imps())),
    ]
}

fn zookeeper() -> proc_macro2::TokenStream {
    quote! {
        #![doc = " An in-process stand-in for the ZooKeeper session handle. Watches are one-shot."]
        use std::collections::BTreeMap;
        use std::fmt;
        use std::sync::{Arc, Mutex};

        #[doc = " Callback for one-shot watches."]
        pub type Watcher = Arc<dyn Fn(&WatchedEvent) + Send + Sync>;

        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum EventType {
            NodeCreated,
            NodeDataChanged,
            NodeChildrenChanged,
            NodeDeleted,
        }

        #[derive(Debug, Clone)]
        pub struct WatchedEvent {
            pub kind: EventType,
            pub path: String,
        }

        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum KeeperError {
            NoNode(String),
            NodeExists(String),
            BadVersion { path: String, expected: i32, actual: i32 },
            IllegalState(&'static str),
        }

        impl fmt::Display for KeeperError {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    KeeperError::NoNode(path) => write!(f, "no node at {path}"),
                    KeeperError::NodeExists(path) => write!(f, "node {path} already exists"),
                    KeeperError::BadVersion { path, expected, actual } => {
                        write!(f, "version of {path} is {actual}, expected {expected}")
                    }
                    KeeperError::IllegalState(why) => write!(f, "illegal state: {why}"),
                }
            }
        }

        impl std::error::Error for KeeperError {}

        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct Stat {
            pub version: i32,
            pub data_length: usize,
            pub num_children: usize,
        }

        struct Node {
            data: Vec<u8>,
            version: i32,
        }

        #[doc = " The low-level session. Knows nothing about namespaces or recipes."]
        pub struct ZooKeeperHandle {
            connect_string: String,
            nodes: Mutex<BTreeMap<String, Node>>,
            watches: Mutex<Vec<(String, Watcher)>>,
        }

        impl ZooKeeperHandle {
            pub fn connect(connect_string: &str) -> Arc<Self> {
                let mut nodes = BTreeMap::new();
                nodes.insert("/".to_string(), Node { data: Vec::new(), version: 0 });
                Arc::new(ZooKeeperHandle {
                    connect_string: connect_string.to_string(),
                    nodes: Mutex::new(nodes),
                    watches: Mutex::new(Vec::new()),
                })
            }

            pub fn connect_string(&self) -> &str {
                &self.connect_string
            }

            pub fn create(&self, path: &str, data: &[u8]) -> Result<(), KeeperError> {
                let mut nodes = self.nodes.lock().unwrap();
                if nodes.contains_key(path) {
                    return Err(KeeperError::NodeExists(path.to_string()));
                }
                nodes.insert(path.to_string(), Node { data: data.to_vec(), version: 0 });
                drop(nodes);
                self.fire(path, EventType::NodeCreated);
                Ok(())
            }

            pub fn get_data(&self, path: &str, watcher: Option<Watcher>) -> Result<Vec<u8>, KeeperError> {
                let data = self.nodes.lock().unwrap().get(path).map(|n| n.data.clone());
                let data = data.ok_or_else(|| KeeperError::NoNode(path.to_string()))?;
                if let Some(watcher) = watcher {
                    self.add_watch(path, watcher);
                }
                Ok(data)
            }

            pub fn exists(&self, path: &str, watcher: Option<Watcher>) -> Result<Option<Stat>, KeeperError> {
                let stat = self.stat(path);
                if let Some(watcher) = watcher {
                    self.add_watch(path, watcher);
                }
                Ok(stat)
            }

            pub fn get_children(&self, path: &str, watcher: Option<Watcher>) -> Result<Vec<String>, KeeperError> {
                let nodes = self.nodes.lock().unwrap();
                if !nodes.contains_key(path) {
                    return Err(KeeperError::NoNode(path.to_string()));
                }
                let prefix = if path.ends_with('/') { path.to_string() } else { format!("{path}/") };
                let children = nodes
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix))
                    .filter(|rest| !rest.is_empty() && !rest.contains('/'))
                    .map(str::to_string)
                    .collect();
                drop(nodes);
                if let Some(watcher) = watcher {
                    self.add_watch(path, watcher);
                }
                Ok(children)
            }

            pub fn set_data(&self, path: &str, data: &[u8], version: Option<i32>) -> Result<Stat, KeeperError> {
                let stat = {
                    let mut nodes = self.nodes.lock().unwrap();
                    let node = nodes.get_mut(path).ok_or_else(|| KeeperError::NoNode(path.to_string()))?;
                    if let Some(expected) = version {
                        if expected != node.version {
                            return Err(KeeperError::BadVersion {
                                path: path.to_string(),
                                expected,
                                actual: node.version,
                            });
                        }
                    }
                    node.data = data.to_vec();
                    node.version += 1;
                    Stat { version: node.version, data_length: node.data.len(), num_children: 0 }
                };
                self.fire(path, EventType::NodeDataChanged);
                Ok(stat)
            }

            pub fn delete(&self, path: &str) -> Result<(), KeeperError> {
                let removed = self.nodes.lock().unwrap().remove(path);
                if removed.is_none() {
                    return Err(KeeperError::NoNode(path.to_string()));
                }
                self.fire(path, EventType::NodeDeleted);
                Ok(())
            }

            pub fn stat(&self, path: &str) -> Option<Stat> {
                let nodes = self.nodes.lock().unwrap();
                let node = nodes.get(path)?;
                let prefix = format!("{path}/");
                let num_children = nodes.keys().filter(|k| k.starts_with(&prefix)).count();
                Some(Stat { version: node.version, data_length: node.data.len(), num_children })
            }

            pub fn add_watch(&self, path: &str, watcher: Watcher) {
                self.watches.lock().unwrap().push((path.to_string(), watcher));
            }

            #[doc = " Removes `watcher` from `path`; returns whether it was still set."]
            pub fn remove_watch(&self, path: &str, watcher: &Watcher) -> bool {
                let mut watches = self.watches.lock().unwrap();
                let before = watches.len();
                watches.retain(|(p, w)| !(p == path && Arc::ptr_eq(w, watcher)));
                watches.len() != before
            }

            pub fn watch_count(&self) -> usize {
                self.watches.lock().unwrap().len()
            }

            fn fire(&self, path: &str, kind: EventType) {
                let fired: Vec<Watcher> = {
                    let mut watches = self.watches.lock().unwrap();
                    let (fired, kept): (Vec<_>, Vec<_>) = watches.drain(..).partition(|(p, _)| p == path);
                    *watches = kept;
                    fired.into_iter().map(|(_, w)| w).collect()
                };
                let event = WatchedEvent { kind, path: path.to_string() };
                for watcher in fired {
                    watcher(&event);
                }
            }
        }
    }
}

fn framework() -> proc_macro2::TokenStream {
    quote! {
        #![doc = " The client API shared by the real client and the facades that wrap it."]
        use std::sync::Arc;
        use crate::manager::WatcherRemovalManager;
        use crate::zookeeper::ZooKeeperHandle;

        pub const DEFAULT_SESSION_TIMEOUT_MS: u64 = 60_000;

        pub trait CuratorFramework: Send + Sync {
            #[doc = " The namespace prepended to every path, if any."]
            fn namespace(&self) -> Option<String>;

            #[doc = " The session underneath the framework."]
            fn zookeeper(&self) -> Arc<ZooKeeperHandle>;

            fn session_timeout_ms(&self) -> u64;

            #[doc = " A view of this client that uses `ns` as its namespace (`None`: no namespace)."]
            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework>;

            #[doc = " A view of this client without any namespace."]
            fn non_namespace_view(&self) -> Arc<dyn CuratorFramework> {
                self.using_namespace(None)
            }

            #[doc = " A view of this client whose operations use another session timeout."]
            fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework>;

            #[doc = " The manager that watchers set through this client are recorded with, if any."]
            fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
                None
            }
        }

        #[doc = " Prefixes `path` with the namespace, as the server sees it."]
        pub fn fix_for_namespace(namespace: Option<&str>, path: &str) -> String {
            match namespace {
                Some(ns) if !ns.is_empty() => {
                    let ns = ns.trim_matches('/');
                    if path == "/" { format!("/{ns}") } else { format!("/{ns}{path}") }
                }
                _ => path.to_string(),
            }
        }
    }
}

fn manager() -> proc_macro2::TokenStream {
    quote! {
        use std::sync::{Arc, Mutex};
        use crate::zookeeper::{Watcher, ZooKeeperHandle};

        #[doc = " Remembers the watchers set through a `WatcherRemovalFacade`."]
        pub struct WatcherRemovalManager {
            zookeeper: Arc<ZooKeeperHandle>,
            entries: Mutex<Vec<(String, Watcher)>>,
        }

        impl WatcherRemovalManager {
            pub fn new(zookeeper: Arc<ZooKeeperHandle>) -> Self {
                WatcherRemovalManager { zookeeper, entries: Mutex::new(Vec::new()) }
            }

            pub fn add(&self, path: &str, watcher: Watcher) {
                let mut entries = self.entries.lock().unwrap();
                let known = entries.iter().any(|(p, w)| p == path && Arc::ptr_eq(w, &watcher));
                if !known {
                    entries.push((path.to_string(), watcher));
                }
            }

            #[doc = " Removes every recorded watcher from the server."]
            pub fn remove_watchers(&self) -> usize {
                let entries = std::mem::take(&mut *self.entries.lock().unwrap());
                entries.iter().filter(|(path, watcher)| self.zookeeper.remove_watch(path, watcher)).count()
            }

            pub fn tracked_count(&self) -> usize {
                self.entries.lock().unwrap().len()
            }
        }
    }
}

fn watching() -> proc_macro2::TokenStream {
    quote! {
        use std::sync::Arc;
        use crate::framework::CuratorFramework;
        use crate::zookeeper::Watcher;

        #[doc = " Carries an optional watcher through a builder. Once the server call that set"]
        #[doc = " the watch has succeeded, `commit_watcher` records the watcher with the client's"]
        #[doc = " removal manager, when the client has one."]
        pub struct Watching {
            client: Arc<dyn CuratorFramework>,
            watcher: Option<Watcher>,
        }

        impl Watching {
            pub fn new(client: Arc<dyn CuratorFramework>, watcher: Option<Watcher>) -> Self {
                Watching { client, watcher }
            }

            pub fn watcher(&self) -> Option<Watcher> {
                self.watcher.clone()
            }

            pub fn commit_watcher(&self, path: &str, succeeded: bool) {
                let Some(watcher) = &self.watcher else { return };
                if !succeeded {
                    return;
                }
                if let Some(manager) = self.client.watcher_removal_manager() {
                    manager.add(path, Arc::clone(watcher));
                }
            }
        }
    }
}

fn imps() -> proc_macro2::TokenStream {
    let raw: Ident = ident("CuratorFrameworkImpl");
    quote! {
        #![doc = " The core's own client and its namespace view."]
        use std::sync::Arc;
        use crate::framework::{CuratorFramework, DEFAULT_SESSION_TIMEOUT_MS};
        use crate::zookeeper::ZooKeeperHandle;

        #[doc = " The real client. Cloning is cheap: clones share the session."]
        #[derive(Clone)]
        pub struct #raw {
            zookeeper: Arc<ZooKeeperHandle>,
            session_timeout_ms: u64,
        }

        impl #raw {
            pub fn new(zookeeper: Arc<ZooKeeperHandle>) -> Self {
                #raw { zookeeper, session_timeout_ms: DEFAULT_SESSION_TIMEOUT_MS }
            }

            fn with_timeout(&self, session_timeout_ms: u64) -> Self {
                #raw { session_timeout_ms, ..self.clone() }
            }
        }

        impl CuratorFramework for #raw {
            fn namespace(&self) -> Option<String> {
                None
            }

            fn zookeeper(&self) -> Arc<ZooKeeperHandle> {
                Arc::clone(&self.zookeeper)
            }

            fn session_timeout_ms(&self) -> u64 {
                self.session_timeout_ms
            }

            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                Arc::new(NamespaceFacade::new(Arc::new(self.clone()), ns))
            }

            fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework> {
                Arc::new(self.with_timeout(ms))
            }
        }

        #[doc = " A view of the real client that works under a namespace."]
        pub struct NamespaceFacade {
            client: Arc<#raw>,
            namespace: Option<String>,
        }

        impl NamespaceFacade {
            pub fn new(client: Arc<#raw>, namespace: Option<&str>) -> Self {
                NamespaceFacade { client, namespace: namespace.map(str::to_string) }
            }
        }

        impl CuratorFramework for NamespaceFacade {
            fn namespace(&self) -> Option<String> {
                self.namespace.clone()
            }

            fn zookeeper(&self) -> Arc<ZooKeeperHandle> {
                self.client.zookeeper()
            }

            fn session_timeout_ms(&self) -> u64 {
                self.client.session_timeout_ms()
            }

            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                self.client.using_namespace(ns)
            }

            fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework> {
                Arc::new(NamespaceFacade {
                    client: Arc::new(self.client.with_timeout(ms)),
                    namespace: self.namespace.clone(),
                })
            }
        }
    }
}
