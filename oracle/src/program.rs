//! The model of a generated program: what the framework's facade does in each view method,
//! and, per recipe, how its work reaches the client it registers a watch through.
//!
//! Every step maps a client (`Arc<dyn CuratorFramework>`) to a client, so any sequence of
//! steps composes and compiles; what a step *does* to the facade chain is decided at run
//! time by the objects it meets, which is the point: the oracle never predicts a leak, it
//! observes one. The model is plain data so that the minimizer can edit it.

use facadelint_bench::gen::rng::Rng;

/// What `WatcherRemovalFacade` does in one of its view methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacadeKind {
    /// Re-wraps the inner client's view in a facade that shares this facade's tracker.
    SharedRewrap,
    /// Returns the inner client's view: the facade drops out of the chain.
    Delegate,
    /// Re-wraps the inner client's view in a facade with a tracker of its own.
    FreshRewrap,
    /// Hands out the inner client itself.
    RawInner,
}

impl FacadeKind {
    pub const ALL: [FacadeKind; 4] = [
        FacadeKind::SharedRewrap,
        FacadeKind::Delegate,
        FacadeKind::FreshRewrap,
        FacadeKind::RawInner,
    ];

    pub fn name(self) -> &'static str {
        match self {
            FacadeKind::SharedRewrap => "shared-rewrap",
            FacadeKind::Delegate => "delegate",
            FacadeKind::FreshRewrap => "fresh-rewrap",
            FacadeKind::RawInner => "raw-inner",
        }
    }
}

/// A view method of the client trait. Index 0 is always `using_namespace(ns)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct View {
    pub name: String,
    pub kind: FacadeKind,
    /// The facade's method is written by the local `facade_view!` macro.
    pub via_macro: bool,
}

/// How a recipe holds its client (the receiver of its first step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Receiver {
    ArcDyn,
    ArcFacade,
    FacadeByValue,
    BoxDyn,
    Generic,
    GenericUnsized,
    RefDyn,
}

impl Receiver {
    pub const ALL: [Receiver; 7] = [
        Receiver::ArcDyn,
        Receiver::ArcFacade,
        Receiver::FacadeByValue,
        Receiver::BoxDyn,
        Receiver::Generic,
        Receiver::GenericUnsized,
        Receiver::RefDyn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Receiver::ArcDyn => "recv:Arc<dyn>",
            Receiver::ArcFacade => "recv:Arc<Facade>",
            Receiver::FacadeByValue => "recv:facade-by-value",
            Receiver::BoxDyn => "recv:Box<dyn>",
            Receiver::Generic => "recv:generic",
            Receiver::GenericUnsized => "recv:generic-?Sized",
            Receiver::RefDyn => "recv:&dyn",
        }
    }
}

/// How a helper function receives the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HelperRecv {
    /// `fn f(c: &dyn CuratorFramework)`.
    RefDyn,
    /// `fn f(c: &Arc<dyn CuratorFramework>)`.
    ArcRef,
    /// `fn f<C: Deref<Target = dyn CuratorFramework>>(c: C)`: generic over the smart pointer.
    SmartPointer,
    /// `fn f<C: CuratorFramework + ?Sized>(c: &C)`.
    GenericUnsized,
    /// `fn f(c: &(impl CuratorFramework + ?Sized))`.
    ImplTrait,
}

