//! The whole run as one function from options to diagnostics, so tests and both binaries
//! share it. Invariant: the result is sorted and deterministic; timings are kept apart.

use crate::analysis;
use crate::baseline;
use crate::config::{load_config, Config};
use crate::diag::Diagnostic;
use crate::discover::{discover, TargetSelection};
use crate::index::Index;
use crate::load::load;
use crate::parse::parser_pool;
use crate::prefilter::Prefilter;
use crate::report::finding_diagnostic;
use crate::rules::{load_rules, Rule, RuleLevel};
use crate::source::SourceDb;
use crate::suppress;
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
    /// Rule levels from the command line, in the order given (`warnings` names every rule
    /// whose level is `warning` at that point).
    pub levels: Vec<(String, RuleLevel)>,
    /// Findings recorded here are not reported.
    pub baseline: Option<PathBuf>,
    /// Parse every file instead of only those that can matter.
    pub no_prefilter: bool,
    /// Also audit every facade's methods (`facadelint audit`).
    pub audit: bool,
}

#[derive(Default, Debug)]
pub struct Stats {
    pub files: usize,
    pub bytes: usize,
    pub items: usize,
    pub functions: usize,
    /// Files the prefilter did not parse.
    pub skipped: usize,
    pub instances: usize,
    /// What the expansion of the workspace's macros did.
    pub expansion: crate::expand::ExpansionStats,
    pub phases: Vec<(&'static str, Duration)>,
    /// Peak resident memory at the end of each phase, where the system tells it.
    pub peak_kib: Vec<Option<u64>>,
}

pub struct RunOutput {
    pub db: SourceDb,
    /// `(rule id, audit)` per facade, when asked for.
    pub audits: Vec<(String, crate::analysis::audit::FacadeAudit)>,
    pub crates: Vec<crate::load::LoadedCrate>,
    /// The crate each file belongs to (by `FileId`; rule files have none).
    pub file_owner: Vec<Option<usize>>,
    pub diagnostics: Vec<Diagnostic>,
    pub rules: Vec<Rule>,
    pub stats: Stats,
}

/// The names a file must mention to matter to the active rules.
fn rule_names(rules: &[Rule]) -> Vec<String> {
    let mut names = Vec::new();
    for r in rules.iter().filter(|r| r.level != RuleLevel::Allow) {
        names.extend(
            r.client_traits
                .iter()
                .chain(&r.client_types)
                .map(|p| p.last().to_string()),
        );
        for f in &r.facades {
            names.push(f.ty.last().to_string());
            names.push(f.tracker.last().to_string());
        }
        for c in &r.registrations {
            names.extend(c.owner.as_ref().map(|o| o.last().to_string()));
            names.push(c.method.clone());
        }
    }
    names
}

/// Without the prefilter: the names it would have ended with (what can matter to the rules,
/// for the expansion of macros), found the way it finds them: from the files that mention
/// a name, each read once, to a fixpoint.
fn what_can_matter(
    rules: &[Rule],
    syntax: &[Option<crate::hir::FileSyntax>],
    db: &SourceDb,
    pool: &rayon::ThreadPool,
) -> Prefilter {
    use rayon::prelude::*;
    let mut names = Prefilter::new(rule_names(rules));
    let mut unread: Vec<usize> = (0..syntax.len()).filter(|f| syntax[*f].is_some()).collect();
    loop {
        names.prepare();
        let matched: Vec<bool> = pool.install(|| {
            unread
                .par_iter()
                .map(|f| names.matches(&db.get(*f).text))
                .collect()
        });
        let (read, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut unread)
            .into_iter()
            .zip(matched)
            .partition(|(_, m)| *m);
        if read.is_empty() {
            break;
        }
        unread = rest.into_iter().map(|(f, _)| f).collect();
        let read: Vec<usize> = read.into_iter().map(|(f, _)| f).collect();
        let carried: Vec<String> = read
            .iter()
            .filter_map(|f| syntax[*f].as_ref())
            .flat_map(|s| names.names_carrying(s))
            .collect();
        let mut grew = names.add(carried);
        for f in &read {
            grew |= names.add_invoked_macros(&db.get(*f).text);
        }
        if !grew {
            break;
        }
    }
    names
}

/// Source files (those in some crate's module tree).
fn crates_files(file_owner: &[Option<usize>]) -> usize {
    file_owner.iter().filter(|o| o.is_some()).count()
}

/// Final rule levels: the rule file's, then configuration, then the command line in order.
fn set_levels(
    rules: &mut [Rule],
    config: &Config,
    cli: &[(String, RuleLevel)],
    diagnostics: &mut Vec<Diagnostic>,
) {
    for setting in &config.levels {
        if !apply_level(rules, &setting.rule, setting.level) {
            let mut d =
                Diagnostic::error("config-error", format!("unknown rule `{}`", setting.rule));
            if let Some(at) = setting.at {
                d = d.with_primary(at, "no rule has this id");
            }
            diagnostics.push(d.with_help(known_rules(rules)));
        }
    }
    for (rule, level) in cli {
        if !apply_level(rules, rule, *level) {
            diagnostics.push(
                Diagnostic::error(
                    "usage-error",
                    format!("unknown rule `{rule}` on the command line"),
                )
                .with_help(known_rules(rules)),
            );
        }
    }
}

fn known_rules(rules: &[Rule]) -> String {
    let ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
    format!(
        "known rules: {} (and `warnings` for every warning)",
        ids.join(", ")
    )
}

fn apply_level(rules: &mut [Rule], name: &str, level: RuleLevel) -> bool {
    if name == "warnings" {
        for r in rules.iter_mut().filter(|r| r.level == RuleLevel::Warning) {
            r.level = level;
        }
        return true;
    }
    match rules.iter_mut().find(|r| r.id == name) {
        Some(r) => {
            r.level = level;
            true
        }
        None => false,
    }
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
        stats.peak_kib.push(peak_rss_kib());
        clock = Instant::now();
    };
    let pool = match parser_pool(opts.threads) {
        Ok(p) => p,
        Err(e) => {
            return RunOutput {
                db: SourceDb::default(),
                audits: Vec::new(),
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
    let config_root = discovery
        .workspace_root
        .clone()
        .unwrap_or_else(|| opts.cwd.clone());
    let mut db = SourceDb::default();
    let mut early = Vec::new();
    let mut discovery = discovery;
    for (path, text, range, message) in std::mem::take(&mut discovery.bad_manifests) {
        let shown = path
            .strip_prefix(&opts.cwd)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let file = db.add(crate::source::SourceFile::new(
            shown.clone(),
            path.clone(),
            text,
        ));
        let span = crate::source::Span {
            file,
            start: range.start as u32,
            end: range.end.max(range.start) as u32,
        };
        early.push(
            Diagnostic::warning(
                "cargo-metadata",
                format!("`{shown}` is not valid TOML; walking the folder instead of asking `cargo metadata`"),
            )
            .with_primary(span, message),
        );
    }
    let config = load_config(&config_root, &opts.cwd, &mut db, &mut early);
    let rule_paths: Vec<PathBuf> = config
        .rule_paths
        .iter()
        .chain(&opts.rule_paths)
        .cloned()
        .collect();
    let mut rules = load_rules(&rule_paths, true, &mut db, &mut early);
    set_levels(&mut rules, &config, &opts.levels, &mut early);
    let prefilter = (!opts.no_prefilter).then(|| Prefilter::new(rule_names(&rules)));
    // Files the user named (as paths, or with --touching) are always parsed.
    let requested: Vec<PathBuf> = opts
        .paths
        .iter()
        .filter(|p| opts.cwd.join(p).is_file())
        .chain(&opts.touching)
        .cloned()
        .collect();
    let loaded = load(discovery, &pool, &opts.cwd, db, prefilter, &requested);
    lap(&mut stats, "parse");
    let mut file_owner = loaded.file_owners();
    let crate::load::Loaded {
        mut db,
        crates,
        mut syntax,
        mod_links,
        mut diagnostics,
        bytes,
        skipped,
        prefilter,
    } = loaded;
    diagnostics.extend(early);
    stats.files = crates_files(&file_owner);
    stats.skipped = skipped;
    stats.bytes = bytes;
    // On the pool: expansions are parsed, and bodies using macros lowered, here.
    let mut names = prefilter.unwrap_or_else(|| what_can_matter(&rules, &syntax, &db, &pool));
    names.prepare();
    stats.expansion = pool.install(|| {
        crate::expand::expand_workspace(&crates, &mut syntax, &mut file_owner, &mut db, &names)
    });
    lap(&mut stats, "expand");
    // On the pool: imports and impls resolve in parallel.
    let index = pool.install(|| Index::build(&crates, syntax, &mod_links));
    stats.items = index.defs.len();
    stats.functions = index.fns.len();
    lap(&mut stats, "index");
    let mut audits = Vec::new();
    let mut solve_time = Duration::ZERO;
    // On the pool: bodies are lowered lazily during the analysis, and lowering deeply
    // nested code needs the parser threads' large stacks.
    let results: Vec<_> = pool.install(|| {
        rules
            .iter()
            .filter(|r| r.level != RuleLevel::Allow)
            .map(|rule| {
                let result = crate::guard::guarded(|| analysis::analyse(&index, rule, opts.audit));
                (rule, result)
            })
            .collect()
    });
    for (rule, result) in results {
        match result {
            Ok(r) => {
                stats.instances += r.instances;
                solve_time += r.solve_time;
                for a in r.audits {
                    audits.push((rule.id.clone(), a));
                }
                for f in &r.findings {
                    diagnostics.push(finding_diagnostic(&db, &index, rule, f));
                }
                for (span, item, message) in &r.internal_errors {
                    let doing = format!("applying rule `{}` to", rule.id);
                    diagnostics.push(crate::guard::item_error(*span, item, &doing, message));
                }
            }
            Err(message) => diagnostics.push(
                Diagnostic::error(
                    "internal-error",
                    format!(
                        "internal error while applying rule `{}`: {}",
                        rule.id, message
                    ),
                )
                .with_note("the other rules still ran; please report this with the input attached"),
            ),
        }
    }
    diagnostics.extend(lowering_errors(&index));
    for d in &mut diagnostics {
        d.map_expansions(&db);
    }
    // Freeing the index (the lowered code of every function) takes a while and nothing
    // after this point reads it: it is freed beside the reporting.
    std::thread::spawn(move || drop(index));
    // The analysis splits into solving the flow and reading findings off it.
    stats.phases.push(("solve", solve_time));
    stats.peak_kib.push(None);
    lap(&mut stats, "findings");
    if let Some(last) = stats.phases.last_mut() {
        last.1 = last.1.saturating_sub(solve_time);
    }
    let source_files: Vec<usize> = (0..file_owner.len())
        .filter(|f| file_owner[*f].is_some())
        .collect();
    let active: Vec<String> = rules
        .iter()
        .filter(|r| r.level != RuleLevel::Allow)
        .map(|r| r.id.clone())
        .collect();
    let unused = suppress::apply(&db, &source_files, &active, &mut diagnostics);
    diagnostics.extend(unused);
    if config.exclude.is_some() {
        diagnostics.retain(|d| {
            let Some(span) = d.primary_span().filter(|_| d.is_finding) else {
                return true;
            };
            let path = &db.get(span.file).path;
            let relative = canonical(path);
            let relative = relative
                .strip_prefix(canonical(&config_root))
                .unwrap_or(path);
            !config.excludes(relative)
        });
    }
    if let Some(path) = &opts.baseline {
        match baseline::read(&opts.cwd.join(path)) {
            Ok(b) => baseline::filter(&b, &mut diagnostics),
            Err(e) => diagnostics.push(Diagnostic::error("input-error", e)),
        }
    }
    if !opts.touching.is_empty() {
        let wanted: Vec<PathBuf> = opts
            .touching
            .iter()
            .map(|p| canonical(&opts.cwd.join(p)))
            .collect();
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
        audits,
        crates,
        file_owner,
        diagnostics,
        rules,
        stats,
    }
}

/// Analyses one in-memory file with the shipped rules, through every stage but discovery
/// (for fuzzing and embedding): parse errors and findings come back as diagnostics.
pub fn analyse_text(text: &str) -> Vec<Diagnostic> {
    let mut db = SourceDb::default();
    let mut diagnostics = Vec::new();
    let rules = load_rules(&[], true, &mut db, &mut diagnostics);
    let file = db.add(crate::source::SourceFile::new(
        "input.rs".into(),
        PathBuf::from("input.rs"),
        text.to_string(),
    ));
    let Ok(pool) = parser_pool(Some(1)) else {
        return diagnostics;
    };
    let parsed = crate::parse::parse_files(&pool, &db, &[file]);
    let mut syntax: Vec<Option<crate::hir::FileSyntax>> = (0..db.len()).map(|_| None).collect();
    for p in parsed {
        diagnostics.extend(p.errors);
        syntax[p.file] = p.syntax;
    }
    let mut owners: Vec<Option<usize>> = (0..db.len()).map(|f| (f == file).then_some(0)).collect();
    let krate = crate::load::LoadedCrate {
        name: "input".into(),
        package_id: None,
        target_name: "input".into(),
        edition: "2021".into(),
        root: file,
        kind: "file".into(),
        package: None,
        manifest: None,
    };
    let crates = std::slice::from_ref(&krate);
    let names = what_can_matter(&rules, &syntax, &db, &pool);
    pool.install(|| {
        crate::expand::expand_workspace(crates, &mut syntax, &mut owners, &mut db, &names)
    });
    let index = Index::build(crates, syntax, &Default::default());
    pool.install(|| {
        for rule in &rules {
            let result = analysis::analyse(&index, rule, true);
            for f in &result.findings {
                diagnostics.push(finding_diagnostic(&db, &index, rule, f));
            }
        }
    });
    diagnostics.extend(lowering_errors(&index));
    for d in &mut diagnostics {
        d.map_expansions(&db);
    }
    diagnostics.sort_by_cached_key(|d| d.sort_key(&db));
    diagnostics
}

/// Functions whose body could not be lowered when the analysis needed it (a panic inside
/// facadelint), in function order.
fn lowering_errors(index: &Index) -> Vec<Diagnostic> {
    let fns = (0..index.fns.len() as crate::index::FnId).filter_map(|f| {
        let def = &index.fn_info(f).def;
        let message = def.body.as_ref()?.lowering_error()?;
        Some((def.span, index.fn_name(f), message))
    });
    let statics = index.statics.iter().filter_map(|s| {
        let message = s.init.as_ref()?.lowering_error()?;
        let def = index.def(s.def);
        Some((def.span, def.name.to_string(), message))
    });
    fns.chain(statics)
        .map(|(span, name, message)| crate::guard::item_error(span, &name, "reading", message))
        .collect()
}

/// The process's peak resident memory so far (Linux; `None` elsewhere).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
