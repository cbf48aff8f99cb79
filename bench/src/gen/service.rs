//! One service crate: its raw client and namespace facade, builders that derive clients and
//! register watches through `Watching::commit_watcher`, "units" (a `WatcherRemovalFacade`
//! that either delegates derivations to its inner client, the leak, or re-wraps them
//! sharing its tracker, plus the recipes that create it and hand it to builders), and filler
//! modules of ordinary code.

use super::emit::{locate_bypass, render, BypassAt};
use super::filler;
use super::names::{self, camel, ident, Scope};
use super::rng::Rng;
use super::uses::Uses;
use super::GenFile;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Derive {
    Namespace,
    NonNamespace,
    Timeout,
}

impl Derive {
    const ALL: [Derive; 3] = [Derive::Namespace, Derive::NonNamespace, Derive::Timeout];

    fn method(self) -> Ident {
        ident(match self {
            Derive::Namespace => "using_namespace",
            Derive::NonNamespace => "non_namespace_view",
            Derive::Timeout => "with_session_timeout",
        })
    }

    /// How code outside the facade derives a client from `recv`.
    fn call(self, recv: TokenStream, timeout_ms: u64) -> TokenStream {
        let ms = Literal::u64_unsuffixed(timeout_ms);
        match self {
            Derive::Namespace => quote!(#recv.using_namespace(None)),
            Derive::NonNamespace => quote!(#recv.non_namespace_view()),
            Derive::Timeout => quote!(#recv.with_session_timeout(#ms)),
        }
    }

    /// The facade's override: its parameters and the arguments it passes on.
    fn signature(self) -> (TokenStream, TokenStream) {
        match self {
            Derive::Namespace => (quote!(&self, ns: Option<&str>), quote!(ns)),
            Derive::NonNamespace => (quote!(&self), quote!()),
            Derive::Timeout => (quote!(&self, ms: u64), quote!(ms)),
        }
    }
}

#[derive(Clone, Copy)]
enum Ret {
    Bytes,
    Children,
    Exists,
}

impl Ret {
    fn ty(self) -> TokenStream {
        match self {
            Ret::Bytes => quote!(Vec<u8>),
            Ret::Children => quote!(Vec<String>),
            Ret::Exists => quote!(Option<Stat>),
        }
    }

    fn op(self) -> Ident {
        ident(match self {
            Ret::Bytes => "get_data",
            Ret::Children => "get_children",
            Ret::Exists => "exists",
        })
    }

    fn count(self, v: &Ident) -> TokenStream {
        match self {
            Ret::Bytes | Ret::Children => quote!(#v.len()),
            Ret::Exists => quote!(#v.map_or(0, |stat| stat.data_length)),
        }
    }

    fn var(self) -> &'static str {
        match self {
            Ret::Bytes => "data",
            Ret::Children => "children",
            Ret::Exists => "stat",
        }
    }
}

struct BuilderSpec {
    name: Ident,
    derive: Option<Derive>,
    at_ctor: bool,
    ret: Ret,
    timeout_ms: u64,
}

struct GenericSpec {
    name: Ident,
    derive: Derive,
    ret: Ret,
    timeout_ms: u64,
    where_clause: bool,
}

struct CrateApi {
    core: String,
    raw: Ident,
    builders: Vec<BuilderSpec>,
    generics: Vec<GenericSpec>,
}

impl CrateApi {
    fn builder_for(&self, d: Derive) -> usize {
        self.builders
            .iter()
            .position(|b| b.derive == Some(d))
            .expect("one builder per derivation")
    }

    fn plain_builder(&self) -> usize {
        self.builders
            .iter()
            .position(|b| b.derive.is_none())
            .unwrap()
    }
}

pub struct CratePlan {
    pub package: String,
    pub index: usize,
    pub seed: u64,
    pub budget: usize,
    pub core_lib: String,
}

pub struct CrateOut {
    pub files: Vec<GenFile>,
    /// `(file relative to the crate folder, line)`.
    pub planted: Vec<(String, usize)>,
}

pub fn generate(plan: &CratePlan) -> CrateOut {
    let mut rng = Rng::derive(plan.seed, plan.index as u64 + 1);
    let mut modules = Scope::default();
    for reserved in [
        "lib", "clients", "builders", "core", "std", "crate", "self", "super",
    ] {
        modules.claim(reserved);
    }
    let api = crate_api(&mut rng, &plan.core_lib);
    let mut files = vec![
        GenFile::rust("src/clients.rs", render(clients(&api))),
        GenFile::rust("src/builders.rs", render(builders(&api))),
    ];
    let mut planted = Vec::new();
    let mut client_lines: usize = files.iter().map(|f| f.lines).sum();
    let mut lines = client_lines;
    let mut units: Vec<String> = Vec::new();
    let mut top_fillers: Vec<String> = Vec::new();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let lib_lines = 30;
    let domain = plan.package.split('-').next().unwrap_or("app").to_string();
    while lines + lib_lines < plan.budget || units.is_empty() {
        if units.is_empty() || (client_lines as f64) < 0.33 * lines as f64 {
            let unit = unit(&mut rng, &api, &mut modules, &domain);
            let module = unit.module.clone();
            for f in &unit.files {
                client_lines += f.lines;
                lines += f.lines;
            }
            planted.extend(unit.planted);
            files.extend(unit.files);
            units.push(module);
        } else {
            let grouped = rng.chance(0.5);
            if grouped
                && (groups.is_empty() || groups.last().unwrap().1.len() >= 8 || rng.chance(0.1))
            {
                let name = modules.claim(rng.word(&[
                    "util", "model", "support", "domain", "calc", "text", "policy",
                ]));
                groups.push((name, Vec::new()));
            }
            let (dir, scope_names) = if grouped {
                let (g, members) = groups.last_mut().unwrap();
                (format!("src/{g}/"), members)
            } else {
                ("src/".to_string(), &mut top_fillers)
            };
            let name = if grouped {
                let mut local = Scope::default();
                for n in scope_names.iter() {
                    local.claim(n);
                }
                local.stem(&mut rng)
            } else {
                modules.stem(&mut rng)
            };
            let text = render(filler::module(&mut rng, &name));
            let file = GenFile::rust(&format!("{dir}{name}.rs"), text);
            lines += file.lines;
            files.push(file);
            scope_names.push(name);
        }
    }
    for (g, members) in &groups {
        let mods = members.iter().map(|m| ident(m));
        let doc = format!(" {} helpers of the {domain} service.", camel(g));
        files.push(GenFile::rust(
            &format!("src/{g}/mod.rs"),
            render(quote! {
                #![doc = #doc]
                #(pub mod #mods;)*
            }),
        ));
    }
    files.push(GenFile::rust(
        "src/lib.rs",
        render(lib_rs(&api, &domain, &units, &top_fillers, &groups)),
    ));
    CrateOut { files, planted }
}

fn crate_api(rng: &mut Rng, core: &str) -> CrateApi {
    let mut names: Vec<&str> = names::BUILDERS.to_vec();
    rng.shuffle(&mut names);
    let rets = [Ret::Bytes, Ret::Children, Ret::Exists];
    let mut builders: Vec<BuilderSpec> = Derive::ALL
        .iter()
        .map(|&d| Some(d))
        .chain([None])
        .zip(&names)
        .map(|(derive, name)| BuilderSpec {
            name: format_ident!("{}Builder", name),
            derive,
            at_ctor: rng.chance(0.5),
            ret: *rng.pick(&rets),
            timeout_ms: 1_000 * rng.range(5, 120) as u64,
        })
        .collect();
    rng.shuffle(&mut builders);
    let mut generic_names: Vec<&str> = vec![
        "watch_node",
        "watch_config",
        "read_with_watch",
        "watch_children",
        "probe_node",
        "watch_with_deadline",
        "read_tracked",
    ];
    rng.shuffle(&mut generic_names);
    let generics = (0..rng.range(1, 3))
        .map(|i| GenericSpec {
            name: ident(generic_names[i as usize]),
            derive: *rng.pick(&Derive::ALL),
            ret: *rng.pick(&rets),
            timeout_ms: 1_000 * rng.range(5, 120) as u64,
            where_clause: rng.chance(0.4),
        })
        .collect();
    CrateApi {
        core: core.to_string(),
        raw: ident(rng.word(names::RAW_CLIENTS)),
        builders,
        generics,
    }
}

fn core_path(api: &CrateApi) -> TokenStream {
    api.core.parse().unwrap()
}

fn clients(api: &CrateApi) -> TokenStream {
    let core = core_path(api);
    let raw = &api.raw;
    let doc = " The session client of this service, and its namespace view.";
    quote! {
        #![doc = #doc]
        use std::sync::Arc;
        use #core::{CuratorFramework, ZooKeeperHandle, DEFAULT_SESSION_TIMEOUT_MS};

        #[doc = " The raw client: every operation goes straight to the session."]
        #[derive(Clone)]
        pub struct #raw {
            zookeeper: Arc<ZooKeeperHandle>,
            namespace: Option<String>,
            session_timeout_ms: u64,
        }

        impl #raw {
            pub fn new(zookeeper: Arc<ZooKeeperHandle>) -> Self {
                #raw { zookeeper, namespace: None, session_timeout_ms: DEFAULT_SESSION_TIMEOUT_MS }
            }

            pub fn connect(connect_string: &str) -> Arc<Self> {
                Arc::new(Self::new(ZooKeeperHandle::connect(connect_string)))
            }

            fn with_timeout(&self, session_timeout_ms: u64) -> Self {
                #raw { session_timeout_ms, ..self.clone() }
            }
        }

        impl CuratorFramework for #raw {
            fn namespace(&self) -> Option<String> {
                self.namespace.clone()
            }

            fn zookeeper(&self) -> Arc<ZooKeeperHandle> {
                Arc::clone(&self.zookeeper)
            }

            fn session_timeout_ms(&self) -> u64 {
                self.session_timeout_ms
            }

            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                Arc::new(NamespaceFacade::new(Arc::new(self.clone()), ns))
            }

            fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework> {
                Arc::new(self.with_timeout(ms))
            }
        }

        #[doc = " The raw client seen under a namespace."]
        pub struct NamespaceFacade {
            client: Arc<#raw>,
            namespace: Option<String>,
        }

        impl NamespaceFacade {
            pub fn new(client: Arc<#raw>, namespace: Option<&str>) -> Self {
                NamespaceFacade { client, namespace: namespace.map(str::to_string) }
            }
        }

        impl CuratorFramework for NamespaceFacade {
            fn namespace(&self) -> Option<String> {
                self.namespace.clone()
            }

            fn zookeeper(&self) -> Arc<ZooKeeperHandle> {
                self.client.zookeeper()
            }

            fn session_timeout_ms(&self) -> u64 {
                self.client.session_timeout_ms()
            }

            fn using_namespace(&self, ns: Option<&str>) -> Arc<dyn CuratorFramework> {
                self.client.using_namespace(ns)
            }

            fn with_session_timeout(&self, ms: u64) -> Arc<dyn CuratorFramework> {
                Arc::new(NamespaceFacade {
                    client: Arc::new(self.client.with_timeout(ms)),
                    namespace: self.namespace.clone(),
                })
            }
        }
    }
}

