//! The framework half of a generated program: the fake ZooKeeper (which records where each
//! watch was registered), the client trait, the raw client, the namespace facade, the
//! watcher-removal facade with its tracker, `Watching` and one builder per recipe.
//!
//! Items refer to each other by bare names: every module of the framework glob-imports the
//! others, so the same token streams serve one file, several modules or a separate crate.

use crate::program::{BuilderKind, FacadeKind, Program};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// `std` imports every generated module starts with.
pub fn std_imports() -> TokenStream {
    quote! {
        use std::collections::HashMap;
        use std::future::Future;
        use std::ops::Deref;
        use std::sync::{Arc, Mutex, OnceLock, Weak};
    }
}

pub fn zookeeper() -> TokenStream {
    quote! {
        #[doc = " A watch callback."]
        pub trait Watcher: Send + Sync {
            fn process(&self, path: &str);
        }

        #[derive(Debug)]
        pub enum KeeperError {
            NoNode(String),
        }

        struct Registered {
            path: String,
            site: u32,
            watcher: Arc<dyn Watcher>,
        }

        #[doc = " An in-process stand-in for the server: it remembers each watch with the site"]
        #[doc = " (builder) that registered it, so the test can ask which sites still hold one."]
        pub struct ZooKeeper {
            watches: Mutex<Vec<Registered>>,
        }

        impl ZooKeeper {
            pub fn connect() -> Arc<ZooKeeper> {
                Arc::new(ZooKeeper { watches: Mutex::new(Vec::new()) })
            }

            pub fn get_data(
                &self,
                path: &str,
                watcher: Option<Arc<dyn Watcher>>,
                site: u32,
            ) -> Result<Vec<u8>, KeeperError> {
                if path.is_empty() {
                    return Err(KeeperError::NoNode(path.to_string()));
                }
                if let Some(watcher) = watcher {
                    self.watches.lock().unwrap().push(Registered { path: path.to_string(), site, watcher });
                }
                Ok(path.as_bytes().to_vec())
            }

            pub fn remove_watches(&self, path: &str, watcher: &Arc<dyn Watcher>) {
                self.watches
                    .lock()
                    .unwrap()
                    .retain(|w| !(w.path == path && Arc::ptr_eq(&w.watcher, watcher)));
            }

            pub fn holds_watch(&self, site: u32) -> bool {
                self.watches.lock().unwrap().iter().any(|w| w.site == site)
            }
        }

        #[doc = " Runs a future to completion on this thread (the programs' futures never wait)."]
        pub fn block_on<F: Future>(future: F) -> F::Output {
            let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
            let mut future = std::pin::pin!(future);
            loop {
                if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                    return out;
                }
            }
        }
    }
}

fn view_ident(p: &Program, v: usize) -> proc_macro2::Ident {
    format_ident!("{}", p.views[v].name)
}

/// `(parameters, arguments)` of view `v`: only `using_namespace` takes one.
fn view_params(v: usize) -> (TokenStream, TokenStream) {
    if v == 0 {
        (quote!(ns: Option<&str>), quote!(ns))
    } else {
        (quote!(), quote!())
    }
}

pub fn builder_ident(r: usize) -> proc_macro2::Ident {
    format_ident!("GetDataBuilder{}", r)
}

pub fn default_method_ident(r: usize) -> proc_macro2::Ident {
    format_ident!("get_data_{}", r)
}

