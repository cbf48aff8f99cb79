//! `cargo facadelint`: cargo runs this binary with `facadelint` as the first argument.

// mimalloc: syn and the lowering allocate many small nodes; the parse floor uses it too, so
// the benchmark ratios compare like with like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "facadelint") {
        args.remove(1);
    }
    std::process::exit(facadelint::cli::main_with_args(args));
}
