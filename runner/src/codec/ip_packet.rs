//! The packet quoted inside an ICMP error: an IP header plus as much of the
//! transport header and payload as is present.

use super::checksum::quoted_ipv4_header_valid;
use super::{Ipv4Repr, Ipv6Repr, TcpRepr, UdpRepr, be16, be32, ip_proto};

/// The IP header of a quoted packet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum InnerIp {
    /// IPv4 header.
    V4(Ipv4Repr),
    /// IPv6 header with its extension headers.
    V6(Ipv6Repr),
}

impl InnerIp {
    /// The upper-layer protocol.
    pub fn protocol(&self) -> u8 {
        match self {
            InnerIp::V4(h) => h.protocol,
            InnerIp::V6(h) => h.protocol,
        }
    }
}

/// The transport header of a quoted packet, as far as it is present.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum QuotedTransport {
    /// A complete TCP header (options included).
    Tcp(TcpRepr),
    /// A complete UDP header.
    Udp(UdpRepr),
    /// The 8-byte header of a quoted ICMP or ICMPv6 message (not decoded further,
    /// so quoting never recurses).
    Icmp {
        /// Type.
        ty: u8,
        /// Code.
        code: u8,
        /// Checksum.
        checksum: u16,
        /// Bytes 4..8 (identifier and sequence number for echo).
        rest: u32,
    },
    /// A truncated TCP, UDP or ICMP header: the fields that are present.
    Partial {
        /// The protocol.
        protocol: u8,
        /// Source port (TCP/UDP, when 2 bytes are present).
        src_port: Option<u16>,
        /// Destination port (TCP/UDP, when 4 bytes are present).
        dst_port: Option<u16>,
        /// TCP sequence number (when 8 bytes are present).
        seq: Option<u32>,
        /// The bytes that are present.
        bytes: Vec<u8>,
    },
    /// Another protocol; its bytes are the payload.
    Other {
        /// The protocol.
        protocol: u8,
    },
    /// No transport header: no IP header could be parsed, or a later fragment.
    None,
}

/// A packet quoted in an ICMP error. Constructed only by [`IpPacket::parse`],
/// so the decoded fields always agree with [`IpPacket::bytes`], which is what
/// is emitted. Parsing never fails: what cannot be decoded is left out.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IpPacket {
    bytes: Vec<u8>,
    ip: Option<InnerIp>,
    transport: QuotedTransport,
    payload: Vec<u8>,
}

impl IpPacket {
    /// The packet an ICMP error quotes of `original`: its first `max_len` bytes at most, so that
    /// the error fits the size its protocol allows.
    pub fn quote(original: &[u8], max_len: usize) -> Self {
        Self::parse(&original[..original.len().min(max_len)])
    }

    /// Decodes a (possibly truncated) IP packet.
    pub fn parse(bytes: &[u8]) -> Self {
        let mut p = IpPacket {
            bytes: bytes.to_vec(),
            ip: None,
            transport: QuotedTransport::None,
            payload: Vec::new(),
        };
        let (ip, header_len, claimed, later_fragment) = match bytes.first().map(|b| b >> 4) {
            Some(4) => match Ipv4Repr::parse(bytes) {
                Ok(h) => {
                    let (hl, pl, lf) = (h.header_len(), h.payload_len, h.is_later_fragment());
                    (InnerIp::V4(h), hl, pl, lf)
                }
                Err(_) => return p,
            },
            Some(6) => match Ipv6Repr::parse_lenient(bytes) {
                Ok((h, _)) => {
                    let (hl, pl, lf) = (h.header_len(), h.upper_len, h.is_later_fragment());
                    (InnerIp::V6(h), hl, pl, lf)
                }
                Err(_) => return p,
            },
            _ => return p,
        };
        let protocol = ip.protocol();
        p.ip = Some(ip);
        let rest = &bytes[header_len.min(bytes.len())..];
        let rest = &rest[..claimed.min(rest.len())];
        if later_fragment {
            p.payload = rest.to_vec();
            return p;
        }
        let (transport, hlen) = Self::decode_transport(protocol, rest);
        p.transport = transport;
        p.payload = rest[hlen.min(rest.len())..].to_vec();
        p
    }

