//! The prefilter: most files of a real workspace cannot touch a rule's clients, so they are
//! not parsed. A file is parsed when its bytes mention a name that matters: the rules' types,
//! traits and methods, then (to a fixpoint) the names of items declared in parsed files that
//! take, hold or return such things; and a file that defines (`macro_rules!`) a macro that a
//! parsed file invokes, since what an invocation expands to is only known once expanded.
//! Other files are only scanned for `mod` declarations, so the module tree is still
//! followed, and what they declare is treated like external code.
//!
//! Invariant: the name set only grows, so a file once parsed stays parsed; `--no-prefilter`
//! parses everything and must give the same findings (a test checks it).

use crate::hir::{FileSyntax, Item, ItemKind, PathRef, TypeRef};
use crate::source::{FileId, Span};
use aho_corasick::AhoCorasick;
use std::collections::BTreeSet;

pub struct Prefilter {
    names: BTreeSet<String>,
    matcher: Option<AhoCorasick>,
    /// Macros that parsed files invoke.
    invoked: BTreeSet<String>,
}

impl Prefilter {
    pub fn new(seed: impl IntoIterator<Item = String>) -> Self {
        Prefilter {
            names: seed.into_iter().filter(|n| !n.is_empty()).collect(),
            matcher: None,
            invoked: BTreeSet::new(),
        }
    }

