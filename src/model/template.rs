//! Templates: the strings of a policy that are matched against request values — Resource and
//! Action patterns, String*/Arn* condition values, ARN segments. A template is a sequence of
//! literal text, the wildcards `*` and `?`, and policy variables (`${aws:username}`,
//! `${aws:PrincipalTag/team, 'default'}`). Which of these are recognised depends on where the
//! template sits (`Syntax`): StringEquals knows no wildcards, Action knows no variables, and
//! under Version 2008-10-17 `${…}` is plain text. The concrete matcher lives here too because the
//! evaluator and the SMT encoder must agree on one parse of every pattern.

use crate::model::error::ValueError;
use crate::model::key::ContextKey;

/// What a template may contain, decided by its position in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syntax {
    /// `*` and `?` are wildcards (Resource, Action, StringLike, ArnLike); otherwise literal.
    pub wildcards: bool,
    /// `${…}` is a policy variable (Version 2012-10-17 only); otherwise literal text.
    pub variables: bool,
}

/// A policy variable reference. `default` is the text after the comma in `${key, 'default'}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Variable {
    pub key: ContextKey,
    pub default: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    Lit(String),
    /// `*`: any sequence of characters, including the empty one and `:` and `/`.
    Star,
    /// `?`: exactly one character.
    Qmark,
    Var(Variable),
}

/// A parsed template; adjacent literal text is merged into one `Lit`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    raw: String,
    parts: Vec<Part>,
}

/// A template after its variables were replaced by request values: only literals and wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved(pub Vec<Part>);

impl Template {
    /// Parse `raw` under `syntax`. Errors name the problem in words; the caller adds the location.
    pub fn parse(raw: &str, syntax: Syntax) -> Result<Template, ValueError> {
        let mut parts: Vec<Part> = Vec::new();
        let mut lit = String::new();
        let mut rest = raw;
        while let Some(c) = rest.chars().next() {
            if syntax.variables && rest.starts_with("${") {
                let close = rest
                    .find('}')
                    .ok_or_else(|| ValueError::Pattern(format!("unterminated policy variable in {raw:?}: `${{` without `}}`")))?;
                let body = &rest[2..close];
                rest = &rest[close + 1..];
                match body.trim() {
                    "*" => lit.push('*'),
                    "?" => lit.push('?'),
                    "$" => lit.push('$'),
                    inner => {
                        let var = parse_variable(inner)
                            .map_err(|e| ValueError::Pattern(format!("invalid policy variable `${{{body}}}` in {raw:?}: {e}")))?;
                        flush(&mut parts, &mut lit);
                        parts.push(Part::Var(var));
                    }
                }
                continue;
            }
            rest = &rest[c.len_utf8()..];
            match c {
                '*' if syntax.wildcards => {
                    flush(&mut parts, &mut lit);
                    // `**` matches exactly what `*` matches; keeping one keeps encodings small.
                    if parts.last() != Some(&Part::Star) {
                        parts.push(Part::Star);
                    }
                }
                '?' if syntax.wildcards => {
                    flush(&mut parts, &mut lit);
                    parts.push(Part::Qmark);
                }
                _ => lit.push(c),
            }
        }
        flush(&mut parts, &mut lit);
        Ok(Template { raw: raw.to_string(), parts })
    }

    /// The template `*`, which matches every string.
    pub fn star() -> Template {
        Template { raw: "*".to_string(), parts: vec![Part::Star] }
    }

    /// A template of literal text only (no parsing).
    pub fn literal(text: &str) -> Template {
        let parts = if text.is_empty() { vec![] } else { vec![Part::Lit(text.to_string())] };
        Template { raw: text.to_string(), parts }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// The text this template stands for when it has no wildcard and no variable.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => return None,
            }
        }
        Some(out)
    }

    /// The literal text before the first wildcard or variable.
    pub fn literal_prefix(&self) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(s) => out.push_str(s),
                _ => break,
            }
        }
        out
    }

    pub fn has_variables(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var(_)))
    }

    pub fn has_wildcards(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Star | Part::Qmark))
    }

    /// True for the template `*` (matches every string).
    pub fn is_star(&self) -> bool {
        self.parts == [Part::Star]
    }

    pub fn variables(&self) -> impl Iterator<Item = &Variable> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var(v) => Some(v),
            _ => None,
        })
    }

    /// Replace every variable by its value. `lookup` returns the key's single value, or `None`
    /// when the key is absent or multi-valued; then the default is used, and without a default
    /// the template cannot be resolved (`None`): AWS treats such a value as matching nothing.
    pub fn resolve(&self, lookup: &dyn Fn(&ContextKey) -> Option<String>) -> Option<Resolved> {
        let mut out = Vec::with_capacity(self.parts.len());
        for p in &self.parts {
            match p {
                Part::Var(v) => {
                    let text = lookup(&v.key).or_else(|| v.default.clone())?;
                    // The substituted text is literal: a `*` inside a tag value is not a wildcard.
                    out.push(Part::Lit(text));
                }
                other => out.push(other.clone()),
            }
        }
        Some(Resolved(out))
    }
}

