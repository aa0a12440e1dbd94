//! The Condition element: operators (`StringLike`, `ForAnyValue:ArnNotLikeIfExists`, …) and
//! their typed policy values. A Condition block is a conjunction of clauses; a clause is one
//! (operator, key, values) triple whose values are ORed (for a negated operator: the request
//! value must match none of them). The meaning of each operator on a request is implemented
//! twice, concretely in `crate::eval::condition` and symbolically in `crate::smt`, from the
//! definitions in this file.

use crate::model::error::ValueError;
use crate::model::key::ContextKey;
use crate::model::template::{Syntax, Template};
use crate::model::value::{Cidr, Decimal, Timestamp};

/// Operator families: which values a clause compares and how they are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// Comparison of Numeric* and Date* operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn holds(self, ord: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Cmp::Eq => ord == Equal,
            Cmp::Lt => ord == Less,
            Cmp::Le => ord != Greater,
            Cmp::Gt => ord == Greater,
            Cmp::Ge => ord != Less,
        }
    }
}

/// The operator without its `ForAnyValue:`/`ForAllValues:` prefix and `IfExists` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// How a String or Arn value is compared with a request value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrMatch {
    /// Exact, case-sensitive (`*` is an ordinary character).
    Exact,
    /// Exact, ASCII case-insensitive.
    IgnoreCase,
    /// Glob with `*` and `?`, case-sensitive.
    Like,
}

