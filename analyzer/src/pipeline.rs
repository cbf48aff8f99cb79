//! The whole run as one function from options to diagnostics, so tests and both binaries
//! share it. Invariant: the result is sorted and deterministic; timings are kept apart.

use crate::analysis;
use crate::diag::Diagnostic;
use crate::discover::{discover, TargetSelection};
use crate::index::Index;
use crate::load::load;
use crate::parse::{panic_message, parser_pool};
use crate::report::finding_diagnostic;
use crate::rules::{load_rules, Rule, RuleLevel};
use crate::source::SourceDb;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    pub paths: Vec<PathBuf>,
    pub manifest_path: Option<PathBuf>,
    pub cwd: PathBuf,
    pub selection: TargetSelection,
    pub rule_paths: Vec<PathBuf>,
    pub threads: Option<usize>,
    /// When not empty, only findings with a label in one of these files are kept.
    pub touching: Vec<PathBuf>,
}

#[derive(Default, Debug)]
pub struct Stats {
    pub files: usize,
    pub bytes: usize,
    pub items: usize,
    pub functions: usize,
    pub instances: usize,
    pub phases: Vec<(&'static str, Duration)>,
}

pub struct RunOutput {
    pub db: SourceDb,
    pub crates: Vec<crate::load::LoadedCrate>,
    /// The crate each file belongs to (by `FileId`; rule files have none).
    pub file_owner: Vec<Option<usize>>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<Rule>,
    pub stats: Stats,
}

fn canonical(p: &std::path::Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Loads rules only (for `list-rules` and `--explain`).
pub fn rules_only(rule_paths: &[PathBuf]) -> (SourceDb, Vec<Rule>, Vec<Diagnostic>) {
    let mut db = SourceDb::default();
    let mut diags = Vec::new();
    let rules = load_rules(rule_paths, true, &mut db, &mut diags);
    (db, rules, diags)
}

pub fn run(opts: &RunOptions) -> RunOutput {
    let mut stats = Stats::default();
    let mut clock = Instant::now();
    let mut lap = |stats: &mut Stats, name: &'static str| {
        stats.phases.push((name, clock.elapsed()));
        clock = Instant::now();
    };
    let pool = match parser_pool(opts.threads) {
        Ok(p) => p,
        Err(e) => {
            return RunOutput {
                db: SourceDb::default(),
                crates: Vec::new(),
                file_owner: Vec::new(),
                diagnostics: vec![Diagnostic::error(
                    "internal-error",
                    format!("cannot start threads: {e}"),
                )],
                rules: Vec::new(),
                stats,
            }
        }
    };
    let discovery = discover(
        &opts.paths,
        opts.manifest_path.as_deref(),
        &opts.cwd,
        &opts.selection,
    );
    lap(&mut stats, "discover");
    let loaded = load(discovery, &pool, &opts.cwd);
    lap(&mut stats, "parse");
    let file_owner = loaded.file_owners();
    let crate::load::Loaded {
        mut db,
        crates,
        syntax,
        mod_links,
        mut diagnostics,
        bytes,
    } = loaded;
    stats.files = db.len();
    stats.bytes = bytes;
    let rules = load_rules(&opts.rule_paths, true, &mut db, &mut diagnostics);
    let index = Index::build(&crates, syntax, &mod_links);
    stats.items = index.defs.len();
    stats.functions = index.fns.len();
    lap(&mut stats, "index");
    for rule in rules.iter().filter(|r| r.level != RuleLevel::Allow) {
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            analysis::analyse(&index, rule)
        }));
        match result {
            Ok(r) => {
                stats.instances += r.instances;
                for f in &r.findings {
                    diagnostics.push(finding_diagnostic(&db, &index, rule, f));
                }
            }
            Err(panic) => diagnostics.push(
                Diagnostic::error(
                    "internal-error",
                    format!(
                        "internal error while applying rule `{}`: {}",
                        rule.id,
                        panic_message(&panic)
                    ),
                )
                .with_note("the other rules still ran; please report this with the input attached"),
            ),
        }
    }
    lap(&mut stats, "analyse");
    if !opts.touching.is_empty() {
        let wanted: Vec<PathBuf> = opts.touching.iter().map(|p| canonical(&opts.cwd.join(p))).collect();
        diagnostics.retain(|d| {
            !d.is_finding
                || d.labels
                    .iter()
                    .any(|l| wanted.contains(&canonical(&db.get(l.span.file).path)))
        });
    }
    diagnostics.sort_by_cached_key(|d| d.sort_key(&db));
    diagnostics.dedup();
    RunOutput {
        db,
        crates,
        file_owner,
        diagnostics,
        rules,
        stats,
    }
}