fn builders(api: &CrateApi) -> TokenStream {
    let mut uses = Uses::default();
    uses.add("std::sync", "Arc");
    for n in [
        "fix_for_namespace",
        "CuratorFramework",
        "KeeperError",
        "Watcher",
        "Watching",
    ] {
        uses.add(&api.core, n);
    }
    let needs_stat = api.builders.iter().any(|b| matches!(b.ret, Ret::Exists))
        || api.generics.iter().any(|g| matches!(g.ret, Ret::Exists));
    if needs_stat {
        uses.add(&api.core, "Stat");
    }
    let uses = uses.tokens();
    let builders = api.builders.iter().map(builder);
    let generics = api.generics.iter().map(generic_fn);
    quote! {
        #![doc = " Builders for the operations recipes run; each can leave a watch behind."]
        #uses
        #(#builders)*
        #(#generics)*
    }
}

fn builder(b: &BuilderSpec) -> TokenStream {
    let name = &b.name;
    let ret = b.ret.ty();
    let op = b.ret.op();
    let why = match b.derive {
        Some(Derive::Namespace) | Some(Derive::NonNamespace) => {
            " The node is absolute: never resolve it against a namespace."
        }
        Some(Derive::Timeout) => " This operation runs with its own session timeout.",
        None => " Runs on the client it was given.",
    };
    let doc = format!(" Reads a node with `{op}`, optionally leaving a watch on it.");
    match (b.derive, b.at_ctor) {
        (Some(d), true) => {
            let derived = d.call(quote!(client), b.timeout_ms);
            quote! {
                #[doc = #doc]
                pub struct #name {
                    client: Arc<dyn CuratorFramework>,
                    watching: Watching,
                }

                impl #name {
                    #[doc = #why]
                    pub fn new(client: Arc<dyn CuratorFramework>) -> Self {
                        let client = #derived;
                        let watching = Watching::new(Arc::clone(&client), None);
                        #name { client, watching }
                    }

                    pub fn using_watcher(mut self, watcher: Watcher) -> Self {
                        self.watching = Watching::new(Arc::clone(&self.client), Some(watcher));
                        self
                    }

                    pub fn for_path(self, path: &str) -> Result<#ret, KeeperError> {
                        let full_path = fix_for_namespace(self.client.namespace().as_deref(), path);
                        let result = self.client.zookeeper().#op(&full_path, self.watching.watcher());
                        self.watching.commit_watcher(&full_path, result.is_ok());
                        result
                    }
                }
            }
        }
        (derive, _) => {
            let client = match derive {
                Some(d) => {
                    let derived = d.call(quote!(self.client), b.timeout_ms);
                    quote!(let client = #derived;)
                }
                None => quote!(let client = self.client;),
            };
            quote! {
                #[doc = #doc]
                pub struct #name {
                    client: Arc<dyn CuratorFramework>,
                    watcher: Option<Watcher>,
                }

                impl #name {
                    pub fn new(client: Arc<dyn CuratorFramework>) -> Self {
                        #name { client, watcher: None }
                    }

                    pub fn using_watcher(mut self, watcher: Watcher) -> Self {
                        self.watcher = Some(watcher);
                        self
                    }

                    #[doc = #why]
                    pub fn for_path(self, path: &str) -> Result<#ret, KeeperError> {
                        #client
                        let full_path = fix_for_namespace(client.namespace().as_deref(), path);
                        let watching = Watching::new(Arc::clone(&client), self.watcher);
                        let result = client.zookeeper().#op(&full_path, watching.watcher());
                        watching.commit_watcher(&full_path, result.is_ok());
                        result
                    }
                }
            }
        }
    }
}

