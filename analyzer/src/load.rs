//! Loading: reads every file once, parses in parallel waves, and links `mod` declarations to
//! the files that hold them, the way rustc does (`foo.rs`, `foo/mod.rs`, `#[path]`, inline
//! modules, `#[cfg]`-gated modules included).
//!
//! Invariant: every discovered file ends up either parsed or reported with a located
//! diagnostic; a missing module file is reported at its `mod` declaration.

use crate::diag::Diagnostic;
use crate::discover::{CrateRoot, Discovery};
use crate::hir::{FileSyntax, Item, ItemKind, Name};
use crate::parse::{parse_files, ParsedFile};
use crate::prefilter::{scan_mods, ModScan, Prefilter};
use crate::source::{FileId, SourceDb, SourceFile, Span};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

#[derive(Clone, Debug)]
pub struct LoadedCrate {
    pub name: String,
    pub package_id: Option<String>,
    pub target_name: String,
    pub edition: String,
    pub root: FileId,
    pub kind: String,
    pub package: Option<String>,
    pub manifest: Option<PathBuf>,
}

/// Where the body of `mod name;` lives: keyed by the declaring file and the module's path
/// inside that file (inline modules, then the declared name).
pub type ModLinks = HashMap<(FileId, Vec<Name>), FileId>;

/// The module files each file links to with its `mod` declarations.
pub fn module_children(links: &ModLinks) -> HashMap<FileId, Vec<FileId>> {
    let mut children: HashMap<FileId, Vec<FileId>> = HashMap::new();
    for ((parent, _), child) in links {
        children.entry(*parent).or_default().push(*child);
    }
    children
}

pub struct Loaded {
    pub db: SourceDb,
    pub crates: Vec<LoadedCrate>,
    /// Parsed syntax by `FileId` (`None`: unreadable or unparsable, already reported).
    pub syntax: Vec<Option<FileSyntax>>,
    pub mod_links: ModLinks,
    pub diagnostics: Vec<Diagnostic>,
    pub bytes: usize,
    /// Files the prefilter left unparsed.
    pub skipped: usize,
    /// The prefilter as it ended (its names say what can matter), when there was one.
    pub prefilter: Option<Prefilter>,
}

impl Loaded {
    /// The crate whose module tree holds each file (the first, when several share a file).
    pub fn file_owners(&self) -> Vec<Option<usize>> {
        let children = module_children(&self.mod_links);
        let mut owner = vec![None; self.db.len()];
        for (c, krate) in self.crates.iter().enumerate() {
            let mut todo = vec![krate.root];
            while let Some(f) = todo.pop() {
                if owner[f].is_some() {
                    continue;
                }
                owner[f] = Some(c);
                todo.extend(children.get(&f).into_iter().flatten().copied());
            }
        }
        owner
    }
}

struct Loader<'p> {
    pool: &'p rayon::ThreadPool,
    cwd: PathBuf,
    db: SourceDb,
    by_path: HashMap<PathBuf, FileId>,
    syntax: Vec<Option<FileSyntax>>,
    /// Directories in which a file's `mod x;` declarations look for `x.rs` / `x/mod.rs`, in
    /// order (a walked file may be a crate root or a module: both are tried).
    child_dir: Vec<Vec<PathBuf>>,
    mod_links: ModLinks,
    diagnostics: Vec<Diagnostic>,
    bytes: usize,
    /// Files whose `mod` declarations have been followed.
    followed: BTreeSet<FileId>,
    /// `mod` declarations of skipped files, scanned ahead in parallel.
    scanned: HashMap<FileId, Vec<ModScan>>,
    /// The file whose `mod` first linked each module file.
    parent_file: HashMap<FileId, FileId>,
    /// Files that could not be read, with the index of their diagnostic.
    unreadable: HashMap<PathBuf, usize>,
}

