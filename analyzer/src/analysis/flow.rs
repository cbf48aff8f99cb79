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

use super::declared::DeclaredTypes;
use super::model::RuleModel;
use super::objects::*;
use super::small_set::SmallSet;
use crate::hir::{Body, Inst, Local, Name, PathRef, Place, TypeRef, NOTHING};
use crate::index::{DefId, DefKind, FnId, FnOwner, Index, Res, Ty};
use crate::source::Span;
use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// Methods that hand back their receiver (or what it wraps) for the analysis's purposes.
/// Where a method lookup stands: how many `Deref` steps it took, and whether the receiver
/// (before any step) is declared with a concrete type, which no trait object has.
#[derive(Clone, Copy, Default)]
struct Lookup {
    derefs: usize,
    concrete: bool,
}

const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "to_owned",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "into",
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_unchecked",
    "ok",
    "err",
    "ok_or",
    "ok_or_else",
    "lock",
    "read",
    "write",
    "try_lock",
    "get",
    "get_mut",
    "upgrade",
    "downgrade",
    "as_deref",
    "as_deref_mut",
    "iter",
    "iter_mut",
    "into_iter",
    "cloned",
    "copied",
    "first",
    "last",
    "take",
    "values",
    "keys",
    "as_slice",
    "deref",
    "deref_mut",
    "to_vec",
    "pop",
    "remove",
    "next",
    "flatten",
    "rev",
    "peekable",
    "into_inner",
    "get_or_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert",
    "entry",
    "unwrap_or_else",
    "map",
    "and_then",
    "map_or",
    "map_or_else",
    "filter",
    "filter_map",
    "find",
    "find_map",
    "inspect",
    "then",
    "then_some",
    "or",
    "or_else",
    "xor",
    "zip",
    "chain",
    "collect",
    "pin",
    "as_pin_mut",
    "replace",
    "insert",
    "get_or_insert",
    "as_ptr",
    "min_by_key",
    "max_by_key",
    "join",
    // An `async` block or call is lowered to the value it produces, so polling it yields
    // that value (a hand-written executor's `future.as_mut().poll(cx)`).
    "poll",
];

/// Methods whose result can be what their closure returns whatever the receiver holds: a
/// lazy cell or map entry runs the closure when it is empty (and the analysis cannot see
/// that it was not), a fallback runs it when the value is missing.
const RESULT_FROM_CLOSURE: &[&str] = &[
    "get_or_init",
    "get_or_try_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert_with_key",
    "unwrap_or_else",
    "or_else",
    "map_or_else",
];

/// `Box::new`, `Arc::new`, `Some`, …: calls outside the workspace that wrap their argument
/// and hand it back, a closure included.
fn is_wrapper_constructor(path: &[Name]) -> bool {
    const WRAPPERS: &[&str] = &[
        "Box", "Arc", "Rc", "Mutex", "RwLock", "RefCell", "Cell", "Pin", "OnceCell", "OnceLock",
    ];
    match path {
        [.., ty, f] => {
            WRAPPERS.contains(&ty.as_str()) && matches!(f.as_str(), "new" | "pin" | "from")
        }
        [f] => matches!(f.as_str(), "Some" | "Ok" | "Err"),
        [] => false,
    }
}

/// Methods that give access to what their receiver holds, in place: storing through their
/// result stores into the receiver's place.
const GUARD_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "borrow_mut",
    "get_mut",
    "as_mut",
    "unwrap",
    "expect",
    "deref_mut",
    "entry",
];

/// Methods whose result can be their (non-closure) argument: a default or a first value.
const RESULT_FROM_ARGUMENT: &[&str] = &["get_or_insert", "or_insert", "unwrap_or", "or"];

/// Methods that store their arguments into their receiver's place.
const STORING_METHODS: &[&str] = &[
    "push",
    "push_back",
    "push_front",
    "insert",
    "set",
    "get_or_init",
    "get_or_insert_with",
    "or_insert_with",
    "or_insert",
    "replace",
    "store",
    "send",
    "extend",
    "append",
    "write",
    "swap",
];

