//! `cargo facadelint`: cargo runs this binary with `facadelint` as the first argument.
fn main() {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "facadelint") {
        args.remove(1);
    }
    std::process::exit(facadelint::cli::main_with_args(args));
}
