//! The request-context facts as constraints on the symbolic requests of a property: only
//! requests AWS can send are in its range (CONTROLS.md "Request-context facts", the table of
//! `crate::model::context_facts`, which the evaluator's check `crate::model::request_facts`
//! reads too). The decision itself (`decision.rs`) stays defined for every request, as
//! `crate::eval` is, so a pinned request decides the same either way; the facts only narrow
//! what a property ranges over (`Encoder::enable_facts`).
//!
//! - the request's shape: a cataloged KMS operation that takes no key is requested against
//!   `*`, one that takes a key never is; KMS accepts no anonymous request;
//! - per key (when it is created): which callers' requests carry it, on which call path, for
//!   which actions, always or sometimes; Bool keys are `true` or `false`;
//! - between keys (when the query is finished): `kms:EncryptionContext:K` exactly when K is
//!   one of `kms:EncryptionContextKeys`; `aws:SourceAccount` is the account of `aws:SourceArn`;
//!   organization paths start with the organization id; `aws:userid` of a role session ends in
//!   `:SESSION`, a user's has no colon.

use super::KeyRep;
use crate::model::catalog::{self, KMS_ACTIONS};
use crate::model::context_facts::{self, Actions, CallPath, Caller, KeyType, Presence, Tie};
use crate::model::key::ContextKey;
use crate::model::keys;
use crate::model::principal::PrincipalKind;
use crate::model::request_spec::ResourceSpec;
use crate::smt::encode::Encoder;
use crate::smt::term::{Sort, T};

fn lower_all(v: Vec<String>) -> Vec<String> {
    v.into_iter().map(|a| a.to_ascii_lowercase()).collect()
}

impl Encoder {
    /// Keep this query's requests to those AWS can send. Called before any request is added:
    /// the facts between keys need value slots and views the policies alone would not ask for.
    pub(in crate::smt::encode) fn enable_facts(&mut self) {
        self.facts = true;
        // One more kms:EncryptionContextKeys slot per kms:EncryptionContext:K the policies
        // read: each such K that is present must be one of its values.
        let mut ec_keys: Vec<String> = self.usage.keys().filter(|k| k.starts_with("kms:encryptioncontext:")).cloned().collect();
        ec_keys.sort();
        if let Some(u) = self.usage.get_mut("kms:encryptioncontextkeys") {
            // Slots 0..clauses witness the clauses; slot clauses + i is kms:EncryptionContext
            // key i's own (`encryption_context_facts`).
            self.ec_slots = Some((u.clauses.max(1), ec_keys.clone()));
            u.clauses = u.clauses.max(1) + ec_keys.len();
        }
        // aws:SourceAccount is compared with the account segment of aws:SourceArn, and so is
        // the account a service acts for (CIS-KMS-EXPOSED:external).
        if let Some(u) = self.usage.get_mut("aws:sourcearn") {
            u.arn = true;
            u.string = true;
        }
    }

