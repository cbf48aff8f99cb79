//! `oracle --seeds START..END [--jobs N] [--keep DIR] [--known FILE]`: generate, build and
//! run each seed's program, analyse it with facadelint, and compare (see README).

use clap::Parser;
use oracle::check::{check, Outcome};
use oracle::minimize::minimize;
use oracle::program::{describe, Program};
use oracle::tally::{parse_ledger, tally};
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(about = "Execution oracle: generated Curator-style programs, run, against facadelint")]
struct Args {
    /// Seeds to run, `START..END` (END excluded).
    #[arg(long, value_parser = parse_range)]
    seeds: (u64, u64),
    /// Programs built and run at once (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Keep every generated program (and each minimized one) under this folder.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Minimize at most this many disagreements (each takes a few dozen builds).
    #[arg(long, default_value_t = 5)]
    minimize: usize,
    /// A ledger of known disagreements (`SEED SIGNATURE` lines): the exit code is 0 when
    /// every disagreement is in it, with the same signature, and every ledger seed in the
    /// range still disagrees.
    #[arg(long)]
    known: Option<PathBuf>,
    /// Write this run's disagreements as a ledger for `--known`.
    #[arg(long)]
    write_known: Option<PathBuf>,
}

fn parse_range(s: &str) -> Result<(u64, u64), String> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| format!("expected START..END, got {s:?}"))?;
    let a: u64 = a.parse().map_err(|e| format!("{a:?}: {e}"))?;
    let b: u64 = b.parse().map_err(|e| format!("{b:?}: {e}"))?;
    if a >= b {
        return Err(format!("empty range {s:?}"));
    }
    Ok((a, b))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let work = match &args.keep {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!("facadelint-oracle-{}", std::process::id())),
    };
    if let Err(e) = std::fs::create_dir_all(&work) {
        eprintln!("oracle: {}: {e}", work.display());
        return ExitCode::from(2);
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .expect("thread pool");
    let seeds: Vec<u64> = (args.seeds.0..args.seeds.1).collect();
    let results: Vec<Result<(Program, Outcome), String>> = pool.install(|| {
        seeds
            .par_iter()
            .map(|&seed| {
                let program = Program::generate(seed);
                let dir = work.join(format!("seed-{seed}"));
                let outcome = check(&program, &dir);
                if args.keep.is_none() {
                    let _ = std::fs::remove_dir_all(&dir);
                }
                outcome.map(|o| (program, o))
            })
            .collect()
    });
    let mut broken = Vec::new();
    let mut done = Vec::new();
    for r in results {
        match r {
            Ok(x) => done.push(x),
            Err(e) => broken.push(e),
        }
    }
    let t = tally(&done);
    println!("{}", t.tables());

    let ledger = match &args.known {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => Some(parse_ledger(&text)),
            Err(e) => {
                eprintln!("oracle: {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let known = |p: &Program, o: &Outcome| {
        ledger
            .as_ref()
            .is_some_and(|l| l.get(&p.seed) == Some(&o.signature()))
    };
    let disagreeing: Vec<&(Program, Outcome)> = done.iter().filter(|(_, o)| !o.agrees()).collect();
    // Known disagreements are listed, not minimized again: minimizing takes dozens of builds.
    let to_minimize: Vec<&(Program, Outcome)> = disagreeing
        .iter()
        .copied()
        .filter(|(p, o)| !known(p, o))
        .take(args.minimize)
        .collect();
    let minimized: Vec<(u64, Program, Outcome)> = pool.install(|| {
        to_minimize
            .par_iter()
            .map(|(p, o)| {
                let scratch = work.join(format!("minimize-{}", p.seed));
                let (small, now) = minimize(p, o, &scratch);
                let _ = std::fs::remove_dir_all(&scratch);
                (p.seed, small, now)
            })
            .collect()
    });
    if !disagreeing.is_empty() {
        println!(
            "disagreements (missed: leaked at run time, not reported; false: reported, no leak):"
        );
    }
    for (p, o) in &disagreeing {
        let mark = if known(p, o) { " (known)" } else { "" };
        println!("- seed {}: {}{mark}", p.seed, o.signature());
        for s in &o.stray {
            println!("    stray: {}", s.lines().next().unwrap_or(""));
        }
        if let Some((_, small, now)) = minimized.iter().find(|(s, _, _)| *s == p.seed) {
            println!("    minimized ({}):", now.signature());
            for line in describe(small).lines() {
                println!("      {line}");
            }
            if args.keep.is_some() {
                let dir = work.join(format!("minimized-{}", p.seed));
                let _ = std::fs::remove_dir_all(&dir);
                let _ = check(small, &dir);
                println!("      files: {}", dir.display());
            }
        }
    }
    let unminimized = disagreeing.iter().filter(|(p, o)| !known(p, o)).count();
    if unminimized > to_minimize.len() {
        println!(
            "({} more new disagreements not minimized; raise --minimize)",
            unminimized - to_minimize.len()
        );
    }
    let mut status = if disagreeing.is_empty() { 0 } else { 1 };
    if let (Some(path), Some(ledger)) = (&args.known, &ledger) {
        let mut unexpected = Vec::new();
        for (seed, sig) in &t.disagreements {
            if ledger.get(seed) != Some(sig) {
                unexpected.push(format!("new disagreement: {seed} {sig}"));
            }
        }
        for (seed, sig) in ledger.range(args.seeds.0..args.seeds.1) {
            if !t.disagreements.iter().any(|(s, _)| s == seed) {
                unexpected.push(format!(
                    "now agrees (remove it from {}): {seed} {sig}",
                    path.display()
                ));
            }
        }
        for u in &unexpected {
            println!("{u}");
        }
        if !unexpected.is_empty() {
            println!(
                "the ledger {} no longer matches: update it with --write-known after fixing or explaining each line above",
                path.display()
            );
        }
        status = if unexpected.is_empty() { 0 } else { 1 };
    }
    if let Some(path) = &args.write_known {
        let mut text = String::from(
            "# Known disagreements of the execution oracle: `SEED SIGNATURE` (see README, Limits).\n# Written by `oracle --write-known`; CI fails on any disagreement not listed here, and on\n# any listed seed that now agrees.\n",
        );
        for (seed, sig) in &t.disagreements {
            text.push_str(&format!("{seed} {sig}\n"));
        }
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("oracle: {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    for b in &broken {
        eprintln!("oracle bug: {b}");
    }
    if !broken.is_empty() {
        status = 2;
    }
    if args.keep.is_none() {
        let _ = std::fs::remove_dir_all(&work);
    }
    println!("{}", t.last_line());
    ExitCode::from(status)
}
