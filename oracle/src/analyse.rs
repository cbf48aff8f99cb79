//! Running facadelint (in-process, through its library: the same pipeline as the binary,
//! with the shipped rules) on a generated program, and reading which registration sites its
//! findings name.

use facadelint::pipeline::{self, RunOptions};
use std::collections::BTreeSet;
use std::path::Path;

pub struct Verdict {
    /// Recipes whose registration site a finding names ("registered here").
    pub found: BTreeSet<usize>,
    /// Findings whose registration is not any recipe's site (always false reports).
    pub elsewhere: Vec<String>,
    /// Errors facadelint reported (a parse or internal error is a disagreement by itself).
    pub errors: Vec<String>,
}

pub fn analyse(dir: &Path, sites: &[(String, usize)]) -> Verdict {
    let out = pipeline::run(&RunOptions {
        paths: vec![dir.to_path_buf()],
        cwd: dir.to_path_buf(),
        threads: Some(1),
        ..RunOptions::default()
    });
    let mut verdict = Verdict {
        found: BTreeSet::new(),
        elsewhere: Vec::new(),
        errors: Vec::new(),
    };
    for d in &out.diagnostics {
        if !d.is_finding {
            if d.level == facadelint::diag::Level::Error {
                verdict
                    .errors
                    .push(facadelint::diag::render_plain(&out.db, d));
            }
            continue;
        }
        let registration = d
            .labels
            .iter()
            .find(|l| !l.primary && l.message.starts_with("registered here"));
        let at = registration.map(|l| {
            let file = out.db.get(l.span.file);
            (
                file.name.clone(),
                file.line_index(l.span.start as usize) + 1,
            )
        });
        match at.and_then(|at| sites.iter().position(|s| *s == at)) {
            Some(recipe) => {
                verdict.found.insert(recipe);
            }
            None => verdict
                .elsewhere
                .push(facadelint::diag::render_plain(&out.db, d)),
        }
    }
    verdict
}
