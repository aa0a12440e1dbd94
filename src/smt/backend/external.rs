//! The external backend: an SMT-LIB2 solver process (`z3 -in`, `cvc5 --lang smt2`) run on the
//! query's script, of which only the verdict is read. Running out of time or resources is
//! `Unknown`: our timeout, an `unknown`, `timeout` or `memout` answer, or the process killed by
//! a resource signal (SIGKILL — the kernel's out-of-memory killer —, SIGXCPU, SIGXFSZ). A solver
//! that cannot be started, crashes or prints no verdict (an SMT-LIB2 `(error …)` among them) is a
//! `SolverError`, never an answer.

use crate::smt::answer::{Model, Outcome, SolverError};
use std::io::{Read, Seek, Write};
use std::process::Command;
use std::time::{Duration, Instant};

/// Run an external solver on the script. The script is the solver's stdin and its output goes
/// to files, not pipes: the binary dies on a write to a closed pipe (SIGPIPE has its default
/// action, `main.rs`), which a solver that answers before reading all of its input would
/// cause, and a solver filling a pipe nobody reads until it exits would hang until the timeout.
pub fn run(cmd: &[String], text: &str, timeout: Duration) -> Result<Outcome, SolverError> {
    let Some((prog, args)) = cmd.split_first() else {
        return Err(SolverError::External { solver: String::new(), message: "empty external solver command".into() });
    };
    let fail = |message: String| SolverError::External { solver: prog.clone(), message };
    let files = (|| -> std::io::Result<_> {
        let mut input = tempfile::tempfile()?;
        input.write_all(text.as_bytes())?;
        input.rewind()?;
        Ok((input, tempfile::tempfile()?, tempfile::tempfile()?))
    })();
    let (input, mut stdout_file, mut stderr_file) = files.map_err(|e| fail(format!("cannot write the script: {e}")))?;
    let (out_handle, err_handle) = match (stdout_file.try_clone(), stderr_file.try_clone()) {
        (Ok(o), Ok(e)) => (o, e),
        (Err(e), _) | (_, Err(e)) => return Err(fail(format!("cannot set up the solver's output: {e}"))),
    };
    let mut child = Command::new(prog)
        .args(args)
        .stdin(input)
        .stdout(out_handle)
        .stderr(err_handle)
        .spawn()
        .map_err(|e| fail(format!("cannot start: {e}")))?;
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Ok(Outcome::Unknown(format!("timeout after {} ms ({prog})", timeout.as_millis())));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => return Err(fail(e.to_string())),
        }
    };
    let read = |f: &mut std::fs::File| -> String {
        let mut bytes = Vec::new();
        let _ = f.rewind().and_then(|_| f.read_to_end(&mut bytes));
        String::from_utf8_lossy(&bytes).into_owned()
    };
    let stdout = read(&mut stdout_file);
    match stdout.lines().map(str::trim).find(|l| !l.is_empty()) {
        Some("sat") => Ok(Outcome::Sat(Model::default())),
        Some("unsat") => Ok(Outcome::Unsat),
        Some(answer @ ("unknown" | "timeout" | "memout")) => Ok(Outcome::Unknown(format!("{prog} answered {answer}"))),
        _ if resource_signal(&status) => Ok(Outcome::Unknown(format!("{prog} was stopped by the system ({status}): out of resources"))),
        other => {
            let stderr = read(&mut stderr_file);
            let stderr: String = stderr.trim().chars().take(500).collect();
            let said = if stderr.is_empty() { String::new() } else { format!("; stderr: {stderr}") };
            Err(fail(format!("gave no verdict ({status}; first line: {}){said}", other.unwrap_or("no output"))))
        }
    }
}

/// Was the process killed for the resources it used (memory, CPU time, file size)?
#[cfg(unix)]
fn resource_signal(status: &std::process::ExitStatus) -> bool {
    use std::os::unix::process::ExitStatusExt;
    matches!(status.signal(), Some(libc::SIGKILL | libc::SIGXCPU | libc::SIGXFSZ))
}

#[cfg(not(unix))]
fn resource_signal(_: &std::process::ExitStatus) -> bool {
    false
}

/// The external-solver protocol with stand-in solvers written in `sh`.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Result<Outcome, SolverError> {
        let cmd: Vec<String> = ["sh", "-c", script].iter().map(|s| s.to_string()).collect();
        // A script larger than a pipe's buffer, so a solver that does not read it all would
        // have made the old pipe-based writer fail.
        let text = format!("(set-logic ALL)\n{}(check-sat)\n", "; padding\n".repeat(20_000));
        run(&cmd, &text, Duration::from_millis(timeout_ms))
    }

    #[test]
    fn verdicts_are_read_from_the_first_line() {
        assert!(matches!(sh("cat >/dev/null; echo sat", 5000), Ok(Outcome::Sat(_))));
        assert!(matches!(sh("cat >/dev/null; printf '\\nunsat\\n'", 5000), Ok(Outcome::Unsat)));
        assert!(matches!(sh("echo unknown", 5000), Ok(Outcome::Unknown(w)) if w.contains("answered unknown")));
    }

    #[test]
    fn a_solver_that_answers_without_reading_its_input_is_fine() {
        assert!(matches!(sh("echo unsat", 5000), Ok(Outcome::Unsat)));
    }

    #[test]
    fn a_solver_that_floods_stderr_does_not_hang() {
        assert!(matches!(sh("head -c 300000 /dev/zero | tr '\\0' x >&2; cat >/dev/null; echo sat", 5000), Ok(Outcome::Sat(_))));
    }

    #[test]
    fn timeouts_are_unknown_and_failures_are_errors_with_the_reason() {
        assert!(matches!(sh("sleep 5; echo sat", 200), Ok(Outcome::Unknown(w)) if w.contains("timeout after 200 ms")));
        // Out of time or memory by the solver's own account, or killed by the system for it.
        assert!(matches!(sh("cat >/dev/null; echo timeout", 5000), Ok(Outcome::Unknown(w)) if w.contains("answered timeout")));
        assert!(matches!(sh("cat >/dev/null; echo memout", 5000), Ok(Outcome::Unknown(_))));
        assert!(matches!(sh("cat >/dev/null; kill -9 $$", 5000), Ok(Outcome::Unknown(w)) if w.contains("out of resources")));
        // A crash is a bug, not a lack of resources.
        assert!(
            matches!(sh("cat >/dev/null; kill -SEGV $$", 5000), Err(SolverError::External { message, .. }) if message.contains("signal"))
        );
        let rejected = sh("echo '(error \"bad\")'; echo oops >&2; exit 1", 5000);
        assert!(
            matches!(&rejected, Err(SolverError::External { message, .. }) if message.contains("no verdict") && message.contains("oops")),
            "{rejected:?}"
        );
        let missing = run(&["/no/such/solver".to_string()], "(check-sat)\n", Duration::from_secs(1));
        assert!(matches!(missing, Err(SolverError::External { message, .. }) if message.contains("cannot start")));
        assert!(run(&[], "", Duration::from_secs(1)).is_err());
    }
}
