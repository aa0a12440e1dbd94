//! Readable counterexamples. The solver's models are correct but read badly (`!0!` strings,
//! accounts like `000000000000`, empty names): this module replaces string values by plain
//! ones — a region like `us-east-1`, a key id that looks like one, `ExampleRole` — keeping each
//! replacement only when every assertion of the query still holds and the caller's replay
//! still confirms the counterexample (`prettify`). The lazy loop's repair of ill-shaped values
//! (`crate::smt::lazy`) and the witnesses tried before the solver (`crate::properties`) take
//! their values from the same table, so a counterexample reads the same whichever of them
//! produced it.
//!
//! A string variable's *role* is the last part of its name, which the encoder builds from
//! `Role::suffix` (`q0.resource.region`, `p.account`).

use crate::model::principal::PrincipalKind;
use crate::model::request::Request;
use crate::smt::answer::{Model, Value};
use crate::smt::encode::request::{kind_index, PrincipalRep};
use crate::smt::ground::Ground;
use crate::smt::query::Query;
use crate::smt::term::{Node, Sort, Terms, T};
use std::collections::HashMap;

/// What a string variable of the encoding stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The first ARN segment (`arn`).
    ArnPrefix,
    Partition,
    Region,
    Account,
    KeyId,
    /// The name of a user, role or federated user.
    PrincipalName,
    /// The IAM path of a user or role.
    Path,
    SessionName,
    /// A service principal (or identity provider, canonical user) name.
    ServiceName,
}

impl Role {
    const ALL: [Role; 9] = [
        Role::ArnPrefix,
        Role::Partition,
        Role::Region,
        Role::Account,
        Role::KeyId,
        Role::PrincipalName,
        Role::Path,
        Role::SessionName,
        Role::ServiceName,
    ];

    /// The last part of the name of a variable with this role.
    pub fn suffix(self) -> &'static str {
        match self {
            Role::ArnPrefix => "arn",
            Role::Partition => "partition",
            Role::Region => "region",
            Role::Account => "account",
            Role::KeyId => "key_id",
            Role::PrincipalName => "pname",
            Role::Path => "path",
            Role::SessionName => "session_name",
            Role::ServiceName => "name",
        }
    }

    /// The role of a variable, from its name.
    pub fn of(name: &str) -> Option<Role> {
        let last = name.rsplit('.').next().unwrap_or(name);
        Role::ALL.into_iter().find(|r| r.suffix() == last)
    }

    /// Readable values, best first.
    pub fn readable(self) -> &'static [&'static str] {
        match self {
            Role::Partition => &["aws"],
            Role::Region => &["us-east-1", "eu-west-1"],
            Role::Account => &["210987654321", "123456789012"],
            Role::KeyId => &["0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d", "1234abcd-12ab-34cd-56ef-1234567890ab"],
            Role::PrincipalName => &["ExampleRole", "example-user"],
            Role::Path => &[""],
            Role::SessionName => &["session"],
            Role::ServiceName => &["example.amazonaws.com"],
            Role::ArnPrefix => &[],
        }
    }
}

/// Readable values for the variable `name`, best first (none for a variable without a role).
pub fn readable(name: &str) -> &'static [&'static str] {
    Role::of(name).map_or(&[], Role::readable)
}

/// Well-shaped values for a string variable (`readable`, the ARN prefix `arn`, then a plain
/// word), best first.
pub fn well_shaped(name: &str) -> Vec<String> {
    let mut out: Vec<String> = typed_value(name).into_iter().collect();
    out.extend(readable(name).iter().map(|v| v.to_string()));
    if Role::of(name) == Some(Role::ArnPrefix) {
        out.push("arn".into());
    }
    out.push("example".into());
    out
}

