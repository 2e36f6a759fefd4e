//! Testbeds (DSL.md §5): what the runner is connected to — the gateway's addresses on each side
//! and the emulated hosts — read from a testbed file or the built-in one.

use crate::diag::Diagnostic;
use crate::fields::{self, Record};
use crate::names;
use crate::plan::{Capability, Host, Side};
use crate::source::SourceFile;
use crate::yaml::{self, Node, NodeKind};
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

fn mac(s: &str) -> Option<[u8; 6]> {
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

/// Formats a MAC as `02:00:00:00:01:64`.
pub fn mac_text(m: [u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// Parses a MAC address written `aa:bb:cc:dd:ee:ff`.
pub fn parse_mac(s: &str) -> Option<[u8; 6]> {
    mac(s)
}

impl Testbed {
    /// The built-in testbed used by `sim` and `netns` (DSL.md §5 table).
    pub fn builtin() -> Testbed {
        let h = |name: &str, m: [u8; 6], v4: [u8; 4], v6_last: u16, v6_net: u16, p4: u8| HostConf {
            name: name.into(),
            mac: Some(m),
            ipv4: Some((Ipv4Addr::from(v4), p4)),
            ipv6: Some((Ipv6Addr::new(0x3fff, 0, 0, v6_net, 0, 0, 0, v6_last), 64)),
        };
        let mut t = Testbed {
            gateway: None,
            lan: SideConf {
                interface: None,
                gateway: h("gw.lan", [2, 0, 0, 0, 1, 1], [192, 168, 0, 1], 1, 1, 24),
                router: None,
                mtu: DEFAULT_MTU,
                hosts: vec![
                    h("lan", [2, 0, 0, 0, 1, 0x64], [192, 168, 0, 100], 0x100, 1, 24),
                    h("lan2", [2, 0, 0, 0, 1, 0x65], [192, 168, 0, 101], 0x101, 1, 24),
                ],
            },
            wan: SideConf {
                interface: None,
                gateway: h("gw", [2, 0, 0, 0, 2, 1], [203, 0, 113, 2], 2, 2, 24),
                router: None,
                mtu: DEFAULT_MTU,
                hosts: vec![
                    h("wan", [2, 0, 0, 0, 2, 3], [203, 0, 113, 3], 3, 2, 24),
                    h("wan2", [2, 0, 0, 0, 2, 4], [203, 0, 113, 4], 4, 2, 24),
                ],
            },
            capabilities: BTreeSet::new(),
            noise: Vec::new(),
        };
        t.capabilities = t.derived_capabilities();
        t
    }

    /// Capabilities as DSL.md §5 derives them from the addresses and hosts.
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

    /// Reads a testbed file.
    pub fn from_source(file: &SourceFile) -> Result<Testbed, Vec<Diagnostic>> {
        let root = yaml::parse(file)?;
        let mut diags = Vec::new();
        let t = read_testbed(&root, &mut diags);
        match t {
            Some(t) if diags.iter().all(|d| !d.is_error()) => Ok(t),
            _ => Err(diags),
        }
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

const TOP_KEYS: &[&str] = &["gateway", "lan", "wan", "capabilities", "noise"];
const SIDE_KEYS: &[&str] = &["interface", "gateway", "hosts", "router", "mtu"];
const HOST_KEYS: &[&str] = &["mac", "ipv4", "ipv6"];

fn read_testbed(root: &Node, diags: &mut Vec<Diagnostic>) -> Option<Testbed> {
    let rec = Record::read(root, TOP_KEYS, "a testbed", diags)?;
    let gateway = rec
        .get("gateway")
        .and_then(|n| fields::scalar(n, "a gateway backend", diags))
        .map(|s| s.value.clone());
    let lan = rec
        .require("lan", "a testbed", diags)
        .and_then(|n| read_side(n, "gw.lan", diags));
    let wan = rec
        .require("wan", "a testbed", diags)
        .and_then(|n| read_side(n, "gw", diags));
    let (lan, wan) = (lan?, wan?);
    let mut seen: Vec<&str> = Vec::new();
    for h in lan.hosts.iter().chain(&wan.hosts) {
        if seen.contains(&h.name.as_str()) {
            diags.push(Diagnostic::error(
                root.span,
                format!("host `{}` is defined on both sides", h.name),
            ));
        }
        seen.push(&h.name);
    }
    let mut t = Testbed {
        gateway,
        lan,
        wan,
        capabilities: BTreeSet::new(),
        noise: Vec::new(),
    };
    t.capabilities = t.derived_capabilities();
    if let Some(n) = rec.get("capabilities") {
        t.capabilities = fields::capabilities(n, diags);
    }
    if let Some(n) = rec.get("noise") {
        for (w, span) in fields::string_list(n, "noise class", diags) {
            let mut it = w.split_whitespace();
            match (it.next(), it.next().and_then(|p| p.parse::<u16>().ok()), it.next()) {
                (Some(p @ ("udp" | "tcp")), Some(port), None) => t.noise.push((p.to_string(), port)),
                _ => diags.push(
                    Diagnostic::error(span, format!("bad noise class `{w}`"))
                        .with_label("expected `udp PORT` or `tcp PORT`"),
                ),
            }
        }
    }
    Some(t)
}

/// Whether the kernel would accept `name` as an interface name: 1–15 bytes, not `.` or `..`,
/// no `/`, `:` or whitespace.
fn valid_interface_name(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name != "."
        && name != ".."
        && !name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b.is_ascii_whitespace() || b.is_ascii_control())
}

fn read_side(node: &Node, gw_name: &str, diags: &mut Vec<Diagnostic>) -> Option<SideConf> {
    let rec = Record::read(node, SIDE_KEYS, "a testbed side", diags)?;
    let interface = match rec.get("interface") {
        Some(n) => match fields::scalar(n, "an interface name", diags) {
            Some(s) if !valid_interface_name(&s.value) => {
                diags.push(
                    Diagnostic::error(n.span, "not a network interface name")
                        .with_label("expected 1 to 15 characters, without `/`, `:` or spaces")
                        .with_help("the kernel's limit is 15 bytes (IFNAMSIZ); `ip link` lists the names"),
                );
                None
            }
            Some(s) => Some(s.value.clone()),
            None => None,
        },
        None => None,
    };
    let gateway = match rec.get("gateway") {
        Some(n) => read_host(gw_name, n, diags)?,
        None => {
            rec.require("gateway", "a testbed side", diags);
            return None;
        }
    };
    let router = rec.get("router").and_then(|n| {
        let s = fields::scalar(n, "a router address", diags)?;
        match s.value.parse::<Ipv4Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                diags.push(
                    Diagnostic::error(n.span, format!("bad IPv4 address `{}`", s.value))
                        .with_label("expected an IPv4 address"),
                );
                None
            }
        }
    });
    let mut hosts = Vec::new();
    if let Some(n) = rec.get("hosts") {
        match &n.kind {
            NodeKind::Map(pairs) => {
                for (k, v) in pairs {
                    let Some(name) = k.as_scalar() else { continue };
                    if !names::is_valid_name(&name.value) || names::is_reserved(&name.value) {
                        diags.push(
                            Diagnostic::error(k.span, format!("`{}` cannot be a host name", name.value))
                                .with_label("host names match [a-z][a-z0-9_]* and are not reserved words"),
                        );
                        continue;
                    }
                    if let Some(h) = read_host(&name.value, v, diags) {
                        hosts.push(h);
                    }
                }
            }
            _ => diags.push(
                Diagnostic::error(n.span, "expected a mapping of host name to {mac, ipv4, ipv6}")
                    .with_label("expected a mapping"),
            ),
        }
    }
    let has_ipv6 = gateway.ipv6.is_some() || hosts.iter().any(|h| h.ipv6.is_some());
    // A bad value is reported and read as the default, so the rest of the file is still checked.
    let mtu = rec
        .get("mtu")
        .and_then(|n| read_mtu(n, has_ipv6, diags))
        .unwrap_or(DEFAULT_MTU);
    Some(SideConf {
        interface,
        gateway,
        router,
        hosts,
        mtu,
    })
}

/// A side's `mtu:` (docs/language.md §5): a number of bytes from 68 (1280 on a side with IPv6)
/// to 9216.
fn read_mtu(node: &Node, has_ipv6: bool, diags: &mut Vec<Diagnostic>) -> Option<u16> {
    let s = fields::scalar(node, "an MTU", diags)?;
    let min = if has_ipv6 { MIN_MTU_IPV6 } else { MIN_MTU_IPV4 };
    let expected = format!("expected a number of bytes from {min} to {MAX_MTU}");
    let err = |message: String| Diagnostic::error(node.span, message).with_label(expected.clone());
    let Some(n) = s.value.parse::<u32>().ok() else {
        diags.push(err(format!("bad MTU `{}`", s.value)).with_help("write the link's MTU in bytes, e.g. `mtu: 1492`"));
        return None;
    };
    if n < u32::from(min) {
        let why = if has_ipv6 {
            "this side has IPv6 addresses, and every IPv6 link carries 1280 bytes (RFC 8200 §5)"
        } else {
            "every IPv4 link carries 68 bytes (RFC 791)"
        };
        diags.push(err(format!("MTU {n} is too small")).with_help(why));
        return None;
    }
    if n > u32::from(MAX_MTU) {
        diags.push(
            err(format!("MTU {n} is too large"))
                .with_help(format!("{MAX_MTU} bytes is the usual limit of jumbo frames")),
        );
        return None;
    }
    u16::try_from(n).ok()
}

fn read_host(name: &str, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<HostConf> {
    let rec = Record::read(node, HOST_KEYS, "a host", diags)?;
    let mut h = HostConf {
        name: name.to_string(),
        mac: None,
        ipv4: None,
        ipv6: None,
    };
    if let Some(n) = rec.get("mac") {
        let s = fields::scalar(n, "a MAC address", diags)?;
        match mac(&s.value) {
            Some(m) => h.mac = Some(m),
            None => diags.push(
                Diagnostic::error(n.span, format!("bad MAC address `{}`", s.value))
                    .with_label("expected a MAC such as 02:00:00:00:01:64"),
            ),
        }
    }
    if let Some(n) = rec.get("ipv4") {
        let s = fields::scalar(n, "an IPv4 address", diags)?;
        let (a, p) = s
            .value
            .split_once('/')
            .map_or((s.value.as_str(), None), |(a, p)| (a, Some(p)));
        match (
            a.parse::<Ipv4Addr>(),
            p.map(|p| p.parse::<u8>().ok().filter(|p| *p <= 32)),
        ) {
            (Ok(a), None) => h.ipv4 = Some((a, 24)),
            (Ok(a), Some(Some(p))) => h.ipv4 = Some((a, p)),
            _ => diags.push(
                Diagnostic::error(n.span, format!("bad IPv4 address `{}`", s.value))
                    .with_label("expected an address such as 192.168.0.100/24"),
            ),
        }
    }
    if let Some(n) = rec.get("ipv6") {
        let s = fields::scalar(n, "an IPv6 address", diags)?;
        let (a, p) = s
            .value
            .split_once('/')
            .map_or((s.value.as_str(), None), |(a, p)| (a, Some(p)));
        match (
            a.parse::<Ipv6Addr>(),
            p.map(|p| p.parse::<u8>().ok().filter(|p| *p <= 128)),
        ) {
            (Ok(a), None) => h.ipv6 = Some((a, 64)),
            (Ok(a), Some(Some(p))) => h.ipv6 = Some((a, p)),
            _ => diags.push(
                Diagnostic::error(n.span, format!("bad IPv6 address `{}`", s.value))
                    .with_label("expected an address such as 3fff:0:0:1::100/64"),
            ),
        }
    }
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn builtin_testbed_has_every_capability_and_the_documented_addresses() {
        let t = Testbed::builtin();
        assert_eq!(t.capabilities.len(), 4);
        let lan = t.host("lan").unwrap();
        assert_eq!(lan.ipv4, Some(Ipv4Addr::new(192, 168, 0, 100)));
        assert_eq!(lan.ipv6, Some("3fff:0:0:1::100".parse().unwrap()));
        assert_eq!(t.host("gw").unwrap().ipv4, Some(Ipv4Addr::new(203, 0, 113, 2)));
        assert_eq!(mac_text(t.host("gw.lan").unwrap().mac.unwrap()), "02:00:00:00:01:01");
    }

    #[test]
    fn testbed_file_derives_capabilities() {
        let f = SourceFile::new(
            Path::new("tb.yaml"),
            "gateway: wire\nlan:\n  interface: enp3s0\n  gateway: {mac: \"02:00:00:00:01:01\", ipv4: 192.168.0.1}\n  hosts:\n    lan: {mac: \"02:00:00:00:01:64\", ipv4: 192.168.0.100/24}\nwan:\n  interface: enp4s0\n  gateway: {ipv4: 198.51.100.2}\n  router: 198.51.100.1\n  hosts:\n    wan: {ipv4: 198.51.100.3/24}\nnoise: [\"udp 5678\"]\n",
        );
        let t = Testbed::from_source(&f).unwrap_or_else(|d| panic!("{d:?}"));
        assert!(t.capabilities.contains(&Capability::Ipv4));
        assert!(!t.capabilities.contains(&Capability::Ipv6));
        assert!(!t.capabilities.contains(&Capability::Lan2));
        assert_eq!(t.noise, vec![("udp".to_string(), 5678)]);
    }

    #[test]
    fn testbed_errors_are_positioned() {
        let f = SourceFile::new(
            Path::new("tb.yaml"),
            "lan:\n  gateway: {ipv4: 192.168.0.1}\n  hostz: {}\nwan:\n  gateway: {ipv4: 300.1.1.1}\n",
        );
        let d = Testbed::from_source(&f).unwrap_err();
        assert!(
            d.iter()
                .any(|d| d.message.contains("unknown key `hostz`") && d.message.contains("did you mean `hosts`")),
            "{d:?}"
        );
        assert!(d.iter().any(|d| d.message.contains("bad IPv4 address `300.1.1.1`") && f.line_col(d.span.start as usize).0 == 5));
    }

    fn read(text: &str) -> Result<Testbed, Vec<Diagnostic>> {
        Testbed::from_source(&SourceFile::new(Path::new("tb.yaml"), text))
    }

    #[test]
    fn each_side_has_an_mtu_that_defaults_to_1500_and_a_small_wan_mtu_is_a_capability() {
        let t = read("lan:\n  gateway: {ipv4: 192.168.0.1}\nwan:\n  gateway: {ipv4: 203.0.113.2}\n  mtu: 1400\n")
            .unwrap_or_else(|d| panic!("{d:?}"));
        assert_eq!((t.lan.mtu, t.wan.mtu), (DEFAULT_MTU, 1400));
        assert!(t.capabilities.contains(&Capability::SmallWanMtu));
        assert!(!Testbed::builtin().capabilities.contains(&Capability::SmallWanMtu));
        let small_lan = read(
            "lan:\n  gateway: {ipv4: 192.168.0.1}\n  mtu: 1400\nwan:\n  gateway: {ipv4: 203.0.113.2}\n  mtu: 1400\n",
        )
        .unwrap_or_else(|d| panic!("{d:?}"));
        assert!(
            !small_lan.capabilities.contains(&Capability::SmallWanMtu),
            "the LAN cannot send a full-size packet"
        );
    }

    #[test]
    fn bad_mtus_are_positioned_errors_with_the_bounds_of_the_side() {
        let cases = [
            ("abc", "bad MTU `abc`", "from 68 to 9216"),
            ("67", "MTU 67 is too small", "from 68 to 9216"),
            ("9217", "MTU 9217 is too large", "from 68 to 9216"),
            ("99999999999", "bad MTU", "from 68 to 9216"),
            ("-1", "bad MTU `-1`", "from 68 to 9216"),
        ];
        for (value, message, label) in cases {
            let text = format!(
                "lan:\n  gateway: {{ipv4: 192.168.0.1}}\nwan:\n  gateway: {{ipv4: 203.0.113.2}}\n  mtu: {value}\n"
            );
            let d = read(&text).unwrap_err();
            let e = d
                .iter()
                .find(|d| d.message.contains(message))
                .unwrap_or_else(|| panic!("{value}: {d:?}"));
            assert_eq!(&text[e.span.start as usize..e.span.end as usize], value);
            assert!(e.label.contains(label), "{value}: {e:?}");
        }
        // A side with IPv6 (on the gateway or on one of its hosts) needs 1280.
        let text = "lan:\n  gateway: {ipv4: 192.168.0.1}\n  hosts:\n    lan: {ipv6: \"3fff:0:0:1::100\"}\n  mtu: 1279\nwan:\n  gateway: {ipv4: 203.0.113.2}\n";
        let d = read(text).unwrap_err();
        let e = d
            .iter()
            .find(|d| d.message.contains("MTU 1279 is too small"))
            .unwrap_or_else(|| panic!("{d:?}"));
        assert!(e.label.contains("from 1280 to 9216"), "{e:?}");
        assert!(read(&text.replace("1279", "1280")).is_ok());
        // Other errors of the file are still reported.
        let d =
            read("lan:\n  gateway: {ipv4: 192.168.0.1}\n  mtu: x\nwan:\n  gateway: {ipv4: 300.1.1.1}\n").unwrap_err();
        assert!(d.iter().any(|d| d.message.contains("bad IPv4 address")), "{d:?}");
    }
}