/// Loads every file; with a prefilter, files that cannot matter are read but not parsed,
/// except the `requested` ones (named by the user: a file that does not parse must fail the
/// run even when nothing in it can matter).
/// `db` may already hold files (rule and configuration files); they are not analysed.
pub fn load(
    discovery: Discovery,
    pool: &rayon::ThreadPool,
    cwd: &Path,
    db: SourceDb,
    mut prefilter: Option<Prefilter>,
    requested: &[PathBuf],
) -> Loaded {
    let requested: Vec<PathBuf> = requested
        .iter()
        .filter_map(|p| std::fs::canonicalize(cwd.join(p)).ok())
        .collect();
    let existing = db.len();
    let mut loader = Loader {
        pool,
        cwd: cwd.to_path_buf(),
        db,
        by_path: HashMap::new(),
        syntax: (0..existing).map(|_| None).collect(),
        child_dir: vec![Vec::new(); existing],
        mod_links: HashMap::new(),
        diagnostics: discovery.diagnostics,
        bytes: 0,
        followed: BTreeSet::new(),
        scanned: HashMap::new(),
        parent_file: HashMap::new(),
        unreadable: HashMap::new(),
    };
    let mut crates = Vec::new();
    let mut wave = Vec::new();
    let requests = discovery
        .crates
        .iter()
        .map(|root| &root.root)
        .chain(&discovery.loose_files)
        .map(|path| ReadRequest {
            path: path.clone(),
            mod_rs: true,
            declared_at: None,
        })
        .collect();
    let mut ids = loader.read_all(requests).into_iter();
    for root in &discovery.crates {
        if let Some(id) = ids.next().flatten() {
            wave.push(id);
            crates.push(loaded_crate(root, id));
        }
    }
    let mut loose = Vec::new();
    for (path, id) in discovery.loose_files.iter().zip(ids) {
        if let Some(id) = id {
            let named_root = path
                .file_name()
                .is_some_and(|n| n == "lib.rs" || n == "main.rs" || n == "mod.rs");
            if !named_root {
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let stem = path.file_stem().unwrap_or_default();
                loader.child_dir[id] = vec![dir.join(stem), dir];
            }
            wave.push(id);
            loose.push(id);
        }
    }
    // Parse wave by wave: each wave's `mod` declarations name the next wave's files.
    let mut claimed = BTreeSet::new();
    let mut skipped: BTreeSet<FileId> = BTreeSet::new();
    while !wave.is_empty() {
        wave.sort_unstable();
        wave.dedup();
        let (to_parse, to_skip): (Vec<FileId>, Vec<FileId>) = match &mut prefilter {
            None => (wave.clone(), Vec::new()),
            Some(p) => {
                p.prepare();
                let p = &*p;
                let db = &loader.db;
                let matched: Vec<bool> = pool.install(|| {
                    use rayon::prelude::*;
                    wave.par_iter()
                        .map(|f| p.matches(&db.get(*f).text))
                        .collect()
                });
                let forced: BTreeSet<FileId> = requested
                    .iter()
                    .filter_map(|key| loader.by_path.get(key).copied())
                    .collect();
                let (parse, skip): (Vec<_>, Vec<_>) = wave
                    .iter()
                    .zip(matched)
                    .partition(|(f, m)| *m || forced.contains(f));
                (
                    parse.into_iter().map(|(f, _)| *f).collect(),
                    skip.into_iter().map(|(f, _)| *f).collect(),
                )
            }
        };
        loader.prescan(&to_skip);
        loader.parse(&to_parse);
        skipped.extend(to_skip);
        let mut again = to_parse;
        // Names the parsed files declare can make skipped files matter: to a fixpoint.
        while let Some(p) = &mut prefilter {
            let names: Vec<String> = again
                .iter()
                .filter_map(|f| loader.syntax[*f].as_ref())
                .flat_map(|s| p.names_carrying(s))
                .collect();
            let mut grew = p.add(names);
            for f in &again {
                grew |= p.add_invoked_macros(&loader.db.get(*f).text);
            }
            if !grew {
                break;
            }
            p.prepare();
            again = skipped
                .iter()
                .copied()
                .filter(|f| p.matches(&loader.db.get(*f).text))
                .collect();
            if again.is_empty() {
                break;
            }
            for f in &again {
                skipped.remove(f);
                loader.followed.remove(f);
            }
            loader.parse(&again);
            wave.extend(again.iter().copied());
        }
        let mut decls = Vec::new();
        for &file in &wave {
            if loader.followed.insert(file) {
                decls.extend(loader.mod_files(file));
            }
        }
        let mut next = Vec::new();
        for child in loader.read_mod_files(decls) {
            claimed.insert(child);
            if !loader.followed.contains(&child) {
                next.push(child);
            }
        }
        wave = next;
    }
    // A parsed module needs its parents parsed too, or its path in the crate is lost.
    let mut ancestors = BTreeSet::new();
    for f in existing..loader.syntax.len() {
        if loader.syntax[f].is_none() {
            continue;
        }
        let mut cur = f;
        while let Some(&p) = loader.parent_file.get(&cur) {
            if !skipped.contains(&p) || !ancestors.insert(p) {
                break;
            }
            cur = p;
        }
    }
    let ancestors: Vec<FileId> = ancestors.into_iter().collect();
    loader.parse_skipped(&ancestors);
    let parsed_skipped = skipped.len() - ancestors.len();
    // Walked files become crate roots unless a root's module tree already holds them
    // (a file only a cycle of `mod`s or an unused `cfg_attr` path names is a root too).
    let children = module_children(&loader.mod_links);
    let mut reached: BTreeSet<FileId> = BTreeSet::new();
    let mark = |root: FileId, reached: &mut BTreeSet<FileId>| {
        let mut todo = vec![root];
        while let Some(f) = todo.pop() {
            if reached.insert(f) {
                todo.extend(children.get(&f).into_iter().flatten().copied());
            }
        }
    };
    for c in &crates {
        mark(c.root, &mut reached);
    }
    // Files no `mod` names first, then whatever is still not in a tree.
    let (unclaimed, rest): (Vec<FileId>, Vec<FileId>) =
        loose.iter().partition(|f| !claimed.contains(*f));
    for id in unclaimed.into_iter().chain(rest) {
        if !reached.contains(&id) {
            mark(id, &mut reached);
            let path = &loader.db.get(id).path;
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().replace('-', "_"))
                .unwrap_or_default();
            crates.push(LoadedCrate {
                package_id: None,
                target_name: stem.clone(),
                edition: "2021".into(),
                name: stem,
                root: id,
                kind: "file".into(),
                package: None,
                manifest: None,
            });
        }
    }
    Loaded {
        prefilter,
        db: loader.db,
        crates,
        syntax: loader.syntax,
        mod_links: loader.mod_links,
        diagnostics: loader.diagnostics,
        bytes: loader.bytes,
        skipped: parsed_skipped,
    }
}

