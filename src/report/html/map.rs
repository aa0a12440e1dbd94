//! The access map: an SVG graph of who (left) reaches each key (right), one edge per (who,
//! key) with the action groups of its findings (`usage`, `admin`, `all`), coloured by the
//! worst exposure of those findings (public, cross-account, confused deputy, same account).
//! Plain SVG inside the page: no script, no external font.

use crate::report::access::{FindingJson, SubjectJson};

/// Text as HTML (and SVG).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const ROW: f64 = 34.0;
const WIDTH: f64 = 1180.0;
const BOX_W: f64 = 360.0;

fn colour(exposure: Option<&str>) -> &'static str {
    match exposure {
        Some("public") => "#c62828",
        Some("cross-account") => "#e07000",
        Some("confused-deputy") => "#7b3fb5",
        _ => "#7a8699",
    }
}

fn rank(exposure: Option<&str>) -> u8 {
    match exposure {
        Some("public") => 3,
        Some("confused-deputy") => 2,
        Some("cross-account") => 1,
        _ => 0,
    }
}

/// A short label for who a finding is about.
fn who_label(f: &FindingJson) -> String {
    let v = f.who.value.clone().unwrap_or_default();
    let mut label = match f.who.kind {
        "anyone" => "anyone (public)".to_string(),
        "anonymous" => "anonymous callers".to_string(),
        "services" => "any service principal".to_string(),
        "type" => f.who.text.clone(),
        "account" => format!("account {v}"),
        "organization" => format!("organization {v}"),
        "service" => v,
        _ => v.strip_prefix("arn:aws:iam::").map(|r| r.replacen(':', " ", 1)).unwrap_or(v),
    };
    if let Some(src) = &f.who.source {
        label.push_str(&format!(" for {src}"));
    }
    label
}

fn groups(f: &FindingJson) -> Vec<&'static str> {
    if f.actions_text.starts_with("kms:*") {
        return vec!["all"];
    }
    let mut g = Vec::new();
    if !f.usage.is_empty() {
        g.push("usage");
    }
    if !f.administration.is_empty() || f.unlisted_actions.is_some() {
        g.push("admin");
    }
    g
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n.saturating_sub(1)).collect::<String>())
    }
}

/// The map of the key subjects of `subjects`.
pub fn svg(subjects: &[SubjectJson]) -> String {
    let keys: Vec<&SubjectJson> = subjects.iter().filter(|s| s.kind == "key").collect();
    let mut whos: Vec<String> = Vec::new();
    // (who index, key index) → (groups, worst exposure)
    let mut edges: Vec<(usize, usize, Vec<&'static str>, Option<&'static str>)> = Vec::new();
    for (ki, k) in keys.iter().enumerate() {
        for f in &k.findings {
            let label = who_label(f);
            let wi = match whos.iter().position(|w| *w == label) {
                Some(i) => i,
                None => {
                    whos.push(label);
                    whos.len() - 1
                }
            };
            match edges.iter_mut().find(|e| e.0 == wi && e.1 == ki) {
                Some(e) => {
                    for g in groups(f) {
                        if !e.2.contains(&g) {
                            e.2.push(g);
                        }
                    }
                    if rank(f.exposure) > rank(e.3) {
                        e.3 = f.exposure;
                    }
                }
                None => edges.push((wi, ki, groups(f), f.exposure)),
            }
        }
    }
    let rows = whos.len().max(keys.len()).max(1) as f64;
    let height = rows * ROW + 40.0;
    let y_of = |i: usize, n: usize| 30.0 + (i as f64 + 0.5) * (rows * ROW / n.max(1) as f64);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height}\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" aria-label=\"access map\" font-family=\"system-ui, sans-serif\" font-size=\"12\">\n<text x=\"10\" y=\"18\" fill=\"#5b6575\">who</text><text x=\"{}\" y=\"18\" fill=\"#5b6575\">key</text>\n",
        WIDTH - BOX_W - 10.0
    );
    for (wi, ki, g, e) in &edges {
        let (y1, y2) = (y_of(*wi, whos.len()), y_of(*ki, keys.len()));
        let (x1, x2) = (10.0 + BOX_W, WIDTH - BOX_W - 10.0);
        let mid = (x1 + x2) / 2.0;
        let c = colour(*e);
        let dash = if e.is_some() { "" } else { " stroke-dasharray=\"5 3\"" };
        out.push_str(&format!(
            "<path d=\"M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\"{dash}><title>{}</title></path>\n{}\n",
            esc(&format!("{} → {}: {}", whos[*wi], keys[*ki].resource, g.join(", "))),
            // Only the exposed edges are labelled (the others keep their groups in the
            // tooltip): a same-account web of labels would hide the ones that matter.
            if e.is_some() {
                format!(
                    "<text x=\"{mid:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"{c}\" font-size=\"11\">{}</text>",
                    (y1 + y2) / 2.0 - 3.0,
                    esc(&g.join("+"))
                )
            } else {
                String::new()
            }
        ));
    }
    for (i, w) in whos.iter().enumerate() {
        let y = y_of(i, whos.len());
        out.push_str(&format!(
            "<rect x=\"10\" y=\"{:.1}\" width=\"{BOX_W}\" height=\"24\" rx=\"5\" fill=\"#eef2f8\" stroke=\"#c3cbd8\"/><text x=\"18\" y=\"{:.1}\">{}<title>{}</title></text>\n",
            y - 12.0,
            y + 4.0,
            esc(&truncate(w, 50)),
            esc(w)
        ));
    }
    for (i, k) in keys.iter().enumerate() {
        let y = y_of(i, keys.len());
        let x = WIDTH - BOX_W - 10.0;
        let short = k
            .resource
            .rsplit_once(":key/")
            .map(|(head, id)| format!("{} key/{}", head.trim_start_matches("arn:aws:kms:"), id))
            .unwrap_or_else(|| k.resource.clone());
        out.push_str(&format!(
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"{BOX_W}\" height=\"24\" rx=\"5\" fill=\"#fff8e6\" stroke=\"#e3c77a\"/><text x=\"{:.1}\" y=\"{:.1}\">{}<title>{}</title></text>\n",
            y - 12.0,
            x + 8.0,
            y + 4.0,
            esc(&truncate(&short, 46)),
            esc(&k.resource)
        ));
    }
    out.push_str("</svg>");
    out
}
