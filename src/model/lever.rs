//! Levers: the parts of a policy set that an explanation of a *holds* verdict is made of. A
//! lever is one statement of one policy of the set (kept or removed) or one element of one
//! statement — its Principal, Action, Resource or one Condition clause — kept as written or
//! **weakened** to match every request. Which of the two a statement offers depends on which
//! way it can break the property: when the property fails by an *allowed* request (no one
//! outside the account can decrypt), removing a Deny and widening an Allow can break it; when
//! it fails by a request that is *not* allowed (the administrators keep kms:PutKeyPolicy),
//! removing an Allow and widening a Deny can. Weakening a lever never helps the property, so
//! the levers that must stay as written form a monotone set: the explanation is a minimal set
//! of levers that, with every other lever weakened, still makes the property hold.
//!
//! The SMT encoder gives each lever a Boolean (`crate::smt::encode`), the solver's unsat core
//! over them proposes a set, and `crate::properties::why` confirms and minimises it on the
//! policy sets `weaken` builds — real policies, decided by the same pipeline as any property.

use crate::model::condition::Clause;
use crate::model::policy::{ActionElement, Effect, Policy, PrincipalElement, ResourceElement, ResourcePattern, Statement};
use crate::model::policy_set::{PolicyRole, PolicySet};
use crate::model::principal::PrincipalPattern;
use crate::model::template::Template;

/// Which requests break the property on one policy set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Polarity {
    /// An allowed request breaks it (`exists allowed`, the new side of an added access).
    Allowed,
    /// A request that is not allowed breaks it (`exists denied`, the old side of an added
    /// access).
    Refused,
}

/// What a lever keeps or weakens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    /// The whole statement (weakened: removed from its policy).
    Statement,
    /// The Principal or NotPrincipal element (weakened: `"Principal": "*"`).
    Principal,
    /// The Action or NotAction element (weakened: `"Action": "*"`).
    Action,
    /// The Resource or NotResource element (weakened: `"Resource": "*"`).
    Resource,
    /// The condition clause at this position of the statement's Condition block (weakened:
    /// left out).
    Condition(usize),
}

/// One lever of a query: `side` numbers the policy sets of the question (0, or 0 = new and
/// 1 = old for an added access), `policy` is the position in `PolicySet::policies`, `statement`
/// the position in the policy's statements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Lever {
    pub side: usize,
    pub policy: usize,
    pub statement: usize,
    pub part: Part,
}

impl Lever {
    /// A name for the lever's Boolean in SMT text.
    pub fn var_name(&self) -> String {
        let part = match self.part {
            Part::Statement => "s".to_string(),
            Part::Principal => "p".into(),
            Part::Action => "a".into(),
            Part::Resource => "r".into(),
            Part::Condition(i) => format!("c{i}"),
        };
        format!("lever.{}.{}.{}.{part}", self.side, self.policy, self.statement)
    }

    /// The statement the lever belongs to in `set`, with its policy and role.
    pub fn find<'a>(&self, set: &'a PolicySet) -> Option<(PolicyRole, &'a Policy, &'a Statement)> {
        let (role, policy) = set.policies().nth(self.policy)?;
        Some((role, policy, policy.statements.get(self.statement)?))
    }

    /// The element as the statement spells it, with its first values: `its Principal
    /// (arn:aws:iam::111122223333:root)`, `its NotAction (kms:Decrypt, kms:Encrypt, … 2 more)`,
    /// `its Condition StringEquals aws:PrincipalOrgID`, `the statement`.
    pub fn describe(&self, s: &Statement) -> String {
        let not = |negated: bool| if negated { "Not" } else { "" };
        let listed = |name: String, values: Vec<String>| {
            let shown: Vec<&str> = values.iter().take(3).map(String::as_str).collect();
            let more = if values.len() > 3 { format!(", … {} more", values.len() - 3) } else { String::new() };
            if shown.is_empty() {
                name
            } else {
                format!("{name} ({}{more})", shown.join(", "))
            }
        };
        match self.part {
            Part::Statement => "the statement".into(),
            Part::Principal => match &s.principal {
                Some(el) => listed(format!("its {}Principal", not(el.negated)), el.patterns.iter().map(|p| p.to_string()).collect()),
                None => "its missing Principal".into(),
            },
            Part::Action => {
                listed(format!("its {}Action", not(s.action.negated)), s.action.patterns.iter().map(|t| t.raw().to_string()).collect())
            }
            Part::Resource => match &s.resource {
                Some(el) => listed(format!("its {}Resource", not(el.negated)), el.patterns.iter().map(|p| p.raw()).collect()),
                None => "its missing Resource".into(),
            },
            Part::Condition(i) => match s.conditions.get(i) {
                Some(c) => format!("its Condition {} {}", c.operator.name(), c.key),
                None => format!("its condition #{i}"),
            },
        }
    }
}

