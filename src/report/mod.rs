//! Rendering results for people and programs: counterexample requests in the request-file
//! format (so they can be fed back to `keyward eval`), and the statements responsible for a
//! decision with their file and line. Format-specific renderers of `keyward check` live in
//! submodules.

pub mod findings;

use crate::eval::{evaluate, Decision, PolicySet, StatementTrace};
use crate::model::request::Request;
use crate::model::request_file::request_to_json;
use crate::model::Effect;

/// A statement that decides a request, located in its file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatementRef {
    pub file: String,
    pub role: crate::eval::PolicyRole,
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

/// One line of JSON for a request.
pub fn request_line(req: &Request) -> String {
    serde_json::to_string(&request_to_json(req)).unwrap_or_default()
}

/// A statement of `policy`, located in its file.
pub fn statement_ref(policy: &crate::model::Policy, role: crate::eval::PolicyRole, st: &crate::model::Statement) -> StatementRef {
    let (line, column) = policy.source.line_col(st.span.start);
    StatementRef { file: policy.name().to_string(), role, index: st.index, sid: st.sid.clone(), effect: st.effect, line, column }
}
