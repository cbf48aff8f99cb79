//! Queries the finding pass and the audit make on the solved flow: whether a function is a
//! registration of the rule, what a method call on an object dispatches to, an object's inner
//! clients, the node count.
//!
//! Invariant: they only read (`&self`): no dependency is registered and no set grows, and no
//! query scans all instances.

use super::Flow;
use crate::analysis::objects::*;
use crate::index::{FnId, FnOwner};

impl<'a> Flow<'a> {
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
