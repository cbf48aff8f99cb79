//! Index and name resolution: the module tree of every crate, its items, `use` imports
//! (renames, groups, globs, `self`/`super`/`crate`, `pub use` re-exports), impls and type
//! aliases, so that the same name in two modules is two different items.
//!
//! Invariant: after [`Index::build`] every path the analysis asks about resolves through
//! [`Index::resolve_path`] in the scope it was written in; names that leave the workspace
//! resolve to [`Res::External`] with the path as written, never to a guess.

use crate::hir::*;
use crate::load::{LoadedCrate, ModLinks};
use crate::source::{FileId, Span};
// Fx: keys are ids, looked up for every item and path; and unlike SipHash's random seed it
// iterates in the same order on every run.
use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet;
use std::collections::BTreeMap;
use std::sync::OnceLock;

pub type DefId = u32;
pub type FnId = u32;

/// The module of a crate root: there is none.
pub const NO_DEF: DefId = u32::MAX;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefKind {
    Mod,
    Struct {
        fields: Vec<Field>,
        generics: Vec<Generic>,
    },
    Enum {
        variants: Vec<Name>,
        generics: Vec<Generic>,
    },
    Variant {
        parent: DefId,
        fields: Vec<Field>,
    },
    Trait {
        supertraits: Vec<PathRef>,
        methods: Vec<FnId>,
    },
    Fn(FnId),
    TypeAlias(TypeRef),
    Static,
}

impl PartialEq for Field {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.span == other.span
    }
}
impl Eq for Field {}
impl PartialEq for Generic {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}
impl Eq for Generic {}

#[derive(Clone, Debug)]
pub struct Def {
    pub name: Name,
    pub kind: DefKind,
    /// The module the item is declared in (a module's own parent for modules; `NO_DEF` for
    /// crate roots). With the name, it gives the full path ([`Index::def_path`]).
    pub module: DefId,
    pub span: Span,
}

/// What a name or path stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Res {
    Def(DefId),
    /// `Type::name` or `Trait::name`: an associated item, looked up in impls by the caller.
    Assoc(DefId, Name),
    /// A generic parameter with its trait bounds.
    Generic(Vec<DefId>),
    /// Outside the workspace (std, dependencies), as written.
    External(Vec<Name>),
}

/// Who owns a function body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FnOwner {
    Free,
    /// A method in `impl Type` or `impl Trait for Type`.
    Impl {
        self_def: Option<DefId>,
        trait_def: Option<DefId>,
        impl_id: usize,
    },
    /// A method declared in a trait (with or without a default body).
    Trait(DefId),
}

pub struct FnInfo {
    pub def: FnDef,
    pub owner: FnOwner,
    /// Module whose scope the body's paths resolve in.
    pub module: DefId,
    pub generics: Vec<Generic>,
    pub file: FileId,
}

pub struct ImplInfo {
    pub self_def: Option<DefId>,
    pub trait_def: Option<DefId>,
    pub trait_path: Option<PathRef>,
    pub methods: Vec<FnId>,
    pub assoc_types: Vec<(Name, TypeRef)>,
    pub module: DefId,
    pub generics: Vec<Generic>,
    pub self_ty: TypeRef,
}

/// A static's initializer, analysed like a function body.
pub struct StaticInfo {
    pub def: DefId,
    pub ty: TypeRef,
    pub init: Option<Box<LazyBody>>,
}

/// A module's names. Hash maps, not sorted maps: a generated module binds a hundred thousand
/// names, and nothing reads the names in an order that matters (a name's meanings are a
/// `Vec`, in the order they were found; glob expansion adds a name's meanings glob by glob,
/// whatever order the names come in).
#[derive(Default)]
struct Scope {
    /// Items declared in the module and names imported explicitly.
    names: HashMap<Name, Meanings>,
    /// Targets of glob imports.
    globs: Vec<Res>,
    /// What the glob imports bring in, searched after `names` (filled by `resolve_uses`, so
    /// lookups never walk glob chains).
    glob_names: HashMap<Name, Meanings>,
    parent: Option<DefId>,
    crate_root: DefId,
}

/// What one name means in a scope: almost always one thing, kept inline (a workspace binds
/// hundreds of thousands of names).
type Meanings = smallvec::SmallVec<[Res; 1]>;

struct PendingUse {
    module: DefId,
    tree: UseTree,
}

impl PendingUse {
    fn path(&self) -> &[Name] {
        let (UseTree::Name { path, .. } | UseTree::Glob { path }) = &self.tree;
        path
    }
}

/// What each round of import resolution resolves again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Rounds {
    /// The imports that can see what the last round changed.
    Changed,
    /// Every import, every round (the reference the tests hold `Changed` to).
    Everything,
}

/// What one round of import resolution changed.
#[derive(Default)]
struct Changes {
    /// Names whose meaning changed in some module.
    names: FxHashSet<Name>,
    /// Modules where some name's meaning changed.
    modules: FxHashSet<DefId>,
    /// Modules that gained a glob import.
    new_globs: FxHashSet<DefId>,
}

impl Changes {
    fn record(&mut self, module: DefId, name: &str) {
        self.modules.insert(module);
        if !self.names.contains(name) {
            self.names.insert(Name::from(name));
        }
    }

    fn is_empty(&self) -> bool {
        self.names.is_empty() && self.new_globs.is_empty()
    }
}

pub struct Index {
    pub defs: Vec<Def>,
    pub fns: Vec<FnInfo>,
    pub impls: Vec<ImplInfo>,
    pub statics: Vec<StaticInfo>,
    /// Which entry of `statics` describes each static's def: built on first use (only a run
    /// whose rules match client types asks; a generated module has 100,000s of constants).
    static_entries: OnceLock<HashMap<DefId, usize>>,
    /// Names of the methods of impls for trait objects (`impl Ext for dyn Client`), built on
    /// first use: method dispatch asks for every call, and most workspaces have none.
    dyn_method_names: OnceLock<FxHashSet<Name>>,
    scopes: HashMap<DefId, Scope>,
    crate_roots: BTreeMap<String, DefId>,
    /// Methods of each type: inherent and trait impls.
    pub impls_of: HashMap<DefId, Vec<usize>>,
    /// `impl<T: Bound> Trait for T`: the impl and the traits its parameter must implement.
    pub blanket: Vec<(usize, Vec<DefId>)>,
    /// Variants of each enum.
    variants_of: HashMap<DefId, Vec<DefId>>,
    /// An enum's fields as one list, each named `Variant.field` (`Variant.0` for tuples).
    enum_fields: HashMap<DefId, Vec<Field>>,
}

