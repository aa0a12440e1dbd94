//! `keyward corpus --isolate`: every file is checked in a worker process (the same binary with
//! `--worker`, one per worker thread, reused from file to file), so that a crash the process
//! cannot survive — z3 aborting or faulting, the system killing it for its memory — loses the
//! queries of that one file, reported as an internal error record, instead of the run. The
//! protocol is the run's own JSONL: the parent writes a file path per line on the worker's
//! stdin; the worker answers with that file's records, one JSON line each, then a line `#end`.
//! A worker that ends before `#end` has died: the parent records why (its exit status) and
//! starts a new one for the next file.

use super::{CorpusError, ErrorRecord, Record};
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The line that ends a worker's answer for one file.
pub const END: &str = "#end";

struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

thread_local! {
    /// The worker process of this worker thread, started on first use.
    static WORKER: RefCell<Option<Worker>> = const { RefCell::new(None) };
}

/// The records of `file`, checked by this thread's worker process (`command`: the program and
/// its arguments). A worker that cannot be started, or dies on the file, gives an error record.
pub fn check_file(file: &Path, command: &[String]) -> Vec<Record> {
    let name = file.display().to_string();
    WORKER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            match start(command) {
                Ok(w) => *slot = Some(w),
                Err(e) => return vec![failed(&name, format!("cannot start a worker process: {e}"))],
            }
        }
        let Some(w) = slot.as_mut() else { return vec![failed(&name, "no worker process".into())] };
        match ask(w, &name) {
            Ok(records) => records,
            Err(why) => {
                // The worker is gone (or talks nonsense): reap it, say how it ended, and let the
                // next file start a new one.
                let _ = w.child.kill();
                let how = w.child.wait().map(|s| describe(&s)).unwrap_or_else(|_| "ended".into());
                *slot = None;
                vec![failed(&name, format!("the worker process checking this file {how} ({why}): its queries have no answer"))]
            }
        }
    })
}

fn start(command: &[String]) -> std::io::Result<Worker> {
    let (program, args) = command.split_first().ok_or_else(|| std::io::Error::other("no worker command"))?;
    let mut child = Command::new(program).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?;
    let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
    Ok(Worker { child, stdin, stdout: BufReader::new(stdout) })
}

fn ask(w: &mut Worker, file: &str) -> Result<Vec<Record>, CorpusError> {
    writeln!(w.stdin, "{file}").and_then(|_| w.stdin.flush()).map_err(|e| CorpusError::Io(format!("cannot send it the file: {e}")))?;
    let mut out = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        let n = w.stdout.read_line(&mut line).map_err(|e| CorpusError::Io(format!("cannot read its answer: {e}")))?;
        if n == 0 {
            return Err(CorpusError::Io("no answer".into()));
        }
        let text = line.trim_end();
        if text == END {
            return Ok(out);
        }
        out.push(serde_json::from_str(text).map_err(|e| CorpusError::Io(format!("an answer line is not a record: {e}")))?);
    }
}

/// How a process ended, in words.
fn describe(status: &std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("was killed by signal {sig}");
        }
    }
    match status.code() {
        Some(c) => format!("exited with code {c}"),
        None => "ended".into(),
    }
}

fn failed(file: &str, message: String) -> Record {
    let message = format!("{file}: INTERNAL ERROR (please report): {message}");
    Record::Error(ErrorRecord {
        file: file.to_string(),
        message: message.clone(),
        diagnostics: vec![message],
        parse_ms: 0.0,
        internal: true,
    })
}
