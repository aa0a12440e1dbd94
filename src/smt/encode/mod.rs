//! The symbolic request and its axioms. A query ranges over requests whose parts are either
//! constants (a fixed principal, a fixed action, a fixed key ARN — then every pattern over them
//! folds before the solver sees it) or symbolic:
//! - principal: a kind (enum as Int), and for principals in an account the six segments of its
//!   ARN (`arn`, partition, `iam`/`sts`, empty region, account, resource), a session for role
//!   sessions, a name for services and identity providers;
//! - action: an index into the query's finite list of named actions (the catalog plus every
//!   action a policy names), plus optionally one *free* action, a lower-case string that is none
//!   of the named ones (an unlisted action, matched by wildcard patterns through string
//!   constraints);
//! - resource: the six ARN segments when the resource has five colons or more, else one string;
//! - context: per referenced key, a presence flag and typed views of its value (string, number
//!   scaled to an integer, date in epoch ms, IP as a 128-bit vector, ARN segments), with one
//!   witness slot per clause for multivalued keys.
//!
//! Keys fixed by the request (aws:PrincipalArn, kms:CallerAccount, aws:ResourceAccount, …) are
//! views of the principal/resource, not free variables: that is the context-consistency axioms
//! of CONTROLS.md. Every choice here mirrors `crate::eval` and `crate::model::request`.

pub mod condition;
pub mod decision;
pub mod pattern;
pub mod textbook;

use crate::model::key::ContextKey;
use crate::model::keys;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::value::{arn_segments, Decimal};
use crate::model::{BaseOp, Family, Policy};
use crate::smt::term::{Sort, Terms, T};
use std::collections::{BTreeMap, HashMap};

/// A principal kind's integer in the encoding.
pub fn kind_index(k: PrincipalKind) -> i128 {
    PrincipalKind::ALL.iter().position(|x| *x == k).unwrap_or(0) as i128
}

pub fn kind_from_index(i: i128) -> PrincipalKind {
    PrincipalKind::ALL.get(i.max(0) as usize).copied().unwrap_or(PrincipalKind::Anonymous)
}

/// (lower-case name, display name) of each named action, first spelling kept.
pub(crate) fn named_list(named: &[String]) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = Vec::new();
    for n in named {
        let lower = n.to_ascii_lowercase();
        if !list.iter().any(|(l, _)| *l == lower) {
            list.push((lower, n.clone()));
        }
    }
    list
}