    /// The shape facts of request `req`, whose resource comes from `resource`.
    pub(in crate::smt::encode) fn shape_facts(&mut self, req: usize, resource: &ResourceSpec) -> Vec<T> {
        let (keyless, keyed): (Vec<_>, Vec<_>) = KMS_ACTIONS.iter().partition(|a| !catalog::takes_a_key(&a.full_name()));
        let lower = |v: Vec<&catalog::KmsAction>| v.iter().map(|a| a.full_name().to_ascii_lowercase()).collect::<Vec<_>>();
        let (keyless, keyed) = (lower(keyless), lower(keyed));
        let mut out = match resource {
            // A key ARN is never `*`: the action is not one that takes no key.
            ResourceSpec::Key { .. } => vec![self.action_none_of(req, &keyless)],
            ResourceSpec::Fixed(r) if r == "*" => vec![self.action_none_of(req, &keyed)],
            ResourceSpec::Fixed(_) => vec![self.action_none_of(req, &keyless)],
            ResourceSpec::Any => {
                let res = self.resource_term(req);
                let star = self.t.str("*");
                let is_star = self.t.eq(res, star);
                let not_keyless = self.action_none_of(req, &keyless);
                let not_keyed = self.action_none_of(req, &keyed);
                let keyless_star = self.t.or([not_keyless, is_star]);
                let not_star = self.t.not(is_star);
                let keyed_not_star = self.t.or([not_keyed, not_star]);
                vec![keyless_star, keyed_not_star]
            }
        };
        // A key ARN's key id is a lower-case UUID or mrk- and 32 lower-case hex digits
        // (CONTROLS.md): `key/MRK-*` names no key. A shape axiom (`crate::smt::lazy`), and only
        // where a policy's key pattern could match what is no key id (`names_malformed_key_ids`).
        // SOUNDNESS: over-approximation elsewhere (ids stay free: where policy variables name
        // keys the fact cost z3 seconds); prettified counterexamples get readable ids.
        if !matches!(resource, ResourceSpec::Fixed(_)) && self.key_id_patterns {
            let (split, segs) = self.resource_segs(req);
            let kms = self.t.str("kms");
            let is_kms = self.t.eq(segs[2], kms);
            let key_pre = self.t.str("key/");
            let is_key = self.t.prefix(key_pre, segs[5]);
            let re = self.key_resource_re();
            let shaped = self.t.in_re(segs[5], re);
            let len = self.t.str_len(segs[5]);
            let forty = self.t.int(40);
            let long = self.t.eq(len, forty);
            let well_formed = self.t.and([shaped, long]);
            let a_key = self.t.and([split, is_kms, is_key]);
            let shape = self.t.implies(a_key, well_formed);
            self.shapes.push(shape);
        }
        // KMS API Reference: every KMS call is signed.
        let kms = self.action_is_kms(req);
        let anonymous = self.p_kind_is(PrincipalKind::Anonymous);
        let signed = self.t.not(anonymous);
        out.push(self.t.implies(kms, signed));
        out
    }

    /// The facts of one key, as it is created (`req` is `None` for keys of the principal).
    pub(in crate::smt::encode) fn key_facts(&mut self, req: Option<usize>, rep: &KeyRep) {
        if !self.facts {
            return;
        }
        let Some(fact) = context_facts::lookup(&rep.key) else { return };
        let may: Vec<PrincipalKind> = Caller::ALL.iter().filter(|c| fact.presence(**c) != Presence::Never).map(|c| c.kind()).collect();
        let always: Vec<PrincipalKind> = Caller::ALL.iter().filter(|c| fact.presence(**c) == Presence::Always).map(|c| c.kind()).collect();
        // A partly derived key: its free part stands for the request only where not derived.
        let free_part = match rep.derived_when {
            Some(w) => self.t.not(w),
            None => self.t.tt(),
        };
        let present = self.t.and([free_part, rep.present]);
        let mut may_conds = vec![self.p_kind_in(&may)];
        let mut must_conds = vec![free_part, self.p_kind_in(&always)];
        if let Some(req) = req {
            if fact.path == CallPath::Through {
                let via = self.via_aws_service(req);
                may_conds.push(via);
                must_conds.push(via);
            }
            if fact.actions == Actions::Listed {
                let without = lower_all(context_facts::kms_actions_without(fact.key));
                let not_unlisting = self.action_none_of(req, &without);
                may_conds.push(not_unlisting);
                let kms = self.action_is_kms(req);
                if fact.key.to_ascii_lowercase().starts_with("kms:") {
                    may_conds.push(kms);
                }
                // Always present only for the cataloged actions that list it.
                let listing: Vec<String> = KMS_ACTIONS
                    .iter()
                    .map(|a| a.full_name())
                    .filter(|a| context_facts::listed_for(fact.key, a) == Some(true))
                    .map(|a| a.to_ascii_lowercase())
                    .collect();
                let not_listing = self.action_none_of(req, &listing);
                must_conds.push(self.t.not(not_listing));
            }
        }
        let may_t = self.t.and(may_conds);
        let ax = self.t.implies(present, may_t);
        self.axioms.push(ax);
        // Always present: CurrentTime, SecureTransport, … (the families name no one key; a key
        // of the resource that the resource does not determine is free, as in the check).
        if !fact.is_family() && fact.tie != Tie::Resource {
            let must = self.t.and(must_conds);
            let ax = self.t.implies(must, rep.present);
            self.axioms.push(ax);
        }
        if context_facts::is_org_id(fact.key) {
            // Organization ids are `o-` and 10 to 32 lower-case letters or digits.
            let re = self.org_id_re();
            for slot in &rep.slots {
                let Some(s) = slot.s else { continue };
                let m = self.t.in_re(s, re);
                let len = self.t.str_len(s);
                let (lo, hi) = (self.t.int(12), self.t.int(34));
                let ge = self.t.le(lo, len);
                let le = self.t.le(len, hi);
                let well_formed = self.t.and([m, ge, le]);
                let on = self.t.and([free_part, slot.active]);
                let ax = self.t.implies(on, well_formed);
                self.axioms.push(ax);
            }
        }
        // A typed key holds a value of its type where present: a date, a number (aws:EpochTime
        // whole seconds since 1970), an address.
        // SOUNDNESS: aws:EpochTime is whole seconds since 1970, never before (under-
        // approximation: AWS sends the request's own time), in its date view (ms) and its
        // numeric view (seconds × 10^scale) alike.
        let epoch = fact.key.eq_ignore_ascii_case("aws:EpochTime");
        for slot in &rep.slots {
            let on = self.t.and([free_part, slot.active]);
            let mut well_typed = Vec::new();
            match fact.ty {
                KeyType::Date => {
                    if let Some((ok, ms)) = slot.date {
                        well_typed.push(ok);
                        if epoch {
                            well_typed.extend(self.whole_seconds(&rep.key, ms, 1000));
                        }
                    }
                    if let (Some((ok, v, scale)), true) = (slot.num, epoch) {
                        well_typed.push(ok);
                        well_typed.extend(self.whole_seconds(&rep.key, v, 10i128.pow(scale)));
                    }
                }
                KeyType::Num => well_typed.extend(slot.num.map(|(ok, _, _)| ok)),
                KeyType::Ip => well_typed.extend(slot.ip.map(|(ok, _, _)| ok)),
                _ => {}
            }
            if !well_typed.is_empty() {
                let all = self.t.and(well_typed);
                let ax = self.t.implies(on, all);
                self.axioms.push(ax);
            }
        }
        if fact.ty == KeyType::Bool {
            let (yes, no) = (self.t.str("true"), self.t.str("false"));
            for slot in &rep.slots {
                let Some(s) = slot.s else { continue };
                let a = self.t.eq(s, yes);
                let b = self.t.eq(s, no);
                let either = self.t.or([a, b]);
                let on = self.t.and([free_part, slot.active]);
                let ax = self.t.implies(on, either);
                self.axioms.push(ax);
            }
        }
    }

