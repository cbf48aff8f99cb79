//! Parsing: every file with `syn::parse_file`, in parallel, lowered on the parsing thread.
//!
//! Invariant: one file's failure (syntax error, too deep nesting, a panic) becomes a located
//! diagnostic for that file and never affects another file. Results come back in input order
//! whatever the thread count.
//!
//! Text the lexer rejects (proc-macro2's error says only where it stopped) is reported in
//! rustc's words and with rustc's labels: a lexical scan (delimiters, literals, comments, read
//! as `rustc_lexer` reads them) says what the problem is, and is believed only when it puts the
//! problem where the lexer stopped; otherwise the diagnostic says just that.

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
            let lexed = parse_text.parse::<proc_macro2::TokenStream>();
            let errors = match lexed.err().map(|e| map.span(e.span()).start) {
                // The lexer failed: the text is not a token stream. Its error says only where
                // it stopped; the lexical scan says why, as rustc does.
                Some(stopped) => vec![lexer_error(
                    file,
                    parse_text,
                    text.len() - parse_text.len(),
                    stopped as usize,
                )],
                None => err
                    .into_iter()
                    .map(|e| {
                        let span = map.span(e.span());
                        let span = Span {
                            end: span.end.max(span.start),
                            ..span
                        };
                        Diagnostic::error("parse-error", format!("could not parse: {e}"))
                            .with_primary(span, e.to_string())
                    })
                    .collect(),
            };
            ParsedFile {
                file,
                syntax: None,
                errors: errors
                    .into_iter()
                    .map(|d| d.with_note("this file was skipped; the other files were analysed"))
                    .collect(),
            }
        }
    };
    forget_parsed_text();
    parsed
}

/// The diagnostic for text the lexer rejects, worded and labelled as rustc words it: the
/// problem [`lexical_problem`] finds, when it is where the lexer stopped (`stopped`, a file
/// offset; `base` is where `text` starts in the file, after a byte-order mark). Otherwise the
/// lexer's own message at the place it stopped.
fn lexer_error(file: FileId, text: &str, base: usize, stopped: usize) -> Diagnostic {
    let at = |start: usize, end: usize| Span {
        file,
        start: (base + start) as u32,
        end: (base + end) as u32,
    };
    let byte = |at: usize| text.as_bytes()[at] as char;
    // Where a token that runs to the end of the file ends as rustc shows it: on the last
    // line, not on the empty one after a final line break.
    let eof = text.trim_end_matches(['\n', '\r']).len();
    let problem = lexical_problem(text).filter(|p| base + p.lexer_offset() == stopped);
    match problem {
        Some(LexProblem::Mismatched {
            open,
            close,
            candidate,
        }) => {
            let d = Diagnostic::error(
                "parse-error",
                format!("mismatched closing delimiter: `{}`", byte(close)),
            )
            .with_primary(at(open, open + 1), "unclosed delimiter")
            .with_primary(at(close, close + 1), "mismatched closing delimiter");
            match candidate {
                Some(c) => {
                    d.with_secondary(at(c, c + 1), "closing delimiter possibly meant for this")
                }
                None => d,
            }
        }
        Some(LexProblem::Unexpected { close }) => Diagnostic::error(
            "parse-error",
            format!("unexpected closing delimiter: `{}`", byte(close)),
        )
        .with_primary(at(close, close + 1), "unexpected closing delimiter"),
        Some(LexProblem::Unclosed { opens }) => opens.iter().fold(
            Diagnostic::error("parse-error", "this file contains an unclosed delimiter")
                .with_primary(at(eof, eof), ""),
            |d, &o| d.with_secondary(at(o, o + 1), "unclosed delimiter"),
        ),
        Some(LexProblem::UnterminatedString { quote, what }) => {
            Diagnostic::error("parse-error", format!("unterminated {what}"))
                .with_primary(at(quote, eof.max(quote + 1)), "")
        }
        Some(LexProblem::UnterminatedBlockComment { start }) => {
            Diagnostic::error("parse-error", "unterminated block comment")
                .with_primary(at(start, eof.max(start + 2)), "")
        }
        Some(LexProblem::UnterminatedChar { quote, end, what }) => {
            Diagnostic::error("parse-error", format!("unterminated {what}"))
                .with_primary(at(quote, end.max(quote + 1)), "")
        }
        Some(LexProblem::UnterminatedRawString { start, hashes }) => {
            Diagnostic::error("parse-error", "unterminated raw string")
                .with_primary(at(start, start + 1), "unterminated raw string")
                .with_note(format!(
                    "this raw string should be terminated with `\"{}`",
                    "#".repeat(hashes)
                ))
        }
        None => {
            // Within the text and on a character boundary, whatever the lexer's span says.
            let mut stopped = stopped.saturating_sub(base).min(text.len());
            while !text.is_char_boundary(stopped) {
                stopped -= 1;
            }
            let c = text[stopped..].chars().next();
            let end = stopped + c.map_or(0, char::len_utf8);
            if let Some((escape, c)) = unknown_escape(text, stopped) {
                return Diagnostic::error(
                    "parse-error",
                    format!("unknown character escape: `{}`", c.escape_default()),
                )
                .with_primary(
                    at(escape, escape + c.len_utf8()),
                    "unknown character escape",
                );
            }
            match c.filter(|c| !can_start_token(*c)) {
                // rustc's escaping: printable ASCII as it is, anything else as `\u{…}`.
                Some(c) => Diagnostic::error(
                    "parse-error",
                    match c {
                        ' '..='~' => format!("unknown start of token: {c}"),
                        _ => format!("unknown start of token: {}", c.escape_default()),
                    },
                )
                .with_primary(at(stopped, end), ""),
                None => Diagnostic::error("parse-error", "could not parse: invalid token")
                    .with_primary(at(stopped, end), "the lexer stops at this token"),
            }
        }
    }
}