/// The symbolic principal.
#[derive(Debug, Clone)]
pub struct SymPrincipal {
    pub kind: T,
    /// Kinds the query allows.
    pub kinds: Vec<PrincipalKind>,
    /// Partition and account of principals in an account.
    pub part: T,
    pub account: T,
    /// IAM path (`""` or `division/`) and name of a user or role; the name of a federated user.
    pub path: T,
    pub pname: T,
    /// Service principal / identity provider / canonical user name.
    pub name: T,
    pub has_sess: T,
    /// Session name of a role session.
    pub sname: T,
    /// Accounts other than 12-digit ids the principal may have (named in the policies).
    pub extra_accounts: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum PrincipalRep {
    Const(Principal),
    Sym(SymPrincipal),
}

#[derive(Debug, Clone)]
pub enum ActionRep {
    Const {
        canonical: String,
        display: String,
    },
    Sym {
        idx: T,
        /// (lower-case name, display name) of each index.
        named: Vec<(String, String)>,
        /// The free action's lower-case name (index `named.len()`), when allowed, with the
        /// service it is restricted to.
        free: Option<(T, Option<String>)>,
        /// The textbook encoding (`Encoder::textbook`): the action as one lower-case string,
        /// which every pattern matches by a regular expression; `idx` is then only its
        /// position in `named` (or `named.len()`), kept for decoding.
        text: Option<T>,
    },
}

#[derive(Debug, Clone)]
pub enum ResourceRep {
    Lit(String),
    /// `split` holds when the resource has five colons or more; then it is the six segments
    /// joined by `:`, else `whole`.
    /// In the textbook encoding `text` is the resource as one string, which every Resource
    /// pattern matches by a regular expression (the segments are tied to it by an equation).
    Sym {
        split: T,
        segs: [T; 6],
        whole: T,
        text: Option<T>,
    },
}

/// Typed views of one value slot of a context key.
#[derive(Debug, Clone)]
pub struct Slot {
    pub active: T,
    /// The value as a string (String, Bool, Binary, Arn operators, variables).
    pub s: Option<T>,
    /// ARN segments of the string view: (has ≥ 5 colons, segments).
    pub arn: Option<(T, [T; 6])>,
    /// Numeric view: (parses as a decimal, value × 10^scale).
    pub num: Option<(T, T, u32)>,
    /// Date view: (parses as a date, epoch ms).
    pub date: Option<(T, T)>,
    /// IP view: (parses as an address, is IPv6, 128-bit value).
    pub ip: Option<(T, T, T)>,
}

#[derive(Debug, Clone)]
pub struct KeyRep {
    pub key: ContextKey,
    pub present: T,
    pub multi: bool,
    pub slots: Vec<Slot>,
    /// Free (not derived) keys are decoded into the request's context.
    pub decode: bool,
    /// For a key that is derived when possible: the condition under which it is derived.
    pub derived_when: Option<T>,
}

/// How the policies use one key (decides its views and slot count).
#[derive(Debug, Clone, Default)]
pub struct KeyUsage {
    pub string: bool,
    pub arn: bool,
    pub numeric: bool,
    pub date: bool,
    pub ip: bool,
    /// Largest number of decimal digits of a Numeric value.
    pub scale: u32,
    pub clauses: usize,
}

#[derive(Debug, Clone)]
pub struct RequestRep {
    pub action: ActionRep,
    pub resource: ResourceRep,
    pub keys: BTreeMap<String, KeyRep>,
}

/// The encoder: terms, axioms, and the symbolic request(s) of one query.
pub struct Encoder {
    pub t: Terms,
    pub axioms: Vec<T>,
    /// Shape axioms of string values (a segment has no colon, an account is 12 digits, a name
    /// is not empty, …). They are as much part of the query as `axioms`, but the solver gets
    /// them lazily (`crate::properties::run`): z3's string solver spends seconds on them, and
    /// a model of the query without them usually satisfies them or is repaired to.
    pub shapes: Vec<T>,
    /// Constructs the encoding cannot express exactly; a query with any is `Unknown`.
    pub unsupported: Vec<String>,
    pub principal: PrincipalRep,
    pub requests: Vec<RequestRep>,
    pub usage: HashMap<String, KeyUsage>,
    pub shared_keys: BTreeMap<String, KeyRep>,
    /// Extra value slots for keys (used when a concrete request pins more values).
    pub extra_slots: HashMap<String, usize>,
    /// A concrete context: free keys become constants (everything folds).
    pub const_context: Option<crate::model::request::Context>,
    /// Smallest decimal scale of a key's numeric view (pinned values may have more digits than
    /// any policy constant).
    pub min_scale: HashMap<String, u32>,
    principal_axioms_done: bool,
    /// The Boolean of each glob encoded by a word equation (`pattern::glob_split`).
    pub(crate) glob_defs: HashMap<(Vec<pattern::TPart>, T), T>,
    /// Free action variables constrained to differ from every named action: a literal action
    /// pattern naming one of those can never match them (folded while encoding).
    pub(crate) distinct_free: std::collections::HashSet<T>,
    /// The textbook whole-string encoding for ablation (`--encoding baseline`, `textbook.rs`):
    /// actions and resources are single strings and every wildcard is a regular expression.
    pub textbook: bool,
}

impl Encoder {
    /// A new encoder for queries over `policies` (their keys decide the context views).
    pub fn new<'a>(policies: impl IntoIterator<Item = &'a Policy>) -> Encoder {
        let mut usage: HashMap<String, KeyUsage> = HashMap::new();
        for p in policies {
            for s in &p.statements {
                for c in &s.conditions {
                    let u = usage.entry(c.key.canonical().to_string()).or_default();
                    u.clauses += 1;
                    match c.operator.base.family() {
                        Family::String | Family::Bool | Family::Binary => u.string = true,
                        Family::Arn => {
                            u.string = true;
                            u.arn = true;
                        }
                        Family::Numeric => {
                            u.numeric = true;
                            for v in &c.values {
                                if let crate::model::ConditionValue::Num(d) = v {
                                    u.scale = u.scale.max(d.scale);
                                }
                            }
                        }
                        Family::Date => u.date = true,
                        Family::Ip => u.ip = true,
                        Family::Null => {}
                    }
                    for v in &c.values {
                        let templates: Vec<&crate::model::Template> = match v {
                            crate::model::ConditionValue::Str(t) => vec![t],
                            crate::model::ConditionValue::Arn(a) => a.segments.iter().collect(),
                            _ => vec![],
                        };
                        for t in templates {
                            for var in t.variables() {
                                usage.entry(var.key.canonical().to_string()).or_default().string = true;
                            }
                        }
                    }
                }
                if let Some(r) = &s.resource {
                    for p in &r.patterns {
                        for t in p.templates() {
                            for var in t.variables() {
                                usage.entry(var.key.canonical().to_string()).or_default().string = true;
                            }
                        }
                    }
                }
            }
        }
        let mut t = Terms::new();
        let anon = t.int(0);
        let _ = anon;
        Encoder {
            t,
            axioms: Vec::new(),
            shapes: Vec::new(),
            unsupported: Vec::new(),
            principal: PrincipalRep::Const(Principal::anonymous()),
            requests: Vec::new(),
            usage,
            shared_keys: BTreeMap::new(),
            extra_slots: HashMap::new(),
            const_context: None,
            min_scale: HashMap::new(),
            principal_axioms_done: false,
            glob_defs: HashMap::new(),
            distinct_free: std::collections::HashSet::new(),
            textbook: false,
        }
    }

    pub fn unsupported(&mut self, why: String) {
        if !self.unsupported.contains(&why) {
            self.unsupported.push(why);
        }
    }

    // ------------------------------------------------------------------ principal

    pub fn set_principal_const(&mut self, p: Principal) {
        self.principal = PrincipalRep::Const(p);
    }