    /// `key/` and 36 characters of a key id: lower-case hex digits and dashes, or `mrk-` and
    /// hex digits. SOUNDNESS: over-approximation of the UUID form (where the dashes go is left
    /// open; the evaluator's check is the same): the exact 8-4-4-4-12 expression made z3
    /// 4.8.12 take seconds on KMS.1 queries.
    fn key_resource_re(&mut self) -> T {
        let digit = self.t.re_range('0', '9');
        let af = self.t.re_range('a', 'f');
        let hex = self.t.re_union([digit, af]);
        let dash = self.t.re_lit("-");
        let hex_dash = self.t.re_union([hex, dash]);
        let uuidish = self.t.re_star(hex_dash);
        let mrk_pre = self.t.re_lit("mrk-");
        let hexes = self.t.re_star(hex);
        let mrk = self.t.re_concat([mrk_pre, hexes]);
        let id = self.t.re_union([uuidish, mrk]);
        let key = self.t.re_lit("key/");
        self.t.re_concat([key, id])
    }

    /// `v` is a whole, non-negative number of seconds counted in `unit`s (a fresh seconds
    /// variable `s`: `v = unit · s`, `s ≥ 0`).
    fn whole_seconds(&mut self, key: &ContextKey, v: T, unit: i128) -> [T; 2] {
        let n = self.t.len();
        let secs = self.t.var(&format!("{}.secs.{n}", key.name()), Sort::Int);
        let whole = self.t.mul(unit, secs);
        let zero = self.t.int(0);
        [self.t.eq(v, whole), self.t.le(zero, secs)]
    }

