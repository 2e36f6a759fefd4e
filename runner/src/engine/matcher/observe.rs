//! What a frame shows of each thing a pattern can test: its protocol, each field's value, and
//! which checksum checks a pattern switched off.

use crate::engine::env::RtVal;
use crate::engine::view::{L4View, View};
use dsl::plan::*;

/// The protocol of a view, and its name.
pub fn proto_of(v: &View) -> (Option<Proto>, &'static str) {
    let v6 = v.ip.as_ref().is_some_and(|i| i.v6);
    let (p, name) = match (&v.l4, &v.ip) {
        (L4View::Tcp { .. }, _) => (Proto::Tcp, if v6 { "tcp6" } else { "tcp" }),
        (L4View::Udp { .. }, _) => (Proto::Udp, if v6 { "udp6" } else { "udp" }),
        (L4View::Icmp { .. }, _) => (Proto::Icmp, if v6 { "icmp6" } else { "icmp" }),
        (L4View::Arp { .. }, _) => (Proto::Arp, "arp"),
        (L4View::None, Some(_)) => (Proto::Ip, if v6 { "ipv6" } else { "ipv4" }),
        (L4View::None, None) => (Proto::Eth, "eth"),
    };
    (Some(p), name)
}

/// The observed value of a field.
pub fn observe(v: &View, f: Field) -> Option<RtVal> {
    let int = |n: u64| Some(RtVal::Int(n));
    let ip = v.ip.as_ref();
    match f {
        Field::EthSrc => Some(RtVal::Mac(v.eth_src)),
        Field::EthDst => Some(RtVal::Mac(v.eth_dst)),
        Field::EthType => int(u64::from(v.eth_type)),
        Field::Vlan => v.vlan.map(|x| RtVal::Int(u64::from(x))),
        Field::Src => ip.map(|i| RtVal::Ip(i.src)),
        Field::Dst => ip.map(|i| RtVal::Ip(i.dst)),
        Field::Ttl | Field::Hlim => ip.map(|i| RtVal::Int(u64::from(i.ttl))),
        Field::Tos => ip.map(|i| RtVal::Int(u64::from(i.tos))),
        Field::Dscp => ip.map(|i| RtVal::Int(u64::from(i.tos >> 2))),
        Field::Ecn => ip.map(|i| RtVal::Int(u64::from(i.tos & 3))),
        Field::IpId => ip.map(|i| RtVal::Int(u64::from(i.id))),
        Field::Df => ip.map(|i| RtVal::Int(u64::from(i.df))),
        Field::Mf => ip.map(|i| RtVal::Int(u64::from(i.mf))),
        Field::Frag => ip.map(|i| RtVal::Int(u64::from(i.frag))),
        Field::IpLen => ip.map(|i| RtVal::Int(u64::from(i.len))),
        Field::FlowLabel => ip.map(|i| RtVal::Int(u64::from(i.flow))),
        Field::IpProto => ip.map(|i| RtVal::Int(u64::from(i.proto))),
        Field::IpCsum => ip.map(|i| RtVal::Int(u64::from(i.csum))),
        Field::Sport => v.ports().map(|p| RtVal::Int(u64::from(p.0))),
        Field::Dport => v.ports().map(|p| RtVal::Int(u64::from(p.1))),
        Field::Csum => None,
        Field::ArpOp => match v.l4 {
            L4View::Arp { op, .. } => int(u64::from(op)),
            _ => None,
        },
        _ => match (&v.l4, f) {
            (L4View::Tcp { seq, .. }, Field::Seq) => int(u64::from(*seq)),
            (L4View::Tcp { ack, .. }, Field::Ack) => int(u64::from(*ack)),
            (L4View::Tcp { win, .. }, Field::Win) => int(u64::from(*win)),
            (L4View::Tcp { urg, .. }, Field::Urg) => int(u64::from(*urg)),
            (L4View::Tcp { res, .. }, Field::TcpRes) => int(u64::from(*res)),
            (L4View::Tcp { csum, .. }, Field::TcpCsum) => int(u64::from(*csum)),
            (L4View::Udp { len, .. }, Field::UdpLen) => int(u64::from(*len)),
            (L4View::Udp { csum, .. }, Field::UdpCsum) => int(u64::from(*csum)),
            (L4View::Icmp { ty, .. }, Field::IcmpType) => int(u64::from(*ty)),
            (L4View::Icmp { code, .. }, Field::IcmpCode) => int(u64::from(*code)),
            (L4View::Icmp { id, .. }, Field::IcmpId) => id.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { seq, .. }, Field::IcmpSeq) => seq.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { mtu, .. }, Field::Mtu) => mtu.map(|x| RtVal::Int(u64::from(x))),
            (L4View::Icmp { csum, .. }, Field::IcmpCsum) => int(u64::from(*csum)),
            _ => None,
        },
    }
}

/// Which checksum checks a pattern switched off (`csum=*`, `ip.csum=*`, ...).
pub fn checks_off(spec: &PacketSpec) -> (bool, bool, bool) {
    let off = |f: Field| spec.fields.iter().any(|t| t.field == f && t.value == Value::Any);
    let all = off(Field::Csum);
    (
        all || off(Field::IpCsum),
        all || off(Field::TcpCsum) || off(Field::UdpCsum) || off(Field::IcmpCsum),
        all || off(Field::IpCsum),
    )
}
