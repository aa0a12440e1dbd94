//! Membership of a literal string in a regular expression of the term language, used by the
//! smart constructors to fold `str.in_re` on literals. Computes the set of end positions
//! reachable from each start position (no backtracking blow-up).

use crate::smt::term::{Node, Terms, T};
use std::collections::BTreeSet;

pub fn matches(terms: &Terms, re: T, text: &[char]) -> bool {
    ends(terms, re, text, 0).contains(&text.len())
}

fn ends(terms: &Terms, re: T, text: &[char], start: usize) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    match terms.node(re) {
        Node::ReLit(s) => {
            let chars: Vec<char> = s.chars().collect();
            if text.len() >= start + chars.len() && text[start..start + chars.len()] == chars[..] {
                out.insert(start + chars.len());
            }
        }
        Node::ReAllChar if start < text.len() => {
            out.insert(start + 1);
        }
        Node::ReRange(lo, hi) if start < text.len() && *lo <= text[start] && text[start] <= *hi => {
            out.insert(start + 1);
        }
        Node::ReAllChar | Node::ReRange(..) => {}
        Node::ReAll => {
            out.extend(start..=text.len());
        }
        Node::ReNone => {}
        Node::ReConcat(parts) => {
            let mut cur: BTreeSet<usize> = [start].into_iter().collect();
            for p in parts {
                let mut next = BTreeSet::new();
                for &s in &cur {
                    next.extend(ends(terms, *p, text, s));
                }
                cur = next;
                if cur.is_empty() {
                    break;
                }
            }
            out = cur;
        }
        Node::ReUnion(parts) => {
            for p in parts {
                out.extend(ends(terms, *p, text, start));
            }
        }
        Node::ReStar(inner) => {
            out = closure(terms, *inner, text, [start].into_iter().collect(), 0, u32::MAX);
        }
        Node::ReLoop(inner, lo, hi) => {
            out = closure(terms, *inner, text, [start].into_iter().collect(), *lo, *hi);
        }
        _ => {}
    }
    out
}

/// Positions reachable by repeating `inner` between `lo` and `hi` times.
fn closure(terms: &Terms, inner: T, text: &[char], start: BTreeSet<usize>, lo: u32, hi: u32) -> BTreeSet<usize> {
    let mut result = BTreeSet::new();
    let mut frontier = start;
    let mut seen_at_count: Vec<BTreeSet<usize>> = Vec::new();
    let mut count = 0u32;
    loop {
        if count >= lo {
            result.extend(frontier.iter().copied());
        }
        if count >= hi || frontier.is_empty() {
            break;
        }
        let mut next = BTreeSet::new();
        for &s in &frontier {
            next.extend(ends(terms, inner, text, s));
        }
        // Once past the minimum, positions already reached add nothing new.
        if count >= lo {
            next.retain(|p| !result.contains(p));
        }
        if seen_at_count.contains(&next) && count >= lo {
            break;
        }
        seen_at_count.push(next.clone());
        frontier = next;
        count += 1;
        if count > text.len() as u32 + lo + 1 {
            break;
        }
    }
    result
}