/// For the string view of a context key (`q0.ctx.aws:SourceIp.s`) whose documented type is not
/// a plain string, a value of that type: a policy that only asks whether the key is present
/// leaves its value free, and a counterexample must still carry one AWS sends.
fn typed_value(name: &str) -> Option<String> {
    use crate::model::context_facts::{lookup, KeyType};
    let (_, rest) = name.split_once(".ctx.")?;
    let key = rest.strip_suffix(".s")?;
    // A multivalued key's slot: `KEY.0.s`.
    let key = key.rsplit_once('.').filter(|(_, j)| j.chars().all(|c| c.is_ascii_digit())).map_or(key, |(k, _)| k);
    Some(match lookup(&crate::model::ContextKey::new(key))?.ty {
        KeyType::Ip => "203.0.113.10".into(),
        KeyType::Num => "1".into(),
        KeyType::Date => "2026-01-01T00:00:00Z".into(),
        KeyType::Bool => "false".into(),
        KeyType::Str | KeyType::Strs | KeyType::Arn => return None,
    })
}

/// Readable values: try plain replacements for each string variable of the model and keep each
/// one only when every assertion still holds and `accept` still confirms the decoded requests.
pub fn prettify(q: &Query, mut model: Model, accept: &dyn Fn(&[Request]) -> bool) -> Model {
    let assertions = q.assertions();
    let links = Links::of(&q.terms, &assertions);
    let accepts = |trial: &Model| {
        let mut g = Ground::new(&q.terms, trial);
        assertions.iter().all(|a| g.bool(*a)) && accept(&q.decode(trial))
    };
    // A symbolic account principal reads best as a role (CONTROLS.md: "a fresh principal is a
    // role ARN"): try that first.
    if let PrincipalRep::Sym(sp) = &q.principal {
        let name = |t: T| match q.terms.node(t) {
            Node::Var(n, _) => n.clone(),
            _ => String::new(),
        };
        let role = kind_index(PrincipalKind::Role);
        let kind = model.get(&name(sp.kind)).cloned();
        if matches!(kind, Some(Value::Int(k)) if k != role) && matches!(model.get(&name(sp.account)), Some(Value::Str(a)) if !a.is_empty())
        {
            let mut trial = model.clone();
            trial.values.insert(name(sp.kind), Value::Int(role));
            trial.values.insert(name(sp.path), Value::Str(String::new()));
            trial.values.insert(name(sp.pname), Value::Str(Role::PrincipalName.readable()[0].into()));
            trial.values.insert(name(sp.has_sess), Value::Bool(true));
            trial.values.insert(name(sp.sname), Value::Str(Role::SessionName.readable()[0].into()));
            if accepts(&trial) {
                model = trial;
            }
        }
    }
    // A present key's value that no assertion constrains (`StringLike K "*"`: only its presence
    // counts) has no value in the model and would read as z3's empty default: a word instead
    // (a value of its type for a typed key: `Null aws:SourceIp false` wants an address).
    let values =
        q.shared_keys.values().chain(q.requests.iter().flat_map(|r| r.keys.values())).flat_map(|rep| rep.slots.iter().filter_map(|s| s.s));
    for s in values.collect::<Vec<T>>() {
        let Node::Var(name, Sort::Str) = q.terms.node(s) else { continue };
        if model.get(name).is_none() {
            let mut trial = model.clone();
            trial.values.insert(name.clone(), Value::Str(typed_value(name).unwrap_or_else(|| "example".into())));
            if accepts(&trial) {
                model = trial;
            }
        }
    }
    for v in q.want.iter().copied() {
        let Node::Var(name, _) = q.terms.node(v) else { continue };
        let Some(Value::Str(current)) = model.get(name).cloned() else { continue };
        for candidate in candidates(&q.terms, name, &current, &links) {
            if candidate == current {
                break;
            }
            if let Some(trial) = replacements(&q.terms, &model, name, &current, &candidate, &links).into_iter().find(|t| accepts(t)) {
                model = trial;
                break;
            }
        }
    }
    model
}