/// For a string or char literal starting at `at` (its quote, or a `b`/`c` prefix): the first
/// escape in it that is no escape at all (`\q`), as (offset of the escaped character, it).
fn unknown_escape(text: &str, at: usize) -> Option<(usize, char)> {
    let rest = &text[at..];
    let quote_at = rest.find(['"', '\''])?;
    if quote_at > 1 {
        return None;
    }
    let quote = rest.as_bytes()[quote_at] as char;
    let mut chars = rest[quote_at + 1..].char_indices();
    while let Some((_, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n' | 'r' | 't' | '\\' | '0' | '\'' | '"' | 'x' | 'u' | '\n' | '\r')) => {}
                Some((i, c)) => return Some((at + quote_at + 1 + i, c)),
                None => return None,
            },
            c if c == quote => return None,
            _ => {}
        }
    }
    None
}

/// Whether a token (or whitespace) can start with `c`: identifiers, numbers, literals,
/// punctuation and delimiters.
fn can_start_token(c: char) -> bool {
    c == '_'
        || c.is_alphanumeric()
        || c.is_whitespace()
        || "~!@#$%^&*-=+|;:,<.>/?'\"()[]{}".contains(c)
}

/// What stops the lexer, found by a scan that reads literals, comments and delimiters the
/// way rustc's lexer does (`rustc_lexer` and `tokentrees.rs`): the first problem in the text.
#[derive(Debug, PartialEq, Eq)]
enum LexProblem {
    /// A closing delimiter that does not close the innermost open one (`open`); `candidate`
    /// is an enclosing open delimiter of its kind at the same indentation.
    Mismatched {
        open: usize,
        close: usize,
        candidate: Option<usize>,
    },
    /// A closing delimiter with nothing open.
    Unexpected {
        close: usize,
    },
    /// Delimiters still open at the end of the file, outermost first.
    Unclosed {
        opens: Vec<usize>,
    },
    /// `"…`, `b"…`, `c"…` without the closing quote; `what` is rustc's name for it.
    UnterminatedString {
        quote: usize,
        what: &'static str,
    },
    /// `r#"…` without `"#`: `start` is the prefix's first letter.
    UnterminatedRawString {
        start: usize,
        hashes: usize,
    },
    UnterminatedBlockComment {
        start: usize,
    },
    /// `'\…` or `b'…` without the closing quote, up to where rustc's lexer gave up.
    UnterminatedChar {
        quote: usize,
        end: usize,
        what: &'static str,
    },
}

