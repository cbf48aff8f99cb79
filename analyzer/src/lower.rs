//! Lowering: `syn` syntax → the analyzer's own [`hir`](crate::hir) form.
//!
//! Runs on the thread that parsed the file (syn trees are not `Send`). Bodies become
//! flow-insensitive instruction lists over locals; closures share their parent's locals so
//! captures need no special case. Invariant: lowering never resolves names and never fails;
//! what it cannot read (macro bodies it cannot parse as expressions) is counted, not guessed.

use crate::hir::*;
use crate::source::{FileId, SourceFile, Span};
use compact_str::ToCompactString;
use proc_macro2::Span as PmSpan;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{punctuated::Punctuated, Token};

/// Maps proc-macro2 positions to byte offsets of the original file text.
pub struct SpanMap<'a> {
    pub file: FileId,
    /// The text that was parsed: the whole file, or one function of it.
    pub source: &'a SourceFile,
    /// A stripped byte-order mark shifts columns of the first line by one character.
    pub bom: bool,
    /// Where `source` starts in the file (0 for the whole file).
    pub base: usize,
}

impl SpanMap<'_> {
    pub fn span(&self, span: PmSpan) -> Span {
        let start = span.start();
        let end = span.end();
        Span {
            file: self.file,
            start: (self.base + self.offset(start.line, start.column)) as u32,
            end: (self.base + self.offset(end.line, end.column)) as u32,
        }
    }

    pub fn offset(&self, line: usize, column: usize) -> usize {
        let column = if self.bom && line == 1 {
            column + 1
        } else {
            column
        };
        self.source.offset_of(line, column)
    }
}

pub fn lower_file(file: &syn::File, map: &SpanMap) -> FileSyntax {
    let mut cx = Cx {
        map,
        opaque_macros: 0,
        macros: None,
    };
    let items = within(
        file.items.len(),
        file.items.iter().filter_map(|i| cx.item(i)),
    );
    FileSyntax {
        items,
        opaque_macros: cx.opaque_macros,
    }
}

/// Lowers the items a macro expanded to, read from its text (`map` is that text's).
pub fn lower_expanded_items(items: &[syn::Item], map: &SpanMap) -> Vec<Item> {
    let mut cx = Cx {
        map,
        opaque_macros: 0,
        macros: None,
    };
    items.iter().filter_map(|i| cx.item(i)).collect()
}

/// What an impl's or trait's items hold that the index keeps.
#[derive(Default)]
pub struct Members {
    pub methods: Vec<FnDef>,
    pub assoc_types: Vec<(Name, TypeRef)>,
    pub macros: Vec<MacroCall>,
}

/// Lowers the impl items a macro expanded to.
pub fn lower_expanded_impl_items(items: &[syn::ImplItem], map: &SpanMap) -> Members {
    let mut cx = Cx {
        map,
        opaque_macros: 0,
        macros: None,
    };
    cx.impl_members(items)
}

/// Lowers the trait items a macro expanded to.
pub fn lower_expanded_trait_items(items: &[syn::TraitItem], map: &SpanMap) -> Members {
    let mut cx = Cx {
        map,
        opaque_macros: 0,
        macros: None,
    };
    cx.trait_members(items)
}

struct Cx<'a, 'b, 'h> {
    map: &'a SpanMap<'b>,
    opaque_macros: usize,
    /// The workspace macros a body may invoke (bodies only).
    macros: Option<&'h crate::expand::Scope>,
}

fn is_pub(vis: &syn::Visibility) -> bool {
    !matches!(vis, syn::Visibility::Inherited)
}

