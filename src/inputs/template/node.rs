//! A CloudFormation template as a tree of located nodes. YAML and JSON templates are read by
//! the same YAML 1.2 parser (JSON is YAML's flow style), every node keeping its 1-based line
//! and column. The short-form tags (`!Ref x`, `!GetAtt A.B`, `!Sub …`) become the long form
//! (`{"Ref": x}`, `{"Fn::GetAtt": [A, B]}`), as CloudFormation reads them. Plain scalars are
//! typed as CloudFormation's YAML 1.1 reader types them: booleans (`true`, `yes`, `on`, `no`,
//! …), numbers (a leading zero is octal), `null`/`~`, and every other plain scalar a string —
//! the unquoted `Version: 2012-10-17` of countless templates is the string `"2012-10-17"`
//! (CloudFormation does not read dates).

use std::collections::HashMap;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A template value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub v: V,
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Bool(bool),
    /// A number, as written (`3600`, `1.5`).
    Num(String),
    Str(String),
    Seq(Vec<Node>),
    /// Members in order, each key with its own position.
    Map(Vec<(Key, Node)>),
    /// A value unknown when the template is analysed (an imported value, a parameter without a
    /// value, a dynamic reference): what it stands for, in words.
    Symbolic(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub line: usize,
    pub col: usize,
}

impl Node {
    pub fn new(v: V, line: usize, col: usize) -> Node {
        Node { v, line, col }
    }

