//! The symbolic principal: who may make the request. Its kind, and for principals in an
//! account the parts of its ARN (partition, account, IAM path and name), a role session's name,
//! or a service principal's name; the structural axioms that make it look like a real
//! principal of its kind; its views (ARN, account, session ARN, name) that patterns and derived
//! context keys read; and the constraints of a `PrincipalSpec` — fresh outsiders, accounts,
//! authorized-principal patterns (CONTROLS.md "Principals are identities").

use super::{join_arn, kind_index, PrincipalRep, ResourceRep, SymArn, SymPrincipal, PARTITION};
use crate::model::keys;
use crate::model::named::Named;
use crate::model::principal::{Principal, PrincipalKind};
use crate::model::request_spec::PrincipalSpec;
use crate::model::template::{Syntax, Template};
use crate::model::value::{arn_segments, ArnParts};
use crate::model::ContextKey;
use crate::smt::encode::Encoder;
use crate::smt::readable::Role;
use crate::smt::term::{Sort, T};

impl Encoder {
    pub(in crate::smt::encode) fn set_principal_const(&mut self, p: Principal) {
        self.principal = PrincipalRep::Const(p);
    }

    /// A symbolic principal of one of `kinds`. `extra_accounts` are account strings other
    /// than 12-digit ids that it may have (accounts a policy names in a shorter form).
    pub(in crate::smt::encode) fn set_principal_sym(&mut self, kinds: &[PrincipalKind], extra_accounts: Vec<String>) -> SymPrincipal {
        let t = &mut self.t;
        // String variables are named by their role (`crate::smt::readable::Role`); the fields
        // are made in this order (the query's term numbering follows it).
        let role = |t: &mut crate::smt::term::Terms, r: Role| t.var(&format!("p.{}", r.suffix()), Sort::Str);
        let sp = SymPrincipal {
            kind: t.var("p.kind", Sort::Int),
            kinds: kinds.to_vec(),
            part: role(t, Role::Partition),
            account: role(t, Role::Account),
            path: role(t, Role::Path),
            pname: role(t, Role::PrincipalName),
            name: role(t, Role::ServiceName),
            has_sess: t.var("p.has_session", Sort::Bool),
            sname: role(t, Role::SessionName),
            extra_accounts,
        };
        self.principal = PrincipalRep::Sym(sp.clone());
        self.principal_axioms_done = false;
        sp
    }