impl Cx<'_, '_, '_> {
    fn span(&self, s: PmSpan) -> Span {
        self.map.span(s)
    }

    fn item(&mut self, item: &syn::Item) -> Option<Item> {
        use syn::Item as I;
        let (name, kind, span, vis) = match item {
            I::Mod(m) => {
                let body = m.content.as_ref().map(|(_, items)| {
                    within(items.len(), items.iter().filter_map(|i| self.item(i)))
                });
                let path_attr = m.attrs.iter().find_map(path_attribute);
                (
                    m.ident.to_compact_string(),
                    ItemKind::Mod { body, path_attr },
                    m.ident.span(),
                    &m.vis,
                )
            }
            I::Use(u) => {
                let mut trees = Vec::new();
                flatten_use(&u.tree, &mut Vec::new(), &mut trees);
                (
                    Name::default(),
                    ItemKind::Use(trees),
                    u.use_token.span,
                    &u.vis,
                )
            }
            I::ExternCrate(e) => {
                let name = e
                    .rename
                    .as_ref()
                    .map(|(_, r)| r.to_compact_string())
                    .unwrap_or_else(|| e.ident.to_compact_string());
                (
                    name,
                    ItemKind::ExternCrate {
                        crate_name: e.ident.to_compact_string(),
                    },
                    e.ident.span(),
                    &e.vis,
                )
            }
            I::Struct(s) => (
                s.ident.to_compact_string(),
                ItemKind::Struct {
                    generics: self.generics(&s.generics),
                    fields: self.fields(&s.fields),
                },
                s.ident.span(),
                &s.vis,
            ),
            I::Enum(e) => (
                e.ident.to_compact_string(),
                ItemKind::Enum {
                    generics: self.generics(&e.generics),
                    variants: e
                        .variants
                        .iter()
                        .map(|v| Variant {
                            name: v.ident.to_compact_string(),
                            fields: self.fields(&v.fields),
                            span: self.span(v.ident.span()),
                        })
                        .collect(),
                },
                e.ident.span(),
                &e.vis,
            ),
            I::Union(u) => (
                u.ident.to_compact_string(),
                ItemKind::Struct {
                    generics: self.generics(&u.generics),
                    fields: self.fields(&syn::Fields::Named(u.fields.clone())),
                },
                u.ident.span(),
                &u.vis,
            ),
            I::Trait(t) => {
                let Members {
                    methods, macros, ..
                } = self.trait_members(&t.items);
                let supertraits = t
                    .supertraits
                    .iter()
                    .filter_map(|b| match b {
                        syn::TypeParamBound::Trait(tb) => Some(self.path(&tb.path)),
                        _ => None,
                    })
                    .collect();
                (
                    t.ident.to_compact_string(),
                    ItemKind::Trait {
                        generics: self.generics(&t.generics),
                        supertraits,
                        methods,
                        macros,
                    },
                    t.ident.span(),
                    &t.vis,
                )
            }
            I::Impl(i) => {
                let Members {
                    methods,
                    assoc_types,
                    macros,
                } = self.impl_members(&i.items);
                let kind = ItemKind::Impl(Box::new(ImplDef {
                    generics: self.generics(&i.generics),
                    self_ty: self.ty(&i.self_ty),
                    trait_: i.trait_.as_ref().map(|(_, p, _)| self.path(p)),
                    methods,
                    assoc_types,
                    macros,
                }));
                return Some(Item {
                    name: Name::default(),
                    kind,
                    span: self.span(i.impl_token.span),
                    is_pub: false,
                });
            }
            I::Fn(f) => (
                f.sig.ident.to_compact_string(),
                ItemKind::Fn(Box::new(self.fn_def(&f.sig, Some(&f.block)))),
                f.sig.ident.span(),
                &f.vis,
            ),
            I::Type(t) => (
                t.ident.to_compact_string(),
                ItemKind::TypeAlias(self.ty(&t.ty)),
                t.ident.span(),
                &t.vis,
            ),
            I::Static(s) => (
                s.ident.to_compact_string(),
                ItemKind::Static {
                    ty: self.ty(&s.ty),
                    init: Some(Box::new(self.lazy_expr(s.eq_token.span, s.semi_token.span))),
                },
                s.ident.span(),
                &s.vis,
            ),
            I::Const(c) => (
                c.ident.to_compact_string(),
                ItemKind::Static {
                    ty: self.ty(&c.ty),
                    init: Some(Box::new(self.lazy_expr(c.eq_token.span, c.semi_token.span))),
                },
                c.ident.span(),
                &c.vis,
            ),
            I::Macro(m) => {
                let name = m
                    .ident
                    .as_ref()
                    .map(|i| i.to_compact_string())
                    .unwrap_or_default();
                let at = match (&m.ident, m.mac.path.segments.last()) {
                    (Some(ident), _) => ident.span(),
                    (None, Some(last)) => last.ident.span(),
                    (None, None) => m.mac.bang_token.span,
                };
                let call = self.macro_call(&m.mac);
                let kind = if m.ident.is_some() && m.mac.path.is_ident("macro_rules") {
                    MacroItem::Rules {
                        rules: call.tokens,
                        exported: m.attrs.iter().any(|a| a.path().is_ident("macro_export")),
                    }
                } else {
                    MacroItem::Call(call)
                };
                return Some(Item {
                    name,
                    kind: ItemKind::Macro(Box::new(kind)),
                    span: self.span(at),
                    is_pub: false,
                });
            }
            _ => return None,
        };
        Some(Item {
            name,
            kind,
            span: self.span(span),
            is_pub: is_pub(vis),
        })
    }

    fn impl_members(&mut self, items: &[syn::ImplItem]) -> Members {
        let mut members = Members {
            methods: Vec::with_capacity(items.len()),
            ..Members::default()
        };
        for ii in items {
            match ii {
                syn::ImplItem::Fn(f) => members.methods.push(self.fn_def(&f.sig, Some(&f.block))),
                syn::ImplItem::Type(t) => members
                    .assoc_types
                    .push((t.ident.to_compact_string(), self.ty(&t.ty))),
                syn::ImplItem::Macro(m) => members.macros.push(self.macro_call(&m.mac)),
                _ => {}
            }
        }
        members
    }

    fn trait_members(&mut self, items: &[syn::TraitItem]) -> Members {
        let mut members = Members {
            methods: within(
                items.len(),
                items.iter().filter_map(|ti| match ti {
                    syn::TraitItem::Fn(f) => Some(self.fn_def(&f.sig, f.default.as_ref())),
                    _ => None,
                }),
            ),
            ..Members::default()
        };
        for ti in items {
            if let syn::TraitItem::Macro(m) = ti {
                members.macros.push(self.macro_call(&m.mac));
            }
        }
        members
    }

    fn macro_call(&self, mac: &syn::Macro) -> MacroCall {
        let delimiters = match &mac.delimiter {
            syn::MacroDelimiter::Paren(p) => p.span,
            syn::MacroDelimiter::Brace(b) => b.span,
            syn::MacroDelimiter::Bracket(b) => b.span,
        };
        let first = mac
            .path
            .segments
            .first()
            .map(|s| s.ident.span())
            .unwrap_or(mac.bang_token.span);
        let close = self.span(delimiters.close());
        MacroCall {
            path: mac
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_compact_string())
                .collect(),
            tokens: TextRange {
                file: self.map.file,
                text: self.map.source.text.clone(),
                start: self.span(delimiters.open()).end,
                end: close.start,
            },
            span: Span {
                end: close.end,
                ..self.span(first)
            },
        }
    }

    fn generics(&self, g: &syn::Generics) -> Vec<Generic> {
        let mut out: Vec<Generic> = within(
            g.params.len(),
            g.type_params().map(|tp| Generic {
                name: tp.ident.to_compact_string(),
                bounds: self.bounds(tp.bounds.iter()),
            }),
        );
        if let Some(wc) = &g.where_clause {
            for pred in &wc.predicates {
                if let syn::WherePredicate::Type(pt) = pred {
                    if let syn::Type::Path(tp) = &pt.bounded_ty {
                        if let Some(ident) = tp.path.get_ident() {
                            let bounds = self.bounds(pt.bounds.iter());
                            if let Some(g) = out.iter_mut().find(|g| *ident == g.name) {
                                g.bounds.extend(bounds);
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn bounds<'a>(
        &self,
        bounds: impl ExactSizeIterator<Item = &'a syn::TypeParamBound>,
    ) -> Vec<PathRef> {
        within(
            bounds.len(),
            bounds.filter_map(|b| match b {
                syn::TypeParamBound::Trait(tb) => Some(self.path(&tb.path)),
                _ => None,
            }),
        )
    }

    fn fields(&self, fields: &syn::Fields) -> Vec<Field> {
        fields
            .iter()
            .enumerate()
            .map(|(i, f)| Field {
                name: f
                    .ident
                    .as_ref()
                    .map(|i| i.to_compact_string())
                    .unwrap_or_else(|| i.to_compact_string()),
                ty: self.ty(&f.ty),
                span: self.span(
                    f.ident
                        .as_ref()
                        .map(|i| i.span())
                        .unwrap_or_else(|| f.ty.span()),
                ),
            })
            .collect()
    }

    fn path(&self, p: &syn::Path) -> PathRef {
        let segments = p
            .segments
            .iter()
            .map(|s| s.ident.to_compact_string())
            .collect();
        let args = match p.segments.last().map(|s| &s.arguments) {
            Some(syn::PathArguments::AngleBracketed(a)) => within(
                a.args.len(),
                a.args.iter().filter_map(|ga| match ga {
                    syn::GenericArgument::Type(t) => Some(self.ty(t)),
                    _ => None,
                }),
            ),
            _ => Vec::new(),
        };
        PathRef {
            segments,
            args,
            global: p.leading_colon.is_some(),
        }
    }

    fn ty(&self, t: &syn::Type) -> TypeRef {
        use syn::Type as T;
        match t {
            T::Path(tp) => {
                if let Some(q) = &tp.qself {
                    // `<T as Trait>::Assoc`: the analysis only needs to know it is opaque.
                    let _ = q;
                    return TypeRef::Unknown;
                }
                if tp.path.is_ident("Self") {
                    return TypeRef::SelfType;
                }
                TypeRef::Path(self.path(&tp.path))
            }
            T::Reference(r) => TypeRef::Ref(Box::new(self.ty(&r.elem))),
            T::Ptr(p) => TypeRef::Ref(Box::new(self.ty(&p.elem))),
            T::Paren(p) => self.ty(&p.elem),
            T::Group(g) => self.ty(&g.elem),
            T::TraitObject(o) => TypeRef::Bounds(self.bounds(o.bounds.iter())),
            T::ImplTrait(i) => TypeRef::Bounds(self.bounds(i.bounds.iter())),
            T::Tuple(t) => TypeRef::Tuple(t.elems.iter().map(|e| self.ty(e)).collect()),
            T::Slice(s) => TypeRef::Slice(Box::new(self.ty(&s.elem))),
            T::Array(a) => TypeRef::Slice(Box::new(self.ty(&a.elem))),
            _ => TypeRef::Unknown,
        }
    }

    fn fn_def(&mut self, sig: &syn::Signature, block: Option<&syn::Block>) -> FnDef {
        let has_self = sig.receiver().is_some();
        let ret = match &sig.output {
            syn::ReturnType::Default => TypeRef::Tuple(Vec::new()),
            syn::ReturnType::Type(_, t) => self.ty(t),
        };
        let params = within(
            sig.inputs.len(),
            sig.inputs.iter().filter_map(|input| match input {
                syn::FnArg::Typed(pt) => Some(Param {
                    ty: self.ty(&pt.ty),
                }),
                syn::FnArg::Receiver(_) => None,
            }),
        );
        let body = block.map(|b| {
            let source = BodySource {
                file: self.map.file,
                text: self.map.source.text.clone(),
                start: self.span(sig.fn_token.span).start,
                end: self.span(b.brace_token.span.close()).end,
                form: BodyForm::Fn,
                macros: None,
            };
            let written = source
                .text
                .get(source.start as usize..source.end as usize)
                .unwrap_or_default();
            let mut items = Vec::new();
            // Walking every block for the few that declare items costs more than reading
            // their text for an item keyword.
            if may_declare_items(written.get(2..).unwrap_or_default()) {
                let mut nested = NestedItems::default();
                nested.visit_block(b);
                items = within(
                    nested.items.len(),
                    nested.items.iter().filter_map(|i| self.item(i)),
                );
            }
            LazyBody::new(source, items)
        });
        FnDef {
            name: sig.ident.to_compact_string(),
            span: self.span(sig.ident.span()),
            generics: self.generics(&sig.generics),
            has_self,
            params,
            ret,
            body,
            is_async: sig.asyncness.is_some(),
        }
    }

    /// A static's or const's initializer: the text between `=` and `;`.
    fn lazy_expr(&self, eq: PmSpan, semi: PmSpan) -> LazyBody {
        let source = BodySource {
            file: self.map.file,
            text: self.map.source.text.clone(),
            start: self.span(eq).end,
            end: self.span(semi).start,
            form: BodyForm::Expr,
            macros: None,
        };
        LazyBody::new(source, Vec::new())
    }

    /// Lowers a function's parameters and block into one body.
    fn fn_body(&mut self, sig: &syn::Signature, block: &syn::Block) -> Body {
        let mut body_cx = BodyCx::new(self);
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(_) => {
                    let local = body_cx.new_named("self");
                    body_cx.body.self_local = Some(local);
                    body_cx.bind_name("self", local);
                }
                syn::FnArg::Typed(pt) => {
                    let local = body_cx.new_temp();
                    body_cx.bind_pat(&pt.pat, local);
                    body_cx.body.param_locals.push(local);
                }
            }
        }
        let value = body_cx.block(block);
        let ret = body_cx.body.ret;
        body_cx.copy(ret, value);
        let mut body = body_cx.finish();
        // Nested items were read with the file (see `fn_def`).
        body.items.clear();
        body
    }

    fn expr_body(&mut self, e: &syn::Expr) -> Body {
        let mut body_cx = BodyCx::new(self);
        let value = body_cx.expr(e);
        let ret = body_cx.body.ret;
        body_cx.copy(ret, value);
        body_cx.finish()
    }
}

/// `#[path = "x"]`, or the first `path = "x"` inside `#[cfg_attr(pred, path = "x")]` (the
/// analysis includes cfg-gated code, so the first alternative that exists is taken).
fn path_attribute(attr: &syn::Attribute) -> Option<String> {
    if attr.path().is_ident("path") {
        return match &attr.meta {
            syn::Meta::NameValue(nv) => str_value(&nv.value),
            _ => None,
        };
    }
    if !attr.path().is_ident("cfg_attr") {
        return None;
    }
    let nested = attr
        .parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
        .ok()?;
    nested.iter().skip(1).find_map(|m| match m {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => str_value(&nv.value),
        _ => None,
    })
}

fn str_value(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Collects at most `n` elements into a vector allocated once. A vector collected from a
/// filtered iterator starts with room for four and doubles: lowered syntax lives for the
/// whole run, and on a large workspace that spare room was a good part of what it kept.
/// Nothing is allocated when nothing passes the filter (`fn clone(&self)` has no typed
/// parameter; `impl<'a>` no type parameter).
fn within<T>(n: usize, elements: impl Iterator<Item = T>) -> Vec<T> {
    let mut elements = elements.peekable();
    if elements.peek().is_none() {
        return Vec::new();
    }
    let mut v = Vec::with_capacity(n);
    v.extend(elements);
    v
}

fn flatten_use(tree: &syn::UseTree, prefix: &mut Vec<Name>, out: &mut Vec<UseTree>) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_compact_string());
            flatten_use(&p.tree, prefix, out);
            prefix.pop();
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_compact_string();
            let mut path = prefix.clone();
            // `use a::b::{self}` imports `b`.
            let rename = if name == "self" {
                prefix.last().cloned().unwrap_or_default()
            } else {
                path.push(name.clone());
                name
            };
            out.push(UseTree::Name { path, rename });
        }
        syn::UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_compact_string());
            }
            out.push(UseTree::Name {
                path,
                rename: r.rename.to_compact_string(),
            });
        }
        syn::UseTree::Glob(_) => out.push(UseTree::Glob {
            path: prefix.clone(),
        }),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix, out);
            }
        }
    }
}

