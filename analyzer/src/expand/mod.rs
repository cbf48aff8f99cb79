//! Expansion of the `macro_rules!` macros the workspace defines, between loading and
//! indexing.
//!
//! Invocations in item, impl-member and trait-member position that can matter (they, their
//! macro's rules or the impl or trait they sit in name something the rules care about: the
//! prefilter's names) are replaced by the items they expand to; each such expansion is
//! printed as a text of its own in the [`SourceDb`] and analysed like a file, and spans in
//! it are mapped back to the invocation before anything is reported
//! ([`SourceDb::original_span`]). Every body gets its crate's [`Scope`], with which `lower`
//! expands invocations in statement and expression position when (and only when) the body
//! is lowered: in place, with the spans the invocation wrote and the `!` for the macro's own
//! tokens.
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
use crate::lower::SpanMap;
use crate::prefilter::Prefilter;
use crate::source::{ExpansionOrigin, FileId, SourceDb, SourceFile, Span};
use mbe::MacroRules;
use proc_macro2::TokenStream;
use std::collections::HashMap;
use std::sync::Arc;

/// How deep expansions may nest (rustc's default `recursion_limit`).
pub const RECURSION_LIMIT: u32 = 128;

struct Definition {
    /// Its rules name something the rules care about: every invocation can matter.
    matters: bool,
    krate: usize,
    file: FileId,
    offset: u32,
    exported: bool,
    rules: Arc<MacroRules>,
}

/// The macros a body of one crate can invoke.
#[derive(Clone)]
pub struct Scope {
    macros: Arc<Macros>,
    krate: usize,
}

impl std::fmt::Debug for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scope(crate {})", self.krate)
    }
}

impl Scope {
    /// The expansion of an invocation in a body at `file`/`offset`, as tokens to parse in
    /// place: what the invocation wrote keeps its spans, the macro's own tokens get the
    /// span of the `!`. `None` when it is no workspace macro or no rule matches.
    pub fn expand_in_body(
        &self,
        mac: &syn::Macro,
        file: FileId,
        offset: u32,
    ) -> Option<TokenStream> {
        let path: Vec<Name> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string().into())
            .collect();
        let definition = self.macros.resolve(&path, self.krate, file, offset)?;
        let tokens = definition.rules.expand(
            &mac.tokens,
            &self.macros.crate_path(definition.krate, self.krate),
        )?;
        Some(mbe::to_stream(&tokens, mac.bang_token.span))
    }
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
/// files, which belong to no crate in `owners`). `names` (prepared) says what can matter.
pub fn expand_workspace(
    crates: &[LoadedCrate],
    syntax: &mut Vec<Option<FileSyntax>>,
    owners: &mut Vec<Option<usize>>,
    db: &mut SourceDb,
    names: &Prefilter,
) -> ExpansionStats {
    let mut stats = ExpansionStats::default();
    let macros = Arc::new(collect(crates, syntax, owners, names, &mut stats));
    if macros.by_name.is_empty() {
        return stats;
    }
    let mut expander = Expander {
        macros: &macros,
        names,
        db,
        crate_of: owners.clone(),
        depth: HashMap::new(),
        stats,
    };
    for (file, parsed) in syntax.iter_mut().enumerate() {
        let owned = expander.crate_of.get(file).copied().flatten().is_some();
        if let (true, Some(parsed)) = (owned, parsed.as_mut()) {
            expander.items(&mut parsed.items, false);
        }
    }
    // Bodies (of files read from disk and of item expansions alike) expand when lowered.
    for (file, parsed) in syntax.iter_mut().enumerate() {
        let (Some(parsed), Some(Some(krate))) = (parsed.as_mut(), owners.get(file)) else {
            continue;
        };
        let scope = Scope {
            macros: Arc::clone(&macros),
            krate: *krate,
        };
        visit_bodies(&mut parsed.items, &mut |f| {
            if let Some(body) = f.body.as_mut() {
                body.source.macros = Some(scope.clone());
            }
        });
    }
    let added = expander.db.len().saturating_sub(syntax.len());
    let stats = expander.stats;
    syntax.extend((0..added).map(|_| None));
    owners.resize(db.len(), None);
    crate::parse::forget_parsed_text();
    stats
}

