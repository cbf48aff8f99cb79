//! The command line: flags, output format, colours and exit codes. The only module (with the
//! binaries) that prints or decides how the process ends.

use crate::diag::{render_human, render_short, Level};
use crate::discover::TargetSelection;
use crate::pipeline::{rules_only, run, RunOptions};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

pub const EXIT_CLEAN: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

const AFTER_HELP: &str = "\
Exit codes:
  0  no findings of level error
  1  findings of level error
  2  usage, configuration or input errors (a file that cannot be read or parsed, a bad rule
     file, a missing path), or an internal error (a bug in facadelint, contained to the one
     file or function it hit; findings elsewhere are still printed). An internal error no
     stage contains stops the run with `error[internal-error]`, also exit code 2

Without PATHS, facadelint analyses the Cargo project around the current directory
(`cargo metadata --no-deps --offline`; nothing is built or run). A PATH that is a folder
with a Cargo.toml is analysed as that project; other files and folders are walked.";

#[derive(Parser, Debug)]
#[command(
    name = "facadelint",
    version,
    about = "Finds watch registrations that bypass a watcher-removal facade (CURATOR-710) in Rust code",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Files or folders to analyse (default: the Cargo project around the current directory)
    pub paths: Vec<PathBuf>,

    /// Path to Cargo.toml of the project to analyse
    #[arg(long, value_name = "PATH", global = true)]
    pub manifest_path: Option<PathBuf>,

    /// Package to analyse (repeatable; default: every workspace member)
    #[arg(short = 'p', long = "package", value_name = "SPEC", global = true)]
    pub packages: Vec<String>,

    /// Analyse every workspace member (the default)
    #[arg(long, global = true)]
    pub workspace: bool,

    /// Workspace member to leave out (repeatable)
    #[arg(long, value_name = "SPEC", global = true)]
    pub exclude: Vec<String>,

    /// Also analyse tests, examples and benches (default: lib and bins)
    #[arg(long, global = true)]
    pub all_targets: bool,

    /// Extra rule file or folder of rule files (repeatable); replaces shipped rules of the same id
    #[arg(long = "rules", value_name = "PATH", global = true)]
    pub rules: Vec<PathBuf>,

    /// Print the documentation of a rule and exit
    #[arg(long, value_name = "RULE")]
    pub explain: Option<String>,

    /// Output format
    #[arg(long, value_enum, default_value_t = MessageFormat::Human)]
    pub message_format: MessageFormat,

    /// When to use colours (`NO_COLOR` is respected with `auto`)
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print only diagnostics, no summary line
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print per-phase timings and counts to stderr (`-vv`: also every file of the analysed
    /// module trees)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Number of parser threads (default: one per core; `RAYON_NUM_THREADS` also works)
    #[arg(short = 'j', long, value_name = "N", global = true)]
    pub jobs: Option<usize>,

    /// Make RULE (or `warnings`: every warning) an error; later level flags win
    #[arg(short = 'D', long = "deny", value_name = "RULE", global = true)]
    pub deny: Vec<String>,

    /// Make RULE (or `warnings`) a warning
    #[arg(short = 'W', long = "warn", value_name = "RULE", global = true)]
    pub warn: Vec<String>,

    /// Turn RULE (or `warnings`) off
    #[arg(short = 'A', long = "allow", value_name = "RULE", global = true)]
    pub allow: Vec<String>,

    /// Do not report findings recorded in this baseline file
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings in this baseline file and exit 0
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Write each finding's path as a graph: `--graph dot FILE` or `--graph mermaid FILE`
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"])]
    pub graph: Vec<String>,

    /// Apply the suggestions that are certain (machine-applicable), rewriting files in place
    #[arg(long)]
    pub fix: bool,

    /// Parse every file, not only those that mention what the rules are about
    #[arg(long, global = true)]
    pub no_prefilter: bool,

    /// Report only findings with a location in one of these files (repeatable; the analysis
    /// still covers the whole project). Used by the pre-commit hook.
    #[arg(long, value_name = "FILE")]
    pub touching: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the rules: id, level, summary and the file each comes from
    ListRules,
    /// Show, for every facade (and every type that wraps a client), what each of its methods
    /// does with it: keeps, drops, raw, or not a client
    Audit {
        /// Files or folders to analyse (default: the Cargo project around the current directory)
        paths: Vec<PathBuf>,
        /// Output format
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum AuditFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum MessageFormat {
    /// rustc's human format (on stderr)
    Human,
    /// one line per diagnostic (on stderr)
    Short,
    /// cargo's JSON lines with rustc diagnostics (on stdout), for editors
    Json,
    /// one SARIF 2.1.0 document (on stdout), for code scanning
    Sarif,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn color_choice(when: ColorWhen, is_tty: bool) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            if is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}

/// Runs the CLI with the given arguments (without the program name handling of cargo).
///
/// Invariant: the process never ends with a panic's exit code (101). The stages contain their
/// own panics per file and function; one that escapes them (while indexing, reporting or
/// rendering) is caught here, reported as `error[internal-error]` and exits 2.
pub fn main_with_args(args: Vec<std::ffi::OsString>) -> i32 {
    match crate::guard::guarded(|| run_cli(args)) {
        Ok(code) => code,
        Err(message) => {
            report_escaped_panic(&message);
            EXIT_ERROR
        }
    }
}

/// Printed without the diagnostic renderers: the panic may have come from them.
fn report_escaped_panic(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "error[internal-error]: internal error: {message}\n  \
         = note: this is a bug in facadelint; the run stopped, so the output above may be incomplete\n  \
         = help: please report it with the command line and the input that caused it\n"
    );
}

fn run_cli(args: Vec<std::ffi::OsString>) -> i32 {
    let parsed = Cli::command()
        .try_get_matches_from(args)
        .and_then(|m| Cli::from_arg_matches(&m).map(|c| (c, m)));
    let (cli, matches) = match parsed {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
        }
    };
    let mut stderr =
        StandardStream::stderr(color_choice(cli.color, std::io::stderr().is_terminal()));
    if let Some(Command::ListRules) = cli.command {
        return list_rules(&cli, &mut stderr);
    }
    let audit_format = match &cli.command {
        Some(Command::Audit { format, .. }) => Some(*format),
        _ => None,
    };
    if let Some(id) = &cli.explain {
        return explain(&cli, id, &mut stderr);
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    let paths = match &cli.command {
        Some(Command::Audit { paths, .. }) if !paths.is_empty() => paths.clone(),
        _ => cli.paths.clone(),
    };
    let opts = RunOptions {
        audit: audit_format.is_some(),
        paths,
        manifest_path: cli.manifest_path.clone(),
        cwd,
        selection: TargetSelection {
            all_targets: cli.all_targets,
            packages: cli.packages.clone(),
            exclude: cli.exclude.clone(),
        },
        rule_paths: cli.rules.clone(),
        threads: cli.jobs,
        touching: cli.touching.clone(),
        levels: ordered_levels(&matches),
        no_prefilter: cli.no_prefilter,
        baseline: if cli.write_baseline.is_some() {
            None
        } else {
            cli.baseline.clone()
        },
    };
    let output = run(&opts);
    if let Some(format) = audit_format {
        return audit(format, &output, &mut stderr);
    }
    if let Some(path) = &cli.write_baseline {
        return write_baseline(path, &output, &mut stderr);
    }
    if let [format, file] = cli.graph.as_slice() {
        let text = match format.as_str() {
            "dot" => crate::render_graph::dot(&output.db, &output.diagnostics),
            "mermaid" => crate::render_graph::mermaid(&output.db, &output.diagnostics),
            other => {
                let _ = writeln!(
                    stderr,
                    "error: unknown graph format `{other}` (expected `dot` or `mermaid`)"
                );
                return EXIT_ERROR;
            }
        };
        if let Err(e) = std::fs::write(file, text) {
            let _ = writeln!(stderr, "error: cannot write `{file}`: {e}");
            return EXIT_ERROR;
        }
    }
    if cli.fix {
        match crate::fix::apply(&output.db, &output.diagnostics) {
            Ok(done) => {
                for (file, n) in done {
                    let _ = writeln!(
                        stderr,
                        "facadelint: fixed {n} finding{} in {file}",
                        plural(n)
                    );
                }
            }
            Err(e) => {
                let _ = writeln!(stderr, "error: cannot apply fixes: {e}");
                return EXIT_ERROR;
            }
        }
    }
    crate::guard::maybe_inject("render", || {
        cli.message_format
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    });
    let result = match cli.message_format {
        MessageFormat::Human => render_human(&mut stderr, &output.db, &output.diagnostics),
        MessageFormat::Short => render_short(&mut stderr, &output.db, &output.diagnostics),
        MessageFormat::Json => {
            let owners = crate::render_json::Owners {
                crates: &output.crates,
                file_owner: &output.file_owner,
            };
            let docs = |code: &str| {
                output
                    .rules
                    .iter()
                    .find(|r| r.id == code)
                    .map(|r| r.docs.clone())
            };
            let mut stdout = std::io::stdout().lock();
            crate::render_json::render_json(
                &mut stdout,
                &output.db,
                &owners,
                &output.diagnostics,
                &docs,
            )
        }
        MessageFormat::Sarif => {
            let mut stdout = std::io::stdout().lock();
            crate::render_sarif::render_sarif(
                &mut stdout,
                &output.db,
                &output.diagnostics,
                &output.rules,
                &opts.cwd,
            )
        }
    };
    if let Err(e) = result {
        eprintln!("error: cannot write diagnostics: {e}");
        return EXIT_ERROR;
    }
    let findings = output.diagnostics.iter().filter(|d| d.is_finding).count();
    let errors = output
        .diagnostics
        .iter()
        .filter(|d| !d.is_finding && d.level == Level::Error && d.code != "internal-error")
        .count();
    let internal = output
        .diagnostics
        .iter()
        .filter(|d| d.code == "internal-error")
        .count();
    let finding_errors = output
        .diagnostics
        .iter()
        .filter(|d| d.is_finding && d.level == Level::Error)
        .count();
    if !cli.quiet {
        let _ = writeln!(
            stderr,
            "facadelint: {findings} finding{}, {errors} input error{}{} in {} file{}",
            plural(findings),
            plural(errors),
            match internal {
                0 => String::new(),
                n => format!(", {n} internal error{}", plural(n)),
            },
            output.stats.files,
            plural(output.stats.files)
        );
    }
    if cli.verbose > 0 {
        let s = &output.stats;
        for (i, (phase, t)) in s.phases.iter().enumerate() {
            let peak = match s.peak_kib.get(i).copied().flatten() {
                Some(kib) => format!("  peak {:>6} MiB", kib / 1024),
                None => String::new(),
            };
            let _ = writeln!(
                stderr,
                "  phase {phase:<9} {:>9.3} ms{peak}",
                t.as_secs_f64() * 1000.0
            );
        }
        let _ = writeln!(
            stderr,
            "  {} files ({} not parsed: nothing in them can matter), {} bytes, {} items, {} functions, {} analysed instances",
            s.files, s.skipped, s.bytes, s.items, s.functions, s.instances
        );
        let e = &s.expansion;
        let _ = writeln!(
            stderr,
            "  {} macro invocations expanded, {} not ({} definitions unreadable)",
            e.expanded, e.unexpanded, e.unreadable
        );
        if cli.verbose > 1 {
            let mut names: Vec<&str> = (0..output.file_owner.len())
                .filter(|f| output.file_owner[*f].is_some())
                .map(|f| output.db.get(f).name.as_str())
                .collect();
            names.sort_unstable();
            for name in names {
                let _ = writeln!(stderr, "  file {name}");
            }
        }
    }
    if errors + internal > 0 {
        EXIT_ERROR
    } else if finding_errors > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn audit(
    format: AuditFormat,
    output: &crate::pipeline::RunOutput,
    err: &mut StandardStream,
) -> i32 {
    let errors: Vec<_> = output
        .diagnostics
        .iter()
        .filter(|d| !d.is_finding && d.level == Level::Error)
        .cloned()
        .collect();
    let _ = render_human(err, &output.db, &errors);
    let mut stdout = std::io::stdout().lock();
    let written = match format {
        AuditFormat::Table => {
            crate::render_audit::render_table(&mut stdout, &output.db, &output.audits)
        }
        AuditFormat::Json => {
            crate::render_audit::render_json(&mut stdout, &output.db, &output.audits)
        }
        AuditFormat::Markdown => {
            crate::render_audit::render_markdown(&mut stdout, &output.db, &output.audits)
        }
    };
    if written.is_err() || !errors.is_empty() {
        EXIT_ERROR
    } else {
        EXIT_CLEAN
    }
}

/// `-D/-W/-A` in the order they were given, as rustc applies them.
fn ordered_levels(matches: &clap::ArgMatches) -> Vec<(String, crate::rules::RuleLevel)> {
    use crate::rules::RuleLevel;
    let mut out = Vec::new();
    for (id, level) in [
        ("deny", RuleLevel::Error),
        ("warn", RuleLevel::Warning),
        ("allow", RuleLevel::Allow),
    ] {
        if let (Some(values), Some(indices)) =
            (matches.get_many::<String>(id), matches.indices_of(id))
        {
            out.extend(indices.zip(values).map(|(i, v)| (i, v.clone(), level)));
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, v, l)| (v, l)).collect()
}

fn write_baseline(
    path: &std::path::Path,
    output: &crate::pipeline::RunOutput,
    out: &mut StandardStream,
) -> i32 {
    let errors: Vec<_> = output
        .diagnostics
        .iter()
        .filter(|d| !d.is_finding && d.level == Level::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        let _ = render_human(out, &output.db, &errors);
        let _ = writeln!(
            out,
            "facadelint: baseline not written: fix the input errors first"
        );
        return EXIT_ERROR;
    }
    let baseline = crate::baseline::from_diagnostics(&output.diagnostics);
    let count: usize = baseline.findings.values().sum();
    match crate::baseline::write(path, &baseline) {
        Ok(()) => {
            let _ = writeln!(
                out,
                "facadelint: recorded {count} finding{} in {}",
                plural(count),
                path.display()
            );
            EXIT_CLEAN
        }
        Err(e) => {
            let _ = writeln!(
                out,
                "error: cannot write baseline `{}`: {e}",
                path.display()
            );
            EXIT_ERROR
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn list_rules(cli: &Cli, out: &mut StandardStream) -> i32 {
    let (db, rules, diags) = rules_only(&cli.rules);
    if !diags.is_empty() {
        let _ = render_human(out, &db, &diags);
        return EXIT_ERROR;
    }
    let mut stdout = std::io::stdout();
    for r in &rules {
        let level = match r.level {
            crate::rules::RuleLevel::Allow => "allow",
            crate::rules::RuleLevel::Warning => "warning",
            crate::rules::RuleLevel::Error => "error",
        };
        let _ = writeln!(
            stdout,
            "{:<28} {:<8} {}  ({})",
            r.id, level, r.summary, r.source
        );
    }
    EXIT_CLEAN
}

fn explain(cli: &Cli, id: &str, out: &mut StandardStream) -> i32 {
    let (db, rules, diags) = rules_only(&cli.rules);
    if !diags.is_empty() {
        let _ = render_human(out, &db, &diags);
        return EXIT_ERROR;
    }
    match rules.iter().find(|r| r.id == id) {
        Some(r) => {
            let _ = write_markdown(&mut std::io::stdout(), &r.docs);
            EXIT_CLEAN
        }
        None => {
            let known: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
            let _ = out.set_color(&Default::default());
            let _ = writeln!(out, "error: no rule `{id}` (known: {})", known.join(", "));
            EXIT_ERROR
        }
    }
}

/// Markdown for a terminal: headings underlined, code fences indented, the rest as is.
fn write_markdown(out: &mut dyn Write, md: &str) -> std::io::Result<()> {
    let mut in_code = false;
    for line in md.lines() {
        if line.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            writeln!(out, "    {line}")?;
        } else if let Some(h) = line.strip_prefix("# ") {
            writeln!(out, "{h}\n{}", "=".repeat(h.chars().count()))?;
        } else if let Some(h) = line.strip_prefix("## ") {
            writeln!(out, "{h}\n{}", "-".repeat(h.chars().count()))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}