/// An argument of a call: a local of the caller, or values the analysis computed.
enum Arg {
    Local(Local),
    Values(Vec<Value>),
}

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    pub body: BodyId,
    pub ctx: ObjOrNone,
    /// The provenance the receiver arrived with: a method runs once per (receiver, tag), so
    /// a bypassing view's tag reaches what the method builds from `self` without leaking
    /// into callers that share the receiver object through a tracked route.
    pub tag: Option<TagId>,
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

    // ---- objects -------------------------------------------------------------------------

    pub fn obj(&self, o: ObjId) -> &Obj {
        self.objs.get(o)
    }

    pub fn kind_of(&self, o: ObjId) -> &ObjKind {
        self.kinds.get(self.obj(o).kind)
    }

    /// The workspace type of an object, when it has one.
    pub fn ty_of(&self, o: ObjId) -> Option<DefId> {
        match self.kind_of(o) {
            ObjKind::Alloc { ty, .. } | ObjKind::Sym { ty, .. } => Some(*ty),
            _ => None,
        }
    }

    pub fn is_client(&self, o: ObjId) -> bool {
        match self.kind_of(o) {
            ObjKind::Alloc { ty, .. } | ObjKind::Sym { ty, .. } => self.model.is_client_type(*ty),
            ObjKind::Opaque { traits, .. } => self.model.is_client_bounds(traits),
            ObjKind::Closure { .. } | ObjKind::CallSite { .. } | ObjKind::Presence(_) => false,
        }
    }

    /// The `Some`/`None` marker: one object each, with no context.
    fn presence(&mut self, present: bool) -> Value {
        let (kind, _) = self.kinds.intern(ObjKind::Presence(present));
        let (obj, _) = self.objs.intern(Obj {
            kind,
            heap_ctx: Vec::new(),
            prov: None,
        });
        Value { obj, tag: None }
    }

    /// Whether `Some`/`None` markers are made in this instance: the rule names a watcher,
    /// and the workspace calls this code (an instance only seeded as an entry point, for
    /// callers outside, knows nothing of what they pass, so its registrations stay possible).
    fn makes_presence(&self, inst: Instance) -> bool {
        self.track_presence
            && self
                .instance_id(inst)
                .is_some_and(|id| self.called.get(id as usize).copied().unwrap_or(false))
    }

    /// Records that workspace code calls instance `id`; the first call runs it again so
    /// that it makes its `Some`/`None` markers.
    fn mark_called(&mut self, id: InstanceId) {
        if !self.track_presence {
            return;
        }
        let i = id as usize;
        if self.called.len() <= i {
            self.called.resize(i + 1, false);
        }
        if !self.called[i] {
            self.called[i] = true;
            self.enqueue(id);
        }
    }

    fn new_obj(&mut self, kind: ObjKind, creator: ObjOrNone) -> ObjId {
        let made_ty = match &kind {
            ObjKind::Alloc { ty, .. } => Some(*ty),
            _ => None,
        };
        let (kind, _) = self.kinds.intern(kind);
        let heap_ctx = match creator {
            Some(c) => {
                let c = self.obj(c).clone();
                // A value that builds another of its own type (`fn with_x(&self) -> Self`,
                // a facade re-wrapping itself) passes its own context on instead of
                // deepening it: a chain of N such methods would otherwise make N^depth
                // objects, each a receiver of all N methods.
                let same_type = made_ty.is_some()
                    && matches!(self.kinds.get(c.kind),
                        ObjKind::Alloc { ty, .. } | ObjKind::Sym { ty, .. } if Some(*ty) == made_ty);
                let own = (!same_type).then_some(c.kind);
                let mut objects = 0;
                own.into_iter()
                    .chain(c.heap_ctx)
                    .take_while(|k| {
                        if !matches!(self.kinds.get(*k), ObjKind::CallSite { .. }) {
                            objects += 1;
                        }
                        objects <= HEAP_DEPTH
                    })
                    .take(MAX_HEAP_CTX)
                    .collect()
            }
            None => Vec::new(),
        };
        let prov = self.alloc_prov;
        let (id, fresh) = self.objs.intern(Obj {
            kind,
            heap_ctx,
            prov,
        });
        // Recipes and builders (not clients: their API is where latent bypasses live, and
        // only the calls the workspace makes on them count).
        if fresh && matches!(self.kind_of(id), ObjKind::Alloc { .. }) && !self.is_client(id) {
            self.new_receivers.push(id);
        }
        id
    }

    /// The receiver an unseen call's result was first derived from (itself when it is not
    /// such a result).
    fn return_root(&self, mut o: ObjId) -> ObjId {
        while let ObjKind::Sym {
            origin: SymOrigin::Return(_, Some(from)),
            ..
        }
        | ObjKind::Opaque {
            origin: SymOrigin::Return(_, Some(from)),
            ..
        } = self.kind_of(o)
        {
            o = *from;
        }
        o
    }

    fn sym_depth(&self, o: ObjId) -> u8 {
        match self.kind_of(o) {
            ObjKind::Sym { depth, .. } | ObjKind::Opaque { depth, .. } => *depth,
            _ => 0,
        }
    }

    /// A value of a declared type, for code whose caller the analysis cannot see.
    fn materialize(
        &mut self,
        ty: &Ty,
        origin: SymOrigin,
        depth: u8,
        creator: ObjOrNone,
    ) -> Option<ObjId> {
        if depth > SYM_DEPTH {
            return None;
        }
        match ty {
            Ty::Adt(d) if self.model.relevant.contains(d) => Some(self.new_obj(
                ObjKind::Sym {
                    ty: *d,
                    origin,
                    depth,
                },
                creator,
            )),
            Ty::Bounds(traits) if self.model.is_client_bounds(traits) => Some(self.new_obj(
                ObjKind::Opaque {
                    traits: traits.clone(),
                    origin,
                    depth,
                },
                creator,
            )),
            Ty::External(_, args) | Ty::Tuple(args) => args
                .iter()
                .find_map(|a| self.materialize(a, origin.clone(), depth, creator)),
            _ => None,
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

    /// The id of an interned instance; the running one without a lookup.
    fn instance_id(&self, inst: Instance) -> Option<InstanceId> {
        let current = self.current as usize;
        if current < self.instances.len() && *self.instances.get(self.current) == inst {
            return Some(self.current);
        }
        self.instances.lookup(&inst)
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

    fn instance(&mut self, body: BodyId, ctx: ObjOrNone) -> Instance {
        self.instance_with_id(body, ctx, None).0
    }

    fn instance_with_id(
        &mut self,
        body: BodyId,
        ctx: ObjOrNone,
        tag: Option<TagId>,
    ) -> (Instance, InstanceId) {
        let inst = Instance { body, ctx, tag };
        let (id, fresh) = self.instances.intern(inst);
        if fresh {
            self.enqueue(id);
        }
        (inst, id)
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

    fn eval(&mut self, inst: Instance, body: &'a Body, ins: &'a Inst) {
        match ins {
            Inst::Copy { dst, src } => {
                let v = self.vals(inst, *src);
                self.put(inst, *dst, v);
            }
            Inst::Collect { dst, elems } => {
                for e in elems {
                    let v = self.vals(inst, *e);
                    self.put(inst, *dst, v);
                }
            }
            Inst::Struct {
                dst,
                path,
                fields,
                base,
                span,
            } => self.eval_struct(inst, *dst, path, fields, *base, *span),
            Inst::Field {
                dst,
                base,
                field,
                span,
            } => {
                let out = self.read_field(inst, *base, field, *span);
                self.put(inst, *dst, out);
            }
            Inst::PatField {
                dst,
                base,
                path,
                field,
                span,
            } => {
                let target = self
                    .resolve(inst.body, path)
                    .into_iter()
                    .find_map(|r| match r {
                        Res::Def(d) => match self.index.def(d).kind {
                            DefKind::Struct { .. } => Some((d, None)),
                            DefKind::Variant { parent, .. } => Some((parent, Some(d))),
                            _ => None,
                        },
                        _ => None,
                    });
                let out = match target {
                    Some((_, None)) => self.read_field(inst, *base, field, *span),
                    Some((enum_def, Some(variant))) if self.model.relevant.contains(&enum_def) => {
                        let slot = self.index.variant_slot(variant, field);
                        self.read_field(inst, *base, &slot, *span)
                    }
                    // `Some(x)`, `Ok(x)` and enums that hold no client: the value itself.
                    _ => self.vals(inst, *base),
                };
                self.put(inst, *dst, out);
            }
            Inst::Store { base, field, src } => {
                let v = self.vals(inst, *src);
                if v.is_empty() {
                    return;
                }
                for b in self.vals(inst, *base) {
                    if self.ty_of(b.obj).is_some() {
                        let n = self.field_node(b.obj, field);
                        self.add(n, v.clone());
                    }
                }
            }
            Inst::CallPath {
                dst,
                path,
                args,
                span,
            } => self.eval_call_path(inst, body, *dst, path, args, *span),
            Inst::CallMethod {
                dst,
                recv,
                recv_place,
                method,
                args,
                span,
                ..
            } => {
                let recv_vals = self.vals(inst, *recv);
                let lookup = Lookup {
                    derefs: 0,
                    concrete: self.declared_concrete(inst, recv_place.as_ref()),
                };
                let mut out = self.call_method(inst, body, &recv_vals, method, args, *span, lookup);
                // Even an empty container yields what fills it (the first call runs the
                // closure, or takes the default, and returns that value).
                let from_closure = RESULT_FROM_CLOSURE.contains(&method.as_str());
                if from_closure || RESULT_FROM_ARGUMENT.contains(&method.as_str()) {
                    for a in args {
                        for v in self.vals(inst, *a) {
                            if matches!(self.kind_of(v.obj), ObjKind::Closure { .. }) {
                                if from_closure {
                                    out.extend(self.call_closure(inst, v.obj, &[], None));
                                }
                            } else if !from_closure {
                                out.push(v);
                            }
                        }
                    }
                }
                self.put(inst, *dst, out);
                if STORING_METHODS.contains(&method.as_str()) {
                    // `self.map.lock().unwrap().insert(k, v)` stores into `self.map`.
                    let place = match recv_place {
                        Some(p) => Some(p.clone()),
                        None => self.guarded_place(inst.body, body, *recv),
                    };
                    self.store_into_place(inst, body, place.as_ref(), args);
                }
                self.note_registration(inst, *span, *recv, method);
            }
            Inst::CallValue {
                dst, callee, args, ..
            } => {
                let callees = self.vals(inst, *callee);
                let mut out = Vec::new();
                for c in callees {
                    out.extend(self.call_closure(inst, c.obj, args, None));
                }
                self.put(inst, *dst, out);
            }
            Inst::PathValue { dst, path, span } => {
                let mut out = Vec::new();
                if path.last() == "None" && self.makes_presence(inst) {
                    out.push(self.presence(false));
                }
                for r in self.resolve(inst.body, path) {
                    if let Res::Def(d) = r {
                        match &self.index.def(d).kind {
                            DefKind::Static => {
                                let n = self.node(NodeKey::Static(d));
                                let mut vals = self.read(n);
                                if vals.is_empty() {
                                    // Set by code the analysis cannot see: its declared type.
                                    let ty = self.declared.static_type(self.index, d);
                                    if let Some(o) = ty.and_then(|t| {
                                        self.materialize(&t, SymOrigin::Static(d), 1, None)
                                    }) {
                                        let v = Value { obj: o, tag: None };
                                        self.add(n, [v]);
                                        vals.push(v);
                                    }
                                }
                                out.extend(vals);
                            }
                            DefKind::Struct { .. } if self.model.relevant.contains(&d) => {
                                let o = self.new_obj(
                                    ObjKind::Alloc {
                                        site: *span,
                                        ty: d,
                                        body: inst.body,
                                    },
                                    inst.ctx,
                                );
                                out.push(Value { obj: o, tag: None });
                            }
                            _ => {}
                        }
                    }
                }
                self.put(inst, *dst, out);
            }
            Inst::Closure { dst, closure } => {
                let o = self.new_obj(
                    ObjKind::Closure {
                        body: inst.body,
                        closure: *closure,
                        ctx: inst.ctx,
                        tag: inst.tag,
                    },
                    None,
                );
                self.put(inst, *dst, vec![Value { obj: o, tag: None }]);
            }
        }
    }

    /// Keeps a call whose method name a registration pattern names, for the finding pass.
    fn note_registration(&mut self, inst: Instance, span: Span, receiver: Local, method: &str) {
        if self.is_registration_name(method) {
            self.registrations
                .entry((span, inst))
                .or_insert_with(|| RegistrationSite {
                    instance: inst,
                    span,
                    receiver,
                    method: method.to_string(),
                });
        }
    }

    fn is_registration_name(&self, method: &str) -> bool {
        self.model
            .rule
            .registrations
            .iter()
            .any(|r| r.method == method)
    }

    fn eval_struct(
        &mut self,
        inst: Instance,
        dst: Local,
        path: &PathRef,
        fields: &[(String, Local)],
        base: Option<Local>,
        span: Span,
    ) {
        let res = self.resolve(inst.body, path);
        let target = res.iter().find_map(|r| match r {
            Res::Def(d) => match &self.index.def(*d).kind {
                DefKind::Struct { .. } => Some((*d, true)),
                DefKind::Variant { .. } => Some((*d, false)),
                DefKind::TypeAlias(t) => self.index.alias_target(*d, t, 0).map(|a| (a, true)),
                _ => None,
            },
            _ => None,
        });
        match target {
            Some((d, true)) if self.model.relevant.contains(&d) => {
                let o = self.new_obj(
                    ObjKind::Alloc {
                        site: span,
                        ty: d,
                        body: inst.body,
                    },
                    inst.ctx,
                );
                for (name, l) in fields {
                    let v = self.vals(inst, *l);
                    if !v.is_empty() {
                        let n = self.field_node(o, name);
                        self.add(n, v);
                    }
                }
                if let Some(b) = base {
                    let declared: Vec<String> = self
                        .index
                        .fields(d)
                        .iter()
                        .map(|f| f.name.to_string())
                        .collect();
                    for bv in self.vals(inst, b) {
                        for name in &declared {
                            if fields.iter().any(|(n, _)| n == name) {
                                continue;
                            }
                            let src = self.field_node(bv.obj, name);
                            let v = self.read(src);
                            let n = self.field_node(o, name);
                            self.add(n, v);
                        }
                    }
                }
                self.put(inst, dst, vec![Value { obj: o, tag: None }]);
            }
            Some((variant, false)) => {
                let DefKind::Variant { parent, .. } = self.index.def(variant).kind else {
                    return;
                };
                let slots: Vec<(String, Local)> = fields
                    .iter()
                    .map(|(name, l)| (self.index.variant_slot(variant, name), *l))
                    .collect();
                self.alloc_enum(inst, dst, parent, span, &slots);
            }
            _ => {}
        }
    }

    /// A value of a user enum that can hold clients: an object whose fields are named
    /// `Variant.field`, so that matching on it reads what that variant carries.
    fn enum_value(
        &mut self,
        inst: Instance,
        enum_def: DefId,
        span: Span,
        slots: &[(String, Local)],
    ) -> Option<Value> {
        if !self.model.relevant.contains(&enum_def) {
            return None;
        }
        let o = self.new_obj(
            ObjKind::Alloc {
                site: span,
                ty: enum_def,
                body: inst.body,
            },
            inst.ctx,
        );
        for (name, l) in slots {
            let v = self.vals(inst, *l);
            if !v.is_empty() {
                let n = self.field_node(o, name);
                self.add(n, v);
            }
        }
        Some(Value { obj: o, tag: None })
    }

    fn alloc_enum(
        &mut self,
        inst: Instance,
        dst: Local,
        enum_def: DefId,
        span: Span,
        slots: &[(String, Local)],
    ) {
        if let Some(v) = self.enum_value(inst, enum_def, span, slots) {
            self.put(inst, dst, vec![v]);
        }
    }

    /// `base.field`, materializing fields of objects whose construction is not visible.
    fn read_field(&mut self, inst: Instance, base: Local, field: &str, span: Span) -> Vec<Value> {
        let mut out = Vec::new();
        for b in self.vals(inst, base) {
            let Some(ty) = self.ty_of(b.obj) else {
                // Tuples are not modelled field by field: `.0` of a tuple is the tuple.
                if field.parse::<usize>().is_ok() {
                    out.push(b);
                }
                continue;
            };
            let Some(fty) = self.declared.field(self.index, ty, field) else {
                if field.parse::<usize>().is_ok() {
                    out.push(b);
                }
                continue;
            };
            let n = self.field_node(b.obj, field);
            let mut vals = self.read(n);
            // Fields of objects the analysis saw built hold what the code stored; only a
            // tracker stands for itself when its construction is not visible (`Default`).
            let materializable = !matches!(self.kind_of(b.obj), ObjKind::Alloc { .. })
                || super::model::mentions(&fty, &|d| self.model.tracker_types.contains(&d));
            if vals.is_empty() && materializable {
                let depth = self.sym_depth(b.obj) + 1;
                if let Some(o) = self.materialize(
                    &fty,
                    SymOrigin::Field(b.obj, field.to_string()),
                    depth,
                    Some(b.obj),
                ) {
                    let v = Value { obj: o, tag: None };
                    self.add(n, [v]);
                    vals.push(v);
                }
            }
            for v in vals {
                out.push(self.step(StepKind::FieldRead, span, inst, b, v));
            }
        }
        out
    }

    // ---- derivation steps ----------------------------------------------------------------

    /// The trackers of the facades in `o`'s wrapper chain (a facade whose tracker field holds
    /// nothing yet stands for its own tracker). Registers the current instance on what it reads.
    fn tracker_set(&mut self, o: ObjId) -> BTreeSet<ObjId> {
        let mut seen = BTreeSet::new();
        let mut out = BTreeSet::new();
        let mut todo = vec![o];
        while let Some(x) = todo.pop() {
            if !seen.insert(x) || seen.len() > 64 {
                continue;
            }
            if let Some(ty) = self.ty_of(x) {
                if let Some(fields) = self.model.facades.get(&ty).cloned() {
                    let mut any = false;
                    for f in fields {
                        let n = self.field_node(x, &f);
                        for v in self.read(n) {
                            out.insert(v.obj);
                            any = true;
                        }
                    }
                    if !any {
                        out.insert(x);
                    }
                }
            }
            todo.extend(self.inner_clients(x, true));
        }
        out
    }

    /// Client objects held in `o`'s fields (its inner clients).
    fn inner_clients(&mut self, o: ObjId, register: bool) -> Vec<ObjId> {
        let Some(ty) = self.ty_of(o) else {
            return Vec::new();
        };
        let names: Vec<String> = self
            .index
            .fields(ty)
            .iter()
            .map(|f| f.name.to_string())
            .collect();
        let mut out = Vec::new();
        for name in names {
            let vals = if register {
                let n = self.field_node(o, &name);
                self.read(n)
            } else {
                self.peek_field(o, &name)
            };
            out.extend(
                vals.into_iter()
                    .map(|v| v.obj)
                    .filter(|x| self.is_client(*x)),
            );
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether the instance runs a method of a client type or a client trait's default body:
    /// the client machinery itself, never the code that obtains a client.
    pub fn in_client_machinery(&self, inst: Instance) -> bool {
        let BodyId::Fn(f) = inst.body else {
            return false;
        };
        match self.index.fn_info(f).owner {
            FnOwner::Impl {
                self_def: Some(d), ..
            } => self.model.is_client_type(d),
            // A blanket impl of a client trait is client code for every type it covers.
            FnOwner::Impl {
                self_def: None,
                trait_def: Some(t),
                ..
            } => self.model.client_traits.contains(&t),
            FnOwner::Trait(t) => self.model.client_traits.contains(&t),
            _ => false,
        }
    }

    /// Whether the instance runs code of `o`'s own type: a method of its impls, or a trait
    /// default or blanket method running with `o` as the receiver.
    fn in_impl_of(&self, inst: Instance, o: ObjId) -> bool {
        let BodyId::Fn(f) = inst.body else {
            return false;
        };
        match (&self.index.fn_info(f).owner, self.ty_of(o)) {
            (
                FnOwner::Impl {
                    self_def: Some(d), ..
                },
                Some(t),
            ) => *d == t,
            (FnOwner::Impl { self_def: None, .. } | FnOwner::Trait(_), _) => inst.ctx == Some(o),
            _ => false,
        }
    }

    /// Applies one derivation step at `span`: `result` was obtained from `from`.
    fn step(
        &mut self,
        kind: StepKind,
        span: Span,
        inst: Instance,
        from: Value,
        result: Value,
    ) -> Value {
        if !self.is_client(from.obj) || !self.is_client(result.obj) {
            return result;
        }
        let lost = |this: &mut Self| {
            let before = this.tracker_set(from.obj);
            !before.is_empty() && before.is_disjoint(&this.tracker_set(result.obj))
        };
        let tag = match (result.tag, from.tag) {
            // Auto-deref is itself the bypass point, whatever the `deref` body did.
            (_, None) if kind == StepKind::Deref && lost(self) => {
                let outside = !self.in_impl_of(inst, from.obj) && !self.in_client_machinery(inst);
                let tag = Tag {
                    facade: from.obj,
                    bypass: span,
                    bypass_in: inst.body,
                    bypass_kind: kind,
                    built_from: result.obj,
                    obtained: outside.then_some(span),
                    obtained_in: outside.then_some(inst.body),
                };
                Some(self.tags.intern(tag).0)
            }
            (Some(t), _) | (None, Some(t)) => Some(self.refine(t, span, inst, kind, from.obj)),
            (None, None) => {
                if lost(self) {
                    let outside =
                        !self.in_impl_of(inst, from.obj) && !self.in_client_machinery(inst);
                    let tag = Tag {
                        facade: from.obj,
                        bypass: span,
                        bypass_in: inst.body,
                        bypass_kind: kind,
                        built_from: if kind == StepKind::FieldRead {
                            result.obj
                        } else {
                            from.obj
                        },
                        obtained: outside.then_some(span),
                        obtained_in: outside.then_some(inst.body),
                    };
                    Some(self.tags.intern(tag).0)
                } else {
                    None
                }
            }
        };
        Value {
            obj: result.obj,
            tag,
        }
    }

    /// Moves a tag through a later step: inside the facade's impl the bypass point moves out
    /// to the enclosing expression; outside it, the first step records where code obtained it.
    fn refine(
        &mut self,
        t: TagId,
        span: Span,
        inst: Instance,
        kind: StepKind,
        built_from: ObjId,
    ) -> TagId {
        let mut tag = self.tags.get(t).clone();
        let inside = self.in_impl_of(inst, tag.facade);
        if inside {
            if tag.obtained.is_none() && built_from != tag.facade {
                tag.bypass = span;
                tag.bypass_in = inst.body;
                tag.bypass_kind = kind;
                tag.built_from = built_from;
            }
        } else if tag.obtained.is_none() && !self.in_client_machinery(inst) {
            tag.obtained = Some(span);
            tag.obtained_in = Some(inst.body);
        }
        self.tags.intern(tag).0
    }

    // ---- calls ---------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::only_used_in_recursion)]
    fn call_method(
        &mut self,
        inst: Instance,
        body: &'a Body,
        recvs: &[Value],
        method: &str,
        args: &[Local],
        span: Span,
        lookup: Lookup,
    ) -> Vec<Value> {
        let mut out = Vec::new();
        for &r in recvs {
            // A receiver declared with a concrete type is not a trait object: methods of
            // `impl Ext for dyn Trait` do not apply to it, auto-deref goes on.
            let candidates = match (lookup.concrete, self.ty_of(r.obj)) {
                (true, Some(ty)) => self.index.methods_of(ty, method),
                _ => self.dispatch(r.obj, method),
            };
            if !candidates.is_empty() {
                for f in candidates {
                    let results = self.call_fn(inst, f, Some(r), args, span);
                    for v in results {
                        out.push(self.step(StepKind::Call, span, inst, r, v));
                    }
                }
                continue;
            }
            if let ObjKind::Opaque { traits, .. } = self.kind_of(r.obj).clone() {
                out.extend(self.opaque_call(inst, r, &traits, method, args, span));
                continue;
            }
            if matches!(method, "clone" | "to_owned" | "as_ref" | "borrow" | "into") {
                if method == "into" {
                    let target = body
                        .into_targets
                        .iter()
                        .find(|(at, _)| *at == span)
                        .map(|(_, ty)| ty);
                    out.extend(self.call_into(inst, r, target, span));
                }
                out.push(r);
                continue;
            }
            if lookup.derefs < 4 {
                if let Some(deref) = self.ty_of(r.obj).and_then(|t| self.index.deref_fn(t)) {
                    // Auto-deref stops at the first type that has the method: a target that
                    // has no method of this name cannot be where the call lands (`upgrade`
                    // on a `Weak<Self>` field is `Weak`'s, not the inner client's).
                    let targets: Vec<Value> = self
                        .call_fn(inst, deref, Some(r), &[], span)
                        .into_iter()
                        .filter(|v| self.may_have_method(v.obj, method))
                        .collect();
                    let stepped: Vec<Value> = targets
                        .into_iter()
                        .map(|v| self.step(StepKind::Deref, span, inst, r, v))
                        .collect();
                    if !stepped.is_empty() {
                        out.extend(self.call_method(
                            inst,
                            body,
                            &stepped,
                            method,
                            args,
                            span,
                            Lookup {
                                derefs: lookup.derefs + 1,
                                concrete: false,
                            },
                        ));
                        continue;
                    }
                }
            }
            if TRANSPARENT_METHODS.contains(&method) {
                out.push(r);
            }
            // Adapters such as `map`/`and_then`/`for_each` run their closure on the receiver.
            for &a in args {
                for c in self.vals(inst, a) {
                    out.extend(self.call_closure(inst, c.obj, &[], Some(vec![r])));
                }
            }
        }
        out
    }

    /// Whether a method named `method` can be found on `o` or through its `Deref` chain: a
    /// workspace method of its type, a method of one of its traits, or (not seen here) a
    /// method of the type a further `Deref` reaches.
    fn may_have_method(&self, o: ObjId, method: &str) -> bool {
        if let ObjKind::Opaque { traits, .. } = self.kind_of(o) {
            return traits
                .iter()
                .any(|t| !self.index.trait_method(*t, method, 0).is_empty())
                || !self.index.dyn_impl_methods(traits, method).is_empty();
        }
        match self.ty_of(o) {
            Some(ty) => {
                self.index.deref_fn(ty).is_some()
                    || !self.index.resolve_method(ty, method).is_empty()
            }
            None => false,
        }
    }

    /// Whether a method call's receiver is a field declared with a concrete workspace type
    /// (itself or behind a smart pointer or reference) in every type its base can have: a
    /// value of that static type is no trait object, whatever objects flow into it.
    fn declared_concrete(&mut self, inst: Instance, place: Option<&Place>) -> bool {
        let Some(Place::Field(base, field)) = place else {
            return false;
        };
        let owners: BTreeSet<DefId> = self
            .vals(inst, *base)
            .iter()
            .filter_map(|v| self.ty_of(v.obj))
            .collect();
        fn concrete(t: &Ty) -> bool {
            match t {
                Ty::Adt(_) => true,
                Ty::External(name, args) if ["Arc", "Rc", "Box"].contains(&name.as_str()) => {
                    args.len() == 1 && concrete(&args[0])
                }
                _ => false,
            }
        }
        !owners.is_empty()
            && owners.iter().all(|d| {
                self.declared
                    .field(self.index, *d, field)
                    .is_some_and(|t| concrete(&t))
            })
    }

    /// Workspace methods a receiver object resolves to: its type's, else those of impls for
    /// the trait objects of the traits it implements (`impl Ext for dyn Client`).
    fn dispatch(&mut self, o: ObjId, method: &str) -> Vec<FnId> {
        match self.ty_of(o) {
            Some(ty) => self.index.resolve_method(ty, method),
            None => Vec::new(),
        }
    }

    /// A method called on a client of unknown concrete type: default bodies run, and the
    /// declared return type stands for what an implementation returns.
    fn opaque_call(
        &mut self,
        inst: Instance,
        r: Value,
        traits: &[DefId],
        method: &str,
        args: &[Local],
        span: Span,
    ) -> Vec<Value> {
        let mut out = Vec::new();
        let decls: Vec<FnId> = traits
            .iter()
            .flat_map(|t| self.index.trait_method(*t, method, 0))
            .collect();
        if decls.is_empty() {
            // `impl Ext for dyn Client`: its body runs with this client as `self`.
            let on_dyn = self.index.dyn_impl_methods(traits, method);
            if !on_dyn.is_empty() {
                for f in on_dyn {
                    for v in self.call_fn(inst, f, Some(r), args, span) {
                        out.push(self.step(StepKind::Call, span, inst, r, v));
                    }
                }
                return out;
            }
            if TRANSPARENT_METHODS.contains(&method) {
                out.push(r);
            }
            return out;
        }
        for f in decls {
            let info = self.index.fn_info(f);
            if info.def.body.is_some() {
                for v in self.call_fn(inst, f, Some(r), args, span) {
                    out.push(self.step(StepKind::Call, span, inst, r, v));
                }
            }
            let self_def = self.index.self_def_of(f);
            let ret = self.declared.result(self.index, f);
            // `Self` in a trait is the receiver's own type.
            if let Ty::Bounds(b) = &*ret {
                if b.len() == 1
                    && Some(b[0]) == self_def
                    && info.def.ret == crate::hir::TypeRef::SelfType
                {
                    out.push(r);
                    continue;
                }
            }
            // The result of a call on an unseen result is named after the first receiver the
            // analysis knows (`c.a().b()` at this site is `Return(site, c)`): otherwise every
            // sequence of up to four call sites is an object of its own (a fuzzer find: N
            // calls stored back into the receiver's type cost N^4).
            let root = self.return_root(r.obj);
            let depth = self.sym_depth(root) + 1;
            if let Some(o) =
                self.materialize(&ret, SymOrigin::Return(span, Some(root)), depth, Some(root))
            {
                let v = Value { obj: o, tag: None };
                out.push(self.step(StepKind::Call, span, inst, r, v));
            }
        }
        out
    }

    /// Calls a workspace function: binds receiver and arguments, returns its results.
    fn call_fn(
        &mut self,
        inst: Instance,
        f: FnId,
        recv: Option<Value>,
        args: &[Local],
        span: Span,
    ) -> Vec<Value> {
        let args: Vec<Arg> = args.iter().map(|l| Arg::Local(*l)).collect();
        self.call_fn_args(inst, f, recv, &args, span)
    }

    /// [`call_fn`](Self::call_fn) with arguments given as locals of the caller or as values.
    fn call_fn_args(
        &mut self,
        inst: Instance,
        f: FnId,
        recv: Option<Value>,
        args: &[Arg],
        span: Span,
    ) -> Vec<Value> {
        let info = self.index.fn_info(f);
        let Some(body) = info.def.lowered() else {
            // No body (a required trait method): the declared type stands for the result.
            let ret = self.declared.result(self.index, f);
            // Named like any unseen call's result (see `return_root`).
            let creator = recv.map(|r| self.return_root(r.obj));
            let depth = creator.map(|c| self.sym_depth(c) + 1).unwrap_or(1);
            return self
                .materialize(&ret, SymOrigin::Return(span, creator), depth, creator)
                .map(|o| vec![Value { obj: o, tag: None }])
                .unwrap_or_default();
        };
        let ctx = if info.def.has_self {
            recv.map(|r| r.obj)
        } else {
            Some(self.new_obj(ObjKind::CallSite { site: span }, inst.ctx))
        };
        // A tag that code outside the facade obtained enters with the receiver: the callee
        // runs once per (receiver, tag), so what it builds from `self` keeps the provenance.
        // Inside the wrapper chain's own plumbing (a tag not yet obtained) methods run per
        // receiver object, and their results are tagged at the call boundary instead.
        let tag = recv
            .filter(|_| info.def.has_self)
            .and_then(|r| r.tag)
            .filter(|t| self.tags.get(*t).obtained.is_some());
        let (callee, callee_id) = self.instance_with_id(BodyId::Fn(f), ctx, tag);
        self.mark_called(callee_id);
        if let (Some(r), Some(sl)) = (recv, body.self_local) {
            if info.def.has_self {
                let n = self.local_node(callee_id, callee, sl);
                self.add(n, [Value { obj: r.obj, tag }]);
            }
        }
        for (&pl, a) in body.param_locals.iter().zip(args) {
            let v = match a {
                Arg::Local(l) => self.vals(inst, *l),
                Arg::Values(v) => v.clone(),
            };
            if !v.is_empty() {
                let n = self.local_node(callee_id, callee, pl);
                self.add(n, v);
            }
        }
        let ret = self.local_node(callee_id, callee, body.ret);
        self.read(ret)
    }

    /// The place a local reaches through calls that give access to what the place holds in
    /// place (`lock`, `unwrap`, `borrow_mut`, `entry`, …), if any.
    fn guarded_place(&mut self, id: BodyId, body: &'a Body, local: Local) -> Option<Place> {
        let places = self.guarded_places.entry(id).or_insert_with(|| {
            let mut places: HashMap<Local, Place> = HashMap::default();
            for ins in &body.insts {
                if let Inst::CallMethod {
                    dst,
                    recv,
                    recv_place,
                    method,
                    ..
                } = ins
                {
                    if GUARD_METHODS.contains(&method.as_str()) {
                        let place = recv_place.clone().or_else(|| places.get(recv).cloned());
                        if let Some(place) = place {
                            places.insert(*dst, place);
                        }
                    }
                }
            }
            places
        });
        places.get(&local).cloned()
    }

    /// `x.into()`: the workspace's `impl From<X> for T` whose parameter can hold `x` run with
    /// it: only those for the target type when the code writes it down (`let b: T =
    /// x.into()`), else all of them (without type inference the target is not known).
    fn call_into(
        &mut self,
        inst: Instance,
        r: Value,
        target: Option<&TypeRef>,
        span: Span,
    ) -> Vec<Value> {
        let target = target.map(|ty| {
            let generics = match inst.body {
                BodyId::Fn(f) => self.index.fn_info(f).generics.clone(),
                BodyId::Static(_) => Vec::new(),
            };
            let module = self.module_of(inst.body);
            let self_def = self.self_def_of(inst.body);
            self.index.resolve_type(module, ty, self_def, &generics)
        });
        let target_def = match target {
            Some(Ty::Adt(d)) => Some(Some(d)),
            Some(_) => Some(None),
            None => None,
        };
        let froms = self.from_impls.get_or_insert_with(|| {
            let index = self.index;
            index
                .impls
                .iter()
                .filter(|i| i.trait_path.as_ref().is_some_and(|p| p.last() == "From"))
                .flat_map(|i| i.methods.iter().copied())
                .filter(|m| index.fn_info(*m).def.name == "from")
                .collect()
        });
        let froms = froms.clone();
        let mut out = Vec::new();
        for f in froms {
            if let Some(wanted) = target_def {
                let for_type = match self.index.fn_info(f).owner {
                    FnOwner::Impl { self_def, .. } => self_def,
                    _ => None,
                };
                if wanted.is_none() || for_type != wanted {
                    continue;
                }
            }
            let params = self.declared.params(self.index, f);
            if params.first().is_some_and(|t| self.fits(r.obj, t)) {
                out.extend(self.call_fn_args(inst, f, None, &[Arg::Values(vec![r])], span));
            }
        }
        out
    }

    /// Whether a value of object `o` can have declared type `t` (wrappers see through).
    fn fits(&self, o: ObjId, t: &Ty) -> bool {
        match t {
            Ty::Adt(d) => self.ty_of(o) == Some(*d),
            Ty::Bounds(traits) => match self.kind_of(o) {
                ObjKind::Opaque { traits: have, .. } => have.iter().any(|h| traits.contains(h)),
                _ => self.is_client(o) && self.model.is_client_bounds(traits),
            },
            Ty::External(_, args) => args.iter().any(|a| self.fits(o, a)),
            _ => false,
        }
    }

    /// Calls a closure value; `bound` overrides the arguments (adapters pass the receiver).
    fn call_closure(
        &mut self,
        inst: Instance,
        c: ObjId,
        args: &[Local],
        bound: Option<Vec<Value>>,
    ) -> Vec<Value> {
        let ObjKind::Closure {
            body,
            closure,
            ctx,
            tag,
        } = self.kind_of(c).clone()
        else {
            return Vec::new();
        };
        let Some(b) = self.body(body) else {
            return Vec::new();
        };
        let Some(def) = b.closures.get(closure as usize) else {
            return Vec::new();
        };
        let (target, target_id) = self.instance_with_id(body, ctx, tag);
        self.mark_called(target_id);
        match bound {
            Some(values) => {
                if let Some(&p) = def.params.first() {
                    let n = self.local_node(target_id, target, p);
                    self.add(n, values);
                }
            }
            None => {
                for (p, a) in def.params.iter().zip(args) {
                    let v = self.vals(inst, *a);
                    if !v.is_empty() {
                        let n = self.local_node(target_id, target, *p);
                        self.add(n, v);
                    }
                }
            }
        }
        let ret = self.local_node(target_id, target, def.ret);
        self.read(ret)
    }

    fn eval_call_path(
        &mut self,
        inst: Instance,
        body: &'a Body,
        dst: Local,
        path: &PathRef,
        args: &[Local],
        span: Span,
    ) {
        let res = self.resolve(inst.body, path);
        let mut out = Vec::new();
        for r in res {
            match r {
                Res::Def(d) => match self.index.def(d).kind.clone() {
                    DefKind::Fn(f) => out.extend(self.call_fn(inst, f, None, args, span)),
                    DefKind::Struct { .. } if self.model.relevant.contains(&d) => {
                        let o = self.new_obj(
                            ObjKind::Alloc {
                                site: span,
                                ty: d,
                                body: inst.body,
                            },
                            inst.ctx,
                        );
                        for (i, a) in args.iter().enumerate() {
                            let v = self.vals(inst, *a);
                            if !v.is_empty() {
                                let n = self.field_node(o, &i.to_string());
                                self.add(n, v);
                            }
                        }
                        out.push(Value { obj: o, tag: None });
                    }
                    DefKind::Variant { parent, .. } => {
                        let slots: Vec<(String, Local)> = args
                            .iter()
                            .enumerate()
                            .map(|(i, l)| (self.index.variant_slot(d, &i.to_string()), *l))
                            .collect();
                        if let Some(v) = self.enum_value(inst, parent, span, &slots) {
                            out.push(v);
                        }
                    }
                    _ => {}
                },
                Res::Assoc(owner, name) => {
                    out.extend(self.call_assoc(inst, body, owner, &name, args, span))
                }
                Res::External(p) => out.extend(self.call_external(inst, &p, args)),
                Res::Generic(_) => {}
            }
        }
        self.put(inst, dst, out);
    }

    /// `Type::name(args)` / `Trait::name(args)`.
    fn call_assoc(
        &mut self,
        inst: Instance,
        body: &'a Body,
        owner: DefId,
        name: &str,
        args: &[Local],
        span: Span,
    ) -> Vec<Value> {
        let is_trait = matches!(self.index.def(owner).kind, DefKind::Trait { .. });
        let candidates = if is_trait {
            self.index.trait_method(owner, name, 0)
        } else {
            self.index.methods_of(owner, name)
        };
        let mut out = Vec::new();
        let derived_ctor = candidates.is_empty()
            && !is_trait
            && matches!(name, "default" | "clone" | "from")
            && self.model.relevant.contains(&owner);
        if derived_ctor {
            // `#[derive(Default)]` and friends: a value of the type, built where it is called.
            let o = self.new_obj(
                ObjKind::Alloc {
                    site: span,
                    ty: owner,
                    body: inst.body,
                },
                inst.ctx,
            );
            out.push(Value { obj: o, tag: None });
        }
        for f in candidates {
            let has_self = self.index.fn_info(f).def.has_self;
            if has_self {
                // Method called by path: the first argument is the receiver.
                let Some((first, rest)) = args.split_first() else {
                    continue;
                };
                let recvs = self.vals(inst, *first);
                if is_trait {
                    out.extend(self.call_method(
                        inst,
                        body,
                        &recvs,
                        name,
                        rest,
                        span,
                        Lookup::default(),
                    ));
                } else {
                    for r in recvs {
                        for v in self.call_fn(inst, f, Some(r), rest, span) {
                            out.push(self.step(StepKind::Call, span, inst, r, v));
                        }
                    }
                }
                self.note_registration(inst, span, *first, name);
            } else {
                out.extend(self.call_fn(inst, f, None, args, span));
            }
        }
        out
    }

    /// Calls outside the workspace: constructors and wrappers (`Arc::new`, `Some`, `Box::pin`)
    /// pass their arguments through; `Arc::new_cyclic` hands the closure its own result.
    fn call_external(&mut self, inst: Instance, path: &[Name], args: &[Local]) -> Vec<Value> {
        let last = path.last().map(Name::as_str).unwrap_or("");
        // `Box::new(|c| ..)` keeps the closure (to be called later, through a field);
        // anything else handed a closure (`thread::spawn`, `catch_unwind`) calls it.
        let keeps_closures = is_wrapper_constructor(path);
        let mut out = Vec::new();
        let mut closures = Vec::new();
        for a in args {
            for v in self.vals(inst, *a) {
                if matches!(self.kind_of(v.obj), ObjKind::Closure { .. }) && !keeps_closures {
                    closures.push(v.obj);
                } else {
                    out.push(v);
                }
            }
        }
        if last == "Some" && self.makes_presence(inst) {
            out.push(self.presence(true));
        }
        let cyclic = last == "new_cyclic";
        for c in closures {
            let rets =
                self.call_closure(inst, c, &[], if cyclic { Some(Vec::new()) } else { None });
            out.extend(rets);
        }
        if cyclic {
            // The weak handle the closure receives is the value being built.
            let vals = out.clone();
            for a in args {
                for v in self.vals(inst, *a) {
                    if matches!(self.kind_of(v.obj), ObjKind::Closure { .. }) {
                        self.call_closure(inst, v.obj, &[], Some(vals.clone()));
                    }
                }
            }
        }
        out
    }

    fn store_into_place(
        &mut self,
        inst: Instance,
        body: &'a Body,
        place: Option<&Place>,
        args: &[Local],
    ) {
        let mut vals = Vec::new();
        for a in args {
            for v in self.vals(inst, *a) {
                if matches!(self.kind_of(v.obj), ObjKind::Closure { .. }) {
                    vals.extend(self.call_closure(inst, v.obj, &[], None));
                } else {
                    vals.push(v);
                }
            }
        }
        if vals.is_empty() {
            return;
        }
        let _ = body;
        match place {
            Some(Place::Local(l)) => self.put(inst, *l, vals),
            Some(Place::Field(b, f)) => {
                for bv in self.vals(inst, *b) {
                    let n = self.field_node(bv.obj, f);
                    self.add(n, vals.clone());
                }
            }
            Some(Place::Path(p)) => {
                for r in self.resolve(inst.body, p) {
                    if let Res::Def(d) = r {
                        if matches!(self.index.def(d).kind, DefKind::Static) {
                            let n = self.node(NodeKey::Static(d));
                            self.add(n, vals.clone());
                        }
                    }
                }
            }
            None => {}
        }
    }

    // ---- queries for the finding pass ----------------------------------------------------

    /// Whether function `f` is a registration call of the rule (by owner type or trait).
    pub fn is_registration_fn(&self, f: FnId, method: &str) -> bool {
        let info = self.index.fn_info(f);
        self.model.rule.registrations.iter().any(|p| {
            p.method == method
                && info.def.name == method
                && match &p.owner {
                    None => true,
                    Some(owner) => {
                        let mut owners = Vec::new();
                        match info.owner {
                            FnOwner::Impl {
                                self_def,
                                trait_def,
                                ..
                            } => {
                                owners.extend(self_def);
                                owners.extend(trait_def);
                            }
                            FnOwner::Trait(t) => owners.push(t),
                            FnOwner::Free => {}
                        }
                        owners
                            .iter()
                            .any(|d| self.index.path_ends_with(*d, &owner.0))
                    }
                }
        })
    }

    pub fn dispatch_peek(&self, o: ObjId, method: &str) -> Vec<FnId> {
        match self.kind_of(o) {
            ObjKind::Alloc { ty, .. } | ObjKind::Sym { ty, .. } => {
                self.index.resolve_method(*ty, method)
            }
            ObjKind::Opaque { traits, .. } => {
                let decls: Vec<FnId> = traits
                    .iter()
                    .flat_map(|t| self.index.trait_method(*t, method, 0))
                    .collect();
                if decls.is_empty() {
                    self.index.dyn_impl_methods(traits, method)
                } else {
                    decls
                }
            }
            ObjKind::Closure { .. } | ObjKind::CallSite { .. } | ObjKind::Presence(_) => Vec::new(),
        }
    }

    /// Client objects held in `o`'s fields, without registering dependencies.
    pub fn inner_clients_peek(&self, o: ObjId) -> Vec<ObjId> {
        let Some(ty) = self.ty_of(o) else {
            return Vec::new();
        };
        let mut out: Vec<ObjId> = self
            .index
            .fields(ty)
            .iter()
            .flat_map(|f| self.peek_field(o, &f.name))
            .map(|v| v.obj)
            .filter(|x| self.is_client(*x))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn node_count(&self) -> usize {
        self.sets.len()
    }
}
