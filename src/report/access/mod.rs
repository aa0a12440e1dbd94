//! `keyward access` output: per subject, its findings (who, what, on which resources, under
//! which conditions, the exposure, the granting statements and a witness request), whether the
//! list is proved complete, and what it cost — as text for people and as JSON (typed wire
//! structs below) for scripts; `words.rs` writes the findings in words.

pub mod words;

use crate::controls::access::{AccessPart, SubjectAccess};
use crate::policy::Diagnostic;
use crate::properties::access::cells::{AtomKind, Scope};
use crate::properties::access::AccessFinding;
use serde::Serialize;
use words::{actions, actions_line, atom_text, exposure, who, Frame, WhoWords};

#[derive(Serialize)]
pub struct AccessJson {
    pub schema_version: u32,
    pub subjects: Vec<SubjectJson>,
    pub errors: Vec<String>,
}

#[derive(Serialize)]
pub struct SubjectJson {
    pub file: String,
    pub resource: String,
    pub kind: &'static str,
    /// `proved`, `unknown` or `error`.
    pub complete: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complete_reason: Option<String>,
    pub findings: Vec<FindingJson>,
    pub queries: usize,
    pub solver_calls: usize,
    pub time_ms: f64,
}

#[derive(Serialize, Clone)]
pub struct WhoJson {
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub text: String,
}

#[derive(Serialize, Clone)]
pub struct ConditionJson {
    pub statement: String,
    pub key: String,
    pub operator: String,
    pub values: Vec<String>,
    /// `key`: a condition key, or `resource` / `principal` (a Resource entry, a principal a
    /// Deny or NotPrincipal names). The test holds (`true`) or fails (`false`) in every
    /// request of the finding.
    pub holds: bool,
    pub text: String,
}

#[derive(Serialize, Clone)]
pub struct FindingJson {
    /// Whose access the question was about (`every principal`, an IAM principal, …).
    pub about: String,
    pub who: WhoJson,
    /// `public`, `cross-account`, `confused-deputy`, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<&'static str>,
    /// The resources (an identity policy's: keys); a key policy's findings are on its key.
    pub resources: String,
    pub actions: Vec<String>,
    pub usage: Vec<String>,
    pub administration: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unlisted_actions: Option<String>,
    pub actions_text: String,
    pub conditions: Vec<ConditionJson>,
    /// Every request of the finding is allowed (proved); else some are.
    pub exact: bool,
    pub statements: Vec<String>,
    pub witness: serde_json::Value,
}

fn frame<'a>(s: &'a SubjectAccess, p: &'a AccessPart) -> Frame<'a> {
    Frame {
        principal: p.principal.as_deref(),
        holder: p.holder,
        owner: s.owner.as_deref(),
        delegates: p.set.identity.is_empty()
            && p.set.external_identity_unknown
            && p.set.key_policy.iter().flat_map(|k| k.statements.iter()).any(|st| {
                st.effect == crate::model::Effect::Allow
                    && st.principal.as_ref().is_some_and(|el| {
                        !el.negated
                            && el.patterns.iter().any(
                                |pat| matches!(pat, crate::model::PrincipalPattern::Account(a) if s.owner.as_deref() == Some(a.as_str())),
                            )
                    })
            }),
    }
}

