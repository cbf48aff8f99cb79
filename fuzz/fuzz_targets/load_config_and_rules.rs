//! Configuration and rule files are untrusted input too: arbitrary bytes as `facadelint.toml`,
//! as the workspace's `Cargo.toml` (its `[workspace.metadata.facadelint]` and
//! `[package.metadata.facadelint]` tables) and as a rule file, through `config::load_config`
//! and `rules::load_rules`; every diagnostic they give must be located inside its file (on
//! character boundaries) and render. A rule the loader accepts is then bound to the one-file
//! Curator model and analysed. A panic, an `internal-error` or a label outside its file is a
//! crash.
//!
//! The loaders read files, so each input is written to a folder of this process's own (in the
//! temporary directory; libFuzzer runs one input at a time per process). Bytes are read the
//! way facadelint reads a file it cannot decode: lossy UTF-8.
#![no_main]
use facadelint::diag::{render_plain, Diagnostic};
use facadelint::source::SourceDb;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const MODEL: &str = include_str!("../../analyzer/tests/ui/parse-error/leak.rs");

fn folder() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("facadelint-fuzz-toml-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary folder");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let dir = folder();
    let rule_file = dir.join("rule.toml");
    for name in ["facadelint.toml", "Cargo.toml", "rule.toml"] {
        std::fs::write(dir.join(name), text.as_bytes()).expect("write input");
    }
    let mut db = SourceDb::default();
    let mut diagnostics = Vec::new();
    let config = facadelint::config::load_config(dir, dir, &mut db, &mut diagnostics);
    let _ = config.excludes(std::path::Path::new("src/lib.rs"));
    let rules = facadelint::rules::load_rules(&[rule_file], false, &mut db, &mut diagnostics);
    for d in &diagnostics {
        check_located(&db, d);
    }
    for rule in &rules {
        analyse_model(rule);
    }
});

/// Every label lies inside its file, on character boundaries, and the diagnostic renders.
fn check_located(db: &SourceDb, d: &Diagnostic) {
    assert_ne!(d.code, "internal-error", "{}", d.message);
    for label in &d.labels {
        let text = &db.get(label.span.file).text;
        let (start, end) = (label.span.start as usize, label.span.end as usize);
        assert!(
            start <= end && end <= text.len(),
            "{}: label {start}..{end} outside a file of {} bytes",
            d.message,
            text.len()
        );
        assert!(
            text.is_char_boundary(start) && text.is_char_boundary(end),
            "{}: label {start}..{end} splits a character",
            d.message
        );
    }
    let rendered = render_plain(db, d);
    assert!(rendered.contains(&d.message), "not rendered: {d:?}");
}

/// The parsed and indexed model, built once: (files, index, the pool the analysis runs on).
fn model() -> &'static (SourceDb, facadelint::index::Index, rayon::ThreadPool) {
    static MODEL_INDEX: OnceLock<(SourceDb, facadelint::index::Index, rayon::ThreadPool)> =
        OnceLock::new();
    MODEL_INDEX.get_or_init(|| {
        let mut db = SourceDb::default();
        let file = db.add(facadelint::source::SourceFile::new(
            "input.rs".into(),
            PathBuf::from("input.rs"),
            MODEL.to_string(),
        ));
        let pool = facadelint::parse::parser_pool(Some(1)).expect("thread pool");
        let parsed = facadelint::parse::parse_files(&pool, &db, &[file]);
        let mut syntax: Vec<Option<facadelint::hir::FileSyntax>> =
            (0..db.len()).map(|_| None).collect();
        for p in parsed {
            assert!(p.errors.is_empty(), "the model parses");
            syntax[p.file] = p.syntax;
        }
        let krate = facadelint::load::LoadedCrate {
            name: "input".into(),
            package_id: None,
            target_name: "input".into(),
            edition: "2021".into(),
            root: file,
            kind: "file".into(),
            package: None,
            manifest: None,
        };
        let index = facadelint::index::Index::build(
            std::slice::from_ref(&krate),
            syntax,
            &Default::default(),
        );
        (db, index, pool)
    })
}

/// The model analysed with `rule` (as `pipeline::analyse_text` does with the shipped rules).
fn analyse_model(rule: &facadelint::rules::Rule) {
    let (db, index, pool) = model();
    pool.install(|| {
        let result = facadelint::analysis::analyse(index, rule, true);
        if let Some((_, item, message)) = result.internal_errors.first() {
            panic!("internal-error in {item}: {message}");
        }
        for f in &result.findings {
            let d = facadelint::report::finding_diagnostic(db, index, rule, f);
            check_located(db, &d);
        }
    });
}
