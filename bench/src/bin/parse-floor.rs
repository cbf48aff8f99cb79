//! `parse-floor PATH...`: walks the paths, parses every `.rs` file with `syn` in parallel and
//! prints `files=N bytes=N lines=N parsed=N failed=N`. The baseline facadelint is measured
//! against: no other work.

// mimalloc: syn and the lowering allocate many small nodes; the parse floor uses it too, so
// the benchmark ratios compare like with like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() || paths.iter().any(|p| p == "-h" || p == "--help") {
        eprintln!("usage: parse-floor PATH...");
        return ExitCode::from(2);
    }
    let (files, errors) = facadelint_bench::floor::rust_files(&paths);
    for e in &errors {
        eprintln!("parse-floor: {e}");
    }
    match facadelint_bench::floor::run(&files) {
        Ok(counts) => println!("{counts}"),
        Err(e) => {
            eprintln!("parse-floor: {e}");
            return ExitCode::from(2);
        }
    }
    if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}
