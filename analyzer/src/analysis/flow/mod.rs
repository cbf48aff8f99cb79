//! The flow analysis: a field-sensitive, object-sensitive points-to analysis over the bodies
//! lowered by [`lower`](crate::lower), solved to a fixpoint with a worklist.
//!
//! Methods are analysed once per receiver object (so one builder made from the facade and one
//! made from the raw client never merge), allocations remember the receiver that made them,
//! and client values derived from a facade-bearing client carry a [`Tag`] recording where the
//! tracker could have been lost. Every function is also analysed as an entry point with
//! values materialized from its declared parameter types, so library code with no caller in
//! the workspace is covered.
//!
//! Invariant: points-to sets only grow, objects are finite (see [`objects`](super::objects)),
//! so the worklist terminates; the solver is single-threaded and visits work in a fixed
//! order, so its result does not depend on the thread count.
//!
//! This file owns the solver's state ([`Flow`]), its nodes and points-to sets, and the
//! fixpoint loop with the seeding of entry points. The rest, one job per file:
//! - `contexts.rs`: objects and instances: object creation with heap contexts, the
//!   `Some`/`None` markers, values materialized from declared types, the instances a body
//!   runs as;
//! - `eval.rs`: what each lowered instruction does to the points-to sets;
//! - `calls.rs`: calls: method lookup and dispatch, calls by path, closures, `x.into()`,
//!   calls on clients of unknown type and outside the workspace;
//! - `library.rs`: the standard library's behaviour as summaries matched by name;
//! - `provenance.rs`: derivation steps and the tags they put on client values;
//! - `queries.rs`: read-only queries for the finding pass and the audit.

mod calls;
mod contexts;
mod eval;
mod library;
mod provenance;
mod queries;

pub use contexts::Instance;

use super::declared::DeclaredTypes;
use super::model::RuleModel;
use super::objects::*;
use super::small_set::SmallSet;
use crate::hir::{Body, Local, PathRef, Place, NOTHING};
use crate::index::{DefId, DefKind, FnId, Index, Res, Ty};
use crate::source::Span;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum NodeKey {
    Var(BodyId, ObjOrNoneKey, Local),
    Field(ObjId, u32),
    Static(DefId),
}

/// `Option<ObjId>` with a total order for map keys.
type ObjOrNoneKey = u32;
const NO_CTX: ObjOrNoneKey = u32::MAX;

fn ctx_key(c: ObjOrNone) -> ObjOrNoneKey {
    c.unwrap_or(NO_CTX)
}

type InstanceId = u32;

/// Where an instance's locals' nodes are: `first..first + count`.
#[derive(Clone, Copy, Debug)]
struct LocalNodes {
    first: u32,
    count: u32,
}

impl LocalNodes {
    const UNALLOCATED: LocalNodes = LocalNodes {
        first: u32::MAX,
        count: 0,
    };
}

/// A call of a registration method, kept for the finding pass.
#[derive(Clone, Debug)]
pub struct RegistrationSite {
    pub instance: Instance,
    pub span: Span,
    pub receiver: Local,
    /// For UFCS calls the receiver is the first argument; this records the callee owner check.
    pub method: String,
}

