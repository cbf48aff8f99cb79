//! Rules: declarative TOML files that say what a client, a facade, a tracker and a watch
//! registration are. The shipped rules are compiled in; `--rules PATH` adds files from disk.
//!
//! Invariant: a rule that reaches the analysis is valid; every problem in a rule file is a
//! diagnostic located inside that file (unknown keys, bad values, invalid TOML).

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceDb, SourceFile, Span};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Rule files shipped with facadelint: (file name, TOML, Markdown docs).
pub const SHIPPED: &[(&str, &str, &str)] = &[(
    "curator-watcher-removal.toml",
    include_str!("../../rules/curator-watcher-removal.toml"),
    include_str!("../../rules/curator-watcher-removal.md"),
)];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Allow,
    Warning,
    Error,
}

/// A type or trait named by a rule: a path suffix such as `WatcherRemovalFacade` or
/// `imps::WatcherRemovalFacade`, matched against an item's module path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePattern(pub Vec<String>);

impl NamePattern {
    fn parse(s: &str) -> Option<Self> {
        let segs: Vec<String> = s.split("::").map(|p| p.trim().to_string()).collect();
        segs.iter()
            .all(|s| is_ident(s))
            .then_some(NamePattern(segs))
    }

    /// Whether `path` (an item's full path, crate name first) ends with this pattern.
    pub fn matches(&self, path: &[String]) -> bool {
        path.len() >= self.0.len() && path[path.len() - self.0.len()..] == self.0[..]
    }

    pub fn last(&self) -> &str {
        self.0.last().map(String::as_str).unwrap_or("")
    }
}

impl std::fmt::Display for NamePattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join("::"))
    }
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[derive(Clone, Debug)]
pub struct FacadeRule {
    pub ty: NamePattern,
    pub tracker: NamePattern,
}

/// A registration call: `Owner::method` (owner = the impl's type or trait) or a bare method.
#[derive(Clone, Debug)]
pub struct CallPattern {
    pub owner: Option<NamePattern>,
    pub method: String,
    /// The receiver's field holding the watcher (an `Option`): where it can only be `None`,
    /// the call registers nothing.
    pub watcher: Option<String>,
}

