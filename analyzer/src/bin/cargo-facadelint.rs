//! `cargo facadelint`: cargo runs this binary with `facadelint` as the first argument.

// mimalloc: syn and the lowering allocate many small nodes (the parse floor uses mimalloc
// too, so the benchmark ratios compare like with like); `alloc` keeps what the run retains
// in a heap of its own.
#[global_allocator]
static ALLOCATOR: facadelint::alloc::Allocator = facadelint::alloc::Allocator;

fn main() {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "facadelint") {
        args.remove(1);
    }
    std::process::exit(facadelint::cli::main_with_args(args));
}
