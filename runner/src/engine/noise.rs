//! Noise (DSL.md §2.1 rule 5): frames that are never matched and never offend, unless a pattern
//! selects their class explicitly.

use crate::view::{L4View, View};
use dsl::plan::{Field, PacketSpec, Proto, Value};

const NOISE_UDP_PORTS: [u16; 9] = [67, 68, 546, 547, 5353, 5355, 1900, 137, 138];

/// Whether a frame is noise, given the testbed's extra classes (`udp 5678`).
pub fn is_noise(v: &View, extra: &[(String, u16)]) -> bool {
    if v.eth_type == 0x88cc || v.eth_dst == [0x01, 0x80, 0xc2, 0, 0, 0] {
        return true;
    }
    match &v.l4 {
        L4View::Arp { .. } => true,
        L4View::Icmp { ty, .. } if v.ip.as_ref().is_some_and(|i| i.v6) => dsl::icmp::is_v6_noise_type(*ty),
        L4View::Udp { sport, dport, .. } => {
            NOISE_UDP_PORTS.iter().any(|p| p == sport || p == dport)
                || extra
                    .iter()
                    .any(|(proto, p)| proto == "udp" && (p == sport || p == dport))
        }
        L4View::Tcp { sport, dport, .. } => extra
            .iter()
            .any(|(proto, p)| proto == "tcp" && (p == sport || p == dport)),
        L4View::None => v.ip.as_ref().is_some_and(|i| !i.v6 && i.proto == 2),
        _ => false,
    }
}

/// Whether a pattern selects a noise class explicitly, so that noise frames are considered.
pub fn selects_noise(p: &PacketSpec) -> bool {
    let has = |f: Field| p.fields.iter().any(|t| t.field == f && t.value != Value::Any);
    match p.proto {
        Some(Proto::Arp) => true,
        Some(Proto::Eth) => has(Field::EthType) || has(Field::EthDst),
        Some(Proto::Icmp) if p.family == Some(dsl::plan::Family::V6) => {
            p.icmp_type.is_some_and(dsl::icmp::is_v6_noise_type) || has(Field::IcmpType)
        }
        Some(Proto::Udp) => {
            // Only a written port that is a noise port selects the class (`udp * -> *:5353`).
            let noise_port = |v: &Value| matches!(v, Value::One(dsl::plan::Expr::Int(n)) if NOISE_UDP_PORTS.iter().any(|p| u64::from(*p) == *n));
            let endpoint_ports = [&p.src, &p.dst].into_iter().flatten().filter_map(|e| e.port.as_ref());
            let field_ports = p
                .fields
                .iter()
                .filter(|t| matches!(t.field, Field::Sport | Field::Dport))
                .map(|t| &t.value);
            endpoint_ports.chain(field_ports).any(noise_port)
        }
        Some(Proto::Ip) => has(Field::IpProto),
        _ => false,
    }
}
