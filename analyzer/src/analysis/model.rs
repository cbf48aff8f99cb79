//! Binds one rule to the index: which workspace types are clients, facades and trackers, and
//! which types can hold them at all (the only values the flow analysis tracks).
//!
//! Invariant: everything here is derived from declarations (types, traits, impls); nothing
//! looks at function bodies except as text, to tell which ones can matter at all.

use crate::index::{DefId, DefKind, FnId, FnOwner, Index, Res, Ty};
use crate::prefilter::Prefilter;
use crate::rules::{NamePattern, Rule};
use std::collections::{BTreeMap, BTreeSet};

pub struct RuleModel<'a> {
    pub rule: &'a Rule,
    pub client_traits: BTreeSet<DefId>,
    pub client_types: BTreeSet<DefId>,
    /// Facade type → names of its tracker fields.
    pub facades: BTreeMap<DefId, Vec<String>>,
    pub tracker_types: BTreeSet<DefId>,
    /// Types whose values can hold a client or a tracker.
    pub relevant: BTreeSet<DefId>,
    /// Names through which code can reach a client without being handed one: relevant types
    /// and traits (and their aliases and renames), functions and methods whose return type
    /// can hold one, statics that can. A body that names none of them and receives nothing
    /// that can hold a client cannot touch one.
    entry_names: Prefilter,
}

fn matching(index: &Index, pattern: &NamePattern, want_trait: bool) -> Vec<DefId> {
    index
        .defs
        .iter()
        .enumerate()
        .filter(|(i, d)| {
            let is_trait = matches!(d.kind, DefKind::Trait { .. });
            let is_type = matches!(d.kind, DefKind::Struct { .. } | DefKind::Enum { .. });
            (if want_trait { is_trait } else { is_type })
                && index.path_ends_with(*i as DefId, &pattern.0)
        })
        .map(|(i, _)| i as DefId)
        .collect()
}

impl<'a> RuleModel<'a> {
    pub fn new(index: &Index, rule: &'a Rule) -> Self {
        let mut client_traits: BTreeSet<DefId> = rule
            .client_traits
            .iter()
            .flat_map(|p| matching(index, p, true))
            .collect();
        // Traits that extend a client trait are client traits too.
        while !client_traits.is_empty() {
            let before = client_traits.len();
            for (i, d) in index.defs.iter().enumerate() {
                if let DefKind::Trait { supertraits, .. } = &d.kind {
                    let extends = supertraits.iter().any(|s| {
                        index
                            .resolve_path(d.module, s, None)
                            .iter()
                            .any(|r| matches!(r, Res::Def(t) if client_traits.contains(t)))
                    });
                    if extends {
                        client_traits.insert(i as DefId);
                    }
                }
            }
            if client_traits.len() == before {
                break;
            }
        }
        let mut client_types: BTreeSet<DefId> = rule
            .client_types
            .iter()
            .flat_map(|p| matching(index, p, false))
            .collect();
        // Implementing a client trait (directly or through a blanket impl) makes a client.
        for (i, d) in index.defs.iter().enumerate() {
            if !client_traits.is_empty()
                && matches!(d.kind, DefKind::Struct { .. } | DefKind::Enum { .. })
                && index
                    .traits_of(i as DefId)
                    .iter()
                    .any(|t| client_traits.contains(t))
            {
                client_types.insert(i as DefId);
            }
        }
        let mut tracker_types = BTreeSet::new();
        let mut facades = BTreeMap::new();
        for f in &rule.facades {
            let trackers: Vec<DefId> = matching(index, &f.tracker, false);
            tracker_types.extend(trackers.iter().copied());
            for ty in matching(index, &f.ty, false) {
                let module = index.def(ty).module;
                let generics = index.generics_of(ty).to_vec();
                let fields: Vec<String> = index
                    .fields(ty)
                    .iter()
                    .filter(|fd| {
                        let t = index.resolve_type(module, &fd.ty, Some(ty), &generics);
                        mentions(&t, &|d| trackers.contains(&d))
                    })
                    .map(|fd| fd.name.to_string())
                    .collect();
                if !fields.is_empty() {
                    facades.insert(ty, fields);
                }
            }
        }
        let mut model = RuleModel {
            rule,
            client_traits,
            client_types,
            facades,
            tracker_types,
            relevant: BTreeSet::new(),
            entry_names: Prefilter::new(Vec::new()),
        };
        model.relevant = model.compute_relevant(index);
        model.entry_names = model.compute_entry_names(index);
        model
    }

