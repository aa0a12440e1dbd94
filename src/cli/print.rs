//! Printing what `crate::report` renders.

/// Print a JSON value, pretty.
pub fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

/// Report an error that stops the command; its exit code.
pub fn fail(e: impl Into<crate::error::Error>) -> i32 {
    let e = e.into();
    eprintln!("error: {e}");
    e.exit_code()
}