fn generic_fn(g: &GenericSpec) -> TokenStream {
    let name = &g.name;
    let ret = g.ret.ty();
    let op = g.ret.op();
    let derived = g.derive.call(quote!(client), g.timeout_ms);
    let doc =
        format!(" Runs `{op}` on `path` through a view of `client` and leaves `watcher` on it.");
    let head = if g.where_clause {
        quote! {
            pub fn #name<C>(client: &C, path: &str, watcher: Watcher) -> Result<#ret, KeeperError>
            where
                C: CuratorFramework + ?Sized,
        }
    } else {
        quote! {
            pub fn #name<C: CuratorFramework + ?Sized>(client: &C, path: &str, watcher: Watcher) -> Result<#ret, KeeperError>
        }
    };
    quote! {
        #[doc = #doc]
        #head {
            let view = #derived;
            let full_path = fix_for_namespace(view.namespace().as_deref(), path);
            let watching = Watching::new(Arc::clone(&view), Some(watcher));
            let result = view.zookeeper().#op(&full_path, watching.watcher());
            watching.commit_watcher(&full_path, result.is_ok());
            result
        }
    }
}

// ---------------------------------------------------------------------------------------
// Units: a removal facade and the recipes around it.

#[derive(Clone, Copy, Debug)]
enum Leak {
    /// `self.client.m(args)`
    Direct,
    /// `self.inner_client().m(args)`
    Accessor,
    /// `let view = self.client.m(args); count; view`
    Let,
}