    /// `o-[a-z0-9]+` (the length, 12 to 34, is a separate constraint: z3 4.8.12 handles a
    /// bounded loop far worse).
    fn org_id_re(&mut self) -> T {
        let o = self.t.re_lit("o-");
        let az = self.t.re_range('a', 'z');
        let digits = self.t.re_range('0', '9');
        let ch = self.t.re_union([az, digits]);
        let star = self.t.re_star(ch);
        self.t.re_concat([o, star])
    }

    /// `aws:ViaAWSService` is true in request `req` (the key is created for the purpose).
    fn via_aws_service(&mut self, req: usize) -> T {
        let rep = self.key(req, &ContextKey::new("aws:ViaAWSService"));
        let yes = self.t.str("true");
        match rep.slots.first().and_then(|s| s.s) {
            Some(s) => {
                let e = self.t.eq(s, yes);
                self.t.and([rep.present, e])
            }
            None => rep.present,
        }
    }

    /// The facts between keys, over the keys the query has created (idempotent).
    pub(in crate::smt::encode) fn cross_facts(&mut self) {
        if !self.facts || self.cross_facts_done {
            return;
        }
        self.cross_facts_done = true;
        for req in 0..self.requests.len() {
            self.encryption_context_facts(req);
            self.source_account_facts(req);
            self.network_facts(req);
            self.time_facts(req);
        }
        self.org_path_facts();
        self.userid_facts();
    }

    /// `kms:EncryptionContext:K` is present exactly when K is one of
    /// `kms:EncryptionContextKeys`: the key's own value slot holds K when it is present, and
    /// any other slot naming K makes it present.
    fn encryption_context_facts(&mut self, req: usize) {
        let Some((base, ec_keys)) = self.ec_slots.clone() else { return };
        let Some(keys_rep) = self.requests[req].keys.get("kms:encryptioncontextkeys").cloned() else { return };
        let own_slots = base..base + ec_keys.len();
        let witnesses: Vec<_> = keys_rep.slots.iter().enumerate().filter(|(j, _)| !own_slots.contains(j)).map(|(_, s)| s.clone()).collect();
        for (i, k) in ec_keys.iter().enumerate() {
            let Some(rep) = self.requests[req].keys.get(k).cloned() else { continue };
            let Some(own) = keys_rep.slots.get(base + i).cloned() else { continue };
            let name = &k["kms:encryptioncontext:".len()..];
            // SOUNDNESS: K's spelling among the values of kms:EncryptionContextKeys is one the
            // policies use (as the key's name or a value compared with the keys) or lower case,
            // not any mix of cases: under-approximation (encodings/context-facts.md), where a
            // case-insensitive match per slot costs z3 4.8.12 seconds.
            let mut spellings = vec![name.to_string()];
            let usage = |k: &str| self.usage.get(k).cloned().unwrap_or_default();
            for sp in usage(k).spellings {
                spellings.push(sp.get("kms:EncryptionContext:".len()..).unwrap_or("").to_string());
            }
            spellings.extend(usage("kms:encryptioncontextkeys").literals.into_iter().filter(|l| l.eq_ignore_ascii_case(name)));
            spellings.sort();
            spellings.dedup();
            let one_of = |enc: &mut Encoder, s: T| {
                let eqs: Vec<T> = spellings
                    .iter()
                    .map(|sp| {
                        let l = enc.t.str(sp);
                        enc.t.eq(s, l)
                    })
                    .collect();
                enc.t.or(eqs)
            };
            let ax = self.t.iff(rep.present, own.active);
            self.axioms.push(ax);
            if let Some(s) = own.s {
                let m = one_of(self, s);
                let ax = self.t.implies(own.active, m);
                self.axioms.push(ax);
            }
            for w in &witnesses {
                let Some(s) = w.s else { continue };
                let m = one_of(self, s);
                let named = self.t.and([w.active, m]);
                let ax = self.t.implies(named, rep.present);
                self.axioms.push(ax);
            }
        }
    }

    /// `aws:SourceAccount` is the account segment of `aws:SourceArn` when that has one.
    fn source_account_facts(&mut self, req: usize) {
        let get = |enc: &Encoder, k: &str| enc.requests[req].keys.get(k).cloned();
        let (Some(acct), Some(arn)) = (get(self, "aws:sourceaccount"), get(self, "aws:sourcearn")) else { return };
        let (Some(a), Some(sarn)) = (acct.slots[0].s, arn.slots[0].arn) else { return };
        let empty = self.t.str("");
        let has = self.t.ne(sarn.segs[super::ACCOUNT], empty);
        let both = self.t.and([acct.present, arn.present, sarn.split, has]);
        let same = self.t.eq(a, sarn.segs[super::ACCOUNT]);
        let ax = self.t.implies(both, same);
        self.axioms.push(ax);
    }