/// Does a statement of `effect` work for the property (it is a lever as a whole: removed when
/// weakened) or against it (each of its elements is a lever: widened when weakened)?
pub fn whole_statement(polarity: Polarity, effect: Effect) -> bool {
    matches!((polarity, effect), (Polarity::Allowed, Effect::Deny) | (Polarity::Refused, Effect::Allow))
}

/// The parts of statement `s` of a policy of `role` that are levers under `polarity` (an
/// identity policy's statement has no Principal to widen).
pub fn parts_of(polarity: Polarity, role: PolicyRole, s: &Statement) -> Vec<Part> {
    if whole_statement(polarity, s.effect) {
        return vec![Part::Statement];
    }
    let mut parts = if has_principal(role, s) { vec![Part::Principal] } else { vec![] };
    parts.extend([Part::Action, Part::Resource]);
    parts.extend((0..s.conditions.len()).map(Part::Condition));
    parts
}

/// Does the statement's Principal element count: a key policy's and a grant's always (one
/// without it grants nobody), any other policy's when it has one.
fn has_principal(role: PolicyRole, s: &Statement) -> bool {
    s.principal.is_some() || matches!(role, PolicyRole::KeyPolicy | PolicyRole::Grant)
}

/// Every lever of side `side` of a question over `set`, in policy and statement order.
pub fn levers_of(set: &PolicySet, side: usize, polarity: Polarity) -> Vec<Lever> {
    let mut out = Vec::new();
    for (policy, (role, p)) in set.policies().enumerate() {
        for (statement, s) in p.statements.iter().enumerate() {
            out.extend(parts_of(polarity, role, s).into_iter().map(|part| Lever { side, policy, statement, part }));
        }
    }
    out
}

/// `set` with every lever of side `side` that `keep` does not hold weakened: statements
/// removed, elements widened to `*`, condition clauses left out. Statements keep their index,
/// so labels and locations stay those of the original.
pub fn weaken(set: &PolicySet, side: usize, polarity: Polarity, keep: &[Lever]) -> PolicySet {
    let kept = |policy: usize, statement: usize, part: Part| keep.contains(&Lever { side, policy, statement, part });
    let roles: Vec<PolicyRole> = set.policies().map(|(role, _)| role).collect();
    let mut out = set.clone();
    for (policy, (p, role)) in policies_mut(&mut out).into_iter().zip(roles).enumerate() {
        let mut statements = Vec::with_capacity(p.statements.len());
        for (statement, s) in p.statements.iter().enumerate() {
            if whole_statement(polarity, s.effect) {
                if kept(policy, statement, Part::Statement) {
                    statements.push(s.clone());
                }
                continue;
            }
            let mut w = s.clone();
            if has_principal(role, s) && !kept(policy, statement, Part::Principal) {
                w.principal = Some(PrincipalElement { negated: false, patterns: vec![PrincipalPattern::Everyone] });
            }
            if !kept(policy, statement, Part::Action) {
                w.action = ActionElement { negated: false, patterns: vec![Template::star()] };
            }
            if !kept(policy, statement, Part::Resource) {
                w.resource = Some(ResourceElement { negated: false, patterns: vec![ResourcePattern::Whole(Template::star())] });
            }
            let conditions: Vec<Clause> = s
                .conditions
                .iter()
                .enumerate()
                .filter(|(i, _)| kept(policy, statement, Part::Condition(*i)))
                .map(|(_, c)| c.clone())
                .collect();
            w.conditions = conditions;
            statements.push(w);
        }
        p.statements = statements;
    }
    out
}

