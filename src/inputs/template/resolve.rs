//! CloudFormation's intrinsic functions, resolved as CloudFormation would at deployment in the
//! account and Region given (CONTROLS.md "Templates and plans"): parameters (overrides, then
//! defaults), pseudo parameters, Conditions, Mappings, `Ref`, `Fn::GetAtt`, `Fn::Sub` (both
//! forms), `Fn::Join`, `Fn::If` (with `AWS::NoValue`), `Fn::Select`, `Fn::Split`,
//! `Fn::FindInMap`, `Fn::ImportValue`, `Fn::Base64`, `Fn::GetAZs`, `Fn::Length`,
//! `Fn::ToJsonString` and the condition functions. A value the stack creates is the placeholder
//! of `placeholder.rs`; a value unknown before deployment (an import without `--import-value`,
//! a parameter with neither value nor default, an SSM parameter type, a dynamic reference, a
//! condition that depends on one of them) is `V::Symbolic`, and so is every string built from
//! one. A resolved node keeps the position of what it was resolved from.

pub use super::node::{contains_symbolic, first_symbolic, to_json};
use super::node::{Node, ReadError, V};
use super::options::TemplateOptions;
use super::placeholder;
use base64::Engine;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

/// The template's sections and the deployment's facts, for resolving values.
pub struct Resolver<'a> {
    pub opts: &'a TemplateOptions,
    pub partition: String,
    params: BTreeMap<String, Node>,
    /// The declaration of each parameter whose value is unknown, by the words of its unknown.
    declared: BTreeMap<String, Node>,
    conditions: Option<&'a Node>,
    mappings: Option<&'a Node>,
    pub resources: Option<&'a Node>,
    /// Conditions evaluated so far (`None`: unknown), and those being evaluated (a cycle).
    memo: RefCell<BTreeMap<String, Option<bool>>>,
    unknown_property: RefCell<bool>, // a placeholder read an unknown property (`placeholder`)
    active: RefCell<BTreeSet<String>>,
    depth: RefCell<usize>,
}

/// Deeper intrinsic nesting than this (or a chain of names through resources) is an error.
const MAX_DEPTH: usize = 64;

fn fail(n: &Node, message: impl Into<String>) -> ReadError {
    ReadError { line: n.line, col: n.col, message: message.into() }
}

pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