pub struct Flow<'a> {
    pub index: &'a Index,
    pub model: &'a RuleModel<'a>,
    pub kinds: Interner<ObjKind>,
    pub objs: Interner<Obj>,
    pub tags: Interner<Tag>,
    field_names: Interner<String>,
    /// Fields and statics; a local's node is found through `local_nodes` instead.
    nodes: HashMap<NodeKey, usize>,
    /// Per instance (indexed by id), the first of its locals' nodes and how many there are:
    /// an instance's locals are consecutive nodes, allocated on first use. Millions of
    /// locals at 1M lines made a hash map of them the solver's main cache miss.
    local_nodes: Vec<LocalNodes>,
    sets: Vec<SmallSet<Value>>,
    dependents: Vec<SmallSet<InstanceId>>,
    pub instances: Interner<Instance>,
    /// Whether each instance is in `queue` (indexed by id: instances are dense).
    queued: Vec<bool>,
    queue: VecDeque<InstanceId>,
    current: InstanceId,
    pub registrations: BTreeMap<(Span, Instance), RegistrationSite>,
    /// Cache of path resolutions per body and path (looked up without copying the path).
    path_cache: HashMap<BodyId, HashMap<PathRef, Vec<Res>>>,
    declared: DeclaredTypes,
    pub steps: u64,
    /// Objects built in the workspace whose methods still have to be seeded as entry points.
    new_receivers: Vec<ObjId>,
    /// Entry values whose type's methods have all been seeded.
    seeded_types: BTreeSet<ObjId>,
    /// Bodies whose evaluation panicked, with the message: skipped from then on.
    pub failed: BTreeMap<BodyId, String>,
    /// The bypass point of the running instance's tag: objects it allocates are told apart
    /// from those the same code allocates for an untagged receiver.
    alloc_prov: Option<Span>,
    /// The `from` methods of the workspace's `impl From<_> for _` (for `.into()`).
    from_impls: Option<Vec<FnId>>,
    /// Per body, the places locals reach through guard calls (see `guarded_place`).
    guarded_places: HashMap<BodyId, HashMap<Local, Place>>,
    /// Some registration names its watcher field: `Some`/`None` are tracked.
    track_presence: bool,
    /// Per instance: whether workspace code calls it (not only the entry-point seeding).
    called: Vec<bool>,
}

impl<'a> Flow<'a> {
    pub fn new(index: &'a Index, model: &'a RuleModel<'a>) -> Self {
        Flow {
            index,
            model,
            kinds: Interner::default(),
            objs: Interner::default(),
            tags: Interner::default(),
            field_names: Interner::default(),
            nodes: HashMap::default(),
            local_nodes: Vec::new(),
            sets: Vec::new(),
            dependents: Vec::new(),
            instances: Interner::default(),
            queued: Vec::new(),
            queue: VecDeque::new(),
            current: 0,
            registrations: BTreeMap::new(),
            path_cache: HashMap::default(),
            declared: DeclaredTypes::default(),
            steps: 0,
            new_receivers: Vec::new(),
            seeded_types: BTreeSet::new(),
            failed: BTreeMap::new(),
            alloc_prov: None,
            from_impls: None,
            guarded_places: HashMap::default(),
            track_presence: model.rule.registrations.iter().any(|r| r.watcher.is_some()),
            called: Vec::new(),
        }
    }

    // ---- nodes ---------------------------------------------------------------------------

    fn node(&mut self, key: NodeKey) -> usize {
        if let Some(&n) = self.nodes.get(&key) {
            return n;
        }
        let n = self.new_nodes(1);
        self.nodes.insert(key, n);
        n
    }

    /// Appends `count` empty nodes; the first one's index.
    fn new_nodes(&mut self, count: usize) -> usize {
        let first = self.sets.len();
        self.sets.resize_with(first + count, SmallSet::default);
        self.dependents
            .resize_with(first + count, SmallSet::default);
        first
    }

    fn var(&mut self, inst: Instance, local: Local) -> usize {
        // Every caller interns its instance first; interning here keeps one node per local
        // even if one did not.
        let id = match self.instance_id(inst) {
            Some(id) => id,
            None => self.instance_with_id(inst.body, inst.ctx, inst.tag).1,
        };
        self.local_node(id, inst, local)
    }

    /// The node of local `local` of instance `id` (which is `inst`), allocating the
    /// instance's locals on first use.
    fn local_node(&mut self, id: InstanceId, inst: Instance, local: Local) -> usize {
        let slot = id as usize;
        if self.local_nodes.len() <= slot {
            self.local_nodes.resize(slot + 1, LocalNodes::UNALLOCATED);
        }
        if self.local_nodes[slot].first == u32::MAX {
            let count = self.body(inst.body).map_or(0, |b| b.local_names.len());
            let first = self.new_nodes(count);
            self.local_nodes[slot] = LocalNodes {
                first: first as u32,
                count: count as u32,
            };
        }
        let nodes = self.local_nodes[slot];
        if local < nodes.count {
            (nodes.first + local) as usize
        } else {
            // Not a local the body declares (never made by lowering): kept apart, by key.
            self.node(NodeKey::Var(inst.body, ctx_key(inst.ctx), local))
        }
    }