impl LexProblem {
    /// Where proc-macro2's lexer stops on this problem (offset in the scanned text).
    fn lexer_offset(&self) -> usize {
        match *self {
            LexProblem::Mismatched { close, .. } | LexProblem::Unexpected { close } => close,
            LexProblem::Unclosed { ref opens } => opens.last().copied().unwrap_or(0),
            LexProblem::UnterminatedString { quote, what } => {
                // proc-macro2 stops at the prefix of `b"`/`c"`.
                quote - usize::from(what != "double quote string")
            }
            LexProblem::UnterminatedRawString { start, .. } => start,
            LexProblem::UnterminatedBlockComment { start } => start,
            LexProblem::UnterminatedChar { quote, what, .. } => {
                quote - usize::from(what == "byte constant")
            }
        }
    }
}

/// The first lexical problem in `text` ([`LexProblem`]), or `None` for text whose literals,
/// comments and delimiters are all closed.
fn lexical_problem(text: &str) -> Option<LexProblem> {
    lex(text).err()
}

/// [`lexical_problem`], as a result so that each problem returns with `?`.
fn lex(text: &str) -> Result<(), LexProblem> {
    let bytes = text.as_bytes();
    let mut open: Vec<(u8, usize)> = Vec::new();
    let mut i = 0;
    while let Some(c) = text.get(i..).and_then(|rest| rest.chars().next()) {
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = block_comment_end(bytes, i)
                    .ok_or(LexProblem::UnterminatedBlockComment { start: i })?;
            }
            b'"' => {
                i = match string_end(text, i + 1) {
                    Some(end) => end,
                    None => {
                        return Err(LexProblem::UnterminatedString {
                            quote: i,
                            what: "double quote string",
                        })
                    }
                }
            }
            b'\'' => match quoted(text, i) {
                Ok(end) => i = end,
                Err(end) => {
                    return Err(LexProblem::UnterminatedChar {
                        quote: i,
                        end,
                        what: "character literal",
                    })
                }
            },
            b'(' | b'[' | b'{' => {
                open.push((b, i));
                i += 1;
            }
            b')' | b']' | b'}' => {
                let opener = match b {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match open.last() {
                    None => return Err(LexProblem::Unexpected { close: i }),
                    Some(&(o, _)) if o == opener => {
                        open.pop();
                    }
                    Some(&(_, at)) => {
                        let margin = indentation(bytes, i);
                        let candidate = open
                            .iter()
                            .rev()
                            .find(|(o, p)| *o == opener && indentation(bytes, *p) == margin)
                            .map(|(_, p)| *p);
                        return Err(LexProblem::Mismatched {
                            open: at,
                            close: i,
                            candidate,
                        });
                    }
                }
                i += 1;
            }
            _ if c == '_' || c.is_alphanumeric() => {
                let start = i;
                i += text[i..]
                    .find(|c: char| c != '_' && !c.is_alphanumeric())
                    .unwrap_or(text.len() - i);
                let word = &text[start..i];
                let next = bytes.get(i).copied();
                if matches!(word, "r" | "br" | "cr") {
                    let hashes = bytes[i..].iter().take_while(|b| **b == b'#').count();
                    if bytes.get(i + hashes) == Some(&b'"') {
                        i = raw_string_end(bytes, i + hashes + 1, hashes)
                            .ok_or(LexProblem::UnterminatedRawString { start, hashes })?;
                    }
                } else if next == Some(b'"') && matches!(word, "b" | "c") {
                    let what = if word == "b" {
                        "double quote byte string"
                    } else {
                        "C string"
                    };
                    i = string_end(text, i + 1)
                        .ok_or(LexProblem::UnterminatedString { quote: i, what })?;
                } else if next == Some(b'\'') && word == "b" {
                    i = match single_quoted(text, i + 1) {
                        Ok(end) => end,
                        Err(end) => {
                            return Err(LexProblem::UnterminatedChar {
                                quote: i,
                                end,
                                what: "byte constant",
                            })
                        }
                    };
                }
            }
            _ => i += c.len_utf8(),
        }
    }
    if open.is_empty() {
        return Ok(());
    }
    Err(LexProblem::Unclosed {
        opens: open.into_iter().map(|(_, at)| at).collect(),
    })
}