/// Lowers a body kept as text ([`LazyBody`]): re-parses it and lowers it with the spans it
/// would have had with its file. A panic comes back as the error (reported as an internal
/// error naming the item).
pub fn lower_lazy_body(source: &BodySource, name: &str) -> Result<Body, String> {
    crate::guard::guarded(|| {
        crate::guard::maybe_inject("lower", || name.to_string());
        let range = source.start as usize..source.end as usize;
        let text = source
            .text
            .get(range)
            .ok_or_else(|| "the body lies outside its file".to_string())?;
        let local = SourceFile::new(String::new(), std::path::PathBuf::new(), text);
        let map = SpanMap {
            file: source.file,
            source: &local,
            bom: false,
            base: source.start as usize,
        };
        let mut cx = Cx {
            map: &map,
            opaque_macros: 0,
            macros: source.macros.as_ref(),
        };
        let reread = |e: syn::Error| format!("could not read the body again: {e}");
        let body = match source.form {
            BodyForm::Fn => syn::parse::Parser::parse_str(parse_fn_text, text)
                .map(|(sig, block)| cx.fn_body(&sig, &block)),
            BodyForm::Expr => syn::parse_str(text).map(|e| cx.expr_body(&e)),
        };
        let body = body.map_err(reread);
        crate::parse::forget_parsed_text();
        body
    })
    .and_then(|lowered| lowered)
}

