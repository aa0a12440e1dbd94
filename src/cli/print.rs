//! Printing what `crate::report` renders, and the errors that stop a command.

use crate::error::Error;

/// Print a JSON value, pretty.
pub fn print_json(v: &impl serde::Serialize) {
    match serde_json::to_string_pretty(v) {
        Ok(s) => println!("{s}"),
        Err(e) => eprintln!("error: cannot render JSON: {e}"),
    }
}

/// Report an error that stops the command; its exit code.
pub fn fail(e: impl Into<Error>) -> i32 {
    let e = e.into();
    match &e {
        Error::Input(d) => {
            for x in &d.0 {
                eprintln!("error: {x}");
            }
        }
        other => eprintln!("error: {other}"),
    }
    e.exit_code()
}
