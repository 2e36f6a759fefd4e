//! ICMPv6 (RFC 4443): echo, errors that quote a packet, and the ND/MLD/RS/RA
//! messages kept as type/code/body.

use super::checksum::{PseudoHeader, pseudo_checksum};
use super::{IpPacket, WireError, be16, be32, ip_proto};

/// Largest ICMPv6 error packet (IPv6 header included): the IPv6 minimum MTU.
pub const MAX_ERROR_PACKET: usize = 1280;

/// Most quoted bytes in an error built here: 1280 minus the 40-byte IPv6
/// header and the 8-byte ICMPv6 header.
pub const MAX_QUOTE: usize = MAX_ERROR_PACKET - 40 - 8;

/// ICMPv6 type numbers (RFC 4443, RFC 4861, RFC 2710, RFC 3810); those from 130 on are kept as
/// [`Icmpv6Message::Other`].
pub mod types {
    /// Destination unreachable.
    pub const DST_UNREACHABLE: u8 = 1;
    /// Packet too big.
    pub const PACKET_TOO_BIG: u8 = 2;
    /// Time exceeded.
    pub const TIME_EXCEEDED: u8 = 3;
    /// Parameter problem.
    pub const PARAM_PROBLEM: u8 = 4;
    /// Echo request.
    pub const ECHO_REQUEST: u8 = 128;
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 129;
    /// MLD query.
    pub const MLD_QUERY: u8 = 130;
    /// MLDv1 report.
    pub const MLD_REPORT: u8 = 131;
    /// MLDv1 done.
    pub const MLD_DONE: u8 = 132;
    /// Router solicitation.
    pub const ROUTER_SOLICIT: u8 = 133;
    /// Router advertisement.
    pub const ROUTER_ADVERT: u8 = 134;
    /// Neighbor solicitation.
    pub const NEIGHBOR_SOLICIT: u8 = 135;
    /// Neighbor advertisement.
    pub const NEIGHBOR_ADVERT: u8 = 136;
    /// Redirect.
    pub const REDIRECT: u8 = 137;
    /// MLDv2 report.
    pub const MLDV2_REPORT: u8 = 143;

    /// Whether a type is an error message, which quotes the packet that caused it (RFC 4443
    /// §2.1: types 0 to 127).
    pub fn is_error(ty: u8) -> bool {
        ty < ECHO_REQUEST
    }

    /// Whether a type is link-local control — neighbour discovery or multicast listener
    /// discovery — which a router answers or consumes and never forwards.
    pub fn is_nd_or_mld(ty: u8) -> bool {
        (MLD_QUERY..=REDIRECT).contains(&ty) || ty == MLDV2_REPORT
    }
}

/// ICMPv6 codes the simulated gateway writes.
pub mod codes {
    /// Destination unreachable: communication administratively prohibited.
    pub const ADMIN_PROHIBITED: u8 = 1;
    /// Time exceeded: hop limit exceeded in transit.
    pub const HOP_LIMIT_EXCEEDED: u8 = 0;
}