impl HelperRecv {
    /// Whether the parameter derefs to `dyn CuratorFramework` (so the extension trait, which
    /// is implemented for the trait object only, applies).
    pub fn reaches_dyn(self) -> bool {
        matches!(
            self,
            HelperRecv::RefDyn | HelperRecv::ArcRef | HelperRecv::SmartPointer
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IterKind {
    MapCollect,
    FilterMap,
    ForEach,
}

/// A construct that carries a value through (and may run one inner step inside itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Carrier {
    /// `Mutex<HashMap<String, Client>>` field, `entry(k).or_insert_with(|| …)`.
    CacheMap,
    /// `Mutex<Option<Client>>` field, `get_or_insert_with(|| …)`.
    LazyOption,
    /// `OnceLock<Client>` field, `get_or_init(|| …)`.
    OnceLock,
    /// A struct built with `Arc::new_cyclic` whose method upgrades its `Weak<Self>`.
    SelfHandle,
    Iter(IterKind),
    /// `Box<dyn Fn(&Client) -> Client>` field set in `new`.
    StoredClosure,
    /// `std::thread::spawn(move || …).join()`.
    Thread,
    /// `async` block driven by the program's tiny executor.
    AsyncBlock,
    /// `async fn` driven by the program's tiny executor.
    AsyncFn,
    /// A free function receiving the client in one of several ways (inner step required).
    Helper(HelperRecv),
}

impl Carrier {
    /// A helper receives something that is not an `Arc`: only a method call can go on.
    pub fn needs_method_inner(self) -> bool {
        matches!(self, Carrier::Helper(_))
    }

    /// Carriers kept in a field of the recipe: they need the recipe's `self`, so they cannot
    /// run inside a thread, a free function or another struct's method.
    pub fn needs_recipe(self) -> bool {
        matches!(
            self,
            Carrier::CacheMap | Carrier::LazyOption | Carrier::OnceLock | Carrier::StoredClosure
        )
    }

    /// Whether the inner step runs where the recipe's `self` is not reachable.
    pub fn detaches(self) -> bool {
        matches!(
            self,
            Carrier::SelfHandle
                | Carrier::StoredClosure
                | Carrier::Thread
                | Carrier::AsyncFn
                | Carrier::Helper(_)
        )
    }

    pub const ALL: [Carrier; 16] = [
        Carrier::CacheMap,
        Carrier::LazyOption,
        Carrier::OnceLock,
        Carrier::SelfHandle,
        Carrier::Iter(IterKind::MapCollect),
        Carrier::Iter(IterKind::FilterMap),
        Carrier::Iter(IterKind::ForEach),
        Carrier::StoredClosure,
        Carrier::Thread,
        Carrier::AsyncBlock,
        Carrier::AsyncFn,
        Carrier::Helper(HelperRecv::RefDyn),
        Carrier::Helper(HelperRecv::ArcRef),
        Carrier::Helper(HelperRecv::SmartPointer),
        Carrier::Helper(HelperRecv::GenericUnsized),
        Carrier::Helper(HelperRecv::ImplTrait),
    ];
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// `c.<view>()` (`using_namespace(Some(..))` for view 0).
    View(usize),
    /// `c.non_namespace_view()`: the trait's default method, never overridden.
    DefaultView,
    /// `c.scoped_view()`: an extension trait implemented for `dyn CuratorFramework` only, so on
    /// a concrete facade it is reached through the facade's `Deref` to its inner client.
    DerefView,
    Clone,
    ArcClone,
    Carry(Carrier, Option<Box<Step>>),
}

impl Step {
    /// Steps that are a method call on the client (allowed inside helpers and on
    /// receivers that are not an `Arc<dyn _>`).
    pub fn is_method(&self) -> bool {
        matches!(self, Step::View(_) | Step::DefaultView | Step::DerefView)
    }
}

/// How the final client reaches the builder that registers the watch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BuilderKind {
    /// `GetDataBuilderN::new(client)`.
    New,
    /// `let b: GetDataBuilderN = client.into();`.
    Into,
    /// `GetDataBuilderN::borrowing(&*client)`: the builder holds `&'a dyn CuratorFramework`.
    Borrowed,
    /// `client.get_data_n()`: a trait default method building it from `self.<view>()`.
    TraitDefaultView(usize),
    /// `client.get_data_n()`: a trait default method building it from `self.self_arc()`,
    /// the client's own self-handle.
    TraitDefaultSelf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The recipe's own facade, held as the receiver says.
    Own(Receiver),
    /// The client recipe `n` (created and started earlier) published in the shared registry.
    Registry(usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipe {
    pub source: Source,
    pub steps: Vec<Step>,
    pub builder: BuilderKind,
    /// Whether the builder is given a watcher (without one nothing is registered).
    pub watcher: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    OneModule,
    Modules,
    Workspace,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::OneModule => "one module",
            Layout::Modules => "modules, renames, re-exports",
            Layout::Workspace => "two-crate workspace",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    pub seed: u64,
    pub layout: Layout,
    pub views: Vec<View>,
    pub recipes: Vec<Recipe>,
}

const VIEW_NAMES: &[&str] = &[
    "detached_view",
    "session_view",
    "with_retry_policy",
    "scoped_client",
    "unscoped",
    "read_only_view",
];

impl Program {
    /// The program for `seed`: 1–3 extra views, 2–4 recipes, 1–4 steps each.
    pub fn generate(seed: u64) -> Program {
        let mut rng = Rng::derive(seed, 0x0_5ac1e);
        let layout = *rng.pick(&[Layout::OneModule, Layout::Modules, Layout::Workspace]);
        let mut views = vec![View {
            name: "using_namespace".into(),
            kind: *rng.pick(&FacadeKind::ALL),
            via_macro: rng.chance(0.25),
        }];
        let mut names: Vec<&str> = VIEW_NAMES.to_vec();
        rng.shuffle(&mut names);
        for name in names.iter().take(1 + rng.below(3)) {
            views.push(View {
                name: (*name).into(),
                kind: *rng.pick(&FacadeKind::ALL),
                via_macro: rng.chance(0.25),
            });
        }
        let count = 2 + rng.below(3);
        let mut recipes = Vec::with_capacity(count);
        for i in 0..count {
            let source = if i > 0 && rng.chance(0.15) {
                Source::Registry(rng.below(i))
            } else {
                Source::Own(*rng.pick(&Receiver::ALL))
            };
            let steps = (0..1 + rng.below(4))
                .map(|_| random_step(&mut rng, views.len(), true, 0))
                .collect();
            let builder = match rng.below(6) {
                0 => BuilderKind::Into,
                1 => BuilderKind::Borrowed,
                2 => BuilderKind::TraitDefaultView(rng.below(views.len())),
                3 => BuilderKind::TraitDefaultSelf,
                _ => BuilderKind::New,
            };
            recipes.push(Recipe {
                source,
                steps,
                builder,
                watcher: rng.chance(0.8),
            });
        }
        Program {
            seed,
            layout,
            views,
            recipes,
        }
    }

    /// Whether recipe `i` publishes its client for another recipe.
    pub fn publishes(&self, i: usize) -> bool {
        self.recipes.iter().any(|r| r.source == Source::Registry(i))
    }

    pub fn uses_registry(&self) -> bool {
        self.recipes
            .iter()
            .any(|r| matches!(r.source, Source::Registry(_)))
    }

    /// The features recipe `i` exercises, for the per-feature table.
    pub fn features(&self, i: usize) -> Vec<String> {
        let r = &self.recipes[i];
        let mut out = vec![format!("layout:{}", self.layout.name())];
        match r.source {
            Source::Own(recv) => out.push(recv.name().into()),
            Source::Registry(_) => out.push("registry (another recipe's client)".into()),
        }
        for s in &r.steps {
            step_features(self, s, &mut out);
        }
        out.push(match r.builder {
            BuilderKind::New => "builder:new".into(),
            BuilderKind::Into => "builder:From/Into".into(),
            BuilderKind::Borrowed => "builder:&'a dyn".into(),
            BuilderKind::TraitDefaultView(v) => {
                format!(
                    "builder:trait-default(self.view {})",
                    self.views[v].kind.name()
                )
            }
            BuilderKind::TraitDefaultSelf => "builder:trait-default(self-handle)".into(),
        });
        if !r.watcher {
            out.push("no watcher".into());
        }
        out.sort();
        out.dedup();
        out
    }
}

/// One line per view and per recipe: what a minimized program is, in words.
pub fn describe(p: &Program) -> String {
    let mut out = format!("layout: {}\n", p.layout.name());
    let views: Vec<String> = p
        .views
        .iter()
        .map(|v| {
            let mac = if v.via_macro { " (macro_rules!)" } else { "" };
            format!("{}={}{}", v.name, v.kind.name(), mac)
        })
        .collect();
    out.push_str(&format!("facade views: {}\n", views.join(", ")));
    for (i, r) in p.recipes.iter().enumerate() {
        let source = match r.source {
            Source::Own(recv) => format!("own facade, {}", recv.name()),
            Source::Registry(n) => format!("registry (recipe {n}'s client)"),
        };
        let steps: Vec<String> = r.steps.iter().map(|s| describe_step(p, s)).collect();
        let builder = match r.builder {
            BuilderKind::New => "Builder::new(c)".to_string(),
            BuilderKind::Into => "c.into()".to_string(),
            BuilderKind::Borrowed => "Builder::borrowing(&*c)".to_string(),
            BuilderKind::TraitDefaultView(v) => {
                format!(
                    "c.get_data() [trait default: from self.{}()]",
                    p.views[v].name
                )
            }
            BuilderKind::TraitDefaultSelf => {
                "c.get_data() [trait default: from self.self_arc()]".to_string()
            }
        };
        let watcher = if r.watcher {
            "with watcher"
        } else {
            "no watcher"
        };
        out.push_str(&format!(
            "recipe {i}: {source}; {} -> {builder}, {watcher}\n",
            steps.join(" -> ")
        ));
    }
    out
}

fn describe_step(p: &Program, s: &Step) -> String {
    match s {
        Step::View(v) => format!("{}()", p.views[*v].name),
        Step::DefaultView => "non_namespace_view() [trait default]".into(),
        Step::DerefView => "scoped_view() [ext trait on dyn]".into(),
        Step::Clone => "clone()".into(),
        Step::ArcClone => "Arc::clone".into(),
        Step::Carry(c, None) => format!("{c:?}{{}}"),
        Step::Carry(c, Some(inner)) => format!("{c:?}{{{}}}", describe_step(p, inner)),
    }
}

fn step_features(p: &Program, s: &Step, out: &mut Vec<String>) {
    match s {
        Step::View(v) => {
            let view = &p.views[*v];
            out.push(format!("view:{}", view.kind.name()));
            if view.via_macro {
                out.push("macro_rules! delegation".into());
            }
        }
        Step::DefaultView => out.push(format!("trait-default view ({})", p.views[0].kind.name())),
        Step::DerefView => out.push("extension method via Deref".into()),
        Step::Clone => out.push("clone()".into()),
        Step::ArcClone => out.push("Arc::clone".into()),
        Step::Carry(c, inner) => {
            out.push(format!("{c:?}"));
            if let Some(inner) = inner {
                step_features(p, inner, out);
            }
        }
    }
}

fn random_method_step(rng: &mut Rng, views: usize, deref_ok: bool) -> Step {
    match rng.below(6) {
        0 => Step::DefaultView,
        1 if deref_ok => Step::DerefView,
        _ => Step::View(rng.below(views)),
    }
}

/// A random step; `in_recipe` says whether the recipe's `self` is reachable where it runs,
/// `depth` how many carriers enclose it.
fn random_step(rng: &mut Rng, views: usize, in_recipe: bool, depth: usize) -> Step {
    if rng.below(10) < 4 || depth >= 2 {
        return match rng.below(8) {
            0 => Step::Clone,
            1 => Step::ArcClone,
            _ => random_method_step(rng, views, true),
        };
    }
    let choices: Vec<Carrier> = Carrier::ALL
        .into_iter()
        .filter(|c| in_recipe || !c.needs_recipe())
        .collect();
    let carrier = *rng.pick(&choices);
    let inner = match carrier {
        Carrier::Helper(recv) => Some(Box::new(random_method_step(rng, views, recv.reaches_dyn()))),
        _ if rng.chance(0.6) => {
            let in_recipe = in_recipe && !carrier.detaches();
            Some(Box::new(random_step(rng, views, in_recipe, depth + 1)))
        }
        _ => None,
    };
    Step::Carry(carrier, inner)
}

/// Whether `step` can be emitted where it stands (the generator only makes valid steps; the
/// minimizer checks its edits with this).
pub fn step_is_valid(step: &Step, views: usize, in_recipe: bool) -> bool {
    match step {
        Step::View(v) => *v < views,
        Step::DefaultView | Step::DerefView | Step::Clone | Step::ArcClone => true,
        Step::Carry(c, inner) => {
            if c.needs_recipe() && !in_recipe {
                return false;
            }
            match (c, inner) {
                (Carrier::Helper(recv), Some(m)) => {
                    m.is_method()
                        && step_is_valid(m, views, false)
                        && (recv.reaches_dyn() || **m != Step::DerefView)
                }
                (Carrier::Helper(_), None) => false,
                (_, Some(inner)) => step_is_valid(inner, views, in_recipe && !c.detaches()),
                (_, None) => true,
            }
        }
    }
}

impl Program {
    pub fn is_valid(&self) -> bool {
        !self.views.is_empty()
            && self.views[0].name == "using_namespace"
            && self.recipes.iter().enumerate().all(|(i, r)| {
                let source_ok = match r.source {
                    Source::Registry(n) => n < i,
                    Source::Own(_) => true,
                };
                let builder_ok = match r.builder {
                    BuilderKind::TraitDefaultView(v) => v < self.views.len(),
                    _ => true,
                };
                source_ok
                    && builder_ok
                    && !r.steps.is_empty()
                    && r.steps
                        .iter()
                        .all(|s| step_is_valid(s, self.views.len(), true))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_varied() {
        assert_eq!(Program::generate(7), Program::generate(7));
        let layouts: std::collections::BTreeSet<_> =
            (0..60).map(|s| Program::generate(s).layout).collect();
        assert_eq!(layouts.len(), 3);
        for seed in 0..200 {
            let p = Program::generate(seed);
            assert!((2..=4).contains(&p.recipes.len()));
            assert!(p.is_valid(), "seed {seed}: {p:?}");
            for (i, r) in p.recipes.iter().enumerate() {
                assert!((1..=4).contains(&r.steps.len()));
                if let Source::Registry(n) = r.source {
                    assert!(n < i, "a registry source is an earlier recipe");
                }
            }
        }
    }
}
