//! `--fix`: applies the machine-applicable suggestions, and nothing else. Each file is
//! rewritten atomically (a temporary file beside it, then a rename), only when asked.

use crate::diag::{Applicability, Diagnostic};
use crate::source::SourceDb;
use std::collections::BTreeMap;

/// Applies the suggestions; returns how many were applied per file, or the first IO error.
pub fn apply(db: &SourceDb, diagnostics: &[Diagnostic]) -> std::io::Result<Vec<(String, usize)>> {
    let mut by_file: BTreeMap<usize, Vec<(u32, u32, &str)>> = BTreeMap::new();
    for s in diagnostics
        .iter()
        .filter_map(|d| d.suggestion.as_ref())
        .filter(|s| s.applicability == Applicability::MachineApplicable)
    {
        by_file.entry(s.span.file).or_default().push((
            s.span.start,
            s.span.end,
            s.replacement.as_str(),
        ));
    }
    let mut done = Vec::new();
    for (file, mut edits) in by_file {
        edits.sort_unstable_by_key(|e| (e.0, e.1));
        edits.dedup();
        // Overlapping edits cannot both be right: keep the first of each overlap.
        let mut kept: Vec<(u32, u32, &str)> = Vec::new();
        for e in edits {
            if kept.last().is_none_or(|k| e.0 >= k.1) {
                kept.push(e);
            }
        }
        let source = db.get(file);
        let mut text = source.text.to_string();
        for (start, end, replacement) in kept.iter().rev() {
            text.replace_range(*start as usize..*end as usize, replacement);
        }
        let tmp = source.path.with_extension("rs.facadelint-fix");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &source.path)?;
        done.push((source.name.clone(), kept.len()));
    }
    Ok(done)
}
