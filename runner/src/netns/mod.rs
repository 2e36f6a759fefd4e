//! The `netns` backend's lab: a Linux kernel gateway in network namespaces, with profiles of
//! real kernel configuration. (`gatecheck lab up|status|down`.)

pub mod cmd;
pub mod lab;
pub mod links;
mod pmtu;
pub mod profile;