fn loaded_crate(root: &CrateRoot, id: FileId) -> LoadedCrate {
    LoadedCrate {
        name: root.name.clone(),
        package_id: root.package_id.clone(),
        target_name: root.target_name.clone(),
        edition: root.edition.clone(),
        root: id,
        kind: root.kind.clone(),
        package: root.package.clone(),
        manifest: root.manifest.clone(),
    }
}

/// Shows paths relative to the working directory when they are inside it.
fn display_name(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// A file to read, and where it was asked for.
struct ReadRequest {
    path: PathBuf,
    /// Whether its child modules live beside it (`mod.rs`, crate roots, `#[path]` files).
    mod_rs: bool,
    declared_at: Option<Span>,
}

/// What reading one file gave, before it has an id.
struct Fetched {
    bytes: usize,
    /// The file (its text lossy where it is not UTF-8, without a byte-order mark) and the
    /// offset of the first invalid byte.
    file: std::io::Result<(SourceFile, Option<usize>)>,
}

/// Reads, decodes and line-indexes one file; pure, so that a batch can be read on the pool.
/// What it allocates is kept for the whole run (text, line table): the long-lived heap.
fn fetch(path: &Path, cwd: &Path) -> Fetched {
    crate::alloc::long_lived(|| fetch_kept(path, cwd))
}

fn fetch_kept(path: &Path, cwd: &Path) -> Fetched {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            return Fetched {
                bytes: 0,
                file: Err(e),
            }
        }
    };
    let len = bytes.len();
    let (text, bad_utf8) = match String::from_utf8(bytes) {
        Ok(t) => (t, None),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            (String::from_utf8_lossy(e.as_bytes()).into_owned(), Some(at))
        }
    };
    // rustc drops a byte-order mark before counting lines and columns; so do we.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    };
    let file = SourceFile::new(display_name(path, cwd), path.to_path_buf(), text);
    Fetched {
        bytes: len,
        file: Ok((file, bad_utf8)),
    }
}

