//! Parsing: every file with `syn::parse_file`, in parallel, lowered on the parsing thread.
//!
//! Invariant: one file's failure (syntax error, too deep nesting, a panic) becomes a located
//! diagnostic for that file and never affects another file. Results come back in input order
//! whatever the thread count.

use crate::diag::Diagnostic;
use crate::hir::FileSyntax;
use crate::lower::{lower_file, SpanMap};
use crate::source::{FileId, SourceDb, Span};
use rayon::prelude::*;

/// syn needs about 5 KB of stack per nesting level; parser threads get this much.
pub const PARSER_STACK_BYTES: usize = 256 << 20;

/// Deeper input is reported instead of parsed: past this a 256 MiB stack is not enough for
/// syn in every build (types nest more costly than expressions).
pub const MAX_NESTING: usize = 4_000;

/// Nesting without brackets (`&&&&T`, `!!!!x`, `Vec<Vec<…>>`) recurses in the parser too.
pub const MAX_UNBRACKETED: usize = 2_000;

pub struct ParsedFile {
    pub file: FileId,
    pub syntax: Option<FileSyntax>,
    pub errors: Vec<Diagnostic>,
}

/// Builds the thread pool all parsing runs on (large stacks; `RAYON_NUM_THREADS` respected).
pub fn parser_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    let mut builder = rayon::ThreadPoolBuilder::new().stack_size(PARSER_STACK_BYTES);
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder.build().map_err(|e| e.to_string())
}

pub fn parse_files(pool: &rayon::ThreadPool, db: &SourceDb, files: &[FileId]) -> Vec<ParsedFile> {
    pool.install(|| files.par_iter().map(|&f| parse_one(db, f)).collect())
}

fn parse_one(db: &SourceDb, file: FileId) -> ParsedFile {
    match crate::guard::guarded(|| {
        crate::guard::maybe_inject("parse", || db.get(file).name.clone());
        parse_guarded(db, file)
    }) {
        Ok(parsed) => parsed,
        Err(what) => ParsedFile {
            file,
            syntax: None,
            errors: vec![Diagnostic::error(
                "internal-error",
                format!(
                    "internal error while parsing `{}`: {what}",
                    db.get(file).name
                ),
            )
            .with_primary(
                Span {
                    file,
                    start: 0,
                    end: 0,
                },
                "while reading this file",
            )
            .with_note("the rest of the run went on; please report this with the file attached")],
        },
    }
}

fn parse_guarded(db: &SourceDb, file: FileId) -> ParsedFile {
    let source = db.get(file);
    let text: &str = &source.text;
    if let Some((offset, depth)) = too_deep(text.as_bytes()) {
        let at = Span {
            file,
            start: offset as u32,
            end: offset as u32 + 1,
        };
        return ParsedFile {
            file,
            syntax: None,
            errors: vec![Diagnostic::error(
                "parse-error",
                "nesting too deep to parse safely".to_string(),
            )
            .with_primary(at, format!("nesting reaches {depth} levels here"))
            .with_note(
                "the file was not analysed; deeper nesting could overflow the parser's stack",
            )],
        };
    }
    let (parse_text, bom) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, true),
        None => (text, false),
    };
    let map = SpanMap {
        file,
        source,
        bom,
        base: 0,
    };
    let parsed = match syn::parse_file(parse_text) {
        Ok(ast) => ParsedFile {
            file,
            syntax: Some(crate::alloc::long_lived(|| lower_file(&ast, &map))),
            errors: Vec::new(),
        },
        Err(err) => {
            let errors = err
                .into_iter()
                .map(|e| {
                    let span = map.span(e.span());
                    let span = Span {
                        end: span.end.max(span.start),
                        ..span
                    };
                    Diagnostic::error("parse-error", format!("could not parse: {e}"))
                        .with_primary(span, e.to_string())
                        .with_note("this file was skipped; the other files were analysed")
                })
                .collect();
            ParsedFile {
                file,
                syntax: None,
                errors,
            }
        }
    };
    forget_parsed_text();
    parsed
}