pub fn framework(p: &Program) -> TokenStream {
    let view_decls = (1..p.views.len()).map(|v| {
        let name = view_ident(p, v);
        quote! { fn #name(&self) -> Arc<dyn CuratorFramework>; }
    });
    let default_builders = p.recipes.iter().enumerate().filter_map(|(r, recipe)| {
        let from = match recipe.builder {
            BuilderKind::TraitDefaultView(0) => quote!(self.using_namespace(None)),
            BuilderKind::TraitDefaultView(v) => {
                let name = view_ident(p, v);
                quote!(self.#name())
            }
            BuilderKind::TraitDefaultSelf => quote!(self.self_arc()),
            _ => return None,
        };
        let method = default_method_ident(r);
        let builder = builder_ident(r);
        Some(quote! {
            fn #method(&self) -> #builder {
                #builder::new(#from)
            }
        })
    });
    quote! {
        #[doc = " The client API shared by the raw client and the facades that wrap it."]
        pub trait CuratorFramework: Send + Sync {
            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework>;

            fn non_namespace_view(&self) -> Arc<dyn CuratorFramework> {
                self.using_namespace(None)
            }

            #(#view_decls)*

            fn zookeeper(&self) -> Arc<ZooKeeper>;

            #[doc = " This client as a shared handle (its own `Weak<Self>`, upgraded)."]
            fn self_arc(&self) -> Arc<dyn CuratorFramework>;

            fn new_watcher_remove_curator_framework(&self) -> Arc<WatcherRemovalFacade> {
                WatcherRemovalFacade::new(self.self_arc())
            }

            fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
                None
            }

            #(#default_builders)*
        }

        #[doc = " Conveniences for trait objects only."]
        pub trait ScopedExt {
            fn scoped_view(&self) -> Arc<dyn CuratorFramework>;
        }

        impl ScopedExt for dyn CuratorFramework + '_ {
            fn scoped_view(&self) -> Arc<dyn CuratorFramework> {
                self.using_namespace(Some("scoped"))
            }
        }
    }
}