/// An ICMPv6 message body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Icmpv6Message {
    /// Echo request (type 128).
    EchoRequest {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// Echo reply (type 129).
    EchoReply {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// Destination unreachable (type 1).
    DstUnreachable {
        /// Code (4 = port unreachable, 1 = administratively prohibited, ...).
        code: u8,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Packet too big (type 2).
    PacketTooBig {
        /// MTU of the next hop.
        mtu: u32,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Time exceeded (type 3).
    TimeExceeded {
        /// Code (0 = hop limit exceeded, 1 = reassembly time exceeded).
        code: u8,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Parameter problem (type 4).
    ParamProblem {
        /// Code.
        code: u8,
        /// Offset of the offending octet.
        pointer: u32,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Any other type (ND, MLD, RS, RA, ...): bytes after type, code and checksum.
    Other {
        /// Type.
        ty: u8,
        /// Code.
        code: u8,
        /// Bytes after the checksum.
        body: Vec<u8>,
    },
}

/// An ICMPv6 message. `parse` keeps the observed checksum; `emit` computes it
/// with the pseudo-header unless `checksum_override` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Icmpv6Repr {
    /// The message.
    pub msg: Icmpv6Message,
    /// Checksum as written.
    pub checksum: u16,
    /// Checksum to write instead of the computed one.
    pub checksum_override: Option<u16>,
}

impl From<Icmpv6Message> for Icmpv6Repr {
    /// A repr with checksum 0; see [`Icmpv6Repr::filled`].
    fn from(msg: Icmpv6Message) -> Self {
        Icmpv6Repr {
            msg,
            checksum: 0,
            checksum_override: None,
        }
    }
}

impl Icmpv6Repr {
    /// An echo request.
    pub fn echo_request(id: u16, seq: u16, data: &[u8]) -> Self {
        Icmpv6Message::EchoRequest {
            id,
            seq,
            data: data.to_vec(),
        }
        .into()
    }

    /// The echo reply answering this echo request, or `None`.
    pub fn reply_to(&self) -> Option<Self> {
        match &self.msg {
            Icmpv6Message::EchoRequest { id, seq, data } => Some(
                Icmpv6Message::EchoReply {
                    id: *id,
                    seq: *seq,
                    data: data.clone(),
                }
                .into(),
            ),
            _ => None,
        }
    }

    /// Destination unreachable with `code` quoting `original`.
    pub fn dst_unreachable(code: u8, original: &[u8]) -> Self {
        Icmpv6Message::DstUnreachable {
            code,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Packet too big with `mtu` quoting `original`.
    pub fn packet_too_big(mtu: u32, original: &[u8]) -> Self {
        Icmpv6Message::PacketTooBig {
            mtu,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Time exceeded with `code` quoting `original`.
    pub fn time_exceeded(code: u8, original: &[u8]) -> Self {
        Icmpv6Message::TimeExceeded {
            code,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Parameter problem with `code` and `pointer` quoting `original`.
    pub fn param_problem(code: u8, pointer: u32, original: &[u8]) -> Self {
        Icmpv6Message::ParamProblem {
            code,
            pointer,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// The quoted packet, for error messages.
    pub fn quoted(&self) -> Option<&IpPacket> {
        match &self.msg {
            Icmpv6Message::DstUnreachable { quoted, .. }
            | Icmpv6Message::PacketTooBig { quoted, .. }
            | Icmpv6Message::TimeExceeded { quoted, .. }
            | Icmpv6Message::ParamProblem { quoted, .. } => Some(quoted),
            _ => None,
        }
    }

    /// The ICMPv6 type.
    pub fn ty(&self) -> u8 {
        match &self.msg {
            Icmpv6Message::DstUnreachable { .. } => types::DST_UNREACHABLE,
            Icmpv6Message::PacketTooBig { .. } => types::PACKET_TOO_BIG,
            Icmpv6Message::TimeExceeded { .. } => types::TIME_EXCEEDED,
            Icmpv6Message::ParamProblem { .. } => types::PARAM_PROBLEM,
            Icmpv6Message::EchoRequest { .. } => types::ECHO_REQUEST,
            Icmpv6Message::EchoReply { .. } => types::ECHO_REPLY,
            Icmpv6Message::Other { ty, .. } => *ty,
        }
    }

    /// The ICMPv6 code.
    pub fn code(&self) -> u8 {
        match &self.msg {
            Icmpv6Message::EchoRequest { .. }
            | Icmpv6Message::EchoReply { .. }
            | Icmpv6Message::PacketTooBig { .. } => 0,
            Icmpv6Message::DstUnreachable { code, .. }
            | Icmpv6Message::TimeExceeded { code, .. }
            | Icmpv6Message::ParamProblem { code, .. }
            | Icmpv6Message::Other { code, .. } => *code,
        }
    }

    /// Parses a whole ICMPv6 message (`bytes` is the upper-layer payload).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        WireError::check_len("icmpv6", bytes, 4)?;
        let (ty, code) = (bytes[0], bytes[1]);
        if matches!(
            ty,
            types::DST_UNREACHABLE..=types::PARAM_PROBLEM | types::ECHO_REQUEST | types::ECHO_REPLY
        ) {
            WireError::check_len("icmpv6", bytes, 8)?;
        }
        let quoted = || IpPacket::parse(&bytes[8..]);
        let msg = match ty {
            types::DST_UNREACHABLE => Icmpv6Message::DstUnreachable { code, quoted: quoted() },
            types::PACKET_TOO_BIG => Icmpv6Message::PacketTooBig {
                mtu: be32(bytes, 4),
                quoted: quoted(),
            },
            types::TIME_EXCEEDED => Icmpv6Message::TimeExceeded { code, quoted: quoted() },
            types::PARAM_PROBLEM => Icmpv6Message::ParamProblem {
                code,
                pointer: be32(bytes, 4),
                quoted: quoted(),
            },
            types::ECHO_REQUEST | types::ECHO_REPLY => {
                let (id, seq, data) = (be16(bytes, 4), be16(bytes, 6), bytes[8..].to_vec());
                if ty == types::ECHO_REQUEST {
                    Icmpv6Message::EchoRequest { id, seq, data }
                } else {
                    Icmpv6Message::EchoReply { id, seq, data }
                }
            }
            _ => Icmpv6Message::Other {
                ty,
                code,
                body: bytes[4..].to_vec(),
            },
        };
        Ok(Icmpv6Repr {
            msg,
            checksum: be16(bytes, 2),
            checksum_override: None,
        })
    }

    /// The message with a zero checksum field.
    fn unchecked_bytes(&self) -> Vec<u8> {
        let mut b = vec![self.ty(), self.code(), 0, 0];
        match &self.msg {
            Icmpv6Message::EchoRequest { id, seq, data } | Icmpv6Message::EchoReply { id, seq, data } => {
                b.extend_from_slice(&id.to_be_bytes());
                b.extend_from_slice(&seq.to_be_bytes());
                b.extend_from_slice(data);
            }
            Icmpv6Message::DstUnreachable { quoted, .. } | Icmpv6Message::TimeExceeded { quoted, .. } => {
                b.extend_from_slice(&[0; 4]);
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv6Message::PacketTooBig { mtu: v, quoted } | Icmpv6Message::ParamProblem { pointer: v, quoted, .. } => {
                b.extend_from_slice(&v.to_be_bytes());
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv6Message::Other { body, .. } => b.extend_from_slice(body),
        }
        b
    }

    /// The whole message with the checksum (over `ph`) computed unless overridden.
    pub fn to_bytes(&self, ph: &PseudoHeader) -> Vec<u8> {
        let mut b = self.unchecked_bytes();
        let c = self
            .checksum_override
            .unwrap_or_else(|| pseudo_checksum(ph, ip_proto::ICMPV6, &b));
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    }

    /// Appends the whole message to `buf`.
    pub fn emit(&self, ph: &PseudoHeader, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_bytes(ph));
    }

    /// A copy with `checksum` set to what `emit` writes over `ph`.
    pub fn filled(&self, ph: &PseudoHeader) -> Self {
        let b = self.to_bytes(ph);
        let mut r = self.clone();
        r.checksum = be16(&b, 2);
        r
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;
    use crate::codec::checksum::icmpv6_valid;
    use crate::codec::{InnerIp, Ipv6Repr, QuotedTransport, TcpFlags, TcpOption, TcpOptions, TcpRepr};

    fn ph() -> PseudoHeader {
        PseudoHeader::V6 {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:1::100".parse().unwrap(),
        }
    }

    /// An IPv6/TCP SYN with `n` payload bytes.
    fn tcp_packet(n: usize) -> Vec<u8> {
        let (src, dst): (Ipv6Addr, Ipv6Addr) = ("2001:db8:1::100".parse().unwrap(), "2001:db8:2::9".parse().unwrap());
        let mut t = TcpRepr::new(50000, 443, TcpFlags::new(TcpFlags::SYN));
        t.options = TcpOptions::Parsed(vec![TcpOption::Mss(1440)]);
        let seg = t.to_bytes(&PseudoHeader::V6 { src, dst }, &vec![7; n]).unwrap();
        let mut b = Ipv6Repr::new(src, dst, ip_proto::TCP, seg.len()).to_bytes().unwrap();
        b.extend_from_slice(&seg);
        b
    }

    #[test]
    fn the_case_language_names_the_types_and_codes_the_codec_names() {
        let word = |w: &str| dsl::icmp::V6_TYPES.iter().find(|(t, ..)| *t == w).unwrap();
        for (w, ty) in [
            ("unreachable", types::DST_UNREACHABLE),
            ("packet-too-big", types::PACKET_TOO_BIG),
            ("time-exceeded", types::TIME_EXCEEDED),
            ("param-problem", types::PARAM_PROBLEM),
            ("echo-request", types::ECHO_REQUEST),
            ("echo-reply", types::ECHO_REPLY),
            ("mld-query", types::MLD_QUERY),
            ("router-solicitation", types::ROUTER_SOLICIT),
            ("router-advertisement", types::ROUTER_ADVERT),
            ("neighbor-solicitation", types::NEIGHBOR_SOLICIT),
            ("neighbor-advertisement", types::NEIGHBOR_ADVERT),
            ("redirect", types::REDIRECT),
            ("mld-report", types::MLDV2_REPORT),
        ] {
            assert_eq!(word(w).1, ty, "{w}");
        }
        assert!(word("unreachable").2.contains(&("admin", codes::ADMIN_PROHIBITED)));
        assert!(
            word("time-exceeded")
                .2
                .contains(&("hop-limit", codes::HOP_LIMIT_EXCEEDED))
        );
        for ty in 0..=u8::MAX {
            assert_eq!(types::is_error(ty), dsl::icmp::is_error_type(true, ty), "type {ty}");
            assert_eq!(types::is_nd_or_mld(ty), dsl::icmp::is_v6_noise_type(ty), "type {ty}");
        }
    }

    #[test]
    fn packet_too_big_quoting_tcp_round_trips() {
        let r = Icmpv6Repr::packet_too_big(1280, &tcp_packet(100)).filled(&ph());
        let b = r.to_bytes(&ph());
        assert!(icmpv6_valid(&ph(), &b));
        let p = Icmpv6Repr::parse(&b).unwrap();
        assert_eq!(p, r);
        let q = p.quoted().unwrap();
        assert!(matches!(q.ip(), Some(InnerIp::V6(_))));
        assert!(matches!(q.transport(), QuotedTransport::Tcp(t) if t.dst_port == 443 && t.options.mss() == Some(1440)));
        assert_eq!(q.payload(), &[7; 100][..]);
        let mut flipped = b.clone();
        flipped[60] ^= 0x80;
        assert!(!icmpv6_valid(&ph(), &flipped));
    }

    #[test]
    fn errors_are_truncated_to_1280() {
        let r = Icmpv6Repr::dst_unreachable(4, &tcp_packet(1400)).filled(&ph());
        assert_eq!(40 + r.to_bytes(&ph()).len(), MAX_ERROR_PACKET);
        let q = r.quoted().unwrap();
        assert_eq!(q.len(), MAX_QUOTE);
        assert!(matches!(q.transport(), QuotedTransport::Tcp(_)));
    }

    #[test]
    fn other_messages_echo_and_override() {
        for r in [
            Icmpv6Repr::echo_request(1, 2, b"ping"),
            Icmpv6Repr::echo_request(1, 2, b"ping").reply_to().unwrap(),
            Icmpv6Repr::time_exceeded(0, &tcp_packet(0)),
            Icmpv6Repr::param_problem(1, 40, &tcp_packet(0)),
            Icmpv6Message::Other {
                ty: types::NEIGHBOR_SOLICIT,
                code: 0,
                body: vec![0; 20],
            }
            .into(),
        ] {
            let r = r.filled(&ph());
            let b = r.to_bytes(&ph());
            assert!(icmpv6_valid(&ph(), &b));
            let (h, _) = etherparse::Icmpv6Header::from_slice(&b).unwrap();
            let ph_addrs = match ph() {
                PseudoHeader::V6 { src, dst } => (src.octets(), dst.octets()),
                PseudoHeader::V4 { .. } => unreachable!(),
            };
            let expect = h
                .icmp_type
                .calc_checksum(ph_addrs.0, ph_addrs.1, &b[h.header_len()..])
                .unwrap();
            assert_eq!(expect, r.checksum);
            assert_eq!(Icmpv6Repr::parse(&b).unwrap(), r);
        }
        let mut r = Icmpv6Repr::echo_request(1, 2, b"");
        r.checksum_override = Some(0);
        assert_eq!(&r.to_bytes(&ph())[2..4], &[0, 0]);
        assert!(Icmpv6Repr::parse(&[128, 0, 0]).is_err());
        assert!(Icmpv6Repr::parse(&[2, 0, 0, 0, 0]).is_err());
    }
}
