// facadelint fuzz finding: time and memory grow as ~N^4 in the number N of calls of a
// bodiless client method (`dyn CuratorFramework`) whose results are stored into new values
// of the receiver's own type. N=20: 0.27 s; N=40: 3.5 s, 135 MB; N=80: 84 s, 1.6 GB (release,
// efc3b5a); this file (N=64) exceeds the fuzzers' 5 s timeout. Cause: results of calls on
// opaque clients are materialized as Opaque{origin: Return(call site, receiver)} objects
// (analyzer/src/analysis/flow.rs:1246-1256), nesting up to SYM_DEPTH=4 (objects.rs:28):
// every sequence of up to 4 call sites is a distinct object.
use std::sync::Arc;

pub trait CuratorFramework {
    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework>;
}

pub struct Watching {
    client: Arc<dyn CuratorFramework>,
}

impl Watching {
    pub fn commit_watcher(&self) {
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
        let w = Watching { client: self.client.using_namespace(None) };
    }
}
