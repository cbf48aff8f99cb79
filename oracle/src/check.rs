//! One program end to end: emit, write, build, run (the truth), analyse (the claim), compare.

use crate::analyse::analyse;
use crate::emit::emit;
use crate::exec;
use crate::program::Program;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub recipes: usize,
    /// Recipes whose watch stayed registered after their own close.
    pub leaked: BTreeSet<usize>,
    /// Recipes whose registration site a finding names.
    pub found: BTreeSet<usize>,
    /// Findings at no recipe's site, and errors facadelint reported.
    pub stray: Vec<String>,
}

impl Outcome {
    pub fn missed(&self) -> BTreeSet<usize> {
        self.leaked.difference(&self.found).copied().collect()
    }

    pub fn false_reports(&self) -> BTreeSet<usize> {
        self.found.difference(&self.leaked).copied().collect()
    }

    pub fn agrees(&self) -> bool {
        self.leaked == self.found && self.stray.is_empty()
    }

    /// `missed=1,3 false=0 stray=1`: how a program disagrees (the ledger's key).
    pub fn signature(&self) -> String {
        let list = |s: &BTreeSet<usize>| {
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut out = format!(
            "missed={} false={}",
            list(&self.missed()),
            list(&self.false_reports())
        );
        if !self.stray.is_empty() {
            out.push_str(&format!(" stray={}", self.stray.len()));
        }
        out
    }
}

/// Runs `program` in `dir` (created, and left for the caller to remove). An `Err` is an
/// oracle bug: the generated program did not build or run.
pub fn check(program: &Program, dir: &Path) -> Result<Outcome, String> {
    let emitted = emit(program);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    exec::write(&emitted, dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    exec::build(&emitted, dir)
        .map_err(|e| format!("seed {}: the program does not build:\n{e}", program.seed))?;
    let leaked = exec::run(dir).map_err(|e| format!("seed {}: {e}", program.seed))?;
    let verdict = analyse(dir, &emitted.sites);
    let mut stray = verdict.elsewhere;
    stray.extend(verdict.errors);
    Ok(Outcome {
        recipes: program.recipes.len(),
        leaked,
        found: verdict.found,
        stray,
    })
}
