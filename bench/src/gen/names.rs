//! Word pools for the names of generated crates, modules and types.

use super::rng::Rng;
use proc_macro2::{Ident, Span};
use std::collections::BTreeSet;

pub const DOMAINS: &[&str] = &[
    "orders",
    "billing",
    "catalog",
    "inventory",
    "shipping",
    "payments",
    "accounts",
    "search",
    "pricing",
    "ledger",
    "identity",
    "routing",
    "metrics",
    "audit",
    "checkout",
    "fleet",
    "scheduler",
    "storage",
    "gateway",
    "reports",
    "tenants",
    "notify",
    "media",
    "sessions",
    "quotas",
    "configs",
    "members",
    "cluster",
    "archive",
    "ingest",
];

pub const ROLES: &[&str] = &[
    "service",
    "registry",
    "worker",
    "coordinator",
    "agent",
    "store",
    "api",
    "engine",
    "sync",
    "tracker",
    "daemon",
    "control",
    "index",
    "relay",
    "keeper",
    "planner",
    "bridge",
    "watch",
];

/// Curator recipe names (type name, module stem).
pub const RECIPES: &[(&str, &str)] = &[
    ("NodeCache", "node_cache"),
    ("PathChildrenCache", "path_cache"),
    ("TreeCache", "tree_cache"),
    ("LeaderLatch", "leader_latch"),
    ("LeaderSelector", "leader_selector"),
    ("SharedCount", "shared_count"),
    ("SharedValue", "shared_value"),
    ("DistributedBarrier", "barrier"),
    ("DistributedDoubleBarrier", "double_barrier"),
    ("InterProcessMutex", "mutex"),
    ("InterProcessSemaphore", "semaphore"),
    ("DistributedQueue", "queue"),
    ("ServiceCache", "service_cache"),
    ("ServiceDiscovery", "discovery"),
    ("GroupMember", "group_member"),
    ("PersistentNode", "persistent_node"),
    ("PersistentWatcher", "persistent_watcher"),
    ("EnsembleTracker", "ensemble"),
    ("ConfigWatcher", "config_watch"),
    ("ChildReaper", "reaper"),
];

/// Builder stems: `GetData` -> `GetDataBuilder`.
pub const BUILDERS: &[&str] = &[
    "GetData",
    "GetChildren",
    "Exists",
    "GetConfig",
    "GetAcl",
    "CheckVersion",
    "Stat",
    "ReadNode",
    "ListChildren",
    "WatchNode",
    "GetEphemerals",
    "ReadConfig",
];

pub const RAW_CLIENTS: &[&str] = &[
    "SessionClient",
    "ZkConnection",
    "PooledClient",
    "EnsembleClient",
    "ClusterClient",
    "ZooKeeperClient",
    "DirectClient",
    "CoreClient",
];

pub const NOUNS: &[&str] = &[
    "account", "batch", "bucket", "cargo", "channel", "cursor", "window", "ledger", "record",
    "sample", "shard", "slot", "span", "ticket", "token", "vector", "route", "parcel", "quota",
    "metric", "invoice", "order", "region", "lane", "frame", "grid", "block", "entry", "label",
    "policy", "price", "rate", "score", "stock", "tariff", "timer", "track", "unit", "voucher",
    "wave", "zone", "budget", "segment", "reading", "measure", "item", "offer", "stage",
];

pub const ADJECTIVES: &[&str] = &[
    "rolling", "sparse", "dense", "fixed", "linear", "daily", "hourly", "net", "gross", "raw",
    "smooth", "weighted", "bounded", "cached", "ordered", "merged", "scaled", "signed", "packed",
    "local", "global", "nested", "ranked", "pending",
];

pub fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Hands out names unique within one scope, adding a number when a name comes back.
#[derive(Default)]
pub struct Scope {
    used: BTreeSet<String>,
}

impl Scope {
    pub fn claim(&mut self, base: &str) -> String {
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        (2..)
            .map(|i| {
                format!(
                    "{base}{}{i}",
                    if base.ends_with(char::is_numeric) {
                        "_"
                    } else {
                        ""
                    }
                )
            })
            .find(|n| self.used.insert(n.clone()))
            .unwrap()
    }

    /// A fresh snake_case stem like `rolling_sample`.
    pub fn stem(&mut self, rng: &mut Rng) -> String {
        let base = format!("{}_{}", rng.pick(ADJECTIVES), rng.pick(NOUNS));
        self.claim(&base)
    }
}
