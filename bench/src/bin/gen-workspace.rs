//! `gen-workspace --lines N --out DIR [--seed S]`: writes a Curator-style Cargo workspace of
//! about N lines with planted CURATOR-710 leaks listed in `DIR/planted.json`, and prints
//! `lines=N files=N planted=N`.

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen-workspace --lines N --out DIR [--seed S]";

fn main() -> ExitCode {
    let mut lines: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut seed: u64 = 1;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| args.next());
        let ok = match flag.as_str() {
            "--lines" => value()
                .and_then(|v| v.replace('_', "").parse().ok())
                .map(|v| lines = Some(v)),
            "--out" => value().map(|v| out = Some(PathBuf::from(v))),
            "--seed" => value().and_then(|v| v.parse().ok()).map(|v| seed = v),
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => None,
        };
        if ok.is_none() {
            eprintln!("gen-workspace: bad argument `{arg}`\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let (Some(lines), Some(out)) = (lines, out) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match facadelint_bench::gen::generate(lines, seed, &out) {
        Ok(s) => {
            println!(
                "lines={} files={} planted={}",
                s.lines,
                s.files,
                s.planted.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen-workspace: {e}");
            ExitCode::from(2)
        }
    }
}
