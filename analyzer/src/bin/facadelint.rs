// mimalloc: syn and the lowering allocate many small nodes (the parse floor uses mimalloc
// too, so the benchmark ratios compare like with like); `alloc` keeps what the run retains
// in a heap of its own.
#[global_allocator]
static ALLOCATOR: facadelint::alloc::Allocator = facadelint::alloc::Allocator;

fn main() {
    std::process::exit(facadelint::cli::main_with_args(
        std::env::args_os().collect(),
    ));
}