impl BaseOp {
    pub const ALL: [BaseOp; 27] = [
        BaseOp::StringEquals,
        BaseOp::StringNotEquals,
        BaseOp::StringEqualsIgnoreCase,
        BaseOp::StringNotEqualsIgnoreCase,
        BaseOp::StringLike,
        BaseOp::StringNotLike,
        BaseOp::NumericEquals,
        BaseOp::NumericNotEquals,
        BaseOp::NumericLessThan,
        BaseOp::NumericLessThanEquals,
        BaseOp::NumericGreaterThan,
        BaseOp::NumericGreaterThanEquals,
        BaseOp::DateEquals,
        BaseOp::DateNotEquals,
        BaseOp::DateLessThan,
        BaseOp::DateLessThanEquals,
        BaseOp::DateGreaterThan,
        BaseOp::DateGreaterThanEquals,
        BaseOp::Bool,
        BaseOp::BinaryEquals,
        BaseOp::IpAddress,
        BaseOp::NotIpAddress,
        BaseOp::ArnEquals,
        BaseOp::ArnLike,
        BaseOp::ArnNotEquals,
        BaseOp::ArnNotLike,
        BaseOp::Null,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BaseOp::StringEquals => "StringEquals",
            BaseOp::StringNotEquals => "StringNotEquals",
            BaseOp::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            BaseOp::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            BaseOp::StringLike => "StringLike",
            BaseOp::StringNotLike => "StringNotLike",
            BaseOp::NumericEquals => "NumericEquals",
            BaseOp::NumericNotEquals => "NumericNotEquals",
            BaseOp::NumericLessThan => "NumericLessThan",
            BaseOp::NumericLessThanEquals => "NumericLessThanEquals",
            BaseOp::NumericGreaterThan => "NumericGreaterThan",
            BaseOp::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            BaseOp::DateEquals => "DateEquals",
            BaseOp::DateNotEquals => "DateNotEquals",
            BaseOp::DateLessThan => "DateLessThan",
            BaseOp::DateLessThanEquals => "DateLessThanEquals",
            BaseOp::DateGreaterThan => "DateGreaterThan",
            BaseOp::DateGreaterThanEquals => "DateGreaterThanEquals",
            BaseOp::Bool => "Bool",
            BaseOp::BinaryEquals => "BinaryEquals",
            BaseOp::IpAddress => "IpAddress",
            BaseOp::NotIpAddress => "NotIpAddress",
            BaseOp::ArnEquals => "ArnEquals",
            BaseOp::ArnLike => "ArnLike",
            BaseOp::ArnNotEquals => "ArnNotEquals",
            BaseOp::ArnNotLike => "ArnNotLike",
            BaseOp::Null => "Null",
        }
    }

    pub fn family(self) -> Family {
        use BaseOp::*;
        match self {
            StringEquals | StringNotEquals | StringEqualsIgnoreCase | StringNotEqualsIgnoreCase | StringLike | StringNotLike => {
                Family::String
            }
            NumericEquals | NumericNotEquals | NumericLessThan | NumericLessThanEquals | NumericGreaterThan | NumericGreaterThanEquals => {
                Family::Numeric
            }
            DateEquals | DateNotEquals | DateLessThan | DateLessThanEquals | DateGreaterThan | DateGreaterThanEquals => Family::Date,
            Bool => Family::Bool,
            BinaryEquals => Family::Binary,
            IpAddress | NotIpAddress => Family::Ip,
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Family::Arn,
            Null => Family::Null,
        }
    }

    /// Negated operators hold when the request value matches none of the policy values, and
    /// hold when the key is absent.
    pub fn negated(self) -> bool {
        use BaseOp::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// The positive operator whose match a negated operator denies (identity for positives).
    pub fn positive(self) -> BaseOp {
        use BaseOp::*;
        match self {
            StringNotEquals => StringEquals,
            StringNotEqualsIgnoreCase => StringEqualsIgnoreCase,
            StringNotLike => StringLike,
            NumericNotEquals => NumericEquals,
            DateNotEquals => DateEquals,
            NotIpAddress => IpAddress,
            ArnNotEquals => ArnEquals,
            ArnNotLike => ArnLike,
            other => other,
        }
    }

    /// For Numeric*/Date*: the comparison `request_value CMP policy_value` of the positive form.
    pub fn cmp(self) -> Option<Cmp> {
        use BaseOp::*;
        Some(match self.positive() {
            NumericEquals | DateEquals => Cmp::Eq,
            NumericLessThan | DateLessThan => Cmp::Lt,
            NumericLessThanEquals | DateLessThanEquals => Cmp::Le,
            NumericGreaterThan | DateGreaterThan => Cmp::Gt,
            NumericGreaterThanEquals | DateGreaterThanEquals => Cmp::Ge,
            _ => return None,
        })
    }

    /// For String*/Arn*: how values compare.
    pub fn str_match(self) -> Option<StrMatch> {
        use BaseOp::*;
        Some(match self.positive() {
            StringEquals => StrMatch::Exact,
            StringEqualsIgnoreCase => StrMatch::IgnoreCase,
            StringLike | ArnEquals | ArnLike => StrMatch::Like,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    ForAnyValue,
    ForAllValues,
}

/// A full operator such as `ForAllValues:StringLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub base: BaseOp,
    pub if_exists: bool,
    pub set: Option<SetOp>,
}

impl Operator {
    /// Parse an operator name. Operator names are matched case-insensitively, as IAM does.
    pub fn parse(name: &str) -> Result<Operator, ValueError> {
        let lower = name.to_ascii_lowercase();
        let (set, rest) = if let Some(r) = lower.strip_prefix("forallvalues:") {
            (Some(SetOp::ForAllValues), r)
        } else if let Some(r) = lower.strip_prefix("foranyvalue:") {
            (Some(SetOp::ForAnyValue), r)
        } else {
            (None, lower.as_str())
        };
        let (if_exists, base_name) = match rest.strip_suffix("ifexists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let base = BaseOp::ALL
            .iter()
            .copied()
            .find(|op| op.name().eq_ignore_ascii_case(base_name))
            .ok_or_else(|| ValueError::Operator(format!("unknown condition operator `{name}`")))?;
        if base == BaseOp::Null && if_exists {
            return Err(ValueError::Operator(format!("`{name}`: the Null operator has no IfExists form")));
        }
        if base == BaseOp::Null && set.is_some() {
            return Err(ValueError::Operator(format!("`{name}`: the Null operator takes no ForAnyValue/ForAllValues prefix")));
        }
        Ok(Operator { base, if_exists, set })
    }

    pub fn name(&self) -> String {
        let prefix = match self.set {
            Some(SetOp::ForAnyValue) => "ForAnyValue:",
            Some(SetOp::ForAllValues) => "ForAllValues:",
            None => "",
        };
        format!("{prefix}{}{}", self.base.name(), if self.if_exists { "IfExists" } else { "" })
    }
}

/// An ArnLike/ArnEquals value split at its first five colons; every segment is a glob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArnPattern {
    pub segments: Vec<Template>,
}

impl ArnPattern {
    pub fn raw(&self) -> String {
        self.segments.iter().map(|t| t.raw()).collect::<Vec<_>>().join(":")
    }
}

/// A policy value of a clause, typed by the operator family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    Str(Template),
    Num(Decimal),
    Date(Timestamp),
    /// `true` or `false` (policy text compared case-insensitively).
    Bool(bool),
    /// Base64 text, compared with the request's base64 text.
    Binary(String),
    Ip(Cidr),
    Arn(ArnPattern),
    /// Null: `true` = the key must be absent, `false` = present.
    Null(bool),
}

impl ConditionValue {
    /// Parse one policy value for `op`. `variables` is false under Version 2008-10-17.
    pub fn parse(op: &Operator, text: &str, variables: bool) -> Result<ConditionValue, ValueError> {
        let base = op.base;
        Ok(match base.family() {
            Family::String => {
                let wildcards = base.str_match() == Some(StrMatch::Like);
                ConditionValue::Str(Template::parse(text, Syntax { wildcards, variables })?)
            }
            Family::Numeric => ConditionValue::Num(
                Decimal::parse(text)
                    .ok_or_else(|| ValueError::Condition(format!("{text:?} is not a number (integer or decimal) for {}", op.name())))?,
            ),
            Family::Date => {
                ConditionValue::Date(Timestamp::parse(text).ok_or_else(|| {
                    ValueError::Condition(format!("{text:?} is not a date (ISO 8601 or epoch seconds) for {}", op.name()))
                })?)
            }
            Family::Bool => ConditionValue::Bool(
                parse_bool(text).ok_or_else(|| ValueError::Condition(format!("{text:?} is not `true` or `false` for {}", op.name())))?,
            ),
            Family::Binary => {
                use base64::Engine;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|_| ValueError::Condition(format!("{text:?} is not base64 for {}", op.name())))?;
                ConditionValue::Binary(text.to_string())
            }
            Family::Ip => ConditionValue::Ip(Cidr::parse(text)?),
            Family::Arn => ConditionValue::Arn(parse_arn_pattern(text, variables)?),
            Family::Null => ConditionValue::Null(
                parse_bool(text).ok_or_else(|| ValueError::Condition(format!("{text:?} is not `true` or `false` for Null")))?,
            ),
        })
    }
}

