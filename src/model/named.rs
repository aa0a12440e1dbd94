//! Named values (CONTROLS.md "Shared vocabulary"): the strings that appear literally —
//! wildcard-free and variable-free — in a Resource, Principal or condition value of the policies
//! in scope. An *arbitrary* key is a key ARN that is not named; a *fresh* principal has an ARN,
//! account and organization that are not named. Under Version 2008-10-17 `${…}` is literal text
//! and so can be part of a named value.

use crate::model::condition::ConditionValue;
use crate::model::policy::ResourcePattern;
use crate::model::principal::PrincipalPattern;
use crate::model::value::ArnParts;
use crate::model::Policy;
use std::collections::BTreeSet;

/// The caller-identifying value a pattern on `key` pins (CONTROLS.md "Keys, key ids and
/// patterns that name something"), from the pattern's text before its first wildcard: the unique
/// id of `StringLike aws:userid AROAEXAMPLEID:*`, the organization of `aws:PrincipalOrgPaths
/// o-abc/*`, the account of an ARN pattern `arn:aws:logs:*:111122223333:*` compared as a string.
fn pinned_by_pattern(key: &str, prefix: &str) -> Option<String> {
    let id = match key {
        "aws:userid" => prefix.split_once(':').map(|(id, _)| id)?,
        "aws:principalorgpaths" | "aws:sourceorgpaths" | "aws:resourceorgpaths" | "aws:vpceorgpaths" => {
            prefix.split_once('/').map(|(o, _)| o)?
        }
        _ => {
            let parts: Vec<&str> = prefix.splitn(6, ':').collect();
            if parts.len() == 6 && parts[0] == "arn" {
                parts[4]
            } else {
                return None;
            }
        }
    };
    (!id.is_empty()).then(|| id.to_string())
}

#[derive(Debug, Clone, Default)]
pub struct Named {
    pub values: BTreeSet<String>,
}

impl Named {
    pub fn of<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Named {
        let mut values = BTreeSet::new();
        for p in policies {
            for s in &p.statements {
                if let Some(r) = &s.resource {
                    for pat in &r.patterns {
                        let lits: Option<Vec<String>> = pat.templates().iter().map(|t| t.as_literal()).collect();
                        if let Some(l) = lits {
                            values.insert(match pat {
                                ResourcePattern::Whole(_) => l.concat(),
                                ResourcePattern::Arn(_) => l.join(":"),
                            });
                        }
                    }
                }
                if let Some(el) = &s.principal {
                    for pat in &el.patterns {
                        match pat {
                            PrincipalPattern::Account(a) => {
                                values.insert(a.clone());
                                values.insert(format!("arn:aws:iam::{a}:root"));
                            }
                            PrincipalPattern::Arn(a)
                            | PrincipalPattern::Service(a)
                            | PrincipalPattern::Federated(a)
                            | PrincipalPattern::Canonical(a)
                            | PrincipalPattern::UniqueId(a) => {
                                values.insert(a.clone());
                            }
                            PrincipalPattern::Everyone | PrincipalPattern::AnyAws => {}
                        }
                    }
                }
                for c in &s.conditions {
                    for v in &c.values {
                        match v {
                            ConditionValue::Str(t) => {
                                if let Some(l) = t.as_literal() {
                                    values.insert(l);
                                } else if let Some(id) = pinned_by_pattern(c.key.canonical(), &t.literal_prefix()) {
                                    values.insert(id);
                                }
                            }
                            ConditionValue::Arn(a) => {
                                let lits: Option<Vec<String>> = a.segments.iter().map(|t| t.as_literal()).collect();
                                if let Some(l) = lits {
                                    values.insert(l.join(":"));
                                } else if let Some(acct) = a.segments.get(4).and_then(|t| t.as_literal()).filter(|x| !x.is_empty()) {
                                    // `arn:aws:logs:*:111122223333:*` names the account.
                                    values.insert(acct);
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        // The accounts inside named ARNs are named too.
        let accounts: Vec<String> =
            values.iter().filter_map(|v| ArnParts::split(v).map(|a| a.account.to_string())).filter(|a| !a.is_empty()).collect();
        values.extend(accounts);
        Named { values }
    }

    /// Named values that are ARNs (six segments).
    pub fn arns(&self) -> impl Iterator<Item = [&str; 6]> {
        self.values.iter().filter_map(|v| ArnParts::split(v)).filter(ArnParts::is_arn).map(|a| a.as_array())
    }

    /// Named 12-digit (or shorter digit-only) account ids.
    pub fn accounts(&self) -> impl Iterator<Item = &String> {
        self.values.iter().filter(|v| crate::model::principal::is_account_like(v))
    }
}
