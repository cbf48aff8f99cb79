//! Shrinking a disagreeing program while it keeps disagreeing the same way (greedy delta
//! debugging over the model: drop recipes, steps, carriers and views; simplify receivers,
//! builders and the layout), so that what is printed is small enough to become a fixture.

use crate::check::{check, Outcome};
use crate::program::{BuilderKind, Layout, Program, Receiver, Source, Step};
use std::path::Path;

/// Whether `now` still shows the disagreement `was` had: a leak still missed, or a false
/// report (or stray finding) still made.
fn same_disagreement(was: &Outcome, now: &Outcome) -> bool {
    (!was.missed().is_empty() && !now.missed().is_empty())
        || (!was.false_reports().is_empty() && !now.false_reports().is_empty())
        || (!was.stray.is_empty() && !now.stray.is_empty())
}

/// `p` with only the recipes in `keep` (ascending), registry sources renumbered; `None`
/// when a kept recipe reads the registry of one that is dropped.
fn restrict(p: &Program, keep: &[usize]) -> Option<Program> {
    let mut out = p.clone();
    out.recipes = Vec::new();
    for &i in keep {
        let mut r = p.recipes[i].clone();
        if let Source::Registry(from) = r.source {
            r.source = Source::Registry(keep.iter().position(|&k| k == from)?);
        }
        out.recipes.push(r);
    }
    Some(out)
}

/// Simpler variants of one step.
fn step_variants(s: &Step) -> Vec<Option<Step>> {
    let mut out = vec![None];
    if let Step::Carry(c, Some(inner)) = s {
        out.push(Some((**inner).clone()));
        if !c.needs_method_inner() {
            out.push(Some(Step::Carry(*c, None)));
        }
        for v in step_variants(inner).into_iter().flatten() {
            out.push(Some(Step::Carry(*c, Some(Box::new(v)))));
        }
    }
    out
}

/// Every one-edit simplification of `p`.
fn candidates(p: &Program) -> Vec<Program> {
    let mut out = Vec::new();
    let n = p.recipes.len();
    for drop in 0..n {
        let keep: Vec<usize> = (0..n).filter(|&i| i != drop).collect();
        if let Some(q) = restrict(p, &keep) {
            out.push(q);
        }
    }
    for (ri, r) in p.recipes.iter().enumerate() {
        for (si, s) in r.steps.iter().enumerate() {
            for v in step_variants(s) {
                let mut q = p.clone();
                match v {
                    None => {
                        q.recipes[ri].steps.remove(si);
                    }
                    Some(v) => q.recipes[ri].steps[si] = v,
                }
                out.push(q);
            }
        }
        if let Source::Own(recv) = r.source {
            if recv != Receiver::ArcDyn {
                let mut q = p.clone();
                q.recipes[ri].source = Source::Own(Receiver::ArcDyn);
                out.push(q);
            }
        }
        if r.builder != BuilderKind::New {
            let mut q = p.clone();
            q.recipes[ri].builder = BuilderKind::New;
            out.push(q);
        }
    }
    if p.layout != Layout::OneModule {
        let mut q = p.clone();
        q.layout = Layout::OneModule;
        out.push(q);
    }
    for (vi, v) in p.views.iter().enumerate() {
        if v.via_macro {
            let mut q = p.clone();
            q.views[vi].via_macro = false;
            out.push(q);
        }
    }
    if let Some(q) = drop_unused_view(p) {
        out.push(q);
    }
    out.retain(Program::is_valid);
    out
}

fn uses_view(s: &Step, v: usize) -> bool {
    match s {
        Step::View(x) => *x == v,
        Step::Carry(_, Some(inner)) => uses_view(inner, v),
        _ => false,
    }
}

/// `p` without its last view that nothing uses (view 0 is never dropped).
fn drop_unused_view(p: &Program) -> Option<Program> {
    let v = (1..p.views.len()).rev().find(|&v| {
        !p.recipes.iter().any(|r| {
            r.steps.iter().any(|s| uses_view(s, v)) || r.builder == BuilderKind::TraitDefaultView(v)
        })
    })?;
    let mut q = p.clone();
    q.views.remove(v);
    fn renumber(s: &mut Step, v: usize) {
        match s {
            Step::View(x) if *x > v => *x -= 1,
            Step::Carry(_, Some(inner)) => renumber(inner, v),
            _ => {}
        }
    }
    for r in &mut q.recipes {
        for s in &mut r.steps {
            renumber(s, v);
        }
        if let BuilderKind::TraitDefaultView(x) = &mut r.builder {
            if *x > v {
                *x -= 1;
            }
        }
    }
    Some(q)
}

/// The smallest program found that still disagrees like `outcome` does, with its outcome.
/// `work` is a scratch folder; each try uses a numbered subfolder, removed afterwards.
pub fn minimize(p: &Program, outcome: &Outcome, work: &Path) -> (Program, Outcome) {
    let mut best = (p.clone(), outcome.clone());
    let mut tries = 0usize;
    'improve: loop {
        for q in candidates(&best.0) {
            tries += 1;
            let dir = work.join(format!("try-{tries}"));
            let result = check(&q, &dir);
            let _ = std::fs::remove_dir_all(&dir);
            if let Ok(now) = result {
                if same_disagreement(outcome, &now) {
                    best = (q, now);
                    continue 'improve;
                }
            }
        }
        return best;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_valid_and_smaller() {
        for seed in 0..50 {
            let p = Program::generate(seed);
            for q in candidates(&p) {
                assert!(q.is_valid());
                assert_ne!(q, p);
            }
        }
    }

    #[test]
    fn restrict_renumbers_registry_sources() {
        let mut p = Program::generate(3);
        while p.recipes.len() < 3 {
            p.recipes.push(p.recipes[0].clone());
        }
        p.recipes[2].source = Source::Registry(1);
        let q = restrict(&p, &[1, 2]).unwrap();
        assert_eq!(q.recipes[1].source, Source::Registry(0));
        assert!(restrict(&p, &[0, 2]).is_none());
    }
}
