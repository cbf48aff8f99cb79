//! Writing a [`Program`] as the files of a crate (or a two-crate workspace), in one of the
//! three layouts, and finding each recipe's registration site in the printed text.

mod framework;
mod recipes;

use crate::program::{Layout, Program};
use facadelint_bench::gen::emit::render;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use recipes::Names;

pub struct File {
    /// Relative to the program's root folder.
    pub path: String,
    pub text: String,
}

pub struct Emitted {
    pub files: Vec<File>,
    /// The crate root `rustc` builds the program from, and the library crate it needs first
    /// (`(crate name, root)`), if any.
    pub bin_root: String,
    pub lib: Option<(String, String)>,
    /// Recipe `n`'s registration site (`Watching::commit_watcher` in its builder) as
    /// `(file, 1-based line)`.
    pub sites: Vec<(String, usize)>,
}

fn manifest(name: &str, deps: &str, workspace: bool) -> String {
    let ws = if workspace { "\n[workspace]\n" } else { "" };
    format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\n{deps}{ws}"
    )
}

/// Glob imports of the framework modules other than `own`.
fn sibling_globs(own: &str) -> TokenStream {
    let globs = ["builders", "framework", "imps", "zookeeper"]
        .into_iter()
        .filter(|m| *m != own)
        .map(|m| {
            let m = format_ident!("{}", m);
            quote!(use crate::#m::*;)
        });
    quote!(#(#globs)*)
}

fn framework_module(name: &str, body: TokenStream) -> String {
    let std = framework::std_imports();
    let globs = sibling_globs(name);
    render(quote! { #std #globs #body })
}

/// The framework's modules, as files under `dir` (`src` of a crate).
fn framework_files(p: &Program, dir: &str) -> Vec<File> {
    let imps = {
        let imps = framework::imps(p);
        let watching = framework::watching();
        quote!(#imps #watching)
    };
    vec![
        File {
            path: format!("{dir}/zookeeper.rs"),
            text: framework_module("zookeeper", framework::zookeeper()),
        },
        File {
            path: format!("{dir}/framework.rs"),
            text: framework_module("framework", framework::framework(p)),
        },
        File {
            path: format!("{dir}/imps.rs"),
            text: framework_module("imps", imps),
        },
        File {
            path: format!("{dir}/builders.rs"),
            text: framework_module("builders", framework::builders(p)),
        },
    ]
}

/// `use` of the renamed framework names recipe code reads, from `root` (`crate::api` or
/// the framework crate).
fn renamed_imports(p: &Program, root: TokenStream) -> TokenStream {
    let builders = (0..p.recipes.len()).map(framework::builder_ident);
    quote! {
        use #root::{CuratorFramework as Client, ScopedExt as _, WatcherRemovalFacade as RemovalFacade};
        use #root::{block_on, KeeperError, Watcher};
        use #root::{#(#builders),*};
    }
}

fn renamed() -> Names {
    Names {
        client: format_ident!("Client"),
        facade: format_ident!("RemovalFacade"),
    }
}

pub fn emit(p: &Program) -> Emitted {
    let std = framework::std_imports();
    let mut files = Vec::new();
    let (bin_root, lib) = match p.layout {
        Layout::OneModule => {
            let n = Names {
                client: format_ident!("CuratorFramework"),
                facade: format_ident!("WatcherRemovalFacade"),
            };
            let parts = [
                framework::zookeeper(),
                framework::framework(p),
                framework::imps(p),
                framework::watching(),
                framework::builders(p),
                recipes::recipes(p, &n),
                recipes::main_fn(p, &n, quote!()),
            ];
            files.push(File {
                path: "Cargo.toml".into(),
                text: manifest(&format!("oracle-program-{}", p.seed), "", true),
            });
            files.push(File {
                path: "src/main.rs".into(),
                text: render(quote! { #std #(#parts)* }),
            });
            ("src/main.rs".to_string(), None)
        }
        Layout::Modules => {
            let n = renamed();
            files.push(File {
                path: "Cargo.toml".into(),
                text: manifest(&format!("oracle-program-{}", p.seed), "", true),
            });
            let main = recipes::main_fn(p, &n, quote!(recipes::));
            files.push(File {
                path: "src/main.rs".into(),
                text: render(quote! {
                    mod api;
                    mod builders;
                    mod framework;
                    mod imps;
                    mod recipes;
                    mod zookeeper;
                    use crate::api::{CuratorFramework as Client, CuratorFrameworkImpl, ZooKeeper};
                    use std::sync::Arc;
                    #main
                }),
            });
            files.push(File {
                path: "src/api.rs".into(),
                text: render(quote! {
                    #![doc = " The framework's public names in one place."]
                    pub use crate::builders::*;
                    pub use crate::framework::{CuratorFramework, ScopedExt};
                    pub use crate::imps::{CuratorFrameworkImpl, NamespaceFacade, WatcherRemovalFacade, WatcherRemovalManager, Watching};
                    pub use crate::zookeeper::{block_on, KeeperError, Watcher, ZooKeeper};
                }),
            });
            files.extend(framework_files(p, "src"));
            let imports = renamed_imports(p, quote!(crate::api));
            let body = recipes::recipes(p, &n);
            files.push(File {
                path: "src/recipes.rs".into(),
                text: render(quote! { #std #imports #body }),
            });
            ("src/main.rs".to_string(), None)
        }
        Layout::Workspace => {
            let n = renamed();
            files.push(File {
                path: "Cargo.toml".into(),
                text: "[workspace]\nmembers = [\"curator\", \"recipes\"]\nresolver = \"2\"\n"
                    .into(),
            });
            files.push(File {
                path: "curator/Cargo.toml".into(),
                text: manifest("curator", "", false),
            });
            files.push(File {
                path: "curator/src/lib.rs".into(),
                text: render(quote! {
                    #![doc = " The client framework: trait, raw client, facades and builders."]
                    pub mod builders;
                    pub mod framework;
                    pub mod imps;
                    pub mod zookeeper;
                    pub use builders::*;
                    pub use framework::{CuratorFramework, ScopedExt};
                    pub use imps::{CuratorFrameworkImpl, NamespaceFacade, WatcherRemovalFacade, WatcherRemovalManager, Watching};
                    pub use zookeeper::{block_on, KeeperError, Watcher, ZooKeeper};
                }),
            });
            files.extend(framework_files(p, "curator/src"));
            files.push(File {
                path: "recipes/Cargo.toml".into(),
                text: manifest(
                    &format!("oracle-program-{}", p.seed),
                    "curator = { path = \"../curator\" }\n",
                    false,
                ),
            });
            let main = recipes::main_fn(p, &n, quote!(recipes::));
            files.push(File {
                path: "recipes/src/main.rs".into(),
                text: render(quote! {
                    mod recipes;
                    use curator::{CuratorFramework as Client, CuratorFrameworkImpl, ZooKeeper};
                    use std::sync::Arc;
                    #main
                }),
            });
            let imports = renamed_imports(p, quote!(curator));
            let body = recipes::recipes(p, &n);
            files.push(File {
                path: "recipes/src/recipes.rs".into(),
                text: render(quote! { #std #imports #body }),
            });
            (
                "recipes/src/main.rs".to_string(),
                Some(("curator".to_string(), "curator/src/lib.rs".to_string())),
            )
        }
    };
    let sites = (0..p.recipes.len())
        .map(|r| find_site(&files, r).unwrap_or_else(|| panic!("no site for recipe {r}")))
        .collect();
    Emitted {
        files,
        bin_root,
        lib,
        sites,
    }
}

/// The `commit_watcher` call in the `impl` of recipe `r`'s builder.
fn find_site(files: &[File], r: usize) -> Option<(String, usize)> {
    let name = format!("GetDataBuilder{r}");
    for f in files.iter().filter(|f| f.path.ends_with(".rs")) {
        let lines: Vec<&str> = f.text.lines().collect();
        let Some(start) = lines.iter().position(|l| {
            l.starts_with("impl")
                && l.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == name)
        }) else {
            continue;
        };
        let line = lines[start..]
            .iter()
            .position(|l| l.contains(".commit_watcher("))?;
        return Some((f.path.clone(), start + line + 1));
    }
    None
}
