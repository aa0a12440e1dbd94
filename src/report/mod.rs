//! Rendering results for people and programs. Format-specific renderers of `keyward check` live
//! in submodules.

pub mod findings;
