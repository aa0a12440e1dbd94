//! The symbolic action: a constant, or an index into the query's finite list of named actions
//! (case-insensitive names, first spelling kept) with optionally one *free* action — a
//! lower-case `service:Name` string, distinct from the named ones when the query asks for an
//! unlisted action (one AWS may add later) — and the constraints of an `ActionSpec`.

use super::{named_list, ActionRep};
use crate::model::request_spec::ActionSpec;
use crate::model::template::{Syntax, Template};
use crate::model::ActionElement;
use crate::smt::encode::Encoder;
use crate::smt::term::{Sort, T};

impl Encoder {
    /// A symbolic action over `named` (display names) and, when `free` is `Some(service)`, one
    /// free action (restricted to `service` when given). The free action may coincide with a
    /// named one (a redundant model, harmless) unless `distinct` asks for an action that is none
    /// of them (an *unlisted* action).
    pub(in crate::smt::encode) fn sym_action(
        &mut self,
        req_prefix: &str,
        named: &[String],
        free: Option<Option<String>>,
        distinct: bool,
    ) -> ActionRep {
        if self.textbook {
            return self.textbook_action(req_prefix, named, free);
        }
        let list = named_list(named);
        let idx = self.t.var(&format!("{req_prefix}action"), Sort::Int);
        let zero = self.t.int(0);
        let n = list.len() as i128;
        let top = self.t.int(if free.is_some() { n } else { n - 1 });
        let ge = self.t.le(zero, idx);
        let le = self.t.le(idx, top);
        self.axioms.push(ge);
        self.axioms.push(le);
        let free = free.map(|svc| {
            let name = self.t.var(&format!("{req_prefix}action.free"), Sort::Str);
            let is_free = {
                let nn = self.t.int(n);
                self.t.eq(idx, nn)
            };
            let word = self.action_word(name, svc.as_deref());
            let mut cons = vec![word];
            if distinct {
                self.distinct_free.insert(name);
                for (l, _) in &list {
                    let lit = self.t.str(l);
                    cons.push(self.t.ne(name, lit));
                }
            }
            let all = self.t.and(cons);
            let ax = self.t.implies(is_free, all);
            self.axioms.push(ax);
            (name, svc)
        });
        ActionRep::Sym { idx, named: list, free, text: None }
    }

    /// `name` looks like an action (`service:Name` lower-cased), of `service` when given.
    pub(in crate::smt::encode) fn action_word(&mut self, name: T, svc: Option<&str>) -> T {
        let az = self.t.re_range('a', 'z');
        let digits = self.t.re_range('0', '9');
        let dash = self.t.re_lit("-");
        let svc_class = self.t.re_union([az, digits, dash]);
        let name_class = self.t.re_union([az, digits]);
        let svc_plus = {
            let star = self.t.re_star(svc_class);
            self.t.re_concat([svc_class, star])
        };
        let name_plus = {
            let star = self.t.re_star(name_class);
            self.t.re_concat([name_class, star])
        };
        let svc_re = match svc {
            Some(s) => self.t.re_lit(&s.to_ascii_lowercase()),
            None => svc_plus,
        };
        let colon = self.t.re_lit(":");
        let re = self.t.re_concat([svc_re, colon, name_plus]);
        self.t.in_re(name, re)
    }

