//! The source database: every file the run read, with its text and line index.
//!
//! Owns file identity (`FileId`) and the byte-offset → line/column mapping used by every
//! renderer. Invariant: a `FileId` is the index of the file in discovery order, which is
//! sorted by path, so ids (and everything ordered by them) are deterministic.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in the [`SourceDb`].
pub type FileId = usize;

/// A byte range inside one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// One file as read from disk.
pub struct SourceFile {
    /// The path as shown to users (relative to the working directory when possible).
    pub name: String,
    /// The path used to read the file.
    pub path: PathBuf,
    /// Shared with lazily lowered bodies. An `Arc<String>`, not `Arc<str>`: converting the
    /// text read from disk into an `Arc<str>` would copy every file once more.
    pub text: Arc<String>,
    line_starts: Vec<usize>,
    /// Every byte is ASCII: a character column is a byte column.
    ascii: bool,
}

impl SourceFile {
    pub fn new(name: String, path: PathBuf, text: impl Into<String>) -> Self {
        let text = Arc::new(text.into());
        let line_starts = line_starts(&text);
        let ascii = text.is_ascii();
        SourceFile {
            name,
            path,
            text,
            line_starts,
            ascii,
        }
    }

    /// 0-based line index of a byte offset.
    pub fn line_index(&self, byte: usize) -> usize {
        match self.line_starts.binary_search(&byte) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len())
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 1-based (line, column) of a byte offset; the column counts characters, as rustc does.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let line = self.line_index(byte);
        let start = self.line_start(line);
        let byte = byte.min(self.text.len());
        let col = self
            .text
            .get(start..byte)
            .map(|s| s.chars().count())
            .unwrap_or(byte - start);
        (line + 1, col + 1)
    }

    /// Byte offset of a 1-based line and a 0-based character column (as proc-macro2 reports).
    pub fn offset_of(&self, line: usize, char_col: usize) -> usize {
        let start = self.line_start(line.saturating_sub(1));
        let end = self.line_start(line).min(self.text.len());
        if self.ascii {
            return (start + char_col).min(end);
        }
        let line_text = self.text.get(start..end).unwrap_or("");
        let within = line_text
            .char_indices()
            .nth(char_col)
            .map(|(i, _)| i)
            .unwrap_or(line_text.len());
        start + within
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

/// All files of a run, indexed by [`FileId`].
#[derive(Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
}

impl SourceDb {
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate()
    }

    pub fn find(&self, path: &Path) -> Option<FileId> {
        self.files.iter().position(|f| f.path == path)
    }
}

impl<'a> codespan_reporting::files::Files<'a> for SourceDb {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(codespan_reporting::files::Error::FileMissing)
    }

    fn line_index(
        &'a self,
        id: FileId,
        byte: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        Ok(self.get(id).line_index(byte))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line: usize,
    ) -> Result<Range<usize>, codespan_reporting::files::Error> {
        let file = self
            .files
            .get(id)
            .ok_or(codespan_reporting::files::Error::FileMissing)?;
        if line >= file.line_count() {
            return Err(codespan_reporting::files::Error::LineTooLarge {
                given: line,
                max: file.line_count().saturating_sub(1),
            });
        }
        Ok(file.line_start(line)..file.line_start(line + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn character_columns_become_byte_offsets_in_ascii_and_non_ascii_files() {
        let ascii = SourceFile::new("a.rs".into(), "a.rs".into(), "fn a() {}\nlet x = 1;\n");
        assert_eq!(ascii.offset_of(2, 4), 14);
        assert_eq!(ascii.offset_of(2, 99), ascii.line_start(2));
        let wide = SourceFile::new("b.rs".into(), "b.rs".into(), "// ä\nlet é = \"ü\"; x\n");
        // Line 2: `let é = "ü"; x` — `x` is character 13, byte 15 of the line.
        assert_eq!(wide.offset_of(2, 13), wide.line_start(1) + 15);
        assert_eq!(&wide.text[wide.offset_of(2, 13)..][..1], "x");
        assert_eq!(wide.line_col(wide.offset_of(2, 13)), (2, 14));
    }
}
