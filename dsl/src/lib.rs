//! The gatecheck case language.
//!
//! Reads case and testbed files (YAML with packet sentences) and compiles them into typed
//! [`plan::Case`]s, or into [`diag::Diagnostic`]s that point at the exact token. This crate reads
//! text and nothing else: no sockets, no clocks, no knowledge of how steps run.
//!
//! The pipeline: [`source::SourceFile`] → [`yaml::parse`] (a spanned node tree) →
//! [`compile::compile`] (keys, flows, steps; each sentence parsed by [`sentence`] with the pest
//! grammar, then typed) → [`plan::Case`]. [`load::load`] does this for folders of cases.

pub mod compile;
pub mod diag;
pub mod display;
pub mod duration;
pub mod fields;
pub mod icmp;
pub mod load;
pub mod names;
pub mod plan;
pub mod schema;
pub mod sentence;
pub mod source;
pub mod spellings;
pub mod testbed;
pub mod yaml;

pub use compile::{Compiled, compile};
pub use load::{Loaded, load};
pub use testbed::Testbed;