impl<'a> Resolver<'a> {
    pub fn new(template: &'a Node, opts: &'a TemplateOptions) -> Result<Resolver<'a>, ReadError> {
        let mut params = BTreeMap::new();
        let mut declared = BTreeMap::new();
        if let Some(V::Map(ps)) = template.get("Parameters").map(|p| &p.v) {
            for (k, decl) in ps {
                let ty = decl.get("Type").and_then(Node::as_str).unwrap_or("String");
                let given = opts.parameters.get(&k.name).map(|v| Node::new(V::Str(v.clone()), k.line, k.col));
                let value = match (given, decl.get("Default")) {
                    // An SSM parameter type's value (given or default) names a Parameter Store
                    // parameter; CloudFormation reads its value at deployment.
                    _ if ty.starts_with("AWS::SSM::Parameter::Value") => {
                        let what = format!("the parameter {} (read from SSM Parameter Store at deployment)", k.name);
                        declared.insert(what.clone(), decl.clone());
                        Node::new(unknown(opts, what), k.line, k.col)
                    }
                    (Some(v), _) => v,
                    (None, Some(d)) => d.clone(),
                    (None, None) => {
                        let what = format!("the parameter {} (no value, no default)", k.name);
                        declared.insert(what.clone(), decl.clone());
                        Node::new(unknown(opts, what), k.line, k.col)
                    }
                };
                let value = match (&value.v, ty.starts_with("List<") || ty == "CommaDelimitedList") {
                    (V::Str(s), true) => Node::new(
                        V::Seq(s.split(',').map(|x| Node::new(V::Str(x.trim().into()), value.line, value.col)).collect()),
                        value.line,
                        value.col,
                    ),
                    _ => value,
                };
                params.insert(k.name.clone(), value);
            }
        }
        Ok(Resolver {
            opts,
            partition: partition_of(&opts.region).to_string(),
            params,
            declared,
            conditions: template.get("Conditions"),
            mappings: template.get("Mappings"),
            resources: template.get("Resources"),
            memo: RefCell::new(BTreeMap::new()),
            unknown_property: RefCell::new(false),
            active: RefCell::new(BTreeSet::new()),
            depth: RefCell::new(0),
        })
    }

    /// The declaration of the parameter that the unknown `what` is (AllowedValues, …).
    pub fn declaration(&self, what: &str) -> Option<&Node> {
        self.declared.get(what)
    }

    /// `n` with its intrinsics resolved; `None` for `AWS::NoValue` (the property is absent).
    pub fn resolve(&self, n: &Node) -> Result<Option<Node>, ReadError> {
        {
            let mut d = self.depth.borrow_mut();
            *d += 1;
            if *d > MAX_DEPTH {
                *d -= 1;
                return Err(fail(n, format!("intrinsic functions nested more than {MAX_DEPTH} deep (or a cycle of references)")));
            }
        }
        let out = self.resolve_inner(n);
        *self.depth.borrow_mut() -= 1;
        out
    }

    fn resolve_inner(&self, n: &Node) -> Result<Option<Node>, ReadError> {
        if let Some((k, arg)) = n.single() {
            if k.name == "Ref" || k.name.starts_with("Fn::") {
                return self.function(n, &k.name, arg);
            }
        }
        let at = |v: V| Some(Node::new(v, n.line, n.col));
        Ok(match &n.v {
            V::Map(members) => {
                let mut out = Vec::new();
                for (k, v) in members {
                    if let Some(r) = self.resolve(v)? {
                        out.push((k.clone(), r));
                    }
                }
                at(V::Map(out))
            }
            V::Seq(items) => {
                let mut out = Vec::new();
                for i in items {
                    if let Some(r) = self.resolve(i)? {
                        out.push(r);
                    }
                }
                at(V::Seq(out))
            }
            V::Str(s) if s.contains("{{resolve:") => at(unknown(self.opts, format!("the dynamic reference {s}"))),
            _ => Some(n.clone()),
        })
    }

    fn required(&self, n: &Node, what: &str) -> Result<Node, ReadError> {
        self.resolve(n)?.ok_or_else(|| fail(n, format!("{what} cannot be AWS::NoValue")))
    }

    fn function(&self, n: &Node, name: &str, arg: &Node) -> Result<Option<Node>, ReadError> {
        let at = |v: V| Ok(Some(Node::new(v, n.line, n.col)));
        match name {
            "Ref" => {
                let target = self.required(arg, "Ref's argument")?;
                let Some(id) = target.as_str() else { return self.symbolic_or(n, &target, "Ref takes a name") };
                self.reference(n, id)
            }
            "Fn::GetAtt" => {
                let args = self.list(arg, "Fn::GetAtt")?;
                let (Some(res), Some(attr)) = (args.first(), args.get(1)) else {
                    return Err(fail(n, "Fn::GetAtt takes [LogicalId, Attribute]"));
                };
                match (res.as_str(), attr.scalar_text()) {
                    (Some(r), Some(a)) => at(self.attribute(n, r, &a)?),
                    _ => Err(fail(n, "Fn::GetAtt takes [LogicalId, Attribute]")),
                }
            }
            "Fn::Sub" => self.sub(n, arg),
            "Fn::Join" => {
                let args = self.list(arg, "Fn::Join")?;
                let (Some(delim), Some(items)) = (args.first().and_then(Node::scalar_text), args.get(1)) else {
                    return Err(fail(n, "Fn::Join takes [delimiter, [values]]"));
                };
                let items = match &items.v {
                    V::Seq(items) => items.clone(),
                    V::Symbolic(s) => return at(V::Symbolic(s.clone())),
                    _ => return Err(fail(n, "Fn::Join's second argument must be a list")),
                };
                let mut parts = Vec::new();
                for i in &items {
                    match (&i.v, i.scalar_text()) {
                        (V::Symbolic(s), _) => return at(V::Symbolic(s.clone())),
                        (_, Some(t)) => parts.push(t),
                        _ => return Err(fail(i, "Fn::Join joins strings")),
                    }
                }
                at(V::Str(parts.join(&delim)))
            }
            "Fn::Select" => {
                let args = self.list(arg, "Fn::Select")?;
                let (Some(ix), Some(list)) = (args.first(), args.get(1)) else { return Err(fail(n, "Fn::Select takes [index, [values]]")) };
                if let V::Symbolic(s) = &list.v {
                    return at(V::Symbolic(s.clone()));
                }
                let i: usize =
                    ix.scalar_text().and_then(|t| t.parse().ok()).ok_or_else(|| fail(ix, "Fn::Select's index must be a number"))?;
                match &list.v {
                    V::Seq(items) => items
                        .get(i)
                        .cloned()
                        .map(|x| Some(Node { line: n.line, col: n.col, ..x }))
                        .ok_or_else(|| fail(n, format!("Fn::Select index {i} is out of range"))),
                    _ => Err(fail(n, "Fn::Select's second argument must be a list")),
                }
            }
            "Fn::Split" => {
                let args = self.list(arg, "Fn::Split")?;
                let (Some(delim), Some(s)) = (args.first().and_then(Node::scalar_text), args.get(1)) else {
                    return Err(fail(n, "Fn::Split takes [delimiter, string]"));
                };
                match (&s.v, s.scalar_text()) {
                    (V::Symbolic(x), _) => at(V::Symbolic(x.clone())),
                    (_, Some(t)) if !delim.is_empty() => {
                        at(V::Seq(t.split(delim.as_str()).map(|p| Node::new(V::Str(p.into()), n.line, n.col)).collect()))
                    }
                    _ => Err(fail(n, "Fn::Split takes [delimiter, string]")),
                }
            }
            "Fn::FindInMap" => {
                let args = self.list(arg, "Fn::FindInMap")?;
                let names: Vec<Option<String>> = args.iter().take(3).map(Node::scalar_text).collect();
                if let Some(s) = args.iter().take(3).find_map(|a| if let V::Symbolic(s) = &a.v { Some(s.clone()) } else { None }) {
                    return at(V::Symbolic(s));
                }
                let (Some(Some(m)), Some(Some(k1)), Some(Some(k2))) = (names.first(), names.get(1), names.get(2)) else {
                    return Err(fail(n, "Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]"));
                };
                let found = self.mappings.and_then(|ms| ms.get(m)).and_then(|x| x.get(k1)).and_then(|x| x.get(k2));
                match found {
                    Some(v) => Ok(self.resolve(v)?.map(|x| Node { line: n.line, col: n.col, ..x })),
                    None => Err(fail(n, format!("Fn::FindInMap: the mapping {m} has no {k1}.{k2}"))),
                }
            }
            "Fn::ImportValue" => {
                let export = self.required(arg, "Fn::ImportValue's argument")?;
                match export.scalar_text() {
                    Some(e) => match self.opts.import_values.get(&e) {
                        Some(v) => at(V::Str(v.clone())),
                        None => at(unknown(self.opts, format!("the export {e} (Fn::ImportValue; pin it with --import-value {e}=VALUE)"))),
                    },
                    None => self.symbolic_or(n, &export, "Fn::ImportValue takes an export name"),
                }
            }
            "Fn::Base64" => {
                let v = self.required(arg, "Fn::Base64's argument")?;
                match (&v.v, v.scalar_text()) {
                    (V::Symbolic(s), _) => at(V::Symbolic(s.clone())),
                    (_, Some(t)) => at(V::Str(base64::engine::general_purpose::STANDARD.encode(t))),
                    _ => Err(fail(n, "Fn::Base64 encodes a string")),
                }
            }
            "Fn::GetAZs" => {
                let r = self
                    .required(arg, "Fn::GetAZs's argument")?
                    .scalar_text()
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| self.opts.region.clone());
                at(V::Seq(["a", "b", "c"].iter().map(|z| Node::new(V::Str(format!("{r}{z}")), n.line, n.col)).collect()))
            }
            "Fn::Length" => match self.required(arg, "Fn::Length's argument")?.v {
                V::Seq(items) => at(V::Num(items.len().to_string())),
                V::Symbolic(s) => at(V::Symbolic(s)),
                _ => Err(fail(n, "Fn::Length takes a list")),
            },
            "Fn::ToJsonString" => {
                let v = self.required(arg, "Fn::ToJsonString's argument")?;
                match to_json(&v) {
                    Some(j) => at(V::Str(j.to_string())),
                    None => at(V::Symbolic(first_symbolic(&v).unwrap_or("a value unknown before deployment").to_string())),
                }
            }
            "Fn::If" => {
                let args = match &arg.v {
                    V::Seq(a) if a.len() == 3 => a,
                    _ => return Err(fail(n, "Fn::If takes [ConditionName, ValueIfTrue, ValueIfFalse]")),
                };
                let cond = args[0].as_str().ok_or_else(|| fail(&args[0], "Fn::If's first argument is a condition name"))?;
                match self.condition(&args[0], cond)? {
                    Some(true) => self.resolve(&args[1]),
                    Some(false) => self.resolve(&args[2]),
                    None => at(V::Symbolic(format!("{CONDITION_PREFIX}{cond} (it depends on a value unknown before deployment)"))),
                }
            }
            "Fn::Cidr" => at(V::Symbolic("an Fn::Cidr value".into())),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => match self.truth(n)? {
                Some(b) => at(V::Bool(b)),
                None => at(V::Symbolic(format!("a {name}{DEPENDS_SUFFIX}"))),
            },
            "Fn::Transform" => {
                Err(fail(n, "Fn::Transform (a macro that runs at deployment) is not supported: keyward cannot know what it expands to"))
            }
            _ => Err(fail(n, format!("{name} is not an intrinsic function keyward knows"))),
        }
    }

    fn symbolic_or(&self, n: &Node, v: &Node, message: &str) -> Result<Option<Node>, ReadError> {
        match &v.v {
            V::Symbolic(s) => Ok(Some(Node::new(V::Symbolic(s.clone()), n.line, n.col))),
            _ => Err(fail(n, message)),
        }
    }

    /// The resolved items of a function's list argument.
    fn list(&self, arg: &Node, what: &str) -> Result<Vec<Node>, ReadError> {
        match self.required(arg, what)?.v {
            V::Seq(items) => Ok(items),
            _ => Err(fail(arg, format!("{what} takes a list"))),
        }
    }

    /// `Ref` to a parameter, pseudo parameter or resource.
    fn reference(&self, n: &Node, id: &str) -> Result<Option<Node>, ReadError> {
        let o = self.opts;
        let s = |v: String| Ok(Some(Node::new(V::Str(v), n.line, n.col)));
        match id {
            "AWS::NoValue" => Ok(None),
            "AWS::AccountId" => s(o.account.clone()),
            "AWS::Region" => s(o.region.clone()),
            "AWS::Partition" => s(self.partition.clone()),
            "AWS::URLSuffix" => s(if self.partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" }.into()),
            "AWS::StackName" => s(o.stack_name.clone()),
            "AWS::StackId" => s(format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/{}",
                self.partition,
                o.region,
                o.account,
                o.stack_name,
                placeholder::uuid(&o.stack_name)
            )),
            "AWS::NotificationARNs" => Ok(Some(Node::new(V::Seq(vec![]), n.line, n.col))),
            _ => {
                if let Some(p) = self.params.get(id) {
                    return Ok(Some(Node { line: n.line, col: n.col, ..p.clone() }));
                }
                match self.resource(id) {
                    Some(r) => Ok(Some(Node::new(self.placeholder(id, || placeholder::reference(self, id, r))?, n.line, n.col))),
                    None => Err(fail(n, format!("Ref {id}: no parameter, pseudo parameter or resource of that name"))),
                }
            }
        }
    }

    pub fn resource(&self, id: &str) -> Option<&'a Node> {
        self.resources.and_then(|r| r.get(id))
    }

    pub fn attribute(&self, n: &Node, id: &str, attr: &str) -> Result<V, ReadError> {
        match self.resource(id) {
            Some(r) => self.placeholder(id, || placeholder::attribute(self, id, r, attr)),
            None => Err(fail(n, format!("Fn::GetAtt {id}.{attr}: no resource of that name"))),
        }
    }

    /// A placeholder of the stack's resource `id`, or unknown when a property it is built from
    /// is (`RoleName: !Ref Name` without value: the generated name would be another role's).
    fn placeholder(&self, id: &str, make: impl FnOnce() -> Result<String, ReadError>) -> Result<V, ReadError> {
        let before = self.unknown_property.replace(false);
        let v = make()?;
        let unknown = self.unknown_property.replace(before);
        Ok(if unknown { V::Symbolic(format!("the name of {id}{DEPENDS_SUFFIX}")) } else { V::Str(v) })
    }

    fn sub(&self, n: &Node, arg: &Node) -> Result<Option<Node>, ReadError> {
        let (template, vars) = match &arg.v {
            V::Seq(a) if a.len() == 2 => (&a[0], Some(&a[1])),
            _ => (arg, None),
        };
        let text = match self.required(template, "Fn::Sub's string")? {
            Node { v: V::Str(s), .. } => s,
            Node { v: V::Symbolic(s), .. } => return Ok(Some(Node::new(V::Symbolic(s), n.line, n.col))),
            _ => return Err(fail(n, "Fn::Sub takes a string, or [string, {variables}]")),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            // `${!Literal}` is the text `${Literal}`.
            if let Some(lit) = after.strip_prefix('!') {
                out.push_str("${");
                rest = lit;
                continue;
            }
            let Some(end) = after.find('}') else { return Err(fail(n, "Fn::Sub: a ${ without its }")) };
            let name = after[..end].trim();
            let value = match vars.and_then(|v| v.get(name)) {
                Some(v) => self.required(v, "an Fn::Sub variable")?,
                None => match name.split_once('.') {
                    Some((res, attr)) if !self.params.contains_key(name) => Node::new(self.attribute(n, res, attr)?, n.line, n.col),
                    _ => self.reference(n, name)?.ok_or_else(|| fail(n, format!("Fn::Sub: ${{{name}}} is AWS::NoValue")))?,
                },
            };
            match (&value.v, value.scalar_text()) {
                (V::Symbolic(s), _) => return Ok(Some(Node::new(V::Symbolic(s.clone()), n.line, n.col))),
                (_, Some(t)) => out.push_str(&t),
                (V::Seq(items), _) => out.push_str(&items.iter().filter_map(Node::scalar_text).collect::<Vec<_>>().join(",")),
                _ => return Err(fail(n, format!("Fn::Sub: ${{{name}}} is not a string"))),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        if out.contains("{{resolve:") {
            return Ok(Some(Node::new(unknown(self.opts, format!("the dynamic reference in {out}")), n.line, n.col)));
        }
        Ok(Some(Node::new(V::Str(out), n.line, n.col)))
    }

    /// The value of the condition `name` of the Conditions section (`None`: unknown).
    pub fn condition(&self, at: &Node, name: &str) -> Result<Option<bool>, ReadError> {
        if let Some(v) = self.memo.borrow().get(name) {
            return Ok(*v);
        }
        // A chain of conditions naming conditions is bounded like nested functions.
        if self.active.borrow().len() >= MAX_DEPTH {
            return Err(fail(at, format!("conditions refer to conditions more than {MAX_DEPTH} deep")));
        }
        let Some(def) = self.conditions.and_then(|c| c.get(name)) else { return Err(fail(at, format!("no condition named {name}"))) };
        if !self.active.borrow_mut().insert(name.to_string()) {
            return Err(fail(at, format!("the condition {name} depends on itself")));
        }
        let v = self.truth(def);
        self.active.borrow_mut().remove(name);
        let v = v?;
        self.memo.borrow_mut().insert(name.to_string(), v);
        Ok(v)
    }

    /// A condition expression's truth (three-valued: `None` when it depends on the unknown).
    fn truth(&self, n: &Node) -> Result<Option<bool>, ReadError> {
        let Some((k, arg)) = n.single() else {
            return match &n.v {
                V::Bool(b) => Ok(Some(*b)),
                V::Str(s) if s == "true" || s == "false" => Ok(Some(s == "true")),
                _ => Err(fail(n, "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")),
            };
        };
        let items = |what: &str| match &arg.v {
            V::Seq(a) => Ok(a.clone()),
            _ => Err(fail(arg, format!("{what} takes a list"))),
        };
        match k.name.as_str() {
            "Condition" => self.condition(arg, arg.as_str().ok_or_else(|| fail(arg, "Condition takes a condition name"))?),
            "Fn::Equals" => {
                let a = items("Fn::Equals")?;
                let (Some(x), Some(y)) = (a.first(), a.get(1)) else { return Err(fail(n, "Fn::Equals takes two values")) };
                let (x, y) = (self.resolve(x)?, self.resolve(y)?);
                let unknown = |v: &Option<Node>| v.as_ref().is_some_and(contains_symbolic);
                if unknown(&x) || unknown(&y) {
                    return Ok(None);
                }
                let same = match (&x, &y) {
                    (Some(x), Some(y)) => to_json(x) == to_json(y) || (x.scalar_text().is_some() && x.scalar_text() == y.scalar_text()),
                    (None, None) => true,
                    _ => false,
                };
                Ok(Some(same))
            }
            "Fn::Not" => Ok(self.truth(items("Fn::Not")?.first().ok_or_else(|| fail(n, "Fn::Not takes one condition"))?)?.map(|b| !b)),
            "Fn::And" | "Fn::Or" => {
                let and = k.name == "Fn::And";
                let mut unknown = false;
                for c in items(&k.name)? {
                    match self.truth(&c)? {
                        Some(b) if b != and => return Ok(Some(b)),
                        Some(_) => {}
                        None => unknown = true,
                    }
                }
                Ok(if unknown { None } else { Some(and) })
            }
            _ => match self.resolve(n)? {
                Some(Node { v: V::Bool(b), .. }) => Ok(Some(b)),
                Some(Node { v: V::Symbolic(_), .. }) => Ok(None),
                _ => Err(fail(n, "a condition is Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition")),
            },
        }
    }
}

const CONDITION_PREFIX: &str = "the condition ";
const DEPENDS_SUFFIX: &str = " that depends on a value unknown before deployment";

/// Is the unknown `what` decided by others (an `Fn::If` on one, a name built from one)?
pub fn is_derived(what: &str) -> bool {
    what.starts_with(CONDITION_PREFIX) || what.ends_with(DEPENDS_SUFFIX)
}

/// May the unknown `what` be `AWS::NoValue` (an `Fn::If`)?
pub fn may_be_absent(what: &str) -> bool {
    what.starts_with(CONDITION_PREFIX)
}

/// An unknown value described by `what`, or the value `opts.assume` gives it (a case).
fn unknown(opts: &TemplateOptions, what: String) -> V {
    match opts.assume.get(&what) {
        Some(v) => V::Str(v.clone()),
        None => V::Symbolic(what),
    }
}

impl placeholder::Stack for Resolver<'_> {
    fn opts(&self) -> &TemplateOptions {
        self.opts
    }

    fn partition(&self) -> &str {
        &self.partition
    }

    /// A resource property resolved to a string, for a placeholder name (`RoleName`).
    fn property_text(&self, resource: &Node, name: &str) -> Result<Option<String>, ReadError> {
        match resource.get("Properties").and_then(|p| p.get(name)) {
            Some(v) => {
                let r = self.resolve(v)?;
                if r.as_ref().is_some_and(contains_symbolic) {
                    self.unknown_property.replace(true);
                }
                Ok(r.and_then(|r| r.scalar_text()))
            }
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::template::node::parse;

    fn resolved(template: &str, expr: &str) -> Result<Option<serde_json::Value>, ReadError> {
        let t = parse(template).unwrap();
        let opts = TemplateOptions { region: "eu-west-3".into(), ..TemplateOptions::default() };
        let r = Resolver::new(&t, &opts)?;
        let e = parse(&format!("X: {expr}")).unwrap();
        Ok(r.resolve(e.get("X").unwrap())?.map(|n| to_json(&n).unwrap_or(serde_json::Value::String("SYMBOLIC".into()))))
    }

    const T: &str = "Parameters:\n  Env: {Type: String, Default: prod}\n  Ids: {Type: CommaDelimitedList, Default: 'a, b'}\n  Open: {Type: String}\n  Ssm: {Type: 'AWS::SSM::Parameter::Value<String>', Default: /x}\nMappings:\n  M: {prod: {Acct: '444455556666'}}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n  Both: !And [!Condition IsProd, !Not [!Equals [!Ref Env, dev]]]\n  Unknown: !Equals [!Ref Open, x]\n  Loop: !Condition Loop\nResources:\n  Role: {Type: 'AWS::IAM::Role', Properties: {Path: /team/}}\n  Key: {Type: 'AWS::KMS::Key'}\n";

    #[test]
    fn intrinsics_resolve_as_cloudformation_does() {
        let s = |e: &str| resolved(T, e).unwrap().unwrap();
        assert_eq!(s("!Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'"), "arn:aws:iam::111122223333:root");
        assert_eq!(s("!Sub '${!Literal}-${Env}'"), "${Literal}-prod");
        assert_eq!(s("!Sub ['${A}-${AWS::Region}', {A: !Ref Env}]"), "prod-eu-west-3");
        assert_eq!(s("!Join [':', [a, !Ref Env]]"), "a:prod");
        assert_eq!(s("!Select [1, !Ref Ids]"), "b");
        assert_eq!(s("!Select [0, !Split [',', 'x,y']]"), "x");
        assert_eq!(s("!FindInMap [M, !Ref Env, Acct]"), "444455556666");
        assert_eq!(s("!Select [0, !GetAZs '']"), "eu-west-3a");
        assert_eq!(s("!Base64 abc"), "YWJj");
        assert_eq!(s("!If [Both, 'yes', 'no']"), "yes");
        assert_eq!(s("[yes, off, 0777]"), serde_json::json!([true, false, 511]), "YAML 1.1, as CloudFormation reads it");
        let role = s("!Ref Role");
        assert!(role.as_str().unwrap().starts_with("keyward-stack-Role-"), "{role}");
        assert_eq!(s("!GetAtt Role.Arn"), format!("arn:aws:iam::111122223333:role/team/{}", role.as_str().unwrap()));
        assert!(s("!GetAtt Key.Arn").as_str().unwrap().starts_with("arn:aws:kms:eu-west-3:111122223333:key/"));
        assert_eq!(s("!Sub 'k-${Key.Arn}'"), format!("k-{}", s("!GetAtt Key.Arn").as_str().unwrap()));
        assert_eq!(resolved(T, "!If [IsProd, !Ref 'AWS::NoValue', x]").unwrap(), None, "AWS::NoValue removes the value");
        assert_eq!(s("[a, !Ref 'AWS::NoValue', b]"), serde_json::json!(["a", "b"]));
    }

    #[test]
    fn what_is_unknown_before_deployment_stays_unknown() {
        let s = |e: &str| resolved(T, e).unwrap().unwrap();
        for e in [
            "!Ref Open",
            "!Ref Ssm",
            "!Sub 'arn:aws:iam::${Open}:root'",
            "!ImportValue Shared",
            "!If [Unknown, a, b]",
            "'{{resolve:ssm:/p}}'",
            "!Join ['', [a, !Ref Open]]",
        ] {
            assert_eq!(s(e), "SYMBOLIC", "{e}");
        }
    }

    #[test]
    fn template_errors_say_where() {
        let e = resolved(T, "!Ref Nothing").unwrap_err();
        assert!(e.message.contains("Ref Nothing"), "{e:?}");
        assert_eq!(e.line, 1);
        let e = resolved(T, "!If [Loop, a, b]").unwrap_err();
        assert!(e.message.contains("depends on itself"), "{e:?}");
        let e = resolved(T, "!Select [5, [a]]").unwrap_err();
        assert!(e.message.contains("out of range"), "{e:?}");
        assert!(resolved(T, "!Transform {Name: M}").unwrap_err().message.contains("not supported"));
    }
}
