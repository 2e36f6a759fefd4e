//! The header fields a sentence may name, and how their values are written.

/// The header fields a sentence may name (docs/language.md §3.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Ethernet source MAC.
    EthSrc,
    /// Ethernet destination MAC.
    EthDst,
    /// EtherType.
    EthType,
    /// 802.1Q VLAN id.
    Vlan,
    /// IP source address.
    Src,
    /// IP destination address.
    Dst,
    /// IPv4 TTL.
    Ttl,
    /// IPv6 hop limit.
    Hlim,
    /// IPv4 TOS / IPv6 traffic class.
    Tos,
    /// DSCP (upper six bits of TOS).
    Dscp,
    /// ECN (lower two bits of TOS).
    Ecn,
    /// IPv4 identification.
    IpId,
    /// IPv4 don't-fragment bit.
    Df,
    /// IPv4 more-fragments bit.
    Mf,
    /// Fragment offset (8-byte units).
    Frag,
    /// IP length field (IPv4 total length / IPv6 payload length).
    IpLen,
    /// IPv6 flow label.
    FlowLabel,
    /// IP protocol / next header.
    IpProto,
    /// IPv4 header checksum.
    IpCsum,
    /// TCP/UDP source port.
    Sport,
    /// TCP/UDP destination port.
    Dport,
    /// TCP sequence number.
    Seq,
    /// TCP acknowledgment number.
    Ack,
    /// TCP window.
    Win,
    /// TCP urgent pointer.
    Urg,
    /// TCP reserved bits (4 bits incl. AE).
    TcpRes,
    /// TCP checksum.
    TcpCsum,
    /// UDP length.
    UdpLen,
    /// UDP checksum.
    UdpCsum,
    /// ICMP type.
    IcmpType,
    /// ICMP code.
    IcmpCode,
    /// ICMP echo id.
    IcmpId,
    /// ICMP echo sequence.
    IcmpSeq,
    /// MTU of frag-needed / packet-too-big.
    Mtu,
    /// ICMP checksum.
    IcmpCsum,
    /// `csum=*`: every checksum check.
    Csum,
    /// ARP operation (1 request, 2 reply).
    ArpOp,
}

/// How a field's values are written and how wide they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// An unsigned integer of this many bits.
    Int(u32),
    /// An IP address (or host name).
    Addr,
    /// A MAC address.
    Mac,
    /// ECN: a word or 0..3.
    Ecn,
}

impl Field {
    /// The field's canonical name in sentences.
    pub fn name(self) -> &'static str {
        use Field::*;
        match self {
            EthSrc => "eth.src",
            EthDst => "eth.dst",
            EthType => "eth.type",
            Vlan => "vlan",
            Src => "src",
            Dst => "dst",
            Ttl => "ttl",
            Hlim => "hlim",
            Tos => "tos",
            Dscp => "dscp",
            Ecn => "ecn",
            IpId => "ip.id",
            Df => "df",
            Mf => "mf",
            Frag => "frag",
            IpLen => "len",
            FlowLabel => "flow",
            IpProto => "proto",
            IpCsum => "ip.csum",
            Sport => "sport",
            Dport => "dport",
            Seq => "seq",
            Ack => "ack",
            Win => "win",
            Urg => "urg",
            TcpRes => "tcp.res",
            TcpCsum => "tcp.csum",
            UdpLen => "udp.len",
            UdpCsum => "udp.csum",
            IcmpType => "type",
            IcmpCode => "code",
            IcmpId => "icmp.id",
            IcmpSeq => "icmp.seq",
            Mtu => "mtu",
            IcmpCsum => "icmp.csum",
            Csum => "csum",
            ArpOp => "arp.op",
        }
    }

    /// How the field's values are written.
    pub fn kind(self) -> FieldKind {
        use Field::*;
        match self {
            EthSrc | EthDst => FieldKind::Mac,
            Src | Dst => FieldKind::Addr,
            Ecn => FieldKind::Ecn,
            EthType | IpCsum | Sport | Dport | Win | Urg | TcpCsum | UdpLen | UdpCsum | IcmpId | IcmpSeq | IpId
            | IpLen | IcmpCsum | Csum | Mtu | ArpOp => FieldKind::Int(16),
            Vlan => FieldKind::Int(12),
            Ttl | Hlim | Tos | IpProto | IcmpType | IcmpCode => FieldKind::Int(8),
            Dscp => FieldKind::Int(6),
            Df | Mf => FieldKind::Int(1),
            Frag => FieldKind::Int(13),
            FlowLabel => FieldKind::Int(20),
            Seq | Ack => FieldKind::Int(32),
            TcpRes => FieldKind::Int(4),
        }
    }

    /// Whether the field is one header checksum (`ip.csum`, `tcp.csum`, `udp.csum`, `icmp.csum`).
    pub fn is_checksum(self) -> bool {
        matches!(self, Field::IpCsum | Field::TcpCsum | Field::UdpCsum | Field::IcmpCsum)
    }

    /// Whether arithmetic on this field wraps modulo 2^32 (sequence space).
    pub fn wraps(self) -> bool {
        matches!(self, Field::Seq | Field::Ack)
    }
}

/// Words for ECN values.
pub const ECN_WORDS: [(&str, u64); 4] = [("not-ect", 0), ("ect1", 1), ("ect0", 2), ("ce", 3)];