#[derive(Clone, Copy, Debug)]
enum Fix {
    /// `Arc::new(WatcherRemovalFacade { client: .., removal_manager: Arc::clone(..) })`
    StructLit,
    /// `Arc::new(Self::with_manager(.., Arc::clone(..)))`
    WithManager,
    /// `self.rewrap(..)`
    Rewrap,
    /// `let view = ..; Arc::new(WatcherRemovalFacade::with_manager(view, ..))`
    LetSharing,
}

#[derive(Clone, Copy, Debug)]
enum MethodImpl {
    Leak(Leak),
    Fix(Fix),
}

struct FacadeSpec {
    client_field: Ident,
    manager_field: Ident,
    accessor: Ident,
    counter: bool,
    with_manager: bool,
    self_literal: bool,
    methods: Vec<(Derive, MethodImpl)>,
}

impl FacadeSpec {
    fn random(rng: &mut Rng) -> Self {
        let mut derives = vec![Derive::Namespace, Derive::Timeout];
        if rng.chance(0.35) {
            derives.insert(1, Derive::NonNamespace);
        }
        let leaky = rng.chance(0.5);
        let mut leak_mask = vec![false; derives.len()];
        if leaky {
            let first = rng.below(derives.len());
            leak_mask[first] = true;
            if rng.chance(0.3) {
                leak_mask[rng.below(derives.len())] = true;
            }
        }
        let methods: Vec<(Derive, MethodImpl)> = derives
            .iter()
            .zip(&leak_mask)
            .map(|(&d, &leak)| {
                let imp = if leak {
                    MethodImpl::Leak(*rng.pick(&[
                        Leak::Direct,
                        Leak::Direct,
                        Leak::Accessor,
                        Leak::Let,
                    ]))
                } else {
                    MethodImpl::Fix(*rng.pick(&[
                        Fix::StructLit,
                        Fix::WithManager,
                        Fix::Rewrap,
                        Fix::LetSharing,
                    ]))
                };
                (d, imp)
            })
            .collect();
        let uses_let = methods.iter().any(|(_, m)| {
            matches!(
                m,
                MethodImpl::Leak(Leak::Let) | MethodImpl::Fix(Fix::LetSharing)
            )
        });
        let needs_with_manager = methods.iter().any(|(_, m)| {
            matches!(
                m,
                MethodImpl::Fix(Fix::WithManager) | MethodImpl::Fix(Fix::LetSharing)
            )
        });
        let client_field = ident(rng.word(&["client", "inner", "delegate"]));
        let accessor = ident(match client_field.to_string().as_str() {
            "client" => rng.word(&["inner_client", "wrapped"]),
            _ => rng.word(&["client", "wrapped"]),
        });
        FacadeSpec {
            client_field,
            manager_field: ident(rng.word(&["removal_manager", "manager", "watcher_manager"])),
            accessor,
            counter: uses_let || rng.chance(0.2),
            with_manager: needs_with_manager || rng.chance(0.5),
            self_literal: rng.chance(0.5),
            methods,
        }
    }
}