    /// A symbolic principal of one of `kinds`. `extra_accounts` are account strings other
    /// than 12-digit ids that it may have (accounts a policy names in a shorter form).
    pub fn set_principal_sym(&mut self, kinds: &[PrincipalKind], extra_accounts: Vec<String>) -> SymPrincipal {
        let t = &mut self.t;
        let sp = SymPrincipal {
            kind: t.var("p.kind", Sort::Int),
            kinds: kinds.to_vec(),
            part: t.var("p.partition", Sort::Str),
            account: t.var("p.account", Sort::Str),
            path: t.var("p.path", Sort::Str),
            pname: t.var("p.pname", Sort::Str),
            name: t.var("p.name", Sort::Str),
            has_sess: t.var("p.has_session", Sort::Bool),
            sname: t.var("p.session_name", Sort::Str),
            extra_accounts,
        };
        self.principal = PrincipalRep::Sym(sp.clone());
        self.principal_axioms_done = false;
        sp
    }

    pub fn p_kind_is(&mut self, k: PrincipalKind) -> T {
        match &self.principal {
            PrincipalRep::Const(p) => {
                let b = p.kind == k;
                self.t.bool(b)
            }
            PrincipalRep::Sym(sp) => {
                if !sp.kinds.contains(&k) {
                    return self.t.ff();
                }
                let kind = sp.kind;
                let i = self.t.int(kind_index(k));
                self.t.eq(kind, i)
            }
        }
    }

    pub fn p_kind_in(&mut self, ks: &[PrincipalKind]) -> T {
        let parts: Vec<T> = ks.iter().map(|k| self.p_kind_is(*k)).collect();
        self.t.or(parts)
    }

    pub fn p_in_account(&mut self) -> T {
        self.p_kind_in(&[PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser])
    }

    /// The account id (empty string for principals outside accounts).
    pub fn p_account(&mut self) -> T {
        match &self.principal {
            PrincipalRep::Const(p) => {
                let a = p.account.clone();
                self.t.str(&a)
            }
            PrincipalRep::Sym(sp) => sp.account,
        }
    }

    /// The six ARN segments of an account principal (user, role, root, federated user).
    pub fn p_arn_segs(&mut self) -> [T; 6] {
        match self.principal.clone() {
            PrincipalRep::Const(p) => {
                let segs = arn_segments(&p.arn)
                    .map(|s| s.map(str::to_string))
                    .unwrap_or_else(|| [p.arn.clone(), String::new(), String::new(), String::new(), String::new(), String::new()]);
                segs.map(|s| self.t.str(&s))
            }
            PrincipalRep::Sym(sp) => {
                let arn = self.t.str("arn");
                let empty = self.t.str("");
                let is_fed = self.p_kind_is(PrincipalKind::FederatedUser);
                let (sts, iam) = (self.t.str("sts"), self.t.str("iam"));
                let svc = self.t.ite(is_fed, sts, iam);
                let res = self.p_resource_part(&sp);
                [arn, sp.part, svc, empty, sp.account, res]
            }
        }
    }

    /// The resource part of an account principal's ARN: `root`, `user/PATH NAME`,
    /// `role/PATH NAME`, `federated-user/NAME`.
    fn p_resource_part(&mut self, sp: &SymPrincipal) -> T {
        let mut res = self.t.str("");
        let fed_pre = self.t.str("federated-user/");
        let fed = self.t.concat([fed_pre, sp.pname]);
        let is_fed = self.p_kind_is(PrincipalKind::FederatedUser);
        res = self.t.ite(is_fed, fed, res);
        for (kind, prefix) in [(PrincipalKind::Role, "role/"), (PrincipalKind::User, "user/")] {
            let pre = self.t.str(prefix);
            let joined = self.t.concat([pre, sp.path, sp.pname]);
            self.t.register_path_name(joined, prefix, sp.path, sp.pname);
            let is = self.p_kind_is(kind);
            res = self.t.ite(is, joined, res);
        }
        let root = self.t.str("root");
        let is_root = self.p_kind_is(PrincipalKind::Root);
        self.t.ite(is_root, root, res)
    }

    /// The principal's own name as a string: its ARN for account principals (the role's ARN
    /// for a session, which is aws:PrincipalArn), else the service/provider/canonical name.
    pub fn p_arn(&mut self) -> T {
        match self.principal.clone() {
            PrincipalRep::Const(p) => self.t.str(&p.arn),
            PrincipalRep::Sym(sp) => {
                let segs = self.p_arn_segs();
                let joined = self.join_arn(&segs);
                let in_acct = self.p_in_account();
                self.t.ite(in_acct, joined, sp.name)
            }
        }
    }

    /// (has a session, session ARN).
    pub fn p_session(&mut self) -> (T, T) {
        match self.principal.clone() {
            PrincipalRep::Const(p) => {
                let has = self.t.bool(p.session.is_some());
                let s = self.t.str(p.session.as_deref().unwrap_or(""));
                (has, s)
            }
            PrincipalRep::Sym(sp) => {
                let pieces = [
                    self.t.str("arn:"),
                    sp.part,
                    self.t.str(":sts::"),
                    sp.account,
                    self.t.str(":assumed-role/"),
                    sp.pname,
                    self.t.str("/"),
                    sp.sname,
                ];
                let s = self.t.concat(pieces);
                (sp.has_sess, s)
            }
        }
    }

    /// Name of a service principal / identity provider / canonical user.
    pub fn p_name(&mut self) -> T {
        match &self.principal {
            PrincipalRep::Const(p) => {
                let n = if p.kind.in_account() { String::new() } else { p.arn.clone() };
                self.t.str(&n)
            }
            PrincipalRep::Sym(sp) => sp.name,
        }
    }

