// mimalloc: syn and the lowering allocate many small nodes; the parse floor uses it too, so
// the benchmark ratios compare like with like.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(facadelint::cli::main_with_args(
        std::env::args_os().collect(),
    ));
}
