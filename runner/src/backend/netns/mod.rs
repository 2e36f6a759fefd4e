//! The `netns` backend: a Linux kernel gateway in network namespaces, with profiles of real
//! kernel configuration (`gatecheck lab up|status|down`), reached through raw-socket ports on
//! the lab's tester ends, exactly as a physical gateway is on `wire`.

pub mod lab;
pub mod links;
mod pmtu;
pub mod profile;

use super::raw::RawPorts;
use super::{Opened, host_tools};

/// Builds a fresh lab with `profile` for one case and opens its tester ends; the lab is removed
/// by the [`Opened::teardown`], or at once when its ports cannot be opened.
pub fn open(testbed: &dsl::Testbed, profile: &profile::NetnsProfile) -> Result<Opened, String> {
    if !host_tools::is_root() {
        return Err("the netns gateway needs root (network namespaces): run as root".into());
    }
    let links = links::LabLinks::for_testbed(testbed).map_err(|e| e.to_string())?;
    let lab = lab::Lab::up_with(profile.clone(), links).map_err(|e| format!("could not build the netns lab: {e}"))?;
    match RawPorts::open(Some(&lab.tester_ns), "tlan", "twan") {
        Ok(ports) => Ok(Opened {
            ports: Box::new(ports),
            teardown: Some(Box::new(move || {
                lab.down().map_err(|e| format!("the lab could not be removed: {e}"))
            })),
        }),
        Err(e) => {
            let mut reason = format!("could not open the lab's interfaces: {e}");
            if let Err(e) = lab.down() {
                reason.push_str(&format!("; the lab could not be removed: {e}"));
            }
            Err(reason)
        }
    }
}
