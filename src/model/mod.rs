//! The validated policy model shared by the concrete evaluator and the SMT encoder: policies,
//! statements, patterns, conditions, principals, requests and the KMS catalog. Nothing here
//! knows about JSON syntax (that is `crate::policy`) or about z3 (that is `crate::smt`).

pub mod catalog;
pub mod catalog_keys;
pub mod condition;
pub mod context_facts;
pub mod error;
pub mod hash;
pub mod key;
pub mod keys;
pub mod lever;
pub mod named;
pub mod policy;
pub mod policy_set;
pub mod principal;
pub mod request;
pub mod request_facts;
pub mod request_spec;
pub mod source;
pub mod template;
pub mod value;

pub use condition::{BaseOp, Clause, ConditionValue, Family, Operator, SetOp};
pub use key::ContextKey;
pub use policy::{ActionElement, Effect, Policy, PrincipalElement, PrincipalMatch, ResourceElement, Statement, Version};
pub use policy_set::{Decision, PolicyRole, PolicySet};
pub use principal::{Principal, PrincipalKind, PrincipalPattern};
pub use request::{Context, Request};
pub use template::{Part, Syntax, Template};
