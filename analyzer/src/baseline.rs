//! Baselines: record today's findings by stable key (rule, file, the functions holding the
//! bypass point and the registration; no line numbers) and report only new ones later.
//! Invariant: a baseline is read and written only where the user says (`--baseline`,
//! `--write-baseline`); keys are counted, so a second identical finding is still new.

use crate::diag::Diagnostic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    /// Finding key → how many findings had it.
    pub findings: BTreeMap<String, usize>,
}

pub fn from_diagnostics(diagnostics: &[Diagnostic]) -> Baseline {
    let mut findings = BTreeMap::new();
    for key in diagnostics
        .iter()
        .filter(|d| d.is_finding)
        .filter_map(|d| d.key.clone())
    {
        *findings.entry(key).or_insert(0) += 1;
    }
    Baseline {
        version: 1,
        findings,
    }
}

pub fn write(path: &Path, baseline: &Baseline) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(baseline).map_err(std::io::Error::other)?;
    // Written beside the target and renamed, so a reader never sees half a file.
    let tmp = path.with_extension("tmp-facadelint");
    std::fs::write(&tmp, format!("{text}\n"))?;
    std::fs::rename(&tmp, path)
}

pub fn read(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a facadelint baseline: {e}", path.display()))
}

/// Removes the findings the baseline already records.
pub fn filter(baseline: &Baseline, diagnostics: &mut Vec<Diagnostic>) {
    let mut left = baseline.findings.clone();
    diagnostics.retain(|d| {
        let Some(key) = d.key.as_ref().filter(|_| d.is_finding) else {
            return true;
        };
        match left.get_mut(key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
}