/// Readable replacements for a variable, best first.
pub(crate) fn candidates(terms: &Terms, name: &str, current: &str, links: &Links) -> Vec<String> {
    let mut out: Vec<String> = readable(name).iter().map(|v| v.to_string()).collect();
    // An action no catalog lists reads like one AWS may add: `kms:FutureAction`, or the
    // catalog words the solver's name starts with and `Future` (`kms:ReEncryptFuture` for a
    // grant of `kms:ReEncrypt*`). The encoding keeps free action names in lower case.
    if name.ends_with("action.free") {
        if let Some((svc, rest)) = current.split_once(':') {
            out.push(format!("{svc}:futureaction"));
            out.extend(word_prefixes(rest).into_iter().map(|p| format!("{svc}:{p}future")));
        }
    }
    // A resource that is not an ARN: the `*` of the requests that name no resource; an ARN
    // the solver made up: a KMS key's.
    if name.ends_with("resource.whole") {
        out.push("*".into());
    }
    if name.ends_with("resource.service") {
        out.push("kms".into());
    }
    if name.ends_with("resource.resource") {
        out.extend(Role::KeyId.readable().iter().map(|id| format!("key/{id}")));
    }
    // What a wildcard's fill stands for, from the string it fills: the service part of a
    // kms:ViaService value (`s3.*.amazonaws.com`) is a Region, the rest of an action name
    // (`kms:ReEncrypt*`) the word `Future`, the rest of a key's resource (`key/*`) a key id.
    if name.starts_with("glob.") {
        // The strings this fill is part of, and their lower-case names.
        let filled: Vec<(&String, T, String)> = links
            .defs
            .iter()
            .filter(|(_, _, reads)| reads.iter().any(|r| r == name))
            .map(|(x, rhs, _)| (x, *rhs, x.to_ascii_lowercase()))
            .collect();
        let fills = |suffix: &str| filled.iter().any(|(_, _, lower)| lower.ends_with(suffix));
        if filled.iter().any(|(_, _, lower)| lower.contains("kms:viaservice")) {
            out.extend(Role::Region.readable().iter().map(|r| r.to_string()));
        }
        // A segment of an ARN (a Region, an account): that segment's readable values, by the
        // variable the fill defines or by its place in an `arn:…` string.
        for (x, rhs, _) in &filled {
            out.extend(readable(x).iter().map(|r| r.to_string()));
            match arn_segment_of(terms, *rhs, name) {
                Some(3) => out.extend(Role::Region.readable().iter().map(|r| r.to_string())),
                Some(4) => out.extend(Role::Account.readable().iter().map(|r| r.to_string())),
                Some(1) => out.push("aws".into()),
                _ => {}
            }
        }
        if fills("action.free") {
            out.extend(["future".to_string(), "futureaction".to_string()]);
        }
        if fills("resource.resource") {
            out.extend(Role::KeyId.readable().iter().map(|r| r.to_string()));
        }
    }
    // Strings the solver filled with control characters or its `!0!` placeholders read
    // badly; offer a plain word.
    if current.chars().any(|c| !c.is_ascii_graphic() || c == '!') || current.is_empty() {
        out.push("example".into());
    }
    out
}

/// The ARN segment (0 `arn`, 1 partition, … 5 resource) that the fill `var` of the
/// concatenation `rhs` is a whole of: the pieces before it start with the literal `arn:` and
/// end with `:`, the piece after it starts with `:`, and earlier fills are taken to hold no
/// colon (a guess: every candidate is checked against the query).
fn arn_segment_of(terms: &Terms, rhs: T, var: &str) -> Option<usize> {
    let Node::Concat(pieces) = terms.node(rhs) else { return None };
    let mut before = String::new();
    for (i, p) in pieces.iter().enumerate() {
        match terms.node(*p) {
            Node::Str(s) => before.push_str(s),
            Node::Var(n, _) if n == var => {
                let after_colon = match pieces.get(i + 1).map(|p| terms.node(*p)) {
                    Some(Node::Str(s)) => s.starts_with(':'),
                    _ => false,
                };
                return (before.starts_with("arn:") && before.ends_with(':') && after_colon).then(|| before.matches(':').count());
            }
            Node::Var(..) => before.push('x'),
            _ => return None,
        }
    }
    None
}

/// The lower-case words of the cataloged KMS action names (`generate`, `data`, `key`, …) and
/// of `FutureAction`, longest first; computed once.
fn action_words() -> &'static [String] {
    static WORDS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WORDS.get_or_init(split_action_words)
}

