//! Concrete meaning of condition clauses and patterns on one request. Each function returns the
//! result together with a sentence saying why, because `keyward eval` explains its decisions and
//! counterexample reports show which clause let a request through.

use crate::model::condition::{ArnPattern, BaseOp, Clause, ConditionValue, SetOp, StrMatch};
use crate::model::key::ContextKey;
use crate::model::keys::is_multi_valued;
use crate::model::request::Context;
use crate::model::template::Template;
use crate::model::value::{arn_segments, Decimal, Ip, Timestamp};

/// The outcome of one clause.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClauseOutcome {
    /// JSON path of the clause in its policy.
    pub path: String,
    pub operator: String,
    pub key: String,
    pub holds: bool,
    pub reason: String,
}

/// Variable lookup for templates: a key's value when it has exactly one; AWS does not
/// substitute absent or multi-valued keys.
pub fn single_value<'c>(ctx: &'c Context) -> impl Fn(&ContextKey) -> Option<String> + 'c {
    move |k| match ctx.get(k) {
        Some([one]) => Some(one.clone()),
        _ => None,
    }
}

/// Does a template match `text` (`fold_case` for actions)? Unresolvable variables match nothing.
pub fn template_matches(t: &Template, text: &str, ctx: &Context, fold_case: bool) -> bool {
    match t.resolve(&single_value(ctx)) {
        Some(r) => r.matches(text, fold_case),
        None => false,
    }
}

/// Does one request value match one policy value under the positive form of `op`?
pub fn value_matches(op: BaseOp, pv: &ConditionValue, v: &str, ctx: &Context) -> bool {
    match pv {
        ConditionValue::Str(t) => {
            let Some(resolved) = t.resolve(&single_value(ctx)) else { return false };
            match op.str_match() {
                Some(StrMatch::Like) => resolved.matches(v, false),
                Some(StrMatch::IgnoreCase) => resolved.matches(v, true),
                _ => resolved.matches(v, false),
            }
        }
        ConditionValue::Num(d) => match (Decimal::parse(v), op.cmp()) {
            (Some(x), Some(c)) => c.holds(x.cmp(d)),
            _ => false,
        },
        ConditionValue::Date(t) => match (Timestamp::parse(v), op.cmp()) {
            (Some(x), Some(c)) => c.holds(x.cmp(t)),
            _ => false,
        },
        ConditionValue::Bool(b) => crate::model::condition::parse_bool(v) == Some(*b),
        ConditionValue::Binary(s) => v == s,
        ConditionValue::Ip(c) => Ip::parse(v).is_some_and(|ip| c.contains(&ip)),
        ConditionValue::Arn(p) => arn_matches(p, v, ctx),
        ConditionValue::Null(_) => false,
    }
}

/// ArnLike/ArnEquals: the six colon-separated segments are matched separately.
pub fn arn_matches(p: &ArnPattern, v: &str, ctx: &Context) -> bool {
    let Some(segs) = arn_segments(v) else { return false };
    p.segments.len() == 6 && p.segments.iter().zip(segs.iter()).all(|(t, s)| template_matches(t, s, ctx, false))
}

/// Evaluate one clause against the (effective) request context.
pub fn eval_clause(clause: &Clause, ctx: &Context) -> ClauseOutcome {
    let op = &clause.operator;
    let base = op.base;
    let present = ctx.get(&clause.key);
    let (holds, reason) = if base == BaseOp::Null {
        let absent = present.is_none();
        let holds = clause.values.iter().any(|v| matches!(v, ConditionValue::Null(want) if *want == absent));
        (holds, if absent { "the key is absent".to_string() } else { "the key is present".to_string() })
    } else {
        match present {
            None => {
                let holds = match op.set {
                    Some(SetOp::ForAllValues) => true,
                    Some(SetOp::ForAnyValue) => op.if_exists,
                    None => op.if_exists || base.negated(),
                };
                let why = match op.set {
                    Some(SetOp::ForAllValues) => "the key is absent, and ForAllValues holds for an absent key",
                    Some(SetOp::ForAnyValue) if op.if_exists => "the key is absent (IfExists)",
                    Some(SetOp::ForAnyValue) => "the key is absent, and ForAnyValue needs a value",
                    None if op.if_exists => "the key is absent (IfExists)",
                    None if base.negated() => "the key is absent, and a negated operator holds for an absent key",
                    None => "the key is absent",
                };
                (holds, why.to_string())
            }
            // SOUNDNESS: AWS does not document a plain operator on a multivalued key; the
            // reference oracle never matches it and Access Analyzer calls it an error.
            Some(_) if op.set.is_none() && is_multi_valued(&clause.key) => (
                false,
                format!(
                    "{} is a multivalued key and {} has no ForAnyValue/ForAllValues qualifier: such a clause never matches a present key",
                    clause.key,
                    op.name()
                ),
            ),
            Some(values) => {
                let positive = base.positive();
                let lit = |v: &String| {
                    let m = clause.values.iter().any(|pv| value_matches(positive, pv, v, ctx));
                    if base.negated() {
                        !m
                    } else {
                        m
                    }
                };
                let holds = match op.set {
                    Some(SetOp::ForAllValues) => values.iter().all(lit),
                    // A single-valued key carries one value in real requests; should a request
                    // give several, a plain operator holds when one of them satisfies it.
                    Some(SetOp::ForAnyValue) | None => values.iter().any(lit),
                };
                let shown = if values.len() == 1 { format!("{:?}", values[0]) } else { format!("{values:?}") };
                (
                    holds,
                    format!("request value {shown} {} {}", if holds { "satisfies" } else { "does not satisfy" }, describe_values(clause)),
                )
            }
        }
    };
    ClauseOutcome { path: clause.path.clone(), operator: op.name(), key: clause.key.name().to_string(), holds, reason }
}

fn describe_values(clause: &Clause) -> String {
    let vals: Vec<String> = clause.values.iter().map(render_value).collect();
    format!("{} {}", clause.operator.name(), vals.join(" | "))
}

pub fn render_value(v: &ConditionValue) -> String {
    match v {
        ConditionValue::Str(t) => format!("{:?}", t.raw()),
        ConditionValue::Num(d) => d.render(),
        ConditionValue::Date(t) => t.render(),
        ConditionValue::Bool(b) | ConditionValue::Null(b) => b.to_string(),
        ConditionValue::Binary(s) => format!("{s:?}"),
        ConditionValue::Ip(c) => format!("{}/{}", crate::model::value::Ip { v6: c.v6, bits: c.network }.render(), c.prefix),
        ConditionValue::Arn(p) => format!("{:?}", p.raw()),
    }
}