/// `fn name(..) -> T { #![inner] stmts }`: a signature and a block that may hold inner
/// attributes (`syn::Block`'s own parser rejects them).
fn parse_fn_text(input: syn::parse::ParseStream) -> syn::Result<(syn::Signature, syn::Block)> {
    let sig: syn::Signature = input.parse()?;
    let content;
    let brace_token = syn::braced!(content in input);
    content.call(syn::Attribute::parse_inner)?;
    let stmts = content.call(syn::Block::parse_within)?;
    Ok((sig, syn::Block { brace_token, stmts }))
}

/// Whether `text` has a keyword that starts an item the index keeps (as a whole word; in a
/// string or comment it only costs a walk of the block).
fn may_declare_items(text: &str) -> bool {
    static KEYWORDS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> =
        std::sync::OnceLock::new();
    let Some(keywords) = KEYWORDS
        .get_or_init(|| {
            aho_corasick::AhoCorasick::new([
                "fn", "struct", "enum", "union", "trait", "impl", "mod", "use", "static", "const",
                "type", "extern",
            ])
            .ok()
        })
        .as_ref()
    else {
        return true;
    };
    let bytes = text.as_bytes();
    let word_byte = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    keywords
        .find_iter(text)
        .any(|m| (m.start() == 0 || !word_byte(m.start() - 1)) && !word_byte(m.end()))
}

