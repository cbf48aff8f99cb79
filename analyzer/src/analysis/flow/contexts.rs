//! Objects and instances: reading objects, creating them (allocations, closures, the
//! `Some`/`None` markers, values materialized from declared types) with their heap contexts,
//! and the instances a body runs as.
//!
//! Invariant: objects are finite (see [`objects`](crate::analysis::objects)): heap contexts
//! keep at most two object kinds plus call sites of `self`-less functions, five kinds in all;
//! materialized objects nest at most four deep. A value built by a value of its own type
//! (immutable builders, a facade re-wrapping itself) inherits its creator's context instead
//! of deepening it. A method runs once per receiver object and receiver provenance
//! ([`Instance::tag`]), a function without `self` once per call site (a `CallSite` context),
//! so a builder made from the facade and one made from the raw client never merge; objects
//! allocated by an instance whose receiver carried a tag remember its bypass point
//! (`Obj::prov`). `Some`/`None` markers are made only in instances workspace code calls (an
//! instance only seeded as an entry point has unknown callers).

use super::{Flow, InstanceId};
use crate::analysis::objects::*;
use crate::index::{DefId, Ty};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Instance {
    pub body: BodyId,
    pub ctx: ObjOrNone,
    /// The provenance the receiver arrived with: a method runs once per (receiver, tag), so
    /// a bypassing view's tag reaches what the method builds from `self` without leaking
    /// into callers that share the receiver object through a tracked route.
    pub tag: Option<TagId>,
}

impl<'a> Flow<'a> {
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
    pub(super) fn presence(&mut self, present: bool) -> Value {
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
    pub(super) fn makes_presence(&self, inst: Instance) -> bool {
        self.track_presence
            && self
                .instance_id(inst)
                .is_some_and(|id| self.called.get(id as usize).copied().unwrap_or(false))
    }

    /// Records that workspace code calls instance `id`; the first call runs it again so
    /// that it makes its `Some`/`None` markers.
    pub(super) fn mark_called(&mut self, id: InstanceId) {
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

    pub(super) fn new_obj(&mut self, kind: ObjKind, creator: ObjOrNone) -> ObjId {
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
    pub(super) fn return_root(&self, mut o: ObjId) -> ObjId {
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

    pub(super) fn sym_depth(&self, o: ObjId) -> u8 {
        match self.kind_of(o) {
            ObjKind::Sym { depth, .. } | ObjKind::Opaque { depth, .. } => *depth,
            _ => 0,
        }
    }

    /// A value of a declared type, for code whose caller the analysis cannot see.
    pub(super) fn materialize(
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

    // ---- instances -----------------------------------------------------------------------

    /// The id of an interned instance; the running one without a lookup.
    pub(super) fn instance_id(&self, inst: Instance) -> Option<InstanceId> {
        let current = self.current as usize;
        if current < self.instances.len() && *self.instances.get(self.current) == inst {
            return Some(self.current);
        }
        self.instances.lookup(&inst)
    }

    pub(super) fn instance(&mut self, body: BodyId, ctx: ObjOrNone) -> Instance {
        self.instance_with_id(body, ctx, None).0
    }

    pub(super) fn instance_with_id(
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
}
