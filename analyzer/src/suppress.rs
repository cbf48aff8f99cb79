//! Inline suppressions: `// facadelint: allow(rule-id) -- reason`.
//!
//! A comment after code covers its own line; a comment on a line of its own covers the next
//! line of code and, when that line starts an item (`fn`, `impl`, `struct`, `mod`, …), the whole
//! item up to its closing brace. A finding is suppressed when one of its labels lies in a
//! covered line for its rule. Invariant: suppressions are read from the source text only
//! (rustc rejects unknown tool lints, so attributes are not used); a suppression that
//! suppresses nothing is reported, like rustc's unused `allow`.

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceDb, SourceFile, Span};

const MARKER: &str = "facadelint: allow(";

#[derive(Debug, Clone)]
pub struct Suppression {
    pub comment: Span,
    pub rules: Vec<String>,
    /// Covered byte range of the file.
    pub covers: std::ops::Range<u32>,
    pub used: bool,
}

/// Finds the suppressions of one file.
pub fn scan(file: FileId, source: &SourceFile) -> Vec<Suppression> {
    let text = &source.text;
    let mut out = Vec::new();
    for (line_no, line) in text.split_inclusive('\n').enumerate() {
        let Some(comment_at) = line.find("//") else {
            continue;
        };
        let comment = &line[comment_at..];
        let Some(m) = comment.find(MARKER) else {
            continue;
        };
        let after = &comment[m + MARKER.len()..];
        let Some(close) = after.find(')') else {
            continue;
        };
        let rules: Vec<String> = after[..close]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let line_start = source.line_start(line_no);
        let comment_span = Span {
            file,
            start: (line_start + comment_at) as u32,
            end: (line_start + line.trim_end().len()) as u32,
        };
        let code_before = !line[..comment_at].trim().is_empty();
        let covers = if code_before {
            line_start as u32..(line_start + line.len()) as u32
        } else {
            next_code(source, line_no + 1)
        };
        out.push(Suppression {
            comment: comment_span,
            rules,
            covers,
            used: false,
        });
    }
    out
}

/// The next line of code after `line` and, when it starts an item, the item's whole extent.
fn next_code(source: &SourceFile, mut line: usize) -> std::ops::Range<u32> {
    let text = &source.text;
    while line < source.line_count() {
        let start = source.line_start(line);
        let end = source.line_start(line + 1).min(text.len());
        let l = text[start..end].trim();
        let is_code = !(l.is_empty() || l.starts_with("//") || l.starts_with("#["));
        if is_code {
            return if starts_item(l) {
                start as u32..item_end(text, start) as u32
            } else {
                start as u32..end as u32
            };
        }
        line += 1;
    }
    0..0
}

fn starts_item(line: &str) -> bool {
    let words = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    for w in words {
        match w {
            "pub" | "crate" | "async" | "unsafe" | "const" | "extern" | "default" => continue,
            "fn" | "impl" | "struct" | "enum" | "trait" | "mod" | "static" | "union" => {
                return true
            }
            _ => return false,
        }
    }
    false
}

/// The end of the braced body that starts at or after `from` (or the line's end).
fn item_end(text: &str, from: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            b';' if depth == 0 => return i + 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Drops the findings a suppression covers; returns warnings for suppressions of rules that
/// ran but suppressed nothing.
pub fn apply(
    db: &SourceDb,
    files: &[FileId],
    active_rules: &[String],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    // Only files that hold a label of some finding, or that mention the marker, can matter.
    let labelled: std::collections::BTreeSet<FileId> = diagnostics
        .iter()
        .filter(|d| d.is_finding)
        .flat_map(|d| d.labels.iter().map(|l| l.span.file))
        .collect();
    let mut by_file: Vec<(FileId, Vec<Suppression>)> = files
        .iter()
        .filter(|f| labelled.contains(f) || db.get(**f).text.contains(MARKER))
        .map(|&f| (f, scan(f, db.get(f))))
        .filter(|(_, s)| !s.is_empty())
        .collect();
    diagnostics.retain(|d| {
        if !d.is_finding {
            return true;
        }
        for label in &d.labels {
            for (file, sups) in by_file.iter_mut() {
                if *file != label.span.file {
                    continue;
                }
                for s in sups.iter_mut() {
                    if s.covers.contains(&label.span.start) && s.rules.contains(&d.code) {
                        s.used = true;
                        return false;
                    }
                }
            }
        }
        true
    });
    let mut warnings = Vec::new();
    for (_, sups) in by_file {
        for s in sups {
            let ran: Vec<&String> = s
                .rules
                .iter()
                .filter(|r| active_rules.contains(r))
                .collect();
            let unknown: Vec<&String> = s
                .rules
                .iter()
                .filter(|r| !active_rules.contains(r))
                .collect();
            if !s.used && !ran.is_empty() {
                warnings.push(
                    Diagnostic::warning("unused-suppression", "suppression matches no finding")
                        .with_primary(s.comment, "nothing here is reported by this rule")
                        .with_help("remove the comment, or move it to the line of the finding"),
                );
            }
            if !unknown.is_empty() && ran.is_empty() {
                let names: Vec<&str> = unknown.iter().map(|s| s.as_str()).collect();
                warnings.push(
                    Diagnostic::warning("unknown-rule", "suppression names no active rule")
                        .with_primary(
                            s.comment,
                            format!("no active rule `{}`", names.join("`, `")),
                        ),
                );
            }
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.rs".into(), PathBuf::from("a.rs"), text)
    }

    #[test]
    fn trailing_comment_covers_its_line_and_own_line_comment_covers_the_item() {
        let f = file(
            "let a = 1; // facadelint: allow(r1) -- fine\n\
             // facadelint: allow(r1, r2) -- whole fn\n\
             pub fn x() {\n    let b = { 2 };\n}\nfn y() {}\n",
        );
        let s = scan(0, &f);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].rules, vec!["r1"]);
        assert_eq!(
            &f.text[s[0].covers.start as usize..s[0].covers.end as usize],
            "let a = 1; // facadelint: allow(r1) -- fine\n"
        );
        assert_eq!(s[1].rules, vec!["r1", "r2"]);
        let covered = &f.text[s[1].covers.start as usize..s[1].covers.end as usize];
        assert_eq!(covered, "pub fn x() {\n    let b = { 2 };\n}");
    }
}
