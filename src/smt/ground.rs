//! Evaluation of terms under a model (variables without a value take their sort's default).
//! The decoder reads request values through it, and every model is checked against the
//! query's assertions with it before decoding: a model that does not satisfy them (a solver or
//! printer bug) is an internal error, never a counterexample.

use crate::smt::answer::{Model, Value};
use crate::smt::term::{Node, Sort, Terms, T};
use std::collections::HashMap;

pub struct Ground<'a> {
    terms: &'a Terms,
    model: &'a Model,
    memo: HashMap<T, Value>,
}

impl<'a> Ground<'a> {
    pub fn new(terms: &'a Terms, model: &'a Model) -> Ground<'a> {
        Ground { terms, model, memo: HashMap::new() }
    }

    pub fn bool(&mut self, t: T) -> bool {
        matches!(self.eval(t), Value::Bool(true))
    }

    pub fn int(&mut self, t: T) -> i128 {
        match self.eval(t) {
            Value::Int(i) => i,
            _ => 0,
        }
    }

    pub fn str(&mut self, t: T) -> String {
        match self.eval(t) {
            Value::Str(s) => s,
            _ => String::new(),
        }
    }

    /// `t` is a variable the model gives no value (the query does not constrain it: any value
    /// is one of its solutions).
    pub fn unassigned(&self, t: T) -> bool {
        matches!(self.terms.node(t), Node::Var(name, _) if self.model.get(name).is_none())
    }

    pub fn bv(&mut self, t: T) -> u128 {
        match self.eval(t) {
            Value::Bv(b) => b,
            _ => 0,
        }
    }

    pub fn eval(&mut self, t: T) -> Value {
        if let Some(v) = self.memo.get(&t) {
            return v.clone();
        }
        let v = self.compute(t);
        self.memo.insert(t, v.clone());
        v
    }

    fn chars(&mut self, t: T) -> Vec<char> {
        self.str(t).chars().collect()
    }

    fn compute(&mut self, t: T) -> Value {
        let node = self.terms.node(t).clone();
        match node {
            Node::True => Value::Bool(true),
            Node::False => Value::Bool(false),
            Node::Int(i) => Value::Int(i),
            Node::Str(s) => Value::Str(s),
            Node::Bv(v, _) => Value::Bv(v),
            Node::Var(name, sort) => self.model.get(&name).cloned().unwrap_or(match sort {
                Sort::Bool => Value::Bool(false),
                Sort::Int => Value::Int(0),
                Sort::Str | Sort::Re => Value::Str(String::new()),
                Sort::Bv(_) => Value::Bv(0),
            }),
            Node::Not(a) => Value::Bool(!self.bool(a)),
            Node::And(xs) => Value::Bool(xs.iter().all(|x| self.bool(*x))),
            Node::Or(xs) => Value::Bool(xs.iter().any(|x| self.bool(*x))),
            Node::Ite(c, a, b) => {
                if self.bool(c) {
                    self.eval(a)
                } else {
                    self.eval(b)
                }
            }
            Node::Eq(a, b) => {
                let (x, y) = (self.eval(a), self.eval(b));
                Value::Bool(x == y)
            }
            Node::Le(a, b) => Value::Bool(self.int(a) <= self.int(b)),
            Node::Lt(a, b) => Value::Bool(self.int(a) < self.int(b)),
            Node::Add(xs) => Value::Int(xs.iter().map(|x| self.int(*x)).fold(0i128, |s, v| s.saturating_add(v))),
            Node::Mul(k, a) => Value::Int(k.saturating_mul(self.int(a))),
            Node::Concat(xs) => Value::Str(xs.iter().map(|x| self.str(*x)).collect()),
            Node::Len(a) => Value::Int(self.chars(a).len() as i128),
            Node::Prefix(p, s) => {
                let (p, s) = (self.str(p), self.str(s));
                Value::Bool(s.starts_with(&p))
            }
            Node::Suffix(p, s) => {
                let (p, s) = (self.str(p), self.str(s));
                Value::Bool(s.ends_with(&p))
            }
            Node::Contains(s, x) => {
                let (s, x) = (self.str(s), self.str(x));
                Value::Bool(s.contains(&x))
            }
            Node::IndexOf(s, x, i) => {
                let (s, x, i) = (self.chars(s), self.chars(x), self.int(i));
                if i < 0 || i as usize > s.len() {
                    return Value::Int(-1);
                }
                let found = (i as usize..=s.len()).find(|&k| k + x.len() <= s.len() && s[k..k + x.len()] == x[..]);
                Value::Int(found.map(|k| k as i128).unwrap_or(-1))
            }
            Node::Substr(s, off, len) => {
                let (s, off, len) = (self.chars(s), self.int(off), self.int(len));
                if off < 0 || len <= 0 || off as usize >= s.len() {
                    return Value::Str(String::new());
                }
                let end = (off as usize).saturating_add(len as usize).min(s.len());
                Value::Str(s[off as usize..end].iter().collect())
            }
            Node::InRe(s, re) => {
                let text = self.chars(s);
                Value::Bool(self.terms.re_matches(re, &text))
            }
            Node::BvAnd(a, b) => Value::Bv(self.bv(a) & self.bv(b)),
            Node::ReLit(_)
            | Node::ReConcat(_)
            | Node::ReUnion(_)
            | Node::ReStar(_)
            | Node::ReAllChar
            | Node::ReAll
            | Node::ReNone
            | Node::ReRange(..)
            | Node::ReLoop(..) => Value::Str(String::new()),
        }
    }
}
