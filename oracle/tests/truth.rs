//! The oracle checked against itself: planted programs whose run-time truth is known by
//! construction. Each facade-method kind that bypasses the tracker is seen leaking, and its
//! re-wrapped twin is not (a mutation check: an oracle that reported nothing, or everything,
//! would fail here, so it cannot silently agree with a broken analyzer). One test also pins
//! that findings are mapped back to recipes, so agreement is not an artefact of an
//! analysis whose output is never read.

use oracle::check::{check, Outcome};
use oracle::emit::emit;
use oracle::program::{
    BuilderKind, Carrier, FacadeKind, Layout, Program, Receiver, Recipe, Source, Step, View,
};
use std::collections::BTreeSet;

fn recipe(source: Source, steps: Vec<Step>) -> Recipe {
    Recipe {
        source,
        steps,
        builder: BuilderKind::New,
        watcher: true,
    }
}

fn program(kind: FacadeKind, recipes: Vec<Recipe>) -> Program {
    Program {
        seed: 0,
        layout: Layout::OneModule,
        views: vec![View {
            name: "using_namespace".into(),
            kind,
            via_macro: false,
        }],
        recipes,
    }
}

fn run(p: &Program, name: &str) -> Outcome {
    let dir = std::env::temp_dir().join(format!(
        "facadelint-oracle-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let out = check(p, &dir).unwrap_or_else(|e| panic!("{name}: {e}"));
    let _ = std::fs::remove_dir_all(&dir);
    out
}

fn set(items: &[usize]) -> BTreeSet<usize> {
    items.iter().copied().collect()
}

#[test]
fn each_bypass_kind_leaks_and_its_rewrapped_twin_does_not() {
    for kind in FacadeKind::ALL {
        for via_macro in [false, true] {
            let mut p = program(
                kind,
                vec![recipe(Source::Own(Receiver::ArcDyn), vec![Step::View(0)])],
            );
            p.views[0].via_macro = via_macro;
            let out = run(&p, &format!("{}-{via_macro}", kind.name()));
            let expected = if kind == FacadeKind::SharedRewrap {
                set(&[])
            } else {
                set(&[0])
            };
            assert_eq!(out.leaked, expected, "{} (macro: {via_macro})", kind.name());
        }
    }
}

#[test]
fn no_watcher_registers_nothing() {
    let mut r = recipe(Source::Own(Receiver::ArcDyn), vec![Step::View(0)]);
    r.watcher = false;
    let out = run(&program(FacadeKind::Delegate, vec![r]), "no-watcher");
    assert_eq!(out.leaked, set(&[]));
}

#[test]
fn deref_on_the_concrete_facade_reaches_the_inner_client() {
    // The facade's own `using_namespace` keeps the tracker, but `scoped_view` is not a
    // facade method: on `Arc<WatcherRemovalFacade>` it is found through `Deref`, on the
    // inner client.
    let through_deref = run(
        &program(
            FacadeKind::SharedRewrap,
            vec![recipe(
                Source::Own(Receiver::ArcFacade),
                vec![Step::DerefView],
            )],
        ),
        "deref-concrete",
    );
    assert_eq!(through_deref.leaked, set(&[0]));
    let through_dyn = run(
        &program(
            FacadeKind::SharedRewrap,
            vec![recipe(Source::Own(Receiver::ArcDyn), vec![Step::DerefView])],
        ),
        "deref-dyn",
    );
    assert_eq!(through_dyn.leaked, set(&[]));
}

#[test]
fn a_client_from_another_recipe_leaks_for_the_recipe_that_borrowed_it() {
    let p = program(
        FacadeKind::SharedRewrap,
        vec![
            recipe(Source::Own(Receiver::ArcDyn), vec![Step::View(0)]),
            recipe(Source::Registry(0), vec![Step::Clone]),
        ],
    );
    assert_eq!(run(&p, "registry").leaked, set(&[1]));
}

#[test]
fn carriers_pass_the_client_through() {
    for carrier in Carrier::ALL {
        let inner = Some(Box::new(Step::View(0)));
        for kind in [FacadeKind::Delegate, FacadeKind::SharedRewrap] {
            let p = program(
                kind,
                vec![recipe(
                    Source::Own(Receiver::ArcDyn),
                    vec![Step::ArcClone, Step::Carry(carrier, inner.clone())],
                )],
            );
            let leaked = run(&p, &format!("{carrier:?}-{}", kind.name())).leaked;
            let expected = if kind == FacadeKind::Delegate {
                set(&[0])
            } else {
                set(&[])
            };
            assert_eq!(
                leaked,
                expected,
                "{carrier:?} around a {} view",
                kind.name()
            );
        }
    }
}

#[test]
fn findings_are_mapped_to_their_recipe() {
    // The 5.6.0 shape (a delegating `using_namespace`), which facadelint has always found,
    // next to a clean recipe.
    let p = program(
        FacadeKind::Delegate,
        vec![
            recipe(Source::Own(Receiver::ArcDyn), vec![Step::Clone]),
            recipe(Source::Own(Receiver::ArcDyn), vec![Step::View(0)]),
        ],
    );
    let out = run(&p, "mapped");
    assert_eq!(out.leaked, set(&[1]));
    assert_eq!(out.found, set(&[1]), "stray: {:?}", out.stray);
    assert!(out.agrees());
}

#[test]
fn every_layout_builds_and_names_one_site_per_recipe() {
    for seed in 0..12 {
        let p = Program::generate(seed);
        let e = emit(&p);
        assert_eq!(e.sites.len(), p.recipes.len());
        let distinct: BTreeSet<_> = e.sites.iter().collect();
        assert_eq!(distinct.len(), e.sites.len(), "seed {seed}");
        run(&p, &format!("seed-{seed}"));
    }
}

#[test]
fn emitting_is_deterministic() {
    for seed in 0..20 {
        let p = Program::generate(seed);
        let (a, b) = (emit(&p), emit(&p));
        let texts = |e: &oracle::emit::Emitted| {
            e.files
                .iter()
                .map(|f| (f.path.clone(), f.text.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(texts(&a), texts(&b));
    }
}
