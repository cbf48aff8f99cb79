//! The parse floor: what any syn-based analyzer must at least do. Walks the paths (skipping
//! `target/` and hidden folders), reads every `.rs` file and parses it with
//! `syn::parse_file` on a rayon pool with 256 MiB stacks (`RAYON_NUM_THREADS` respected).

use rayon::prelude::*;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Stack size of the parser threads (as facadelint's).
pub const STACK_BYTES: usize = 256 << 20;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub files: usize,
    pub bytes: usize,
    pub lines: usize,
    pub parsed: usize,
    pub failed: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "files={} bytes={} lines={} parsed={} failed={}",
            self.files, self.bytes, self.lines, self.parsed, self.failed
        )
    }
}

/// The `.rs` files under `paths` (a file path is taken as is), sorted; and walk errors.
pub fn rust_files(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for path in paths {
        if path.is_file() {
            files.push(path.clone());
            continue;
        }
        if !path.exists() {
            errors.push(format!("{}: no such file or folder", path.display()));
            continue;
        }
        let walker = WalkDir::new(path)
            .follow_links(true)
            .into_iter()
            .filter_entry(|e| {
                let name = e.file_name().to_string_lossy();
                e.depth() == 0
                    || !(e.file_type().is_dir() && (name == "target" || name.starts_with('.')))
            });
        for entry in walker {
            match entry {
                Ok(e)
                    if e.file_type().is_file()
                        && e.path().extension().is_some_and(|x| x == "rs") =>
                {
                    files.push(e.into_path())
                }
                Ok(_) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
    }
    files.sort();
    files.dedup();
    (files, errors)
}

/// Reads and parses one file: `(bytes, lines, parsed)`; unreadable or non-UTF-8 files fail.
pub fn parse_one(path: &Path) -> (usize, usize, bool) {
    let Ok(bytes) = std::fs::read(path) else {
        return (0, 0, false);
    };
    let len = bytes.len();
    let Ok(text) = String::from_utf8(bytes) else {
        return (len, 0, false);
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines = text.lines().count();
    (len, lines, syn::parse_file(text).is_ok())
}

pub fn run(files: &[PathBuf]) -> Result<Counts, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_BYTES)
        .build()
        .map_err(|e| e.to_string())?;
    let results: Vec<(usize, usize, bool)> =
        pool.install(|| files.par_iter().map(|p| parse_one(p)).collect());
    let mut counts = Counts {
        files: files.len(),
        ..Counts::default()
    };
    for (bytes, lines, ok) in results {
        counts.bytes += bytes;
        counts.lines += lines;
        if ok {
            counts.parsed += 1;
        } else {
            counts.failed += 1;
        }
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_parsed_and_failed_files_and_strips_a_bom() {
        let dir = std::env::temp_dir().join(format!("parse-floor-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("target")).unwrap();
        std::fs::create_dir_all(dir.join(".hidden")).unwrap();
        std::fs::write(dir.join("ok.rs"), "\u{feff}fn main() {}\n").unwrap();
        std::fs::write(dir.join("bad.rs"), "fn (\n").unwrap();
        std::fs::write(dir.join("target/skip.rs"), "fn x() {}").unwrap();
        std::fs::write(dir.join(".hidden/skip.rs"), "fn x() {}").unwrap();
        let (files, errors) = rust_files(std::slice::from_ref(&dir));
        assert!(errors.is_empty());
        let counts = run(&files).unwrap();
        assert_eq!(
            counts.to_string(),
            format!("files=2 bytes={} lines=2 parsed=1 failed=1", 3 + 13 + 5)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
