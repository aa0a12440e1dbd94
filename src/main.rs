//! The `keyward` binary: all behaviour lives in the library; this only maps the outcome of a
//! command to the process exit code.

fn main() {
    std::process::exit(keyward::cli::main());
}
