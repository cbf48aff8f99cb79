fn main() {
    std::process::exit(facadelint::cli::main_with_args(
        std::env::args_os().collect(),
    ));
}
