//! The gatecheck engine: executes compiled [`dsl::plan::Case`]s against a gateway through a
//! two-port [`testbed`], matching frames as they arrive, and produces [`result`]s that reports
//! read. It knows nothing of YAML or the sentence grammar.

pub mod afpacket;
pub mod bench;
pub mod engine;
pub mod netns;
pub mod pnet_port;
pub mod rawport;
pub mod result;
pub mod run;
pub mod sim;
pub mod sim_testbed;
pub mod testbed;
pub mod verify;
pub mod view;
pub mod wire;
pub mod wire_safety;
