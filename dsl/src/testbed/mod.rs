//! Testbeds (docs/language.md §5): what the runner is connected to — the gateway's addresses on
//! each side and the emulated hosts. The types and the built-in testbed are here; reading a
//! testbed file is in `read.rs`, writing one back out in `write.rs`.

mod read;
#[cfg(test)]
mod tests;
mod write;

use crate::plan::{Capability, Host, Side};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// One emulated host (or the gateway) on a side, with prefix lengths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostConf {
    /// Its name.
    pub name: String,
    /// Its MAC.
    pub mac: Option<[u8; 6]>,
    /// IPv4 address and prefix length.
    pub ipv4: Option<(Ipv4Addr, u8)>,
    /// IPv6 address and prefix length.
    pub ipv6: Option<(Ipv6Addr, u8)>,
}

/// One side of the testbed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideConf {
    /// The network interface (for `wire`).
    pub interface: Option<String>,
    /// The gateway's own addresses on this side.
    pub gateway: HostConf,
    /// The upstream router the emulation answers for (WAN).
    pub router: Option<Ipv4Addr>,
    /// The emulated hosts, first one first.
    pub hosts: Vec<HostConf>,
    /// The link's MTU: the largest IP packet the gateway sends or takes on this side.
    pub mtu: u16,
}

/// A side's MTU when the testbed file does not give one (Ethernet).
pub const DEFAULT_MTU: u16 = 1500;
/// The smallest MTU of a side without IPv6: every IPv4 link carries 68 bytes (RFC 791).
pub const MIN_MTU_IPV4: u16 = 68;
/// The smallest MTU of a side with IPv6 addresses (RFC 8200 §5).
pub const MIN_MTU_IPV6: u16 = 1280;
/// The largest MTU a side may have: the usual jumbo-frame limit of Ethernet NICs and switches.
pub const MAX_MTU: u16 = 9216;

/// A whole testbed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Testbed {
    /// The backend the file names (`gateway: wire`), if any.
    pub gateway: Option<String>,
    /// The LAN side.
    pub lan: SideConf,
    /// The WAN side.
    pub wan: SideConf,
    /// What the testbed offers (derived unless the file overrides it).
    pub capabilities: BTreeSet<Capability>,
    /// Extra noise classes (`udp 5678`, `tcp 8080`).
    pub noise: Vec<(String, u16)>,
}