/// One finding as the wire struct.
pub fn finding_json(s: &SubjectAccess, p: &AccessPart, f: &AccessFinding) -> FindingJson {
    let fr = frame(s, p);
    let atoms = &p.access.atoms;
    let w: WhoWords = who(&f.cell, atoms, &fr);
    let (usage, administration, unlisted_actions) = actions(&f.cell.actions);
    // A cell over every resource that one Resource entry must cover is on that entry's
    // resources (the others it must not cover stay conditions).
    let on_entry = f.cell.literals.iter().enumerate().find_map(|(i, l)| match atoms.get(l.atom).map(|a| &a.kind) {
        Some(AtomKind::Resource(p)) if l.holds && f.cell.scope == Scope::Any => Some((i, p.raw())),
        _ => None,
    });
    let resources = on_entry.as_ref().map_or_else(|| f.cell.scope.render(), |(_, r)| r.clone());
    let actions_text = actions_line(&f.cell.actions);
    let conditions = f
        .cell
        .literals
        .iter()
        .enumerate()
        .filter(|(i, _)| !w.consumed.contains(i) && on_entry.as_ref().map_or(true, |(j, _)| j != i))
        .filter_map(|(_, l)| {
            let a = atoms.get(l.atom)?;
            let (key, operator, values) = match &a.kind {
                AtomKind::Clause(c) => (c.key.name().to_string(), c.operator.name(), c.values.iter().map(words::plain).collect()),
                AtomKind::Resource(p) => ("resource".to_string(), "Resource".to_string(), vec![p.raw()]),
                AtomKind::Principal(p) => ("principal".to_string(), "Principal".to_string(), vec![p.clone()]),
            };
            Some(ConditionJson { statement: a.statement.clone(), key, operator, values, holds: l.holds, text: atom_text(&a.kind, l.holds) })
        })
        .collect();
    FindingJson {
        about: p.about.clone(),
        exposure: exposure(&w, &fr),
        who: WhoJson { kind: w.kind, value: w.value.clone(), source: w.source.clone(), text: w.text.clone() },
        resources,
        actions: f.cell.actions.named.clone(),
        usage,
        administration,
        unlisted_actions,
        actions_text,
        conditions,
        exact: f.exact,
        statements: granted_by(f),
        witness: f.witness.to_json(),
    }
}

/// The granting statements as findings name them (`key policy #1 (Sid)`), each once.
fn granted_by(f: &AccessFinding) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &f.statements {
        let label = format!("{} {}", crate::properties::access::cells::role_name(r.role), r.label());
        if !out.contains(&label) {
            out.push(label);
        }
    }
    out
}

pub fn subject_json(s: &SubjectAccess) -> SubjectJson {
    let (complete, complete_reason) = s.complete().describe();
    let findings = s.parts.iter().flat_map(|p| p.access.findings.iter().map(move |f| finding_json(s, p, f))).collect();
    let stats = s.stats();
    SubjectJson {
        file: s.file.clone(),
        resource: s.resource.clone(),
        kind: if s.is_key { "key" } else { "identity" },
        complete,
        complete_reason,
        findings,
        queries: stats.queries,
        solver_calls: stats.solver_calls,
        time_ms: (stats.total_ms * 10.0).round() / 10.0,
    }
}