    /// A local's node, if it has one, without creating it.
    fn existing_var(&self, inst: Instance, local: Local) -> Option<usize> {
        let nodes = self
            .instance_id(inst)
            .and_then(|id| self.local_nodes.get(id as usize))
            .filter(|n| n.first != u32::MAX);
        match nodes {
            Some(n) if local < n.count => Some((n.first + local) as usize),
            _ => self
                .nodes
                .get(&NodeKey::Var(inst.body, ctx_key(inst.ctx), local))
                .copied(),
        }
    }

    fn field_node(&mut self, o: ObjId, field: &str) -> usize {
        let f = self.field_names.intern_str(field);
        self.node(NodeKey::Field(o, f))
    }

    /// Reads a node, registering the current instance to be re-run when it grows.
    fn read(&mut self, n: usize) -> Vec<Value> {
        let cur = self.current;
        self.dependents[n].insert(cur);
        self.sets[n].iter().collect()
    }

    pub fn peek_var(&self, inst: Instance, local: Local) -> Vec<Value> {
        self.existing_var(inst, local)
            .map(|n| self.sets[n].iter().collect())
            .unwrap_or_default()
    }

    pub fn peek_field(&self, o: ObjId, field: &str) -> Vec<Value> {
        let Some(f) = self.field_names.lookup_str(field) else {
            return Vec::new();
        };
        self.nodes
            .get(&NodeKey::Field(o, f))
            .map(|n| self.sets[*n].iter().collect())
            .unwrap_or_default()
    }

    fn add(&mut self, n: usize, values: impl IntoIterator<Item = Value>) {
        let mut grew = false;
        for v in values {
            grew |= self.sets[n].insert(v);
        }
        if grew {
            let deps: Vec<InstanceId> = self.dependents[n].iter().collect();
            for d in deps {
                self.enqueue(d);
            }
        }
    }

    fn enqueue(&mut self, i: InstanceId) {
        let slot = i as usize;
        if self.queued.len() <= slot {
            self.queued.resize(slot + 1, false);
        }
        if !std::mem::replace(&mut self.queued[slot], true) {
            self.queue.push_back(i);
        }
    }

    // ---- bodies --------------------------------------------------------------------------

