//! The analyzer's own syntax: what lowering keeps of a `syn` tree, with spans as byte offsets.
//!
//! `syn` trees are not `Send`, so each file is lowered to this form on the thread that parsed
//! it; bodies are kept as text and lowered when first needed ([`LazyBody`]).
//! Invariant: nothing here refers to `syn` or `proc_macro2`; paths are still unresolved
//! strings (resolution is the index stage's job); every span is a byte range in its file,
//! the same whether a body was lowered with its file or later.

use crate::source::Span;
use std::sync::{Arc, OnceLock};

/// An identifier or path segment: stored inline up to 24 bytes (so almost always), because
/// a large workspace keeps millions of them for the whole run and a heap block each was a
/// good part of what lowering cost.
pub type Name = compact_str::CompactString;

/// A path's segments: most paths have one, kept inline.
pub type Segments = smallvec::SmallVec<[Name; 1]>;

/// A path as written: `crate::imps::Facade`, `Self::new`, `super::x`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PathRef {
    pub segments: Segments,
    /// Generic arguments of the last segment that are types (`Arc<dyn Client>` → `dyn Client`).
    pub args: Vec<TypeRef>,
    /// `::std::...`: starts at the crate roots.
    pub global: bool,
}

impl PathRef {
    pub fn last(&self) -> &str {
        self.segments.last().map(Name::as_str).unwrap_or("")
    }