/// `name: value`, or the shorthand when they are the same.
fn field_init(name: &Ident, value: TokenStream) -> TokenStream {
    if *name == value.to_string() {
        quote!(#name)
    } else {
        quote!(#name: #value)
    }
}

/// The facade's items (struct and impls) and the `use`s they need; the derivation methods
/// that delegate come back as `(method, where the bypass expression is)`.
fn facade(f: &FacadeSpec, core: &str) -> (Uses, TokenStream, Vec<(String, BypassAt)>) {
    let mut uses = Uses::default();
    uses.add("std::sync", "Arc");
    if f.counter {
        uses.add("std::sync::atomic", "AtomicU64");
        uses.add("std::sync::atomic", "Ordering");
    }
    for n in [
        "CuratorFramework",
        "WatcherRemovalManager",
        "ZooKeeperHandle",
    ] {
        uses.add(core, n);
    }
    let cf = &f.client_field;
    let mf = &f.manager_field;
    let acc = &f.accessor;
    let counter_init = if f.counter {
        quote!(, derivations: AtomicU64::new(0))
    } else {
        quote!()
    };
    let counter_field = if f.counter {
        quote!(derivations: AtomicU64,)
    } else {
        quote!()
    };
    let count = if f.counter {
        quote!(self.derivations.fetch_add(1, Ordering::Relaxed);)
    } else {
        quote!()
    };
    let lit_name = if f.self_literal {
        quote!(Self)
    } else {
        quote!(WatcherRemovalFacade)
    };
    let init_client = field_init(cf, quote!(client));
    let init_manager = field_init(mf, quote!(#mf));
    let needs_accessor = f
        .methods
        .iter()
        .any(|(_, m)| matches!(m, MethodImpl::Leak(Leak::Accessor)));
    let needs_rewrap = f
        .methods
        .iter()
        .any(|(_, m)| matches!(m, MethodImpl::Fix(Fix::Rewrap)));

    let new_body = if f.with_manager {
        quote!(Self::with_manager(client, #mf))
    } else {
        quote!(#lit_name { #init_client, #init_manager #counter_init })
    };
    let with_manager = if f.with_manager {
        quote! {
            #[doc = " A facade over `client` that records into an existing manager."]
            pub fn with_manager(client: Arc<dyn CuratorFramework>, #mf: Arc<WatcherRemovalManager>) -> Self {
                #lit_name { #init_client, #init_manager #counter_init }
            }
        }
    } else {
        quote!()
    };
    let accessor = if needs_accessor {
        quote! {
            fn #acc(&self) -> &Arc<dyn CuratorFramework> {
                &self.#cf
            }
        }
    } else {
        quote!()
    };
    let rewrap = if needs_rewrap {
        quote! {
            #[doc = " Wraps a client derived from the inner one so that it records into this facade's manager."]
            fn rewrap(&self, client: Arc<dyn CuratorFramework>) -> Arc<dyn CuratorFramework> {
                Arc::new(#lit_name { #init_client, #mf: Arc::clone(&self.#mf) #counter_init })
            }
        }
    } else {
        quote!()
    };
    let derivation_count = if f.counter {
        quote! {
            pub fn derivation_count(&self) -> u64 {
                self.derivations.load(Ordering::Relaxed)
            }
        }
    } else {
        quote!()
    };

    let mut leaks = Vec::new();
    let methods: Vec<TokenStream> = f
        .methods
        .iter()
        .map(|&(d, imp)| {
            let name = d.method();
            let (params, args) = d.signature();
            let inner = match imp {
                MethodImpl::Leak(Leak::Accessor) => quote!(self.#acc()),
                _ => quote!(self.#cf),
            };
            let derived = quote!(#inner.#name(#args));
            let body = match imp {
                MethodImpl::Leak(Leak::Direct) | MethodImpl::Leak(Leak::Accessor) => {
                    leaks.push((name.to_string(), BypassAt::Tail));
                    derived
                }
                MethodImpl::Leak(Leak::Let) => {
                    leaks.push((name.to_string(), BypassAt::FirstLet));
                    quote! {
                        let view = #derived;
                        #count
                        view
                    }
                }
                MethodImpl::Fix(Fix::StructLit) => quote! {
                    Arc::new(#lit_name {
                        #cf: #derived,
                        #mf: Arc::clone(&self.#mf)
                        #counter_init
                    })
                },
                MethodImpl::Fix(Fix::WithManager) => quote! {
                    Arc::new(Self::with_manager(#derived, Arc::clone(&self.#mf)))
                },
                MethodImpl::Fix(Fix::Rewrap) => quote!(self.rewrap(#derived)),
                MethodImpl::Fix(Fix::LetSharing) => quote! {
                    let view = #derived;
                    #count
                    Arc::new(WatcherRemovalFacade::with_manager(view, Arc::clone(&self.#mf)))
                },
            };
            let doc = match imp {
                MethodImpl::Leak(_) => quote!(),
                MethodImpl::Fix(_) => quote! {
                    #[doc = " Stays in the chain: watches set through the derived view are still recorded here."]
                },
            };
            quote! {
                #doc
                fn #name(#params) -> Arc<dyn CuratorFramework> {
                    #body
                }
            }
        })
        .collect();

    let items = quote! {
        #[doc = " Wraps a client and records every watcher set through it, so that a recipe can"]
        #[doc = " remove all of its watches at once when it closes."]
        pub struct WatcherRemovalFacade {
            #cf: Arc<dyn CuratorFramework>,
            #mf: Arc<WatcherRemovalManager>,
            #counter_field
        }

        impl WatcherRemovalFacade {
            pub fn new(client: Arc<dyn CuratorFramework>) -> Self {
                let #mf = Arc::new(WatcherRemovalManager::new(client.zookeeper()));
                #new_body
            }

            #with_manager
            #accessor
            #rewrap

            #[doc = " Removes every watcher that was set through this facade."]
            pub fn remove_watchers(&self) -> usize {
                self.#mf.remove_watchers()
            }

            pub fn tracked_watchers(&self) -> usize {
                self.#mf.tracked_count()
            }

            #derivation_count
        }

        impl CuratorFramework for WatcherRemovalFacade {
            fn namespace(&self) -> Option<String> {
                self.#cf.namespace()
            }

            fn zookeeper(&self) -> Arc<ZooKeeperHandle> {
                self.#cf.zookeeper()
            }

            fn session_timeout_ms(&self) -> u64 {
                self.#cf.session_timeout_ms()
            }

            #(#methods)*

            fn watcher_removal_manager(&self) -> Option<Arc<WatcherRemovalManager>> {
                Some(Arc::clone(&self.#mf))
            }
        }
    };
    (uses, items, leaks)
}

#[derive(Clone, Copy)]
enum Step {
    Builder(usize),
    Generic(usize),
    Closure(usize),
}

struct RecipeSpec {
    ty: Ident,
    holds_dyn: bool,
    nested_ns: Option<String>,
    deref_ref: bool,
    steps: Vec<Step>,
    ignore: Ident,
    path: String,
}

struct UnitOut {
    module: String,
    files: Vec<GenFile>,
    planted: Vec<(String, usize)>,
}

fn unit(rng: &mut Rng, api: &CrateApi, modules: &mut Scope, domain: &str) -> UnitOut {
    let spec = FacadeSpec::random(rng);
    let (facade_uses, facade_items, leaks) = facade(&spec, &api.core);

    // Every derivation is exercised by some recipe, so a delegating override is a leak
    // whichever method it is; extra steps go through the plain builder or again.
    let mut steps: Vec<Step> = Derive::ALL
        .iter()
        .map(|&d| {
            let generic = api.generics.iter().position(|g| g.derive == d);
            match generic {
                Some(g) if rng.chance(0.4) => Step::Generic(g),
                _ if rng.chance(0.2) => Step::Closure(api.builder_for(d)),
                _ => Step::Builder(api.builder_for(d)),
            }
        })
        .collect();
    if rng.chance(0.5) {
        steps.push(Step::Builder(api.plain_builder()));
    }
    if rng.chance(0.3) {
        steps.push(Step::Builder(rng.below(api.builders.len())));
    }
    rng.shuffle(&mut steps);
    let n_recipes = rng.range(1, 3.min(steps.len() as i64)) as usize;
    let mut recipe_names: Vec<&(&str, &str)> = names::RECIPES.iter().collect();
    rng.shuffle(&mut recipe_names);
    // The module is named after its first recipe.
    let module = modules.claim(recipe_names[0].1);
    let module = module.as_str();
    let kinds = [
        "NodeCreated",
        "NodeDataChanged",
        "NodeChildrenChanged",
        "NodeDeleted",
    ];
    let mut recipes: Vec<RecipeSpec> = (0..n_recipes)
        .map(|i| RecipeSpec {
            ty: ident(recipe_names[i].0),
            holds_dyn: rng.chance(0.4),
            nested_ns: rng
                .chance(0.25)
                .then(|| recipe_names[i].1.replace('_', "-")),
            deref_ref: rng.chance(0.3),
            steps: Vec::new(),
            ignore: ident(rng.word(&kinds)),
            path: format!("/{domain}/{}", recipe_names[i].1),
        })
        .collect();
    for (i, s) in steps.into_iter().enumerate() {
        recipes[i % n_recipes].steps.push(s);
    }

    let alias = rng.chance(0.25).then(|| ident("RemovalFacade"));
    let facade_ty = alias
        .clone()
        .unwrap_or_else(|| ident("WatcherRemovalFacade"));
    let single_file = rng.chance(0.35);
    let core_raw = rng.chance(0.3);

    let mut recipe_uses = Uses::default();
    recipe_uses.add("std::sync", "Arc");
    recipe_uses.add("std::sync::atomic", "AtomicUsize");
    recipe_uses.add("std::sync::atomic", "Ordering");
    for n in [
        "CuratorFramework",
        "EventType",
        "KeeperError",
        "WatchedEvent",
        "Watcher",
    ] {
        recipe_uses.add(&api.core, n);
    }
    let facade_mod = if single_file {
        "self::facade"
    } else {
        "super::facade"
    };
    match &alias {
        Some(a) => recipe_uses.add(facade_mod, &format!("WatcherRemovalFacade as {a}")),
        None => recipe_uses.add(facade_mod, "WatcherRemovalFacade"),
    };
    for r in &recipes {
        for s in &r.steps {
            match *s {
                Step::Builder(b) | Step::Closure(b) => {
                    recipe_uses.add("crate::builders", &api.builders[b].name.to_string())
                }
                Step::Generic(g) => {
                    recipe_uses.add("crate::builders", &api.generics[g].name.to_string())
                }
            };
        }
    }
    let recipe_items: Vec<TokenStream> =
        recipes.iter().map(|r| recipe(r, api, &facade_ty)).collect();

    // bootstrap: runs the recipes on a raw client, and one builder directly on it (no facade).
    let mut boot_uses = Uses::default();
    boot_uses.add(&api.core, "KeeperError");
    let connect = if core_raw {
        let core = core_path(api);
        quote!(#core::connect(connect_string))
    } else {
        let raw = &api.raw;
        boot_uses.add("crate::clients", &raw.to_string());
        quote!(#raw::connect(connect_string))
    };
    let mut vars = Scope::default();
    let starts: Vec<TokenStream> = recipes
        .iter()
        .map(|r| {
            let ty = &r.ty;
            let var = ident(&vars.claim(&snake(&r.ty.to_string())));
            let path = &r.path;
            quote! {
                let #var = #ty::new(client.clone(), #path);
                total += #var.start()?;
                total += #var.close();
            }
        })
        .collect();
    let direct_builder = rng.chance(0.5).then(|| rng.below(api.builders.len()));
    let direct = if let Some(b) = direct_builder {
        let b = &api.builders[b];
        let name = &b.name;
        boot_uses.add("crate::builders", &name.to_string());
        let v = ident(b.ret.var());
        let count = b.ret.count(&v);
        quote! {
            let #v = #name::new(client.clone()).for_path("/zookeeper/config")?;
            total += #count;
        }
    } else {
        quote!()
    };
    let boot = quote! {
        #[doc = " Starts the recipes of this module on one session and closes them again."]
        pub fn bootstrap(connect_string: &str) -> Result<usize, KeeperError> {
            let client = #connect;
            let mut total = 0;
            #(#starts)*
            #direct
            Ok(total)
        }
    };
    let recipe_names_list: Vec<&Ident> = recipes.iter().map(|r| &r.ty).collect();
    let doc = format!(
        " {} recipes of the {domain} service, with the removal facade they clean up through.",
        camel(module)
    );
    let dir = format!("src/{module}");
    let mut planted = Vec::new();
    let mut files = Vec::new();
    if single_file {
        let all = recipe_uses.merged(&boot_uses).tokens();
        let facade_uses = facade_uses.tokens();
        let text = render(quote! {
            #![doc = #doc]
            #all
            pub mod facade {
                #facade_uses
                #facade_items
            }
            #(#recipe_items)*
            #boot
        });
        let path = format!("{dir}.rs");
        for (method, at) in &leaks {
            planted.push((path.clone(), locate(&text, method, *at, &path)));
        }
        files.push(GenFile::rust(&path, text));
    } else {
        let facade_uses = facade_uses.tokens();
        let ftext = render(quote! {
            #![doc = " The removal facade of this module's recipes."]
            #facade_uses
            #facade_items
        });
        let fpath = format!("{dir}/facade.rs");
        for (method, at) in &leaks {
            planted.push((fpath.clone(), locate(&ftext, method, *at, &fpath)));
        }
        files.push(GenFile::rust(&fpath, ftext));
        let ruses = recipe_uses.tokens();
        files.push(GenFile::rust(
            &format!("{dir}/recipes.rs"),
            render(quote! {
                #ruses
                #(#recipe_items)*
            }),
        ));
        let buses = boot_uses.tokens();
        files.push(GenFile::rust(
            &format!("{dir}/mod.rs"),
            render(quote! {
                #![doc = #doc]
                pub mod facade;
                pub mod recipes;
                pub use facade::WatcherRemovalFacade;
                pub use recipes::{#(#recipe_names_list),*};
                #buses
                #boot
            }),
        ));
    }
    UnitOut {
        module: module.to_string(),
        files,
        planted,
    }
}

fn locate(text: &str, method: &str, at: BypassAt, path: &str) -> usize {
    locate_bypass(text, method, at)
        .unwrap_or_else(|| panic!("bypass of `{method}` not found in generated {path}"))
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn recipe(r: &RecipeSpec, api: &CrateApi, facade_ty: &Ident) -> TokenStream {
    let ty = &r.ty;
    let ignore = &r.ignore;
    let nested = match &r.nested_ns {
        Some(ns) => quote!(let client = client.using_namespace(Some(#ns));),
        None => quote!(),
    };
    let (fields, make, holder) = if r.holds_dyn {
        (
            quote! {
                client: Arc<dyn CuratorFramework>,
                facade: Arc<#facade_ty>,
            },
            quote! {
                let facade = Arc::new(#facade_ty::new(client));
                let client: Arc<dyn CuratorFramework> = facade.clone();
            },
            quote!(facade),
        )
    } else {
        (
            quote!(client: Arc<#facade_ty>,),
            quote!(let client = Arc::new(#facade_ty::new(client));),
            quote!(client),
        )
    };
    let init_facade = if r.holds_dyn {
        quote!(facade,)
    } else {
        quote!()
    };
    let arc = if r.holds_dyn {
        quote!(Arc::clone(&self.client))
    } else {
        quote!(self.client.clone())
    };
    let reference = if r.deref_ref {
        quote!(&*self.client)
    } else {
        quote!(self.client.as_ref())
    };
    let mut vars = Scope::default();
    let steps: Vec<TokenStream> = r
        .steps
        .iter()
        .map(|s| match *s {
            Step::Builder(b) => {
                let b = &api.builders[b];
                let name = &b.name;
                let v = ident(&vars.claim(b.ret.var()));
                let count = b.ret.count(&v);
                quote! {
                    let #v = #name::new(#arc)
                        .using_watcher(Arc::clone(&self.watcher))
                        .for_path(&self.path)?;
                    total += #count;
                }
            }
            Step::Generic(g) => {
                let g = &api.generics[g];
                let name = &g.name;
                let v = ident(&vars.claim(g.ret.var()));
                let count = g.ret.count(&v);
                quote! {
                    let #v = #name(#reference, &self.path, Arc::clone(&self.watcher))?;
                    total += #count;
                }
            }
            Step::Closure(b) => {
                let b = &api.builders[b];
                let name = &b.name;
                let f = ident(&vars.claim("read"));
                let v = ident(&vars.claim(b.ret.var()));
                let count = b.ret.count(&v);
                quote! {
                    let #f = {
                        let client = #arc;
                        let watcher = Arc::clone(&self.watcher);
                        move |path: &str| #name::new(client.clone()).using_watcher(Arc::clone(&watcher)).for_path(path)
                    };
                    let #v = #f(&self.path)?;
                    total += #count;
                }
            }
        })
        .collect();
    let doc = format!(" Curator's `{ty}` recipe on the nodes under its path.");
    quote! {
        #[doc = #doc]
        pub struct #ty {
            #fields
            path: String,
            watcher: Watcher,
            observed: Arc<AtomicUsize>,
        }

        impl #ty {
            pub fn new(client: Arc<dyn CuratorFramework>, path: &str) -> Self {
                #nested
                #make
                let observed = Arc::new(AtomicUsize::new(0));
                let seen = Arc::clone(&observed);
                let watcher: Watcher = Arc::new(move |event: &WatchedEvent| {
                    if event.kind != EventType::#ignore {
                        seen.fetch_add(1, Ordering::SeqCst);
                    }
                });
                #ty { client, #init_facade path: path.to_string(), watcher, observed }
            }

            pub fn start(&self) -> Result<usize, KeeperError> {
                let mut total = 0;
                #(#steps)*
                Ok(total)
            }

            pub fn observed(&self) -> usize {
                self.observed.load(Ordering::SeqCst)
            }

            pub fn close(&self) -> usize {
                self.#holder.remove_watchers()
            }
        }
    }
}

fn lib_rs(
    api: &CrateApi,
    domain: &str,
    units: &[String],
    fillers: &[String],
    groups: &[(String, Vec<String>)],
) -> TokenStream {
    let core = core_path(api);
    let raw = &api.raw;
    let doc =
        format!(" The {domain} service: recipes on the coordination client, and its domain code.");
    let mut mods: Vec<&str> = vec!["builders", "clients"];
    mods.extend(units.iter().map(String::as_str));
    mods.extend(fillers.iter().map(String::as_str));
    mods.extend(groups.iter().map(|(g, _)| g.as_str()));
    mods.sort();
    let mods = mods.into_iter().map(ident);
    let units = units.iter().map(|u| ident(u));
    quote! {
        #![doc = #doc]
        #(pub mod #mods;)*
        pub use clients::{NamespaceFacade, #raw};
        #[doc = " Runs the bootstrap of every recipe module in turn."]
        pub fn bootstrap_all(connect_string: &str) -> Result<usize, #core::KeeperError> {
            let mut total = 0;
            #(total += #units::bootstrap(connect_string)?;)*
            Ok(total)
        }
    }
}
