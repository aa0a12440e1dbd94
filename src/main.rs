//! The `keyward` binary: all behaviour lives in the library; this only maps the outcome of a
//! command to the process exit code.

fn main() {
    // Rust ignores SIGPIPE, so writing to a closed pipe (`keyward check … | head`) is an error
    // every `println!` turns into a panic. A command-line tool should end quietly instead, as
    // other Unix tools do: restore the default action before any output.
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any thread exists; SIG_DFL is a valid action.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(keyward::cli::main());
}