pub fn imps(p: &Program) -> TokenStream {
    let raw_views = (1..p.views.len()).map(|v| {
        let name = view_ident(p, v);
        let ns = p.views[v].name.clone();
        quote! {
            fn #name(&self) -> Arc<dyn CuratorFramework> {
                NamespaceFacade::new(self.me.upgrade().expect("client alive"), Some(#ns))
            }
        }
    });
    let ns_views = (1..p.views.len()).map(|v| {
        let name = view_ident(p, v);
        quote! {
            fn #name(&self) -> Arc<dyn CuratorFramework> {
                self.client.#name()
            }
        }
    });
    let facade_views = (0..p.views.len()).map(|v| facade_view(p, v));
    let uses_macro = p.views.iter().any(|v| v.via_macro);
    let view_macro = uses_macro.then(facade_view_macro);
    quote! {
        #[doc = " The real client."]
        pub struct CuratorFrameworkImpl {
            me: Weak<CuratorFrameworkImpl>,
            zookeeper: Arc<ZooKeeper>,
        }

        impl CuratorFrameworkImpl {
            pub fn new(zookeeper: Arc<ZooKeeper>) -> Arc<CuratorFrameworkImpl> {
                Arc::new_cyclic(|me| CuratorFrameworkImpl { me: me.clone(), zookeeper })
            }
        }

        impl CuratorFramework for CuratorFrameworkImpl {
            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                NamespaceFacade::new(self.me.upgrade().expect("client alive"), ns)
            }

            #(#raw_views)*

            fn zookeeper(&self) -> Arc<ZooKeeper> {
                Arc::clone(&self.zookeeper)
            }

            fn self_arc(&self) -> Arc<dyn CuratorFramework> {
                self.me.upgrade().expect("client alive")
            }
        }

        #[doc = " A view of the real client under a namespace."]
        pub struct NamespaceFacade {
            me: Weak<NamespaceFacade>,
            client: Arc<CuratorFrameworkImpl>,
            namespace: Option<String>,
        }

        impl NamespaceFacade {
            pub fn new(client: Arc<CuratorFrameworkImpl>, namespace: Option<&str>) -> Arc<NamespaceFacade> {
                let namespace = namespace.map(str::to_string);
                Arc::new_cyclic(|me| NamespaceFacade { me: me.clone(), client, namespace })
            }
        }

        impl CuratorFramework for NamespaceFacade {
            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                self.client.using_namespace(ns)
            }

            #(#ns_views)*

            fn zookeeper(&self) -> Arc<ZooKeeper> {
                self.client.zookeeper()
            }

            fn self_arc(&self) -> Arc<dyn CuratorFramework> {
                self.me.upgrade().expect("client alive")
            }
        }

        #[doc = " Remembers the watches set through one `WatcherRemovalFacade`."]
        pub struct WatcherRemovalManager {
            zookeeper: Arc<ZooKeeper>,
            entries: Mutex<Vec<(String, Arc<dyn Watcher>)>>,
        }

        impl WatcherRemovalManager {
            pub fn new(zookeeper: Arc<ZooKeeper>) -> WatcherRemovalManager {
                WatcherRemovalManager { zookeeper, entries: Mutex::new(Vec::new()) }
            }

            pub fn add(&self, path: &str, watcher: Arc<dyn Watcher>) {
                self.entries.lock().unwrap().push((path.to_string(), watcher));
            }

            pub fn remove_watchers(&self) {
                let entries = std::mem::take(&mut *self.entries.lock().unwrap());
                for (path, watcher) in entries {
                    self.zookeeper.remove_watches(&path, &watcher);
                }
            }
        }

        #[doc = " Wraps a client and records every watch set through it, so that a recipe can"]
        #[doc = " remove all of its watches when it closes."]
        #[derive(Clone)]
        pub struct WatcherRemovalFacade {
            me: Weak<WatcherRemovalFacade>,
            client: Arc<dyn CuratorFramework>,
            removal_manager: Arc<WatcherRemovalManager>,
        }

        impl WatcherRemovalFacade {
            pub fn new(client: Arc<dyn CuratorFramework>) -> Arc<WatcherRemovalFacade> {
                let removal_manager = Arc::new(WatcherRemovalManager::new(client.zookeeper()));
                WatcherRemovalFacade::sharing(client, removal_manager)
            }

            pub fn sharing(
                client: Arc<dyn CuratorFramework>,
                removal_manager: Arc<WatcherRemovalManager>,
            ) -> Arc<WatcherRemovalFacade> {
                Arc::new_cyclic(|me| WatcherRemovalFacade { me: me.clone(), client, removal_manager })
            }

            pub fn remove_watchers(&self) {
                self.removal_manager.remove_watchers();
            }
        }

        impl Deref for WatcherRemovalFacade {
            type Target = dyn CuratorFramework;

            fn deref(&self) -> &(dyn CuratorFramework + 'static) {
                &*self.client
            }
        }

        #view_macro

        impl CuratorFramework for WatcherRemovalFacade {
            #(#facade_views)*

            fn zookeeper(&self) -> Arc<ZooKeeper> {
                self.client.zookeeper()
            }

            fn self_arc(&self) -> Arc<dyn CuratorFramework> {
                self.me.upgrade().expect("facade alive")
            }

            fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
                Some(Arc::clone(&self.removal_manager))
            }
        }
    }
}

/// The `macro_rules!` that writes facade view methods when a view is `via_macro`.
fn facade_view_macro() -> TokenStream {
    quote! {
        macro_rules! facade_view {
            (delegate $name:ident($($arg:ident: $ty:ty),*)) => {
                fn $name(&self, $($arg: $ty),*) -> Arc<dyn CuratorFramework> {
                    self.client.$name($($arg),*)
                }
            };
            (shared $name:ident($($arg:ident: $ty:ty),*)) => {
                fn $name(&self, $($arg: $ty),*) -> Arc<dyn CuratorFramework> {
                    WatcherRemovalFacade::sharing(self.client.$name($($arg),*), Arc::clone(&self.removal_manager))
                }
            };
            (fresh $name:ident($($arg:ident: $ty:ty),*)) => {
                fn $name(&self, $($arg: $ty),*) -> Arc<dyn CuratorFramework> {
                    WatcherRemovalFacade::new(self.client.$name($($arg),*))
                }
            };
            (raw $name:ident($($arg:ident: $ty:ty),*)) => {
                fn $name(&self, $($arg: $ty),*) -> Arc<dyn CuratorFramework> {
                    $(let _ = $arg;)*
                    Arc::clone(&self.client)
                }
            };
        }
    }
}

