//! The recipe half of a generated program: one struct per recipe that creates its own
//! watcher-removal facade, runs its steps from the client it holds to a builder, and closes
//! the facade; helper items the steps need; the registry two recipes share; and `main`,
//! which starts every recipe, closes them in reverse order and prints `leak N` for each
//! recipe whose registration site still holds a watch after its own close.

use super::framework::{builder_ident, default_method_ident};
use crate::program::{BuilderKind, Carrier, HelperRecv, IterKind, Program, Receiver, Source, Step};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The names recipe code uses for framework items (renamed in some layouts).
pub struct Names {
    pub client: Ident,
    pub facade: Ident,
}

/// What rendering a recipe adds besides its own statements.
#[derive(Default)]
struct Extra {
    items: Vec<TokenStream>,
    fields: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    next_id: usize,
}

struct Ctx<'a> {
    p: &'a Program,
    n: &'a Names,
    extra: Extra,
    recipe: usize,
}

impl Ctx<'_> {
    fn fresh(&mut self, prefix: &str) -> Ident {
        self.extra.next_id += 1;
        format_ident!("{}_{}_{}", prefix, self.recipe, self.extra.next_id)
    }

    fn fresh_type(&mut self, prefix: &str) -> Ident {
        self.extra.next_id += 1;
        format_ident!("{}{}x{}", prefix, self.recipe, self.extra.next_id)
    }

    fn cl(&self) -> TokenStream {
        let client = &self.n.client;
        quote!(Arc<dyn #client>)
    }

    /// A method step applied to `recv` (any expression that auto-derefs to a client).
    fn method(&self, step: &Step, recv: TokenStream) -> TokenStream {
        match step {
            Step::View(0) => {
                let ns = format!("ns{}", self.recipe);
                quote!(#recv.using_namespace(Some(#ns)))
            }
            Step::View(v) => {
                let name = format_ident!("{}", self.p.views[*v].name);
                quote!(#recv.#name())
            }
            Step::DefaultView => quote!(#recv.non_namespace_view()),
            Step::DerefView => quote!(#recv.scoped_view()),
            _ => unreachable!("not a method step: {step:?}"),
        }
    }

    /// `step` applied to `var`, a place or reference of type `Arc<dyn Client>`; yields an
    /// owned `Arc<dyn Client>`.
    fn step(&mut self, step: &Step, var: TokenStream) -> TokenStream {
        let cl = self.cl();
        match step {
            Step::View(_) | Step::DefaultView | Step::DerefView => self.method(step, var),
            Step::Clone => quote!(#var.clone()),
            Step::ArcClone => quote!(Arc::clone(&#var)),
            Step::Carry(carrier, inner) => {
                let inner = inner.as_deref();
                self.carry(*carrier, inner, var, cl)
            }
        }
    }

    fn inner_or_clone(&mut self, inner: Option<&Step>, var: TokenStream) -> TokenStream {
        match inner {
            Some(s) => self.step(s, var),
            None => quote!(Arc::clone(&#var)),
        }
    }

    fn carry(
        &mut self,
        carrier: Carrier,
        inner: Option<&Step>,
        var: TokenStream,
        cl: TokenStream,
    ) -> TokenStream {
        let client = self.n.client.clone();
        match carrier {
            Carrier::CacheMap => {
                let field = self.fresh("views");
                let key = format!("{field}");
                let body = self.inner_or_clone(inner, var);
                self.extra
                    .fields
                    .push(quote!(#field: Mutex<HashMap<String, #cl>>));
                self.extra
                    .inits
                    .push(quote!(#field: Mutex::new(HashMap::new())));
                quote! {
                    self.#field.lock().unwrap().entry(#key.to_string()).or_insert_with(|| #body).clone()
                }
            }
            Carrier::LazyOption => {
                let field = self.fresh("lazy");
                let body = self.inner_or_clone(inner, var);
                self.extra.fields.push(quote!(#field: Mutex<Option<#cl>>));
                self.extra.inits.push(quote!(#field: Mutex::new(None)));
                quote!(self.#field.lock().unwrap().get_or_insert_with(|| #body).clone())
            }
            Carrier::OnceLock => {
                let field = self.fresh("once");
                let body = self.inner_or_clone(inner, var);
                self.extra.fields.push(quote!(#field: OnceLock<#cl>));
                self.extra.inits.push(quote!(#field: OnceLock::new()));
                quote!(Arc::clone(self.#field.get_or_init(|| #body)))
            }
            Carrier::SelfHandle => {
                let holder = self.fresh_type("Holder");
                let body = self.inner_or_clone(inner, quote!(me.client));
                self.extra.items.push(quote! {
                    #[doc = " Keeps a client and a handle to itself."]
                    struct #holder {
                        me: Weak<#holder>,
                        client: #cl,
                    }

                    impl #holder {
                        fn new(client: #cl) -> Arc<#holder> {
                            Arc::new_cyclic(|me| #holder { me: me.clone(), client })
                        }

                        fn derive(&self) -> #cl {
                            let me = self.me.upgrade().expect("holder alive");
                            #body
                        }
                    }
                });
                quote!(#holder::new(Arc::clone(&#var)).derive())
            }
            Carrier::Iter(kind) => {
                let body = self.inner_or_clone(inner, quote!(c));
                match kind {
                    IterKind::MapCollect => quote! {
                        [Arc::clone(&#var)].iter().map(|c| #body).collect::<Vec<#cl>>().remove(0)
                    },
                    IterKind::FilterMap => quote! {
                        [Arc::clone(&#var)].iter().filter_map(|c| Some(#body)).next().expect("one client")
                    },
                    IterKind::ForEach => quote! {
                        {
                            let mut derived: Vec<#cl> = Vec::new();
                            [Arc::clone(&#var)].iter().for_each(|c| derived.push(#body));
                            derived.remove(0)
                        }
                    },
                }
            }
            Carrier::StoredClosure => {
                let field = self.fresh("factory");
                let body = self.inner_or_clone(inner, quote!(c));
                self.extra
                    .fields
                    .push(quote!(#field: Box<dyn Fn(&#cl) -> #cl + Send + Sync>));
                self.extra
                    .inits
                    .push(quote!(#field: Box::new(|c: &#cl| #body)));
                quote!((self.#field)(&#var))
            }
            Carrier::Thread => {
                let body = self.inner_or_clone(inner, quote!(c));
                quote! {
                    {
                        let c = Arc::clone(&#var);
                        std::thread::spawn(move || #body).join().expect("worker finished")
                    }
                }
            }
            Carrier::AsyncBlock => {
                let body = self.inner_or_clone(inner, quote!(c));
                quote! {
                    {
                        let c = Arc::clone(&#var);
                        block_on(async move { #body })
                    }
                }
            }
            Carrier::AsyncFn => {
                let f = self.fresh("derive_async");
                let body = self.inner_or_clone(inner, quote!(c));
                self.extra.items.push(quote! {
                    async fn #f(c: #cl) -> #cl {
                        #body
                    }
                });
                quote!(block_on(#f(Arc::clone(&#var))))
            }
            Carrier::Helper(recv) => {
                let f = self.fresh("derive_with");
                let m = inner.expect("a helper runs a method step");
                let body = self.method(m, quote!(c));
                // The argument is made from an owned handle so that `var` may be a place
                // or a reference to one.
                let (sig, arg) = match recv {
                    HelperRecv::RefDyn => (quote!(fn #f(c: &dyn #client) -> #cl), quote!(&*owned)),
                    HelperRecv::ArcRef => (quote!(fn #f(c: &#cl) -> #cl), quote!(&owned)),
                    HelperRecv::SmartPointer => (
                        quote!(fn #f<C: Deref<Target = dyn #client>>(c: C) -> #cl),
                        quote!(owned),
                    ),
                    HelperRecv::GenericUnsized => (
                        quote!(fn #f<C: #client + ?Sized>(c: &C) -> #cl),
                        quote!(&*owned),
                    ),
                    HelperRecv::ImplTrait => (
                        quote!(fn #f(c: &(impl #client + ?Sized)) -> #cl),
                        quote!(&*owned),
                    ),
                };
                self.extra.items.push(quote! {
                    #sig {
                        #body
                    }
                });
                quote! {
                    {
                        let owned: #cl = Arc::clone(&#var);
                        #f(#arg)
                    }
                }
            }
        }
    }
}

fn recipe_ident(r: usize) -> Ident {
    const NAMES: &[&str] = &[
        "NodeCache",
        "LeaderLatch",
        "PathChildrenCache",
        "EnsembleTracker",
        "SharedCount",
        "TreeCache",
    ];
    format_ident!("{}{}", NAMES[r % NAMES.len()], r)
}

/// How recipe `r` holds its client: field type, initializer from `owner`, generic header.
fn receiver_parts(recv: Receiver, n: &Names) -> Option<(TokenStream, TokenStream)> {
    let client = &n.client;
    let facade = &n.facade;
    Some(match recv {
        Receiver::ArcDyn => (quote!(Arc<dyn #client>), quote!(owner.clone())),
        Receiver::ArcFacade => (quote!(Arc<#facade>), quote!(Arc::clone(&owner))),
        Receiver::FacadeByValue => (quote!(#facade), quote!((*owner).clone())),
        Receiver::BoxDyn => (quote!(Box<dyn #client>), quote!(Box::new((*owner).clone()))),
        Receiver::Generic => (quote!(Arc<C>), quote!(Arc::clone(&owner))),
        Receiver::GenericUnsized => (quote!(Arc<C>), quote!(owner.clone())),
        Receiver::RefDyn => return None,
    })
}

/// The expression that reads the recipe's client, and whether a method step may be called
/// on it directly (`scoped_view` needs something that derefs to `dyn Client`).
fn receiver_expr(recv: Receiver) -> (TokenStream, bool) {
    match recv {
        Receiver::RefDyn => (quote!(self.client()), true),
        Receiver::Generic | Receiver::GenericUnsized => (quote!(self.client), false),
        _ => (quote!(self.client), true),
    }
}

/// The first client value of the chain, as an owned `Arc<dyn Client>`.
fn receiver_to_client(recv: Receiver) -> TokenStream {
    match recv {
        Receiver::ArcDyn => quote!(Arc::clone(&self.client)),
        Receiver::ArcFacade => quote!(self.client.clone()),
        Receiver::FacadeByValue => quote!(Arc::new(self.client.clone())),
        Receiver::BoxDyn | Receiver::Generic | Receiver::GenericUnsized => {
            quote!(self.client.self_arc())
        }
        Receiver::RefDyn => quote!(self.client().self_arc()),
    }
}

fn recipe(p: &Program, n: &Names, r: usize) -> TokenStream {
    let recipe = &p.recipes[r];
    let mut cx = Ctx {
        p,
        n,
        extra: Extra::default(),
        recipe: r,
    };
    let cl = cx.cl();
    let client = &n.client;
    let facade = &n.facade;
    let name = recipe_ident(r);

    // The chain: c0 from the source, then one binding per step.
    let mut stmts = Vec::new();
    let mut steps = recipe.steps.iter();
    let mut last = format_ident!("c0");
    match recipe.source {
        Source::Registry(from) => {
            let key = format!("recipe-{from}");
            stmts.push(quote!(let c0: #cl = self.registry.lookup(#key);));
        }
        Source::Own(recv) => {
            let (expr, direct) = receiver_expr(recv);
            let first = recipe.steps[0].clone();
            if first.is_method() && (direct || first != Step::DerefView) {
                steps.next();
                let call = cx.method(&first, expr);
                stmts.push(quote!(let c0: #cl = #call;));
            } else {
                let to_client = receiver_to_client(recv);
                stmts.push(quote!(let c0: #cl = #to_client;));
            }
        }
    }
    for (i, step) in steps.enumerate() {
        let next = format_ident!("c{}", i + 1);
        let expr = cx.step(step, quote!(#last));
        stmts.push(quote!(let #next: #cl = #expr;));
        last = next;
    }
    if p.publishes(r) {
        let key = format!("recipe-{r}");
        stmts.push(quote!(self.registry.publish(#key, Arc::clone(&#last));));
    }
    let builder = builder_ident(r);
    let made = match recipe.builder {
        BuilderKind::New => quote!(#builder::new(#last)),
        BuilderKind::Into => quote!({
            let builder: #builder = #last.into();
            builder
        }),
        BuilderKind::Borrowed => quote!(#builder::borrowing(&*#last)),
        BuilderKind::TraitDefaultView(_) | BuilderKind::TraitDefaultSelf => {
            let method = default_method_ident(r);
            quote!(#last.#method())
        }
    };
    let watcher = recipe
        .watcher
        .then(|| quote!(.using_watcher(Arc::clone(&self.watcher))));
    let path = format!("/recipes/{}/node", r);
    stmts.push(quote!(#made #watcher.for_path(#path).watch()?;));

    let (generics, impl_new, impl_all, client_field, client_init, accessor) = match recipe.source {
        Source::Own(recv) => {
            let accessor = (recv == Receiver::RefDyn).then(|| {
                quote! {
                    fn client(&self) -> &(dyn #client + 'static) {
                        &*self.owner
                    }
                }
            });
            let (generics, impl_new, impl_all) = match recv {
                Receiver::Generic => (
                    quote!(<C: #client + ?Sized>),
                    quote!(impl #name<#facade>),
                    quote!(impl<C: #client + ?Sized> #name<C>),
                ),
                Receiver::GenericUnsized => (
                    quote!(<C: #client + ?Sized>),
                    quote!(impl #name<dyn #client>),
                    quote!(impl<C: #client + ?Sized> #name<C>),
                ),
                _ => (quote!(), quote!(impl #name), quote!(impl #name)),
            };
            let (field, init) = match receiver_parts(recv, n) {
                Some((ty, init)) => (quote!(client: #ty,), quote!(client: #init,)),
                None => (quote!(), quote!()),
            };
            (generics, impl_new, impl_all, field, init, accessor)
        }
        Source::Registry(_) => (
            quote!(),
            quote!(impl #name),
            quote!(impl #name),
            quote!(),
            quote!(),
            None,
        ),
    };
    let Extra {
        items,
        fields,
        inits,
        ..
    } = cx.extra;
    quote! {
        pub struct #name #generics {
            owner: Arc<#facade>,
            #client_field
            registry: Arc<Registry>,
            watcher: Arc<dyn Watcher>,
            #(#fields,)*
        }

        #impl_new {
            pub fn new(client: Arc<dyn #client>, registry: Arc<Registry>) -> Self {
                let owner = client.new_watcher_remove_curator_framework();
                #name {
                    #client_init
                    owner,
                    registry,
                    watcher: Arc::new(LogWatcher),
                    #(#inits,)*
                }
            }
        }

        #impl_all {
            #accessor

            pub fn start(&self) -> Result<(), KeeperError> {
                #(#stmts)*
                Ok(())
            }

            pub fn close(&self) {
                self.owner.remove_watchers();
            }
        }

        #(#items)*
    }
}

pub fn recipes(p: &Program, n: &Names) -> TokenStream {
    let client = &n.client;
    let recipes = (0..p.recipes.len()).map(|r| recipe(p, n, r));
    quote! {
        struct LogWatcher;

        impl Watcher for LogWatcher {
            fn process(&self, _path: &str) {}
        }

        #[doc = " Clients recipes hand to each other by name."]
        #[derive(Default)]
        pub struct Registry {
            entries: Mutex<HashMap<String, Arc<dyn #client>>>,
        }

        impl Registry {
            pub fn publish(&self, key: &str, client: Arc<dyn #client>) {
                self.entries.lock().unwrap().insert(key.to_string(), client);
            }

            pub fn lookup(&self, key: &str) -> Arc<dyn #client> {
                self.entries.lock().unwrap().get(key).cloned().expect("published earlier")
            }
        }

        #(#recipes)*
    }
}

/// `main`: start every recipe in order, close them in reverse order, and after each close
/// print `leak N` when recipe N's registration site still holds a watch.
pub fn main_fn(p: &Program, n: &Names, recipes_path: TokenStream) -> TokenStream {
    let client = &n.client;
    let vars: Vec<Ident> = (0..p.recipes.len())
        .map(|r| format_ident!("recipe_{}", r))
        .collect();
    let starts = vars.iter().enumerate().map(|(r, var)| {
        let name = recipe_ident(r);
        let msg = format!("recipe {r} starts");
        quote! {
            let #var = #recipes_path #name::new(Arc::clone(&client), Arc::clone(&registry));
            #var.start().expect(#msg);
        }
    });
    let closes = vars.iter().enumerate().rev().map(|(r, var)| {
        let site = r as u32;
        quote! {
            #var.close();
            if zookeeper.holds_watch(#site) {
                println!("leak {}", #site);
            }
        }
    });
    quote! {
        fn main() {
            let zookeeper = ZooKeeper::connect();
            let client: Arc<dyn #client> = CuratorFrameworkImpl::new(Arc::clone(&zookeeper));
            let registry = Arc::new(#recipes_path Registry::default());
            #(#starts)*
            #(#closes)*
        }
    }
}
