//! A control on a subject whose policy strings are unknown before deployment (a template's
//! imported role ARN, a parameter without value): decided for every value of them, as
//! CONTROLS.md "Templates and plans" asks, from the `Assumed` bounds and cases the reader made.
//!
//! - A control violated only by allowing too much (`Direction::Violation`) holds for every
//!   value when it holds for the wider bound, which allows at least what the policy allows for
//!   any value, and is violated for every value when it is violated for the narrower bound;
//!   one violated only by allowing too little (`Direction::Guarantee`) the other way round.
//! - A case — the policy for real values, as CloudFormation would deploy it — that violates the
//!   control is the verdict: violated if the unknowns take those values, with the
//!   counterexample of that policy (replayed by the evaluator like any other).
//! - When the cases are every value the template allows (`exhaustive`), they decide alone.
//! - Otherwise the answer is unknown, naming the values and what was tried: never a guess.

use crate::controls::catalog::{ControlInfo, Direction};
use crate::controls::finding::{Ctx, Finding, Status, Timing};
use crate::controls::subject::{Assumed, Subject};
use crate::model::Policy;

/// The finding of `c` on `subject`, whose policy's strings `assumed` describes.
pub fn run(c: &ControlInfo, subject: &Subject, assumed: &Assumed, ctx: &Ctx<'_>) -> Finding {
    let direction = c.direction();
    if direction == Direction::Independent {
        return c.run(subject, ctx);
    }
    if !assumed.valid() {
        let message = format!(
            "unknown: it depends on {}, which is unknown before deployment, and the policy is not valid for `*` in its place nor for any value tried (keyward resolve shows it)",
            names(&assumed.values)
        );
        return Finding::new(subject.file(), subject.resource(), c.id, Status::Unknown, message);
    }
    let mut spent = Timing::default();
    let mut on = |p: &Policy| {
        let f = c.run(&subject.with_policy(p), ctx);
        spent.merge(&f.timing);
        f
    };
    let what = names(&assumed.values);
    let base = Finding::new(subject.file(), subject.resource(), c.id, Status::Unknown, "");
    let finish = |mut f: Finding, spent: Timing| {
        f.timing = spent;
        f
    };
    if assumed.exhaustive {
        let mut decided = Vec::new();
        for case in &assumed.cases {
            let f = on(&case.policy);
            match f.status {
                Status::Violated => return finish(violated(f, &case.values), spent),
                Status::Error | Status::Unknown => {
                    return finish(Finding { message: format!("{} (for {})", f.message, assumption(&case.values)), ..f }, spent)
                }
                _ => decided.push(f),
            }
        }
        let status = if decided.iter().any(|f| f.status == Status::Holds) { Status::Holds } else { Status::NotApplicable };
        let message =
            format!("{} for each of the {} values the template allows for {what}", status.name().replace('_', " "), assumed.cases.len());
        return finish(Finding { status, message, ..base }, spent);
    }
    // The bound that can prove the control (holds for it, holds for every value), then the one
    // that can refute it for every value (violated for it: the counterexample is allowed, and
    // as bad, whatever the values).
    let wider = assumed.wider.as_ref().map(|p| (p, "allows at least what the policy allows"));
    let narrower = assumed.narrower.as_ref().map(|p| (p, "allows only what the policy allows"));
    let (proving, refuting) = match direction {
        Direction::Violation => (wider, narrower),
        Direction::Guarantee => (narrower, wider),
        _ => (None, None),
    };
    for (bound, decides) in [(proving, Status::Holds), (refuting, Status::Violated)] {
        let Some((policy, why)) = bound else { continue };
        let f = on(policy);
        if f.status == decides {
            let message = format!("{} — for every value of {what} (decided on a policy that {why} for any value of it)", f.message);
            return finish(Finding { message, ..f }, spent);
        }
        if f.status == Status::Error {
            return finish(f, spent);
        }
    }
    // Unknown string values only (no `Fn::If` that may take an element away): every
    // deployment has the same statements and elements, so any one case answers a lint on them.
    if direction == Direction::Structure && assumed.same_structure {
        if let Some(case) = assumed.cases.first() {
            return finish(on(&case.policy), spent);
        }
        // The subject's own policy has those statements and elements too, `*` in place of
        // each unknown string (unless it is the stand-in of a policy that did not parse so).
        if let Some(p) = subject.policy().filter(|_| assumed.as_written) {
            return finish(on(p), spent);
        }
    }
    let mut tried = Vec::new();
    for case in &assumed.cases {
        let f = on(&case.policy);
        match f.status {
            Status::Violated => return finish(violated(f, &case.values), spent),
            Status::Error => return finish(f, spent),
            _ => tried.push(&case.values),
        }
    }
    let message = if tried.is_empty() {
        format!("unknown: it depends on {what}, which is unknown before deployment (pin it to decide)")
    } else {
        format!(
            "unknown: it depends on {what}, which is unknown before deployment: not violated for {}, but not proved for every value (pin it to decide)",
            alternatives(&tried)
        )
    };
    finish(Finding { message, ..base }, spent)
}

/// A violation found for the values `assumed`.
fn violated(f: Finding, assumed: &[(String, String)]) -> Finding {
    let message = format!("violated if {}: {}", assumption(assumed), f.message);
    Finding { message, assumed: assumed.to_vec(), ..f }
}

/// The values assumed, in words: `the export PartnerRoleArn is arn:aws:iam::…`.
pub fn assumption(assumed: &[(String, String)]) -> String {
    assumed.iter().map(|(what, v)| format!("{} is {v}", short(what))).collect::<Vec<_>>().join(" and ")
}

/// The cases tried, compactly: `the export X = a, b or c`, or `(X = a, Y = b) or (…)`.
fn alternatives(tried: &[&Vec<(String, String)>]) -> String {
    let or = |items: Vec<String>| match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => items.join(""),
    };
    match tried.first().map(|c| c.as_slice()) {
        Some([(what, _)]) => format!("{} = {}", short(what), or(tried.iter().filter_map(|c| c.first().map(|(_, v)| v.clone())).collect())),
        _ => or(tried
            .iter()
            .map(|c| format!("({})", c.iter().map(|(w, v)| format!("{} = {v}", short(w))).collect::<Vec<_>>().join(", ")))
            .collect()),
    }
}

/// What an unknown is without the explanation in parentheses (`the export PartnerRoleArn`).
fn short(what: &str) -> &str {
    what.split(" (").next().unwrap_or(what)
}

fn names(values: &[String]) -> String {
    match values {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} and {} more", rest.len()),
        [] => "values unknown before deployment".into(),
    }
}