    /// The member `name` of a mapping.
    pub fn get(&self, name: &str) -> Option<&Node> {
        match &self.v {
            V::Map(m) => m.iter().find(|(k, _)| k.name == name).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as CloudFormation turns it into a string (`Ref` to a number parameter, a
    /// boolean property).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.v {
            V::Str(s) | V::Num(s) => Some(s.clone()),
            V::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// The single member of a one-member mapping (an intrinsic function call).
    pub fn single(&self) -> Option<(&Key, &Node)> {
        match &self.v {
            V::Map(m) if m.len() == 1 => m.first().map(|(k, v)| (k, v)),
            _ => None,
        }
    }
}

/// Why a template cannot be read, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// The short-form tags and the functions they stand for.
const SHORT_FORMS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("If", "Fn::If"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("FindInMap", "Fn::FindInMap"),
    ("ImportValue", "Fn::ImportValue"),
    ("Base64", "Fn::Base64"),
    ("GetAZs", "Fn::GetAZs"),
    ("Equals", "Fn::Equals"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("Not", "Fn::Not"),
    ("Cidr", "Fn::Cidr"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// Parse a template's text (YAML or JSON).
pub fn parse(text: &str) -> Result<Node, ReadError> {
    let mut b = Builder { parser: Parser::new_from_str(text), anchors: HashMap::new(), depth: 0 };
    let mut root = None;
    loop {
        let (ev, mark) = b.next()?;
        match ev {
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentStart | Event::DocumentEnd | Event::Nothing => {}
            ev if root.is_none() => root = Some(b.node(ev, mark)?),
            _ => return Err(err(mark, "a template is one YAML document; this is a second one")),
        }
    }
    root.ok_or(ReadError { line: 1, col: 1, message: "the file is empty".into() })
}

fn err(m: Marker, message: impl Into<String>) -> ReadError {
    ReadError { line: m.line(), col: m.col() + 1, message: message.into() }
}

/// Deeper nesting than any template needs is refused rather than followed (bounded stack).
const MAX_DEPTH: usize = 256;

struct Builder<'a> {
    parser: Parser<std::str::Chars<'a>>,
    anchors: HashMap<usize, Node>,
    depth: usize,
}

impl Builder<'_> {
    fn next(&mut self) -> Result<(Event, Marker), ReadError> {
        self.parser.next_token().map_err(|e| err(*e.marker(), format!("not valid YAML: {}", e.info())))
    }

    fn node(&mut self, ev: Event, mark: Marker) -> Result<Node, ReadError> {
        let (line, col) = (mark.line(), mark.col() + 1);
        let (node, anchor, tag) = match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let v = if tag.is_none() && style == TScalarStyle::Plain { plain(&value) } else { V::Str(value) };
                (Node::new(v, line, col), anchor, tag)
            }
            Event::SequenceStart(anchor, tag) => {
                self.enter(mark)?;
                let mut items = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::SequenceEnd {
                        break;
                    }
                    items.push(self.node(ev, m)?);
                }
                self.depth -= 1;
                (Node::new(V::Seq(items), line, col), anchor, tag)
            }
            Event::MappingStart(anchor, tag) => {
                self.enter(mark)?;
                let mut members: Vec<(Key, Node)> = Vec::new();
                loop {
                    let (ev, m) = self.next()?;
                    if ev == Event::MappingEnd {
                        break;
                    }
                    let k = self.node(ev, m)?;
                    let name = k.scalar_text().ok_or_else(|| err(m, "a mapping key must be a plain value"))?;
                    if members.iter().any(|(e, _)| e.name == name) {
                        return Err(err(m, format!("the key {name:?} appears twice in this mapping")));
                    }
                    let (ev, vm) = self.next()?;
                    let value = self.node(ev, vm)?;
                    members.push((Key { name, line: k.line, col: k.col }, value));
                }
                self.depth -= 1;
                // A block mapping's start event is marked at its first key's colon: the mapping
                // is where its first key is.
                let (line, col) = members.first().map_or((line, col), |(k, _)| (k.line, k.col));
                (Node::new(V::Map(members), line, col), anchor, tag)
            }
            Event::Alias(id) => {
                return self
                    .anchors
                    .get(&id)
                    .cloned()
                    .map(|n| Node { line, col, ..n })
                    .ok_or_else(|| err(mark, "an alias to an unknown anchor"))
            }
            _ => return Err(err(mark, "unexpected YAML structure")),
        };
        let node = match tag {
            None => node,
            Some(t) => tagged(t, node, mark)?,
        };
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(node)
    }

    fn enter(&mut self, mark: Marker) -> Result<(), ReadError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(mark, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }
}

/// A plain scalar's value: the YAML 1.2 core schema's null, booleans and numbers; everything
/// else a string (dates included).
fn plain(s: &str) -> V {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => V::Null,
        // CloudFormation reads YAML 1.1: yes/no/on/off are booleans too, and a plain number
        // with a leading zero is octal.
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "y" | "Y" => V::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "n" | "N" => V::Bool(false),
        _ if s.len() > 1 && s.starts_with('0') && s.bytes().all(|b| (b'0'..=b'7').contains(&b)) => {
            u64::from_str_radix(&s[1..], 8).map_or_else(|_| V::Str(s.to_string()), |n| V::Num(n.to_string()))
        }
        _ if is_number(s) => V::Num(s.to_string()),
        _ => V::Str(s.to_string()),
    }
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let digits = |x: &str| x.chars().all(|c| c.is_ascii_digit());
    !t.is_empty() && digits(int) && digits(frac) && !(int.is_empty() && frac.is_empty()) && !t.ends_with('.')
}

/// A tagged node in the long form.
fn tagged(tag: Tag, node: Node, mark: Marker) -> Result<Node, ReadError> {
    if tag.handle == "!!" {
        // The standard tags: `!!str 123` is a string.
        return Ok(match (&tag.suffix[..], node.v) {
            ("str", V::Num(s)) => Node { v: V::Str(s), ..node },
            ("str", V::Bool(b)) => Node { v: V::Str(b.to_string()), ..node },
            (_, v) => Node { v, ..node },
        });
    }
    let Some((_, function)) = SHORT_FORMS.iter().find(|(short, _)| tag.handle == "!" && *short == tag.suffix) else {
        return Err(err(
            mark,
            format!("unknown tag {}{}: CloudFormation's short forms are !Ref, !Sub, !GetAtt, …", tag.handle, tag.suffix),
        ));
    };
    let (line, col) = (node.line, node.col);
    let arg = match (*function, node.v) {
        // `!GetAtt Role.Arn`: the logical id, then the attribute (which may hold dots).
        ("Fn::GetAtt", V::Str(s)) => match s.split_once('.') {
            Some((res, attr)) => V::Seq(vec![Node::new(V::Str(res.into()), line, col), Node::new(V::Str(attr.into()), line, col)]),
            None => return Err(err(mark, format!("!GetAtt {s:?} names no attribute (LogicalId.Attribute)"))),
        },
        (_, V::Null) => V::Str(String::new()),
        (_, v) => v,
    };
    Ok(Node::new(V::Map(vec![(Key { name: function.to_string(), line, col }, Node::new(arg, line, col))]), line, col))
}