    pub fn body(&self, b: BodyId) -> Option<&'a Body> {
        match b {
            BodyId::Fn(f) => self.index.fn_info(f).def.lowered(),
            BodyId::Static(s) => {
                let info = &self.index.statics[s as usize];
                let name = &self.index.def(info.def).name;
                info.init.as_ref()?.lowered(name)
            }
        }
    }

    fn module_of(&self, b: BodyId) -> DefId {
        match b {
            BodyId::Fn(f) => self.index.fn_info(f).module,
            BodyId::Static(s) => self.index.def(self.index.statics[s as usize].def).module,
        }
    }

    fn self_def_of(&self, b: BodyId) -> Option<DefId> {
        match b {
            BodyId::Fn(f) => self.index.self_def_of(f),
            BodyId::Static(_) => None,
        }
    }

    fn resolve(&mut self, b: BodyId, path: &PathRef) -> Vec<Res> {
        if let Some(r) = self.path_cache.get(&b).and_then(|paths| paths.get(path)) {
            return r.clone();
        }
        let module = self.module_of(b);
        let self_def = self.self_def_of(b);
        let generics = match b {
            BodyId::Fn(f) => self.index.fn_info(f).generics.clone(),
            BodyId::Static(_) => Vec::new(),
        };
        let r =
            self.index
                .resolve_segments(module, &path.segments, path.global, self_def, &generics);
        self.path_cache
            .entry(b)
            .or_default()
            .insert(path.clone(), r.clone());
        r
    }

    // ---- solving -------------------------------------------------------------------------

    /// Seeds every body as an entry point and runs to the fixpoint.
    pub fn solve(&mut self) {
        for (i, _) in self.index.statics.iter().enumerate() {
            self.instance(BodyId::Static(i as u32), None);
        }
        for f in 0..self.index.fns.len() as FnId {
            self.seed_entry(f);
        }
        loop {
            // Code outside the workspace may call any method on a recipe or builder the
            // workspace built: each is a receiver of every method of its type.
            for o in std::mem::take(&mut self.new_receivers) {
                self.seed_receiver(o);
            }
            let Some(i) = self.queue.pop_front() else {
                if self.new_receivers.is_empty() {
                    break;
                }
                continue;
            };
            self.queued[i as usize] = false;
            self.current = i;
            let inst = *self.instances.get(i);
            self.run(inst);
        }
    }

    fn seed_entry(&mut self, f: FnId) {
        let info = self.index.fn_info(f);
        if info.def.body.is_none() {
            return;
        }
        let self_obj = if info.def.has_self {
            match self.index.self_def_of(f) {
                Some(d) if matches!(self.index.def(d).kind, DefKind::Trait { .. }) => {
                    self.materialize(&Ty::Bounds(vec![d]), SymOrigin::EntrySelf, 0, None)
                }
                Some(d) => self.materialize(&Ty::Adt(d), SymOrigin::EntrySelf, 0, None),
                None => None,
            }
        } else {
            None
        };
        if self_obj.is_none() && !self.model.entry_can_matter(self.index, f) {
            // Nothing can reach a client from here unless a caller passes one in, which
            // creates the instance then (the body is not even lowered until then).
            return;
        }
        if info.def.has_self && self_obj.is_none() {
            // A receiver that can hold no client: nothing in this method can matter unless a
            // caller passes one in, which creates the instance then.
            let inst = self.instance(BodyId::Fn(f), None);
            self.seed_params(f, inst);
            return;
        }
        let inst = self.instance(BodyId::Fn(f), self_obj);
        if let Some(o) = self_obj.filter(|o| self.ty_of(*o).is_some()) {
            // The type's trait-default methods run on the same entry value.
            if self.seeded_types.insert(o) {
                self.seed_receiver(o);
            }
        }
        if let (Some(o), Some(body)) = (self_obj, info.def.lowered()) {
            if let Some(sl) = body.self_local {
                let n = self.var(inst, sl);
                self.add(n, [Value { obj: o, tag: None }]);
            }
        }
        self.seed_params(f, inst);
    }

    fn seed_receiver(&mut self, o: ObjId) {
        let Some(ty) = self.ty_of(o) else { return };
        for f in self.index.receiver_methods(ty) {
            let Some(body) = self.index.fn_info(f).def.lowered() else {
                continue;
            };
            let inst = self.instance(BodyId::Fn(f), Some(o));
            if let Some(sl) = body.self_local {
                let n = self.var(inst, sl);
                self.add(n, [Value { obj: o, tag: None }]);
            }
            self.seed_params(f, inst);
        }
    }

    fn seed_params(&mut self, f: FnId, inst: Instance) {
        let info = self.index.fn_info(f);
        let Some(body) = info.def.lowered() else {
            return;
        };
        let params = self.declared.params(self.index, f);
        for (i, (ty, &local)) in params.iter().zip(&body.param_locals).enumerate() {
            if let Some(o) = self.materialize(ty, SymOrigin::Param(f, i), 0, None) {
                let n = self.var(inst, local);
                self.add(n, [Value { obj: o, tag: None }]);
            }
        }
    }

    fn run(&mut self, inst: Instance) {
        let Some(body) = self.body(inst.body) else {
            return;
        };
        if self.failed.contains_key(&inst.body) {
            return;
        }
        // What this instance allocates carries its provenance (see `Obj::prov`).
        self.alloc_prov = inst.tag.map(|t| self.tags.get(t).bypass);
        let evaluated = crate::guard::guarded(|| {
            if let BodyId::Fn(f) = inst.body {
                crate::guard::maybe_inject("flow", || self.index.fn_name(f));
            }
            for ins in &body.insts {
                self.steps += 1;
                self.eval(inst, body, ins);
            }
        });
        self.alloc_prov = None;
        if let Err(message) = evaluated {
            // What the body added so far stays (sets only grow); it is not evaluated again.
            self.failed.insert(inst.body, message);
            return;
        }
        if let BodyId::Static(s) = inst.body {
            let def = self.index.statics[s as usize].def;
            let ret = self.var(inst, body.ret);
            let vals = self.read(ret);
            let n = self.node(NodeKey::Static(def));
            self.add(n, vals);
        }
    }

    fn vals(&mut self, inst: Instance, l: Local) -> Vec<Value> {
        if l == NOTHING {
            return Vec::new();
        }
        let n = self.var(inst, l);
        self.read(n)
    }

    fn put(&mut self, inst: Instance, l: Local, values: Vec<Value>) {
        if l == NOTHING || values.is_empty() {
            return;
        }
        let n = self.var(inst, l);
        self.add(n, values);
    }
}
