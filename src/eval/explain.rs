//! Which statements decide a request: for a denied request the Deny statements that apply, for
//! any other the Allow statements that apply, each located in its file (line and column) so
//! findings, `keyward eval`, `prove` and `diff` can point at them.

use super::{evaluate, StatementTrace};
use crate::model::request::Request;
use crate::model::Effect;
use crate::model::{Decision, PolicySet};

/// A statement that decides a request, located in its file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatementRef {
    pub file: String,
    pub role: crate::model::PolicyRole,
    pub index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    pub effect: Effect,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for StatementRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sid = self.sid.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
        write!(f, "{:?} statement #{}{} of {} at {}:{}", self.effect, self.index, sid, self.file, self.line, self.column)
    }
}

impl StatementRef {
    /// `#2 (Sid)`, as `Statement::label`.
    pub fn label(&self) -> String {
        crate::model::policy::label_of(self.index, self.sid.as_deref())
    }
}

/// The statements that make `req`'s decision under `set`: the denies for a denied request,
/// the allows otherwise.
pub fn responsible(set: &PolicySet, req: &Request) -> (Decision, Vec<StatementRef>) {
    let ev = evaluate(set, req);
    let want = if ev.decision == Decision::ExplicitlyDenied { Effect::Deny } else { Effect::Allow };
    let refs = ev.matched.iter().filter(|t| t.effect == want).filter_map(|t| locate(set, t)).collect();
    (ev.decision, refs)
}

fn locate(set: &PolicySet, t: &StatementTrace) -> Option<StatementRef> {
    let policy = set.policies().find(|(role, p)| *role == t.role && p.name() == t.policy)?.1;
    let st = policy.statements.iter().find(|s| s.index == t.statement)?;
    let (line, column) = policy.source.line_col(st.span.start);
    Some(StatementRef {
        file: policy.name().to_string(),
        role: t.role,
        index: t.statement,
        sid: t.sid.clone(),
        effect: t.effect,
        line,
        column,
    })
}

/// A statement of `policy`, located in its file.
pub fn statement_ref(policy: &crate::model::Policy, role: crate::model::PolicyRole, st: &crate::model::Statement) -> StatementRef {
    let (line, column) = policy.source.line_col(st.span.start);
    StatementRef { file: policy.name().to_string(), role, index: st.index, sid: st.sid.clone(), effect: st.effect, line, column }
}