    /// Decodes the transport header in `rest`; returns it and its length.
    fn decode_transport(protocol: u8, rest: &[u8]) -> (QuotedTransport, usize) {
        let partial = || QuotedTransport::Partial {
            protocol,
            src_port: (rest.len() >= 2).then(|| be16(rest, 0)),
            dst_port: (rest.len() >= 4 && protocol != ip_proto::ICMP && protocol != ip_proto::ICMPV6)
                .then(|| be16(rest, 2)),
            seq: (rest.len() >= 8 && protocol == ip_proto::TCP).then(|| be32(rest, 4)),
            bytes: rest.to_vec(),
        };
        match protocol {
            ip_proto::TCP => match TcpRepr::parse(rest) {
                Ok(t) => {
                    let hl = t.header_len();
                    (QuotedTransport::Tcp(t), hl)
                }
                Err(_) => (partial(), rest.len()),
            },
            ip_proto::UDP => match UdpRepr::parse(rest) {
                Ok(u) => (QuotedTransport::Udp(u), 8),
                Err(_) => (partial(), rest.len()),
            },
            ip_proto::ICMP | ip_proto::ICMPV6 if rest.len() >= 8 => (
                QuotedTransport::Icmp {
                    ty: rest[0],
                    code: rest[1],
                    checksum: be16(rest, 2),
                    rest: be32(rest, 4),
                },
                8,
            ),
            ip_proto::ICMP | ip_proto::ICMPV6 => (partial(), rest.len()),
            _ => (QuotedTransport::Other { protocol }, 0),
        }
    }

    /// The quoted bytes, exactly as they are emitted.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The IP header, if one could be parsed.
    pub fn ip(&self) -> Option<&InnerIp> {
        self.ip.as_ref()
    }

    /// The transport header, as far as present.
    pub fn transport(&self) -> &QuotedTransport {
        &self.transport
    }

    /// The bytes after the transport header (bounded by the quoted IP length).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The transport source and destination ports, if present.
    pub fn ports(&self) -> (Option<u16>, Option<u16>) {
        match &self.transport {
            QuotedTransport::Tcp(t) => (Some(t.src_port), Some(t.dst_port)),
            QuotedTransport::Udp(u) => (Some(u.src_port), Some(u.dst_port)),
            QuotedTransport::Partial { src_port, dst_port, .. } => (*src_port, *dst_port),
            _ => (None, None),
        }
    }

    /// Validity of the quoted IPv4 header checksum (`None` if not IPv4 or truncated).
    pub fn ipv4_checksum_valid(&self) -> Option<bool> {
        quoted_ipv4_header_valid(&self.bytes)
    }

    /// The packet cut to at most `max_len` bytes.
    pub fn truncated(&self, max_len: usize) -> Self {
        Self::parse(&self.bytes[..max_len.min(self.bytes.len())])
    }

    /// Length of the quoted bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// True when nothing is quoted.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::codec::PseudoHeader;

    /// An IPv4/UDP packet with `n` payload bytes.
    pub(crate) fn udp_packet(n: usize) -> Vec<u8> {
        let (src, dst) = (Ipv4Addr::new(192, 168, 1, 100), Ipv4Addr::new(198, 51, 100, 9));
        let payload = vec![0x5a; n];
        let ph = PseudoHeader::V4 { src, dst };
        let udp = UdpRepr::new(40000, 33434).to_bytes(&ph, &payload).unwrap();
        let mut b = Ipv4Repr::new(src, dst, ip_proto::UDP, udp.len()).to_bytes().unwrap();
        b.extend_from_slice(&udp);
        b
    }

    #[test]
    fn full_and_truncated_quotes() {
        let b = udp_packet(100);
        let p = IpPacket::parse(&b);
        assert!(matches!(p.ip(), Some(InnerIp::V4(_))));
        assert!(matches!(p.transport(), QuotedTransport::Udp(_)));
        assert_eq!(p.payload().len(), 100);
        assert_eq!(p.ports(), (Some(40000), Some(33434)));
        assert_eq!(p.ipv4_checksum_valid(), Some(true));
        let t = p.truncated(28);
        assert!(matches!(t.transport(), QuotedTransport::Udp(_)));
        assert!(t.payload().is_empty());
        let t = p.truncated(24);
        assert_eq!(t.ports(), (Some(40000), Some(33434)));
        assert!(matches!(t.transport(), QuotedTransport::Partial { .. }));
        let t = p.truncated(10);
        assert!(t.ip().is_none());
        assert_eq!(t.bytes(), &b[..10]);
    }

    #[test]
    fn garbage_never_panics() {
        for len in 0..64 {
            let v: Vec<u8> = (0..len).map(|i| (i * 37 + 0x45) as u8).collect();
            let _ = IpPacket::parse(&v);
        }
    }
}
