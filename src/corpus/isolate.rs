//! `keyward corpus --isolate`: every file is checked in a worker process (the same binary with
//! `--worker`, one per worker thread, reused from file to file), so that a crash the process
//! cannot survive — z3 aborting or faulting, the system killing it for its memory — loses that
//! one query, reported as an internal error record, instead of the run. The
//! protocol is the run's own JSONL: the parent writes a file path per line on the worker's
//! stdin; the worker answers with that file's records, one JSON line each, each query's record
//! after a line `#query {"control", "resource"}` that announces it, then a line `#end`. A
//! worker that ends before `#end` has died: the parent records why (its exit status), as the
//! lost query's internal error when it died in one, and a new worker goes on after that
//! query's control (a line `PATH<TAB>CONTROL`), so that a crash loses one query, not the file.

use super::{CorpusError, ErrorRecord, QueryRecord, Record};
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

/// The line that ends a worker's answer for one file.
pub const END: &str = "#end";
/// The start of the line a worker writes before each query: `#query {"control", "resource"}`.
pub const QUERY: &str = "#query";

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
/// its arguments). A worker that dies in a query loses that query (an internal error record of
/// its control) and a new one goes on with the file's next control; one that dies outside a
/// query (reading the file), or cannot be started, gives an error record of the file.
pub fn check_file(file: &Path, command: &[String]) -> Vec<Record> {
    let name = file.display().to_string();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    WORKER.with(|slot| {
        let mut slot = slot.borrow_mut();
        loop {
            if slot.is_none() {
                match start(command) {
                    Ok(w) => *slot = Some(w),
                    Err(e) => {
                        out.push(failed(&name, format!("cannot start a worker process: {e}")));
                        return;
                    }
                }
            }
            let Some(w) = slot.as_mut() else { return };
            let died = match ask(w, &name, after.as_deref(), &mut out) {
                Ok(()) => return,
                Err(died) => died,
            };
            // The worker is gone (or talks nonsense): reap it, say how it ended, and let the
            // next query or file start a new one.
            let _ = w.child.kill();
            let how = w.child.wait().map(|s| describe(&s)).unwrap_or_else(|_| "ended".into());
            *slot = None;
            match died.query {
                Some(q) => {
                    out.push(lost_query(&name, &q, format!("the worker process running this query {how} ({})", died.why)));
                    after = Some(q.control);
                }
                None => {
                    out.push(failed(
                        &name,
                        format!("the worker process checking this file {how} ({}): its queries have no answer", died.why),
                    ));
                    return;
                }
            }
        }
    });
    out
}

/// A query the worker announced (`#query`) and had not answered.
#[derive(serde::Deserialize)]
struct Query {
    control: String,
    resource: String,
}

/// How a worker's answer broke off: why, and in which query.
struct Died {
    why: CorpusError,
    query: Option<Query>,
}

fn start(command: &[String]) -> std::io::Result<Worker> {
    let (program, args) = command.split_first().ok_or_else(|| std::io::Error::other("no worker command"))?;
    let mut child = Command::new(program).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn()?;
    let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("no stdin"))?;
    let stdout = child.stdout.take().ok_or_else(|| std::io::Error::other("no stdout"))?;
    Ok(Worker { child, stdin, stdout: BufReader::new(stdout) })
}

/// Ask `w` for the records of `file` (after the control `after`), adding them to `out` as they
/// come.
fn ask(w: &mut Worker, file: &str, after: Option<&str>, out: &mut Vec<Record>) -> Result<(), Died> {
    let request = match after {
        Some(a) => format!("{file}\t{a}"),
        None => file.to_string(),
    };
    let mut query: Option<Query> = None;
    let died = |why: String, query: Option<Query>| Died { why: CorpusError::Io(why), query };
    if let Err(e) = writeln!(w.stdin, "{request}").and_then(|_| w.stdin.flush()) {
        return Err(died(format!("cannot send it the file: {e}"), None));
    }
    let mut line = String::new();
    loop {
        line.clear();
        match w.stdout.read_line(&mut line) {
            Ok(0) => return Err(died("no answer".into(), query)),
            Ok(_) => {}
            Err(e) => return Err(died(format!("cannot read its answer: {e}"), query)),
        }
        let text = line.trim_end();
        if text == END {
            return Ok(());
        }
        if let Some(q) = text.strip_prefix(QUERY) {
            match serde_json::from_str(q.trim_start()) {
                Ok(q) => query = Some(q),
                Err(e) => return Err(died(format!("a query line is not a query: {e}"), query)),
            }
            continue;
        }
        match serde_json::from_str(text) {
            Ok(r) => {
                out.push(r);
                query = None;
            }
            Err(e) => return Err(died(format!("an answer line is not a record: {e}"), query)),
        }
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

/// The record of a query lost with its worker: an internal error of its control.
fn lost_query(file: &str, q: &Query, message: String) -> Record {
    Record::Result(QueryRecord {
        file: file.to_string(),
        resource: q.resource.clone(),
        control: q.control.clone(),
        verdict: "error".into(),
        message: Some(format!("internal error (please report): {message}")),
        parse_ms: 0.0,
        encode_ms: 0.0,
        solve_ms: 0.0,
        total_ms: 0.0,
        solver_called: false,
        solver_calls: 0,
        z3: Default::default(),
        smt_bytes: 0,
        settled: Default::default(),
        findings: None,
        queries: None,
        why: None,
    })
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