impl std::fmt::Display for CallPattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.owner {
            Some(o) => write!(f, "{o}::{}", self.method),
            None => f.write_str(&self.method),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub id: String,
    pub level: RuleLevel,
    pub summary: String,
    pub docs: String,
    /// Where the rule came from (shown by `list-rules`).
    pub source: String,
    pub client_traits: Vec<NamePattern>,
    pub client_types: Vec<NamePattern>,
    pub facades: Vec<FacadeRule>,
    pub registrations: Vec<CallPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: Spanned<String>,
    level: RuleLevel,
    summary: String,
    docs: Option<Spanned<String>>,
    clients: ClientsSection,
    #[serde(default)]
    facade: Vec<FacadeSection>,
    #[serde(default)]
    registration: Vec<RegistrationSection>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientsSection {
    #[serde(default)]
    traits: Vec<Spanned<String>>,
    #[serde(default)]
    types: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FacadeSection {
    #[serde(rename = "type")]
    ty: Spanned<String>,
    tracker: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegistrationSection {
    call: Spanned<String>,
    watcher: Option<Spanned<String>>,
}

/// Loads the shipped rules and the rule files under `extra` (files or folders of `*.toml`).
/// Rule files are added to `db` so their errors render like any other diagnostic.
pub fn load_rules(
    extra: &[PathBuf],
    include_shipped: bool,
    db: &mut SourceDb,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    if include_shipped {
        for (name, text, docs) in SHIPPED {
            let file = db.add(SourceFile::new(
                format!("<shipped>/rules/{name}"),
                PathBuf::from(name),
                text.to_string(),
            ));
            if let Some(rule) = parse_rule(db, file, Some(docs.to_string()), diagnostics) {
                rules.push(rule);
            }
        }
    }
    for path in extra {
        for file_path in rule_files(path, diagnostics) {
            let text = match std::fs::read_to_string(&file_path) {
                Ok(t) => t,
                Err(e) => {
                    diagnostics.push(Diagnostic::error(
                        "rule-error",
                        format!("could not read rule file `{}`: {e}", file_path.display()),
                    ));
                    continue;
                }
            };
            let name = file_path.to_string_lossy().replace('\\', "/");
            let file = db.add(SourceFile::new(name, file_path.clone(), text));
            if let Some(rule) = parse_rule(db, file, None, diagnostics) {
                if let Some(old) = rules.iter().position(|r: &Rule| r.id == rule.id) {
                    // A rule file on disk replaces the shipped rule of the same id.
                    rules.remove(old);
                }
                rules.push(rule);
            }
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

fn rule_files(path: &Path, diagnostics: &mut Vec<Diagnostic>) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    if !path.is_dir() {
        diagnostics.push(Diagnostic::error(
            "rule-error",
            format!("rule path `{}` does not exist", path.display()),
        ));
        return Vec::new();
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn parse_rule(
    db: &SourceDb,
    file: FileId,
    shipped_docs: Option<String>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Rule> {
    let source = db.get(file);
    let raw: RuleFile = match toml::from_str(&source.text) {
        Ok(r) => r,
        Err(e) => {
            let span = e
                .span()
                .map(|r| Span {
                    file,
                    start: r.start as u32,
                    end: r.end.max(r.start) as u32,
                })
                .unwrap_or(Span {
                    file,
                    start: 0,
                    end: 0,
                });
            diagnostics.push(
                Diagnostic::error("rule-error", "invalid rule file")
                    .with_primary(span, e.message().trim().to_string()),
            );
            return None;
        }
    };
    let mut problems: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let id = raw.id.get_ref();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        problems.push((
            raw.id.span(),
            "rule ids are kebab-case: lowercase letters, digits and `-`".into(),
        ));
    }
    let client_traits = names(&raw.clients.traits, &mut problems);
    let client_types = names(&raw.clients.types, &mut problems);
    let mut facades = Vec::new();
    for f in &raw.facade {
        let ty = names(std::slice::from_ref(&f.ty), &mut problems);
        let tracker = names(std::slice::from_ref(&f.tracker), &mut problems);
        if let (Some(ty), Some(tracker)) = (ty.into_iter().next(), tracker.into_iter().next()) {
            facades.push(FacadeRule { ty, tracker });
        }
    }
    let mut registrations = Vec::new();
    for r in &raw.registration {
        let text = r.call.get_ref();
        let mut segs: Vec<&str> = text.split("::").collect();
        let method = segs.pop().unwrap_or("").trim().to_string();
        let owner = if segs.is_empty() {
            Some(None)
        } else {
            NamePattern::parse(&segs.join("::")).map(Some)
        };
        let watcher = match &r.watcher {
            Some(w) if is_ident(w.get_ref()) => Some(w.get_ref().clone()),
            Some(w) => {
                problems.push((w.span(), "expected the name of a field".into()));
                None
            }
            None => None,
        };
        match owner {
            Some(owner) if is_ident(&method) => registrations.push(CallPattern {
                owner,
                method,
                watcher,
            }),
            _ => problems.push((
                r.call.span(),
                "expected `Type::method`, `Trait::method` or `method`".into(),
            )),
        }
    }
    if client_traits.is_empty() && client_types.is_empty() {
        problems.push((0..0, "`[clients]` names no trait and no type".into()));
    }
    let docs = match (&raw.docs, shipped_docs) {
        (_, Some(d)) => d,
        (Some(rel), None) => {
            let path = source
                .path
                .parent()
                .unwrap_or(Path::new("."))
                .join(rel.get_ref());
            match read_docs(&path) {
                Ok(d) => d,
                Err(e) => {
                    problems.push((
                        rel.span(),
                        format!("cannot read the docs file `{}`: {e}", path.display()),
                    ));
                    String::new()
                }
            }
        }
        (None, None) => String::new(),
    };
    let ok = problems.is_empty();
    for (r, why) in problems {
        diagnostics.push(
            Diagnostic::error("rule-error", "invalid rule file").with_primary(
                Span {
                    file,
                    start: r.start as u32,
                    end: r.end as u32,
                },
                why,
            ),
        );
    }
    ok.then(|| Rule {
        id: raw.id.into_inner(),
        level: raw.level,
        summary: raw.summary,
        docs,
        source: source.name.clone(),
        client_traits,
        client_types,
        facades,
        registrations,
    })
}

fn names(
    list: &[Spanned<String>],
    problems: &mut Vec<(std::ops::Range<usize>, String)>,
) -> Vec<NamePattern> {
    list.iter()
        .filter_map(|s| {
            let p = NamePattern::parse(s.get_ref());
            if p.is_none() {
                problems.push((
                    s.span(),
                    "expected a type or trait path such as `Client` or `module::Client`".into(),
                ));
            }
            p
        })
        .collect()
}

/// Largest docs file read: a rule's docs are a page of Markdown.
const MAX_DOCS_BYTES: u64 = 1 << 20;

/// Reads a rule's docs file: a regular file of at most [`MAX_DOCS_BYTES`] (a rule file naming
/// `/dev/zero` or a FIFO must not make facadelint read forever or wait).
fn read_docs(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind, Read};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > MAX_DOCS_BYTES {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("larger than {MAX_DOCS_BYTES} bytes"),
        ));
    }
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_DOCS_BYTES)
        .read_to_string(&mut text)?;
    Ok(text)
}