pub fn contains_symbolic(n: &Node) -> bool {
    first_symbolic(n).is_some()
}

/// The first value unknown before deployment inside `n`.
pub fn first_symbolic(n: &Node) -> Option<&str> {
    match &n.v {
        V::Symbolic(s) => Some(s),
        V::Seq(items) => items.iter().find_map(first_symbolic),
        V::Map(m) => m.iter().find_map(|(_, v)| first_symbolic(v)),
        _ => None,
    }
}

/// A resolved node as JSON (`None` when it holds a value unknown before deployment).
pub fn to_json(n: &Node) -> Option<serde_json::Value> {
    use serde_json::Value;
    Some(match &n.v {
        V::Null => Value::Null,
        V::Bool(b) => Value::Bool(*b),
        V::Num(s) => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone())),
        V::Str(s) => Value::String(s.clone()),
        V::Seq(items) => Value::Array(items.iter().map(to_json).collect::<Option<_>>()?),
        V::Map(m) => Value::Object(m.iter().map(|(k, v)| Some((k.name.clone(), to_json(v)?))).collect::<Option<_>>()?),
        V::Symbolic(_) => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_become_long_forms_and_plain_scalars_are_typed_as_cloudformation_does() {
        let t =
            parse("Version: 2012-10-17\nA: !Ref Bucket\nB: !GetAtt Role.Arn\nC: 3600\nD: false\nE: '3600'\nF: !Sub 'x-${AWS::Region}'\n")
                .unwrap();
        assert_eq!(t.get("Version").unwrap().v, V::Str("2012-10-17".into()));
        let a = t.get("A").unwrap();
        assert_eq!(a.single().map(|(k, v)| (k.name.as_str(), v.as_str())), Some(("Ref", Some("Bucket"))));
        // A tagged value is where its value is.
        assert_eq!((a.line, a.col), (2, 9));
        let b = t.get("B").unwrap().get("Fn::GetAtt").unwrap();
        assert!(matches!(&b.v, V::Seq(x) if x.len() == 2 && x[1].as_str() == Some("Arn")));
        assert_eq!(t.get("C").unwrap().v, V::Num("3600".into()));
        assert_eq!(t.get("D").unwrap().v, V::Bool(false));
        assert_eq!(t.get("E").unwrap().v, V::Str("3600".into()));
        assert!(t.get("F").unwrap().get("Fn::Sub").is_some());
    }

    #[test]
    fn json_templates_read_with_positions() {
        let t = parse("{\n  \"Resources\": {\n    \"K\": {\"Type\": \"AWS::KMS::Key\"}\n  }\n}").unwrap();
        let k = t.get("Resources").unwrap().get("K").unwrap();
        assert_eq!(k.get("Type").unwrap().as_str(), Some("AWS::KMS::Key"));
        assert_eq!(k.line, 3);
    }

    #[test]
    fn errors_say_where() {
        let e = parse("A: 1\nA: 2\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("twice"), "{e:?}");
        let e = parse("A: !Bogus x\n").unwrap_err();
        assert!(e.message.contains("unknown tag !Bogus"), "{e:?}");
        let e = parse("A: [1, 2\n").unwrap_err();
        assert!(e.message.contains("not valid YAML"), "{e:?}");
        let deep = format!("{}1{}", "[".repeat(300), "]".repeat(300));
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("nested") || e.message.contains("recursion"), "{e:?}");
    }
}
