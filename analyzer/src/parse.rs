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
///
/// Only a few bytes matter (brackets, the operators counted below, string, char and comment
/// starts); the scan jumps from one to the next (1.5× faster on the corpus than looking at
/// every byte: 117 against 178 ms for 98 MB). Identifiers are never read: an `else` that
/// chains matters only after a `}`, and a raw string is recognised at its quote by the
/// `r`/`br`/`cr` and `#`s before it.
fn too_deep(bytes: &[u8]) -> Option<(usize, usize)> {
    too_deep_within(bytes, MAX_NESTING, MAX_UNBRACKETED)
}

/// [`too_deep`] with the limits as parameters (the tests use small ones).
fn too_deep_within(
    bytes: &[u8],
    max_nesting: usize,
    max_unbracketed: usize,
) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    // Prefix operators in a row (whitespace between them allowed), and where the last one
    // was: anything else between it and the next ends the run.
    let mut prefix_run = 0usize;
    let mut last_prefix = 0usize;
    // Generic angle brackets, closure heads and `else`s open in one statement.
    let mut angles = 0usize;
    let mut pipes = 0usize;
    let mut elses = 0usize;
    let mut i = 0;
    loop {
        i += bytes[i..].iter().position(|b| SPECIAL[*b as usize])?;
        let b = bytes[i];
        if matches!(b, b'&' | b'!' | b'*' | b'-') {
            let broken = prefix_run > 0
                && bytes[last_prefix + 1..i]
                    .iter()
                    .any(|c| !c.is_ascii_whitespace());
            prefix_run = if broken { 1 } else { prefix_run + 1 };
            last_prefix = i;
            if prefix_run > max_unbracketed {
                return Some((i, prefix_run));
            }
            i += 1;
            continue;
        }
        prefix_run = 0;
        match b {
            b'<' => {
                angles += 1;
                if angles > max_unbracketed {
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
                if pipes > 2 * max_unbracketed {
                    return Some((i, pipes / 2));
                }
            }
            b'(' | b'[' | b'{' => {
                angles = 0;
                depth += 1;
                if depth > max_nesting {
                    return Some((i, depth));
                }
            }
            b')' | b']' => {
                angles = 0;
                depth = depth.saturating_sub(1);
            }
            b'}' => {
                angles = 0;
                depth = depth.saturating_sub(1);
                // `if a {} else if b {} else …` nests one level per `else`.
                if let Some(at) = else_after(bytes, i + 1) {
                    elses += 1;
                    if elses > max_unbracketed {
                        return Some((at, elses));
                    }
                    i = at + 4;
                    continue;
                }
            }
            b'/' => match bytes.get(i + 1) {
                Some(b'/') => {
                    i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                    continue;
                }
                Some(b'*') => {
                    i = skip_block_comment(bytes, i);
                    continue;
                }
                _ => {}
            },
            b'"' => {
                i = match raw_string_hashes(bytes, i) {
                    Some(hashes) => skip_raw_string(bytes, i - hashes),
                    None => skip_string(bytes, i + 1),
                };
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
}

/// Bytes [`too_deep`] stops at: brackets, the operators it counts, string, char and comment
/// starts.
const SPECIAL: [bool; 256] = {
    let mut special = [false; 256];
    let bytes = b"&!*-<>;|()[]{}/\"'";
    let mut k = 0;
    while k < bytes.len() {
        special[bytes[k] as usize] = true;
        k += 1;
    }
    special
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

/// Where an `else` keyword starts after `from`, past whitespace and comments only.
fn else_after(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        while bytes.get(from).is_some_and(u8::is_ascii_whitespace) {
            from += 1;
        }
        match bytes.get(from..from + 2) {
            Some(b"//") => from += memchr::memchr(b'\n', &bytes[from..])?,
            Some(b"/*") => from = skip_block_comment(bytes, from),
            _ => break,
        }
    }
    let word = bytes.get(from..from + 4)?;
    let ends = bytes.get(from + 4).is_none_or(|b| !IDENT[*b as usize]);
    (word == b"else" && ends).then_some(from)
}

/// For the quote at `quote`: the number of `#`s before it when it opens a raw string
/// (`r"`, `br#"`, `cr##"`: the prefix a whole word), else `None`.
fn raw_string_hashes(bytes: &[u8], quote: usize) -> Option<usize> {
    let hashes = bytes[..quote]
        .iter()
        .rev()
        .take_while(|b| **b == b'#')
        .count();
    let r = quote.checked_sub(hashes + 1)?;
    if bytes[r] != b'r' {
        return None;
    }
    let word_start = match r.checked_sub(1).map(|p| bytes[p]) {
        Some(b'b' | b'c') => r - 1,
        _ => r,
    };
    let starts_word = word_start == 0 || !IDENT[bytes[word_start - 1] as usize];
    starts_word.then_some(hashes)
}

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

/// The oracle for [`too_deep`]'s tests.
#[cfg(test)]
mod reference {
    use super::{skip_block_comment, skip_raw_string, skip_string, IDENT};

    /// The scan as it was before it jumped between special bytes: it looks at every byte and
    /// reads identifiers whole (every `else` counts). The fast scan must agree with it.
    pub fn too_deep(
        bytes: &[u8],
        max_nesting: usize,
        max_unbracketed: usize,
    ) -> Option<(usize, usize)> {
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
                        if elses > max_unbracketed {
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
                if prefix_run > max_unbracketed {
                    return Some((i, prefix_run));
                }
            } else if !b.is_ascii_whitespace() {
                prefix_run = 0;
            }
            match b {
                b'<' => {
                    angles += 1;
                    if angles > max_unbracketed {
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
                    if pipes > 2 * max_unbracketed {
                        return Some((i, pipes / 2));
                    }
                }
                _ => {}
            }
            match b {
                b'(' | b'[' | b'{' => {
                    angles = 0;
                    depth += 1;
                    if depth > max_nesting {
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

    /// Whether `#*"` starts at `i` (after an `r`, `br` or `cr` prefix: a raw string literal).
    fn raw_string_follows(bytes: &[u8], i: usize) -> bool {
        let mut j = i;
        while bytes.get(j) == Some(&b'#') {
            j += 1;
        }
        bytes.get(j) == Some(&b'"')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Token soups biased towards one kind of nesting, so that every limit is reached in some.
    fn soup(seed: u64, len: usize) -> String {
        const TOKENS: &[&str] = &[
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            "<",
            ">",
            ";",
            "|",
            "&",
            "!",
            "*",
            "-",
            "/",
            "x",
            "y1",
            "ident",
            "r",
            "br",
            "cr",
            "b",
            "else_",
            "elsewhere",
            "} else",
            "} /* c */ else",
            "} // c\n else",
            "\"((\\\"(\"",
            "r#\"((\"#",
            "br\"(\"",
            "cr##\"(\"#(\"##",
            "r#ident",
            "'('",
            "'\\''",
            "'a",
            "b'{'",
            "'\\u{28}'",
            "/* ( /* ( */ ( */",
            "// ((\n",
            "->",
            "&&",
            "!=",
            "a / b",
            "#",
            "#\"(\"",
            "ptr\"((\"",
            "1r",
            ".",
        ];
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // Each soup favours a few tokens: brackets, prefix operators, angles, pipes or elses.
        let favoured: &[&str] = match seed % 6 {
            0 => &["(", "[", "{"],
            1 => &["&", "!", "*", "-"],
            2 => &["<"],
            3 => &["|"],
            4 => &["} else", "} /* c */ else"],
            _ => &[],
        };
        // Half of them mostly mix in other tokens, half only rarely (long runs).
        let favour_per_mille = if (seed / 6) % 2 == 0 { 700 } else { 950 };
        let separators = [" ", "", "\n", "  "];
        let mut out = String::new();
        for _ in 0..len {
            let token = if !favoured.is_empty() && next() % 1000 < favour_per_mille {
                favoured[(next() % favoured.len() as u64) as usize]
            } else {
                TOKENS[(next() % TOKENS.len() as u64) as usize]
            };
            out.push_str(token);
            out.push_str(separators[(next() % 4) as usize]);
        }
        out
    }

    #[test]
    fn the_fast_depth_scan_agrees_with_the_byte_by_byte_one_on_token_soups() {
        // Small limits, so that soups cross them often and any miscount moves the answer.
        let mut reached = std::collections::BTreeSet::new();
        for seed in 0..3_000 {
            let text = soup(seed, 20 + (seed as usize * 37) % 400);
            for (nesting, unbracketed) in [(6, 3), (12, 8), (40, 25)] {
                let fast = too_deep_within(text.as_bytes(), nesting, unbracketed);
                let slow = reference::too_deep(text.as_bytes(), nesting, unbracketed);
                assert_eq!(
                    fast, slow,
                    "seed {seed}, limits {nesting}/{unbracketed}: {text:?}"
                );
                if let Some((at, _)) = fast {
                    reached.insert(text.as_bytes()[at]);
                }
            }
        }
        // Every limit was hit somewhere: brackets, prefix operators, angles, pipes and elses.
        for b in [b'(', b'&', b'<', b'|', b'e'] {
            assert!(
                reached
                    .iter()
                    .any(|r| *r == b || (b == b'(' && b"[{".contains(r))),
                "no soup reached the limit at {:?}: {reached:?}",
                b as char
            );
        }
    }

    #[test]
    fn the_fast_depth_scan_agrees_with_the_byte_by_byte_one_on_this_repository() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = 0;
        for entry in walkdir::WalkDir::new(&root)
            .into_iter()
            .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git")
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        {
            let bytes = std::fs::read(entry.path()).unwrap();
            assert_eq!(
                too_deep(&bytes),
                reference::too_deep(&bytes, MAX_NESTING, MAX_UNBRACKETED),
                "{}",
                entry.path().display()
            );
            files += 1;
        }
        assert!(files > 100, "only {files} files");
    }

    #[test]
    fn only_an_else_after_a_block_counts_towards_the_chain() {
        let chain = format!(
            "fn f() {{ if a {{}}{} }}",
            " else if a {}".repeat(MAX_UNBRACKETED + 1)
        );
        let at = chain.find("else").unwrap();
        assert_eq!(
            too_deep(chain.as_bytes()).map(|(_, n)| n),
            Some(MAX_UNBRACKETED + 1)
        );
        assert!(too_deep(chain.as_bytes()).unwrap().0 > at);
        // `let … else` does not chain; a comment between `}` and `else` still does.
        let lets = "let Some(x) = y else { return };".repeat(MAX_UNBRACKETED + 1);
        assert_eq!(too_deep(lets.as_bytes()), None);
        let commented = format!(
            "if a {{}}{}",
            " /* c */ else if a {}".repeat(MAX_UNBRACKETED + 1)
        );
        assert!(too_deep(commented.as_bytes()).is_some());
    }

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