pub fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// An ARN pattern must have its six segments (`arn:partition:service:region:account:resource`)
/// unless a wildcard stands where the colons would be. `*` alone matches every ARN.
pub fn parse_arn_pattern(text: &str, variables: bool) -> Result<ArnPattern, ValueError> {
    let syntax = Syntax { wildcards: true, variables };
    let pieces = split_arn_text(text, variables);
    if pieces.len() == 6 {
        let segments = pieces.iter().map(|p| Template::parse(p, syntax)).collect::<Result<Vec<_>, _>>()?;
        return Ok(ArnPattern { segments });
    }
    // Fewer than six segments: the value names no ARN unless it ends in a wildcard that AWS
    // expands segment-wise (`*`, `arn:aws:*`): the trailing `*` then covers every remaining
    // segment, and the last given segment keeps its own glob.
    if text.ends_with('*') {
        let mut segments = pieces.iter().map(|p| Template::parse(p, syntax)).collect::<Result<Vec<_>, _>>()?;
        while segments.len() < 6 {
            segments.push(Template::parse("*", syntax)?);
        }
        return Ok(ArnPattern { segments });
    }
    Err(ValueError::Pattern(format!("{text:?} is not an ARN (arn:partition:service:region:account:resource)")))
}

/// Split policy text at its first five colons, skipping colons inside `${…}` variables
/// (`arn:aws:kms:*:${aws:PrincipalAccount}:key/*` has six segments, not seven).
pub fn split_arn_text(text: &str, variables: bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth_var = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && out.len() < 5 {
        match bytes[i] {
            b'$' if variables && !depth_var && bytes.get(i + 1) == Some(&b'{') => {
                depth_var = true;
                i += 1;
            }
            b'}' if depth_var => depth_var = false,
            b':' if !depth_var => {
                out.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push(&text[start..]);
    out
}

/// One clause: `operator` applied to `key` with `values`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Clause {
    pub operator: Operator,
    pub key: ContextKey,
    pub values: Vec<ConditionValue>,
    /// JSON path of the clause (`Statement[1].Condition.StringEquals.kms:ViaService`).
    pub path: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_parse_with_prefix_and_suffix() {
        let op = Operator::parse("ForAllValues:StringLikeIfExists").unwrap();
        assert_eq!(op.base, BaseOp::StringLike);
        assert!(op.if_exists);
        assert_eq!(op.set, Some(SetOp::ForAllValues));
        assert_eq!(op.name(), "ForAllValues:StringLikeIfExists");
        assert_eq!(Operator::parse("stringequals").unwrap().base, BaseOp::StringEquals);
        assert!(Operator::parse("StringEqualz").is_err());
        assert!(Operator::parse("NullIfExists").is_err());
        assert!(Operator::parse("ForAnyValue:Null").is_err());
        assert!(BaseOp::NotIpAddress.negated());
        assert_eq!(BaseOp::ArnNotLike.positive(), BaseOp::ArnLike);
        assert_eq!(BaseOp::DateLessThanEquals.cmp(), Some(Cmp::Le));
    }

    #[test]
    fn values_are_typed_by_family() {
        let num = Operator::parse("NumericLessThan").unwrap();
        assert!(ConditionValue::parse(&num, "3.5", true).is_ok());
        assert!(ConditionValue::parse(&num, "three", true).is_err());
        let ip = Operator::parse("IpAddress").unwrap();
        assert!(ConditionValue::parse(&ip, "10.0.0.0/8", true).is_ok());
        assert!(ConditionValue::parse(&ip, "10.0.0.0/40", true).is_err());
        let arn = Operator::parse("ArnLike").unwrap();
        assert!(ConditionValue::parse(&arn, "arn:aws:iam::*:role/x", true).is_ok());
        assert!(ConditionValue::parse(&arn, "*", true).is_ok());
        assert!(ConditionValue::parse(&arn, "not-an-arn", true).is_err());
        match ConditionValue::parse(&arn, "arn:aws:kms:*:${aws:PrincipalAccount}:key/*", true).unwrap() {
            ConditionValue::Arn(p) => assert_eq!(p.segments[4].raw(), "${aws:PrincipalAccount}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(split_arn_text("a:${b:c}:d", false), vec!["a", "${b", "c}", "d"]);
        let b = Operator::parse("BinaryEquals").unwrap();
        assert!(ConditionValue::parse(&b, "QmluYXJ5", true).is_ok());
        assert!(ConditionValue::parse(&b, "not base64!", true).is_err());
    }
}