    pub(in crate::smt::encode) fn p_kind_is(&mut self, k: PrincipalKind) -> T {
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

    pub(in crate::smt::encode) fn p_kind_in(&mut self, ks: &[PrincipalKind]) -> T {
        let parts: Vec<T> = ks.iter().map(|k| self.p_kind_is(*k)).collect();
        self.t.or(parts)
    }

    pub(in crate::smt::encode) fn p_in_account(&mut self) -> T {
        self.p_kind_in(&[PrincipalKind::Root, PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser])
    }

    /// The account id (empty string for principals outside accounts).
    pub(in crate::smt::encode) fn p_account(&mut self) -> T {
        match &self.principal {
            PrincipalRep::Const(p) => {
                let a = p.account.clone();
                self.t.str(&a)
            }
            PrincipalRep::Sym(sp) => sp.account,
        }
    }

    /// The six ARN segments of an account principal (user, role, root, federated user).
    pub(in crate::smt::encode) fn p_arn_segs(&mut self) -> [T; 6] {
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

    /// The principal's ARN as a symbolic ARN: split (six segments) for principals in an
    /// account, else the service / provider / canonical name as the unsplit string.
    pub(in crate::smt::encode) fn p_sym_arn(&mut self) -> SymArn {
        let split = self.p_in_account();
        let text = self.p_arn();
        let segs = self.p_arn_segs();
        let whole = match &self.principal {
            PrincipalRep::Sym(sp) => sp.name,
            PrincipalRep::Const(_) => text,
        };
        SymArn { split, segs, whole }
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
    pub(in crate::smt::encode) fn p_arn(&mut self) -> T {
        match self.principal.clone() {
            PrincipalRep::Const(p) => self.t.str(&p.arn),
            PrincipalRep::Sym(sp) => {
                let segs = self.p_arn_segs();
                let joined = join_arn(&mut self.t, &segs);
                let in_acct = self.p_in_account();
                self.t.ite(in_acct, joined, sp.name)
            }
        }
    }

    /// (has a session, session ARN).
    pub(in crate::smt::encode) fn p_session(&mut self) -> (T, T) {
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
    pub(in crate::smt::encode) fn p_name(&mut self) -> T {
        match &self.principal {
            PrincipalRep::Const(p) => {
                let n = if p.kind.in_account() { String::new() } else { p.arn.clone() };
                self.t.str(&n)
            }
            PrincipalRep::Sym(sp) => sp.name,
        }
    }

    /// Structure of the symbolic principal: what a real principal of each kind looks like.
    pub(in crate::smt::encode) fn principal_axioms(&mut self) {
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
        // Users, roles and federated users have a name without '/' or ':' (IAM and STS names
        // are `[\w+=,.@-]+`); users and roles a path
        // that is empty or ends with '/' (the ARN drops the path's leading '/').
        let slash = self.t.str("/");
        let named = self.p_kind_in(&[PrincipalKind::User, PrincipalKind::Role, PrincipalKind::FederatedUser]);
        let pn_slash = self.t.contains(sp.pname, slash);
        let pn_colon = self.t.contains(sp.pname, colon);
        let pn_bad = self.t.or([pn_slash, pn_colon]);
        let pn_ok = self.t.not(pn_bad);
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
        // A role calls through a session, and only roles have sessions. A session's ARN names
        // the role without its path, which the role principal still has (aws:PrincipalArn).
        let is_role = self.p_kind_is(PrincipalKind::Role);
        ax.push(self.t.iff(sp.has_sess, is_role));
        let sn_slash = self.t.contains(sp.sname, slash);
        let sn_colon = self.t.contains(sp.sname, colon);
        let sn_bad = self.t.or([sn_slash, sn_colon]);
        let sn_ok = self.t.not(sn_bad);
        let sn_nonempty = self.t.ne(sp.sname, empty);
        let sess_shape = self.t.and([sn_ok, sn_nonempty]);
        shapes.push(self.t.implies(sp.has_sess, sess_shape));
        // Service principals have a name that looks like svc.amazonaws.com.
        let outside = self.p_kind_is(PrincipalKind::Service);
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

    /// Set up the principal of the encoder and return its constraints.
    pub(in crate::smt::encode) fn principal_spec(&mut self, spec: &PrincipalSpec, named: &Named) -> Vec<T> {
        let enc = self;
        match spec {
            PrincipalSpec::Fixed(p) => {
                enc.set_principal_const(p.clone());
                vec![]
            }
            PrincipalSpec::Any { kinds, fresh, accounts, not_accounts, not_matching, matching } => {
                let extra: Vec<String> = named.accounts().filter(|a| a.len() != 12).cloned().collect();
                enc.set_principal_sym(kinds, extra);
                let mut out = Vec::new();
                let acct = enc.p_account();
                let in_acct = enc.p_in_account();
                if let Some(list) = accounts {
                    let alts: Vec<T> = list
                        .iter()
                        .map(|a| {
                            let l = enc.t.str(a);
                            enc.t.eq(acct, l)
                        })
                        .collect();
                    let one = enc.t.or(alts);
                    out.push(enc.t.implies(in_acct, one));
                }
                for a in not_accounts {
                    let l = enc.t.str(a);
                    out.push(enc.t.ne(acct, l));
                }
                if *fresh {
                    for a in named.accounts() {
                        let l = enc.t.str(a);
                        out.push(enc.t.ne(acct, l));
                    }
                    // ARN and name not named either.
                    let arn = enc.p_arn();
                    for v in &named.values {
                        let l = enc.t.str(v);
                        out.push(enc.t.ne(arn, l));
                    }
                    // Its organization (an org path names it too: the facts tie the paths to
                    // the id) and its unique id (`AROAEXAMPLEID:*` names a role) are not named.
                    let org = ContextKey::new("aws:PrincipalOrgID");
                    let org_read = enc.usage.contains_key(org.canonical()) || enc.usage.contains_key("aws:principalorgpaths");
                    if enc.usage.contains_key(keys::USERID) {
                        // The free part (users' and sessions' ids; root's and federated users'
                        // derive from the fresh account); unique ids have no ':' or '/'.
                        enc.key(0, &ContextKey::new("aws:userid"));
                        if let Some(uid) = enc.shared_keys.get(keys::USERID).cloned() {
                            if let Some(s) = uid.slots[0].s {
                                let colon = enc.t.str(":");
                                let free = enc.p_kind_in(&[PrincipalKind::User, PrincipalKind::Role]);
                                for v in named.values.iter().filter(|v| !v.contains([':', '/'])) {
                                    let l = enc.t.str(v);
                                    let same = enc.t.eq(s, l);
                                    let pre = enc.t.concat([l, colon]);
                                    let starts = enc.t.prefix(pre, s);
                                    let either = enc.t.or([same, starts]);
                                    let named_id = enc.t.and([free, uid.present, either]);
                                    out.push(enc.t.not(named_id));
                                }
                            }
                        }
                    }
                    let rep = if org_read { Some(enc.key(0, &org)) } else { None };
                    if let Some((rep, Some(s))) = rep.map(|r| {
                        let s = r.slots[0].s;
                        (r, s)
                    }) {
                        for v in &named.values {
                            let l = enc.t.str(v);
                            let ne = enc.t.ne(s, l);
                            out.push(enc.t.implies(rep.present, ne));
                        }
                    }
                }
                for pat in not_matching {
                    let m = enc.principal_matches_pattern(pat);
                    out.push(enc.t.not(m));
                }
                if !matching.is_empty() {
                    let ms: Vec<T> = matching.iter().map(|pat| enc.principal_matches_pattern(pat)).collect();
                    out.push(enc.t.or(ms));
                }
                out
            }
        }
    }

    /// The principal matches an authorized-principal pattern: an account id (every principal of
    /// the account), an ARN glob matched against the caller's ARN and, for a role session, its
    /// role's ARN, path included (`role/KeyAdmin` covers neither `role/ops/KeyAdmin` nor its
    /// sessions), or a service principal name.
    pub(in crate::smt::encode) fn principal_matches_pattern(&mut self, pattern: &str) -> T {
        let enc = self;
        if crate::model::principal::is_account_like(pattern) {
            let in_acct = enc.p_in_account();
            let acct = enc.p_account();
            let l = enc.t.str(pattern);
            let e = enc.t.eq(acct, l);
            return enc.t.and([in_acct, e]);
        }
        let syntax = Syntax { wildcards: true, variables: false };
        if pattern.starts_with("arn:") {
            let Ok(arn) = crate::model::condition::parse_arn_pattern(pattern, false) else { return enc.t.ff() };
            let segs = enc.p_arn_segs();
            let in_acct = enc.p_in_account();
            let by_arn = enc.arn_pattern(0, &arn, &segs);
            let by_arn = enc.t.and([in_acct, by_arn]);
            let (has, sess) = enc.p_session();
            let Ok(t) = Template::parse(pattern, syntax) else { return by_arn };
            let r = enc.resolve(0, &t);
            // Only a pattern whose service segment can be `sts` can name a session ARN; deciding
            // that here keeps a false word equation away from the solver (z3 4.8.12 is slow on
            // `"arn:" ++ p ++ ":sts::" … = "arn:aws:iam::…"`).
            let sts_ok = ArnParts::split(pattern).is_some_and(|a| a.service == "sts" || a.service.contains(['*', '?']));
            let m = if sts_ok { enc.glob(&r, sess) } else { enc.t.ff() };
            let by_session = enc.t.and([has, m]);
            return enc.t.or([by_arn, by_session]);
        }
        match Template::parse(pattern, syntax) {
            Ok(t) => {
                let outside = enc.p_kind_is(PrincipalKind::Service);
                let r = enc.resolve(0, &t);
                let n = enc.p_name();
                let m = enc.glob(&r, n);
                enc.t.and([outside, m])
            }
            Err(_) => enc.t.ff(),
        }
    }

    /// Principals in an account and the ARN resource they address share a partition (IAM
    /// principals cannot reach resources of another partition — aws, aws-cn, aws-us-gov).
    pub(in crate::smt::encode) fn same_partition(&mut self, r: &ResourceRep) -> Vec<T> {
        let enc = self;
        let res_part = match r {
            ResourceRep::Lit(s) => match ArnParts::split(s) {
                Some(a) if a.is_arn() => enc.t.str(a.partition),
                _ => return vec![],
            },
            ResourceRep::Sym { arn, .. } if enc.t.as_str(arn.whole) == Some("") => arn.segs[PARTITION],
            _ => return vec![],
        };
        if !matches!(enc.principal, PrincipalRep::Sym(_)) {
            return vec![];
        }
        let part = enc.p_arn_segs()[PARTITION];
        let in_acct = enc.p_in_account();
        let eq = enc.t.eq(part, res_part);
        vec![enc.t.implies(in_acct, eq)]
    }
}