    pub(in crate::smt::encode) fn action_is_kms(&mut self, req: usize) -> T {
        match self.requests[req].action.clone() {
            ActionRep::Const { canonical, .. } => self.t.bool(canonical.starts_with("kms:")),
            ActionRep::Sym { text: Some(text), .. } => {
                let kms = self.t.re_lit("kms:");
                let all = self.t.re_all();
                let re = self.t.re_concat([kms, all]);
                self.t.in_re(text, re)
            }
            ActionRep::Sym { idx, named, free, text: None } => {
                // Every index a KMS action (the range axioms bound the index): true.
                let free_kms = free.as_ref().map_or(true, |(_, svc)| svc.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("kms")));
                if free_kms && named.iter().all(|(l, _)| l.starts_with("kms:")) {
                    return self.t.tt();
                }
                let mut parts = Vec::new();
                for (i, (l, _)) in named.iter().enumerate() {
                    if l.starts_with("kms:") {
                        let ii = self.t.int(i as i128);
                        parts.push(self.t.eq(idx, ii));
                    }
                }
                if let Some((name, _)) = free {
                    let n = self.t.int(named.len() as i128);
                    let is_free = self.t.eq(idx, n);
                    let pre = self.t.str("kms:");
                    let p = self.t.prefix(pre, name);
                    parts.push(self.t.and([is_free, p]));
                }
                self.t.or(parts)
            }
        }
    }

    /// The request's action is none of `set` (lower-case names): a named action by its index,
    /// the free action by comparing its name, a constant by its value.
    pub(in crate::smt::encode) fn action_none_of(&mut self, req: usize, set: &[String]) -> T {
        let outside = |enc: &mut Encoder, name: T| {
            let ne: Vec<T> = set
                .iter()
                .map(|l| {
                    let lit = enc.t.str(l);
                    enc.t.ne(name, lit)
                })
                .collect();
            enc.t.and(ne)
        };
        match self.requests[req].action.clone() {
            ActionRep::Const { canonical, .. } => self.t.bool(!set.contains(&canonical)),
            ActionRep::Sym { text: Some(text), .. } => outside(self, text),
            ActionRep::Sym { idx, named, free, text: None } => {
                let mut conj = Vec::new();
                for (i, (l, _)) in named.iter().enumerate() {
                    if set.contains(l) {
                        let ii = self.t.int(i as i128);
                        conj.push(self.t.ne(idx, ii));
                    }
                }
                if let Some((name, svc)) = free {
                    // Only a free action that can be a KMS action can be a cataloged one, and
                    // a free action distinct from the named ones is none of those named.
                    let could_be_kms = svc.as_deref().map_or(true, |s| s.eq_ignore_ascii_case("kms"));
                    let excluded = self.distinct_free.contains(&name) && set.iter().all(|l| named.iter().any(|(n, _)| n == l));
                    if could_be_kms && !excluded {
                        let n = self.t.int(named.len() as i128);
                        let is_free = self.t.eq(idx, n);
                        let out = outside(self, name);
                        conj.push(self.t.implies(is_free, out));
                    }
                }
                self.t.and(conj)
            }
        }
    }

    /// The action of request `prefix` of a spec.
    pub(in crate::smt::encode) fn action_spec(&mut self, prefix: &str, spec: &ActionSpec) -> ActionRep {
        let enc = self;
        match spec {
            // The textbook encoding has no constant actions: the action is always one string.
            ActionSpec::One(a) if enc.textbook => enc.sym_action(prefix, std::slice::from_ref(a), None, false),
            ActionSpec::One(a) => ActionRep::Const { canonical: a.to_ascii_lowercase(), display: a.clone() },
            ActionSpec::AnyOf { actions, unlisted } => match unlisted {
                Some(svc) => enc.sym_action(prefix, actions, Some(Some(svc.clone())), true),
                None => enc.sym_action(prefix, actions, None, false),
            },
            // The free action is distinct from the named ones (they have their own indices): no
            // request is lost, and literal patterns fold for it.
            ActionSpec::Any { named } => enc.sym_action(prefix, named, Some(None), true),
            ActionSpec::Unlisted { service, named } => {
                let rep = enc.sym_action(prefix, named, Some(Some(service.clone())), true);
                if let ActionRep::Sym { idx, named, .. } = &rep {
                    let n = enc.t.int(named.len() as i128);
                    let is_free = enc.t.eq(*idx, n);
                    enc.axioms.push(is_free);
                }
                rep
            }
            ActionSpec::Patterns(patterns) => {
                let named = ActionSpec::expand(patterns);
                let wild = patterns.iter().any(|p| p.contains(['*', '?']));
                if named.len() == 1 && !wild && !enc.textbook {
                    return ActionRep::Const { canonical: named[0].to_ascii_lowercase(), display: named[0].clone() };
                }
                enc.sym_action(prefix, &named, if wild { Some(None) } else { None }, false)
            }
        }
    }

    /// The request's action matches one of `patterns` (for `ActionSpec::Patterns`).
    pub(in crate::smt::encode) fn action_constraint(&mut self, req: usize, spec: &ActionSpec) -> Vec<T> {
        let enc = self;
        let ActionSpec::Patterns(patterns) = spec else { return vec![] };
        let syntax = Syntax { wildcards: true, variables: false };
        let parsed: Vec<Template> = patterns.iter().filter_map(|p| Template::parse(p, syntax).ok()).collect();
        let el = ActionElement { negated: false, patterns: parsed };
        vec![enc.action_element_cover(req, &el)]
    }
}
