//! The SMT layer, the only part of keyward that touches z3: the term language and its folding
//! (`term`), the SMT-LIB2 printer (`smtlib`), the policy encoding (`encode`), the solver
//! backends (`solver`, with the lazy shape axioms of `lazy`) and the decoding of models into concrete requests (`decode`).

pub mod decode;
pub mod encode;
pub mod ground;
pub mod lazy;
pub mod pin;
pub mod regex;
pub mod simplify;
pub mod smtlib;
pub mod solver;
pub mod term;
