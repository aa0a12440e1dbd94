//! The architecture, checked on the source tree: layers import one way only (the pipeline of
//! the developers' guide and ../shared/DESIGN.md, `policy → model → eval | smt → properties →
//! controls → inputs → report ← cli`, read as "each layer imports only layers before it": the
//! table `LAYERS`), no two files import each other even through others, the symbolic side
//! stays behind its seam (`properties` builds no terms), every file is under 600 lines and
//! opens with a `//!` paragraph, every `unsafe` has its `SAFETY:` comment, and no function
//! returns `Result<_, String>`.
//!
//! "File A imports file B" means A names, by a `use` or by a path (`crate::…`, `super::…`,
//! `self::…`, a child module's name, or a module the file imported by `use`), an item defined
//! in B; a re-export (`pub use`) is followed to the file that defines the item. Module
//! declarations (`mod x;`) are not imports, and neither are method calls: a type whose `impl`
//! blocks are spread over several files (`Encoder` over `smt/encode/`, `Terms` over
//! `smt/term/`) is defined in one file that imports none of the others, and each of them
//! imports it. Test modules (`#[cfg(test)] mod …`) are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Which top-level modules each layer may import (its own is always allowed).
const LAYERS: [(&str, &[&str]); 13] = [
    ("model", &[]),
    ("policy", &["model"]),
    ("eval", &["model"]),
    ("smt", &["model"]),
    ("properties", &["model", "eval", "smt"]),
    ("controls", &["model", "eval", "smt", "properties"]),
    ("inputs", &["model", "policy", "controls"]),
    ("report", &["model", "policy", "eval", "properties", "controls"]),
    ("corpus", &["model", "policy", "smt", "controls", "inputs"]),
    ("exit", &[]),
    ("error", &["model", "policy", "smt", "properties", "controls", "corpus", "exit"]),
    ("cli", &["model", "policy", "eval", "smt", "properties", "controls", "inputs", "report", "corpus", "error", "exit"]),
    ("", &["cli", "controls", "corpus", "error", "eval", "exit", "inputs", "model", "policy", "properties", "report", "smt"]),
];

struct File {
    path: PathBuf,
    text: String,
    /// Code without comments, string contents and test modules.
    code: String,
}

/// Module path (`smt::encode::request`) → file.
fn modules(src: &Path) -> BTreeMap<String, File> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(src).unwrap().with_extension("");
                let mut parts: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                if parts.last().is_some_and(|l| l == "mod") {
                    parts.pop();
                }
                if parts == ["lib"] || parts == ["main"] {
                    parts.clear();
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let code = without_tests(&strip(&text));
                let name = parts.join("::");
                if name.is_empty() && out.contains_key("") {
                    continue; // main.rs beside lib.rs: the binary's root, not a module
                }
                out.insert(name, File { path: p, text, code });
            }
        }
    }
    out
}