fn facade_view(p: &Program, v: usize) -> TokenStream {
    let view = &p.views[v];
    let name = view_ident(p, v);
    let (params, args) = view_params(v);
    if view.via_macro {
        let mode = format_ident!(
            "{}",
            match view.kind {
                FacadeKind::SharedRewrap => "shared",
                FacadeKind::Delegate => "delegate",
                FacadeKind::FreshRewrap => "fresh",
                FacadeKind::RawInner => "raw",
            }
        );
        return quote! { facade_view!(#mode #name(#params)); };
    }
    let body = match view.kind {
        FacadeKind::SharedRewrap => quote! {
            WatcherRemovalFacade::sharing(self.client.#name(#args), Arc::clone(&self.removal_manager))
        },
        FacadeKind::Delegate => quote! { self.client.#name(#args) },
        FacadeKind::FreshRewrap => quote! { WatcherRemovalFacade::new(self.client.#name(#args)) },
        FacadeKind::RawInner if v == 0 => quote! {
            let _ = ns;
            Arc::clone(&self.client)
        },
        FacadeKind::RawInner => quote! { Arc::clone(&self.client) },
    };
    quote! {
        fn #name(&self, #params) -> Arc<dyn CuratorFramework> {
            #body
        }
    }
}

pub fn watching() -> TokenStream {
    quote! {
        #[doc = " Carries a builder's optional watcher; once the server call succeeded,"]
        #[doc = " `commit_watcher` records it with the client's removal manager, if it has one."]
        pub struct Watching<'a> {
            client: &'a dyn CuratorFramework,
            watcher: Option<Arc<dyn Watcher>>,
        }

        impl<'a> Watching<'a> {
            pub fn new(client: &'a dyn CuratorFramework, watcher: Option<Arc<dyn Watcher>>) -> Watching<'a> {
                Watching { client, watcher }
            }

            pub fn commit_watcher(&self, path: &str) {
                let Some(watcher) = &self.watcher else { return };
                if let Some(manager) = self.client.watcher_removal_manager() {
                    manager.add(path, Arc::clone(watcher));
                }
            }
        }
    }
}

/// One builder per recipe, so a registration site names its recipe.
pub fn builders(p: &Program) -> TokenStream {
    let builders = p.recipes.iter().enumerate().map(|(r, recipe)| {
        let name = builder_ident(r);
        let site = r as u32;
        let path = format!("/recipes/{r}");
        let borrowed = recipe.builder == BuilderKind::Borrowed;
        let (generics, client_ty, ctor, client_ref) = if borrowed {
            (
                quote!(<'a>),
                quote!(&'a dyn CuratorFramework),
                quote!(borrowing),
                quote!(self.client),
            )
        } else {
            (
                quote!(),
                quote!(Arc<dyn CuratorFramework>),
                quote!(new),
                quote!(&*self.client),
            )
        };
        let from = (recipe.builder == BuilderKind::Into).then(|| {
            quote! {
                impl From<Arc<dyn CuratorFramework>> for #name {
                    fn from(client: Arc<dyn CuratorFramework>) -> #name {
                        #name::new(client)
                    }
                }
            }
        });
        quote! {
            pub struct #name #generics {
                client: #client_ty,
                watcher: Option<Arc<dyn Watcher>>,
                path: String,
            }

            impl #generics #name #generics {
                pub fn #ctor(client: #client_ty) -> Self {
                    #name { client, watcher: None, path: #path.to_string() }
                }

                pub fn using_watcher(mut self, watcher: Arc<dyn Watcher>) -> Self {
                    self.watcher = Some(watcher);
                    self
                }

                pub fn for_path(mut self, path: &str) -> Self {
                    self.path = path.to_string();
                    self
                }

                pub fn watch(self) -> Result<Vec<u8>, KeeperError> {
                    let data = self.client.zookeeper().get_data(&self.path, self.watcher.clone(), #site)?;
                    Watching::new(#client_ref, self.watcher.clone()).commit_watcher(&self.path);
                    Ok(data)
                }
            }

            #from
        }
    });
    quote! { #(#builders)* }
}
