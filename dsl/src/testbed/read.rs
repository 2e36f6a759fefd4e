//! Reading a testbed file (docs/language.md §5): keys checked, addresses and MTUs parsed, every
//! problem a positioned diagnostic.

use super::{DEFAULT_MTU, HostConf, MAX_MTU, MIN_MTU_IPV4, MIN_MTU_IPV6, SideConf, Testbed, parse_mac};
use crate::diag::Diagnostic;
use crate::fields::{self, Record};
use crate::names;
use crate::source::SourceFile;
use crate::yaml::{self, Node, NodeKind};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

const TOP_KEYS: &[&str] = &["gateway", "lan", "wan", "capabilities", "noise"];
const SIDE_KEYS: &[&str] = &["interface", "gateway", "hosts", "router", "mtu"];
const HOST_KEYS: &[&str] = &["mac", "ipv4", "ipv6"];

impl Testbed {
    /// Reads a testbed file: the testbed, or every error in it.
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
        t.noise = read_noise(n, diags);
    }
    Some(t)
}

/// `noise:`: extra noise classes, each `udp PORT` or `tcp PORT`.
fn read_noise(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<(String, u16)> {
    let mut out = Vec::new();
    for (w, span) in fields::string_list(node, "noise class", diags) {
        let mut it = w.split_whitespace();
        match (it.next(), it.next().and_then(|p| p.parse::<u16>().ok()), it.next()) {
            (Some(p @ ("udp" | "tcp")), Some(port), None) => out.push((p.to_string(), port)),
            _ => diags.push(
                Diagnostic::error(span, format!("bad noise class `{w}`"))
                    .with_label("expected `udp PORT` or `tcp PORT`"),
            ),
        }
    }
    out
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

/// One side (`lan:` or `wan:`); `gw_name` is the gateway's host name on that side.
fn read_side(node: &Node, gw_name: &str, diags: &mut Vec<Diagnostic>) -> Option<SideConf> {
    let rec = Record::read(node, SIDE_KEYS, "a testbed side", diags)?;
    let interface = rec.get("interface").and_then(|n| read_interface(n, diags));
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
    let hosts = rec.get("hosts").map_or_else(Vec::new, |n| read_hosts(n, diags));
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

/// A side's `interface:`.
fn read_interface(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let s = fields::scalar(node, "an interface name", diags)?;
    if !valid_interface_name(&s.value) {
        diags.push(
            Diagnostic::error(node.span, "not a network interface name")
                .with_label("expected 1 to 15 characters, without `/`, `:` or spaces")
                .with_help("the kernel's limit is 15 bytes (IFNAMSIZ); `ip link` lists the names"),
        );
        return None;
    }
    Some(s.value.clone())
}

/// A side's `hosts:`, in file order; a host with a bad name or body is reported and left out.
fn read_hosts(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<HostConf> {
    let NodeKind::Map(pairs) = &node.kind else {
        diags.push(
            Diagnostic::error(node.span, "expected a mapping of host name to {mac, ipv4, ipv6}")
                .with_label("expected a mapping"),
        );
        return Vec::new();
    };
    let mut hosts = Vec::new();
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
    hosts
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

/// A host's `{mac, ipv4, ipv6}` (also the gateway's own on a side). `None` when a value is not
/// text at all; a malformed value is reported and left unset.
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
        match parse_mac(&s.value) {
            Some(m) => h.mac = Some(m),
            None => diags.push(
                Diagnostic::error(n.span, format!("bad MAC address `{}`", s.value))
                    .with_label("expected a MAC such as 02:00:00:00:01:64"),
            ),
        }
    }
    if let Some(n) = rec.get("ipv4") {
        h.ipv4 = read_prefixed::<Ipv4Addr>(n, &IPV4, diags)?;
    }
    if let Some(n) = rec.get("ipv6") {
        h.ipv6 = read_prefixed::<Ipv6Addr>(n, &IPV6, diags)?;
    }
    Some(h)
}

/// How a host address of one family is written.
struct AddressForm {
    /// `IPv4` or `IPv6`, for messages.
    family: &'static str,
    /// The longest prefix length.
    max_prefix: u8,
    /// The prefix length when none is written.
    default_prefix: u8,
    /// An address as an example in the error label.
    example: &'static str,
}

const IPV4: AddressForm = AddressForm {
    family: "IPv4",
    max_prefix: 32,
    default_prefix: 24,
    example: "192.168.0.100/24",
};

const IPV6: AddressForm = AddressForm {
    family: "IPv6",
    max_prefix: 128,
    default_prefix: 64,
    example: "3fff:0:0:1::100/64",
};

/// An address with an optional prefix length (`192.168.0.100/24`). `None` when the value is not
/// text (the host is dropped); `Some(None)` when it is not such an address (reported).
fn read_prefixed<A: FromStr>(node: &Node, form: &AddressForm, diags: &mut Vec<Diagnostic>) -> Option<Option<(A, u8)>> {
    let s = fields::scalar(node, &format!("an {} address", form.family), diags)?;
    let (a, p) = s
        .value
        .split_once('/')
        .map_or((s.value.as_str(), None), |(a, p)| (a, Some(p)));
    let prefix = p.map(|p| p.parse::<u8>().ok().filter(|p| *p <= form.max_prefix));
    Some(match (a.parse::<A>(), prefix) {
        (Ok(a), None) => Some((a, form.default_prefix)),
        (Ok(a), Some(Some(p))) => Some((a, p)),
        _ => {
            diags.push(
                Diagnostic::error(node.span, format!("bad {} address `{}`", form.family, s.value))
                    .with_label(format!("expected an address such as {}", form.example)),
            );
            None
        }
    })
}