    fn compute_entry_names(&self, index: &Index) -> Prefilter {
        let mut names: BTreeSet<String> = BTreeSet::new();
        if self.client_types.is_empty() && self.client_traits.is_empty() {
            return Prefilter::new(names);
        }
        let returns_relevant: BTreeSet<FnId> = (0..index.fns.len() as FnId)
            .filter(|f| self.returns_relevant(index, *f))
            .collect();
        for (name, res) in index.bindings() {
            let Res::Def(d) = res else { continue };
            let matters = self.relevant.contains(d)
                || self.client_traits.contains(d)
                || match &index.def(*d).kind {
                    DefKind::Fn(f) => returns_relevant.contains(f),
                    DefKind::Variant { parent, .. } => self.relevant.contains(parent),
                    DefKind::TypeAlias(t) => {
                        let module = index.def(*d).module;
                        let ty = index.resolve_type(module, t, None, &[]);
                        self.ty_can_hold(&ty, &self.relevant)
                    }
                    DefKind::Static => index.static_info(*d).is_some_and(|s| {
                        let module = index.def(s.def).module;
                        let ty = index.resolve_type(module, &s.ty, None, &[]);
                        self.ty_can_hold(&ty, &self.relevant)
                    }),
                    _ => false,
                };
            if matters {
                names.insert(name.to_string());
            }
        }
        // Methods are not bound in modules: their names count wherever they are called.
        names.extend(
            returns_relevant
                .iter()
                .map(|f| index.fn_info(*f).def.name.to_string()),
        );
        names.extend(self.rule.registrations.iter().map(|r| r.method.clone()));
        let mut filter = Prefilter::new(names);
        filter.prepare();
        filter
    }

    fn returns_relevant(&self, index: &Index, f: FnId) -> bool {
        let info = index.fn_info(f);
        let self_def = index.self_def_of(f);
        let ret = index.resolve_type(info.module, &info.def.ret, self_def, &info.generics);
        self.ty_can_hold(&ret, &self.relevant)
    }

    /// Whether `f`, entered from outside with nothing that can hold a client, can still touch
    /// one: it is code of a relevant type, takes something that can hold a client, or names
    /// a way to reach one.
    pub fn entry_can_matter(&self, index: &Index, f: FnId) -> bool {
        let info = index.fn_info(f);
        let self_def = index.self_def_of(f);
        if let FnOwner::Impl {
            self_def: Some(d), ..
        } = info.owner
        {
            if self.relevant.contains(&d) {
                return true;
            }
        }
        let takes_relevant = info.def.params.iter().any(|p| {
            let ty = index.resolve_type(info.module, &p.ty, self_def, &info.generics);
            self.ty_can_hold(&ty, &self.relevant)
        });
        takes_relevant
            || info.def.body.as_ref().is_some_and(|b| {
                let text = &b.source.text[b.source.start as usize..b.source.end as usize];
                self.entry_names.matches(text)
            })
    }

    fn compute_relevant(&self, index: &Index) -> BTreeSet<DefId> {
        let mut relevant: BTreeSet<DefId> = self
            .client_types
            .union(&self.tracker_types)
            .copied()
            .collect();
        // Without clients the rule does not run (see `analyse`); skip the work.
        if self.client_types.is_empty() && self.client_traits.is_empty() {
            return relevant;
        }
        // Field types are resolved once; the fixpoint only re-reads them.
        let holders: Vec<(DefId, Vec<Ty>)> = index
            .defs
            .iter()
            .enumerate()
            .filter(|(i, d)| {
                matches!(d.kind, DefKind::Struct { .. } | DefKind::Enum { .. })
                    && !relevant.contains(&(*i as DefId))
            })
            .map(|(i, d)| {
                let i = i as DefId;
                let generics = index.generics_of(i).to_vec();
                let tys = index
                    .fields(i)
                    .iter()
                    .map(|f| index.resolve_type(d.module, &f.ty, Some(i), &generics))
                    .collect();
                (i, tys)
            })
            .collect();
        loop {
            let before = relevant.len();
            for (i, tys) in &holders {
                if !relevant.contains(i) && tys.iter().any(|t| self.ty_can_hold(t, &relevant)) {
                    relevant.insert(*i);
                }
            }
            if relevant.len() == before {
                break;
            }
        }
        relevant
    }

    fn ty_can_hold(&self, t: &Ty, relevant: &BTreeSet<DefId>) -> bool {
        match t {
            Ty::Adt(d) => relevant.contains(d),
            // An unbounded generic can hold anything; a bounded one holds clients when a
            // bound is a client trait.
            Ty::Bounds(b) => b.is_empty() || b.iter().any(|t| self.client_traits.contains(t)),
            Ty::External(_, args) => args.iter().any(|a| self.ty_can_hold(a, relevant)),
            Ty::Tuple(e) => e.iter().any(|a| self.ty_can_hold(a, relevant)),
            Ty::Unknown => false,
        }
    }

    pub fn is_client_type(&self, d: DefId) -> bool {
        self.client_types.contains(&d)
    }

    pub fn is_client_bounds(&self, traits: &[DefId]) -> bool {
        traits.iter().any(|t| self.client_traits.contains(t))
    }
}

/// Whether a type mentions a workspace type satisfying `pred` (through wrappers and tuples).
pub fn mentions(t: &Ty, pred: &dyn Fn(DefId) -> bool) -> bool {
    match t {
        Ty::Adt(d) => pred(*d),
        Ty::External(_, args) | Ty::Tuple(args) => args.iter().any(|a| mentions(a, pred)),
        _ => false,
    }
}
