//! `--format html` of `access` and `check`: one self-contained page (inline CSS, no script, no
//! network, no external font) that people read instead of the text — the summary, each
//! finding with its witness or counterexample, the policy text with the statements that grant
//! each finding highlighted, and (`map.rs`) an SVG access map of who reaches each key with
//! which action groups, public and cross-account edges marked.

pub mod map;

pub use map::esc;

use crate::controls::access::SubjectAccess;
use crate::controls::{Finding, Status};
use crate::model::{Effect, Policy, PolicyRole};
use crate::policy::Diagnostic;
use crate::report::access::{subject_json, FindingJson};

const STYLE: &str = r#"
:root { --fg: #1d2430; --muted: #5b6575; --line: #d9dee7; --bg: #f6f8fb; --card: #ffffff;
  --public: #c62828; --cross: #e07000; --deputy: #7b3fb5; --ok: #2e7d32; --hl: #fff3c4; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 20px 28px; background: #18212f; color: #fff; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #c7cfdb; }
main { padding: 20px 28px 40px; max-width: 1280px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 140px; }
.card b { display: block; font-size: 22px; }
.card.public b { color: var(--public); } .card.cross b { color: var(--cross); } .card.deputy b { color: var(--deputy); }
section.subject { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 16px 0; padding: 14px 18px; }
section.subject h2 { font-size: 15px; margin: 0 0 2px; word-break: break-all; }
.meta { color: var(--muted); font-size: 12px; margin-bottom: 8px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-top: 1px solid var(--line); }
th { font-size: 12px; color: var(--muted); font-weight: 600; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
td code { word-break: break-all; }
td.on { min-width: 200px; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 11px; font-weight: 700; color: #fff; margin-right: 4px; }
.badge.public { background: var(--public); } .badge.cross-account { background: var(--cross); } .badge.confused-deputy { background: var(--deputy); }
.badge.proved, .badge.holds { background: var(--ok); } .badge.unknown { background: #8a6d00; } .badge.error { background: #000; }
.badge.violated { background: var(--public); } .badge.not_applicable { background: #9aa3b1; }
pre.policy { background: #fbfcfe; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow-x: auto; max-height: 520px; }
pre.policy mark { background: var(--hl); border-left: 3px solid var(--cross); }
pre.policy mark.deny { border-left-color: var(--ok); }
details summary { cursor: pointer; color: var(--muted); }
.map { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px; overflow-x: auto; }
.legend span { margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 22px; height: 3px; vertical-align: middle; margin-right: 4px; }
"#;

/// The page around `body`.
fn page(title: &str, subtitle: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<header><h1>{}</h1><p>{}</p></header>\n<main>\n{body}</main>\n</body>\n</html>\n",
        esc(title),
        esc(title),
        esc(subtitle)
    )
}

/// The policy text with the statements of `marked` (statement indices) highlighted; Deny
/// statements in their own colour.
pub fn policy_text(p: &Policy, marked: &[usize]) -> String {
    let text = p.source.text();
    // The policy's own lines (a snapshot's policy is one document of a larger file): from the
    // line of its first statement to the line of its last.
    let first = p.statements.iter().map(|s| s.span.start).min().unwrap_or(0).min(text.len());
    let last = p.statements.iter().map(|s| s.span.end).max().unwrap_or(text.len()).min(text.len());
    let from = if text.is_char_boundary(first) { text[..first].rfind('\n').map_or(0, |i| i + 1) } else { 0 };
    let to = if text.is_char_boundary(last) { text[last..].find('\n').map_or(text.len(), |i| last + i) } else { text.len() };
    let mut spans: Vec<(usize, usize, bool)> = p
        .statements
        .iter()
        .filter(|s| marked.contains(&s.index))
        .map(|s| (s.span.start.min(text.len()), s.span.end.min(text.len()), s.effect == Effect::Deny))
        .filter(|(a, b, _)| a < b && text.is_char_boundary(*a) && text.is_char_boundary(*b))
        .collect();
    spans.sort();
    let mut out = String::new();
    if from > 0 {
        out.push_str("…\n");
    }
    let mut at = from;
    for (a, b, deny) in spans {
        if a < at || b > to {
            continue;
        }
        out.push_str(&esc(&text[at..a]));
        out.push_str(if deny { "<mark class=\"deny\">" } else { "<mark>" });
        out.push_str(&esc(&text[a..b]));
        out.push_str("</mark>");
        at = b;
    }
    out.push_str(&esc(&text[at..to.max(at)]));
    if to < text.len() {
        out.push_str("\n…");
    }
    format!("<pre class=\"policy\">{out}</pre>")
}

fn finding_rows(findings: &[FindingJson], identity: bool) -> String {
    let mut out = String::from("<table><tr><th>#</th><th>who</th><th>can</th>");
    if identity {
        out.push_str("<th>on</th>");
    }
    out.push_str("<th>conditions</th><th>granted by</th><th>witness (allowed, replayed)</th></tr>\n");
    for (i, f) in findings.iter().enumerate() {
        let badge = f.exposure.map(|e| format!("<span class=\"badge {e}\">{}</span>", esc(&e.to_uppercase()))).unwrap_or_default();
        let conditions = if f.conditions.is_empty() {
            "none".to_string()
        } else {
            f.conditions.iter().map(|c| format!("<code>{}</code>", esc(&c.text))).collect::<Vec<_>>().join("<br>")
        };
        let exact = if f.exact { "" } else { "<br><em>some requests of this class only</em>" };
        out.push_str(&format!(
            "<tr><td>{}</td><td>{badge}{}</td><td>{}{exact}</td>{}<td>{conditions}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            i + 1,
            esc(&f.who.text),
            esc(&f.actions_text),
            if identity { format!("<td class=\"on\"><code>{}</code></td>", esc(&f.resources)) } else { String::new() },
            esc(&f.statements.join(", ")),
            esc(&f.witness.to_string())
        ));
    }
    out.push_str("</table>\n");
    out
}

/// `keyward access --format html`.
pub fn access(subjects: &[SubjectAccess], errors: &[Diagnostic], inputs: &str) -> String {
    let js: Vec<_> = subjects.iter().map(subject_json).collect();
    let all: Vec<&FindingJson> = js.iter().flat_map(|s| s.findings.iter()).collect();
    let count = |e: &str| all.iter().filter(|f| f.exposure == Some(e)).count();
    let proved = js.iter().filter(|s| s.complete == "proved").count();
    let mut body = format!(
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>subjects</div><div class=\"card\"><b>{}</b>findings</div><div class=\"card public\"><b>{}</b>public</div><div class=\"card cross\"><b>{}</b>cross-account</div><div class=\"card deputy\"><b>{}</b>confused deputy</div><div class=\"card\"><b>{proved}/{}</b>proved complete</div></div>\n",
        js.len(),
        all.len(),
        count("public"),
        count("cross-account"),
        count("confused-deputy"),
        js.len()
    );
    body.push_str("<h2>Access map</h2>\n<div class=\"map\">");
    body.push_str(&map::svg(&js));
    body.push_str("</div>\n<p class=\"legend\"><span><i style=\"background:#c62828\"></i>public</span><span><i style=\"background:#e07000\"></i>cross-account</span><span><i style=\"background:#7b3fb5\"></i>confused deputy</span><span><i style=\"background:#7a8699\"></i>same account</span></p>\n");
    for e in errors {
        body.push_str(&format!("<p class=\"badge error\">input error</p> <code>{}</code>\n", esc(&e.to_string())));
    }
    for (s, j) in subjects.iter().zip(&js) {
        let complete = match &j.complete_reason {
            Some(r) => format!("<span class=\"badge {}\">{}</span> {}", j.complete, esc(&j.complete.to_uppercase()), esc(r)),
            None => "<span class=\"badge proved\">COMPLETE: PROVED</span>".to_string(),
        };
        body.push_str(&format!(
            "<section class=\"subject\"><h2>{}</h2><div class=\"meta\">{} · {} · {} findings · {} queries · {:.2} s · {complete}</div>\n",
            esc(&j.resource),
            esc(&j.file),
            if s.is_key { "key" } else { "identity policy" },
            j.findings.len(),
            j.queries,
            j.time_ms / 1000.0
        ));
        body.push_str(&finding_rows(&j.findings, !s.is_key));
        // The policy text, with the statements that grant a finding's witness highlighted.
        if let Some(part) = s.parts.first() {
            let policy = if s.is_key { part.set.key_policy.as_ref() } else { part.set.identity.first() };
            if let Some(p) = policy {
                let role = if s.is_key { PolicyRole::KeyPolicy } else { PolicyRole::Identity };
                let mut marked: Vec<usize> = Vec::new();
                for f in s.parts.iter().flat_map(|part| part.access.findings.iter()) {
                    marked.extend(f.statements.iter().filter(|r| r.role == role && r.file == p.name()).map(|r| r.index));
                }
                marked.sort_unstable();
                marked.dedup();
                body.push_str(&format!(
                    "<details open><summary>policy text ({} of {} statements grant a finding)</summary>{}</details>\n",
                    marked.len(),
                    p.statements.len(),
                    policy_text(p, &marked)
                ));
            }
        }
        body.push_str("</section>\n");
    }
    page("keyward access report", &format!("Who can do what with each key — {inputs}"), &body)
}

/// `keyward access --diff --format html`: the diff's text in a page.
pub fn diff(text: &str) -> String {
    page("keyward access diff", "Findings added and removed", &format!("<pre class=\"policy\">{}</pre>\n", esc(text)))
}

/// `keyward check --format html`.
pub fn check(findings: &[Finding], errors: &[Diagnostic], inputs: &str) -> String {
    let count = |st: Status| findings.iter().filter(|f| f.status == st && f.suppressed.is_none()).count();
    let mut body = format!(
        "<div class=\"cards\"><div class=\"card\"><b>{}</b>results</div><div class=\"card public\"><b>{}</b>violated</div><div class=\"card\"><b>{}</b>unknown</div><div class=\"card\"><b>{}</b>hold</div><div class=\"card\"><b>{}</b>input errors</div></div>\n",
        findings.len(),
        count(Status::Violated),
        count(Status::Unknown),
        count(Status::Holds),
        errors.len()
    );
    for e in errors {
        body.push_str(&format!("<p><span class=\"badge error\">input error</span> <code>{}</code></p>\n", esc(&e.to_string())));
    }
    let mut current = String::new();
    for f in findings {
        let subject = format!("{} ({})", f.resource, f.file);
        if subject != current {
            if !current.is_empty() {
                body.push_str("</table></section>\n");
            }
            body.push_str(&format!(
                "<section class=\"subject\"><h2>{}</h2><div class=\"meta\">{}</div><table><tr><th>verdict</th><th>control</th><th>message</th><th>counterexample (replayed)</th><th>because of</th></tr>\n",
                esc(&f.resource),
                esc(&f.file)
            ));
            current = subject;
        }
        let status = if f.suppressed.is_some() && f.status != Status::Error { "suppressed" } else { f.status.name() };
        let cx: Vec<String> = f.counterexample.iter().map(|r| format!("<code>{}</code>", esc(&r.to_json_line()))).collect();
        let because: Vec<String> = f.statements.iter().map(|s| esc(&s.to_string())).collect();
        body.push_str(&format!(
            "<tr><td><span class=\"badge {}\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            f.status.name(),
            esc(&status.to_uppercase()),
            esc(&f.control),
            esc(&f.message),
            cx.join("<br>"),
            because.join("<br>")
        ));
    }
    if !current.is_empty() {
        body.push_str("</table></section>\n");
    }
    page("keyward check report", &format!("Controls proved on {inputs}"), &body)
}
