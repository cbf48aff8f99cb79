//! Derivation steps and provenance tags: a client value derived from a client whose chain
//! held a tracker carries a tag recording the facade, the bypass point (moved outward to the
//! outermost expression inside the facade's impl) and where code outside obtained it.
//!
//! Invariant: only a step from a client to a client is tagged, and a new tag starts only
//! where the trackers of the source's wrapper chain are lost in the result (auto-deref is
//! itself the bypass point, whatever the `deref` body did). A later step moves a tag: inside
//! the facade's impl the bypass point moves out to the enclosing expression; outside it, the
//! first step records where code obtained it (never the client machinery itself).

use super::{Flow, Instance};
use crate::analysis::objects::*;
use crate::index::FnOwner;
use crate::source::Span;
use std::collections::BTreeSet;

impl<'a> Flow<'a> {
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
    pub(super) fn step(
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
}