impl std::fmt::Display for Template {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

fn flush(parts: &mut Vec<Part>, lit: &mut String) {
    if lit.is_empty() {
        return;
    }
    if let Some(Part::Lit(prev)) = parts.last_mut() {
        prev.push_str(lit);
    } else {
        parts.push(Part::Lit(std::mem::take(lit)));
    }
    lit.clear();
}

/// `aws:username` or `aws:PrincipalTag/team, 'default text'` ('' inside quotes is one quote).
fn parse_variable(inner: &str) -> Result<Variable, ValueError> {
    let (key, default) = match inner.find(',') {
        None => (inner.trim(), None),
        Some(comma) => {
            let d = inner[comma + 1..].trim();
            let body = d.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')).ok_or_else(|| {
                ValueError::Pattern("a default value must be written in single quotes, as in ${key, 'default'}".to_string())
            })?;
            if body.replace("''", "").contains('\'') {
                return Err(ValueError::Pattern("a quote inside a default value must be doubled ('')".into()));
            }
            (inner[..comma].trim(), Some(body.replace("''", "'")))
        }
    };
    if key.is_empty() {
        return Err(ValueError::Pattern("empty variable name".into()));
    }
    if key.chars().any(|c| c.is_whitespace() || c == '\'' || c == '"' || c == '{' || c == '$') {
        return Err(ValueError::Pattern(format!("`{key}` is not a condition key name")));
    }
    Ok(Variable { key: ContextKey::new(key), default })
}

impl Resolved {
    /// Glob match of the whole `text`. `fold_case` compares ASCII letters case-insensitively
    /// (actions); everything else in IAM compares case-sensitively.
    pub fn matches(&self, text: &str, fold_case: bool) -> bool {
        glob_match(&self.0, text, fold_case)
    }
}

/// Iterative wildcard matching with single-star backtracking: O(len(pattern) * len(text)).
fn glob_match(parts: &[Part], text: &str, fold_case: bool) -> bool {
    // Fast paths without allocation: most patterns a policy holds fail on their first
    // characters (another service's actions), and many have no wildcard at all.
    let same = |a: &str, b: &str| if fold_case { a.eq_ignore_ascii_case(b) } else { a == b };
    match parts {
        [] => return text.is_empty(),
        [Part::Lit(s)] => return same(s, text),
        [Part::Lit(s), ..] if text.len() < s.len() || !text.is_char_boundary(s.len()) || !same(s, &text[..s.len()]) => return false,
        _ => {}
    }
    // Flatten to per-character tokens so `?` and literals advance one character each.
    enum Tok {
        Ch(char),
        Any,
        Star,
    }
    let fold = |c: char| if fold_case { c.to_ascii_lowercase() } else { c };
    let mut toks = Vec::new();
    for p in parts {
        match p {
            Part::Lit(s) => toks.extend(s.chars().map(|c| Tok::Ch(fold(c)))),
            Part::Qmark => toks.push(Tok::Any),
            Part::Star => toks.push(Tok::Star),
            // Unresolved variables never reach the matcher (resolve() removes them).
            Part::Var(_) => return false,
        }
    }
    let text: Vec<char> = text.chars().map(fold).collect();
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match toks.get(p) {
            Some(Tok::Ch(c)) if *c == text[t] => {
                p += 1;
                t += 1;
            }
            Some(Tok::Any) => {
                p += 1;
                t += 1;
            }
            Some(Tok::Star) => {
                star = Some((p, t));
                p += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(Tok::Star) = toks.get(p) {
        p += 1;
    }
    p == toks.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOB: Syntax = Syntax { wildcards: true, variables: true };
    const EXACT: Syntax = Syntax { wildcards: false, variables: true };

    fn m(pat: &str, text: &str) -> bool {
        Template::parse(pat, GLOB).unwrap().resolve(&|_| None).unwrap().matches(text, false)
    }

    #[test]
    fn wildcards() {
        assert!(m("*", ""));
        assert!(m("*", "arn:aws:kms:us-east-1:1:key/x"));
        assert!(m("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/abc"));
        assert!(!m("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223334:key/abc"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("*a*b*", "xxaxxbxx"));
        assert!(!m("*a*b*", "xxbxxaxx"));
        assert!(m("a*", "a"));
        assert!(!m("A*", "a"));
        assert!(Template::parse("KMS:De*", GLOB).unwrap().resolve(&|_| None).unwrap().matches("kms:decrypt", true));
    }

    #[test]
    fn stars_collapse_and_literals_merge() {
        let t = Template::parse("a**b${*}c", GLOB).unwrap();
        assert_eq!(t.parts(), &[Part::Lit("a".into()), Part::Star, Part::Lit("b*c".into())]);
    }

    #[test]
    fn escapes_and_variables() {
        let t = Template::parse("x${*}${?}${$}y", GLOB).unwrap();
        assert_eq!(t.as_literal().as_deref(), Some("x*?$y"));
        let t = Template::parse("home/${aws:username}/*", GLOB).unwrap();
        assert!(t.has_variables());
        let r = t.resolve(&|k| (k.canonical() == "aws:username").then(|| "bob".to_string())).unwrap();
        assert!(r.matches("home/bob/file", false));
        assert!(!r.matches("home/alice/file", false));
        assert!(t.resolve(&|_| None).is_none(), "an absent variable without default resolves to nothing");
        let d = Template::parse("${aws:PrincipalTag/team, 'it''s'}", EXACT).unwrap();
        assert_eq!(d.resolve(&|_| None).unwrap().0, vec![Part::Lit("it's".into())]);
    }

    #[test]
    fn substituted_text_is_literal() {
        let t = Template::parse("${aws:username}", GLOB).unwrap();
        let r = t.resolve(&|_| Some("a*".to_string())).unwrap();
        assert!(r.matches("a*", false));
        assert!(!r.matches("abc", false));
    }

    #[test]
    fn variables_are_text_when_disabled() {
        let t = Template::parse("${aws:username}", Syntax { wildcards: true, variables: false }).unwrap();
        assert_eq!(t.as_literal().as_deref(), Some("${aws:username}"));
    }

    #[test]
    fn bad_variables_are_errors() {
        assert!(Template::parse("a${aws:username", GLOB).is_err());
        assert!(Template::parse("${}", GLOB).is_err());
        assert!(Template::parse("${aws:x, default}", GLOB).is_err());
    }
}
