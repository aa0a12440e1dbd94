//! The access questions of a subject (`keyward access`): for a key, who can do what with it —
//! every principal, with the key policy and grants alone, or, from an account snapshot, the
//! principals outside the account (and its root user) with the key policy and grants, then each
//! IAM principal of the account with its own identity policies and boundary; for an identity
//! policy, what it grants its holder on KMS keys. `crate::properties::access` enumerates the
//! findings of each question.

use crate::controls::key::owner_root;
use crate::controls::subject::{IdentitySubject, KeySubject, Subject};
use crate::model::request_spec::{ActionSpec, ContextSpec, Predicate, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::PolicySet;
use crate::properties::access::{enumerate, Access, AccessQuestion, AccessStats, Completeness};
use crate::smt::SolverOptions;

/// The findings of one question of a subject.
#[derive(Debug, Clone)]
pub struct AccessPart {
    /// Whose access the part is about, in words (`principals outside account 111122223333`).
    pub about: String,
    /// The question's principal is one fixed principal (its ARN): findings name it.
    pub principal: Option<String>,
    /// The question is about an identity policy's holders.
    pub holder: bool,
    pub access: Access,
    pub set: PolicySet,
    /// The question: its principals and requests.
    pub who: PrincipalSpec,
    pub req: RequestSpec,
}

/// Every question of a subject, answered.
#[derive(Debug, Clone)]
pub struct SubjectAccess {
    pub file: String,
    /// The key ARN, or the identity policy (ARN, `holder/name` or file).
    pub resource: String,
    pub is_key: bool,
    /// The key's account.
    pub owner: Option<String>,
    pub parts: Vec<AccessPart>,
    /// Why nothing was enumerated (values unknown before deployment).
    pub unknown: Option<String>,
}

impl SubjectAccess {
    /// The completeness as a corpus verdict: `holds` when proved, else `unknown` or `error`
    /// with why.
    pub fn verdict(&self) -> (&'static str, Option<String>) {
        match self.complete().describe() {
            ("proved", why) => ("holds", why),
            other => other,
        }
    }

    /// The figures of every part's enumeration together.
    pub fn stats(&self) -> AccessStats {
        let mut out = AccessStats::default();
        for p in &self.parts {
            out.add(&p.access.stats);
        }
        out
    }

    /// Completeness over every part: proved when every part's is.
    pub fn complete(&self) -> Completeness {
        if let Some(why) = &self.unknown {
            return Completeness::Unknown(why.clone());
        }
        for p in &self.parts {
            match &p.access.complete {
                Completeness::Proved => {}
                other => return other.clone(),
            }
        }
        Completeness::Proved
    }
}

/// Every KMS action, the ones AWS may add included (an unlisted one is distinct from the
/// cataloged ones, which have their own indices: literal Action entries fold for it).
fn kms_actions() -> ActionSpec {
    let actions = crate::model::catalog::KMS_ACTIONS.iter().map(|a| a.full_name()).collect();
    ActionSpec::AnyOf { actions, unlisted: Some("kms".into()) }
}

/// Answer the access questions of `s`.
pub fn access(s: &Subject, opts: &SolverOptions) -> SubjectAccess {
    let mut out = SubjectAccess {
        file: s.file().to_string(),
        resource: s.resource().to_string(),
        is_key: matches!(s, Subject::Key(_)),
        owner: match s {
            Subject::Key(k) => Some(k.owner.clone()),
            Subject::Identity(_) => None,
        },
        parts: vec![],
        unknown: s.unresolved_reason(),
    };
    if out.unknown.is_some() {
        return out;
    }
    out.parts = match s {
        Subject::Key(k) => key_parts(k, opts),
        Subject::Identity(i) => vec![identity_part(i, opts)],
    };
    out
}

/// The findings of the question (`set`, `who`, `req`).
fn answer(set: &PolicySet, who: &PrincipalSpec, req: &RequestSpec, label: String, opts: &SolverOptions) -> Access {
    enumerate(&AccessQuestion { set, who: who.clone(), req: req.clone(), label }, opts)
}

fn key_parts(k: &KeySubject, opts: &SolverOptions) -> Vec<AccessPart> {
    let req = RequestSpec { action: kms_actions(), resource: ResourceSpec::Fixed(k.key_arn.clone()), context: vec![] };
    let label = format!("access-{}", k.key_arn);
    let anyone = PrincipalSpec::anyone();
    let Some(principals) = &k.principals else {
        let set = k.key_set();
        let about = "every principal".into();
        return vec![AccessPart {
            about,
            principal: None,
            holder: false,
            access: answer(&set, &anyone, &req, label, opts),
            set,
            who: anyone,
            req,
        }];
    };
    // The account's own IAM principals are asked one by one below; the rest — other
    // accounts, services, anonymous callers and the account's root user — with the key
    // policy and grants alone.
    let root = owner_root(k);
    let outside = Predicate::Or(vec![Predicate::negate(Predicate::Principal(k.owner.clone())), Predicate::Principal(root.arn.clone())]);
    let mut outer = req.clone();
    outer.context.push(ContextSpec::Holds(outside));
    let set = k.key_set();
    let about = format!("principals outside account {}, and its root user", k.owner);
    let access = answer(&set, &anyone, &outer, label.clone(), opts);
    let mut parts = vec![AccessPart { about, principal: None, holder: false, access, set, who: anyone, req: outer }];
    for ap in principals {
        let set = PolicySet { identity: ap.identity.clone(), boundaries: ap.boundary.iter().cloned().collect(), ..k.key_set() };
        let who = PrincipalSpec::Fixed(ap.principal.clone());
        let arn = ap.principal.arn.clone();
        let access = answer(&set, &who, &req, format!("{label}-{arn}"), opts);
        parts.push(AccessPart { about: arn.clone(), principal: Some(arn), holder: false, access, set, who, req: req.clone() });
    }
    parts
}

fn identity_part(s: &IdentitySubject, opts: &SolverOptions) -> AccessPart {
    let set = PolicySet { identity: vec![s.policy.clone()], ..PolicySet::default() };
    let req = RequestSpec { action: kms_actions(), resource: ResourceSpec::Any, context: vec![] };
    let who = super::identity::holder(s);
    let access = answer(&set, &who, &req, format!("access-{}", s.resource), opts);
    AccessPart { about: "the policy's holders".into(), principal: None, holder: true, access, set, who, req }
}

/// One finding of a diff: added (NEW allows a request of it that OLD does not) or removed.
#[derive(Debug, Clone)]
pub struct Changed {
    /// Index of the part and of the finding in its side's `SubjectAccess`.
    pub part: usize,
    pub finding: usize,
    /// A request of the finding only that side allows (confirmed both ways by the evaluator).
    pub witness: Option<crate::model::Request>,
    /// Why no answer (unknown), or the internal error.
    pub problem: Option<String>,
    pub error: bool,
}

/// What changed between two enumerations of one subject.
#[derive(Debug, Clone)]
pub struct SubjectDiff {
    pub old: Option<SubjectAccess>,
    pub new: Option<SubjectAccess>,
    pub added: Vec<Changed>,
    pub removed: Vec<Changed>,
}

/// Findings of `side` (its parts) with a request `other` does not allow: each finding's cell
/// asked as "a request `side` allows and `other` does not".
fn changed(side: &SubjectAccess, other: Option<&SubjectAccess>, opts: &SolverOptions, label: &str) -> Vec<Changed> {
    use crate::properties::queries::added_access;
    use crate::properties::Verdict;
    let mut out = Vec::new();
    for (pi, part) in side.parts.iter().enumerate() {
        // The other side's part of the same question (by position, then by what it is about).
        let twin = other.and_then(|o| o.parts.iter().find(|q| q.about == part.about).or_else(|| o.parts.get(pi)));
        for (fi, f) in part.access.findings.iter().enumerate() {
            let change = |witness: Option<crate::model::Request>, problem: Option<String>, error: bool| Changed {
                part: pi,
                finding: fi,
                witness,
                problem,
                error,
            };
            let Some(twin) = twin else {
                out.push(change(Some(f.witness.clone()), None, false));
                continue;
            };
            let mut req = part.req.clone();
            req.context.push(ContextSpec::Holds(f.cell.predicate(&part.access.atoms)));
            let checked = added_access(&twin.set, &part.set, &part.who, &req, opts, &format!("{label}-{pi}-{fi}"));
            match checked.answer {
                Ok(Verdict::Holds) => {}
                Ok(Verdict::Violated(cx)) => out.push(change(cx.requests.into_iter().next(), None, false)),
                Ok(Verdict::Unknown(why)) => out.push(change(None, Some(why), false)),
                Err(e) => out.push(change(None, Some(e.to_string()), true)),
            }
        }
    }
    out
}

/// The findings NEW adds and those it removes, for subjects paired by what they name (the key
/// ARN or the policy); a lone subject on each side is compared with the other whatever its
/// name (two versions of one file).
pub fn diff(old: &[Subject], new: &[Subject], opts: &SolverOptions) -> Vec<SubjectDiff> {
    let old_access: Vec<SubjectAccess> = old.iter().map(|s| access(s, opts)).collect();
    let new_access: Vec<SubjectAccess> = new.iter().map(|s| access(s, opts)).collect();
    let lone = old_access.len() == 1 && new_access.len() == 1;
    let mut out = Vec::new();
    let mut used = vec![false; old_access.len()];
    for n in new_access {
        let j = if lone { Some(0) } else { old_access.iter().position(|o| o.resource == n.resource && o.is_key == n.is_key) };
        let o = j.and_then(|j| {
            used[j] = true;
            old_access.get(j)
        });
        let added = changed(&n, o, opts, "access-diff-added");
        let removed = o.map(|o| changed(o, Some(&n), opts, "access-diff-removed")).unwrap_or_default();
        out.push(SubjectDiff { old: o.cloned(), new: Some(n), added, removed });
    }
    for (_, o) in old_access.into_iter().enumerate().filter(|(j, _)| !used[*j]) {
        let removed = changed(&o, None, opts, "access-diff-removed");
        out.push(SubjectDiff { old: Some(o), new: None, added: vec![], removed });
    }
    out
}
