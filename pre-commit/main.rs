//! `facadelint-pre-commit`: the entry point of the pre-commit hook (`.pre-commit-hooks.yaml`).
//!
//! pre-commit runs `facadelint-pre-commit [ARGS]... [FILES]...`, with the hook's `args:` first
//! and then the staged files that match `types: [rust]`. Every file becomes a `--touching FILE`
//! flag: facadelint still analyses the whole Cargo project around the current directory (the
//! repository root), but reports only findings with a location in one of the files. Options
//! (anything starting with `-`, and the values of an option that takes some, such as
//! `--rules my-rules/`) are passed through unchanged; after a lone `--` everything is a file.
//! Exit codes are facadelint's: 0 clean, 1 findings of level error, 2 usage or input errors.

use clap::CommandFactory;
use std::collections::HashMap;
use std::ffi::OsString;

fn main() {
    let mut args = std::env::args_os();
    let program = args.next().unwrap_or_else(|| "facadelint".into());
    let args = translate(program, args.collect(), &value_options());
    std::process::exit(facadelint::cli::main_with_args(args));
}

/// facadelint's options that take values, by spelling (`--rules`, `-j`, …), with the number of
/// values that follow them (`--graph dot FILE` takes two), so that those are passed through
/// instead of being taken for files. Read from facadelint's own command line definition.
fn value_options() -> HashMap<String, usize> {
    let mut command = facadelint::cli::Cli::command();
    command.build();
    let mut out = HashMap::new();
    for arg in command.get_arguments() {
        if arg.is_positional() || !arg.get_action().takes_values() {
            continue;
        }
        let count = arg.get_num_args().map_or(1, |n| n.min_values().max(1));
        let longs = arg
            .get_long()
            .into_iter()
            .chain(arg.get_all_aliases().into_iter().flatten());
        let shorts = arg
            .get_short()
            .into_iter()
            .chain(arg.get_all_short_aliases().into_iter().flatten());
        for long in longs {
            out.insert(format!("--{long}"), count);
        }
        for short in shorts {
            out.insert(format!("-{short}"), count);
        }
    }
    out
}

/// How many of the following arguments are values of the option `text` (0 for a flag, a file
/// or an option with an attached value such as `--rules=x` or `-j4`).
fn values_after(text: &str, value_options: &HashMap<String, usize>) -> usize {
    if text.starts_with("--") {
        return value_options.get(text).copied().unwrap_or(0);
    }
    // A cluster of short options (`-qj 4`): only its last one can take the next argument.
    for (i, c) in text.char_indices().skip(1) {
        if let Some(&count) = value_options.get(&format!("-{c}")) {
            let attached = i + c.len_utf8() < text.len();
            return if attached { count - 1 } else { count };
        }
    }
    0
}

/// Builds facadelint's arguments from the hook's: options pass through, files become
/// `--touching FILE`.
fn translate(
    program: OsString,
    args: Vec<OsString>,
    value_options: &HashMap<String, usize>,
) -> Vec<OsString> {
    let mut out = vec![program];
    let mut args = args.into_iter();
    let mut only_files = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        if only_files || !text.starts_with('-') || text == "-" {
            out.push("--touching".into());
            out.push(arg);
        } else if text == "--" {
            only_files = true;
        } else {
            out.push(arg);
            out.extend(args.by_ref().take(values_after(&text, value_options)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Vec<String> {
        translate(
            "facadelint-pre-commit".into(),
            args.iter().map(OsString::from).collect(),
            &value_options(),
        )
        .into_iter()
        .map(|a| a.into_string().unwrap())
        .collect()
    }

    #[test]
    fn files_become_touching_flags() {
        assert_eq!(
            run(&["src/lib.rs", "src/a b.rs"]),
            [
                "facadelint-pre-commit",
                "--touching",
                "src/lib.rs",
                "--touching",
                "src/a b.rs"
            ]
        );
    }

    #[test]
    fn no_files_means_no_filter() {
        assert_eq!(run(&["-q"]), ["facadelint-pre-commit", "-q"]);
    }

    #[test]
    fn options_and_their_values_pass_through() {
        assert_eq!(
            run(&[
                "--rules",
                "my-rules/",
                "-j",
                "2",
                "-qD",
                "warnings",
                "-j2",
                "--color=never",
                "--graph",
                "dot",
                "paths.dot",
                "-q",
                "src/x.rs"
            ]),
            [
                "facadelint-pre-commit",
                "--rules",
                "my-rules/",
                "-j",
                "2",
                "-qD",
                "warnings",
                "-j2",
                "--color=never",
                "--graph",
                "dot",
                "paths.dot",
                "-q",
                "--touching",
                "src/x.rs"
            ]
        );
    }

    #[test]
    fn everything_after_double_dash_is_a_file() {
        assert_eq!(
            run(&["--all-targets", "--", "-odd.rs", "src/y.rs"]),
            [
                "facadelint-pre-commit",
                "--all-targets",
                "--touching",
                "-odd.rs",
                "--touching",
                "src/y.rs"
            ]
        );
    }

    #[test]
    fn the_analyzer_knows_the_options_used_here() {
        let options = value_options();
        for option in [
            "--rules",
            "--manifest-path",
            "-p",
            "--package",
            "-j",
            "--baseline",
            "--touching",
        ] {
            assert_eq!(options.get(option), Some(&1), "{option} takes a value");
        }
        assert_eq!(options.get("--graph"), Some(&2));
        assert!(!options.contains_key("-q") && !options.contains_key("--all-targets"));
    }
}
