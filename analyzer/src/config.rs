//! Configuration: rule levels, extra rule paths and exclude globs, from
//! `[workspace.metadata.facadelint]` and `[package.metadata.facadelint]` in the workspace's
//! root `Cargo.toml`, then `facadelint.toml` beside it (which wins), then the command line
//! (which wins over both).
//!
//! Invariant: every unknown key or bad value is a diagnostic located inside the file it is in;
//! a bad configuration never silently falls back to defaults.

use crate::diag::Diagnostic;
use crate::rules::RuleLevel;
use crate::source::{FileId, SourceDb, SourceFile, Span};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ConfigTable {
    #[serde(default)]
    levels: BTreeMap<String, Spanned<RuleLevel>>,
    #[serde(default)]
    rules: Vec<Spanned<String>>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
}

/// Only the parts of `Cargo.toml` that hold our table; everything else is ignored.
#[derive(Deserialize)]
struct Manifest {
    workspace: Option<MetadataHolder>,
    package: Option<MetadataHolder>,
}

#[derive(Deserialize)]
struct MetadataHolder {
    metadata: Option<Metadata>,
}

#[derive(Deserialize)]
struct Metadata {
    facadelint: Option<ConfigTable>,
}

/// A rule level set by configuration, with where it was set (for errors about unknown ids).
#[derive(Clone, Debug)]
pub struct LevelSetting {
    pub rule: String,
    pub level: RuleLevel,
    pub at: Option<Span>,
}

#[derive(Default, Debug)]
pub struct Config {
    pub levels: Vec<LevelSetting>,
    pub rule_paths: Vec<PathBuf>,
    pub exclude: Option<globset::GlobSet>,
    pub exclude_patterns: Vec<String>,
    /// Where the configuration was read (`Cargo.toml`, `facadelint.toml`).
    pub sources: Vec<PathBuf>,
}

impl Config {
    /// Whether findings located in `path` (relative to the workspace root) are excluded.
    pub fn excludes(&self, relative: &Path) -> bool {
        self.exclude.as_ref().is_some_and(|g| g.is_match(relative))
    }
}

/// Reads the configuration of the workspace at `root`. Files read are added to `db`.
pub fn load_config(
    root: &Path,
    cwd: &Path,
    db: &mut SourceDb,
    diagnostics: &mut Vec<Diagnostic>,
) -> Config {
    let mut config = Config::default();
    let mut globs = globset::GlobSetBuilder::new();
    let manifest = root.join("Cargo.toml");
    if let Some(file) = add_file(&manifest, cwd, db) {
        match toml::from_str::<Manifest>(&db.get(file).text) {
            Ok(m) => {
                let tables = [m.workspace, m.package]
                    .into_iter()
                    .flatten()
                    .filter_map(|h| h.metadata.and_then(|md| md.facadelint));
                for table in tables {
                    apply(table, file, root, &mut config, &mut globs, diagnostics);
                }
                config.sources.push(manifest.clone());
            }
            Err(e) => diagnostics.push(toml_error(file, &e, "invalid facadelint configuration")),
        }
    }
    let own = root.join("facadelint.toml");
    if let Some(file) = add_file(&own, cwd, db) {
        match toml::from_str::<ConfigTable>(&db.get(file).text) {
            Ok(table) => {
                apply(table, file, root, &mut config, &mut globs, diagnostics);
                config.sources.push(own);
            }
            Err(e) => diagnostics.push(toml_error(file, &e, "invalid facadelint configuration")),
        }
    }
    if !config.exclude_patterns.is_empty() {
        config.exclude = globs.build().ok();
    }
    config
}

fn add_file(path: &Path, cwd: &Path, db: &mut SourceDb) -> Option<FileId> {
    let text = std::fs::read_to_string(path).ok()?;
    let shown = path.strip_prefix(cwd).unwrap_or(path);
    let name = shown.to_string_lossy().replace('\\', "/");
    Some(db.add(SourceFile::new(name, path.to_path_buf(), text)))
}

fn span_of(file: FileId, r: std::ops::Range<usize>) -> Span {
    Span {
        file,
        start: r.start as u32,
        end: r.end.max(r.start) as u32,
    }
}

pub fn toml_error(file: FileId, e: &toml::de::Error, what: &str) -> Diagnostic {
    let span = span_of(file, e.span().unwrap_or(0..0));
    Diagnostic::error("config-error", what).with_primary(span, e.message().trim().to_string())
}

fn apply(
    table: ConfigTable,
    file: FileId,
    root: &Path,
    config: &mut Config,
    globs: &mut globset::GlobSetBuilder,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (rule, level) in table.levels {
        let at = span_of(file, level.span());
        config.levels.retain(|l| l.rule != rule);
        config.levels.push(LevelSetting {
            rule,
            level: level.into_inner(),
            at: Some(at),
        });
    }
    for p in table.rules {
        config.rule_paths.push(root.join(p.get_ref()));
    }
    for pattern in table.exclude {
        match globset::Glob::new(pattern.get_ref()) {
            Ok(g) => {
                globs.add(g);
                config.exclude_patterns.push(pattern.get_ref().clone());
            }
            Err(e) => diagnostics.push(
                Diagnostic::error("config-error", "invalid facadelint configuration")
                    .with_primary(span_of(file, pattern.span()), format!("not a glob: {e}")),
            ),
        }
    }
}
