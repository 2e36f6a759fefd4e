//! Raw-socket ports: two network interfaces as [`GatewayPorts`](super::GatewayPorts), through
//! AF_PACKET sockets with memory-mapped receive rings under tokio. They are the `wire` backend
//! (two NICs cabled to a physical gateway, checked by [`safety`] first) and the tester side of
//! the `netns` lab.

pub mod afpacket;
mod link;
mod ports;
pub mod safety;

pub use ports::RawPorts;

use super::Opened;

/// What every result on `wire` carries (docs/language.md §2.1 rule 9).
const NOT_FRESH: &str =
    "on `wire` the gateway keeps its state between cases (rule 9): a fresh gateway cannot be guaranteed";

/// Opens the `wire` backend: the testbed's two interfaces, in the host's namespace. The
/// interfaces were checked by the caller ([`safety`]) before the run.
pub fn open_wire(testbed: &dsl::Testbed) -> Result<Opened, String> {
    let (Some(lan), Some(wan)) = (testbed.lan.interface.as_deref(), testbed.wan.interface.as_deref()) else {
        return Err("the wire backend needs `interface:` on both sides of the testbed file".into());
    };
    let mut ports = RawPorts::open(None, lan, wan).map_err(|e| e.to_string())?;
    ports.set_caveat(NOT_FRESH);
    Ok(Opened::new(ports))
}

#[cfg(test)]
mod tests {
    /// The first design of these ports (pnet_datalink channels) serves only the `pnet_design`
    /// bench: the library lists interfaces and opens sockets without it.
    #[test]
    fn the_runner_library_does_not_depend_on_pnet() {
        let manifest = include_str!("../../../Cargo.toml");
        let dependencies = manifest
            .split("\n[dependencies]\n")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .expect("a [dependencies] table");
        assert!(!dependencies.contains("pnet"), "{dependencies}");
    }
}