impl Loader<'_> {
    /// Reads files on the pool and admits them in request order, so that ids do not depend
    /// on the thread count; a file already read (or named twice) is read once.
    fn read_all(&mut self, requests: Vec<ReadRequest>) -> Vec<Option<FileId>> {
        use rayon::prelude::*;
        let keys: Vec<PathBuf> = self.pool.install(|| {
            requests
                .par_iter()
                .map(|r| std::fs::canonicalize(&r.path).unwrap_or_else(|_| r.path.clone()))
                .collect()
        });
        let mut first_of: HashMap<&Path, usize> = HashMap::new();
        let fresh: Vec<usize> = (0..requests.len())
            .filter(|&i| {
                !self.by_path.contains_key(&keys[i])
                    && !self.unreadable.contains_key(&keys[i])
                    && first_of.insert(keys[i].as_path(), i).is_none()
            })
            .collect();
        let mut fetched: HashMap<usize, Fetched> = self.pool.install(|| {
            fresh
                .par_iter()
                .map(|&i| (i, fetch(&requests[i].path, &self.cwd)))
                .collect()
        });
        let mut ids = Vec::with_capacity(requests.len());
        for (i, request) in requests.iter().enumerate() {
            let id = match fetched.remove(&i) {
                Some(f) => self.admit(request, keys[i].clone(), f),
                None => {
                    self.locate_unreadable(&keys[i], request.declared_at);
                    self.by_path.get(&keys[i]).copied()
                }
            };
            ids.push(id);
        }
        ids
    }

    /// A file that could not be read is reported once: a `mod` that names it later gives
    /// the report its location.
    fn locate_unreadable(&mut self, key: &Path, declared_at: Option<Span>) {
        let (Some(&at_diag), Some(at)) = (self.unreadable.get(key), declared_at) else {
            return;
        };
        let d = &mut self.diagnostics[at_diag];
        if d.primary_span().is_none() {
            *d = d.clone().with_primary(at, "declared here");
        }
    }

    /// Gives a read file its id (or reports why it could not be read).
    fn admit(&mut self, request: &ReadRequest, key: PathBuf, fetched: Fetched) -> Option<FileId> {
        let path = request.path.as_path();
        let (file, bad_utf8) = match fetched.file {
            Ok(f) => f,
            Err(e) => {
                let name = display_name(path, &self.cwd);
                let mut d =
                    Diagnostic::error("input-error", format!("could not read `{name}`: {e}"));
                if let Some(at) = request.declared_at {
                    d = d.with_primary(at, "declared here");
                }
                self.unreadable.insert(key, self.diagnostics.len());
                self.diagnostics.push(d);
                return None;
            }
        };
        self.bytes += fetched.bytes;
        let name = file.name.clone();
        let id = self.db.add(file);
        self.by_path.insert(key, id);
        self.syntax.push(None);
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let is_mod_rs = request.mod_rs || path.file_name().is_some_and(|n| n == "mod.rs");
        self.child_dir.push(vec![if is_mod_rs {
            dir
        } else {
            dir.join(path.file_stem().unwrap_or_default())
        }]);
        if let Some(offset) = bad_utf8 {
            let at = Span {
                file: id,
                start: offset as u32,
                end: offset as u32 + 1,
            };
            self.diagnostics.push(
                Diagnostic::error(
                    "input-error",
                    format!("`{name}` is not valid UTF-8 (byte offset {offset})"),
                )
                .with_primary(at, "invalid UTF-8 starts here")
                .with_note("the file was not analysed"),
            );
            self.followed.insert(id);
            return Some(id);
        }
        Some(id)
    }

    /// Scans skipped files for `mod` declarations, in parallel.
    fn prescan(&mut self, files: &[FileId]) {
        let db = &self.db;
        let scans: Vec<(FileId, Vec<ModScan>)> = self.pool.install(|| {
            use rayon::prelude::*;
            files
                .par_iter()
                .map(|f| (*f, scan_mods(*f, &db.get(*f).text)))
                .collect()
        });
        self.scanned.extend(scans);
    }

    /// Parses files the prefilter skipped earlier (their `mod`s were already followed).
    fn parse_skipped(&mut self, files: &[FileId]) {
        let parsed: Vec<ParsedFile> = parse_files(self.pool, &self.db, files);
        for p in parsed {
            self.diagnostics.extend(p.errors);
            self.syntax[p.file] = p.syntax;
        }
    }

    fn parse(&mut self, files: &[FileId]) {
        let todo: Vec<FileId> = files
            .iter()
            .copied()
            .filter(|f| self.syntax[*f].is_none() && !self.followed.contains(f))
            .collect();
        let parsed: Vec<ParsedFile> = parse_files(self.pool, &self.db, &todo);
        for p in parsed {
            self.diagnostics.extend(p.errors);
            self.syntax[p.file] = p.syntax;
        }
    }

    /// Reads the files `mod_files` found (in parallel) and links each to its declaration;
    /// returns the child files in declaration order.
    fn read_mod_files(&mut self, decls: Vec<ModFile>) -> Vec<FileId> {
        let requests = decls
            .iter()
            .map(|d| ReadRequest {
                path: d.path.clone(),
                mod_rs: d.via_path,
                declared_at: Some(d.at),
            })
            .collect();
        let ids = self.read_all(requests);
        let mut children = Vec::new();
        for (decl, id) in decls.into_iter().zip(ids) {
            let Some(child) = id else { continue };
            if let Some(chain) = self.module_cycle(decl.parent, child) {
                // rustc rejects a module that includes a file containing it; linking it
                // would make the module tree infinite.
                self.diagnostics.push(
                    Diagnostic::error("circular-module", format!("circular modules: {chain}"))
                        .with_primary(decl.at, "this module includes a file that contains it"),
                );
                continue;
            }
            self.mod_links.insert((decl.parent, decl.key_path), child);
            self.parent_file.entry(child).or_insert(decl.parent);
            children.push(child);
        }
        children
    }

    /// `child -> … -> parent -> child` when linking `child` under `parent` closes a cycle of
    /// module files.
    fn module_cycle(&self, parent: FileId, child: FileId) -> Option<String> {
        let mut chain = vec![parent];
        let mut cur = parent;
        while cur != child {
            cur = *self.parent_file.get(&cur)?;
            if chain.contains(&cur) && cur != child {
                return None;
            }
            chain.push(cur);
        }
        chain.reverse();
        chain.push(child);
        let names: Vec<&str> = chain
            .iter()
            .map(|f| self.db.get(*f).name.as_str())
            .collect();
        Some(names.join(" -> "))
    }

    /// Finds the file of every `mod x;` in `file` (reporting the ones that are missing).
    fn mod_files(&mut self, file: FileId) -> Vec<ModFile> {
        let mut decls = Vec::new();
        match &self.syntax[file] {
            Some(syntax) => collect_mod_decls(&syntax.items, &mut Vec::new(), &mut decls),
            // A file the prefilter skipped: its `mod` declarations by a token scan.
            None => {
                decls = self
                    .scanned
                    .remove(&file)
                    .unwrap_or_else(|| scan_mods(file, &self.db.get(file).text))
            }
        }
        let mut children = Vec::new();
        for decl in decls {
            // `mod r#type;` lives in `type.rs`.
            let file_name = decl
                .name
                .strip_prefix("r#")
                .unwrap_or(&decl.name)
                .to_string();
            let (candidates, via_path) = match &decl.path_attr {
                Some(p) => {
                    let dir = if decl.inline.is_empty() {
                        self.db
                            .get(file)
                            .path
                            .parent()
                            .map(Path::to_path_buf)
                            .unwrap_or_default()
                    } else {
                        let base = self.child_dir[file][0].clone();
                        decl.inline.iter().fold(base, |d, m| d.join(m))
                    };
                    // A `cfg_attr` path may name a file of another platform: the usual
                    // places are tried after it.
                    let mut candidates = vec![dir.join(p)];
                    let base = self.child_dir[file][0].clone();
                    let plain = decl.inline.iter().fold(base, |d, m| d.join(m));
                    candidates.push(plain.join(format!("{file_name}.rs")));
                    candidates.push(plain.join(&file_name).join("mod.rs"));
                    (candidates, true)
                }
                None => {
                    let candidates = self.child_dir[file]
                        .iter()
                        .flat_map(|base| {
                            let dir = decl.inline.iter().fold(base.clone(), |d, m| d.join(m));
                            [
                                dir.join(format!("{file_name}.rs")),
                                dir.join(&file_name).join("mod.rs"),
                            ]
                        })
                        .collect();
                    (candidates, false)
                }
            };
            let found = candidates.iter().find(|c| c.is_file()).cloned();
            let key_path: Vec<Name> = decl
                .inline
                .iter()
                .chain([&decl.name])
                .map(|m| Name::from(m.as_str()))
                .collect();
            let at = Span {
                file,
                start: decl.span.start,
                end: decl.span.end,
            };
            match found {
                Some(path) => children.push(ModFile {
                    parent: file,
                    key_path,
                    path,
                    via_path,
                    at,
                }),
                None => {
                    // rustc reads only the `#[path]` file; the other places were our fallback.
                    let named = if via_path {
                        &candidates[..1]
                    } else {
                        &candidates[..]
                    };
                    let shown: Vec<String> =
                        named.iter().map(|c| display_name(c, &self.cwd)).collect();
                    let mut d = Diagnostic::error(
                        "missing-module",
                        format!("file not found for module `{}`", decl.name),
                    )
                    .with_primary(at, "declared here");
                    // `x.rs` may be there as a folder: "create file x.rs" would puzzle.
                    for dir in named.iter().filter(|c| c.is_dir()) {
                        d = d.with_note(format!(
                            "`{}` is a directory; the module needs a file there",
                            display_name(dir, &self.cwd)
                        ));
                    }
                    self.diagnostics.push(d.with_help(format!(
                        "to create the module `{}`, create file {}",
                        decl.name,
                        shown.join(" or ")
                    )));
                }
            }
        }
        children
    }
}

type ModDecl = ModScan;

/// The file that holds the body of one `mod x;`, found but not read yet.
struct ModFile {
    parent: FileId,
    /// The module's path inside `parent` (inline modules, then its name).
    key_path: Vec<Name>,
    path: PathBuf,
    /// Named by `#[path]`: its own children live beside it.
    via_path: bool,
    at: Span,
}

fn collect_mod_decls(items: &[Item], inline: &mut Vec<String>, out: &mut Vec<ModDecl>) {
    for item in items {
        if let ItemKind::Mod { body, path_attr } = &item.kind {
            match body {
                None => out.push(ModDecl {
                    inline: inline.clone(),
                    name: item.name.to_string(),
                    path_attr: path_attr.clone(),
                    span: item.span,
                }),
                Some(children) => {
                    inline.push(path_attr.clone().unwrap_or_else(|| item.name.to_string()));
                    collect_mod_decls(children, inline, out);
                    inline.pop();
                }
            }
        }
    }
}
