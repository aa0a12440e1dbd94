//! Why a property holds. A *holds* verdict is explained by a minimal set of **levers**
//! (`crate::model::lever`): statements that must stay (a Deny that blocks what would break the
//! property) and elements that must stay as written (the Principal of an Allow that names only
//! the owner account, its Condition on aws:PrincipalOrgID) — with every other lever weakened
//! (other Denies removed, other elements widened to `*`, other conditions left out), the
//! property still holds, and weakening any one of the set as well breaks it.
//!
//! How: the question's query is built with a Boolean per lever (`crate::smt::encode`); z3's
//! unsat core over them, assumed true, proposes a set (`crate::smt::core`). The proposal is then
//! **confirmed** by asking the question again on the policy set with every other lever weakened
//! — real policies, through the same pipeline as any property (witnesses, solver, replay) — and
//! **minimised** by dropping its levers one at a time, each drop kept only when the question
//! still holds without it. A drop whose answer is unknown keeps the lever and says the set may
//! not be minimal; a proposal that does not confirm is an internal error, never an explanation.

pub use super::explanation::{Reason, Why, WhyAnswer};
use super::verdict::{Checked, Verdict};
use crate::eval::explain::statement_ref;
use crate::model::lever::{levers_of, weaken, Lever, Part, Polarity};
use crate::model::request_spec::{PrincipalSpec, RequestSpec};
use crate::model::PolicySet;
use crate::smt::{build_added_access, build_allowed_pair, build_exists_allowed, build_exists_denied, unsat_core, Build, LeverCore};
use crate::smt::{Query, SolverOptions};
use std::time::Instant;

/// Asks a question again (on weakened policy sets) through the pipeline of
/// `crate::properties::queries`, without explaining it.
pub type Reask<'r> = dyn Fn(&Ask<'_>, &SolverOptions, &str) -> Checked + 'r;

/// A question whose *holds* verdict is explained.
#[derive(Clone, Copy)]
pub enum Ask<'a> {
    /// No request of (`who`, `req`) is allowed by `set`.
    Allowed { set: &'a PolicySet, who: &'a PrincipalSpec, req: &'a RequestSpec },
    /// No principal of `who` has a request of each spec allowed by `set`.
    Pair { set: &'a PolicySet, who: &'a PrincipalSpec, first: &'a RequestSpec, second: &'a RequestSpec, same_resource: bool },
    /// No request of (`who`, `req`) is allowed by `new` and not by `old`.
    Added { old: &'a PolicySet, new: &'a PolicySet, who: &'a PrincipalSpec, req: &'a RequestSpec },
    /// Every request of (`who`, `req`) is allowed by `set`.
    Denied { set: &'a PolicySet, who: &'a PrincipalSpec, req: &'a RequestSpec },
}

impl<'a> Ask<'a> {
    /// The policy sets of the question with their side and polarity.
    fn sides(&self) -> Vec<(&'a PolicySet, usize, Polarity)> {
        match *self {
            Ask::Allowed { set, .. } | Ask::Pair { set, .. } => vec![(set, 0, Polarity::Allowed)],
            Ask::Added { old, new, .. } => vec![(new, 0, Polarity::Allowed), (old, 1, Polarity::Refused)],
            Ask::Denied { set, .. } => vec![(set, 0, Polarity::Refused)],
        }
    }

    fn side_name(&self, side: usize) -> Option<&'static str> {
        match self {
            Ask::Added { .. } => Some(if side == 0 { "granting" } else { "compared" }),
            _ => None,
        }
    }

    /// The question's query with a Boolean per lever.
    fn lever_query(&self, opts: &SolverOptions, label: &str) -> Query {
        let how = Build { encoding: opts.encoding, levers: true };
        // The requests made at `--at`, as the question asked them.
        let at_time = |req: &RequestSpec, opts: &SolverOptions| req.made_at(opts.at);
        match *self {
            Ask::Allowed { set, who, req } => build_exists_allowed(set, who, &at_time(req, opts), how, label),
            Ask::Pair { set, who, first, second, same_resource } => {
                build_allowed_pair(set, who, &at_time(first, opts), &at_time(second, opts), same_resource, how, label)
            }
            Ask::Added { old, new, who, req } => build_added_access(old, new, who, &at_time(req, opts), how, label),
            Ask::Denied { set, who, req } => build_exists_denied(set, who, &at_time(req, opts), how, label),
        }
    }

    /// The question asked on the policy sets with every lever but `keep` weakened.
    fn ask_weakened(&self, keep: &[Lever], opts: &SolverOptions, label: &str, reask: &Reask<'_>) -> Checked {
        match *self {
            Ask::Allowed { set, who, req } => reask(&Ask::Allowed { set: &weaken(set, 0, Polarity::Allowed, keep), who, req }, opts, label),
            Ask::Pair { set, who, first, second, same_resource } => {
                let set = &weaken(set, 0, Polarity::Allowed, keep);
                reask(&Ask::Pair { set, who, first, second, same_resource }, opts, label)
            }
            Ask::Added { old, new, who, req } => {
                let (old, new) = (&weaken(old, 1, Polarity::Refused, keep), &weaken(new, 0, Polarity::Allowed, keep));
                reask(&Ask::Added { old, new, who, req }, opts, label)
            }
            Ask::Denied { set, who, req } => reask(&Ask::Denied { set: &weaken(set, 0, Polarity::Refused, keep), who, req }, opts, label),
        }
    }

    /// A lever as a reason, with the statement it belongs to.
    fn reason(&self, lever: Lever) -> Option<Reason> {
        let (set, _, polarity) = self.sides().into_iter().find(|(_, side, _)| *side == lever.side)?;
        let (role, policy, s) = lever.find(set)?;
        let statement = statement_ref(policy, role, s);
        let element = lever.describe(s);
        let part = match lever.part {
            Part::Statement => "statement",
            Part::Principal => "principal",
            Part::Action => "action",
            Part::Resource => "resource",
            Part::Condition(_) => "condition",
        };
        let who = format!("the {:?} of statement {}", s.effect, statement.label());
        let verb = match polarity {
            Polarity::Allowed => "grants",
            Polarity::Refused => "denies",
        };
        let outside = |n: bool| if n { "outside" } else { "named by" };
        let text = match (lever.part, polarity) {
            (Part::Statement, Polarity::Allowed) => format!("{who} denies every request that would break the property"),
            (Part::Statement, Polarity::Refused) => format!("{who} allows requests that must stay allowed"),
            (Part::Principal, _) if s.principal.is_none() => format!("{who} has no Principal element: it {verb} nothing"),
            (Part::Resource, _) if s.resource.is_none() => format!("{who} has no Resource element: it {verb} nothing"),
            (Part::Principal, _) => {
                let n = s.principal.as_ref().is_some_and(|e| e.negated);
                format!("{who} {verb} only to principals {} {element}", outside(n))
            }
            (Part::Action, _) => format!("{who} {verb} only actions {} {element}", outside(s.action.negated)),
            (Part::Resource, _) => {
                let n = s.resource.as_ref().is_some_and(|e| e.negated);
                format!("{who} {verb} only on resources {} {element}", outside(n))
            }
            (Part::Condition(_), _) => format!("{who} {verb} only when {element} holds"),
        };
        Some(Reason { side: self.side_name(lever.side), statement, part, element, text, lever })
    }
}

