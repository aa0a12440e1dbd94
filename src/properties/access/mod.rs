//! Access findings: who can do what with a key — or what an identity policy grants on KMS
//! keys — and under which conditions, as a list of *findings* that is complete (proved: no
//! allowed request falls outside every finding), exact where it says so (proved: every request
//! of the finding is allowed) and minimal (no finding inside another).
//!
//! The allowed requests of a question are partitioned by the solver, the way IAM Access
//! Analyzer's stratified abstraction asks Zelkova repeated questions (`cells.rs` holds the
//! vocabulary): find an allowed request outside every finding so far; around it, take the
//! most general cell — who, which resources, which actions, which of the policies' condition
//! clauses hold or fail — that is still *exact* (no request of it is denied: an unsat query);
//! drop every clause the cell does not need and add every other action it can take; repeat
//! until no allowed request is left (unsat: the list is complete). Every request any query
//! answers with is replayed through the evaluator, and checked against the cell's predicate.

pub mod cells;

use crate::eval::explain::{responsible, StatementRef};
use crate::eval::predicate::holds;
use crate::model::request_spec::{ActionSpec, ContextSpec, Predicate, PrincipalSpec, RequestSpec, ResourceSpec};
use crate::model::{PolicySet, Request};
use crate::properties::queries::{exists_allowed, exists_denied, exists_request};
use crate::properties::verdict::{Checked, InternalError, Verdict};
use crate::smt::SolverOptions;
use cells::{action_chain, action_classes, atoms, scope_chain, some_allow_covers, who_chain, Actions, Atom, Cell, Literal, Unlisted};
use std::time::Instant;

/// What to enumerate: the allowed requests of `who` and `req` under `set`.
pub struct AccessQuestion<'a> {
    pub set: &'a PolicySet,
    pub who: PrincipalSpec,
    pub req: RequestSpec,
    pub label: String,
}

impl AccessQuestion<'_> {
    /// The question's resource is one fixed resource (a key policy's key): no finding needs
    /// to say on which resources.
    fn fixed_resource(&self) -> bool {
        matches!(self.req.resource, ResourceSpec::Fixed(_))
    }

    /// Every cataloged KMS action is one of the question's (its requests differ in nothing
    /// else the action could change).
    fn takes_every_cataloged_action(&self) -> bool {
        match &self.req.action {
            ActionSpec::AnyOf { actions, .. } => {
                crate::model::catalog::KMS_ACTIONS.iter().all(|a| actions.iter().any(|x| x.eq_ignore_ascii_case(&a.full_name())))
            }
            _ => false,
        }
    }
}

/// One class of allowed requests.
#[derive(Debug, Clone)]
pub struct AccessFinding {
    pub cell: Cell,
    /// Every request of the cell is allowed (proved); otherwise the cell is the narrowest one
    /// around its witness, and only some of its requests are.
    pub exact: bool,
    /// An allowed request of the cell, confirmed by the evaluator.
    pub witness: Request,
    /// The Allow statements that grant the witness (`eval::explain::responsible`).
    pub statements: Vec<StatementRef>,
}

/// Whether the findings cover every allowed request.
#[derive(Debug, Clone)]
pub enum Completeness {
    /// The query "an allowed request outside every finding" is unsat.
    Proved,
    Unknown(String),
    Error(InternalError),
}

