//! Expansion of the `macro_rules!` macros the workspace defines, between loading and
//! indexing.
//!
//! Invocations in item, impl-member and trait-member position are replaced by the items
//! they expand to; bodies that invoke a workspace macro in statement or expression position
//! are lowered here, expanding it, instead of lazily. Each expansion is printed as a text of
//! its own in the [`SourceDb`] and analysed like a file; spans in it are mapped back to the
//! invocation before anything is reported ([`SourceDb::original_span`]).
//!
//! Invariants: nothing is expanded that the workspace does not define (std's and external
//! crates' macros are read by `lower` as before); an invocation that no rule matches stays
//! as it was and is counted; expansions nest at most [`RECURSION_LIMIT`] deep (rustc's
//! default); expansion order, and so every file id, follows file order.
//!
//! Scoping is approximated: a name means the nearest earlier definition in the same file,
//! else the crate's definition of that name; `crate::name!`/`other_crate::name!` mean the
//! `#[macro_export]`ed one. Hygiene is approximated too: a `let` the macro writes joins the
//! scope it expands in.

mod mbe;
mod text;

use crate::hir::{FileSyntax, FnDef, Item, ItemKind, MacroCall, MacroItem, Name};
use crate::load::LoadedCrate;
use crate::lower::{BodyMacros, SpanMap};
use crate::source::{ExpansionOrigin, FileId, SourceDb, SourceFile, Span};
use mbe::MacroRules;
use proc_macro2::TokenStream;
use std::collections::HashMap;
use std::sync::Arc;

/// How deep expansions may nest (rustc's default `recursion_limit`).
pub const RECURSION_LIMIT: u32 = 128;

struct Definition {
    krate: usize,
    file: FileId,
    offset: u32,
    exported: bool,
    rules: Arc<MacroRules>,
}

/// The workspace's macro definitions, by name.
#[derive(Default)]
struct Macros {
    by_name: HashMap<Name, Vec<Definition>>,
    /// Each crate's name as other crates write it in paths.
    crate_names: Vec<String>,
}

/// What the stage did, for `-v` and the tests.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExpansionStats {
    /// Invocations of workspace macros replaced by their expansion.
    pub expanded: usize,
    /// Invocations of workspace macros that no rule matched, or that nested too deep.
    pub unexpanded: usize,
    /// Definitions whose rules could not be read.
    pub unreadable: usize,
}

/// Expands the workspace's macros in `syntax` (indexed by file; grows with the expansions'
/// files, which belong to no crate in `owners`).
pub fn expand_workspace(
    crates: &[LoadedCrate],
    syntax: &mut Vec<Option<FileSyntax>>,
    owners: &mut Vec<Option<usize>>,
    db: &mut SourceDb,
) -> ExpansionStats {
    let mut stats = ExpansionStats::default();
    let macros = collect(crates, syntax, owners, &mut stats);
    if macros.by_name.is_empty() {
        return stats;
    }
    let mut expander = Expander {
        macros: &macros,
        db,
        crate_of: owners.clone(),
        depth: HashMap::new(),
        stats,
    };
    for (file, parsed) in syntax.iter_mut().enumerate() {
        let owned = expander.crate_of.get(file).copied().flatten().is_some();
        if let (true, Some(parsed)) = (owned, parsed.as_mut()) {
            expander.items(&mut parsed.items);
        }
    }
    // Bodies: those of files read from disk and of item expansions alike.
    let names = aho_corasick::AhoCorasick::new(macros.by_name.keys().map(|n| n.as_str())).ok();
    if let Some(names) = names.as_ref() {
        for parsed in syntax.iter().flatten() {
            visit_bodies(&parsed.items, &mut |f| expander.body(f, names));
        }
    }
    let added = expander.db.len().saturating_sub(syntax.len());
    syntax.extend((0..added).map(|_| None));
    owners.resize(expander.db.len(), None);
    crate::parse::forget_parsed_text();
    expander.stats
}

fn collect(
    crates: &[LoadedCrate],
    syntax: &[Option<FileSyntax>],
    owners: &[Option<usize>],
    stats: &mut ExpansionStats,
) -> Macros {
    let mut macros = Macros {
        by_name: HashMap::new(),
        crate_names: crates
            .iter()
            .map(|c| c.target_name.replace('-', "_"))
            .collect(),
    };
    for (file, parsed) in syntax.iter().enumerate() {
        let (Some(parsed), Some(Some(krate))) = (parsed, owners.get(file)) else {
            continue;
        };
        let mut definitions = Vec::new();
        definitions_in(&parsed.items, &mut definitions);
        for (name, rules, exported) in definitions {
            let read = rules
                .as_str()
                .parse::<TokenStream>()
                .map_err(|e| e.to_string())
                .and_then(MacroRules::parse);
            let Ok(read) = read else {
                stats.unreadable += 1;
                continue;
            };
            macros
                .by_name
                .entry(name.clone())
                .or_default()
                .push(Definition {
                    krate: *krate,
                    file,
                    offset: rules.start,
                    exported,
                    rules: Arc::new(read),
                });
        }
    }
    crate::parse::forget_parsed_text();
    macros
}

