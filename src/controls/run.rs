//! Running the selected controls on one subject: every control of the registry that the
//! selection names (or every one, when nothing is selected) and that applies to the subject;
//! a control selected by name that does not apply is reported as not applicable. Each result
//! gets its wall time and, when a `keyward.toml` ignore matches, its suppression. A panic in a
//! control becomes that control's internal error.
//!
//! `run_subject_each` is the same run one control at a time, for `keyward corpus --isolate`:
//! it says which control starts before running it (so that a worker process that dies in it
//! can name the lost query) and can resume after a given control (so that a new worker goes
//! on with the rest).

use crate::controls::finding::{Ctx, Finding, Status};
use crate::controls::registry::{select, CONTROLS};
use crate::controls::subject::Subject;

/// What `run_subject_each` reports, in order: a control about to run, then its finding.
pub enum Step<'a> {
    Start { control: &'static str, resource: &'a str },
    Done(Box<Finding>),
}

pub fn run_subject(subject: &Subject, selected: &[String], ctx: &Ctx<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    run_subject_each(subject, selected, ctx, None, &mut |step| {
        if let Step::Done(f) = step {
            out.push(*f);
        }
    });
    out
}

/// The run of `run_subject`, step by step; with `after`, only the controls that come after the
/// one of that id.
pub fn run_subject_each(subject: &Subject, selected: &[String], ctx: &Ctx<'_>, after: Option<&str>, each: &mut dyn FnMut(Step<'_>)) {
    let explicit = !selected.is_empty();
    let chosen: Vec<&str> = selected.iter().flat_map(|s| select(s)).map(|c| c.id).collect();
    let mut skipping = after.is_some();
    for c in CONTROLS.iter().filter(|c| !explicit || chosen.contains(&c.id)) {
        if skipping {
            skipping = after != Some(c.id);
            continue;
        }
        let mut finding = if !c.applies(subject, explicit) {
            if !explicit {
                continue;
            }
            let message = format!("{} applies to {}", c.id, c.target().describe());
            Finding::new(subject.file(), subject.resource(), c.id, Status::NotApplicable, message)
        } else if let Some(why) = subject.unresolved().first().and(subject.unresolved_reason()) {
            // SOUNDNESS: a subject whose structure (a statement, an Effect, a key setting)
            // depends on a value unknown before deployment is not decided for one guess of
            // it: every control answers unknown, naming the value. Unknown strings are decided
            // for every value (`assume.rs`).
            Finding::new(subject.file(), subject.resource(), c.id, Status::Unknown, format!("unknown: {why}"))
        } else {
            each(Step::Start { control: c.id, resource: subject.resource() });
            let start = std::time::Instant::now();
            // A panic in one control is a bug in that query: it loses that finding (an internal
            // error), not the rest of the subject's, nor the run.
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match subject.assumed() {
                Some(assumed) => crate::controls::assume::run(c, subject, assumed, ctx),
                None => c.run(subject, ctx),
            }));
            let mut finding = run.unwrap_or_else(|panic| {
                let what = crate::model::error::panic_message(panic.as_ref());
                Finding::new(
                    subject.file(),
                    subject.resource(),
                    c.id,
                    Status::Error,
                    format!("internal error (please report): panic: {what}"),
                )
            });
            finding.timing.wall_ms = start.elapsed().as_secs_f64() * 1000.0;
            finding
        };
        finding.anchor = subject.policy().map(|p| p.source.line_col(0));
        // Only a control that holds is explained (its queries' explanations may be of a
        // violation's evidence: "no context lets the root do it").
        if finding.status != Status::Holds {
            finding.why = None;
        }
        // An internal error is never suppressed: an ignore accepts a finding, not a failure.
        if finding.status != Status::Error {
            finding.suppressed = ctx.params.suppression(&finding.control, &finding.resource, &finding.file);
        }
        each(Step::Done(Box::new(finding)));
    }
}
