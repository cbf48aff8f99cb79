//! Abstract objects, values, tags and contexts of the flow analysis, all interned.
//!
//! Invariant: the number of distinct objects is finite: heap contexts keep at most
//! [`HEAP_DEPTH`] object kinds and [`MAX_HEAP_CTX`] kinds in all (call sites of functions
//! without `self` do not use up the object depth), and materialized objects nest at most
//! [`SYM_DEPTH`] deep,
//! so every fixpoint over them terminates (recursive types and recursion included). A value
//! built by a value of its own type (builder methods returning `Self`) takes its creator's
//! context rather than deepening it, so N such methods make N objects per context, not N^3.

use crate::index::{DefId, FnId};
use crate::source::Span;
// Interned keys are hashed on every lookup of the solver's hot loop: Fx, not SipHash (no
// untrusted keys here, and the order of a map is never observed).
use rustc_hash::FxHashMap as HashMap;
use std::hash::Hash;

pub type KindId = u32;
pub type ObjId = u32;
pub type ValId = u32;
pub type TagId = u32;

pub const HEAP_DEPTH: usize = 2;
/// Call-site kinds are kept on top of the object kinds, up to this many kinds in all: a
/// factory chain (`connect()` calling `Client::new()`) must not merge what every caller of
/// the chain builds into one object.
pub const MAX_HEAP_CTX: usize = 5;
pub const SYM_DEPTH: u8 = 4;

/// Which body an instance runs: a function, or a static's initializer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BodyId {
    Fn(FnId),
    Static(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ObjKind {
    /// A struct literal or tuple-struct constructor, in body `body`.
    Alloc { site: Span, ty: DefId, body: BodyId },
    /// A value of a declared type whose origin the analysis cannot see (entry-point
    /// parameters, fields of such values): materialized from the declaration.
    Sym {
        ty: DefId,
        origin: SymOrigin,
        depth: u8,
    },
    /// A client of unknown concrete type (`dyn Client`, `impl Client`, `C: Client`).
    Opaque {
        traits: Vec<DefId>,
        origin: SymOrigin,
        depth: u8,
    },
    /// A closure value, remembering the instance it was created in.
    Closure {
        body: BodyId,
        closure: u32,
        ctx: ObjOrNone,
        /// The tag of the instance it was created in, which runs it.
        tag: Option<TagId>,
    },
    /// Not a value: the context of a function without `self`, one per call site, so that
    /// what a constructor allocates for one caller never merges with another's.
    CallSite { site: Span },
    /// `Some(..)` (true) or `None` (false), made on paths the workspace runs, for rules
    /// that name a registration's watcher (see `Flow::track_presence`).
    Presence(bool),
}

pub type ObjOrNone = Option<ObjId>;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SymOrigin {
    /// The receiver of methods of a type analysed as an entry point.
    EntrySelf,
    /// Parameter `index` of function `f` analysed as an entry point.
    Param(FnId, usize),
    /// Field `name` of object `of`.
    Field(ObjId, String),
    /// The result of a call at `site` whose body is not visible.
    Return(Span, ObjOrNone),
    /// The contents of a static.
    Static(DefId),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Obj {
    pub kind: KindId,
    /// Allocation kinds of the receiver that created this object, innermost first.
    pub heap_ctx: Vec<KindId>,
    /// The bypass point of the tag the creating instance's receiver carried: a builder made
    /// from a bypassing view is not the builder made through a tracked route.
    pub prov: Option<Span>,
}

/// How a client was derived from a client that still had the tracker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepKind {
    /// `facade.inner`
    FieldRead,
    /// `facade.method()` returning a client
    Call,
    /// auto-deref through `impl Deref for Facade`
    Deref,
}

/// Provenance carried by a client value derived from a facade-bearing client.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The client whose chain held the tracker.
    pub facade: ObjId,
    /// Where the tracker was lost (refined to the outermost step inside the facade's impl).
    pub bypass: Span,
    /// The body the bypass point lies in.
    pub bypass_in: BodyId,
    pub bypass_kind: StepKind,
    /// The object the derived value was built from at the bypass point.
    pub built_from: ObjId,
    /// Where code outside the facade obtained the derived client.
    pub obtained: Option<Span>,
    pub obtained_in: Option<BodyId>,
}

pub struct Interner<T: Hash + Eq + Clone> {
    items: Vec<T>,
    ids: HashMap<T, u32>,
}

impl<T: Hash + Eq + Clone> Default for Interner<T> {
    fn default() -> Self {
        Interner {
            items: Vec::new(),
            ids: HashMap::default(),
        }
    }
}

/// Field names are looked up by `&str` on every field access: no `String` is built unless
/// the name is new.
impl Interner<String> {
    pub fn intern_str(&mut self, name: &str) -> u32 {
        match self.ids.get(name) {
            Some(&id) => id,
            None => self.intern(name.to_string()).0,
        }
    }

    pub fn lookup_str(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }
}

impl<T: Hash + Eq + Clone> Interner<T> {
    pub fn intern(&mut self, item: T) -> (u32, bool) {
        if let Some(&id) = self.ids.get(&item) {
            return (id, false);
        }
        let id = self.items.len() as u32;
        self.items.push(item.clone());
        self.ids.insert(item, id);
        (id, true)
    }

    pub fn lookup(&self, item: &T) -> Option<u32> {
        self.ids.get(item).copied()
    }

    pub fn get(&self, id: u32) -> &T {
        &self.items[id as usize]
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (u32, &T)> {
        self.items.iter().enumerate().map(|(i, t)| (i as u32, t))
    }
}

/// A value: an object, with the provenance tag it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value {
    pub obj: ObjId,
    pub tag: Option<TagId>,
}