fn definitions_in(items: &[Item], out: &mut Vec<(Name, crate::hir::TextRange, bool)>) {
    for item in items {
        match &item.kind {
            ItemKind::Macro(m) => {
                if let MacroItem::Rules { rules, exported } = &**m {
                    out.push((item.name.clone(), rules.clone(), *exported));
                }
            }
            ItemKind::Mod { body: Some(b), .. } => definitions_in(b, out),
            _ => {}
        }
    }
}

/// Calls `f` on every function with a body in `items`, nested modules and items included.
fn visit_bodies(items: &[Item], f: &mut dyn FnMut(&FnDef)) {
    let each = |def: &FnDef, f: &mut dyn FnMut(&FnDef)| {
        f(def);
        if let Some(body) = &def.body {
            visit_bodies(&body.items, f);
        }
    };
    for item in items {
        match &item.kind {
            ItemKind::Mod { body: Some(b), .. } => visit_bodies(b, f),
            ItemKind::Fn(def) => each(def, f),
            ItemKind::Impl(imp) => imp.methods.iter().for_each(|m| each(m, f)),
            ItemKind::Trait { methods, .. } => methods.iter().for_each(|m| each(m, f)),
            _ => {}
        }
    }
}

/// Whether `text` invokes one of the names: the name as a whole word, then `!`.
fn mentions_invocation(text: &str, names: &aho_corasick::AhoCorasick) -> bool {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    names.find_overlapping_iter(text).any(|m| {
        (m.start() == 0 || !word(bytes[m.start() - 1]))
            && bytes.get(m.end()).is_none_or(|b| !word(*b))
            && text[m.end()..].trim_start().starts_with('!')
    })
}

struct Expander<'m, 'd> {
    macros: &'m Macros,
    db: &'d mut SourceDb,
    /// The crate of every file, expansions included (an expansion's is its invocation's).
    crate_of: Vec<Option<usize>>,
    /// How deeply each expansion's file is nested in others.
    depth: HashMap<FileId, u32>,
    stats: ExpansionStats,
}

impl Expander<'_, '_> {
    /// The definition an invocation at `file`/`offset` in `krate` means.
    fn resolve(
        &self,
        path: &[Name],
        krate: usize,
        file: FileId,
        offset: u32,
    ) -> Option<&Definition> {
        let name = path.last()?;
        let candidates = self.macros.by_name.get(name)?;
        if path.len() == 1 {
            let in_file = candidates
                .iter()
                .filter(|d| d.file == file && d.offset < offset)
                .max_by_key(|d| d.offset);
            return in_file
                .or_else(|| candidates.iter().rev().find(|d| d.krate == krate))
                .or_else(|| {
                    let mut exported = candidates.iter().filter(|d| d.exported);
                    exported.next().filter(|_| exported.next().is_none())
                });
        }
        let target = match path[0].as_str() {
            "crate" | "self" | "super" => krate,
            other => self.macros.crate_names.iter().position(|c| c == other)?,
        };
        candidates
            .iter()
            .find(|d| d.krate == target && (d.exported || target == krate))
    }

    /// Expands one invocation into a file of its own: its id and text.
    fn expand(
        &mut self,
        path: &[Name],
        input: &TokenStream,
        call: Span,
        written_at: &dyn Fn(proc_macro2::Span) -> Span,
    ) -> Option<(FileId, String)> {
        let krate = self.crate_of.get(call.file).copied().flatten()?;
        let definition = self.resolve(path, krate, call.file, call.start)?;
        let depth = self.depth.get(&call.file).copied().unwrap_or(0) + 1;
        let crate_path = if definition.krate == krate {
            "crate".to_string()
        } else {
            self.macros.crate_names[definition.krate].clone()
        };
        let expanded = (depth <= RECURSION_LIMIT)
            .then(|| definition.rules.expand(input, &crate_path))
            .flatten();
        let Some(tokens) = expanded else {
            self.stats.unexpanded += 1;
            return None;
        };
        let printed = text::print(&tokens, written_at);
        let origin = self.db.original_span(call);
        let name = format!(
            "<expansion of `{}!` in {} at byte {}>",
            path.last().map(|n| n.as_str()).unwrap_or_default(),
            self.db.get(origin.file).name,
            origin.start
        );
        let file = self.db.add_expansion(
            name,
            printed.text.clone(),
            ExpansionOrigin {
                call,
                tokens: printed.tokens,
            },
        );
        self.crate_of.resize(file + 1, None);
        self.crate_of[file] = Some(krate);
        self.depth.insert(file, depth);
        self.stats.expanded += 1;
        Some((file, printed.text))
    }