impl Index {
    /// Builds the index, taking the lowered syntax of every file (items move into the index).
    pub fn build(
        crates: &[LoadedCrate],
        syntax: Vec<Option<FileSyntax>>,
        links: &ModLinks,
    ) -> Index {
        Index::build_with(crates, syntax, links, Rounds::Changed)
    }

    fn build_with(
        crates: &[LoadedCrate],
        syntax: Vec<Option<FileSyntax>>,
        links: &ModLinks,
        rounds: Rounds,
    ) -> Index {
        let mut b = Builder {
            index: Index {
                defs: Vec::new(),
                fns: Vec::new(),
                impls: Vec::new(),
                statics: Vec::new(),
                static_entries: OnceLock::new(),
                dyn_method_names: OnceLock::new(),
                scopes: HashMap::default(),
                crate_roots: BTreeMap::new(),
                impls_of: HashMap::default(),
                blanket: Vec::new(),
                variants_of: HashMap::default(),
                enum_fields: HashMap::default(),
            },
            uses: Vec::new(),
            raw_impls: Vec::new(),
            uses_left: count_uses(crates, &syntax, links),
            syntax,
            links,
        };
        // The tables grow to hundreds of thousands of entries on a large workspace: sized once,
        // they are not copied on every doubling.
        let mut sizes = TableSizes {
            defs: crates.len(),
            ..TableSizes::default()
        };
        for s in b.syntax.iter().flatten() {
            sizes.count(&s.items);
        }
        b.index.defs.reserve(sizes.defs);
        b.index.fns.reserve(sizes.fns);
        b.index.statics.reserve(sizes.statics);
        b.raw_impls.reserve(sizes.impls);
        for c in crates {
            if b.syntax.get(c.root).is_none_or(Option::is_none) {
                continue;
            }
            // Two targets of one name (a bin beside its lib) are both kept; the lib is the one
            // reachable by name.
            let root = b.new_def(
                c.name.clone().into(),
                DefKind::Mod,
                NO_DEF,
                Span {
                    file: c.root,
                    start: 0,
                    end: 0,
                },
            );
            b.index.scopes.insert(
                root,
                Scope {
                    crate_root: root,
                    ..Scope::default()
                },
            );
            if c.kind == "lib" || !b.index.crate_roots.contains_key(&c.name) {
                b.index.crate_roots.insert(c.name.clone(), root);
            }
            let items = b.file_items(c.root);
            b.module_items(root, c.root, &[], items);
        }
        b.index_variants();
        b.resolve_uses(rounds);
        b.finish_impls();
        b.index
    }