    /// aws:CurrentTime and aws:EpochTime are one instant, the request's.
    fn time_facts(&mut self, req: usize) {
        let get = |enc: &Encoder, k: &str| enc.requests[req].keys.get(k).cloned();
        let (Some(now), Some(epoch)) = (get(self, "aws:currenttime"), get(self, "aws:epochtime")) else { return };
        let Some((now_ok, now_ms)) = now.slots[0].date else { return };
        let both = self.t.and([now.present, epoch.present, now_ok]);
        // aws:EpochTime is the second of aws:CurrentTime: epoch ≤ now < epoch + 1 s.
        let same = match (epoch.slots[0].date, epoch.slots[0].num) {
            (Some((ok, ms)), _) => {
                let second = self.t.int(1000);
                let next = self.t.add([ms, second]);
                let from = self.t.le(ms, now_ms);
                let before = self.t.lt(now_ms, next);
                self.t.and([ok, from, before])
            }
            // num = seconds × 10^scale: 1000·num ≤ now_ms·10^scale < 1000·num + 1000·10^scale.
            (None, Some((ok, num, scale))) => {
                let unit = 10i128.pow(scale);
                let lhs = self.t.mul(1000, num);
                let rhs = self.t.mul(unit, now_ms);
                let width = self.t.int(1000 * unit);
                let next = self.t.add([lhs, width]);
                let from = self.t.le(lhs, rhs);
                let before = self.t.lt(rhs, next);
                self.t.and([ok, from, before])
            }
            (None, None) => return,
        };
        let ax = self.t.implies(both, same);
        self.axioms.push(ax);
    }

    /// `aws:SourceIp` is absent from a request through a VPC endpoint.
    fn network_facts(&mut self, req: usize) {
        let Some(ip) = self.requests[req].keys.get("aws:sourceip").map(|r| r.present) else { return };
        for k in context_facts::VPC_ENDPOINT_KEYS {
            let Some(vpc) = self.requests[req].keys.get(&k.to_ascii_lowercase()).map(|r| r.present) else { continue };
            let both = self.t.and([ip, vpc]);
            let ax = self.t.not(both);
            self.axioms.push(ax);
        }
    }

    /// Every organization path starts with the organization id and `/`. A query that reads the
    /// paths but not the id gets the id too, so that the id's own facts (its form: `o-` and 10
    /// to 32 lower-case letters or digits) bound the paths' first segment: without it a
    /// counterexample's path could start with an id no organization has (a fuzzing find, the
    /// replay refused it as a request AWS never sends).
    fn org_path_facts(&mut self) {
        for fact in context_facts::FACTS {
            let Tie::UnderOrg(org_key) = fact.tie else { continue };
            let (paths_k, org_k) = (fact.key.to_ascii_lowercase(), org_key.to_ascii_lowercase());
            let org_ck = crate::model::key::ContextKey::new(org_key);
            if self.shared_keys.contains_key(&paths_k) && !self.shared_keys.contains_key(&org_k) {
                self.key(0, &org_ck);
            }
            for req in 0..self.requests.len() {
                if self.requests[req].keys.contains_key(&paths_k) && !self.requests[req].keys.contains_key(&org_k) {
                    self.key(req, &org_ck);
                }
            }
            let mut pairs: Vec<(KeyRep, KeyRep)> = Vec::new();
            if let (Some(p), Some(o)) = (self.shared_keys.get(&paths_k), self.shared_keys.get(&org_k)) {
                pairs.push((p.clone(), o.clone()));
            }
            for r in &self.requests {
                if let (Some(p), Some(o)) = (r.keys.get(&paths_k), r.keys.get(&org_k)) {
                    pairs.push((p.clone(), o.clone()));
                }
            }
            for (paths, org) in pairs {
                let Some(o) = org.slots[0].s else { continue };
                let slash = self.t.str("/");
                let pre = self.t.concat([o, slash]);
                let ax = self.t.implies(paths.present, org.present);
                self.axioms.push(ax);
                for slot in &paths.slots {
                    let Some(s) = slot.s else { continue };
                    let starts = self.t.prefix(pre, s);
                    let ax = self.t.implies(slot.active, starts);
                    self.axioms.push(ax);
                }
            }
        }
    }