    /// Adds the macros a parsed file's text invokes (`name!(`, `name![`, `name! {`); true
    /// when any was new.
    pub fn add_invoked_macros(&mut self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut grew = false;
        for bang in memchr::memchr_iter(b'!', bytes) {
            let after = text[bang + 1..].trim_start();
            if !after.starts_with(['(', '[', '{']) {
                continue;
            }
            let start = bytes[..bang]
                .iter()
                .rposition(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                .map_or(0, |i| i + 1);
            let name = &text[start..bang];
            if !name.is_empty() && name != "macro_rules" && !self.invoked.contains(name) {
                self.invoked.insert(name.to_string());
                grew = true;
            }
        }
        grew
    }

    /// Whether `text` defines one of the macros parsed files invoke.
    fn defines_invoked_macro(&self, text: &str) -> bool {
        if self.invoked.is_empty() {
            return false;
        }
        memchr::memmem::find_iter(text.as_bytes(), "macro_rules").any(|at| {
            let rest = text[at + "macro_rules".len()..].trim_start();
            let Some(rest) = rest.strip_prefix('!') else {
                return false;
            };
            let rest = rest.trim_start();
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            self.invoked.contains(&rest[..end])
        })
    }

    /// Adds names; true when any was new.
    pub fn add(&mut self, names: impl IntoIterator<Item = String>) -> bool {
        let mut grew = false;
        for n in names {
            if !n.is_empty() && self.names.insert(n) {
                grew = true;
            }
        }
        if grew {
            self.matcher = None;
        }
        grew
    }

    /// Builds the matcher for the current names (before matching from several threads).
    pub fn prepare(&mut self) {
        if self.matcher.is_none() && !self.names.is_empty() {
            self.matcher = AhoCorasick::new(&self.names).ok();
        }
    }

    /// Whether `text` mentions one of the names as a whole identifier ([`prepare`] first).
    ///
    /// [`prepare`]: Prefilter::prepare
    pub fn matches(&self, text: &str) -> bool {
        if self.defines_invoked_macro(text) {
            return true;
        }
        let Some(matcher) = &self.matcher else {
            return false;
        };
        let bytes = text.as_bytes();
        let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        matcher.find_overlapping_iter(text).any(|m| {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
        })
    }

    /// Names declared in a parsed file whose declarations mention a known name: they can
    /// carry what matters into files that never name it.
    pub fn names_carrying(&self, syntax: &FileSyntax) -> Vec<String> {
        let mut out = Vec::new();
        self.collect(&syntax.items, &mut out);
        out
    }

    pub fn mentions_type(&self, t: &TypeRef) -> bool {
        match t {
            TypeRef::Path(p) => self.mentions_path(p),
            TypeRef::Ref(inner) | TypeRef::Slice(inner) => self.mentions_type(inner),
            TypeRef::Bounds(b) => b.iter().any(|p| self.mentions_path(p)),
            TypeRef::Tuple(e) => e.iter().any(|t| self.mentions_type(t)),
            TypeRef::SelfType | TypeRef::Unknown => false,
        }
    }

    pub fn mentions_path(&self, p: &PathRef) -> bool {
        p.segments.iter().any(|s| self.names.contains(s.as_str()))
            || p.args.iter().any(|a| self.mentions_type(a))
    }

    fn collect(&self, items: &[Item], out: &mut Vec<String>) {
        for item in items {
            let carries = match &item.kind {
                ItemKind::Mod {
                    body: Some(body), ..
                } => {
                    self.collect(body, out);
                    false
                }
                ItemKind::Struct { fields, generics } => {
                    fields.iter().any(|f| self.mentions_type(&f.ty))
                        || generics
                            .iter()
                            .flat_map(|g| &g.bounds)
                            .any(|b| self.mentions_path(b))
                }
                ItemKind::Enum { variants, .. } => variants
                    .iter()
                    .flat_map(|v| &v.fields)
                    .any(|f| self.mentions_type(&f.ty)),
                ItemKind::Trait {
                    supertraits,
                    methods,
                    ..
                } => {
                    supertraits.iter().any(|p| self.mentions_path(p))
                        || methods.iter().any(|m| self.fn_mentions(m))
                }
                ItemKind::Fn(f) => self.fn_mentions(f),
                ItemKind::TypeAlias(t) => self.mentions_type(t),
                ItemKind::Static { ty, .. } => self.mentions_type(ty),
                ItemKind::Use(trees) => {
                    for t in trees {
                        if let crate::hir::UseTree::Name { path, rename } = t {
                            if path.iter().any(|s| self.names.contains(s.as_str())) {
                                out.push(rename.to_string());
                            }
                        }
                    }
                    false
                }
                ItemKind::Impl(imp) => {
                    let crate::hir::ImplDef {
                        self_ty,
                        trait_,
                        methods,
                        ..
                    } = &**imp;
                    let mentions = trait_.as_ref().is_some_and(|p| self.mentions_path(p))
                        || methods.iter().any(|m| self.fn_mentions(m));
                    if mentions {
                        if let TypeRef::Path(p) = self_ty {
                            out.push(p.last().to_string());
                        }
                    }
                    false
                }
                // Code that invokes a macro of the workspace may expand to anything.
                ItemKind::Macro(m) => matches!(**m, crate::hir::MacroItem::Rules { .. }),
                _ => false,
            };
            if carries {
                out.push(item.name.to_string());
            }
        }
    }

    fn fn_mentions(&self, f: &crate::hir::FnDef) -> bool {
        self.mentions_type(&f.ret)
            || f.params.iter().any(|p| self.mentions_type(&p.ty))
            || f.generics
                .iter()
                .flat_map(|g| &g.bounds)
                .any(|b| self.mentions_path(b))
    }
}

/// A `mod` declaration found without parsing: the module's path inside the file (inline
/// modules), its name, a `#[path]` attribute, and where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModScan {
    pub inline: Vec<String>,
    pub name: String,
    pub path_attr: Option<String>,
    pub span: Span,
}