/// The text with comments removed and string and character literals emptied.
fn strip(text: &str) -> String {
    let b: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && (i == 0 || !ident(b[i - 1])) {
            let mut j = i + 1;
            let mut hashes = 0;
            while j < b.len() && b[j] == '#' {
                hashes += 1;
                j += 1;
            }
            if j < b.len() && b[j] == '"' {
                j += 1;
                loop {
                    if j >= b.len() {
                        break;
                    }
                    if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                out.push_str("\"\"");
                i = j;
            } else {
                out.push(c);
                i += 1;
            }
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && (b.get(i + 2) == Some(&'\'') || (next == Some('\\') && b[i + 1..].iter().take(12).any(|x| *x == '\''))) {
            // A character literal ('x', '\n', '\u{2ffff}'); a lifetime has no closing quote.
            i += 1;
            if b[i] == '\\' {
                i += 1;
            }
            while i < b.len() && b[i] != '\'' {
                i += 1;
            }
            i += 1;
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The code without `#[cfg(test)]` (or `#[cfg(all(test, …))]`) modules.
fn without_tests(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]").or_else(|| out.find("#[cfg(all(test")) {
        let Some(open) = out[at..].find('{').map(|o| at + o) else { break };
        let mut depth = 0;
        let mut end = open;
        for (k, ch) in out[open..].char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

/// `a::{b, c::{d, e}}` → [a::b, a::c::d, a::c::e] (aliases dropped).
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    fn rec(prefix: &str, s: &str, out: &mut Vec<String>) {
        let mut depth = 0;
        let mut start = 0;
        let mut items = Vec::new();
        for (i, ch) in s.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    items.push(&s[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        items.push(&s[start..]);
        for it in items.into_iter().filter(|i| !i.is_empty()) {
            let join = |x: &str| if prefix.is_empty() { x.to_string() } else { format!("{prefix}::{x}") };
            match it.find('{') {
                Some(k) => rec(&join(it[..k].trim_end_matches(':')), &it[k + 1..it.len() - 1], out),
                None => out.push(join(it.split("as").next().unwrap_or(it))),
            }
        }
    }
    let mut out = Vec::new();
    rec("", &tree, &mut out);
    out
}

/// Every path a file names: (path, whether it is a `pub use`).
fn paths(module: &str, code: &str, children: &BTreeSet<String>) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = code.to_string();
    // `use` items; the last segment of each is a name the file may use as a path's start.
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(k) = code[i..].find("use ") {
        let at = i + k;
        let before = if at == 0 { b' ' } else { bytes[at - 1] };
        i = at + 4;
        if before.is_ascii_alphanumeric() || before == b'_' {
            continue;
        }
        let Some(end) = code[at..].find(';') else { break };
        let tree = &code[at + 4..at + end];
        let public = code[..at].trim_end().ends_with("pub") || code[..at].trim_end().ends_with(')');
        for p in expand(tree) {
            if let Some(last) = p.rsplit("::").next() {
                aliases.insert(last.to_string(), p.clone());
            }
            out.push((p, public));
        }
        rest.replace_range(at..at + end, &" ".repeat(end));
    }
    // Inline paths.
    let chars: Vec<char> = rest.chars().collect();
    let mut j = 0;
    while j < chars.len() {
        if (chars[j].is_alphabetic() || chars[j] == '_')
            && (j == 0 || !(chars[j - 1].is_alphanumeric() || chars[j - 1] == '_' || chars[j - 1] == ':'))
        {
            let mut k = j;
            while k < chars.len() && (chars[k].is_alphanumeric() || chars[k] == '_' || (chars[k] == ':' && chars.get(k + 1) == Some(&':')))
            {
                k += if chars[k] == ':' { 2 } else { 1 };
            }
            let word: String = chars[j..k].iter().collect();
            let first = word.split("::").next().unwrap_or("");
            if word.contains("::") {
                let rest = &word[first.len()..];
                let path = if ["crate", "super", "self"].contains(&first) {
                    Some(word.clone())
                } else if children.contains(first) {
                    Some(format!("self::{word}"))
                } else {
                    aliases.get(first).filter(|a| ["crate", "super", "self"].iter().any(|r| a.starts_with(r))).map(|a| format!("{a}{rest}"))
                };
                if let Some(p) = path {
                    out.push((p.trim_end_matches(':').to_string(), false));
                }
            }
            j = k.max(j + 1);
        } else {
            j += 1;
        }
    }
    let _ = module;
    out
}

fn absolute(module: &str, path: &str, children: &BTreeSet<String>) -> Option<Vec<String>> {
    let segs: Vec<&str> = path.split("::").collect();
    let base: Vec<String> = if module.is_empty() { vec![] } else { module.split("::").map(str::to_string).collect() };
    match segs[0] {
        "crate" => Some(segs[1..].iter().map(|s| s.to_string()).collect()),
        "self" => Some(base.into_iter().chain(segs[1..].iter().map(|s| s.to_string())).collect()),
        "super" => {
            let mut b = base;
            let mut rest = &segs[..];
            while rest.first() == Some(&"super") {
                b.pop();
                rest = &rest[1..];
            }
            Some(b.into_iter().chain(rest.iter().map(|s| s.to_string())).collect())
        }
        first if children.contains(first) => Some(base.into_iter().chain(segs.iter().map(|s| s.to_string())).collect()),
        _ => None,
    }
}

struct Graph {
    files: BTreeMap<String, File>,
    edges: BTreeMap<String, BTreeSet<String>>,
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = modules(&src);
    let children = |m: &str| -> BTreeSet<String> {
        files
            .keys()
            .filter(|k| {
                if m.is_empty() {
                    !k.is_empty() && !k.contains("::")
                } else {
                    k.starts_with(&format!("{m}::")) && k[m.len() + 2..].split("::").count() == 1
                }
            })
            .map(|k| k.rsplit("::").next().unwrap_or(k).to_string())
            .collect()
    };
    let mut named: BTreeMap<String, Vec<(Vec<String>, bool)>> = BTreeMap::new();
    let mut reexports: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
    for (m, f) in &files {
        let kids = children(m);
        for (p, public) in paths(m, &f.code, &kids) {
            let Some(abs) = absolute(m, &p, &kids) else { continue };
            if public {
                if let Some(last) = abs.last() {
                    reexports.entry(m.clone()).or_default().insert(last.clone(), abs.clone());
                }
            }
            named.entry(m.clone()).or_default().push((abs, public));
        }
    }
    // The file of the item a path names: the longest module prefix, through re-exports.
    fn resolve(
        files: &BTreeMap<String, File>,
        reexports: &BTreeMap<String, BTreeMap<String, Vec<String>>>,
        segs: &[String],
        depth: usize,
    ) -> Option<String> {
        for k in (0..=segs.len()).rev() {
            let m = segs[..k].join("::");
            if files.contains_key(&m) {
                if let (Some(item), true) = (segs.get(k), depth < 8) {
                    if let Some(target) = reexports.get(&m).and_then(|r| r.get(item)) {
                        if target.as_slice() != segs {
                            let mut next = target.clone();
                            next.extend_from_slice(&segs[k + 1..]);
                            if let Some(r) = resolve(files, reexports, &next, depth + 1) {
                                return Some(r);
                            }
                        }
                    }
                }
                return Some(m);
            }
        }
        None
    }
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, list) in &named {
        for (abs, _) in list {
            if let Some(t) = resolve(&files, &reexports, abs, 0) {
                if t != *m {
                    edges.entry(m.clone()).or_default().insert(t);
                }
            }
        }
    }
    Graph { files, edges }
}

/// Does the code name a `Result<…, String>` type (generic arguments nested at any depth)?
fn result_of_string(code: &str) -> bool {
    code.match_indices("Result<").any(|(at, _)| {
        let body = &code[at + "Result<".len()..];
        let (mut depth, mut last) = (0usize, 0usize);
        for (i, ch) in body.char_indices() {
            match ch {
                '<' => depth += 1,
                '>' if depth == 0 => return body[last..i].trim() == "String",
                '>' => depth -= 1,
                ',' if depth == 0 => last = i + 1,
                _ => {}
            }
        }
        false
    })
}

fn layer(m: &str) -> &str {
    m.split("::").next().unwrap_or("")
}

#[test]
fn layers_import_one_way() {
    let g = graph();
    let allowed: BTreeMap<&str, &[&str]> = LAYERS.iter().copied().collect();
    let mut bad = Vec::new();
    for (from, tos) in &g.edges {
        for to in tos {
            let (a, b) = (layer(from), layer(to));
            if a != b && !allowed.get(a).is_some_and(|ok| ok.contains(&b)) {
                bad.push(format!("{from} imports {to}"));
            }
        }
    }
    assert!(bad.is_empty(), "imports against the layering:\n{}", bad.join("\n"));
    // The checks themselves see something: the seam's known edges are found.
    assert!(g.edges.get("properties::verdict").is_some_and(|e| e.contains("smt::check")), "{:?}", g.edges.get("properties::verdict"));
    assert!(g.edges.get("report::check").is_some_and(|e| e.iter().any(|t| t.starts_with("controls"))));
    // A path through a module the file imported (`use crate::report;` … `report::check::json`).
    assert!(g.edges.get("cli::check").is_some_and(|e| e.contains("report::check")), "{:?}", g.edges.get("cli::check"));
    assert!(
        !g.edges.iter().any(|(f, t)| f.starts_with("controls") && t.iter().any(|x| x.starts_with("report"))),
        "controls must not import report"
    );
}

#[test]
fn no_two_files_import_each_other() {
    let g = graph();
    // Tarjan's strongly connected components.
    struct S<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        cycles: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(s: &mut S<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        if let Some(ws) = s.edges.get(v) {
            for w in ws {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let lw = s.low[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(lw));
                } else if s.on.contains(w) {
                    let iw = s.index[w];
                    let lv = s.low[v];
                    s.low.insert(v, lv.min(iw));
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                s.cycles.push(comp);
            }
        }
    }
    let mut s = S { edges: &g.edges, index: BTreeMap::new(), low: BTreeMap::new(), stack: vec![], on: BTreeSet::new(), cycles: vec![] };
    for m in g.files.keys() {
        if !s.index.contains_key(m.as_str()) {
            visit(&mut s, m);
        }
    }
    assert!(s.cycles.is_empty(), "files that import each other: {:?}", s.cycles);
    assert!(g.edges.values().map(|e| e.len()).sum::<usize>() > 200, "the import graph is implausibly small");
}

#[test]
fn the_result_check_sees_nested_generics() {
    assert!(result_of_string("fn f() -> Result<Vec<Record>, String> {"));
    assert!(result_of_string("fn f() -> Result<(), String> {"));
    assert!(!result_of_string("fn f() -> Result<Vec<String>, ParamError> {"));
    assert!(!result_of_string("fn f() -> Result<BTreeMap<String, String>, E> {"));
}

#[test]
fn properties_build_no_terms() {
    let g = graph();
    for (m, f) in g.files.iter().filter(|(m, _)| layer(m) == "properties") {
        for token in ["Terms", "smt::term", "smt::encode", "Encoder", ".t."] {
            assert!(!f.code.contains(token), "{m} ({}) mentions {token}: term construction belongs in smt::encode", f.path.display());
        }
    }
}

#[test]
fn every_source_file_is_short_documented_and_explains_its_unsafe() {
    let g = graph();
    let mut problems = Vec::new();
    for (m, f) in &g.files {
        let lines = f.text.lines().count();
        if lines >= 600 {
            problems.push(format!("{m}: {lines} lines (under 600)"));
        }
        if !f.text.trim_start().starts_with("//!") {
            problems.push(format!("{m}: no //! paragraph saying what it owns"));
        }
        let text: Vec<&str> = f.text.lines().collect();
        for (i, line) in text.iter().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if code.contains("unsafe ") || code.contains("unsafe{") {
                let explained = text[i.saturating_sub(4)..i].iter().any(|l| l.trim_start().starts_with("// SAFETY:"));
                if !explained {
                    problems.push(format!("{m}:{}: unsafe without a `// SAFETY:` comment above it", i + 1));
                }
            }
        }
        if result_of_string(&f.code) {
            problems.push(format!("{m}: a Result<_, String> (use the stage's error type)"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