fn split_action_words() -> Vec<String> {
    let mut words: Vec<String> = vec!["future".into(), "action".into()];
    for a in crate::model::catalog::KMS_ACTIONS {
        let mut word = String::new();
        for c in a.name.chars() {
            if c.is_ascii_uppercase() && !word.is_empty() {
                words.push(std::mem::take(&mut word).to_ascii_lowercase());
            }
            word.push(c);
        }
        if !word.is_empty() {
            words.push(word.to_ascii_lowercase());
        }
    }
    words.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    words.dedup();
    words
}

/// The prefixes of lower-case `name` that are whole catalog words (`reencryptnzoz` → `re`,
/// `reencrypt`), shortest first.
fn word_prefixes(name: &str) -> Vec<String> {
    let words = action_words();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(w) = words.iter().find(|w| name[at..].starts_with(w.as_str())) {
        at += w.len();
        out.push(name[..at].to_string());
    }
    out
}

/// A lower-case action name in the catalog's CamelCase where its words are catalog words
/// (`kms:reencryptfuture` → `kms:ReEncryptFuture`); otherwise its first letter upper-cased.
pub fn display_action(lower: &str) -> String {
    let Some((svc, name)) = lower.split_once(':') else { return lower.to_string() };
    let words = action_words();
    let mut out = String::new();
    let mut at = 0;
    while at < name.len() {
        let Some(w) = words.iter().find(|w| name.get(at..).is_some_and(|r| r.starts_with(w.as_str()))) else { break };
        let mut c = w.chars();
        if let Some(f) = c.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(c.as_str());
        }
        at += w.len();
    }
    let rest = name.get(at..).unwrap_or("");
    let mut c = rest.chars();
    if let Some(f) = c.next() {
        out.push(if at == 0 { f.to_ascii_uppercase() } else { f });
        out.push_str(c.as_str());
    }
    format!("{svc}:{out}")
}

/// The models to try when replacing `name`'s value `current` by `candidate`, best first.
/// Variables the query equates share their value: first the value is replaced in every
/// variable that has it (`p.partition = q0.resource.partition`), then also where it occurs
/// inside other values, then in `name` alone with the strings defined from it recomputed, then
/// in `name` alone. The empty string is every unset variable's value: it is replaced alone
/// first, then together with the empty variables linked to it.
pub fn replacements(terms: &Terms, model: &Model, name: &str, current: &str, candidate: &str, links: &Links) -> Vec<Model> {
    let mut trials = Vec::new();
    if !current.is_empty() {
        let mut together = model.clone();
        for value in together.values.values_mut() {
            if *value == Value::Str(current.to_string()) {
                *value = Value::Str(candidate.to_string());
            }
        }
        trials.push(together);
        // The value also occurs inside other strings built from it (an account inside an
        // ARN-valued context key): replace it there too. Every trial is checked by `Ground`.
        let mut within = model.clone();
        let mut inside = false;
        for value in within.values.values_mut() {
            if let Value::Str(v) = value {
                if v != current && v.contains(current) {
                    *v = v.replace(current, candidate);
                    inside = true;
                } else if v == current {
                    *v = candidate.to_string();
                }
            }
        }
        if inside {
            trials.push(within);
        }
    }
    let mut alone = model.clone();
    alone.values.insert(name.to_string(), Value::Str(candidate.to_string()));
    trials.push(alone);
    // Strings defined as a concatenation over `name` (`x = "bedrock." ++ glob.0.1 ++ …`)
    // follow it.
    let dependents: Vec<&(String, T, Vec<String>)> = links.defs.iter().filter(|(_, _, reads)| reads.iter().any(|r| r == name)).collect();
    if !dependents.is_empty() {
        let mut derived = model.clone();
        derived.values.insert(name.to_string(), Value::Str(candidate.to_string()));
        let values: Vec<(String, String)> = {
            let mut g = Ground::new(terms, &derived);
            dependents.iter().map(|(x, rhs, _)| (x.clone(), g.str(*rhs))).collect()
        };
        for (x, v) in values {
            derived.values.insert(x, Value::Str(v));
        }
        trials.push(derived);
    }
    if current.is_empty() {
        // An empty value the query equates with another (a key id equal to a principal tag):
        // the variables linked to `name` by an equation that are empty too get the candidate.
        let mut together = model.clone();
        let mut any = false;
        for other in links.linked.get(name).into_iter().flatten() {
            if let Some(value) = together.values.get_mut(other) {
                if *value == Value::Str(String::new()) {
                    *value = Value::Str(candidate.to_string());
                    any = true;
                }
            }
        }
        if any {
            together.values.insert(name.to_string(), Value::Str(candidate.to_string()));
            trials.push(together);
        }
    }
    trials
}

