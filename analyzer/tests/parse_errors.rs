//! Text the lexer rejects is reported as rustc reports it (issue #17): rustc's wording, the
//! problem located with rustc's primary and secondary labels (a mismatched closing delimiter
//! and the delimiter it leaves unclosed, every delimiter still open at the end of the file,
//! where an unterminated literal or comment starts). Each case is a file in
//! `tests/ui/lexer-errors/`, run together with the one-file leak model: the exit code is 2 (an
//! input error), the other file is still analysed (its finding is reported), and the rendered
//! output matches `tests/ui/lexer-errors/<case>.stderr` exactly (bless with
//! FACADELINT_BLESS=1).
//!
//! rustc 1.95's output for each case (`rustc --edition 2021 --crate-type lib <case>.rs`) is
//! quoted above its test; only the code differs (`parse-error` where rustc has `E0765`…).

mod common;

use common::*;

const LEAK: &str = "analyzer/tests/ui/parse-error/leak.rs";

/// Runs `tests/ui/lexer-errors/<case>.rs` with the leak model and checks the outcome.
fn check(case: &str, message: &str) {
    let dir = workspace_root().join("analyzer/tests/ui/lexer-errors");
    let input = format!("analyzer/tests/ui/lexer-errors/{case}.rs");
    let run = run_in(&workspace_root(), &[&input, LEAK, "--color", "never"], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("error[parse-error]: {message}\n")),
        "{case}: expected `{message}`:\n{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("internal-error"),
        "{case}:\n{}",
        run.stderr
    );
    // The other file is analysed: its leak is found.
    assert!(
        run.stderr.contains("error[watcher-removal-bypass]")
            && run.stderr.contains("1 finding, 1 input error in 2 files"),
        "{case}: the run did not go on with the other file:\n{}",
        run.stderr
    );
    let text = format!("{}exit code: {}\n", run.stderr, run.code);
    assert_snapshot(&dir.join(format!("{case}.stderr")), &text);
}

// error: mismatched closing delimiter: `]`
//  --> mismatched.rs:1:10
//   |
// 1 | fn f() { (] }
//   |          ^^ mismatched closing delimiter
//   |          |
//   |          unclosed delimiter
#[test]
fn mismatched_closing_delimiter() {
    check("mismatched-closing", "mismatched closing delimiter: `]`");
}

// error: mismatched closing delimiter: `}`
//  --> broken.rs:3:18
//   |
// 2 | pub fn half_written(c: &[u8]) -> usize {
//   |                                        - closing delimiter possibly meant for this
// 3 |     let n = c.len(
//   |                  ^ unclosed delimiter
// 4 |     n
// 5 | }
//   | ^ mismatched closing delimiter
#[test]
fn mismatched_closing_delimiter_with_the_one_it_was_meant_for() {
    check(
        "mismatched-closing-meant-for",
        "mismatched closing delimiter: `}`",
    );
}

// error: this file contains an unclosed delimiter
//  --> unclosed.rs:1:10
//   |
// 1 | fn f() {
//   |        -^
//   |        |
//   |        unclosed delimiter
#[test]
fn unclosed_delimiter_at_the_end_of_the_file() {
    check(
        "unclosed-at-eof",
        "this file contains an unclosed delimiter",
    );
}

// Every delimiter still open is labelled.
#[test]
fn every_unclosed_delimiter_at_the_end_of_the_file() {
    check(
        "unclosed-nested-at-eof",
        "this file contains an unclosed delimiter",
    );
}

// error: unexpected closing delimiter: `}`
//  --> unexpected.rs:1:11
//   |
// 1 | fn f() {} }
//   |           ^ unexpected closing delimiter
#[test]
fn unexpected_closing_delimiter() {
    check("unexpected-closing", "unexpected closing delimiter: `}`");
}

// error[E0765]: unterminated double quote string
//  --> string.rs:2:13
//   |
// 2 |       let s = "abc;
//   |  _____________^
// 3 | | }
//   | |__^
#[test]
fn unterminated_string() {
    check("unterminated-string", "unterminated double quote string");
}

// error[E0758]: unterminated block comment
//  --> comment.rs:2:1
//   |
// 2 | / /* never closed
// 3 | | fn g() {}
//   | |__________^
#[test]
fn unterminated_block_comment() {
    check("unterminated-block-comment", "unterminated block comment");
}

// error[E0762]: unterminated character literal
//  --> char.rs:1:1
//   |
// 1 | '\\
//   | ^^^
#[test]
fn unterminated_char_literal_with_an_escape_at_the_end() {
    check("unterminated-char", "unterminated character literal");
}

// error[E0748]: unterminated raw string
//  --> raw.rs:2:13
//   |
// 2 |     let s = r#"abc";
//   |             ^ unterminated raw string
//   |
//   = note: this raw string should be terminated with `"#`
#[test]
fn unterminated_raw_string() {
    check("unterminated-raw-string", "unterminated raw string");
}

// Issue #18's input (lossy UTF-8, as the issue wrote it): once an internal error, now where
// the lexer stops. rustc: `error: unknown start of token: \u{fffd}` at 1:10.
#[test]
fn the_issue_18_input_is_a_located_parse_error() {
    check("issue-18-found", "unknown start of token: \\u{fffd}");
}

// A byte-order mark shifts nothing: the labels stay on their delimiters.
#[test]
fn delimiters_after_a_byte_order_mark() {
    check(
        "bom-mismatched-closing",
        "mismatched closing delimiter: `]`",
    );
}

// error: unknown character escape: `q`
//  --> invalid-escape.rs:2:15
//   |
// 2 |     let s = "\q";
//   |               ^ unknown character escape
#[test]
fn unknown_character_escape() {
    check("invalid-escape", "unknown character escape: `q`");
}

/// Every input in `tests/ui/lexer-errors/` has a test above (and so a snapshot).
#[test]
fn every_case_has_a_snapshot() {
    let dir = workspace_root().join("analyzer/tests/ui/lexer-errors");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "rs") && !path.with_extension("stderr").is_file() {
            missing.push(path.display().to_string());
        }
    }
    assert!(missing.is_empty(), "no snapshot for {missing:?}");
}