    /// Every name a module binds (its items, imports and renames, and what globs bring in)
    /// with what it resolves to.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, &Res)> + '_ {
        self.scopes.values().flat_map(|scope| {
            scope
                .names
                .iter()
                .chain(&scope.glob_names)
                .flat_map(|(name, res)| res.iter().map(move |r| (name.as_str(), r)))
        })
    }

    pub fn def(&self, id: DefId) -> &Def {
        &self.defs[id as usize]
    }

    pub fn fn_info(&self, id: FnId) -> &FnInfo {
        &self.fns[id as usize]
    }

    pub fn display_path(&self, id: DefId) -> String {
        self.def_path(id)[1..].join("::")
    }

    /// The item a def's path continues: its enum for a variant, else its module.
    fn path_parent(&self, id: DefId) -> Option<DefId> {
        let d = self.def(id);
        match d.kind {
            DefKind::Variant { parent, .. } => Some(parent),
            _ => (d.module != NO_DEF).then_some(d.module),
        }
    }

    /// Full path, crate name first (`curator::imps::WatcherRemovalFacade`).
    pub fn def_path(&self, id: DefId) -> Vec<&str> {
        let mut path = vec![self.def(id).name.as_str()];
        let mut cur = id;
        while let Some(parent) = self.path_parent(cur) {
            path.push(&self.def(parent).name);
            cur = parent;
        }
        path.reverse();
        path
    }

    /// Whether a def's full path ends with `tail` (rule patterns), without building it.
    pub fn path_ends_with(&self, id: DefId, tail: &[impl AsRef<str>]) -> bool {
        let mut cur = Some(id);
        for want in tail.iter().rev() {
            match cur {
                Some(d) if self.def(d).name == want.as_ref() => cur = self.path_parent(d),
                _ => return false,
            }
        }
        true
    }

    /// Looks up one name in a module's scope (items and imports, then globs).
    fn lookup_in(&self, module: DefId, name: &str) -> Vec<Res> {
        let Some(scope) = self.scopes.get(&module) else {
            return Vec::new();
        };
        scope
            .names
            .get(name)
            .or_else(|| scope.glob_names.get(name))
            .map(|m| m.to_vec())
            .unwrap_or_default()
    }

    fn variant(&self, enum_def: DefId, name: &str) -> Option<DefId> {
        self.variants_of
            .get(&enum_def)?
            .iter()
            .copied()
            .find(|v| self.def(*v).name == name)
    }

    /// The name under which a variant's field is stored in an enum value.
    pub fn variant_slot(&self, variant: DefId, field: &str) -> String {
        format!("{}.{field}", self.def(variant).name)
    }

    fn parent_module(&self, module: DefId) -> Option<DefId> {
        self.scopes.get(&module).and_then(|s| s.parent)
    }

    /// Resolves a path written in `module`; `self_ty` is what `Self` means there.
    pub fn resolve_path(&self, module: DefId, path: &PathRef, self_def: Option<DefId>) -> Vec<Res> {
        self.resolve_segments(module, &path.segments, path.global, self_def, &[])
    }

    pub fn resolve_segments(
        &self,
        module: DefId,
        segs: &[Name],
        global: bool,
        self_def: Option<DefId>,
        generics: &[Generic],
    ) -> Vec<Res> {
        self.resolve_segments_via(module, segs, global, self_def, generics, &mut false)
    }

    /// [`Index::resolve_segments`], setting `via_alias` when the path goes through a type
    /// alias (and so depends on the names in the alias's target too).
    fn resolve_segments_via(
        &self,
        module: DefId,
        segs: &[Name],
        global: bool,
        self_def: Option<DefId>,
        generics: &[Generic],
        via_alias: &mut bool,
    ) -> Vec<Res> {
        let Some(first) = segs.first() else {
            return Vec::new();
        };
        let mut current: Vec<Res> = if global {
            match self.crate_roots.get(first.as_str()) {
                Some(r) => vec![Res::Def(*r)],
                None => vec![Res::External(vec![first.clone()])],
            }
        } else {
            match first.as_str() {
                "crate" => vec![Res::Def(
                    self.scopes
                        .get(&module)
                        .map(|s| s.crate_root)
                        .unwrap_or(module),
                )],
                "self" => vec![Res::Def(module)],
                "super" => self
                    .parent_module(module)
                    .map(Res::Def)
                    .into_iter()
                    .collect(),
                "Self" => match self_def {
                    Some(d) => vec![Res::Def(d)],
                    None => vec![Res::External(vec!["Self".into()])],
                },
                name => {
                    if let Some(g) = generics.iter().find(|g| g.name == name) {
                        let bounds = g
                            .bounds
                            .iter()
                            .flat_map(|b| self.resolve_path(module, b, self_def))
                            .filter_map(|r| match r {
                                Res::Def(d) => Some(d),
                                _ => None,
                            })
                            .collect();
                        vec![Res::Generic(bounds)]
                    } else {
                        let found = self.lookup_in(module, name);
                        if !found.is_empty() {
                            found
                        } else if let Some(r) = self.crate_roots.get(name) {
                            vec![Res::Def(*r)]
                        } else {
                            vec![Res::External(vec![Name::from(name)])]
                        }
                    }
                }
            }
        };
        for seg in &segs[1..] {
            let mut next = Vec::new();
            for res in &current {
                match res {
                    Res::Def(d) => {
                        let def = self.def(*d);
                        match &def.kind {
                            DefKind::Mod => {
                                if seg == "super" {
                                    next.extend(self.parent_module(*d).map(Res::Def));
                                } else if seg == "self" {
                                    next.push(Res::Def(*d));
                                } else {
                                    next.extend(self.lookup_in(*d, seg));
                                }
                            }
                            DefKind::Enum { .. } => match self.variant(*d, seg) {
                                Some(v) => next.push(Res::Def(v)),
                                None => next.push(Res::Assoc(*d, seg.clone())),
                            },
                            DefKind::TypeAlias(t) => {
                                *via_alias = true;
                                if let Some(target) = self.alias_target(*d, t, 0) {
                                    next.push(Res::Assoc(target, seg.clone()));
                                }
                            }
                            _ => next.push(Res::Assoc(*d, seg.clone())),
                        }
                    }
                    Res::External(p) => {
                        let mut p = p.clone();
                        p.push(seg.clone());
                        next.push(Res::External(p));
                    }
                    Res::Assoc(..) | Res::Generic(_) => {}
                }
            }
            current = next;
        }
        current.sort();
        current.dedup();
        current
    }

    /// The struct/enum/trait a type alias stands for, if any.
    pub fn alias_target(&self, alias: DefId, target: &TypeRef, depth: usize) -> Option<DefId> {
        if depth > 8 {
            return None;
        }
        let module = self.def(alias).module;
        let TypeRef::Path(p) = strip_refs(target) else {
            return None;
        };
        self.resolve_path(module, p, None)
            .into_iter()
            .find_map(|r| match r {
                Res::Def(d) => match &self.def(d).kind {
                    DefKind::TypeAlias(t) => self.alias_target(d, t, depth + 1),
                    DefKind::Struct { .. } | DefKind::Enum { .. } | DefKind::Trait { .. } => {
                        Some(d)
                    }
                    _ => None,
                },
                _ => None,
            })
    }

    /// Resolves a type as written to the analysis's view of it.
    pub fn resolve_type(
        &self,
        module: DefId,
        ty: &TypeRef,
        self_def: Option<DefId>,
        generics: &[Generic],
    ) -> Ty {
        self.resolve_type_depth(module, ty, self_def, generics, 0)
    }

    fn resolve_type_depth(
        &self,
        module: DefId,
        ty: &TypeRef,
        self_def: Option<DefId>,
        generics: &[Generic],
        depth: usize,
    ) -> Ty {
        if depth > 12 {
            return Ty::Unknown;
        }
        match ty {
            TypeRef::Ref(inner) | TypeRef::Slice(inner) => {
                self.resolve_type_depth(module, inner, self_def, generics, depth + 1)
            }
            TypeRef::SelfType => self_def.map(Ty::Adt).unwrap_or(Ty::Unknown),
            TypeRef::Tuple(elems) => Ty::Tuple(
                elems
                    .iter()
                    .map(|e| self.resolve_type_depth(module, e, self_def, generics, depth + 1))
                    .collect(),
            ),
            TypeRef::Bounds(bounds) => Ty::Bounds(
                bounds
                    .iter()
                    .flat_map(|b| self.resolve_path(module, b, self_def))
                    .filter_map(|r| match r {
                        Res::Def(d) if matches!(self.def(d).kind, DefKind::Trait { .. }) => Some(d),
                        _ => None,
                    })
                    .collect(),
            ),
            TypeRef::Path(p) => {
                let res = self.resolve_segments(module, &p.segments, p.global, self_def, generics);
                for r in res {
                    match r {
                        Res::Def(d) => match &self.def(d).kind {
                            DefKind::Struct { .. } | DefKind::Enum { .. } => return Ty::Adt(d),
                            DefKind::Trait { .. } => return Ty::Bounds(vec![d]),
                            DefKind::TypeAlias(t) => {
                                let m = self.def(d).module;
                                return self.resolve_type_depth(m, t, self_def, &[], depth + 1);
                            }
                            _ => {}
                        },
                        Res::Generic(bounds) => return Ty::Bounds(bounds),
                        Res::External(path) => {
                            // Named by what it resolves to: `use std::sync::Arc as Shared;`
                            // makes `Shared<T>` an `Arc`.
                            let name = path.last().map_or_else(|| p.last(), Name::as_str);
                            let args = p
                                .args
                                .iter()
                                .map(|a| {
                                    self.resolve_type_depth(
                                        module,
                                        a,
                                        self_def,
                                        generics,
                                        depth + 1,
                                    )
                                })
                                .collect();
                            return Ty::External(name.to_string(), args);
                        }
                        Res::Assoc(..) => {}
                    }
                }
                Ty::Unknown
            }
            TypeRef::Unknown => Ty::Unknown,
        }
    }

    /// The impls that apply to `ty`: its own, then blanket impls whose bounds it implements
    /// directly.
    pub fn impls_for(&self, ty: DefId) -> Vec<usize> {
        let own: Vec<usize> = self.impls_of.get(&ty).cloned().unwrap_or_default();
        let direct: Vec<DefId> = own
            .iter()
            .filter_map(|i| self.impls[*i].trait_def)
            .collect();
        let mut out = own;
        for (i, bounds) in &self.blanket {
            let already = out
                .iter()
                .any(|o| self.impls[*o].trait_def == self.impls[*i].trait_def);
            if !already && bounds.iter().all(|b| direct.contains(b)) {
                out.push(*i);
            }
        }
        out
    }

    /// Methods named `name` of impls for the trait objects `dyn T` of `traits`
    /// (`impl Ext for dyn Client`): a value of any type implementing `T` can be such an
    /// object, and nothing without type inference tells when it is.
    pub fn dyn_impl_methods(&self, traits: &[DefId], name: &str) -> Vec<FnId> {
        let names = self.dyn_method_names.get_or_init(|| {
            self.impls
                .iter()
                .filter(|imp| {
                    imp.self_def
                        .is_some_and(|d| matches!(self.def(d).kind, DefKind::Trait { .. }))
                })
                .flat_map(|imp| imp.methods.iter())
                .map(|m| self.fns[*m as usize].def.name.clone())
                .collect()
        });
        if !names.contains(name) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for t in traits {
            for i in self.impls_of.get(t).into_iter().flatten() {
                let imp = &self.impls[*i];
                out.extend(
                    imp.methods
                        .iter()
                        .copied()
                        .filter(|m| self.fns[*m as usize].def.name == name),
                );
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The methods a call `x.name()` on a value of type `ty` can land in: the type's own
    /// ([`methods_of`](Self::methods_of)), else those of impls for the trait objects of the
    /// traits it implements (a value of the type may be such an object).
    pub fn resolve_method(&self, ty: DefId, name: &str) -> Vec<FnId> {
        let own = self.methods_of(ty, name);
        if !own.is_empty() {
            return own;
        }
        self.dyn_impl_methods(&self.traits_of(ty), name)
    }

    /// Method candidates named `name` for a value of type `ty`: inherent first, then trait
    /// impls, then trait default bodies for traits the type implements.
    pub fn methods_of(&self, ty: DefId, name: &str) -> Vec<FnId> {
        let mut inherent = Vec::new();
        let mut from_traits = Vec::new();
        let mut implemented = Vec::new();
        for i in self.impls_for(ty) {
            let imp = &self.impls[i];
            let hit = imp
                .methods
                .iter()
                .copied()
                .find(|m| self.fns[*m as usize].def.name == name);
            match (imp.trait_def, hit) {
                (None, Some(m)) => inherent.push(m),
                (Some(_), Some(m)) => from_traits.push(m),
                (Some(t), None) => implemented.push(t),
                (None, None) => {}
            }
        }
        if !inherent.is_empty() {
            return inherent;
        }
        if !from_traits.is_empty() {
            return from_traits;
        }
        implemented
            .into_iter()
            .flat_map(|t| self.trait_method(t, name, 0))
            .filter(|m| self.fns[*m as usize].def.body.is_some())
            .collect()
    }

    /// Every method a value of type `ty` can be the receiver of: its impls' methods and the
    /// default bodies of the traits it implements that its impl does not override.
    pub fn receiver_methods(&self, ty: DefId) -> Vec<FnId> {
        let mut out = Vec::new();
        for i in self.impls_for(ty) {
            let imp = &self.impls[i];
            out.extend(
                imp.methods
                    .iter()
                    .copied()
                    .filter(|m| self.fns[*m as usize].def.has_self),
            );
            let Some(t) = imp.trait_def else { continue };
            if let DefKind::Trait { methods, .. } = &self.def(t).kind {
                for &m in methods {
                    let info = &self.fns[m as usize];
                    let overridden = imp
                        .methods
                        .iter()
                        .any(|o| self.fns[*o as usize].def.name == info.def.name);
                    if info.def.has_self && info.def.body.is_some() && !overridden {
                        out.push(m);
                    }
                }
            }
        }
        out
    }

    /// The method `name` declared in trait `t` or its supertraits.
    pub fn trait_method(&self, t: DefId, name: &str, depth: usize) -> Vec<FnId> {
        let DefKind::Trait {
            supertraits,
            methods,
        } = &self.def(t).kind
        else {
            return Vec::new();
        };
        if let Some(m) = methods
            .iter()
            .find(|m| self.fns[**m as usize].def.name == name)
        {
            return vec![*m];
        }
        if depth > 8 {
            return Vec::new();
        }
        let module = self.def(t).module;
        supertraits
            .iter()
            .flat_map(|s| self.resolve_path(module, s, None))
            .filter_map(|r| match r {
                Res::Def(d) => Some(d),
                _ => None,
            })
            .flat_map(|d| self.trait_method(d, name, depth + 1))
            .collect()
    }

    /// Traits a type implements (directly, by `impl Trait for Type`).
    pub fn traits_of(&self, ty: DefId) -> Vec<DefId> {
        let mut out: Vec<DefId> = self
            .impls_for(ty)
            .into_iter()
            .filter_map(|i| self.impls[i].trait_def)
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The `deref` method of `impl Deref for ty`, if the workspace has one.
    pub fn deref_fn(&self, ty: DefId) -> Option<FnId> {
        self.impls_of.get(&ty)?.iter().find_map(|i| {
            let imp = &self.impls[*i];
            let is_deref = imp
                .trait_path
                .as_ref()
                .is_some_and(|p| p.last() == "Deref" && imp.trait_def.is_none());
            if !is_deref {
                return None;
            }
            imp.methods
                .iter()
                .copied()
                .find(|m| self.fns[*m as usize].def.name == "deref")
        })
    }

    /// The entry of a static or const.
    pub fn static_info(&self, def: DefId) -> Option<&StaticInfo> {
        let entries = self.static_entries.get_or_init(|| {
            self.statics
                .iter()
                .enumerate()
                .map(|(i, s)| (s.def, i))
                .collect()
        });
        entries.get(&def).map(|&i| &self.statics[i])
    }

    /// Fields of a struct or variant; an enum's are all its variants' (`Variant.field`).
    pub fn fields(&self, def: DefId) -> &[Field] {
        match &self.def(def).kind {
            DefKind::Struct { fields, .. } | DefKind::Variant { fields, .. } => fields,
            DefKind::Enum { .. } => self.enum_fields.get(&def).map(Vec::as_slice).unwrap_or(&[]),
            _ => &[],
        }
    }

    pub fn generics_of(&self, def: DefId) -> &[Generic] {
        match &self.def(def).kind {
            DefKind::Struct { generics, .. } | DefKind::Enum { generics, .. } => generics,
            _ => &[],
        }
    }

    /// The `self_def` a function's `Self` means.
    pub fn self_def_of(&self, f: FnId) -> Option<DefId> {
        match self.fns[f as usize].owner {
            FnOwner::Impl { self_def, .. } => self_def,
            FnOwner::Trait(t) => Some(t),
            FnOwner::Free => None,
        }
    }

    /// A human name for a function: `Type::method` or `module::function`.
    pub fn fn_name(&self, f: FnId) -> String {
        let info = &self.fns[f as usize];
        let owner = match info.owner {
            FnOwner::Impl {
                self_def: Some(d), ..
            }
            | FnOwner::Trait(d) => Some(self.def(d).name.clone()),
            // A blanket impl's method is named by its trait.
            FnOwner::Impl {
                self_def: None,
                trait_def: Some(t),
                ..
            } => Some(self.def(t).name.clone()),
            _ => None,
        };
        match owner {
            Some(o) => format!("{o}::{}", info.def.name),
            None => info.def.name.to_string(),
        }
    }
}

/// The analysis's view of a type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A workspace struct or enum.
    Adt(DefId),
    /// `dyn`/`impl` traits or a generic parameter's bounds (workspace traits only).
    Bounds(Vec<DefId>),
    /// A type from outside the workspace (`Arc<T>`, `Option<T>`), by its last segment.
    External(String, Vec<Ty>),
    Tuple(Vec<Ty>),
    Unknown,
}

pub fn strip_refs(t: &TypeRef) -> &TypeRef {
    match t {
        TypeRef::Ref(inner) => strip_refs(inner),
        other => other,
    }
}

/// How many entries each table gets from the lowered items, counting every file once (a file
/// that several crates or `mod`s name is walked again, and the tables grow for it).
#[derive(Default)]
struct TableSizes {
    defs: usize,
    fns: usize,
    statics: usize,
    impls: usize,
}

impl TableSizes {
    fn count(&mut self, items: &[Item]) {
        for item in items {
            self.defs += 1;
            match &item.kind {
                ItemKind::Mod {
                    body: Some(body), ..
                } => self.count(body),
                ItemKind::Enum { variants, .. } => self.defs += variants.len(),
                ItemKind::Trait { methods, .. } => self.count_methods(methods),
                ItemKind::Impl(imp) => {
                    self.impls += 1;
                    self.count_methods(&imp.methods);
                }
                ItemKind::Fn(f) => self.count_methods(std::slice::from_ref(f)),
                ItemKind::Static { .. } => self.statics += 1,
                _ => {}
            }
        }
    }

    fn count_methods(&mut self, methods: &[FnDef]) {
        for m in methods {
            self.fns += 1;
            if let Some(body) = &m.body {
                self.count(&body.items);
            }
        }
    }
}

/// How many times module walking will ask for each file's items: once per path from a crate
/// root through `mod` links (cycles cut, capped).
fn count_uses(
    crates: &[LoadedCrate],
    syntax: &[Option<FileSyntax>],
    links: &ModLinks,
) -> Vec<usize> {
    let children = crate::load::module_children(links);
    let mut counts = vec![0usize; syntax.len()];
    for c in crates {
        let mut stack = vec![(c.root, vec![c.root])];
        while let Some((f, path)) = stack.pop() {
            if f >= counts.len() || counts[f] >= 64 {
                continue;
            }
            counts[f] += 1;
            for &child in children.get(&f).map(Vec::as_slice).unwrap_or(&[]) {
                if !path.contains(&child) {
                    let mut p = path.clone();
                    p.push(child);
                    stack.push((child, p));
                }
            }
        }
    }
    counts
}

/// What an impl block is for, resolved in its module.
#[derive(Default)]
struct ImplTargets {
    self_def: Option<DefId>,
    trait_def: Option<DefId>,
    /// `impl<T: Bounds> Trait for T`: the traits `T` must implement.
    blanket: Option<Vec<DefId>>,
}

fn impl_targets(
    index: &Index,
    module: DefId,
    generics: &[Generic],
    self_ty: &TypeRef,
    trait_: Option<&PathRef>,
) -> ImplTargets {
    let is_trait = |d: DefId| matches!(index.def(d).kind, DefKind::Trait { .. });
    let self_def = match strip_refs(self_ty) {
        TypeRef::Path(p) => index
            .resolve_segments(module, &p.segments, p.global, None, generics)
            .into_iter()
            .find_map(|r| match r {
                Res::Def(d) => match &index.def(d).kind {
                    DefKind::Struct { .. } | DefKind::Enum { .. } => Some(d),
                    DefKind::TypeAlias(t) => index.alias_target(d, t, 0),
                    _ => None,
                },
                _ => None,
            }),
        TypeRef::Bounds(b) => b
            .iter()
            .flat_map(|p| index.resolve_path(module, p, None))
            .find_map(|r| match r {
                Res::Def(d) => Some(d),
                _ => None,
            }),
        _ => None,
    };
    let trait_def = trait_.and_then(|p| {
        index
            .resolve_path(module, p, None)
            .into_iter()
            .find_map(|r| match r {
                Res::Def(d) if is_trait(d) => Some(d),
                _ => None,
            })
    });
    // `impl<T: Bounds> Trait for T`.
    let blanket = match strip_refs(self_ty) {
        TypeRef::Path(p) if trait_def.is_some() && self_def.is_none() => {
            match p.segments.as_slice() {
                [name] => generics.iter().find(|g| g.name == *name).and_then(|g| {
                    let bounds: Vec<DefId> = g
                        .bounds
                        .iter()
                        .flat_map(|b| index.resolve_path(module, b, None))
                        .filter_map(|r| match r {
                            Res::Def(d) if is_trait(d) => Some(d),
                            _ => None,
                        })
                        .collect();
                    (!bounds.is_empty()).then_some(bounds)
                }),
                _ => None,
            }
        }
        _ => None,
    };
    ImplTargets {
        self_def,
        trait_def,
        blanket,
    }
}

/// An impl block waiting for the scopes to be final before its paths resolve.
struct RawImpl {
    module: DefId,
    file: FileId,
    imp: Box<ImplDef>,
}

/// A function's entry; its generics are those of its impl or trait, then its own (moved
/// here: nothing reads a function's own list after indexing).
fn fn_info(
    mut def: FnDef,
    owner: FnOwner,
    module: DefId,
    generics: Vec<Generic>,
    file: FileId,
) -> FnInfo {
    let mut all_generics = generics;
    all_generics.append(&mut def.generics);
    FnInfo {
        def,
        owner,
        module,
        generics: all_generics,
        file,
    }
}

struct Builder<'a> {
    index: Index,
    uses: Vec<PendingUse>,
    raw_impls: Vec<RawImpl>,
    syntax: Vec<Option<FileSyntax>>,
    /// How many more times each file's items will be asked for (a file several `mod`s or
    /// crates name is copied for all but its last use).
    uses_left: Vec<usize>,
    links: &'a ModLinks,
}

impl Builder<'_> {
    fn new_def(&mut self, name: Name, kind: DefKind, module: DefId, span: Span) -> DefId {
        self.index.defs.push(Def {
            name,
            kind,
            module,
            span,
        });
        (self.index.defs.len() - 1) as DefId
    }

    fn bind(&mut self, module: DefId, name: Name, res: Res) {
        let entry = self
            .index
            .scopes
            .entry(module)
            .or_default()
            .names
            .entry(name)
            .or_default();
        if !entry.contains(&res) {
            entry.push(res);
        }
    }

    /// Indexes a module's items; `inline` is the module's path inside `file`.
    fn module_items(&mut self, module: DefId, file: FileId, inline: &[Name], items: Vec<Item>) {
        for item in items {
            let (name, span) = (item.name, item.span);
            match item.kind {
                ItemKind::Mod { body, .. } => {
                    let child = self.new_def(name.clone(), DefKind::Mod, module, span);
                    let crate_root = self
                        .index
                        .scopes
                        .get(&module)
                        .map(|s| s.crate_root)
                        .unwrap_or(module);
                    self.index.scopes.insert(
                        child,
                        Scope {
                            parent: Some(module),
                            crate_root,
                            ..Scope::default()
                        },
                    );
                    self.bind(module, name.clone(), Res::Def(child));
                    let mut child_inline = inline.to_vec();
                    child_inline.push(name);
                    match body {
                        Some(children) => self.module_items(child, file, &child_inline, children),
                        None => {
                            let linked = self.links.get(&(file, child_inline)).copied();
                            if let Some(child_file) = linked {
                                let items = self.file_items(child_file);
                                self.module_items(child, child_file, &[], items);
                            }
                        }
                    }
                }
                ItemKind::Use(trees) => {
                    for tree in trees {
                        self.uses.push(PendingUse { module, tree });
                    }
                }
                ItemKind::ExternCrate { crate_name } => {
                    let res = match self.index.crate_roots.get(crate_name.as_str()) {
                        Some(r) => Res::Def(*r),
                        None => Res::External(vec![crate_name]),
                    };
                    self.bind(module, name, res);
                }
                ItemKind::Struct { fields, generics } => {
                    let d = self.new_def(
                        name.clone(),
                        DefKind::Struct { fields, generics },
                        module,
                        span,
                    );
                    self.bind(module, name, Res::Def(d));
                }
                ItemKind::Enum { variants, generics } => {
                    let names = variants.iter().map(|v| v.name.clone()).collect();
                    let d = self.new_def(
                        name.clone(),
                        DefKind::Enum {
                            variants: names,
                            generics,
                        },
                        module,
                        span,
                    );
                    self.bind(module, name, Res::Def(d));
                    for v in variants {
                        self.new_def(
                            v.name,
                            DefKind::Variant {
                                parent: d,
                                fields: v.fields,
                            },
                            module,
                            v.span,
                        );
                    }
                }
                ItemKind::Trait {
                    supertraits,
                    mut methods,
                    generics,
                    ..
                } => {
                    let nested: Vec<Item> = methods
                        .iter_mut()
                        .filter_map(|m| m.body.as_mut())
                        .flat_map(|b| std::mem::take(&mut b.items))
                        .collect();
                    self.module_items(module, file, inline, nested);
                    let d = self.new_def(
                        name.clone(),
                        DefKind::Trait {
                            supertraits,
                            methods: Vec::new(),
                        },
                        module,
                        span,
                    );
                    self.bind(module, name, Res::Def(d));
                    let fns: Vec<FnId> = methods
                        .into_iter()
                        .map(|m| self.add_fn(m, FnOwner::Trait(d), module, generics.clone(), file))
                        .collect();
                    if let DefKind::Trait { methods, .. } = &mut self.index.defs[d as usize].kind {
                        *methods = fns;
                    }
                }
                ItemKind::Impl(mut imp) => {
                    // Items declared inside methods belong to the module now, before imports
                    // are resolved, like those of free functions.
                    let nested: Vec<Item> = imp
                        .methods
                        .iter_mut()
                        .filter_map(|m| m.body.as_mut())
                        .flat_map(|b| std::mem::take(&mut b.items))
                        .collect();
                    self.raw_impls.push(RawImpl { module, file, imp });
                    self.module_items(module, file, inline, nested);
                }
                ItemKind::Fn(mut f) => {
                    let nested = f.body.as_mut().map(|b| std::mem::take(&mut b.items));
                    let id = self.add_fn(*f, FnOwner::Free, module, Vec::new(), file);
                    let d = self.new_def(name.clone(), DefKind::Fn(id), module, span);
                    self.bind(module, name, Res::Def(d));
                    if let Some(items) = nested {
                        self.module_items(module, file, inline, items);
                    }
                }
                ItemKind::TypeAlias(t) => {
                    let d = self.new_def(name.clone(), DefKind::TypeAlias(t), module, span);
                    self.bind(module, name, Res::Def(d));
                }
                ItemKind::Static { ty, init } => {
                    let d = self.new_def(name.clone(), DefKind::Static, module, span);
                    self.bind(module, name, Res::Def(d));
                    self.index.statics.push(StaticInfo { def: d, ty, init });
                }
                ItemKind::Macro(_) => {}
            }
        }
    }

    /// A file's items: moved out on their last use, copied before.
    fn file_items(&mut self, file: FileId) -> Vec<Item> {
        let left = self.uses_left.get(file).copied().unwrap_or(0);
        if left > 1 {
            self.uses_left[file] -= 1;
            return self.syntax[file]
                .as_ref()
                .map(|s| s.items.clone())
                .unwrap_or_default();
        }
        self.syntax
            .get_mut(file)
            .and_then(Option::take)
            .map(|s| s.items)
            .unwrap_or_default()
    }

    fn add_fn(
        &mut self,
        def: FnDef,
        owner: FnOwner,
        module: DefId,
        generics: Vec<Generic>,
        file: FileId,
    ) -> FnId {
        let info = fn_info(def, owner, module, generics, file);
        self.index.fns.push(info);
        (self.index.fns.len() - 1) as FnId
    }

    /// Imports resolve to a fixpoint: an import may name what another import brings in.
    /// Each round resolves imports against the scopes as the last round left them (in
    /// parallel), then records the results in import order. After the first round only the
    /// imports that can see a change are resolved again: a path's meaning depends only on
    /// the names it looks up (its segments, and the names in the targets of any type alias it
    /// passes through), so an import none of whose names changed would resolve as before,
    /// and recording a result again changes nothing.
    fn resolve_uses(&mut self, rounds: Rounds) {
        use rayon::prelude::*;
        let uses = std::mem::take(&mut self.uses);
        let alias_target_names = self.alias_target_names();
        let mut dirty = vec![true; uses.len()];
        let mut via_alias = vec![false; uses.len()];
        let mut changes: Option<Changes> = None;
        // Sets only grow (an external meaning gives way to a workspace item once), so this
        // ends; the bound is a guard against a bug, far above any real chain of re-exports.
        for _round in 0..256 {
            let index = &self.index;
            let resolved: Vec<Option<(Vec<Res>, bool)>> = uses
                .par_iter()
                .zip(&dirty)
                .map(|(u, &dirty)| {
                    dirty.then(|| {
                        let mut via = false;
                        let res = index.resolve_segments_via(
                            u.module,
                            u.path(),
                            false,
                            None,
                            &[],
                            &mut via,
                        );
                        (res, via)
                    })
                })
                .collect();
            let mut now = Changes::default();
            for ((u, res), via) in uses.iter().zip(resolved).zip(&mut via_alias) {
                let Some((res, through)) = res else {
                    continue;
                };
                *via = through;
                if res.is_empty() {
                    continue;
                }
                let scope = self.index.scopes.entry(u.module).or_default();
                match &u.tree {
                    UseTree::Name { rename, .. } => {
                        let entry = scope.names.entry(rename.clone()).or_default();
                        let mut changed = false;
                        for r in res {
                            // An import never shadows an item of the module itself, and one
                            // external meaning is enough: `use quote::quote;` would otherwise
                            // re-resolve through itself (`quote::quote::quote`…) every round.
                            if matches!(r, Res::External(_)) && !entry.is_empty() {
                                continue;
                            }
                            if !matches!(r, Res::External(_)) {
                                let before = entry.len();
                                entry.retain(|e| !matches!(e, Res::External(_)));
                                changed |= entry.len() != before;
                            }
                            if !entry.contains(&r) {
                                entry.push(r);
                                changed = true;
                            }
                        }
                        if changed {
                            now.record(u.module, rename);
                        }
                    }
                    UseTree::Glob { .. } => {
                        for r in res {
                            if matches!(r, Res::Def(_)) && !scope.globs.contains(&r) {
                                scope.globs.push(r);
                                now.new_globs.insert(u.module);
                            }
                        }
                    }
                }
            }
            self.expand_globs(changes.as_ref(), &mut now);
            if now.is_empty() {
                break;
            }
            if rounds == Rounds::Everything {
                continue;
            }
            let alias_changed = now.names.iter().any(|n| alias_target_names.contains(n));
            for ((u, dirty), via) in uses.iter().zip(&mut dirty).zip(&via_alias) {
                *dirty = u.path().iter().any(|s| now.names.contains(s)) || (*via && alias_changed);
            }
            changes = Some(now);
        }
    }

    /// Every name in the target paths of type aliases.
    fn alias_target_names(&self) -> FxHashSet<Name> {
        let mut names = FxHashSet::default();
        for d in &self.index.defs {
            if let DefKind::TypeAlias(t) = &d.kind {
                if let TypeRef::Path(p) = strip_refs(t) {
                    names.extend(p.segments.iter().cloned());
                }
            }
        }
        names
    }

    /// Copies what each glob import names into the importing module's `glob_names`. With
    /// `last` (what the previous round changed), only globs that are new or whose target
    /// changed are looked at; what they add is recorded in `now`.
    fn expand_globs(&mut self, last: Option<&Changes>, now: &mut Changes) {
        let mut additions: Vec<(DefId, Name, Res)> = Vec::new();
        for (&module, scope) in &self.index.scopes {
            let whole = last.is_none() || now.new_globs.contains(&module);
            for g in &scope.globs {
                let Res::Def(target) = g else { continue };
                // A glob whose target is unchanged since it was last expanded adds nothing.
                let target_changed = last.is_some_and(|c| c.modules.contains(target))
                    || now.modules.contains(target);
                if !whole && !target_changed {
                    continue;
                }
                if let Some(t) = self.index.scopes.get(target) {
                    for (name, res) in t.names.iter().chain(&t.glob_names) {
                        if scope.names.contains_key(name) {
                            continue;
                        }
                        let known = scope.glob_names.get(name);
                        for r in res {
                            if !known.is_some_and(|k| k.contains(r)) {
                                additions.push((module, name.clone(), r.clone()));
                            }
                        }
                    }
                } else if let Some(variants) = self.index.variants_of.get(target) {
                    for &v in variants {
                        let name = &self.index.def(v).name;
                        let known = scope.glob_names.get(name);
                        if !scope.names.contains_key(name)
                            && !known.is_some_and(|k| k.contains(&Res::Def(v)))
                        {
                            additions.push((module, name.clone(), Res::Def(v)));
                        }
                    }
                }
            }
        }
        for (module, name, res) in additions {
            let entry = self
                .index
                .scopes
                .entry(module)
                .or_default()
                .glob_names
                .entry(name.clone())
                .or_default();
            if !entry.contains(&res) {
                entry.push(res);
                now.record(module, &name);
            }
        }
    }

    fn index_variants(&mut self) {
        for (i, d) in self.index.defs.iter().enumerate() {
            if let DefKind::Variant { parent, fields } = &d.kind {
                self.index
                    .variants_of
                    .entry(*parent)
                    .or_default()
                    .push(i as DefId);
                let slots = self.index.enum_fields.entry(*parent).or_default();
                slots.extend(fields.iter().map(|f| Field {
                    name: format!("{}.{}", d.name, f.name).into(),
                    ty: f.ty.clone(),
                    span: f.span,
                }));
            }
        }
    }

    /// Resolves every impl's self type and trait and builds its methods' entries (in
    /// parallel: the scopes are final now), then gives the methods ids in declaration order.
    fn finish_impls(&mut self) {
        use rayon::prelude::*;
        let raw = std::mem::take(&mut self.raw_impls);
        let index = &self.index;
        let first_impl = index.impls.len();
        let built: Vec<(ImplInfo, Vec<FnInfo>, Option<Vec<DefId>>)> = raw
            .into_par_iter()
            .enumerate()
            .map(|(i, RawImpl { module, file, imp })| {
                let ImplDef {
                    generics,
                    self_ty,
                    trait_,
                    methods,
                    assoc_types,
                    ..
                } = *imp;
                let ImplTargets {
                    self_def,
                    trait_def,
                    blanket,
                } = impl_targets(index, module, &generics, &self_ty, trait_.as_ref());
                let owner = FnOwner::Impl {
                    self_def,
                    trait_def,
                    impl_id: first_impl + i,
                };
                let fns = methods
                    .into_iter()
                    .map(|m| fn_info(m, owner.clone(), module, generics.clone(), file))
                    .collect();
                let info = ImplInfo {
                    self_def,
                    trait_def,
                    trait_path: trait_,
                    methods: Vec::new(),
                    assoc_types,
                    module,
                    generics,
                    self_ty,
                };
                (info, fns, blanket)
            })
            .collect();
        self.index.impls.reserve(built.len());
        for (mut info, fns, blanket) in built {
            let impl_id = self.index.impls.len();
            let first_fn = self.index.fns.len() as FnId;
            info.methods = (first_fn..first_fn + fns.len() as FnId).collect();
            self.index.fns.extend(fns);
            if let Some(d) = info.self_def {
                self.index.impls_of.entry(d).or_default().push(impl_id);
            } else if let Some(bounds) = blanket {
                self.index.blanket.push((impl_id, bounds));
            }
            self.index.impls.push(info);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{SourceDb, SourceFile};

    fn index_of(text: &str, rounds: Rounds) -> Index {
        let mut db = SourceDb::default();
        let file = db.add(SourceFile::new("lib.rs".into(), "lib.rs".into(), text));
        let pool = crate::parse::parser_pool(Some(1)).unwrap();
        let syntax = crate::parse::parse_files(&pool, &db, &[file])
            .into_iter()
            .map(|p| p.syntax)
            .collect();
        let krate = LoadedCrate {
            name: "lib".into(),
            package_id: None,
            target_name: "lib".into(),
            edition: "2021".into(),
            root: file,
            kind: "lib".into(),
            package: None,
            manifest: None,
        };
        Index::build_with(&[krate], syntax, &ModLinks::default(), rounds)
    }

    /// Every scope's names, imports and glob imports, by module path.
    fn scopes(index: &Index) -> Vec<String> {
        let mut out: Vec<String> = index
            .scopes
            .iter()
            .map(|(m, s)| {
                let sorted = |names: &HashMap<Name, Meanings>| {
                    let mut v: Vec<_> = names.iter().collect();
                    v.sort();
                    format!("{v:?}")
                };
                format!(
                    "{}: {} {:?} {}",
                    index.def_path(*m).join("::"),
                    sorted(&s.names),
                    s.globs,
                    sorted(&s.glob_names)
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Re-exports through renames, globs of globs, enum-variant globs and a type alias:
    /// several rounds to settle, each adding what the last one made visible.
    const CHAIN: &str = r#"
        pub mod a {
            pub use crate::b::*;
            pub use self::inner::Deep as Renamed;
            pub mod inner {
                pub use crate::c::Deep;
            }
        }
        pub mod b {
            pub use crate::c::*;
            pub type Handle = crate::c::Real;
        }
        pub mod c {
            pub struct Real;
            pub use crate::d::Deep;
            pub use crate::d::*;
        }
        pub mod d {
            pub struct Deep;
            pub enum Kind { One, Two }
            pub use self::Kind::*;
        }
        pub mod user {
            use crate::a::*;
            use crate::a::Renamed as R;
            use crate::a::Handle;
            use crate::a::One;
            use super::a::inner::Deep as D2;
            use std::collections::HashMap;
        }
    "#;

    #[test]
    fn imports_resolved_again_only_where_they_changed_settle_as_when_all_are() {
        let changed = index_of(CHAIN, Rounds::Changed);
        let everything = index_of(CHAIN, Rounds::Everything);
        assert_eq!(scopes(&changed), scopes(&everything));
    }

    #[test]
    fn chained_re_exports_reach_their_items() {
        let index = index_of(CHAIN, Rounds::Changed);
        let user = (0..index.defs.len() as DefId)
            .find(|d| index.def(*d).name == "user")
            .unwrap();
        let names = |name: &str| -> Vec<String> {
            index
                .lookup_in(user, name)
                .iter()
                .map(|r| match r {
                    Res::Def(d) => index.def_path(*d).join("::"),
                    Res::External(p) => format!("external {}", p.join("::")),
                    other => format!("{other:?}"),
                })
                .collect()
        };
        assert_eq!(names("R"), ["lib::d::Deep"]);
        assert_eq!(names("D2"), ["lib::d::Deep"]);
        assert_eq!(names("Handle"), ["lib::b::Handle"]);
        assert_eq!(names("One"), ["lib::d::Kind::One"]);
        // Through three globs.
        assert_eq!(names("Real"), ["lib::c::Real"]);
        assert_eq!(names("Two"), ["lib::d::Kind::Two"]);
        assert_eq!(names("HashMap"), ["external std::collections::HashMap"]);
    }

    #[test]
    fn static_info_finds_each_static_and_const_by_its_def() {
        let index = index_of(
            "pub const A: u8 = 1;\nmod m { pub static B: &str = \"b\"; fn f() { const C: u32 = 3; } }\nstruct NotStatic;\n",
            Rounds::Changed,
        );
        for (def, d) in index.defs.iter().enumerate() {
            let def = def as DefId;
            match index.static_info(def) {
                Some(s) => {
                    assert_eq!(s.def, def);
                    assert!(matches!(d.kind, DefKind::Static), "{}", d.name);
                }
                None => assert!(!matches!(d.kind, DefKind::Static), "{}", d.name),
            }
        }
        let named: Vec<&str> = index
            .statics
            .iter()
            .map(|s| index.def(s.def).name.as_str())
            .collect();
        assert_eq!(named, ["A", "B", "C"]);
    }
}