/// The end of the block comment opening at `start` (nested comments included).
fn block_comment_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"/*" => {
                depth += 1;
                i += 2;
            }
            b"*/" => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The end of the string whose text starts at `from` (after its opening quote).
fn string_end(text: &str, from: usize) -> Option<usize> {
    let mut chars = text.get(from..)?.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Some(from + at + 1),
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    None
}

/// The end of the raw string whose text starts at `from`, closed by `"` and `hashes` `#`s.
fn raw_string_end(bytes: &[u8], from: usize, hashes: usize) -> Option<usize> {
    let mut i = from;
    while let Some(quote) = memchr::memchr(b'"', bytes.get(i..)?) {
        let after = i + quote + 1;
        let closing = bytes[after..]
            .iter()
            .take(hashes)
            .take_while(|b| **b == b'#');
        if closing.count() == hashes {
            return Some(after + hashes);
        }
        i = after;
    }
    None
}

/// For the quote at `quote`: the end of the lifetime or char literal it opens, or where the
/// lexer gives up on an unterminated char literal (rustc's `lifetime_or_char`).
fn quoted(text: &str, quote: usize) -> Result<usize, usize> {
    let mut after = text[quote + 1..].chars();
    let first = after.next();
    let second = after.next();
    let can_be_lifetime =
        second != Some('\'') && first.is_some_and(|c| c == '_' || c.is_alphanumeric());
    if !can_be_lifetime {
        return single_quoted(text, quote + 1);
    }
    // A lifetime, or a char literal of more than one character (`'ab'`).
    let name = quote + 1;
    let end = name
        + text[name..]
            .find(|c: char| c != '_' && !c.is_alphanumeric())
            .unwrap_or(text.len() - name);
    Ok(if text.as_bytes().get(end) == Some(&b'\'') {
        end + 1
    } else {
        end
    })
}

/// The end of a char or byte literal whose text starts at `from` (after its opening quote),
/// or where rustc's lexer gives up on it: at a `/`, a line break or the end of the text.
fn single_quoted(text: &str, from: usize) -> Result<usize, usize> {
    let mut chars = text[from..].char_indices().peekable();
    if let (Some((_, first)), Some(&(at, '\''))) = (chars.next(), chars.peek()) {
        if first != '\\' {
            return Ok(from + at + 1);
        }
    }
    let mut chars = text[from..].char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' => return Ok(from + at + 1),
            '/' => return Err(from + at),
            '\n' if chars.peek().map(|&(_, c)| c) != Some('\'') => return Err(from + at),
            '\\' => {
                chars.next();
            }
            _ => {}
        }
    }
    Err(text.len())
}