/// Formats a MAC as `02:00:00:00:01:64`.
pub fn mac_text(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Parses a MAC address written `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (i, p) in parts.iter().enumerate() {
        if p.len() != 2 {
            return None;
        }
        m[i] = u8::from_str_radix(p, 16).ok()?;
    }
    Some(m)
}

impl Testbed {
    /// The built-in testbed used by `sim` and `netns` (the table of docs/language.md §5).
    pub fn builtin() -> Testbed {
        let h = |name: &str, m: [u8; 6], v4: [u8; 4], v6_last: u16, v6_net: u16, p4: u8| HostConf {
            name: name.into(),
            mac: Some(m),
            ipv4: Some((Ipv4Addr::from(v4), p4)),
            ipv6: Some((Ipv6Addr::new(0x3fff, 0, 0, v6_net, 0, 0, 0, v6_last), 64)),
        };
        let side = |gateway: HostConf, hosts: Vec<HostConf>| SideConf {
            interface: None,
            gateway,
            router: None,
            mtu: DEFAULT_MTU,
            hosts,
        };
        let mut t = Testbed {
            gateway: None,
            lan: side(
                h("gw.lan", [2, 0, 0, 0, 1, 1], [192, 168, 0, 1], 1, 1, 24),
                vec![
                    h("lan", [2, 0, 0, 0, 1, 0x64], [192, 168, 0, 100], 0x100, 1, 24),
                    h("lan2", [2, 0, 0, 0, 1, 0x65], [192, 168, 0, 101], 0x101, 1, 24),
                ],
            ),
            wan: side(
                h("gw", [2, 0, 0, 0, 2, 1], [203, 0, 113, 2], 2, 2, 24),
                vec![
                    h("wan", [2, 0, 0, 0, 2, 3], [203, 0, 113, 3], 3, 2, 24),
                    h("wan2", [2, 0, 0, 0, 2, 4], [203, 0, 113, 4], 4, 2, 24),
                ],
            ),
            capabilities: BTreeSet::new(),
            noise: Vec::new(),
        };
        t.capabilities = t.derived_capabilities();
        t
    }

    /// Capabilities as docs/language.md §5 derives them from the addresses, hosts and MTUs.
    pub fn derived_capabilities(&self) -> BTreeSet<Capability> {
        let mut c = BTreeSet::new();
        let has = |side: &SideConf, name: &str, v6: bool| {
            side.hosts
                .iter()
                .any(|h| h.name == name && if v6 { h.ipv6.is_some() } else { h.ipv4.is_some() })
        };
        for (cap, v6) in [(Capability::Ipv4, false), (Capability::Ipv6, true)] {
            let gw = |s: &SideConf| {
                if v6 {
                    s.gateway.ipv6.is_some()
                } else {
                    s.gateway.ipv4.is_some()
                }
            };
            if gw(&self.lan) && gw(&self.wan) && has(&self.lan, "lan", v6) && has(&self.wan, "wan", v6) {
                c.insert(cap);
            }
        }
        if self.lan.hosts.iter().any(|h| h.name == "lan2") {
            c.insert(Capability::Lan2);
        }
        if self.wan.hosts.iter().any(|h| h.name == "wan2") {
            c.insert(Capability::Wan2);
        }
        if self.wan.mtu < DEFAULT_MTU && self.lan.mtu >= DEFAULT_MTU {
            c.insert(Capability::SmallWanMtu);
        }
        c
    }

    /// Resolves a host name: the fixed names, `gw`, `gw.wan`, `gw.lan`, and the testbed's own.
    pub fn host(&self, name: &str) -> Option<Host> {
        let mk = |c: &HostConf, side: Side, gw: bool| Host {
            name: name.to_string(),
            side,
            is_gateway: gw,
            mac: c.mac,
            ipv4: c.ipv4.map(|a| a.0),
            ipv6: c.ipv6.map(|a| a.0),
        };
        match name {
            "gw" | "gw.wan" => return Some(mk(&self.wan.gateway, Side::Wan, true)),
            "gw.lan" => return Some(mk(&self.lan.gateway, Side::Lan, true)),
            _ => {}
        }
        for (side, conf) in [(Side::Lan, &self.lan), (Side::Wan, &self.wan)] {
            if let Some(h) = conf.hosts.iter().find(|h| h.name == name) {
                return Some(mk(h, side, false));
            }
        }
        None
    }

    /// Every host name a case may use on this testbed.
    pub fn host_names(&self) -> Vec<String> {
        let mut v: Vec<String> = ["gw", "gw.wan", "gw.lan"].iter().map(|s| s.to_string()).collect();
        v.extend(self.lan.hosts.iter().chain(&self.wan.hosts).map(|h| h.name.clone()));
        for fixed in ["lan", "lan2", "wan", "wan2"] {
            if !v.iter().any(|h| h == fixed) {
                v.push(fixed.into());
            }
        }
        v
    }

    /// The side conf of a side.
    pub fn side(&self, side: Side) -> &SideConf {
        match side {
            Side::Lan => &self.lan,
            Side::Wan => &self.wan,
        }
    }

    /// Whether an address lies inside one of the testbed's subnets (literals there get a warning).
    pub fn in_subnet(&self, ip: std::net::IpAddr) -> bool {
        [&self.lan.gateway, &self.wan.gateway].iter().any(|g| match ip {
            std::net::IpAddr::V4(a) => g.ipv4.is_some_and(|(n, p)| same_prefix4(a, n, p)),
            std::net::IpAddr::V6(a) => g.ipv6.is_some_and(|(n, p)| same_prefix6(a, n, p)),
        })
    }
}

fn same_prefix4(a: Ipv4Addr, n: Ipv4Addr, p: u8) -> bool {
    let mask = if p == 0 { 0 } else { u32::MAX << (32 - p.min(32) as u32) };
    u32::from(a) & mask == u32::from(n) & mask
}

fn same_prefix6(a: Ipv6Addr, n: Ipv6Addr, p: u8) -> bool {
    let mask = if p == 0 {
        0
    } else {
        u128::MAX << (128 - p.min(128) as u32)
    };
    u128::from(a) & mask == u128::from(n) & mask
}
