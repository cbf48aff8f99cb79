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

/// How a file that a macro expansion made relates to the code that was written.
#[derive(Debug)]
pub struct ExpansionOrigin {
    /// The invocation (`name!(…)`).
    pub call: Span,
    /// Every token of the expansion's text, in order: its range there, and where the
    /// invocation wrote it (`None`: the macro's own token).
    pub tokens: Vec<(u32, u32, Option<Span>)>,
}

/// All files of a run, indexed by [`FileId`]. Besides the files read from disk it holds the
/// text of each macro expansion (analysed like a file, never shown: spans in it are mapped
/// back to the invocation by [`SourceDb::original_span`] before anything is reported).
#[derive(Default)]
pub struct SourceDb {
    files: Vec<SourceFile>,
    expansions: std::collections::HashMap<FileId, ExpansionOrigin>,
}

impl SourceDb {
    /// Adds the text of a macro expansion.
    pub fn add_expansion(&mut self, name: String, text: String, origin: ExpansionOrigin) -> FileId {
        let id = self.add(SourceFile::new(name, PathBuf::new(), text));
        self.expansions.insert(id, origin);
        id
    }

    pub fn is_expansion(&self, file: FileId) -> bool {
        self.expansions.contains_key(&file)
    }

    /// Where written code a span of an expansion stands for, as rustc points into macros: the
    /// tokens of the span that the invocation wrote (from the first to the last), or the
    /// whole invocation when the macro wrote them all. Spans of files read from disk are
    /// returned unchanged; nested expansions are followed to the outermost invocation.
    pub fn original_span(&self, mut span: Span) -> Span {
        while let Some(origin) = self.expansions.get(&span.file) {
            let first = origin.tokens.partition_point(|t| t.0 < span.start);
            let written = origin.tokens[first..]
                .iter()
                .take_while(|t| t.1 <= span.end)
                .filter_map(|t| t.2);
            let hull = written.fold(None::<Span>, |hull, s| match hull {
                None => Some(s),
                Some(h) if h.file == s.file => Some(Span {
                    file: h.file,
                    start: h.start.min(s.start),
                    end: h.end.max(s.end),
                }),
                Some(_) => Some(origin.call),
            });
            span = hull.unwrap_or(origin.call);
        }
        span
    }

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

    #[test]
    fn expansion_spans_map_to_what_the_invocation_wrote_else_to_the_invocation() {
        let mut db = SourceDb::default();
        let written = db.add(SourceFile::new("a.rs".into(), "a.rs".into(), "m!(get x);"));
        let at = |start, end| Span {
            file: written,
            start,
            end,
        };
        // `self.c.get(x)`: `get` and `x` come from the invocation, the rest from the macro.
        let tokens = vec![
            (0, 4, None),
            (4, 5, None),
            (5, 6, None),
            (6, 7, None),
            (7, 10, Some(at(3, 6))),
            (10, 11, None),
            (11, 12, Some(at(7, 8))),
            (12, 13, None),
        ];
        let call = at(0, 9);
        let expansion = db.add_expansion(
            "<m!>".into(),
            "self.c.get(x)".into(),
            ExpansionOrigin { call, tokens },
        );
        let span = |start, end| Span {
            file: expansion,
            start,
            end,
        };
        assert_eq!(db.original_span(span(0, 13)), at(3, 8));
        assert_eq!(db.original_span(span(0, 6)), call);
        assert_eq!(db.original_span(span(11, 12)), at(7, 8));
        // An expansion inside an expansion ends at the outermost invocation.
        let nested = db.add_expansion(
            "<n!>".into(),
            "y".into(),
            ExpansionOrigin {
                call: span(0, 4),
                tokens: vec![(0, 1, None)],
            },
        );
        let inner = Span {
            file: nested,
            start: 0,
            end: 1,
        };
        assert_eq!(db.original_span(inner), call);
        assert_eq!(db.original_span(at(1, 2)), at(1, 2));
        assert!(db.is_expansion(nested) && !db.is_expansion(written));
    }
}