    /// Expands an invocation written where items are expected: its tokens are re-read from
    /// the invocation's text.
    fn expand_call(&mut self, call: &MacroCall) -> Option<(FileId, String)> {
        let krate = self.crate_of.get(call.tokens.file).copied().flatten()?;
        self.resolve(&call.path, krate, call.span.file, call.span.start)?;
        let input: TokenStream = call.tokens.as_str().parse().ok()?;
        let local = SourceFile::new(String::new(), Default::default(), call.tokens.as_str());
        let map = SpanMap {
            file: call.tokens.file,
            source: &local,
            bom: false,
            base: call.tokens.start as usize,
        };
        self.expand(&call.path, &input, call.span, &|s| map.span(s))
    }

    fn items(&mut self, items: &mut Vec<Item>) {
        let mut i = 0;
        while i < items.len() {
            match &mut items[i].kind {
                ItemKind::Macro(m) => {
                    if let MacroItem::Call(call) = &**m {
                        let call = call.clone();
                        if let Some(expanded) = self.expanded_items(&call) {
                            // The new items are looked at in turn: they may invoke macros.
                            items.splice(i..i + 1, expanded);
                            continue;
                        }
                    }
                }
                ItemKind::Mod { body: Some(b), .. } => self.items(b),
                ItemKind::Impl(imp) => {
                    let mut todo = std::mem::take(&mut imp.macros);
                    while let Some(call) = pop_front(&mut todo) {
                        if let Some(members) = self.expanded_members(&call, Position::Impl) {
                            imp.methods.extend(members.methods);
                            imp.assoc_types.extend(members.assoc_types);
                            todo.extend(members.macros);
                        } else {
                            imp.macros.push(call);
                        }
                    }
                }
                ItemKind::Trait {
                    methods, macros, ..
                } => {
                    let mut todo = std::mem::take(macros);
                    while let Some(call) = pop_front(&mut todo) {
                        if let Some(members) = self.expanded_members(&call, Position::Trait) {
                            methods.extend(members.methods);
                            todo.extend(members.macros);
                        } else {
                            macros.push(call);
                        }
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn expanded_items(&mut self, call: &MacroCall) -> Option<Vec<Item>> {
        let (file, text) = self.expand_call(call)?;
        let parsed = syn::parse_file(&text).ok();
        let items = parsed.map(|parsed| {
            let source = self.db.get(file);
            let map = SpanMap {
                file,
                source,
                bom: false,
                base: 0,
            };
            crate::lower::lower_expanded_items(&parsed.items, &map)
        });
        crate::parse::forget_parsed_text();
        if items.is_none() {
            self.stats.unexpanded += 1;
            self.stats.expanded -= 1;
        }
        items
    }

    fn expanded_members(
        &mut self,
        call: &MacroCall,
        position: Position,
    ) -> Option<crate::lower::Members> {
        let (file, text) = self.expand_call(call)?;
        let map = |source| SpanMap {
            file,
            source,
            bom: false,
            base: 0,
        };
        let members = match position {
            Position::Impl => syn::parse::Parser::parse_str(many::<syn::ImplItem>, &text)
                .ok()
                .map(|items| {
                    crate::lower::lower_expanded_impl_items(&items, &map(self.db.get(file)))
                }),
            Position::Trait => syn::parse::Parser::parse_str(many::<syn::TraitItem>, &text)
                .ok()
                .map(|items| {
                    crate::lower::lower_expanded_trait_items(&items, &map(self.db.get(file)))
                }),
        };
        crate::parse::forget_parsed_text();
        if members.is_none() {
            self.stats.unexpanded += 1;
            self.stats.expanded -= 1;
        }
        members
    }

    /// Lowers a body that invokes a workspace macro, expanding it.
    fn body(&mut self, def: &FnDef, names: &aho_corasick::AhoCorasick) {
        let Some(body) = &def.body else {
            return;
        };
        let text = body
            .source
            .text
            .get(body.source.start as usize..body.source.end as usize)
            .unwrap_or_default();
        if !mentions_invocation(text, names) {
            return;
        }
        let source = body.source.clone();
        let lowered = crate::lower::lower_body_expanding(&source, &def.name, Some(self));
        body.set_lowered(lowered);
    }
}

#[derive(Clone, Copy)]
enum Position {
    Impl,
    Trait,
}

fn pop_front<T>(v: &mut Vec<T>) -> Option<T> {
    (!v.is_empty()).then(|| v.remove(0))
}

fn many<T: syn::parse::Parse>(input: syn::parse::ParseStream) -> syn::Result<Vec<T>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(input.parse()?);
    }
    Ok(out)
}

impl BodyMacros for Expander<'_, '_> {
    fn expand(&mut self, mac: &syn::Macro, map: &SpanMap) -> Option<(FileId, String)> {
        let path: Vec<Name> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string().into())
            .collect();
        let first = mac.path.segments.first()?.ident.span();
        let close = match &mac.delimiter {
            syn::MacroDelimiter::Paren(p) => p.span.close(),
            syn::MacroDelimiter::Brace(b) => b.span.close(),
            syn::MacroDelimiter::Bracket(b) => b.span.close(),
        };
        let call = Span {
            end: map.span(close).end,
            ..map.span(first)
        };
        Expander::expand(self, &path, &mac.tokens, call, &|s| map.span(s))
    }
}
