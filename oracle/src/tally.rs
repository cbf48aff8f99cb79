//! Adding up a run: per-stratum agreement tables, disagreements, the last line, and the
//! ledger of known disagreements.

use crate::check::Outcome;
use crate::program::Program;
use std::collections::BTreeMap;

#[derive(Default, Clone, Copy)]
pub struct Row {
    pub units: usize,
    pub leaked: usize,
    pub found: usize,
    pub false_reports: usize,
    pub missed: usize,
    pub disagreeing: usize,
}

impl Row {
    fn add_program(&mut self, o: &Outcome) {
        self.units += 1;
        self.leaked += o.leaked.len();
        self.found += o.leaked.intersection(&o.found).count();
        self.false_reports += o.false_reports().len() + o.stray.len();
        self.missed += o.missed().len();
        self.disagreeing += (!o.agrees()) as usize;
    }

    fn add_recipe(&mut self, o: &Outcome, r: usize) {
        self.units += 1;
        let leaked = o.leaked.contains(&r);
        let found = o.found.contains(&r);
        self.leaked += leaked as usize;
        self.found += (leaked && found) as usize;
        self.false_reports += (found && !leaked) as usize;
        self.missed += (leaked && !found) as usize;
        self.disagreeing += (leaked != found) as usize;
    }
}

/// Program-level counts (by layout) and recipe-level counts (by feature).
pub struct Tally {
    pub programs: Row,
    pub by_layout: BTreeMap<String, Row>,
    pub by_feature: BTreeMap<String, Row>,
    /// `(seed, signature)` of each disagreeing program, in seed order.
    pub disagreements: Vec<(u64, String)>,
}

pub fn tally(results: &[(Program, Outcome)]) -> Tally {
    let mut t = Tally {
        programs: Row::default(),
        by_layout: BTreeMap::new(),
        by_feature: BTreeMap::new(),
        disagreements: Vec::new(),
    };
    for (p, o) in results {
        t.programs.add_program(o);
        t.by_layout
            .entry(p.layout.name().into())
            .or_default()
            .add_program(o);
        for r in 0..p.recipes.len() {
            for f in p.features(r) {
                t.by_feature.entry(f).or_default().add_recipe(o, r);
            }
        }
        if !o.agrees() {
            t.disagreements.push((p.seed, o.signature()));
        }
    }
    t
}

fn table(title: &str, unit: &str, rows: &BTreeMap<String, Row>) -> String {
    let width = rows
        .keys()
        .map(|k| k.len())
        .max()
        .unwrap_or(0)
        .max(title.len());
    let mut out = format!(
        "{title:<width$}  {unit:>8}  {:>6}  {:>6}  {:>6}  {:>6}  {:>9}\n",
        "leaked", "found", "missed", "false", "disagree"
    );
    for (k, r) in rows {
        out.push_str(&format!(
            "{k:<width$}  {:>8}  {:>6}  {:>6}  {:>6}  {:>6}  {:>9}\n",
            r.units, r.leaked, r.found, r.missed, r.false_reports, r.disagreeing
        ));
    }
    out
}

impl Tally {
    pub fn tables(&self) -> String {
        let mut out = table("layout", "programs", &self.by_layout);
        out.push('\n');
        out.push_str(&table("feature (per recipe)", "recipes", &self.by_feature));
        out
    }

    /// The summary every run ends with.
    pub fn last_line(&self) -> String {
        let p = &self.programs;
        format!(
            "oracle: {} programs, {} leaks at run time, {} found, {} false, {} disagreements",
            p.units, p.leaked, p.found, p.false_reports, p.disagreeing
        )
    }
}

/// A ledger of known disagreements: `SEED SIGNATURE` per line, `#` comments.
pub fn parse_ledger(text: &str) -> BTreeMap<u64, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (seed, sig) = l.split_once(' ')?;
            Some((seed.parse().ok()?, sig.trim().to_string()))
        })
        .collect()
}