/// The policies of `set` in the order of `PolicySet::policies`, mutable.
fn policies_mut(set: &mut PolicySet) -> Vec<&mut Policy> {
    let PolicySet { identity, key_policy, boundaries, scps, session, grants, external_identity_unknown: _ } = set;
    identity
        .iter_mut()
        .chain(key_policy.iter_mut())
        .chain(boundaries.iter_mut())
        .chain(scps.iter_mut())
        .chain(session.iter_mut())
        .chain(grants.iter_mut())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{parse_policy, Source};

    fn set() -> PolicySet {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:Decrypt",
             "Resource": "*", "Condition": {"StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}, "Bool": {"aws:SecureTransport": "true"}}},
            {"Sid": "Fence", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#;
        let key_policy = parse_policy(Source::new("key.json", text)).expect("policy");
        PolicySet { key_policy: Some(key_policy), ..PolicySet::default() }
    }

    #[test]
    fn the_levers_of_a_statement_follow_the_way_it_can_break_the_property() {
        let set = set();
        let allowed = levers_of(&set, 0, Polarity::Allowed);
        // The Allow offers its elements (three and two clauses), the Deny itself.
        let parts: Vec<(usize, Part)> = allowed.iter().map(|l| (l.statement, l.part)).collect();
        assert_eq!(
            parts,
            vec![
                (0, Part::Principal),
                (0, Part::Action),
                (0, Part::Resource),
                (0, Part::Condition(0)),
                (0, Part::Condition(1)),
                (1, Part::Statement)
            ]
        );
        let refused = levers_of(&set, 1, Polarity::Refused);
        assert_eq!(refused.first().map(|l| (l.side, l.part)), Some((1, Part::Statement)));
        assert_eq!(refused.len(), 1 + 3 + 1);
    }

    #[test]
    fn weakening_removes_or_widens_what_is_not_kept() {
        let set = set();
        let keep = [Lever { side: 0, policy: 0, statement: 0, part: Part::Condition(1) }];
        let w = weaken(&set, 0, Polarity::Allowed, &keep);
        let Some(p) = &w.key_policy else { panic!("no key policy") };
        // The Deny is removed; the Allow keeps its second clause only and matches everything else.
        assert_eq!(p.statements.len(), 1);
        let s = &p.statements[0];
        assert_eq!(s.sid.as_deref(), Some("Use"));
        assert_eq!(s.principal.as_ref().map(|e| e.patterns.clone()), Some(vec![PrincipalPattern::Everyone]));
        assert!(s.action.patterns.iter().all(|t| t.is_star()));
        assert_eq!(s.conditions.len(), 1);
        assert_eq!(s.conditions[0].key.canonical(), "aws:securetransport");
        assert_eq!(keep[0].describe(&set.key_policy.as_ref().expect("key policy").statements[0]), "its Condition Bool aws:SecureTransport");
        // Another side's levers do not count: everything of side 0 is weakened.
        let other = weaken(&set, 0, Polarity::Refused, &[Lever { side: 1, policy: 0, statement: 0, part: Part::Statement }]);
        let Some(p) = &other.key_policy else { panic!("no key policy") };
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].effect, Effect::Deny);
        assert!(p.statements[0].conditions.is_empty());
    }
}