fn collect(
    crates: &[LoadedCrate],
    syntax: &[Option<FileSyntax>],
    owners: &[Option<usize>],
    names: &Prefilter,
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
                    matters: names.matches(rules.as_str()),
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

/// Calls `f` on every function in `items`, nested modules and items included.
fn visit_bodies(items: &mut [Item], f: &mut dyn FnMut(&mut FnDef)) {
    let each = |def: &mut FnDef, f: &mut dyn FnMut(&mut FnDef)| {
        f(def);
        if let Some(body) = def.body.as_mut() {
            visit_bodies(&mut body.items, f);
        }
    };
    for item in items {
        match &mut item.kind {
            ItemKind::Mod { body: Some(b), .. } => visit_bodies(b, f),
            ItemKind::Fn(def) => each(def, f),
            ItemKind::Impl(imp) => imp.methods.iter_mut().for_each(|m| each(m, f)),
            ItemKind::Trait { methods, .. } => methods.iter_mut().for_each(|m| each(m, f)),
            _ => {}
        }
    }
}

impl Macros {
    /// The definition an invocation at `file`/`offset` in `krate` means.
    fn resolve(
        &self,
        path: &[Name],
        krate: usize,
        file: FileId,
        offset: u32,
    ) -> Option<&Definition> {
        let name = path.last()?;
        let candidates = self.by_name.get(name)?;
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
            other => self.crate_names.iter().position(|c| c == other)?,
        };
        candidates
            .iter()
            .find(|d| d.krate == target && (d.exported || target == krate))
    }

    /// What `$crate` is in an expansion of a macro of `defined_in` used in `used_in`.
    fn crate_path(&self, defined_in: usize, used_in: usize) -> String {
        if defined_in == used_in {
            "crate".to_string()
        } else {
            self.crate_names[defined_in].clone()
        }
    }
}

struct Expander<'m, 'd> {
    macros: &'m Macros,
    /// What can matter to the rules (prepared).
    names: &'m Prefilter,
    db: &'d mut SourceDb,
    /// The crate of every file, expansions included (an expansion's is its invocation's).
    crate_of: Vec<Option<usize>>,
    /// How deeply each expansion's file is nested in others.
    depth: HashMap<FileId, u32>,
    stats: ExpansionStats,
}

impl Expander<'_, '_> {
    /// Expands one invocation into a file of its own: its id and text.
    fn expand(
        &mut self,
        path: &[Name],
        input: &TokenStream,
        call: Span,
        written_at: &dyn Fn(proc_macro2::Span) -> Span,
    ) -> Option<(FileId, String)> {
        let krate = self.crate_of.get(call.file).copied().flatten()?;
        let definition = self.macros.resolve(path, krate, call.file, call.start)?;
        let depth = self.depth.get(&call.file).copied().unwrap_or(0) + 1;
        let crate_path = self.macros.crate_path(definition.krate, krate);
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

    /// Expands an invocation written where items are expected, when it can matter (`within`:
    /// it sits in an impl or trait that names something the rules care about): its tokens
    /// are re-read from the invocation's text.
    fn expand_call(&mut self, call: &MacroCall, within: bool) -> Option<(FileId, String)> {
        let krate = self.crate_of.get(call.tokens.file).copied().flatten()?;
        let definition = self
            .macros
            .resolve(&call.path, krate, call.span.file, call.span.start)?;
        if !(within || definition.matters || self.names.matches(call.tokens.as_str())) {
            return None;
        }
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

    /// Expands the invocations among `items` (`within`: they sit in an impl or trait that
    /// can matter).
    fn items(&mut self, items: &mut Vec<Item>, within: bool) {
        let mut i = 0;
        while i < items.len() {
            let items_name = items[i].name.to_string();
            match &mut items[i].kind {
                ItemKind::Macro(m) => {
                    if let MacroItem::Call(call) = &**m {
                        let call = call.clone();
                        if let Some(expanded) = self.expanded_items(&call, within) {
                            // The new items are looked at in turn: they may invoke macros.
                            items.splice(i..i + 1, expanded);
                            continue;
                        }
                    }
                }
                ItemKind::Mod { body: Some(b), .. } => self.items(b, false),
                ItemKind::Impl(imp) => {
                    let within = imp
                        .trait_
                        .as_ref()
                        .is_some_and(|t| self.names.mentions_path(t))
                        || self.names.mentions_type(&imp.self_ty);
                    let mut todo = std::mem::take(&mut imp.macros);
                    while let Some(call) = pop_front(&mut todo) {
                        if let Some(members) = self.expanded_members(&call, Position::Impl, within)
                        {
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
                    let within = self.names.matches(&items_name);
                    let mut todo = std::mem::take(macros);
                    while let Some(call) = pop_front(&mut todo) {
                        if let Some(members) = self.expanded_members(&call, Position::Trait, within)
                        {
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

    fn expanded_items(&mut self, call: &MacroCall, within: bool) -> Option<Vec<Item>> {
        let (file, text) = self.expand_call(call, within)?;
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
        within: bool,
    ) -> Option<crate::lower::Members> {
        let (file, text) = self.expand_call(call, within)?;
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
