//! Declared types as the solver reads them, each resolved once.
//!
//! A field's, a parameter's, a function's result and a static's declared type depend only on
//! the item, but the solver asked the index to resolve them again every time it re-evaluated a
//! body that reads the field or calls the function (path resolution, and a copy of the type's
//! generics, per read). Invariant: each answer equals `Index::resolve_type` on the same
//! declaration in the item's own scope, so caching changes no result.

use crate::index::{DefId, FnId, Index, Ty};
use rustc_hash::FxHashMap as HashMap;
use std::rc::Rc;

#[derive(Default)]
pub struct DeclaredTypes {
    /// By type and the field's position among the type's declared fields.
    fields: HashMap<(DefId, usize), Rc<Ty>>,
    params: HashMap<FnId, Rc<[Ty]>>,
    results: HashMap<FnId, Rc<Ty>>,
    statics: HashMap<DefId, Option<Rc<Ty>>>,
}

impl DeclaredTypes {
    /// The declared type of field `field` of workspace type `ty`, if it declares one.
    pub fn field(&mut self, index: &Index, ty: DefId, field: &str) -> Option<Rc<Ty>> {
        let fields = index.fields(ty);
        let at = fields.iter().position(|f| f.name == field)?;
        let resolved = self.fields.entry((ty, at)).or_insert_with(|| {
            let module = index.def(ty).module;
            let generics = index.generics_of(ty);
            Rc::new(index.resolve_type(module, &fields[at].ty, Some(ty), generics))
        });
        Some(Rc::clone(resolved))
    }

    /// The declared types of `f`'s parameters (not `self`), in order.
    pub fn params(&mut self, index: &Index, f: FnId) -> Rc<[Ty]> {
        let resolved = self.params.entry(f).or_insert_with(|| {
            let info = index.fn_info(f);
            let self_def = index.self_def_of(f);
            info.def
                .params
                .iter()
                .map(|p| index.resolve_type(info.module, &p.ty, self_def, &info.generics))
                .collect()
        });
        Rc::clone(resolved)
    }

    /// The declared result type of `f`.
    pub fn result(&mut self, index: &Index, f: FnId) -> Rc<Ty> {
        let resolved = self.results.entry(f).or_insert_with(|| {
            let info = index.fn_info(f);
            let self_def = index.self_def_of(f);
            Rc::new(index.resolve_type(info.module, &info.def.ret, self_def, &info.generics))
        });
        Rc::clone(resolved)
    }

    /// The declared type of static or const `def` (`None` if the index has no entry for it).
    pub fn static_type(&mut self, index: &Index, def: DefId) -> Option<Rc<Ty>> {
        if let Some(known) = self.statics.get(&def) {
            return known.clone();
        }
        let resolved = index.static_info(def).map(|s| {
            let module = index.def(def).module;
            Rc::new(index.resolve_type(module, &s.ty, None, &[]))
        });
        self.statics.insert(def, resolved.clone());
        resolved
    }
}