pub fn json(subjects: &[SubjectAccess], errors: &[Diagnostic]) -> AccessJson {
    AccessJson {
        schema_version: super::SCHEMA_VERSION,
        subjects: subjects.iter().map(subject_json).collect(),
        errors: errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// The findings of one subject as text.
pub fn subject_text(s: &SubjectJson) -> String {
    let mut out = format!("\n== {} ({})\n", s.resource, s.file);
    let complete = match &s.complete_reason {
        Some(r) => format!("{}: {r}", s.complete.to_uppercase()),
        None => s.complete.to_string(),
    };
    out.push_str(&format!(
        "   {} finding{}; complete: {complete} ({} queries, {:.2} s)\n",
        s.findings.len(),
        if s.findings.len() == 1 { "" } else { "s" },
        s.queries,
        s.time_ms / 1000.0
    ));
    for (i, f) in s.findings.iter().enumerate() {
        let mark = f.exposure.map(|e| format!(" [{}]", e.to_uppercase())).unwrap_or_default();
        out.push_str(&format!("\n  [{}]{mark} {}\n", i + 1, f.who.text));
        out.push_str(&format!("      can:        {}\n", f.actions_text));
        if s.kind == "identity" {
            out.push_str(&format!("      on:         {}\n", f.resources));
        }
        if f.conditions.is_empty() {
            out.push_str("      conditions: none\n");
        }
        for (j, c) in f.conditions.iter().enumerate() {
            let lead = if j == 0 { "conditions:" } else { "and" };
            out.push_str(&format!("      {lead:<11} {}   ({})\n", c.text, c.statement));
        }
        if !f.exact {
            out.push_str("      (not every request of this class is allowed: the witness is)\n");
        }
        out.push_str(&format!("      granted by: {}\n", f.statements.join(", ")));
        out.push_str(&format!("      witness:    {}\n", f.witness));
    }
    out
}

pub fn text(subjects: &[SubjectAccess], errors: &[Diagnostic]) -> String {
    let mut out = String::new();
    let js: Vec<SubjectJson> = subjects.iter().map(subject_json).collect();
    for s in &js {
        out.push_str(&subject_text(s));
    }
    let proved = js.iter().filter(|s| s.complete == "proved").count();
    out.push_str(&format!(
        "\n{} subjects, {} findings; complete: {} proved, {} not; {} input errors\n",
        js.len(),
        js.iter().map(|s| s.findings.len()).sum::<usize>(),
        proved,
        js.len() - proved,
        errors.len()
    ));
    out
}

#[derive(Serialize)]
pub struct ChangedJson {
    #[serde(flatten)]
    pub finding: FindingJson,
    /// A request of the finding that only this side allows (null when unknown).
    pub only_here: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

#[derive(Serialize)]
pub struct SubjectDiffJson {
    pub resource: String,
    pub old_file: Option<String>,
    pub new_file: Option<String>,
    pub added: Vec<ChangedJson>,
    pub removed: Vec<ChangedJson>,
}

#[derive(Serialize)]
pub struct AccessDiffJson {
    pub schema_version: u32,
    pub subjects: Vec<SubjectDiffJson>,
    pub added: usize,
    pub removed: usize,
    pub errors: Vec<String>,
}

fn changed_json(side: &SubjectAccess, c: &crate::controls::access::Changed) -> Option<ChangedJson> {
    let part = side.parts.get(c.part)?;
    let f = part.access.findings.get(c.finding)?;
    Some(ChangedJson {
        finding: finding_json(side, part, f),
        only_here: c.witness.as_ref().map(|w| w.to_json()),
        problem: c.problem.clone(),
    })
}

pub fn diff_json(diffs: &[crate::controls::access::SubjectDiff], errors: &[Diagnostic]) -> AccessDiffJson {
    let subjects: Vec<SubjectDiffJson> = diffs
        .iter()
        .map(|d| SubjectDiffJson {
            resource: d.new.as_ref().or(d.old.as_ref()).map(|s| s.resource.clone()).unwrap_or_default(),
            old_file: d.old.as_ref().map(|s| s.file.clone()),
            new_file: d.new.as_ref().map(|s| s.file.clone()),
            added: d.new.as_ref().map(|n| d.added.iter().filter_map(|c| changed_json(n, c)).collect()).unwrap_or_default(),
            removed: d.old.as_ref().map(|o| d.removed.iter().filter_map(|c| changed_json(o, c)).collect()).unwrap_or_default(),
        })
        .collect();
    AccessDiffJson {
        schema_version: super::SCHEMA_VERSION,
        added: subjects.iter().map(|s| s.added.iter().filter(|c| c.only_here.is_some()).count()).sum(),
        removed: subjects.iter().map(|s| s.removed.iter().filter(|c| c.only_here.is_some()).count()).sum(),
        subjects,
        errors: errors.iter().map(|e| e.to_string()).collect(),
    }
}

pub fn diff_text(j: &AccessDiffJson) -> String {
    let mut out = String::new();
    for s in &j.subjects {
        out.push_str(&format!(
            "\n== {} ({} → {})\n",
            s.resource,
            s.old_file.as_deref().unwrap_or("absent"),
            s.new_file.as_deref().unwrap_or("absent")
        ));
        if s.added.is_empty() && s.removed.is_empty() {
            out.push_str("   no access added or removed\n");
        }
        for (sign, what, list, only) in
            [("+", "ADDED", &s.added, "NEW allows it, OLD does not"), ("-", "REMOVED", &s.removed, "OLD allows it, NEW does not")]
        {
            for c in list {
                let f = &c.finding;
                let mark = f.exposure.map(|e| format!(" [{}]", e.to_uppercase())).unwrap_or_default();
                let state = if c.problem.is_some() && c.only_here.is_none() { "UNKNOWN" } else { what };
                out.push_str(&format!("\n  {sign} {state}{mark} {}\n", f.who.text));
                out.push_str(&format!("      can:        {}\n", f.actions_text));
                for (j, cond) in f.conditions.iter().enumerate() {
                    let lead = if j == 0 { "conditions:" } else { "and" };
                    out.push_str(&format!("      {lead:<11} {}   ({})\n", cond.text, cond.statement));
                }
                match (&c.only_here, &c.problem) {
                    (Some(w), _) => out.push_str(&format!("      witness:    {w}   ({only})\n")),
                    (None, Some(p)) => out.push_str(&format!("      unknown:    {p}\n")),
                    (None, None) => {}
                }
            }
        }
    }
    out.push_str(&format!("\n{} findings added, {} removed; {} input errors\n", j.added, j.removed, j.errors.len()));
    out
}