/// The indentation of the line holding `at` (rustc matches a closing delimiter with an
/// open one at the same indentation).
fn indentation(bytes: &[u8], at: usize) -> usize {
    let line = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |n| n + 1);
    bytes[line..]
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count()
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
///
/// Invariant: on every byte sequence (unterminated literals and comments, an escape or a
/// partial UTF-8 sequence at the end) every index stays within `bytes`: each skip returns at
/// most `bytes.len()`, and a look back never reads into text a skip passed over.
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
    // Where the last skipped text (comment, literal, `else`) ended: looking back for a raw
    // string's prefix stops here, as the reference scan starts reading a word here.
    let mut floor = 0usize;
    let mut i = 0;
    loop {
        i += bytes.get(i..)?.iter().position(|b| SPECIAL[*b as usize])?;
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
                    floor = i;
                    continue;
                }
            }
            b'/' => match bytes.get(i + 1) {
                Some(b'/') => {
                    i = memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
                    floor = i;
                    continue;
                }
                Some(b'*') => {
                    i = skip_block_comment(bytes, i);
                    floor = i;
                    continue;
                }
                _ => {}
            },
            b'"' => {
                i = match raw_string_hashes(bytes, floor, i) {
                    Some(hashes) => skip_raw_string(bytes, i - hashes),
                    None => skip_string(bytes, i + 1),
                };
                floor = i;
                continue;
            }
            b'\'' => {
                // A char literal (`'('`, `'\''`, `'é'`); otherwise a lifetime (`'a`).
                if let Some(end) = skip_char_literal(bytes, i) {
                    i = end;
                    floor = i;
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
/// (`r"`, `br#"`, `cr##"`: the prefix a whole word), else `None`. Only `bytes[floor..quote]`
/// is read: a word starts at `floor` at the latest (text before it was skipped over).
fn raw_string_hashes(bytes: &[u8], floor: usize, quote: usize) -> Option<usize> {
    let before = bytes.get(floor..quote)?;
    let hashes = before.iter().rev().take_while(|b| **b == b'#').count();
    let r = before.len().checked_sub(hashes + 1)?;
    if before[r] != b'r' {
        return None;
    }
    let word_start = match r.checked_sub(1).map(|p| before[p]) {
        Some(b'b' | b'c') => r - 1,
        _ => r,
    };
    let starts_word = word_start == 0 || !IDENT[before[word_start - 1] as usize];
    starts_word.then_some(hashes)
}

/// For the quote at `quote`: where the char literal it opens ends (`'('`, `'é'`, `'\''`,
/// `'\u{28}'`, at most 12 bytes), or `None` for a lifetime (`'a`) or a lone quote. An
/// unterminated escape (`'\` at the end of the input) ends at the end of the input: the
/// result is never past `bytes.len()`.
fn skip_char_literal(bytes: &[u8], quote: usize) -> Option<usize> {
    let first = *bytes.get(quote + 1)?;
    if first == b'\\' {
        // The escaped byte itself (`\'`, `\\`) never ends the literal.
        let mut j = quote + 3;
        while j < bytes.len() && bytes[j] != b'\'' && j - quote < 12 {
            j += 1;
        }
        return Some(if bytes.get(j) == Some(&b'\'') {
            j + 1
        } else {
            j.min(bytes.len())
        });
    }
    let end = quote + 1 + utf8_width(first);
    (bytes.get(end) == Some(&b'\'')).then_some(end + 1)
}

/// The length of the UTF-8 sequence `lead` starts (1 for ASCII and for bytes that start none).
fn utf8_width(lead: u8) -> usize {
    match lead {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
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
    use super::{skip_block_comment, skip_char_literal, skip_raw_string, skip_string, IDENT};

    /// The scan as it was before it jumped between special bytes: it looks at every byte and
    /// reads identifiers whole (an `else` counts when only whitespace and comments separate
    /// it from a `}`). The fast scan must agree with it on every byte sequence.
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
        // Only whitespace and comments since the last `}`: an `else` here chains.
        let mut after_block = false;
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
                let chains = std::mem::take(&mut after_block);
                match &bytes[start..i] {
                    b"else" if chains => {
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
                    after_block = false;
                }
                i += 1;
                continue;
            }
            let comment = b == b'/' && matches!(bytes.get(i + 1), Some(b'/' | b'*'));
            if !comment {
                after_block = b == b'}';
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
                    // A char literal (`'('`, `'\''`, `'é'`) or a lifetime (`'a`).
                    if let Some(end) = skip_char_literal(bytes, i) {
                        i = end;
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

    /// Pieces that byte strings for the property tests are made of: single bytes of every
    /// value, and the sequences where the jump scan looks back, skips or stops (literal and
    /// comment starts and ends, escapes, raw-string prefixes, `else`, U+FFFD and other UTF-8).
    fn piece() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        const PIECES: &[&[u8]] = &[
            b"(",
            b")",
            b"[",
            b"]",
            b"{",
            b"}",
            b"<",
            b">",
            b";",
            b"|",
            b"&",
            b"!",
            b"*",
            b"-",
            b"/",
            b"\\",
            b"'",
            b"\"",
            b"#",
            b"r",
            b"b",
            b"c",
            b"x",
            b"_",
            b"1",
            b" ",
            b"\n",
            b"\t",
            b"else",
            b"} else",
            b"}else",
            b"} /* c */ else",
            b"} // c\n else",
            b"//",
            b"/*",
            b"*/",
            b"r\"",
            b"r#\"",
            b"\"#",
            b"br##\"",
            b"cr\"",
            b"b'",
            b"'\\",
            b"'\\'",
            b"'\\''",
            b"'a",
            b"'a'",
            b"'('",
            b"'\\u{28}'",
            b"'\xc3\xa9'",
            b"\xef\xbf\xbd",
            b"'\xef\xbf\xbd'",
            b"\xc3",
            b"\xe2\x82",
            b"\xf0\x9f\x98\x80",
            b"\x80",
            b"\xff",
        ];
        prop_oneof![
            any::<u8>().prop_map(|b| vec![b]),
            proptest::sample::select(PIECES).prop_map(<[u8]>::to_vec),
        ]
    }

    /// Arbitrary bytes, and concatenations of [`piece`]s (arbitrary bytes alone rarely spell
    /// `else`, `r#"` or an escape at the end).
    fn byte_strings() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        // Pieces apart by 0 to 13 filler bytes: where a skip that stops after a fixed
        // number of bytes (an escape) ends next to the start of another piece.
        let spaced = (
            piece(),
            proptest::collection::vec(proptest::sample::select(&b"x. #'"[..]), 0..14),
        )
            .prop_map(|(mut p, filler)| {
                p.extend(filler);
                p
            });
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..300),
            proptest::collection::vec(piece(), 0..120).prop_map(|p| p.concat()),
            proptest::collection::vec(spaced, 0..40).prop_map(|p| p.concat()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 10_000,
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// The fast scan equals the byte-by-byte one on every byte sequence, with the limits
        /// small enough to be crossed, on the bytes themselves and on their lossy UTF-8 decoding
        /// (the text facadelint reads from an invalid file: U+FFFD for every bad sequence).
        #[test]
        fn the_fast_depth_scan_agrees_with_the_byte_by_byte_one_on_arbitrary_bytes(
            bytes in byte_strings(),
            nesting in 1usize..10,
            unbracketed in 1usize..6,
        ) {
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            for input in [&bytes[..], lossy.as_bytes()] {
                let fast = too_deep_within(input, nesting, unbracketed);
                let slow = reference::too_deep(input, nesting, unbracketed);
                proptest::prop_assert_eq!(fast, slow, "{:?}", String::from_utf8_lossy(input));
                if let Some((at, _)) = fast {
                    proptest::prop_assert!(at < input.len());
                }
                proptest::prop_assert_eq!(too_deep(input), reference::too_deep(input, MAX_NESTING, MAX_UNBRACKETED));
            }
        }

        /// The lexical scan and the diagnostic built from it stay within the text, on character
        /// boundaries, wherever the lexer says it stopped.
        #[test]
        fn lexer_errors_are_located_within_the_text(
            bytes in byte_strings(),
            pick in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let text = String::from_utf8_lossy(&bytes);
            let boundaries: Vec<usize> =
                (0..=text.len()).filter(|i| text.is_char_boundary(*i)).collect();
            let mut stops = vec![*pick.get(&boundaries)];
            if let Some(problem) = lexical_problem(&text) {
                let at = problem.lexer_offset();
                proptest::prop_assert!(at <= text.len() && text.is_char_boundary(at));
                stops.push(at);
            }
            for stopped in stops {
                let d = lexer_error(0, &text, 0, stopped);
                for label in &d.labels {
                    let (start, end) = (label.span.start as usize, label.span.end as usize);
                    proptest::prop_assert!(start <= end && end <= text.len(), "{d:?}");
                    proptest::prop_assert!(
                        text.is_char_boundary(start) && text.is_char_boundary(end),
                        "{d:?}"
                    );
                }
            }
        }

        /// Every skip ends within the input and after where it started, whatever follows.
        #[test]
        fn every_skip_ends_within_the_input(bytes in byte_strings()) {
            let len = bytes.len();
            for at in 0..len {
                let skips = [
                    Some(skip_block_comment(&bytes, at)),
                    Some(skip_string(&bytes, at + 1)),
                    Some(skip_raw_string(&bytes, at)),
                    skip_char_literal(&bytes, at),
                    else_after(&bytes, at).map(|e| e + 4),
                    raw_string_hashes(&bytes, 0, at).map(|h| at - h),
                ];
                for end in skips.into_iter().flatten() {
                    proptest::prop_assert!(end <= len, "{end} > {len} from {at}: {bytes:?}");
                }
            }
        }
    }

    #[test]
    fn the_jump_scan_stays_within_the_input_at_its_end() {
        // Issue #18: an escape at the end of an unterminated char literal sent the scan past
        // the end of the input (and its minimized form, `'\\`).
        let found: &[u8] = b"/ Ththtch\x96'\\\\\\\xff\x0f\\";
        let lossy = String::from_utf8_lossy(found);
        assert_eq!(lossy.len(), 21);
        let ends: [&[u8]; 8] = [
            found,
            lossy.as_bytes(),
            b"'\\",
            b"'",
            b"'\\'",
            b"'\xef\xbf\xbd",
            b"r#\"",
            b"\"\\",
        ];
        for input in ends {
            assert_eq!(too_deep(input), None, "{input:?}");
            assert_eq!(
                too_deep_within(input, 1, 1),
                reference::too_deep(input, 1, 1)
            );
        }
    }

    #[test]
    fn char_literals_of_every_width_and_escapes_are_skipped_whole() {
        // Brackets inside char literals are text; `'\''` ends at its last quote.
        let src = "let a = ['(', '\\'', '\\\\', '\\u{28}', 'é', '\u{fffd}', '€', '😀']; x('(')";
        assert_eq!(too_deep_within(src.as_bytes(), 2, 9), None);
        assert_eq!(too_deep_within("(('\\'' '('".as_bytes(), 2, 9), None);
        assert_eq!(
            too_deep_within("(('\\'' '(' (".as_bytes(), 2, 9),
            Some((11, 3))
        );
        // An escape that never closes is skipped for at most 12 bytes; the `r` of `r"` after it
        // was skipped, so the quote opens a plain string (the reference reads no word there).
        let capped = "'\\ ........r\"\\\"(\" (";
        assert_eq!(too_deep_within(capped.as_bytes(), 0, 9), Some((18, 1)));
        // A lifetime is not a literal: the bracket after it counts.
        assert_eq!(too_deep_within("(('a (".as_bytes(), 2, 9), Some((5, 3)));
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