impl Completeness {
    /// `proved`, `unknown` or `error`, and why it is not proved.
    pub fn describe(&self) -> (&'static str, Option<String>) {
        match self {
            Completeness::Proved => ("proved", None),
            Completeness::Unknown(why) => ("unknown", Some(why.clone())),
            Completeness::Error(e) => ("error", Some(e.to_string())),
        }
    }
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct AccessStats {
    pub queries: usize,
    pub solver_calls: usize,
    pub solve_ms: f64,
    pub total_ms: f64,
}

impl AccessStats {
    /// The figures of `self` and `other` together.
    pub fn add(&mut self, other: &AccessStats) {
        self.queries += other.queries;
        self.solver_calls += other.solver_calls;
        self.solve_ms += other.solve_ms;
        self.total_ms += other.total_ms;
    }
}

/// The findings of one question.
#[derive(Debug, Clone)]
pub struct Access {
    /// The policies' clauses, which the findings' literals name by index.
    pub atoms: Vec<Atom>,
    pub findings: Vec<AccessFinding>,
    pub complete: Completeness,
    pub stats: AccessStats,
}

/// More classes than this and the enumeration stops: completeness is then unknown.
pub const MAX_FINDINGS: usize = 64;

/// Enumerate the findings of `q`.
pub fn enumerate(q: &AccessQuestion<'_>, opts: &SolverOptions) -> Access {
    let started = Instant::now();
    let mut run = Run {
        q,
        opts,
        atoms: atoms(q.set, !q.fixed_resource()),
        classes: action_classes(q.set),
        read: q.set.keys_read().into_iter().collect(),
        moves: q.takes_every_cataloged_action(),
        stats: AccessStats::default(),
        n: 0,
        trace: std::env::var_os("KEYWARD_ACCESS_TRACE").is_some(),
    };
    let mut findings: Vec<AccessFinding> = Vec::new();
    let complete = loop {
        let covered: Vec<Cell> = findings.iter().map(|f| f.cell.clone()).collect();
        let r0 = match run.uncovered(&covered) {
            Ok(None) => break Completeness::Proved,
            Ok(Some(r)) => r,
            Err(Stop::Unknown(why)) => break Completeness::Unknown(why),
            Err(Stop::Error(e)) => break Completeness::Error(e),
        };
        if findings.len() >= MAX_FINDINGS {
            break Completeness::Unknown(format!("more than {MAX_FINDINGS} classes of access"));
        }
        match run.generalize(&r0) {
            Ok((cell, exact)) => {
                let statements = responsible(q.set, &r0).1;
                findings.push(AccessFinding { cell, exact, witness: r0, statements });
            }
            Err(Stop::Unknown(why)) => break Completeness::Unknown(why),
            Err(Stop::Error(e)) => break Completeness::Error(e),
        }
    };
    if run.trace {
        for f in &findings {
            eprintln!("found {:?} {:?} {:?} {:?} exact={}", f.cell.who, f.cell.scope.render(), f.cell.actions, f.cell.literals, f.exact);
        }
    }
    // Minimality is checked on the findings as found: when its queries cannot finish, the
    // findings stay (each is still exact or marked not, and has its witness) and the list
    // is reported as not proved.
    let (findings, complete) = match run.minimal(findings.clone()) {
        Ok(f) => (f, complete),
        Err(e) => (findings, stop_completeness(e)),
    };
    run.stats.total_ms = started.elapsed().as_secs_f64() * 1000.0;
    Access { atoms: run.atoms, findings, complete, stats: run.stats }
}

fn stop_completeness(s: Stop) -> Completeness {
    match s {
        Stop::Unknown(why) => Completeness::Unknown(why),
        Stop::Error(e) => Completeness::Error(e),
    }
}

/// What `Run::probe_actions` looks for in a cell.
#[derive(Clone, Copy)]
enum Probe {
    /// A request the policies do not allow (the cell is not exact).
    Denied,
    /// Any request of the question (the cell is not empty).
    Request,
}

enum Stop {
    Unknown(String),
    Error(InternalError),
}

struct Run<'a> {
    q: &'a AccessQuestion<'a>,
    opts: &'a SolverOptions,
    atoms: Vec<Atom>,
    classes: Vec<Vec<String>>,
    /// The context keys the policies read (`PolicySet::keys_read`).
    read: Vec<String>,
    /// `AccessQuestion::takes_every_cataloged_action`, asked once: `Run::moved` may move a
    /// request's action.
    moves: bool,
    stats: AccessStats,
    n: usize,
    /// `KEYWARD_ACCESS_TRACE` set: each query, cell and finding on stderr (read once).
    trace: bool,
}

