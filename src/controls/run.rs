//! Running the selected controls on one subject: every control of the registry that the
//! selection names (or every one, when nothing is selected) and that applies to the subject;
//! a control selected by name that does not apply is reported as not applicable. Each result
//! gets its wall time and, when a `keyward.toml` ignore matches, its suppression.

use crate::controls::finding::{Ctx, Finding, Status};
use crate::controls::registry::{select, CONTROLS};
use crate::controls::subject::Subject;

pub fn run_subject(subject: &Subject, selected: &[String], ctx: &Ctx<'_>) -> Vec<Finding> {
    let explicit = !selected.is_empty();
    let chosen: Vec<&str> = selected.iter().flat_map(|s| select(s)).map(|c| c.id).collect();
    let mut out = Vec::new();
    for c in CONTROLS.iter().filter(|c| !explicit || chosen.contains(&c.id)) {
        if !c.applies(subject, explicit) {
            if explicit {
                let message = format!("{} applies to {}", c.id, c.target().describe());
                out.push(Finding::new(subject.file(), subject.resource(), c.id, Status::NotApplicable, message));
            }
            continue;
        }
        let start = std::time::Instant::now();
        let mut finding = c.run(subject, ctx);
        finding.timing.wall_ms = start.elapsed().as_secs_f64() * 1000.0;
        out.push(finding);
    }
    // An internal error is never suppressed: an ignore accepts a finding, not a failure.
    for f in out.iter_mut().filter(|f| f.status != Status::Error) {
        f.suppressed = ctx.params.suppression(&f.control, &f.resource, &f.file);
    }
    out
}
