//! Noise (docs/language.md §2.1 rule 5): frames that are never matched and never offend, unless
//! a pattern selects their class explicitly. A gateway sends them on its own (neighbour
//! discovery, ARP, DHCP, mDNS...), so a pattern that merely could match one — `ipv6 * -> *
//! proto=58` could match a Neighbor Solicitation — must not see it: only a pattern that names
//! the class does.

use crate::codec::ip_proto::IGMP;
use crate::engine::view::{L4View, View};
use dsl::plan::{Expr, Family, Field, PacketSpec, Proto, Value};

/// UDP ports whose traffic is noise: DHCP, DHCPv6, mDNS, LLMNR, SSDP, NetBIOS.
const NOISE_UDP_PORTS: [u16; 9] = [67, 68, 546, 547, 5353, 5355, 1900, 137, 138];

/// The class of a noise frame, which decides which patterns select it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseClass {
    /// LLDP (EtherType 0x88cc) or STP (to 01:80:c2:00:00:00): selected by `eth` with `eth.type=`
    /// or `eth.dst=`.
    LinkLayer,
    /// ARP: selected by `arp`.
    Arp,
    /// ICMPv6 neighbour discovery or MLD of this type: selected by `icmp6` naming the type.
    Icmp6(u8),
    /// IGMP: selected by `ipv4 proto=2`.
    Igmp,
    /// UDP to or from a noise port (or a testbed's extra UDP class), with the frame's ports that
    /// are noise ports: selected by a `udp`/`udp6` pattern that writes one of them.
    Udp(NoisePorts),
    /// TCP to or from a testbed's extra TCP class, with the frame's ports that are in it:
    /// selected by a `tcp`/`tcp6` pattern that writes one of them.
    Tcp(NoisePorts),
}

/// The source and destination ports of a frame that are noise ports (`None`: an ordinary port).
pub type NoisePorts = [Option<u16>; 2];

/// The noise class of a frame, given the testbed's extra classes (`udp 5678`); `None` for a
/// frame that is not noise.
pub fn class_of(v: &View, extra: &[(String, u16)]) -> Option<NoiseClass> {
    let noise_ports = |proto: &str, ports: [u16; 2]| -> Option<NoisePorts> {
        let is_noise = |n: u16| {
            (proto == "udp" && NOISE_UDP_PORTS.contains(&n)) || extra.iter().any(|(p, x)| p == proto && *x == n)
        };
        let found = ports.map(|n| is_noise(n).then_some(n));
        (found != [None, None]).then_some(found)
    };
    if v.eth_type == 0x88cc || v.eth_dst == [0x01, 0x80, 0xc2, 0, 0, 0] {
        return Some(NoiseClass::LinkLayer);
    }
    match &v.l4 {
        L4View::Arp { .. } => Some(NoiseClass::Arp),
        L4View::Icmp { ty, .. } if v.ip.as_ref().is_some_and(|i| i.v6) && dsl::icmp::is_v6_noise_type(*ty) => {
            Some(NoiseClass::Icmp6(*ty))
        }
        L4View::Udp { sport, dport, .. } => noise_ports("udp", [*sport, *dport]).map(NoiseClass::Udp),
        L4View::Tcp { sport, dport, .. } => noise_ports("tcp", [*sport, *dport]).map(NoiseClass::Tcp),
        L4View::None if v.ip.as_ref().is_some_and(|i| !i.v6 && i.proto == IGMP) => Some(NoiseClass::Igmp),
        _ => None,
    }
}

/// Whether pattern `p` names noise class `class` explicitly, so that frames of that class are
/// considered by it (and only that class: `udp * -> *:5353` selects mDNS, not DHCP).
pub fn selects(p: &PacketSpec, class: NoiseClass) -> bool {
    let written = |f: Field| p.fields.iter().filter(move |t| t.field == f).map(|t| &t.value);
    let writes = |f: Field, n: u64| written(f).any(|v| may_equal(v, n));
    let v6 = p.family == Some(Family::V6);
    match (p.proto, class) {
        (Some(Proto::Arp), NoiseClass::Arp) => true,
        (Some(Proto::Eth), NoiseClass::LinkLayer) => written(Field::EthType)
            .chain(written(Field::EthDst))
            .any(|v| *v != Value::Any),
        (Some(Proto::Icmp), NoiseClass::Icmp6(ty)) if v6 => {
            p.icmp_type == Some(ty) || writes(Field::IcmpType, u64::from(ty))
        }
        (Some(Proto::Ip), NoiseClass::Igmp) if !v6 => writes(Field::IpProto, u64::from(IGMP)),
        (Some(Proto::Udp), NoiseClass::Udp(ports)) | (Some(Proto::Tcp), NoiseClass::Tcp(ports)) => {
            let endpoint_ports = [&p.src, &p.dst].into_iter().flatten().filter_map(|e| e.port.as_ref());
            let mut written_ports = endpoint_ports.chain(written(Field::Sport)).chain(written(Field::Dport));
            written_ports.any(|v| ports.iter().flatten().any(|n| may_equal(v, u64::from(*n))))
        }
        _ => false,
    }
}

/// Whether a written constant value can be `n`: the number itself, a set holding it, a range
/// around it. Variables and expressions select nothing: only a written number names a class.
fn may_equal(v: &Value, n: u64) -> bool {
    match v {
        Value::One(Expr::Int(x)) => *x == n,
        Value::Set(items) => items.iter().any(|e| matches!(e, Expr::Int(x) if *x == n)),
        Value::Range(Expr::Int(lo), Expr::Int(hi)) => (*lo..=*hi).contains(&n),
        _ => false,
    }
}