/// How the variables of a query are tied together by its equations: the candidates for a
/// replacement together.
#[derive(Debug, Default)]
pub struct Links {
    /// Variables on the two sides of one equation, by name.
    pub linked: HashMap<String, Vec<String>>,
    /// `x = concatenation` equations (the word equations of wildcards): `x`, the
    /// concatenation, and the variables it reads.
    pub defs: Vec<(String, T, Vec<String>)>,
}

impl Links {
    pub fn of(terms: &Terms, roots: &[T]) -> Links {
        let mut out = Links::default();
        let mut seen = std::collections::HashSet::new();
        let mut stack: Vec<T> = roots.to_vec();
        let name = |v: T| match terms.node(v) {
            Node::Var(n, _) => Some(n.clone()),
            _ => None,
        };
        while let Some(t) = stack.pop() {
            if !seen.insert(t) {
                continue;
            }
            if let Node::Eq(a, b) = terms.node(t) {
                let (va, vb): (Vec<String>, Vec<String>) =
                    (terms.vars(&[*a]).into_iter().filter_map(name).collect(), terms.vars(&[*b]).into_iter().filter_map(name).collect());
                for x in &va {
                    for y in &vb {
                        out.linked.entry(x.clone()).or_default().push(y.clone());
                        out.linked.entry(y.clone()).or_default().push(x.clone());
                    }
                }
                for (x, rhs, reads) in [(*a, *b, &vb), (*b, *a, &va)] {
                    if let (Node::Var(n, Sort::Str), Node::Concat(_)) = (terms.node(x), terms.node(rhs)) {
                        out.defs.push((n.clone(), rhs, reads.clone()));
                    }
                }
            }
            stack.extend(terms.children(t));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::request_spec::{ActionSpec, PrincipalSpec, RequestSpec, ResourceSpec};
    use crate::model::PolicySet;
    use crate::policy::{parse_policy, Source};
    use crate::smt::encode::build::build_exists_allowed;
    use crate::smt::options::Encoding;

    #[test]
    fn unlisted_action_names_read_in_the_catalog_camel_case() {
        assert_eq!(display_action("kms:reencryptfuture"), "kms:ReEncryptFuture");
        assert_eq!(display_action("kms:futureaction"), "kms:FutureAction");
        assert_eq!(display_action("kms:generatedatakeyzz"), "kms:GenerateDataKeyzz");
        assert_eq!(display_action("kms:qqq"), "kms:Qqq");
        assert_eq!(word_prefixes("reencryptnzoz"), ["re", "reencrypt"]);
        assert_eq!(word_prefixes("zz"), Vec::<String>::new());
    }

    /// The readable values reach the variables only through their names: every role of the
    /// table names some variable of a query over a symbolic principal, an arbitrary key and an
    /// ARN-valued context key.
    #[test]
    fn the_encoder_names_its_variables_by_role() {
        let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:Decrypt","Resource":"*",
            "Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::bucket*"}}}]}"#;
        let set = PolicySet { key_policy: Some(parse_policy(Source::new("k.json", doc)).unwrap()), ..PolicySet::default() };
        let req = RequestSpec {
            action: ActionSpec::One("kms:Decrypt".into()),
            resource: ResourceSpec::Key { account: None, region: None, arbitrary: true },
            context: vec![],
        };
        let q = build_exists_allowed(&set, &PrincipalSpec::anyone(), &req, Encoding::Default, "roles");
        let roles: Vec<Role> = q
            .want
            .iter()
            .filter_map(|v| match q.terms.node(*v) {
                Node::Var(name, Sort::Str) => Role::of(name),
                _ => None,
            })
            .collect();
        for role in Role::ALL {
            assert!(roles.contains(&role), "no variable has the role {role:?} (its names end in .{})", role.suffix());
        }
    }
}
