//! The transfer function of each lowered instruction ([`Inst`]): copies, struct and enum
//! values, field reads (materializing fields of objects whose construction is not visible)
//! and stores, path values, closures. Calls go to `calls.rs`; a method call also applies the
//! library summaries of `library.rs` and is noted for the finding pass when a registration
//! pattern names its method.
//!
//! Invariant: points-to sets only grow: an instruction only adds to nodes, and it reads them
//! through `read`, which registers the running instance to be re-run when they grow.

use super::calls::Lookup;
use super::library::{RESULT_FROM_ARGUMENT, RESULT_FROM_CLOSURE, STORING_METHODS};
use super::{Flow, Instance, NodeKey, RegistrationSite};
use crate::analysis::model;
use crate::analysis::objects::*;
use crate::hir::{Body, Inst, Local, PathRef};
use crate::index::{DefId, DefKind, Res};
use crate::source::Span;

impl<'a> Flow<'a> {
    pub(super) fn eval(&mut self, inst: Instance, body: &'a Body, ins: &'a Inst) {
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
    pub(super) fn note_registration(
        &mut self,
        inst: Instance,
        span: Span,
        receiver: Local,
        method: &str,
    ) {
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
    pub(super) fn enum_value(
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
                || model::mentions(&fty, &|d| self.model.tracker_types.contains(&d));
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
}