/// The most levers an explanation weighs (a policy set of ~500 statements).
const MAX_LEVERS: usize = 2000;

/// Explain the *holds* verdict of `ask` (the caller has proved it holds).
pub fn explain(ask: Ask<'_>, opts: &SolverOptions, label: &str, reask: &Reask<'_>) -> Why {
    let started = Instant::now();
    // The questions asked again are not explained themselves, and the whole explanation gets
    // one solver timeout (`--timeout-ms`), within the run's `--max-time`: past it, unknown.
    let budget = started + opts.timeout;
    let deadline = Some(opts.deadline.map_or(budget, |end| end.min(budget)));
    let opts = &SolverOptions { explain: false, deadline, ..opts.clone() };
    let mut checks = 0;
    let answer = 'answer: {
        // Encoding a query with a lever per element of thousands of statements takes longer
        // than any timeout bounds (the encoder is not interruptible): not attempted.
        let levers: usize = ask.sides().iter().map(|(set, side, polarity)| levers_of(set, *side, *polarity).len()).sum();
        if levers > MAX_LEVERS {
            break 'answer WhyAnswer::Unknown(format!("{levers} statements and elements to weigh, more than {MAX_LEVERS}"));
        }
        let q = ask.lever_query(opts, &format!("{label}-why"));
        let core = match unsat_core(&q, opts).0 {
            Ok(LeverCore::Unsat(core)) => core,
            Ok(LeverCore::Unknown(why)) => break 'answer WhyAnswer::Unknown(why),
            Ok(LeverCore::Sat) => {
                break 'answer WhyAnswer::Error(
                    "the explanation query is satisfiable with every statement as written, though the property holds".into(),
                )
            }
            Err(e) => break 'answer WhyAnswer::Error(e.to_string()),
        };
        checks += 1;
        match ask.ask_weakened(&core, opts, &format!("{label}-why-confirm"), reask).answer {
            Ok(Verdict::Holds) => {}
            Ok(Verdict::Unknown(why)) => break 'answer WhyAnswer::Unknown(format!("confirming the unsat core: {why}")),
            Ok(Verdict::Violated(cx)) => {
                let request = cx.requests.first().map(|r| r.to_json_line()).unwrap_or_default();
                break 'answer WhyAnswer::Error(format!(
                    "the unsat core does not confirm: with every other lever weakened, {request} breaks the property"
                ));
            }
            Err(e) => break 'answer WhyAnswer::Error(e.to_string()),
        }
        let mut keep = core.clone();
        let mut minimal = true;
        for lever in &core {
            if opts.past_deadline() {
                break 'answer WhyAnswer::Unknown(format!(
                    "the explanation took longer than the timeout ({} ms)",
                    opts.timeout.as_millis()
                ));
            }
            let trial: Vec<Lever> = keep.iter().copied().filter(|l| l != lever).collect();
            checks += 1;
            match ask.ask_weakened(&trial, opts, &format!("{label}-why-drop"), reask).answer {
                Ok(Verdict::Holds) => keep = trial,
                Ok(Verdict::Violated(_)) => {}
                Ok(Verdict::Unknown(_)) => minimal = false,
                Err(e) => break 'answer WhyAnswer::Error(e.to_string()),
            }
        }
        match keep.iter().map(|l| ask.reason(*l)).collect::<Option<Vec<Reason>>>() {
            Some(reasons) => WhyAnswer::Because { reasons, minimal },
            None => WhyAnswer::Error("a lever of the unsat core names no statement of the policies".into()),
        }
    };
    Why { answer, checks, ms: started.elapsed().as_secs_f64() * 1000.0 }
}

/// `checked` with the explanation of its verdict when it holds and `opts` asks for one.
pub fn explained(mut checked: Checked, ask: Ask<'_>, opts: &SolverOptions, label: &str, reask: &Reask<'_>) -> Checked {
    if opts.explain && matches!(checked.answer, Ok(Verdict::Holds)) {
        checked.why = Some(explain(ask, opts, label, reask));
    }
    checked
}