/// The items declared anywhere inside a block, not looking into the items themselves.
#[derive(Default)]
struct NestedItems<'ast> {
    items: Vec<&'ast syn::Item>,
}

impl<'ast> Visit<'ast> for NestedItems<'ast> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        self.items.push(item);
    }
}

/// Lowers one body; scopes map names to the innermost binding.
struct BodyCx<'c, 'a, 'b, 'h> {
    cx: &'c mut Cx<'a, 'b, 'h>,
    body: Body,
    scopes: Vec<Vec<(String, Local)>>,
    /// Where `return` writes: the function's return local, or the innermost closure's.
    return_targets: Vec<Local>,
    /// How deeply the workspace macro being lowered is nested in others.
    expansion_depth: u32,
}

/// Macros whose value is the collection of their arguments.
const COLLECTING_MACROS: &[&str] = &["vec", "array"];

/// Macros whose value is their argument (`std::pin::pin!(fut)`, `dbg!(x)`): to the analysis,
/// for which containers pass their elements through, a one-element collection.
const PASSING_MACROS: &[&str] = &["pin", "dbg"];

impl<'c, 'a, 'b, 'h> BodyCx<'c, 'a, 'b, 'h> {
    fn new(cx: &'c mut Cx<'a, 'b, 'h>) -> Self {
        let mut body = Body {
            local_names: vec![String::new()],
            ..Body::default()
        };
        body.ret = 1;
        body.local_names.push("<return>".into());
        BodyCx {
            cx,
            body,
            scopes: vec![Vec::new()],
            return_targets: vec![1],
            expansion_depth: 0,
        }
    }

    fn finish(self) -> Body {
        self.body
    }

    fn span(&self, s: PmSpan) -> Span {
        self.cx.span(s)
    }

    fn new_named(&mut self, name: &str) -> Local {
        self.body.local_names.push(name.to_string());
        (self.body.local_names.len() - 1) as Local
    }

    fn new_temp(&mut self) -> Local {
        self.new_named("")
    }

    fn bind_name(&mut self, name: &str, local: Local) {
        if let Some(scope) = self.scopes.last_mut() {
            scope.push((name.to_string(), local));
        }
    }

