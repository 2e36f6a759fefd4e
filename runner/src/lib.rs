//! The gatecheck engine: executes compiled [`dsl::plan::Case`]s against a gateway reached through
//! one of the [`backend`]s, matching frames as they arrive, and produces [`result`]s that reports
//! read. It knows nothing of YAML or the sentence grammar.
//!
//! - [`engine`]: one case — steps, matching, bindings, flows, timing;
//! - [`codec`]: frames — one file per protocol, a `Repr` that parses and emits;
//! - [`backend`]: the gateways a case runs against (`sim`, `netns`, `raw`, `replay`);
//! - [`result`]: what running a case produced;
//! - [`run`]: many cases in parallel; [`verify`]: a case judged against a capture;
//!   [`stop`]: the stop signal; [`bench`]: `gatecheck bench`.

pub mod backend;
pub mod bench;
pub mod codec;
pub mod engine;
pub mod result;
pub mod run;
pub mod stop;
pub mod verify;
