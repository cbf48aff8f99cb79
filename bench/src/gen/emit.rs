//! Printing generated token streams as source text, and finding lines in that text.
//!
//! Token streams are built with `quote!`, parsed into a `syn::File` and printed with
//! `prettyplease`, which breaks lines like rustfmt does (so line counts mean what they
//! mean in hand-written code). prettyplease puts no blank line between items; one is
//! added between items and after the `use` block, as rustfmt-formatted code has.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{ImplItem, Item, Stmt};

/// Prints a file's items; panics on a token stream that is not a file (a generator bug).
pub fn render(tokens: TokenStream) -> String {
    let file: syn::File = match syn::parse2(tokens.clone()) {
        Ok(f) => f,
        Err(e) => panic!("generated code does not parse: {e}\n{tokens}"),
    };
    space_items(&prettyplease::unparse(&file))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Use,
    Mod,
    Const,
    Other,
}

/// The kind of item `lines[i]` starts, and its nesting level, if it starts one.
fn item_start(lines: &[&str], i: usize) -> Option<(usize, Kind)> {
    let line = lines[i];
    let t = line.trim_start();
    let indent = line.len() - t.len();
    if indent % 4 != 0 || t.is_empty() {
        return None;
    }
    const STARTS: &[&str] = &[
        "pub ", "pub(", "fn ", "impl ", "impl<", "struct ", "enum ", "#[", "///", "const ",
        "static ", "type ", "mod ", "trait ", "use ", "unsafe ", "async ",
    ];
    if !STARTS.iter().any(|s| t.starts_with(s)) {
        return None;
    }
    // Attributes and docs belong to what follows: a field or variant is no item.
    let decl = lines[i..]
        .iter()
        .map(|l| l.trim_start())
        .find(|l| !l.starts_with("#[") && !l.starts_with("///"))?;
    if decl.ends_with(',') {
        return None;
    }
    let bare = decl.strip_prefix("pub ").unwrap_or(decl);
    let kind = if bare.starts_with("use ") {
        Kind::Use
    } else if bare.starts_with("mod ") && bare.ends_with(';') {
        Kind::Mod
    } else if bare.starts_with("const ") || bare.starts_with("static ") {
        Kind::Const
    } else {
        Kind::Other
    };
    Some((indent / 4, kind))
}

fn space_items(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    // The kind of the last item at each nesting level (reset when a block opens).
    let mut last: Vec<Option<Kind>> = vec![None; 64];
    for (i, line) in lines.iter().enumerate() {
        let prev = if i > 0 { lines[i - 1].trim_start() } else { "" };
        let prev_attached = prev.starts_with("#[") || prev.starts_with("///");
        let item = item_start(&lines, i).filter(|_| !prev_attached);
        if i > 0 {
            let after_docs = prev.starts_with("//!") && !line.starts_with("//!");
            let new_group = item.is_some_and(|(level, kind)| {
                !prev.ends_with('{')
                    && (kind == Kind::Other || last.get(level).copied().flatten() != Some(kind))
            });
            if after_docs || (new_group && !prev.is_empty()) {
                out.push('\n');
            }
        }
        if let Some((level, kind)) = item.filter(|(level, _)| *level < last.len()) {
            last[level] = Some(kind);
        }
        let level = (line.len() - line.trim_start().len()) / 4;
        if line.ends_with('{') && level + 1 < last.len() {
            last[level + 1] = None;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Where, in a facade's derivation method, the client built from the inner client is.
#[derive(Clone, Copy, Debug)]
pub enum BypassAt {
    /// The method's tail expression.
    Tail,
    /// The initializer of the method's first `let`.
    FirstLet,
}

/// The 1-based line of the bypass expression in `method` of the
/// `impl CuratorFramework for WatcherRemovalFacade` in `text` (searched in inline modules too).
pub fn locate_bypass(text: &str, method: &str, at: BypassAt) -> Option<usize> {
    let file = syn::parse_file(text).ok()?;
    find_in_items(&file.items, method, at)
}

fn find_in_items(items: &[Item], method: &str, at: BypassAt) -> Option<usize> {
    for item in items {
        match item {
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    if let Some(line) = find_in_items(inner, method, at) {
                        return Some(line);
                    }
                }
            }
            Item::Impl(imp) => {
                let Some((_, trait_path, _)) = &imp.trait_ else {
                    continue;
                };
                let is_client_trait = trait_path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "CuratorFramework");
                let is_facade = matches!(&*imp.self_ty, syn::Type::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "WatcherRemovalFacade"));
                if !(is_client_trait && is_facade) {
                    continue;
                }
                for ii in &imp.items {
                    let ImplItem::Fn(f) = ii else { continue };
                    if f.sig.ident != method {
                        continue;
                    }
                    let expr = match at {
                        BypassAt::Tail => f.block.stmts.iter().rev().find_map(|s| match s {
                            Stmt::Expr(e, None) => Some(e.to_token_stream()),
                            _ => None,
                        }),
                        BypassAt::FirstLet => f.block.stmts.iter().find_map(|s| match s {
                            Stmt::Local(l) => l.init.as_ref().map(|i| i.expr.to_token_stream()),
                            _ => None,
                        }),
                    }?;
                    let first = expr.into_iter().next()?;
                    return Some(first.span().start().line);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn renders_with_blank_lines_between_items() {
        let text = render(quote! {
            use std::sync::Arc;
            pub struct A { x: Arc<u32> }
            impl A {
                pub fn f(&self) -> u32 { *self.x }
                pub fn g(&self) -> u32 { *self.x + 1 }
            }
            pub fn h() {}
        });
        let expected = "use std::sync::Arc;\n\npub struct A {\n    x: Arc<u32>,\n}\n\nimpl A {\n    pub fn f(&self) -> u32 {\n        *self.x\n    }\n\n    pub fn g(&self) -> u32 {\n        *self.x + 1\n    }\n}\n\npub fn h() {}\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn finds_the_bypass_line() {
        let text = render(quote! {
            pub mod facade {
                impl CuratorFramework for WatcherRemovalFacade {
                    fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                        self.client.using_namespace(ns)
                    }
                    fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework> {
                        let view = self.client.with_session_timeout(ms);
                        view
                    }
                }
            }
        });
        let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        assert_eq!(
            locate_bypass(&text, "using_namespace", BypassAt::Tail),
            Some(line_of("self.client.using_namespace(ns)"))
        );
        assert_eq!(
            locate_bypass(&text, "with_session_timeout", BypassAt::FirstLet),
            Some(line_of("let view"))
        );
        assert_eq!(locate_bypass(&text, "missing", BypassAt::Tail), None);
    }
}