    fn lookup(&self, name: &str) -> Option<Local> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == name)
            .map(|(_, l)| *l)
    }

    fn copy(&mut self, dst: Local, src: Local) {
        if src != NOTHING && dst != NOTHING && src != dst {
            self.body.insts.push(Inst::Copy { dst, src });
        }
    }

    fn push(&mut self, inst: Inst) {
        self.body.insts.push(inst);
    }

    fn with_scope<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        self.scopes.push(Vec::new());
        let out = f(self);
        self.scopes.pop();
        out
    }

    fn block(&mut self, b: &syn::Block) -> Local {
        self.with_scope(|this| {
            let mut last = NOTHING;
            for (i, stmt) in b.stmts.iter().enumerate() {
                let value = this.stmt(stmt);
                let is_tail = i + 1 == b.stmts.len();
                last = if is_tail { value } else { NOTHING };
            }
            last
        })
    }

    fn stmt(&mut self, s: &syn::Stmt) -> Local {
        match s {
            syn::Stmt::Local(l) => {
                let value = match &l.init {
                    Some(init) => {
                        self.note_into_target(&l.pat, &init.expr);
                        let v = self.expr(&init.expr);
                        if let Some((_, diverge)) = &init.diverge {
                            self.expr(diverge);
                        }
                        v
                    }
                    None => NOTHING,
                };
                // A `let` without initializer is assigned later by name.
                let target = if value == NOTHING {
                    self.new_temp()
                } else {
                    value
                };
                self.bind_pat(&l.pat, target);
                NOTHING
            }
            syn::Stmt::Item(item) => {
                if let Some(i) = self.cx.item(item) {
                    self.body.items.push(i);
                }
                NOTHING
            }
            syn::Stmt::Expr(e, semi) => {
                let v = self.expr(e);
                if semi.is_some() {
                    NOTHING
                } else {
                    v
                }
            }
            syn::Stmt::Macro(m) => match self.expansion(&m.mac) {
                Some(expanded) => self.expanded_stmts(expanded),
                None => self.mac(&m.mac),
            },
        }
    }

    /// `let b: T = x.into();`: the conversion's target is `T`.
    fn note_into_target(&mut self, pat: &syn::Pat, init: &syn::Expr) {
        let (syn::Pat::Type(typed), syn::Expr::MethodCall(call)) = (pat, init) else {
            return;
        };
        if call.method == "into" && call.args.is_empty() && call.turbofish.is_none() {
            let span = self.span(expr_span(init));
            let ty = self.cx.ty(&typed.ty);
            self.body.into_targets.push((span, ty));
        }
    }

    /// Binds the names of a pattern to the parts of `src`.
    fn bind_pat(&mut self, p: &syn::Pat, src: Local) {
        use syn::Pat as P;
        match p {
            P::Ident(pi) => {
                let local = self.new_named(&pi.ident.to_string());
                self.copy(local, src);
                self.bind_name(&pi.ident.to_string(), local);
                if let Some((_, sub)) = &pi.subpat {
                    self.bind_pat(sub, src);
                }
            }
            P::Type(pt) => self.bind_pat(&pt.pat, src),
            P::Reference(r) => self.bind_pat(&r.pat, src),
            P::Paren(pp) => self.bind_pat(&pp.pat, src),
            P::Tuple(t) => {
                for e in &t.elems {
                    self.bind_pat(e, src);
                }
            }
            P::Slice(s) => {
                for e in &s.elems {
                    self.bind_pat(e, src);
                }
            }
            P::Or(o) => {
                for c in &o.cases {
                    self.bind_pat(c, src);
                }
            }
            P::TupleStruct(ts) => {
                let path = self.cx.path(&ts.path);
                for (i, e) in ts.elems.iter().enumerate() {
                    let part = self.pat_field(src, &path, i.to_string(), e.span());
                    self.bind_pat(e, part);
                }
            }
            P::Struct(ps) => {
                let path = self.cx.path(&ps.path);
                for fp in &ps.fields {
                    let name = match &fp.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    let part = self.pat_field(src, &path, name, fp.span());
                    self.bind_pat(&fp.pat, part);
                }
            }
            _ => {}
        }
    }

    fn pat_field(&mut self, base: Local, path: &PathRef, field: String, span: PmSpan) -> Local {
        if base == NOTHING {
            return NOTHING;
        }
        let dst = self.new_temp();
        let span = self.span(span);
        self.push(Inst::PatField {
            dst,
            base,
            path: path.clone(),
            field,
            span,
        });
        dst
    }

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e syn::Expr>) -> Vec<Local> {
        es.into_iter().map(|e| self.expr(e)).collect()
    }

    fn collect(&mut self, elems: Vec<Local>) -> Local {
        let elems: Vec<Local> = elems.into_iter().filter(|l| *l != NOTHING).collect();
        match elems.len() {
            0 => NOTHING,
            1 => elems[0],
            _ => {
                let dst = self.new_temp();
                self.push(Inst::Collect { dst, elems });
                dst
            }
        }
    }

    fn expr(&mut self, e: &syn::Expr) -> Local {
        use syn::Expr as E;
        match e {
            E::Path(p) => self.path_expr(p),
            E::Field(f) => {
                let base = self.expr(&f.base);
                let field = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                let dst = self.new_temp();
                let span = self.span(expr_span(e));
                self.push(Inst::Field {
                    dst,
                    base,
                    field,
                    span,
                });
                dst
            }
            E::MethodCall(m) => {
                let recv = self.expr(&m.receiver);
                let recv_place = self.place(&m.receiver);
                let args = self.exprs(&m.args);
                let dst = self.new_temp();
                let span = self.span(expr_span(e));
                let method_span = self.span(m.method.span());
                self.push(Inst::CallMethod {
                    dst,
                    recv,
                    recv_place,
                    method: m.method.to_string(),
                    args,
                    span,
                    method_span,
                });
                dst
            }
            E::Call(c) => {
                let args = self.exprs(&c.args);
                let dst = self.new_temp();
                let span = self.span(expr_span(e));
                match &*c.func {
                    E::Path(p) if p.qself.is_none() && self.local_path(&p.path).is_none() => {
                        let path = self.cx.path(&p.path);
                        self.push(Inst::CallPath {
                            dst,
                            path,
                            args,
                            span,
                        });
                    }
                    func => {
                        let callee = self.expr(func);
                        self.push(Inst::CallValue {
                            dst,
                            callee,
                            args,
                            span,
                        });
                    }
                }
                dst
            }
            E::Struct(s) => {
                let path = self.cx.path(&s.path);
                let fields = s
                    .fields
                    .iter()
                    .map(|fv| {
                        let name = match &fv.member {
                            syn::Member::Named(n) => n.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        };
                        (name, self.expr(&fv.expr))
                    })
                    .collect();
                let base = s.rest.as_ref().map(|r| self.expr(r));
                let dst = self.new_temp();
                let span = self.span(expr_span(e));
                self.push(Inst::Struct {
                    dst,
                    path,
                    fields,
                    base,
                    span,
                });
                dst
            }
            E::Reference(r) => self.expr(&r.expr),
            E::RawAddr(r) => self.expr(&r.expr),
            E::Paren(p) => self.expr(&p.expr),
            E::Group(g) => self.expr(&g.expr),
            E::Cast(c) => self.expr(&c.expr),
            E::Try(t) => self.expr(&t.expr),
            E::Await(a) => self.expr(&a.base),
            E::Unary(u) => {
                let v = self.expr(&u.expr);
                match u.op {
                    syn::UnOp::Deref(_) => v,
                    _ => NOTHING,
                }
            }
            E::Binary(b) => {
                self.expr(&b.left);
                self.expr(&b.right);
                NOTHING
            }
            E::Block(b) => self.block(&b.block),
            E::Unsafe(u) => self.block(&u.block),
            E::Const(c) => self.block(&c.block),
            E::Async(a) => self.block(&a.block),
            E::TryBlock(t) => self.block(&t.block),
            E::If(i) => self.with_scope(|this| {
                this.expr(&i.cond);
                let result = this.new_temp();
                let then = this.block(&i.then_branch);
                this.copy(result, then);
                if let Some((_, els)) = &i.else_branch {
                    let v = this.expr(els);
                    this.copy(result, v);
                }
                result
            }),
            E::Let(l) => {
                let v = self.expr(&l.expr);
                self.bind_pat(&l.pat, v);
                NOTHING
            }
            E::Match(m) => {
                let scrutinee = self.expr(&m.expr);
                let result = self.new_temp();
                for arm in &m.arms {
                    self.with_scope(|this| {
                        this.bind_pat(&arm.pat, scrutinee);
                        if let Some((_, guard)) = &arm.guard {
                            this.expr(guard);
                        }
                        let v = this.expr(&arm.body);
                        this.copy(result, v);
                    });
                }
                result
            }
            E::ForLoop(f) => {
                let iter = self.expr(&f.expr);
                self.with_scope(|this| {
                    this.bind_pat(&f.pat, iter);
                    this.block(&f.body);
                });
                NOTHING
            }
            E::While(w) => {
                self.with_scope(|this| {
                    this.expr(&w.cond);
                    this.block(&w.body);
                });
                NOTHING
            }
            E::Loop(l) => {
                self.block(&l.body);
                NOTHING
            }
            E::Closure(c) => self.closure(c),
            E::Assign(a) => {
                let value = self.expr(&a.right);
                self.assign(&a.left, value);
                NOTHING
            }
            E::Return(r) => {
                if let Some(e) = &r.expr {
                    let v = self.expr(e);
                    let target = *self.return_targets.last().unwrap_or(&NOTHING);
                    self.copy(target, v);
                }
                NOTHING
            }
            E::Break(b) => {
                if let Some(e) = &b.expr {
                    self.expr(e);
                }
                NOTHING
            }
            E::Array(a) => {
                let elems = self.exprs(&a.elems);
                self.collect(elems)
            }
            E::Tuple(t) => {
                let elems = self.exprs(&t.elems);
                self.collect(elems)
            }
            E::Repeat(r) => self.expr(&r.expr),
            E::Index(i) => {
                self.expr(&i.index);
                self.expr(&i.expr)
            }
            E::Range(r) => {
                if let Some(s) = &r.start {
                    self.expr(s);
                }
                if let Some(e) = &r.end {
                    self.expr(e);
                }
                NOTHING
            }
            E::Macro(m) => match self.expansion(&m.mac) {
                Some(expanded) => self.expanded_stmts(expanded),
                None => self.mac(&m.mac),
            },
            E::Yield(y) => {
                if let Some(e) = &y.expr {
                    self.expr(e);
                }
                NOTHING
            }
            _ => NOTHING,
        }
    }

    /// A single-segment path naming a local binding.
    fn local_path(&self, p: &syn::Path) -> Option<Local> {
        let ident = p.get_ident()?;
        self.lookup(&ident.to_string())
    }

    fn path_expr(&mut self, p: &syn::ExprPath) -> Local {
        if p.qself.is_none() {
            if let Some(local) = self.local_path(&p.path) {
                return local;
            }
        }
        let path = self.cx.path(&p.path);
        let dst = self.new_temp();
        let span = self.span(p.span());
        self.push(Inst::PathValue { dst, path, span });
        dst
    }

    /// The place an expression denotes, for calls that write into their receiver.
    fn place(&self, e: &syn::Expr) -> Option<Place> {
        match e {
            syn::Expr::Path(p) if p.qself.is_none() => match self.local_path(&p.path) {
                Some(l) => Some(Place::Local(l)),
                None => Some(Place::Path(self.cx.path(&p.path))),
            },
            syn::Expr::Paren(p) => self.place(&p.expr),
            syn::Expr::Reference(r) => self.place(&r.expr),
            syn::Expr::Unary(u) => self.place(&u.expr),
            // `self.entries.insert(k, v)` stores into the field of what `self` holds.
            syn::Expr::Field(f) => {
                let syn::Expr::Path(base) = &*f.base else {
                    return None;
                };
                let local = base
                    .qself
                    .is_none()
                    .then(|| self.local_path(&base.path))??;
                let field = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                Some(Place::Field(local, field))
            }
            _ => None,
        }
    }

    fn assign(&mut self, lhs: &syn::Expr, value: Local) {
        match lhs {
            syn::Expr::Path(p) => {
                if let Some(local) = self.local_path(&p.path) {
                    self.copy(local, value);
                }
            }
            syn::Expr::Field(f) => {
                let base = self.expr(&f.base);
                let field = match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                };
                if base != NOTHING && value != NOTHING {
                    self.push(Inst::Store {
                        base,
                        field,
                        src: value,
                    });
                }
            }
            syn::Expr::Unary(u) => self.assign(&u.expr, value),
            syn::Expr::Paren(p) => self.assign(&p.expr, value),
            syn::Expr::Index(i) => self.assign(&i.expr, value),
            _ => {
                self.expr(lhs);
            }
        }
    }

    fn closure(&mut self, c: &syn::ExprClosure) -> Local {
        let ret = self.new_named("<closure return>");
        let start = c
            .movability
            .map(|m| m.span)
            .or(c.asyncness.map(|a| a.span))
            .or(c.capture.map(|m| m.span))
            .unwrap_or(c.or1_token.span);
        let span = self.span(start.join(expr_end(&c.body)).unwrap_or(start));
        let params = self.with_scope(|this| {
            let params: Vec<Local> = c
                .inputs
                .iter()
                .map(|p| {
                    let local = this.new_temp();
                    this.bind_pat(p, local);
                    local
                })
                .collect();
            this.return_targets.push(ret);
            let v = this.expr(&c.body);
            this.copy(ret, v);
            this.return_targets.pop();
            params
        });
        let index = self.body.closures.len() as u32;
        self.body.closures.push(ClosureDef { params, ret, span });
        let dst = self.new_temp();
        self.push(Inst::Closure {
            dst,
            closure: index,
        });
        dst
    }

    /// The expansion of a workspace macro, as tokens spanned in this body's text: what the
    /// invocation wrote keeps its place, what the macro wrote is placed at the `!`.
    fn expansion(&mut self, m: &syn::Macro) -> Option<proc_macro2::TokenStream> {
        if self.expansion_depth >= crate::expand::RECURSION_LIMIT {
            return None;
        }
        let at = self.span(m.bang_token.span);
        self.cx.macros?.expand_in_body(m, at.file, at.start)
    }

    /// Lowers an expansion in place, read as statements (an expression is one): its
    /// bindings join the current scope (hygiene is approximated). The value is that of its
    /// tail expression.
    fn expanded_stmts(&mut self, tokens: proc_macro2::TokenStream) -> Local {
        let Ok(stmts) = syn::parse::Parser::parse2(syn::Block::parse_within, tokens) else {
            self.cx.opaque_macros += 1;
            return NOTHING;
        };
        self.expansion_depth += 1;
        let mut last = NOTHING;
        for (i, stmt) in stmts.iter().enumerate() {
            let value = self.stmt(stmt);
            last = if i + 1 == stmts.len() { value } else { NOTHING };
        }
        self.expansion_depth -= 1;
        last
    }

    /// Macro arguments are lowered as expressions where they parse as such.
    fn mac(&mut self, m: &syn::Macro) -> Local {
        let name = m.path.segments.last().map(|s| s.ident.to_string());
        let parsed = m.parse_body_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated);
        let elems = match parsed {
            Ok(args) => self.exprs(&args),
            Err(_) => match m.parse_body_with(parse_repeat) {
                Ok((value, count)) => {
                    self.expr(&count);
                    vec![self.expr(&value)]
                }
                Err(_) => {
                    if !m.tokens.is_empty() {
                        self.cx.opaque_macros += 1;
                    }
                    return NOTHING;
                }
            },
        };
        match name.as_deref() {
            Some(n) if COLLECTING_MACROS.contains(&n) || PASSING_MACROS.contains(&n) => {
                self.collect(elems)
            }
            _ => NOTHING,
        }
    }
}

