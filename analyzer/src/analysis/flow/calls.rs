//! Evaluating calls: method calls (lookup, dispatch, auto-deref, calls on clients of unknown
//! concrete type), calls by path (functions, associated functions, constructors), closure
//! calls, `x.into()`, calls outside the workspace, and what storing methods put into their
//! receiver's place.
//!
//! Invariant: method calls resolve as rustc's autoderef does, as far as the analysis knows
//! types: the receiver's own type (`Index::resolve_method`, one function for the solver and
//! the finding pass; not the `dyn` impls when the receiver is a field declared with a concrete
//! type, which no trait object has), then through `impl Deref` only to a target that has a
//! method of that name; otherwise the method is a standard wrapper's and passes its receiver
//! through. A callee runs once per receiver object and receiver provenance, a function without
//! `self` once per call site; a tag enters a callee through `self` only once code outside the
//! facade has obtained the value. The result of a call the analysis cannot see into is named
//! by its call site and the first receiver it knows, not by the whole chain of call sites.

use super::library::{is_wrapper_constructor, GUARD_METHODS, TRANSPARENT_METHODS};
use super::{Flow, Instance, NodeKey};
use crate::analysis::objects::*;
use crate::hir::{Body, Inst, Local, Name, PathRef, Place, TypeRef};
use crate::index::{DefId, DefKind, FnId, FnOwner, Res, Ty};
use crate::source::Span;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeSet;

/// Where a method lookup stands: how many `Deref` steps it took, and whether the receiver
/// (before any step) is declared with a concrete type, which no trait object has.
#[derive(Clone, Copy, Default)]
pub(super) struct Lookup {
    pub(super) derefs: usize,
    pub(super) concrete: bool,
}

/// An argument of a call: a local of the caller, or values the analysis computed.
enum Arg {
    Local(Local),
    Values(Vec<Value>),
}

impl<'a> Flow<'a> {
    #[allow(clippy::too_many_arguments)]
    #[allow(clippy::only_used_in_recursion)]
    pub(super) fn call_method(
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
    pub(super) fn declared_concrete(&mut self, inst: Instance, place: Option<&Place>) -> bool {
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
    pub(super) fn guarded_place(
        &mut self,
        id: BodyId,
        body: &'a Body,
        local: Local,
    ) -> Option<Place> {
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
    pub(super) fn call_closure(
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

    pub(super) fn eval_call_path(
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

    pub(super) fn store_into_place(
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
}