    pub fn join_arn(&mut self, segs: &[T; 6]) -> T {
        let colon = self.t.str(":");
        let mut parts = Vec::with_capacity(11);
        for (i, s) in segs.iter().enumerate() {
            if i > 0 {
                parts.push(colon);
            }
            parts.push(*s);
        }
        let j = self.t.concat(parts);
        // Every join the encoder builds has colon-free first segments (an axiom or literals).
        if self.t.as_str(j).is_none() {
            self.t.register_join(j, *segs);
        }
        j
    }

    /// Structure of the symbolic principal: what a real principal of each kind looks like.
    fn principal_axioms(&mut self) {
        let PrincipalRep::Sym(sp) = self.principal.clone() else { return };
        if self.principal_axioms_done {
            return;
        }
        self.principal_axioms_done = true;
        let mut ax = Vec::new();
        let kinds: Vec<T> = sp.kinds.iter().map(|k| self.p_kind_is(*k)).collect();
        ax.push(self.t.or(kinds));
        let in_acct = self.p_in_account();
        // Accounts: 12 digits (or an account the policies name in a shorter form).
        // `len = 12 ∧ [0-9]*` is the same set as `[0-9]{12}` and much cheaper for z3 4.8.12.
        let digit = self.t.re_range('0', '9');
        let digits = self.t.re_star(digit);
        let all_digits = self.t.in_re(sp.account, digits);
        let len = self.t.str_len(sp.account);
        let twelve_n = self.t.int(12);
        let len12 = self.t.eq(len, twelve_n);
        let mut acct_forms = vec![self.t.and([len12, all_digits])];
        for a in &sp.extra_accounts {
            let lit = self.t.str(a);
            acct_forms.push(self.t.eq(sp.account, lit));
        }
        let acct_ok = self.t.or(acct_forms);
        let empty = self.t.str("");
        let acct_empty = self.t.eq(sp.account, empty);
        let not_in_acct = self.t.not(in_acct);
        ax.push(self.t.implies(not_in_acct, acct_empty));
        let mut shapes = vec![self.t.implies(in_acct, acct_ok)];
        // Partition: a non-empty segment.
        let colon = self.t.str(":");
        let part_colon = self.t.contains(sp.part, colon);
        let no_colon_part = self.t.not(part_colon);
        let part_nonempty = self.t.ne(sp.part, empty);
        let part_ok = self.t.and([no_colon_part, part_nonempty]);
        shapes.push(self.t.implies(in_acct, part_ok));
        // Users, roles and federated users have a name without '/'; users and roles a path
        // that is empty or ends with '/' (the ARN drops the path's leading '/').
        let slash = self.t.str("/");
        let named = self.p_kind_in(&[PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser]);
        let pn_slash = self.t.contains(sp.pname, slash);
        let pn_ok = self.t.not(pn_slash);
        let pn_nonempty = self.t.ne(sp.pname, empty);
        let name_ok = self.t.and([pn_ok, pn_nonempty]);
        shapes.push(self.t.implies(named, name_ok));
        let pathed = self.p_kind_in(&[PrincipalKind::User, PrincipalKind::Role]);
        let path_empty = self.t.eq(sp.path, empty);
        let ends = self.t.suffix(slash, sp.path);
        let starts = self.t.prefix(slash, sp.path);
        let no_start = self.t.not(starts);
        let dbl = self.t.str("//");
        let has_dbl = self.t.contains(sp.path, dbl);
        let no_dbl = self.t.not(has_dbl);
        let path_form = self.t.and([ends, no_start, no_dbl]);
        let path_ok = self.t.or([path_empty, path_form]);
        shapes.push(self.t.implies(pathed, path_ok));
        // SOUNDNESS: none — a role session's ARN names the role without its path, which the
        // role principal still has (aws:PrincipalArn keeps it).
        let is_role = self.p_kind_is(PrincipalKind::Role);
        ax.push(self.t.implies(sp.has_sess, is_role));
        let sn_slash = self.t.contains(sp.sname, slash);
        let sn_ok = self.t.not(sn_slash);
        let sn_nonempty = self.t.ne(sp.sname, empty);
        let sess_shape = self.t.and([sn_ok, sn_nonempty]);
        shapes.push(self.t.implies(sp.has_sess, sess_shape));
        // Principals outside accounts have a name; service principals look like svc.amazonaws.com.
        let outside = self.p_kind_in(&[PrincipalKind::Service, PrincipalKind::WebIdentity, PrincipalKind::CanonicalUser]);
        let name_nonempty = self.t.ne(sp.name, empty);
        shapes.push(self.t.implies(outside, name_nonempty));
        let is_service = self.p_kind_is(PrincipalKind::Service);
        if self.t.as_bool(is_service) != Some(false) {
            // `[^:/ ]* . [^:/ ]*` as a positive regular expression: z3 4.8.12 times out on the
            // equivalent negated `str.contains` constraints next to a name equality.
            let plain = {
                let ranges = [('\u{0}', '\u{1f}'), ('!', '.'), ('0', '9'), (';', '\u{2ffff}')].map(|(lo, hi)| self.t.re_range(lo, hi));
                self.t.re_union(ranges)
            };
            let run = self.t.re_star(plain);
            let dot = self.t.re_lit(".");
            let shape = self.t.re_concat([run, dot, run]);
            let ok = self.t.in_re(sp.name, shape);
            shapes.push(self.t.implies(is_service, ok));
        }
        self.axioms.extend(ax);
        self.shapes.extend(shapes);
    }