    /// `aws:userid`: `ROLEID:SESSION` for a role session, the unique id (no colon) for a user
    /// (IAM User Guide, principal key values); root and federated users' are derived.
    fn userid_facts(&mut self) {
        let Some(rep) = self.shared_keys.get(keys::USERID).cloned() else { return };
        let Some(s) = rep.slots[0].s else { return };
        let colon = self.t.str(":");
        let is_role = self.p_kind_is(PrincipalKind::Role);
        let sname = match self.principal.clone() {
            super::PrincipalRep::Sym(sp) => sp.sname,
            super::PrincipalRep::Const(p) => {
                let n = p.session.as_deref().and_then(|x| x.rsplit('/').next()).unwrap_or("").to_string();
                self.t.str(&n)
            }
        };
        // IAM User Guide, unique identifiers: a role's id starts with AROA, a user's with AIDA;
        // neither, nor a session name, contains a colon. A session: AROA<id>:<session>.
        // SOUNDNESS: over-approximation — the role id after AROA is any non-empty string (its
        // alphabet, [A-Z0-9], as a regular expression or a word equation made z3 4.8.12 time
        // out on `StringLike aws:userid "*:alice"`); the session name has no colon (a shape).
        let aroa = self.t.str("AROA");
        let starts = self.t.prefix(aroa, s);
        let tail = self.t.concat([colon, sname]);
        let ends = self.t.suffix(tail, s);
        let (ls, ln) = (self.t.str_len(s), self.t.str_len(sname));
        let six = self.t.int(6);
        let room = self.t.add([ln, six]);
        let id_set = self.t.le(room, ls);
        let session_ok = self.t.and([starts, ends, id_set]);
        let role_ok = self.t.and([rep.present, is_role]);
        let ax = self.t.implies(role_ok, session_ok);
        self.axioms.push(ax);
        let is_user = self.p_kind_is(PrincipalKind::User);
        let has_colon = self.t.contains(s, colon);
        let no_colon = self.t.not(has_colon);
        let aida = self.t.str("AIDA");
        let starts = self.t.prefix(aida, s);
        let len = self.t.str_len(s);
        let five = self.t.int(5);
        let long = self.t.le(five, len);
        let user_id = self.t.and([no_colon, starts, long]);
        let user_ok = self.t.and([rep.present, is_user]);
        let ax = self.t.implies(user_ok, user_id);
        self.axioms.push(ax);
    }
}

impl Encoder {
    /// The slot of each of a key's values when a concrete request is pinned: in order, except
    /// that with the facts a kms:EncryptionContextKeys value naming a kms:EncryptionContext key
    /// goes to that key's own slot.
    pub(in crate::smt::encode) fn pinned_slots(&self, key: &ContextKey, values: &[String], slots: usize) -> Vec<Option<String>> {
        let mut out: Vec<Option<String>> = vec![None; slots.max(values.len())];
        let own = match (&self.ec_slots, key.canonical() == "kms:encryptioncontextkeys") {
            (Some((base, ec_keys)), true) => Some((*base, ec_keys.clone())),
            _ => None,
        };
        let Some((base, ec_keys)) = own else {
            for (j, v) in values.iter().enumerate() {
                out[j] = Some(v.clone());
            }
            return out;
        };
        let mut rest = Vec::new();
        for v in values {
            let k = format!("kms:encryptioncontext:{}", v.to_ascii_lowercase());
            match ec_keys.iter().position(|e| *e == k) {
                Some(i) if out.get(base + i).is_some_and(Option::is_none) => out[base + i] = Some(v.clone()),
                _ => rest.push(v.clone()),
            }
        }
        let free: Vec<usize> = (0..out.len()).filter(|j| !(base..base + ec_keys.len()).contains(j)).collect();
        for (v, j) in rest.into_iter().zip(free) {
            out[j] = Some(v);
        }
        out
    }
}
