//! The engine: runs one compiled case against a [`Testbed`](crate::testbed::Testbed), step by
//! step, by the matching rules of DSL.md §2.1, and produces a [`CaseResult`](crate::result::CaseResult).

mod build;
mod case;
pub mod env;
pub mod flow;
mod hosts;
pub mod matcher;
pub mod noise;

pub use case::run_case;