    // ------------------------------------------------------------------ requests

    /// Add a request; returns its index.
    pub fn add_request(&mut self, action: ActionRep, resource: ResourceRep) -> usize {
        self.requests.push(RequestRep { action, resource, keys: BTreeMap::new() });
        self.requests.len() - 1
    }

    /// A symbolic action over `named` (display names) and, when `free` is `Some(service)`, one
    /// free action (restricted to `service` when given). The free action may coincide with a
    /// named one (a redundant model, harmless) unless `distinct` asks for an action that is none
    /// of them (an *unlisted* action).
    pub fn sym_action(&mut self, req_prefix: &str, named: &[String], free: Option<Option<String>>, distinct: bool) -> ActionRep {
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
    pub(crate) fn action_word(&mut self, name: T, svc: Option<&str>) -> T {
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

    /// A symbolic resource with its structural axioms.
    pub fn sym_resource(&mut self, req_prefix: &str) -> ResourceRep {
        let split = self.t.var(&format!("{req_prefix}resource.split"), Sort::Bool);
        let names = ["arn", "partition", "service", "region", "account", "resource"];
        let segs = names.map(|n| self.t.var(&format!("{req_prefix}resource.{n}"), Sort::Str));
        let whole = self.t.var(&format!("{req_prefix}resource.whole"), Sort::Str);
        let (split_ok, whole_ok) = self.split_axioms(&segs, whole);
        let a = self.t.implies(split, split_ok);
        let ns = self.t.not(split);
        let b = self.t.implies(ns, whole_ok);
        self.shapes.push(a);
        self.shapes.push(b);
        let text = self.textbook.then(|| self.textbook_resource_text(req_prefix, split, &segs, whole));
        ResourceRep::Sym { split, segs, whole, text }
    }

    /// (segments 1–5 contain no colon, `whole` has fewer than five colons).
    fn split_axioms(&mut self, segs: &[T; 6], whole: T) -> (T, T) {
        let colon = self.t.str(":");
        let mut no_colon = Vec::new();
        for s in &segs[..5] {
            let c = self.t.contains(*s, colon);
            no_colon.push(self.t.not(c));
        }
        let split_ok = self.t.and(no_colon);
        let at_most_four = self.at_most_four_colons_re();
        let whole_ok = self.t.in_re(whole, at_most_four);
        (split_ok, whole_ok)
    }

    /// Strings with at most four colons, as a positive regex (`[^:]*(:[^:]*)?` four times):
    /// z3 4.8.12 handles it far better than the complement of "five colons".
    pub(crate) fn at_most_four_colons_re(&mut self) -> T {
        let not_colon = self.not_colon_re();
        let run = self.t.re_star(not_colon);
        let colon = self.t.re_lit(":");
        let more = self.t.re_concat([colon, run]);
        let empty = self.t.re_lit("");
        let opt = self.t.re_union([empty, more]);
        self.t.re_concat([run, opt, opt, opt, opt])
    }

    /// Any one character but `:`.
    pub(crate) fn not_colon_re(&mut self) -> T {
        // SOUNDNESS: z3's alphabet ends at U+2FFFF; strings with later characters are outside
        // every query (under-approximation, encodings/README.md).
        let below = self.t.re_range('\u{0}', '9');
        let above = self.t.re_range(';', '\u{2ffff}');
        self.t.re_union([below, above])
    }

    /// The resource as one string.
    pub fn resource_term(&mut self, req: usize) -> T {
        match self.requests[req].resource.clone() {
            ResourceRep::Lit(s) => self.t.str(&s),
            ResourceRep::Sym { text: Some(text), .. } => text,
            ResourceRep::Sym { split, segs, whole, text: None } => {
                let joined = self.join_arn(&segs);
                self.t.ite(split, joined, whole)
            }
        }
    }

    /// (resource has five colons, its six segments) — `arn_segments` semantics.
    pub fn resource_segs(&mut self, req: usize) -> (T, [T; 6]) {
        match self.requests[req].resource.clone() {
            ResourceRep::Lit(s) => match arn_segments(&s) {
                Some(segs) => {
                    let tt = self.t.tt();
                    (tt, segs.map(|x| self.t.str(x)))
                }
                None => {
                    let ff = self.t.ff();
                    let e = self.t.str("");
                    (ff, [e; 6])
                }
            },
            ResourceRep::Sym { split, segs, .. } => (split, segs),
        }
    }

    /// The account that owns the resource, `Arn::parse` semantics: (has one, the account).
    pub fn resource_account(&mut self, req: usize) -> (T, T) {
        let (split, segs) = self.resource_segs(req);
        let arn = self.t.str("arn");
        let is_arn = self.t.eq(segs[0], arn);
        let empty = self.t.str("");
        let nonempty = self.t.ne(segs[4], empty);
        let has = self.t.and([split, is_arn, nonempty]);
        (has, segs[4])
    }

    pub fn action_is_kms(&mut self, req: usize) -> T {
        match self.requests[req].action.clone() {
            ActionRep::Const { canonical, .. } => self.t.bool(canonical.starts_with("kms:")),
            ActionRep::Sym { text: Some(text), .. } => {
                let kms = self.t.re_lit("kms:");
                let all = self.t.re_all();
                let re = self.t.re_concat([kms, all]);
                self.t.in_re(text, re)
            }
            ActionRep::Sym { idx, named, free, text: None } => {
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

    // ------------------------------------------------------------------ context keys

    fn usage_of(&self, key: &ContextKey) -> KeyUsage {
        let mut u = self.usage.get(key.canonical()).cloned().unwrap_or(KeyUsage { string: true, ..KeyUsage::default() });
        if let Some(s) = self.min_scale.get(key.canonical()) {
            // `scale + 1` is the view's scale; make it cover the pinned value's digits.
            u.scale = u.scale.max(s.saturating_sub(1));
        }
        u
    }

    /// The representation of `key` in request `req` (created on first use).
    pub fn key(&mut self, req: usize, key: &ContextKey) -> KeyRep {
        let k = key.canonical().to_string();
        if let Some(d) = self.derived_key(req, key) {
            return d;
        }
        if keys::is_principal_scoped(key) {
            if let Some(r) = self.shared_keys.get(&k) {
                return r.clone();
            }
            let rep = self.free_key("p.ctx.", key);
            // Principals outside accounts carry no principal keys; aws:userid is always present
            // for signed requests. SOUNDNESS: AWS documents aws:PrincipalAccount "anonymous"
            // for anonymous callers; CONTROLS.md says they carry no principal keys.
            let in_acct = self.p_in_account();
            let ax = self.t.implies(rep.present, in_acct);
            self.axioms.push(ax);
            if key.canonical() == keys::USERID {
                let ax = self.t.implies(in_acct, rep.present);
                self.axioms.push(ax);
            }
            self.shared_keys.insert(k, rep.clone());
            return rep;
        }
        if let Some(r) = self.requests[req].keys.get(&k) {
            return r.clone();
        }
        let rep = self.free_key(&format!("q{req}.ctx."), key);
        if keys::is_always_present(key) {
            // SOUNDNESS: aws:CurrentTime and aws:EpochTime are not linked to each other
            // (over-approximation: two clocks that disagree).
            let p = rep.present;
            self.axioms.push(p);
        }
        self.requests[req].keys.insert(k, rep.clone());
        rep
    }

    /// A key with constant values (`const_context`): every view is a literal.
    fn const_key(&mut self, key: &ContextKey, values: &[String]) -> KeyRep {
        let u = self.usage_of(key);
        let present = self.t.bool(!values.is_empty());
        let slots = values
            .iter()
            .map(|v| {
                let tt = self.t.tt();
                let s = (u.string || u.arn || !(u.numeric || u.date || u.ip)).then(|| self.t.str(v));
                let arn = u.arn.then(|| match arn_segments(v) {
                    Some(segs) => (tt, segs.map(|x| self.t.str(x))),
                    None => {
                        let ff = self.t.ff();
                        let e = self.t.str("");
                        (ff, [e; 6])
                    }
                });
                let scale = u.scale + 1;
                let num = u.numeric.then(|| match Decimal::parse(v) {
                    Some(d) => (tt, self.scaled(&d, scale), scale),
                    None => (self.t.ff(), self.t.int(0), scale),
                });
                let date = u.date.then(|| match crate::model::value::Timestamp::parse(v) {
                    Some(ts) => (tt, self.t.int(ts.0 as i128)),
                    None => (self.t.ff(), self.t.int(0)),
                });
                let ip = u.ip.then(|| match crate::model::value::Ip::parse(v) {
                    Some(ip) => (tt, self.t.bool(ip.v6), self.t.bv(ip.bits, 128)),
                    None => (self.t.ff(), self.t.ff(), self.t.bv(0, 128)),
                });
                Slot { active: tt, s, arn, num, date, ip }
            })
            .collect::<Vec<_>>();
        let slots = if slots.is_empty() {
            // An absent key: one inactive slot with every view the clauses may read.
            let (ff, e, zero) = (self.t.ff(), self.t.str(""), self.t.int(0));
            let bv0 = self.t.bv(0, 128);
            let s = (u.string || u.arn || !(u.numeric || u.date || u.ip)).then_some(e);
            vec![Slot {
                active: ff,
                s,
                arn: u.arn.then_some((ff, [e; 6])),
                num: u.numeric.then_some((ff, zero, u.scale + 1)),
                date: u.date.then_some((ff, zero)),
                ip: u.ip.then_some((ff, ff, bv0)),
            }]
        } else {
            slots
        };
        KeyRep { key: key.clone(), present, multi: keys::is_multi_valued(key), slots, decode: true, derived_when: None }
    }

    /// A free key with the views its usage needs.
    fn free_key(&mut self, prefix: &str, key: &ContextKey) -> KeyRep {
        if let Some(ctx) = &self.const_context {
            let values = ctx.get(key).map(|v| v.to_vec()).unwrap_or_default();
            return self.const_key(key, &values);
        }
        let u = self.usage_of(key);
        let base = format!("{prefix}{}", key.name());
        let multi = keys::is_multi_valued(key);
        let extra = self.extra_slots.get(key.canonical()).copied().unwrap_or(0);
        let n = if multi { u.clauses.max(1).max(extra) } else { 1 };
        let stringish = u.string || u.arn;
        let families = [stringish, u.numeric, u.date, u.ip].iter().filter(|b| **b).count();
        // SOUNDNESS: a key compared with operators of two types is a refusal (unknown).
        if families > 1 {
            self.unsupported(format!(
                "condition key {} is compared with operators of different types (string, numeric, date, IP)",
                key.name()
            ));
        }
        let mut slots = Vec::new();
        let present_var = self.t.var(&format!("{base}.present"), Sort::Bool);
        for j in 0..n {
            let sb = if multi { format!("{base}.{j}") } else { base.clone() };
            let active = if multi { self.t.var(&format!("{sb}.active"), Sort::Bool) } else { present_var };
            let mut slot = Slot { active, s: None, arn: None, num: None, date: None, ip: None };
            if u.arn {
                let split = self.t.var(&format!("{sb}.split"), Sort::Bool);
                let names = ["arn", "partition", "service", "region", "account", "resource"];
                let segs = names.map(|n| self.t.var(&format!("{sb}.{n}"), Sort::Str));
                let whole = self.t.var(&format!("{sb}.whole"), Sort::Str);
                let (split_ok, whole_ok) = self.split_axioms(&segs, whole);
                let a = self.t.implies(split, split_ok);
                let ns = self.t.not(split);
                let b = self.t.implies(ns, whole_ok);
                self.shapes.push(a);
                self.shapes.push(b);
                let joined = self.join_arn(&segs);
                slot.s = Some(self.t.ite(split, joined, whole));
                slot.arn = Some((split, segs));
            } else if stringish || families == 0 {
                slot.s = Some(self.t.var(&format!("{sb}.s"), Sort::Str));
            }
            if u.numeric {
                let ok = self.t.var(&format!("{sb}.num_ok"), Sort::Bool);
                let v = self.t.var(&format!("{sb}.num"), Sort::Int);
                let scale = u.scale + 1;
                // SOUNDNESS: numbers have at most 18 integer digits, as Decimal::parse accepts
                // (under-approximation of AWS, which documents no limit).
                let bound = 10i128.pow(18 + scale);
                let lo = self.t.int(-bound);
                let hi = self.t.int(bound);
                let a = self.t.lt(lo, v);
                let b = self.t.lt(v, hi);
                let both = self.t.and([a, b]);
                let ax = self.t.implies(ok, both);
                self.axioms.push(ax);
                slot.num = Some((ok, v, scale));
            }
            if u.date {
                let ok = self.t.var(&format!("{sb}.date_ok"), Sort::Bool);
                let v = self.t.var(&format!("{sb}.date"), Sort::Int);
                // SOUNDNESS: dates lie in years 0001–9999, the range the date parser and printer
                // round-trip (under-approximation).
                let lo = self.t.int(-62_135_596_800_000);
                let hi = self.t.int(253_402_300_799_999);
                let a = self.t.le(lo, v);
                let b = self.t.le(v, hi);
                let both = self.t.and([a, b]);
                let ax = self.t.implies(ok, both);
                self.axioms.push(ax);
                slot.date = Some((ok, v));
            }
            if u.ip {
                let ok = self.t.var(&format!("{sb}.ip_ok"), Sort::Bool);
                let v6 = self.t.var(&format!("{sb}.ip_v6"), Sort::Bool);
                let bits = self.t.var(&format!("{sb}.ip"), Sort::Bv(128));
                // An IPv4 address lives in the low 32 bits.
                let high = self.t.bv(!0u128 << 32, 128);
                let masked = self.t.bv_and(bits, high);
                let zero = self.t.bv(0, 128);
                let low_only = self.t.eq(masked, zero);
                let nv6 = self.t.not(v6);
                let ax = self.t.implies(nv6, low_only);
                self.axioms.push(ax);
                slot.ip = Some((ok, v6, bits));
            }
            slots.push(slot);
        }
        let present = if multi {
            let actives: Vec<T> = slots.iter().map(|s| s.active).collect();
            let any = self.t.or(actives);
            let ax = self.t.iff(present_var, any);
            self.axioms.push(ax);
            present_var
        } else {
            present_var
        };
        KeyRep { key: key.clone(), present, multi, slots, decode: true, derived_when: None }
    }

    /// Keys fixed by the request (CONTROLS.md "Context consistency"; mirrors
    /// `Request::effective_context`). `None` for keys that are not derived.
    fn derived_key(&mut self, req: usize, key: &ContextKey) -> Option<KeyRep> {
        let single = |_: &mut Terms, present: T, value: T| derived_rep(key, present, value);
        let k = key.canonical();
        let u = self.usage_of(key);
        if (u.numeric || u.date || u.ip) && is_derived_name(k) {
            self.unsupported(format!("{} is compared with a numeric, date or IP operator", key.name()));
        }
        let rep = match k {
            keys::PRINCIPAL_ARN => {
                let in_acct = self.p_in_account();
                let v = self.p_arn();
                let segs = self.p_arn_segs();
                let mut r = single(&mut self.t, in_acct, v);
                r.slots[0].arn = Some((in_acct, segs));
                r
            }
            keys::PRINCIPAL_ACCOUNT => {
                let in_acct = self.p_in_account();
                let v = self.p_account();
                single(&mut self.t, in_acct, v)
            }
            keys::CALLER_ACCOUNT => {
                let in_acct = self.p_in_account();
                let kms = self.action_is_kms(req);
                let present = self.t.and([in_acct, kms]);
                let v = self.p_account();
                single(&mut self.t, present, v)
            }
            keys::PRINCIPAL_TYPE => {
                let mut value = self.t.str("");
                let mut present_parts = Vec::new();
                for kind in [PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser] {
                    let is = self.p_kind_is(kind);
                    let name = self.t.str(kind.principal_type().unwrap_or(""));
                    value = self.t.ite(is, name, value);
                    present_parts.push(is);
                }
                let present = self.t.or(present_parts);
                single(&mut self.t, present, value)
            }
            keys::USERNAME => {
                let is_user = self.p_kind_is(PrincipalKind::User);
                // The user's name: the part of the ARN after its last '/'.
                let name = match self.principal.clone() {
                    PrincipalRep::Const(p) => {
                        let n = p.arn.rsplit('/').next().unwrap_or("").to_string();
                        self.t.str(&n)
                    }
                    PrincipalRep::Sym(sp) => sp.pname,
                };
                single(&mut self.t, is_user, name)
            }
            keys::PRINCIPAL_SERVICE_NAME => {
                let is = self.p_kind_is(PrincipalKind::Service);
                let n = self.p_name();
                single(&mut self.t, is, n)
            }
            keys::PRINCIPAL_IS_AWS_SERVICE => {
                let is = self.p_kind_is(PrincipalKind::Service);
                let in_acct = self.p_in_account();
                let present = self.t.or([is, in_acct]);
                let yes = self.t.str("true");
                let no = self.t.str("false");
                let v = self.t.ite(is, yes, no);
                single(&mut self.t, present, v)
            }
            keys::RESOURCE_ACCOUNT => {
                let (has, acct) = self.resource_account(req);
                return Some(self.partly_derived(req, key, has, acct));
            }
            keys::REQUESTED_REGION => {
                let (split, segs) = self.resource_segs(req);
                let arn = self.t.str("arn");
                let is_arn = self.t.eq(segs[0], arn);
                let kms_lit = self.t.str("kms");
                let is_kms_res = self.t.eq(segs[2], kms_lit);
                let empty = self.t.str("");
                let has_region = self.t.ne(segs[3], empty);
                let kms_action = self.action_is_kms(req);
                let when = self.t.and([split, is_arn, is_kms_res, has_region, kms_action]);
                return Some(self.partly_derived(req, key, when, segs[3]));
            }
            _ => return None,
        };
        Some(rep)
    }

    /// A key derived from the request when `when` holds, otherwise a free key.
    fn partly_derived(&mut self, req: usize, key: &ContextKey, when: T, value: T) -> KeyRep {
        let k = key.canonical().to_string();
        let free = match self.requests[req].keys.get(&k) {
            Some(r) => r.clone(),
            None => {
                let mut r = self.free_key(&format!("q{req}.ctx."), key);
                // The decoder writes the free value only when the request does not fix it.
                r.derived_when = Some(when);
                self.requests[req].keys.insert(k, r.clone());
                r
            }
        };
        let fs = free.slots[0].clone();
        let present = self.t.or([when, free.present]);
        let fv = fs.s.unwrap_or(value);
        let v = self.t.ite(when, value, fv);
        KeyRep {
            key: key.clone(),
            present,
            multi: false,
            slots: vec![Slot { active: present, s: Some(v), arn: None, num: None, date: None, ip: None }],
            decode: false,
            derived_when: Some(when),
        }
    }

    /// Finish the query: the principal's structural axioms.
    pub fn finish(&mut self) {
        self.principal_axioms();
    }

    /// Every axiom of the query: the structural ones and the string shapes.
    pub fn all_axioms(&self) -> Vec<T> {
        self.axioms.iter().chain(self.shapes.iter()).copied().collect()
    }

    /// The scaled integer of a decimal constant for a key's numeric view.
    pub fn scaled(&mut self, d: &Decimal, scale: u32) -> T {
        let v = d.mantissa * 10i128.pow(scale.saturating_sub(d.scale));
        self.t.int(v)
    }

    /// Base operator of a clause → is this key compared as a number/date/IP?
    pub fn family_of(op: BaseOp) -> Family {
        op.family()
    }
}

fn is_derived_name(k: &str) -> bool {
    matches!(
        k,
        keys::PRINCIPAL_ARN
            | keys::PRINCIPAL_ACCOUNT
            | keys::CALLER_ACCOUNT
            | keys::PRINCIPAL_TYPE
            | keys::USERNAME
            | keys::PRINCIPAL_SERVICE_NAME
            | keys::PRINCIPAL_IS_AWS_SERVICE
            | keys::RESOURCE_ACCOUNT
            | keys::REQUESTED_REGION
    )
}

/// A key whose value the request determines.
fn derived_rep(key: &ContextKey, present: T, value: T) -> KeyRep {
    KeyRep {
        key: key.clone(),
        present,
        multi: false,
        slots: vec![Slot { active: present, s: Some(value), arn: None, num: None, date: None, ip: None }],
        decode: false,
        derived_when: None,
    }
}