/// proc-macro2 keeps the text and line table of every file a thread parsed, for the life of
/// the thread (as much again as the sources, and span lookups slow down as it grows). Once
/// a file's spans are byte offsets and its syntax tree is gone, nothing needs them.
pub fn forget_parsed_text() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// Finds where bracket nesting first exceeds [`MAX_NESTING`], skipping strings and comments.
fn too_deep(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // Prefix operators in a row, and generic angle brackets open in one statement.
    let mut prefix_run = 0usize;
    let mut angles = 0usize;
    let mut pipes = 0usize;
    let mut elses = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // Identifiers are read whole: only `else` and raw-string prefixes among them matter,
        // and checking a word once beat checking every letter (~20% of the scan's time on
        // the corpus).
        if IDENT[b as usize] {
            let start = i;
            while i < bytes.len() && IDENT[bytes[i] as usize] {
                i += 1;
            }
            prefix_run = 0;
            match &bytes[start..i] {
                b"else" => {
                    elses += 1;
                    if elses > MAX_UNBRACKETED {
                        return Some((start, elses));
                    }
                }
                b"r" | b"br" | b"cr" if raw_string_follows(bytes, i) => {
                    i = skip_raw_string(bytes, i);
                }
                _ => {}
            }
            continue;
        }
        if PLAIN[b as usize] {
            if !b.is_ascii_whitespace() {
                prefix_run = 0;
            }
            i += 1;
            continue;
        }
        if matches!(b, b'&' | b'!' | b'*' | b'-') {
            prefix_run += 1;
            if prefix_run > MAX_UNBRACKETED {
                return Some((i, prefix_run));
            }
        } else if !b.is_ascii_whitespace() {
            prefix_run = 0;
        }
        match b {
            b'<' => {
                angles += 1;
                if angles > MAX_UNBRACKETED {
                    return Some((i, angles));
                }
            }
            b'>' => angles = angles.saturating_sub(1),
            b';' => {
                angles = 0;
                pipes = 0;
                elses = 0;
            }
            // Closure heads `|x| |y| …` nest their bodies.
            b'|' => {
                pipes += 1;
                if pipes > 2 * MAX_UNBRACKETED {
                    return Some((i, pipes / 2));
                }
            }
            _ => {}
        }
        match b {
            b'(' | b'[' | b'{' => {
                angles = 0;
                depth += 1;
                if depth > MAX_NESTING {
                    return Some((i, depth));
                }
            }
            b')' | b']' | b'}' => {
                angles = 0;
                depth = depth.saturating_sub(1)
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b'"' => {
                i = skip_string(bytes, i + 1);
                continue;
            }
            b'\'' => {
                // A char literal (`'('`, `'\''`) or a lifetime (`'a`).
                if bytes.get(i + 2) == Some(&b'\'') {
                    i += 3;
                    continue;
                }
                if bytes.get(i + 1) == Some(&b'\\') {
                    let mut j = i + 2;
                    while j < bytes.len() && bytes[j] != b'\'' && j - i < 12 {
                        j += 1;
                    }
                    i = j + 1;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Bytes [`too_deep`] passes over (besides resetting the prefix-operator run): all but
/// brackets, the operators it counts, and string and comment starts.
const PLAIN: [bool; 256] = {
    let mut plain = [true; 256];
    let special = b"&!*-<>;|()[]{}/\"'";
    let mut k = 0;
    while k < special.len() {
        plain[special[k] as usize] = false;
        k += 1;
    }
    plain
};

/// ASCII identifier (and number) bytes: `[A-Za-z0-9_]`.
const IDENT: [bool; 256] = {
    let mut ident = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        ident[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    ident
};

fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

fn skip_string(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Whether `#*"` starts at `i` (after an `r`, `br` or `cr` prefix: a raw string literal).
fn raw_string_follows(bytes: &[u8], i: usize) -> bool {
    let mut j = i;
    while bytes.get(j) == Some(&b'#') {
        j += 1;
    }
    bytes.get(j) == Some(&b'"')
}

fn skip_raw_string(bytes: &[u8], mut i: usize) -> usize {
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    i += 1; // opening quote
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|b| **b == b'#')
                .count()
                == hashes
        {
            return i + 1 + hashes;
        }
        i += 1;
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_scanner_ignores_brackets_in_strings_and_comments() {
        let src = "fn f() { let s = \"(((\"; let c = '('; // (((\n /* ((( */ r#\"(\"# }";
        assert_eq!(too_deep(src.as_bytes()), None);
        let deep = "(".repeat(MAX_NESTING + 1);
        assert_eq!(
            too_deep(deep.as_bytes()),
            Some((MAX_NESTING, MAX_NESTING + 1))
        );
    }

    #[test]
    fn depth_scanner_reads_raw_string_prefixes_and_else_chains_by_the_word() {
        // Brackets inside raw strings of every prefix are text; `r#ident` is not a string.
        let src = r####"fn f() { let a = br#"((("#; let b = cr"((("; let r#else = 1; }"####;
        assert_eq!(too_deep(src.as_bytes()), None);
        // An identifier that merely contains `else` or ends in `r` starts nothing.
        let words = "let elsewhere = 1; let br = 2; let ptr\"((\" = 3;";
        assert_eq!(too_deep(words.as_bytes()), None);
        let chain = format!(
            "fn f() {{ if a {{}}{} }}",
            " else if a {}".repeat(MAX_UNBRACKETED + 1)
        );
        let found = too_deep(chain.as_bytes()).map(|(_, depth)| depth);
        assert_eq!(found, Some(MAX_UNBRACKETED + 1));
    }
}