/// Finds `mod x;` declarations by scanning tokens (skipping comments and strings), tracking
/// inline `mod x { … }` nesting and a preceding `#[path = "…"]`.
pub fn scan_mods(file: FileId, text: &str) -> Vec<ModScan> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    // Inline modules open at a brace depth: (name, depth inside).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut pending_path: Option<String> = None;
    let mut i = 0;
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let mut d = 0;
                while i + 1 < bytes.len() {
                    if bytes[i] == b'/' && bytes[i + 1] == b'*' {
                        d += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
                        d -= 1;
                        i += 2;
                        if d == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                while inline.last().is_some_and(|(_, d)| *d > depth) {
                    inline.pop();
                }
            }
            b'#' if bytes.get(i + 1) == Some(&b'[') => {
                let end = i + 1 + balanced_end(&bytes[i + 1..]);
                let attr = &text[i + 2..end.saturating_sub(1).max(i + 2)];
                let attr = attr.trim();
                if attr.starts_with("path") || attr.starts_with("cfg_attr") {
                    // `#[path = "x"]`, or the first `path = "x"` of a `cfg_attr`.
                    if let Some(at) = attr.find("path") {
                        pending_path = attr[at..]
                            .split_once('"')
                            .and_then(|(_, r)| r.split_once('"'))
                            .map(|(p, _)| p.to_string());
                    }
                }
                i = end;
                continue;
            }
            // A macro invocation's tokens are not items to the parser either.
            b'!' if i > 0 && is_ident(bytes[i - 1]) => {
                let mut j = i + 1;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                // `macro_rules! name { … }`
                while j < bytes.len() && is_ident(bytes[j]) {
                    j += 1;
                }
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                if matches!(bytes.get(j), Some(b'{' | b'(' | b'[')) {
                    i = j + balanced_end(&bytes[j..]);
                    continue;
                }
            }
            b'm' if text[i..].starts_with("mod")
                && !(i > 0 && is_ident(bytes[i - 1]))
                && bytes.get(i + 3).is_some_and(|c| c.is_ascii_whitespace()) =>
            {
                let mut j = i + 3;
                while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                    j += 1;
                }
                let start = j;
                if text[j..].starts_with("r#") {
                    j += 2;
                }
                while j < bytes.len() && is_ident(bytes[j]) {
                    j += 1;
                }
                let name = &text[start..j];
                let mut k = j;
                while k < bytes.len() && bytes[k].is_ascii_whitespace() {
                    k += 1;
                }
                if !name.is_empty() {
                    match bytes.get(k) {
                        Some(b';') => out.push(ModScan {
                            inline: inline.iter().map(|(n, _)| n.clone()).collect(),
                            name: name.to_string(),
                            path_attr: pending_path.take(),
                            span: Span {
                                file,
                                start: start as u32,
                                end: j as u32,
                            },
                        }),
                        Some(b'{') => {
                            let dir = pending_path.take().unwrap_or_else(|| name.to_string());
                            inline.push((dir, depth + 1));
                        }
                        _ => {}
                    }
                }
                i = j;
                continue;
            }
            b';' => pending_path = None,
            _ => {}
        }
        i += 1;
    }
    out
}

/// The length of the bracketed group that starts at `bytes[0]` (strings and comments skipped).
fn balanced_end(bytes: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_mod_declarations_like_the_parser_sees_them() {
        let src = "// mod fake;\nmod a;\n#[path = \"x/y.rs\"]\npub mod b;\nmod c { mod d; }\nlet s = \"mod e;\";\nmod r#type;\n\
                   cfg_if! { mod hidden; }\n#[cfg_attr(unix, path = \"u.rs\")]\nmod sys;\n";
        let found: Vec<(Vec<String>, String, Option<String>)> = scan_mods(0, src)
            .into_iter()
            .map(|m| (m.inline, m.name, m.path_attr))
            .collect();
        assert_eq!(
            found,
            vec![
                (vec![], "a".to_string(), None),
                (vec![], "b".to_string(), Some("x/y.rs".to_string())),
                (vec!["c".to_string()], "d".to_string(), None),
                (vec![], "r#type".to_string(), None),
                (vec![], "sys".to_string(), Some("u.rs".to_string())),
            ]
        );
    }

    #[test]
    fn matches_whole_identifiers_only() {
        let mut p = Prefilter::new(["Client".to_string()]);
        p.prepare();
        assert!(p.matches("use a::Client;"));
        assert!(!p.matches("struct MyClientThing;"));
        assert!(!p.matches("fn client() {}"));
    }
}