/// `vec![value; count]`
fn parse_repeat(input: syn::parse::ParseStream) -> syn::Result<(syn::Expr, syn::Expr)> {
    let value: syn::Expr = input.parse()?;
    input.parse::<Token![;]>()?;
    let count: syn::Expr = input.parse()?;
    Ok((value, count))
}

/// The span of an expression from its first to its last token, found by walking down to the
/// leftmost and rightmost leaves: `Spanned::span` prints the whole expression to find them,
/// which makes long method chains and deep closures quadratic.
fn expr_span(e: &syn::Expr) -> PmSpan {
    let (start, end) = (expr_start(e), expr_end(e));
    start.join(end).unwrap_or(start)
}

fn expr_start(mut e: &syn::Expr) -> PmSpan {
    use syn::Expr as E;
    loop {
        e = match e {
            E::MethodCall(m) => &m.receiver,
            E::Field(f) => &f.base,
            E::Call(c) => &c.func,
            E::Index(i) => &i.expr,
            E::Try(t) => &t.expr,
            E::Await(a) => &a.base,
            E::Cast(c) => &c.expr,
            E::Binary(b) => &b.left,
            E::Range(r) => match &r.start {
                Some(s) => s,
                None => return r.limits.span(),
            },
            E::Assign(a) => &a.left,
            E::Path(p) => {
                return match (&p.qself, p.path.leading_colon, p.path.segments.first()) {
                    (Some(q), _, _) => q.lt_token.span,
                    (None, Some(c), _) => c.spans[0],
                    (None, None, Some(s)) => s.ident.span(),
                    _ => p.span(),
                }
            }
            E::Paren(p) => return p.paren_token.span.open(),
            E::Block(b) if b.label.is_none() => return b.block.brace_token.span.open(),
            E::Lit(l) => return l.lit.span(),
            E::Reference(r) => return r.and_token.span,
            E::Closure(c) => {
                return c
                    .movability
                    .map(|m| m.span)
                    .or(c.asyncness.map(|a| a.span))
                    .or(c.capture.map(|m| m.span))
                    .unwrap_or(c.or1_token.span)
            }
            E::Macro(m) => {
                return m
                    .mac
                    .path
                    .segments
                    .first()
                    .map(|s| s.ident.span())
                    .unwrap_or_else(|| m.span())
            }
            other => return other.span(),
        };
    }
}