    pub fn display(&self) -> String {
        self.segments.join("::")
    }
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeRef {
    Path(PathRef),
    /// `&T`, `&mut T`, `*const T`.
    Ref(Box<TypeRef>),
    /// `dyn A + B`; `impl A + B` is the same for the analysis.
    Bounds(Vec<PathRef>),
    Tuple(Vec<TypeRef>),
    /// `[T]`, `[T; N]`.
    Slice(Box<TypeRef>),
    /// `Self`
    SelfType,
    Unknown,
}

#[derive(Clone, Debug)]
pub struct Generic {
    pub name: Name,
    pub bounds: Vec<PathRef>,
}

#[derive(Clone, Debug)]
pub struct Field {
    /// Field name, or its index for tuple structs.
    pub name: Name,
    pub ty: TypeRef,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Variant {
    pub name: Name,
    pub fields: Vec<Field>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum UseTree {
    /// `a::b` imported as `rename` (the last segment when not renamed).
    Name { path: Vec<Name>, rename: Name },
    /// `a::b::*`
    Glob { path: Vec<Name> },
}

#[derive(Clone, Debug)]
pub struct Item {
    pub name: Name,
    pub kind: ItemKind,
    /// The item's name; for items without one, its keyword (`use`, `impl`) or, for a macro,
    /// the macro's name. Never the whole item: `syn` computes that by printing it to tokens.
    pub span: Span,
    pub is_pub: bool,
}

#[derive(Clone, Debug)]
pub enum ItemKind {
    /// `mod x;` (body `None`) or `mod x { … }`.
    Mod {
        body: Option<Vec<Item>>,
        path_attr: Option<String>,
    },
    Use(Vec<UseTree>),
    ExternCrate {
        crate_name: Name,
    },
    Struct {
        generics: Vec<Generic>,
        fields: Vec<Field>,
    },
    Enum {
        generics: Vec<Generic>,
        variants: Vec<Variant>,
    },
    Trait {
        generics: Vec<Generic>,
        supertraits: Vec<PathRef>,
        methods: Vec<FnDef>,
        /// Macro invocations among the trait's items (expanded before indexing).
        macros: Vec<MacroCall>,
    },
    /// Boxed, like functions and initializers: an item is as large as its largest kind, and
    /// a large workspace keeps hundreds of thousands of items for the whole run.
    Impl(Box<ImplDef>),
    Fn(Box<FnDef>),
    TypeAlias(TypeRef),
    /// `static`/`const` with its initializer lowered as a body.
    Static {
        ty: TypeRef,
        init: Option<Box<LazyBody>>,
    },
    /// A `macro_rules!` definition, or a macro invocation where items are expected (the
    /// expansion stage replaces the invocations of workspace macros with their items).
    Macro(Box<MacroItem>),
}

#[derive(Clone, Debug)]
pub enum MacroItem {
    /// `macro_rules! name { rules }`: the text between the braces.
    Rules {
        rules: TextRange,
        exported: bool,
    },
    Call(MacroCall),
}

/// `path!(tokens)` in item, impl-member or trait-member position.
#[derive(Clone, Debug)]
pub struct MacroCall {
    pub path: Vec<Name>,
    /// The text between the delimiters.
    pub tokens: TextRange,
    /// From the path to the closing delimiter.
    pub span: Span,
}

/// A range of a file's text, kept without copying it.
#[derive(Clone, Debug)]
pub struct TextRange {
    pub file: crate::source::FileId,
    pub text: Arc<String>,
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn as_str(&self) -> &str {
        self.text
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

#[derive(Clone, Debug)]
pub struct ImplDef {
    pub generics: Vec<Generic>,
    pub self_ty: TypeRef,
    pub trait_: Option<PathRef>,
    pub methods: Vec<FnDef>,
    /// `type Target = X;` and other associated types.
    pub assoc_types: Vec<(Name, TypeRef)>,
    /// Macro invocations among the impl's items (expanded before indexing).
    pub macros: Vec<MacroCall>,
}

#[derive(Clone, Debug)]
pub struct FnDef {
    pub name: Name,
    pub span: Span,
    /// Its own type parameters; indexing moves them to the end of `FnInfo::generics`, after
    /// those of its impl or trait.
    pub generics: Vec<Generic>,
    /// Whether the function takes `self` in any form.
    pub has_self: bool,
    pub params: Vec<Param>,
    pub ret: TypeRef,
    /// `None` for a required trait method (no block).
    pub body: Option<LazyBody>,
    pub is_async: bool,
}

impl FnDef {
    /// The lowered body, lowered on first use (`None`: no block, or lowering it failed).
    pub fn lowered(&self) -> Option<&Body> {
        self.body.as_ref()?.lowered(&self.name)
    }
}

#[derive(Clone, Debug)]
pub struct Param {
    pub ty: TypeRef,
}

/// A function's block or a static's initializer, kept as text until the analysis needs it:
/// most code of a workspace never touches a client, and lowering all of it cost more than
/// parsing it.
#[derive(Clone, Debug)]
pub struct LazyBody {
    pub source: BodySource,
    /// Items declared inside a function's block (read eagerly: the index needs them all).
    pub items: Vec<Item>,
    /// Boxed: most bodies are never lowered, and every function carries this slot.
    lowered: OnceLock<Result<Box<Body>, String>>,
}

/// Where the text of a body lives, and what it is.
#[derive(Clone, Debug)]
pub struct BodySource {
    pub file: crate::source::FileId,
    pub text: Arc<String>,
    pub start: u32,
    pub end: u32,
    pub form: BodyForm,
    /// The workspace macros the body may invoke (set by the expansion stage).
    pub macros: Option<crate::expand::Scope>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyForm {
    /// `fn name(params) -> T { .. }`, from `fn` to the closing brace.
    Fn,
    /// The expression after a static's or const's `=`.
    Expr,
}

impl LazyBody {
    pub fn new(source: BodySource, items: Vec<Item>) -> Self {
        LazyBody {
            source,
            items,
            lowered: OnceLock::new(),
        }
    }

    /// Lowers the body on first use; a panic while lowering is kept as the error.
    pub fn lowered(&self, name: &str) -> Option<&Body> {
        self.lowered
            .get_or_init(|| crate::lower::lower_lazy_body(&self.source, name).map(Box::new))
            .as_deref()
            .ok()
    }

    /// Why lowering failed, once it was tried.
    pub fn lowering_error(&self) -> Option<&str> {
        self.lowered.get()?.as_ref().err().map(String::as_str)
    }
}

/// A local variable or temporary of one body.
pub type Local = u32;

/// The local that never holds anything (literals, unit, operators on non-references).
pub const NOTHING: Local = 0;

#[derive(Clone, Debug, Default)]
pub struct Body {
    /// Names for locals (temporaries are empty); index = `Local`.
    pub local_names: Vec<String>,
    pub insts: Vec<Inst>,
    pub closures: Vec<ClosureDef>,
    pub self_local: Option<Local>,
    /// The locals bound to the function's parameters, in order (not `self`).
    pub param_locals: Vec<Local>,
    pub ret: Local,
    /// Nested items (fns and types declared inside a static's initializer).
    pub items: Vec<Item>,
    /// `x.into()` calls whose target type is written where their value goes
    /// (`let b: T = x.into();`), by the call's span.
    pub into_targets: Vec<(Span, TypeRef)>,
}

#[derive(Clone, Debug)]
pub struct ClosureDef {
    pub params: Vec<Local>,
    pub ret: Local,
    pub span: Span,
}

/// Where a mutating call writes: `x.push(v)` writes into `x`.
#[derive(Clone, Debug)]
pub enum Place {
    Local(Local),
    Field(Local, String),
    Path(PathRef),
}

/// One flow-insensitive fact of a body. Every expression's value lives in a local.
#[derive(Clone, Debug)]
pub enum Inst {
    /// `dst = src` (moves, copies, borrows, derefs, `?`, `.await`, branches joining).
    Copy { dst: Local, src: Local },
    /// Struct literal `P { f: a, ..base }`.
    Struct {
        dst: Local,
        path: PathRef,
        fields: Vec<(String, Local)>,
        base: Option<Local>,
        span: Span,
    },
    /// `dst = base.field`
    Field {
        dst: Local,
        base: Local,
        field: String,
        span: Span,
    },
    /// A pattern `P(x)` / `P { f: x }` reading from `base`: a field read when `P` is a
    /// struct, the value itself when `P` is an enum variant.
    PatField {
        dst: Local,
        base: Local,
        path: PathRef,
        field: String,
        span: Span,
    },
    /// `base.field = src`
    Store {
        base: Local,
        field: String,
        src: Local,
    },
    /// `path(args)`: functions, associated functions, tuple-struct constructors, variants.
    CallPath {
        dst: Local,
        path: PathRef,
        args: Vec<Local>,
        span: Span,
    },
    /// `recv.method(args)`
    CallMethod {
        dst: Local,
        recv: Local,
        recv_place: Option<Place>,
        method: String,
        args: Vec<Local>,
        span: Span,
        method_span: Span,
    },
    /// `callee(args)` where the callee is a value (a closure).
    CallValue {
        dst: Local,
        callee: Local,
        args: Vec<Local>,
        span: Span,
    },
    /// A path used as a value: a static, a unit struct, a function item.
    PathValue {
        dst: Local,
        path: PathRef,
        span: Span,
    },
    /// `|params| body`: the closure's value.
    Closure { dst: Local, closure: u32 },
    /// `vec![..]`, arrays, tuples: `dst` holds every element.
    Collect { dst: Local, elems: Vec<Local> },
}

/// What lowering found in one file.
#[derive(Debug, Default)]
pub struct FileSyntax {
    pub items: Vec<Item>,
    /// Macro invocations whose arguments could not be read as expressions.
    pub opaque_macros: usize,
}