impl Run<'_> {
    fn spec(&self, p: Predicate) -> RequestSpec {
        let mut r = self.q.req.clone();
        r.context.push(ContextSpec::Holds(p));
        r
    }

    fn label(&mut self, what: &str) -> String {
        self.n += 1;
        format!("{}-access-{what}-{}", self.q.label, self.n)
    }

    fn record(&mut self, c: &Checked) {
        if self.trace {
            eprintln!(
                "{} {:?} encode {:.1} ms solve {:.1} ms {}",
                self.n,
                c.stats.settled,
                c.stats.encode_ms,
                c.stats.solve.solve_ms,
                c.answer.as_ref().map(|v| v.name()).unwrap_or("error")
            );
        }
        self.stats.queries += 1;
        if c.stats.solve.solver_called {
            self.stats.solver_calls += 1;
        }
        self.stats.solve_ms += c.stats.solve.solve_ms;
    }

    /// The request a query answered with, checked against the predicate it was asked under.
    fn answer(&mut self, c: Checked, p: &Predicate, label: &str) -> Result<Option<Request>, Stop> {
        self.record(&c);
        match c.answer {
            Ok(Verdict::Holds) => Ok(None),
            Ok(Verdict::Unknown(why)) => Err(Stop::Unknown(why)),
            Err(e) => Err(Stop::Error(e)),
            Ok(Verdict::Violated(cx)) => {
                let Some(r) = cx.requests.into_iter().next() else {
                    return Err(Stop::Error(InternalError::NoRequest { label: label.into(), index: 0, count: 0 }));
                };
                if !holds(p, &r) {
                    let what = "inside the question's cell".to_string();
                    return Err(Stop::Error(InternalError::Predicate { label: label.into(), request: r.to_json_line(), what }));
                }
                Ok(Some(r))
            }
        }
    }

    /// An allowed request outside every cell of `covered`, if there is one.
    fn uncovered(&mut self, covered: &[Cell]) -> Result<Option<Request>, Stop> {
        let p = Predicate::negate(Predicate::Or(covered.iter().map(|c| c.predicate(&self.atoms)).collect()));
        let label = self.label("uncovered");
        let c = exists_allowed(self.q.set, &self.q.who, &self.spec(p.clone()), self.opts, &label);
        self.answer(c, &p, &label)
    }

    /// Is every request of `cell` allowed? An unknown answer counts as no: the cell is then
    /// not claimed exact (a narrower one is tried), and completeness does not depend on it.
    fn exact(&mut self, cell: &Cell) -> Result<bool, Stop> {
        match self.denied_in(cell) {
            Ok(found) => Ok(found.is_none()),
            Err(Stop::Unknown(_)) if !self.opts.past_deadline() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A request of `cell` the policies do not allow, if there is one.
    fn denied_in(&mut self, cell: &Cell) -> Result<Option<Request>, Stop> {
        let p = cell.predicate(&self.atoms);
        let label = self.label("exact");
        if self.trace {
            eprintln!("cell {:?} {:?} {:?} {:?}", cell.who, cell.scope.render(), cell.actions, cell.literals);
        }
        let c = exists_denied(self.q.set, &self.q.who, &self.spec(p.clone()), self.opts, &label);
        self.answer(c, &p, &label)
    }

    /// For each of `candidates` in place of `cell`'s actions (the rest of `cell` kept): has
    /// that cell a request `probe` looks for? A cell over a union of actions has one when the
    /// cell over some one of them has, so all are asked at once: a request found names, by
    /// its action, one that has; it is set aside and the others asked again, until none is
    /// found — one query for all that have none and one for each that has, where asking one
    /// by one took a query each (the 9 findings of the KMS Developer Guide's console key
    /// policy: 1,803 exactness and non-emptiness queries one by one, 972 asked together, 364
    /// with `Run::moved` too; the whole list 34.7 s → 27.0 s → 15.7 s). After an unknown
    /// answer the rest are asked one by one, where an unknown counts as `exact` and
    /// `nonempty` count it (not exact, empty).
    /// `known`: the candidates already known to have one (`Run::moved`), not asked.
    fn probe_actions(&mut self, probe: Probe, cell: &Cell, candidates: &[Actions], known: &[bool]) -> Result<Vec<bool>, Stop> {
        let mut found: Vec<bool> = (0..candidates.len()).map(|k| known.get(k).copied().unwrap_or(false)).collect();
        let mut pending: Vec<usize> = (0..candidates.len()).filter(|&k| !found[k]).collect();
        while let Some((&first, rest)) = pending.split_first() {
            let union = rest.iter().try_fold(candidates[first].clone(), |u, &k| u.union(&candidates[k]));
            let Some(actions) = union else { break };
            let c = Cell { actions, ..cell.clone() };
            let answer = match probe {
                Probe::Denied => self.denied_in(&c),
                Probe::Request => self.request_in(&c),
            };
            match answer {
                Ok(None) => pending.clear(),
                Ok(Some(r)) => {
                    let named = pending.iter().position(|&k| candidates[k].predicate().is_some_and(|p| holds(&p, &r)));
                    let Some(i) = named else { break };
                    found[pending.remove(i)] = true;
                }
                Err(Stop::Unknown(_)) if !self.opts.past_deadline() => break,
                Err(e) => return Err(e),
            }
        }
        for k in pending {
            let c = Cell { actions: candidates[k].clone(), ..cell.clone() };
            found[k] = match probe {
                Probe::Denied => !self.exact(&c)?,
                Probe::Request => self.nonempty(&c)?,
            };
        }
        Ok(found)
    }

    /// Has `cell` a request of the question (allowed or not)? Unknown counts as no.
    fn nonempty(&mut self, cell: &Cell) -> Result<bool, Stop> {
        match self.request_in(cell) {
            Ok(found) => Ok(found.is_some()),
            Err(Stop::Unknown(_)) if !self.opts.past_deadline() => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A request of the question in `cell`, if there is one.
    fn request_in(&mut self, cell: &Cell) -> Result<Option<Request>, Stop> {
        let p = cell.predicate(&self.atoms);
        let label = self.label("nonempty");
        let c = exists_request(self.q.set, &self.q.who, &self.spec(p.clone()), self.opts, &label);
        self.answer(c, &p, &label)
    }

    /// The request `r` with its action moved into `cell`'s (cataloged) actions, decided by the
    /// evaluator — no solver: `Some(true)` allowed, `Some(false)` not, `None` when no such
    /// request is one of the question's that AWS sends (the facts check finds nothing to say
    /// of it) inside `cell`. Either answer shows `cell` has a request; `Some(false)` that it
    /// is not exact. `r` is of the question, and the question takes every cataloged KMS action
    /// (`controls::access`), so only the action can put the moved request outside it: outside
    /// the cell (checked), or among the requests AWS never sends for that action. The second is
    /// the facts check's to say, which holds only while `model::request_facts::check` says
    /// every action-dependent fact the queries assume (`smt/encode/request/facts.rs`; both read
    /// `model::context_facts`, and the differential tests decide random requests both ways).
    fn moved(&self, r: &Request, cell: &Cell) -> Option<bool> {
        if cell.actions.unlisted.is_some() || !self.moves {
            return None;
        }
        let p = cell.predicate(&self.atoms);
        cell.actions.named.iter().find_map(|action| {
            let m = Request { action: action.clone(), ..r.clone() };
            (holds(&p, &m) && self.sendable(&m)).then(|| crate::eval::evaluate(self.q.set, &m).decision == crate::model::Decision::Allowed)
        })
    }

    /// The facts check finds nothing that matters in `m`: nothing impossible, and no key the
    /// policies read left out that every such request carries (one they do not read is left
    /// out of every request the solver answers with: no decision sees it).
    fn sendable(&self, m: &Request) -> bool {
        crate::model::request_facts::check(m).iter().all(|f| {
            f.severity == crate::model::request_facts::Severity::Incomplete && !self.read.iter().any(|k| k.eq_ignore_ascii_case(&f.key))
        })
    }

    /// The most general exact cell around the allowed request `r`, and whether it is exact.
    fn generalize(&mut self, r: &Request) -> Result<(Cell, bool), Stop> {
        let whos = who_chain(self.q.set, r);
        let scopes = scope_chain(self.q.set, r, self.q.fixed_resource());
        let actions = action_chain(self.q.set, r, &self.classes);
        let literals: Vec<Literal> =
            (0..self.atoms.len()).map(|atom| Literal { atom, holds: holds(&self.atoms[atom].predicate(), r) }).collect();
        let (Some(who), Some(scope), Some(acts)) = (whos.last(), scopes.last(), actions.last()) else {
            return Err(Stop::Unknown("no cell describes the request".into()));
        };
        let mut cell = Cell { who: who.clone(), scope: scope.clone(), actions: acts.clone(), literals };
        if !self.exact(&cell)? {
            return Ok((cell, false));
        }
        // Each dimension in turn, most general first: the first exact candidate.
        for w in &whos[..whos.len() - 1] {
            let c = Cell { who: w.clone(), ..cell.clone() };
            if self.exact(&c)? {
                cell = c;
                break;
            }
        }
        for s in &scopes[..scopes.len() - 1] {
            let c = Cell { scope: s.clone(), ..cell.clone() };
            if self.exact(&c)? {
                cell = c;
                break;
            }
        }
        for a in &actions[..actions.len() - 1] {
            let c = Cell { actions: a.clone(), ..cell.clone() };
            if self.exact(&c)? {
                cell = c;
                break;
            }
        }
        // The clauses the cell needs: none, else each one dropped in turn if it can be.
        let c = Cell { literals: vec![], ..cell.clone() };
        if !cell.literals.is_empty() && self.exact(&c)? {
            cell = c;
        } else {
            let mut i = 0;
            while i < cell.literals.len() {
                let mut c = cell.clone();
                c.literals.remove(i);
                if self.exact(&c)? {
                    cell = c;
                } else {
                    i += 1;
                }
            }
        }
        // Every other action the cell's requests can also take.
        let mut others: Vec<Actions> = self
            .classes
            .iter()
            .filter(|class| !class.iter().all(|n| cell.actions.named.contains(n)))
            .filter(|class| class.iter().any(|n| some_allow_covers(self.q.set, n)))
            .map(|class| Actions { named: class.clone(), unlisted: None })
            .collect();
        if cell.actions.unlisted != Some(Unlisted::All) {
            others.push(Actions { named: vec![], unlisted: Some(Unlisted::All) });
        }
        // An action the cell's requests cannot take (its key absent from them, say) would be
        // added vacuously: only actions some request of the cell takes. The cell is exact, so
        // it stays exact with every action that is exact alone.
        let candidates: Vec<Actions> = others.into_iter().filter(|more| cell.actions.union(more).is_some()).collect();
        let moved: Vec<Option<bool>> =
            candidates.iter().map(|more| self.moved(r, &Cell { actions: more.clone(), ..cell.clone() })).collect();
        let known_denied: Vec<bool> = moved.iter().map(|m| *m == Some(false)).collect();
        let denied = self.probe_actions(Probe::Denied, &cell, &candidates, &known_denied)?;
        let (exact, known_taken): (Vec<Actions>, Vec<bool>) =
            candidates.into_iter().zip(denied).zip(moved).filter(|((_, d), _)| !d).map(|((a, _), m)| (a, m.is_some())).unzip();
        let taken = self.probe_actions(Probe::Request, &cell, &exact, &known_taken)?;
        for (more, _) in exact.into_iter().zip(taken).filter(|(_, taken)| *taken) {
            if let Some(actions) = cell.actions.union(&more) {
                cell = Cell { actions, ..cell.clone() };
            }
        }
        Ok((cell, true))
    }

    /// The findings without those inside another: merged when they differ only in their
    /// actions (the union of exact cells is exact), then dropped when another contains them.
    fn minimal(&mut self, findings: Vec<AccessFinding>) -> Result<Vec<AccessFinding>, Stop> {
        let mut merged: Vec<AccessFinding> = Vec::new();
        for f in findings {
            let same = |g: &&mut AccessFinding| {
                g.exact && f.exact && g.cell.who == f.cell.who && g.cell.scope == f.cell.scope && g.cell.literals == f.cell.literals
            };
            match merged.iter_mut().find(same).and_then(|g| g.cell.actions.union(&f.cell.actions).map(|u| (g, u))) {
                Some((g, u)) => g.cell.actions = u,
                None => merged.push(f),
            }
        }
        let mut keep = vec![true; merged.len()];
        for i in 0..merged.len() {
            for j in 0..merged.len() {
                if i == j || !keep[j] || !merged[j].exact || !merged[j].cell.actions.includes(&merged[i].cell.actions) {
                    continue;
                }
                let inside =
                    Predicate::And(vec![merged[i].cell.predicate(&self.atoms), Predicate::negate(merged[j].cell.predicate(&self.atoms))]);
                let label = self.label("inside");
                let c = exists_request(self.q.set, &self.q.who, &self.spec(inside.clone()), self.opts, &label);
                if self.answer(c, &inside, &label)?.is_none() {
                    keep[i] = false;
                    break;
                }
            }
        }
        Ok(merged.into_iter().zip(keep).filter(|(_, k)| *k).map(|(f, _)| f).collect())
    }
}