fn expr_end(mut e: &syn::Expr) -> PmSpan {
    use syn::Expr as E;
    loop {
        e = match e {
            E::Closure(c) => &c.body,
            E::Binary(b) => &b.right,
            E::Unary(u) => &u.expr,
            E::Reference(r) => &r.expr,
            E::Assign(a) => &a.right,
            E::Range(r) => match &r.end {
                Some(end) => end,
                None => return r.limits.span(),
            },
            E::MethodCall(m) => return m.paren_token.span.close(),
            E::Call(c) => return c.paren_token.span.close(),
            E::Field(f) => return f.member.span(),
            E::Index(i) => return i.bracket_token.span.close(),
            E::Try(t) => return t.question_token.span,
            E::Await(a) => return a.await_token.span,
            E::Paren(p) => return p.paren_token.span.close(),
            E::Block(b) => return b.block.brace_token.span.close(),
            E::Struct(s) => return s.brace_token.span.close(),
            E::Lit(l) => return l.lit.span(),
            E::Path(p) => {
                return p
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.span())
                    .unwrap_or_else(|| p.span())
            }
            E::Macro(m) => {
                return match &m.mac.delimiter {
                    syn::MacroDelimiter::Paren(p) => p.span.close(),
                    syn::MacroDelimiter::Brace(b) => b.span.close(),
                    syn::MacroDelimiter::Bracket(b) => b.span.close(),
                }
            }
            other => return other.span(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::may_declare_items;

    #[test]
    fn item_keywords_are_found_as_whole_words_only() {
        assert!(!may_declare_items(
            "(c: &C) { let user = c.used(); typed(user) }"
        ));
        assert!(!may_declare_items("() { self.impl_name.fn_ptr.constant }"));
        assert!(may_declare_items(
            "() { #[derive(Debug)] pub(crate) enum E { A } }"
        ));
        assert!(may_declare_items("() { struct Local; }"));
        assert!(may_declare_items("() -> impl Client { client }"));
        assert!(may_declare_items("() {\n    use std::fmt;\n}"));
        assert!(may_declare_items("() { r#type }"));
    }
}
