//! ICMP for IPv4 (RFC 792): echo, and errors that quote a packet.

use std::net::Ipv4Addr;

use super::checksum::internet_checksum;
use super::{IpPacket, WireError, be16};

/// Largest ICMP error datagram (IP header included) a router should send (RFC 1812 4.3.2.3).
pub const MAX_ERROR_DATAGRAM: usize = 576;

/// Most quoted bytes in an error built here: 576 minus a 20-byte IPv4 header
/// and the 8-byte ICMP header.
pub const MAX_QUOTE: usize = MAX_ERROR_DATAGRAM - 20 - 8;

/// ICMPv4 type numbers (RFC 792, RFC 1812).
pub mod types {
    /// Echo reply.
    pub const ECHO_REPLY: u8 = 0;
    /// Destination unreachable.
    pub const DST_UNREACHABLE: u8 = 3;
    /// Redirect.
    pub const REDIRECT: u8 = 5;
    /// Echo request.
    pub const ECHO_REQUEST: u8 = 8;
    /// Time exceeded.
    pub const TIME_EXCEEDED: u8 = 11;
    /// Parameter problem.
    pub const PARAM_PROBLEM: u8 = 12;
}

/// ICMPv4 codes the codec and the simulated gateway write.
pub mod codes {
    /// Destination unreachable: port unreachable.
    pub const PORT_UNREACHABLE: u8 = 3;
    /// Destination unreachable: fragmentation needed and DF set (RFC 1191).
    pub const FRAG_NEEDED: u8 = 4;
    /// Time exceeded: TTL exceeded in transit.
    pub const TTL_EXCEEDED: u8 = 0;
}

/// An ICMPv4 message body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Icmpv4Message {
    /// Echo request (type 8).
    EchoRequest {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// Echo reply (type 0).
    EchoReply {
        /// Identifier.
        id: u16,
        /// Sequence number.
        seq: u16,
        /// Data.
        data: Vec<u8>,
    },
    /// Destination unreachable (type 3).
    DstUnreachable {
        /// Code (3 = port unreachable, 4 = fragmentation needed, ...).
        code: u8,
        /// Next-hop MTU (bytes 6..8; meaningful for code 4, RFC 1191).
        mtu: u16,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Time exceeded (type 11).
    TimeExceeded {
        /// Code (0 = TTL exceeded in transit, 1 = reassembly time exceeded).
        code: u8,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Parameter problem (type 12).
    ParamProblem {
        /// Code.
        code: u8,
        /// Pointer to the offending octet.
        pointer: u8,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Redirect (type 5).
    Redirect {
        /// Code.
        code: u8,
        /// Gateway address.
        gateway: Ipv4Addr,
        /// The quoted packet.
        quoted: IpPacket,
    },
    /// Any other type, kept raw.
    Other {
        /// Type.
        ty: u8,
        /// Code.
        code: u8,
        /// Bytes 4..8 of the header.
        rest: [u8; 4],
        /// Bytes after the 8-byte header.
        body: Vec<u8>,
    },
}

/// An ICMPv4 message. `parse` keeps the observed checksum; `emit` computes it
/// over the whole message unless `checksum_override` is set.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Icmpv4Repr {
    /// The message.
    pub msg: Icmpv4Message,
    /// Checksum as written.
    pub checksum: u16,
    /// Checksum to write instead of the computed one.
    pub checksum_override: Option<u16>,
}

impl From<Icmpv4Message> for Icmpv4Repr {
    fn from(msg: Icmpv4Message) -> Self {
        let mut r = Icmpv4Repr {
            msg,
            checksum: 0,
            checksum_override: None,
        };
        r.checksum = r.computed_checksum();
        r
    }
}

impl Icmpv4Repr {
    /// An echo request.
    pub fn echo_request(id: u16, seq: u16, data: &[u8]) -> Self {
        Icmpv4Message::EchoRequest {
            id,
            seq,
            data: data.to_vec(),
        }
        .into()
    }

    /// The echo reply answering this echo request, or `None`.
    pub fn reply_to(&self) -> Option<Self> {
        match &self.msg {
            Icmpv4Message::EchoRequest { id, seq, data } => Some(
                Icmpv4Message::EchoReply {
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
        Icmpv4Message::DstUnreachable {
            code,
            mtu: 0,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Port unreachable (type 3 code 3) quoting `original`.
    pub fn port_unreachable(original: &[u8]) -> Self {
        Self::dst_unreachable(codes::PORT_UNREACHABLE, original)
    }

    /// Fragmentation needed and DF set (type 3 code 4) with the next-hop `mtu`.
    pub fn frag_needed(mtu: u16, original: &[u8]) -> Self {
        Icmpv4Message::DstUnreachable {
            code: codes::FRAG_NEEDED,
            mtu,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Time exceeded with `code` quoting `original`.
    pub fn time_exceeded(code: u8, original: &[u8]) -> Self {
        Icmpv4Message::TimeExceeded {
            code,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Parameter problem (code 0) pointing at octet `pointer` of `original`.
    pub fn param_problem(pointer: u8, original: &[u8]) -> Self {
        Icmpv4Message::ParamProblem {
            code: 0,
            pointer,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// Redirect with `code` to `gateway` quoting `original`.
    pub fn redirect(code: u8, gateway: Ipv4Addr, original: &[u8]) -> Self {
        Icmpv4Message::Redirect {
            code,
            gateway,
            quoted: IpPacket::quote(original, MAX_QUOTE),
        }
        .into()
    }

    /// The quoted packet, for error messages.
    pub fn quoted(&self) -> Option<&IpPacket> {
        match &self.msg {
            Icmpv4Message::DstUnreachable { quoted, .. }
            | Icmpv4Message::TimeExceeded { quoted, .. }
            | Icmpv4Message::ParamProblem { quoted, .. }
            | Icmpv4Message::Redirect { quoted, .. } => Some(quoted),
            _ => None,
        }
    }

    /// The ICMP type.
    pub fn ty(&self) -> u8 {
        match &self.msg {
            Icmpv4Message::EchoReply { .. } => types::ECHO_REPLY,
            Icmpv4Message::DstUnreachable { .. } => types::DST_UNREACHABLE,
            Icmpv4Message::Redirect { .. } => types::REDIRECT,
            Icmpv4Message::EchoRequest { .. } => types::ECHO_REQUEST,
            Icmpv4Message::TimeExceeded { .. } => types::TIME_EXCEEDED,
            Icmpv4Message::ParamProblem { .. } => types::PARAM_PROBLEM,
            Icmpv4Message::Other { ty, .. } => *ty,
        }
    }

    /// The ICMP code.
    pub fn code(&self) -> u8 {
        match &self.msg {
            Icmpv4Message::EchoReply { .. } | Icmpv4Message::EchoRequest { .. } => 0,
            Icmpv4Message::DstUnreachable { code, .. }
            | Icmpv4Message::Redirect { code, .. }
            | Icmpv4Message::TimeExceeded { code, .. }
            | Icmpv4Message::ParamProblem { code, .. }
            | Icmpv4Message::Other { code, .. } => *code,
        }
    }

    /// Parses a whole ICMP message (`bytes` is the IP payload).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        WireError::check_len("icmpv4", bytes, 8)?;
        let (ty, code) = (bytes[0], bytes[1]);
        let body = &bytes[8..];
        let quoted = || IpPacket::parse(body);
        let msg = match ty {
            types::ECHO_REPLY | types::ECHO_REQUEST => {
                let (id, seq, data) = (be16(bytes, 4), be16(bytes, 6), body.to_vec());
                if ty == types::ECHO_REPLY {
                    Icmpv4Message::EchoReply { id, seq, data }
                } else {
                    Icmpv4Message::EchoRequest { id, seq, data }
                }
            }
            types::DST_UNREACHABLE => Icmpv4Message::DstUnreachable {
                code,
                mtu: be16(bytes, 6),
                quoted: quoted(),
            },
            types::REDIRECT => Icmpv4Message::Redirect {
                code,
                gateway: Ipv4Addr::new(bytes[4], bytes[5], bytes[6], bytes[7]),
                quoted: quoted(),
            },
            types::TIME_EXCEEDED => Icmpv4Message::TimeExceeded { code, quoted: quoted() },
            types::PARAM_PROBLEM => Icmpv4Message::ParamProblem {
                code,
                pointer: bytes[4],
                quoted: quoted(),
            },
            _ => Icmpv4Message::Other {
                ty,
                code,
                rest: [bytes[4], bytes[5], bytes[6], bytes[7]],
                body: body.to_vec(),
            },
        };
        Ok(Icmpv4Repr {
            msg,
            checksum: be16(bytes, 2),
            checksum_override: None,
        })
    }

    /// The message with a zero checksum field.
    fn unchecked_bytes(&self) -> Vec<u8> {
        let mut b = vec![self.ty(), self.code(), 0, 0];
        match &self.msg {
            Icmpv4Message::EchoRequest { id, seq, data } | Icmpv4Message::EchoReply { id, seq, data } => {
                b.extend_from_slice(&id.to_be_bytes());
                b.extend_from_slice(&seq.to_be_bytes());
                b.extend_from_slice(data);
            }
            Icmpv4Message::DstUnreachable { mtu, quoted, .. } => {
                b.extend_from_slice(&[0, 0]);
                b.extend_from_slice(&mtu.to_be_bytes());
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv4Message::TimeExceeded { quoted, .. } => {
                b.extend_from_slice(&[0; 4]);
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv4Message::ParamProblem { pointer, quoted, .. } => {
                b.extend_from_slice(&[*pointer, 0, 0, 0]);
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv4Message::Redirect { gateway, quoted, .. } => {
                b.extend_from_slice(&gateway.octets());
                b.extend_from_slice(quoted.bytes());
            }
            Icmpv4Message::Other { rest, body, .. } => {
                b.extend_from_slice(rest);
                b.extend_from_slice(body);
            }
        }
        b
    }

    /// The checksum `emit` writes when not overridden.
    pub fn computed_checksum(&self) -> u16 {
        internet_checksum(&self.unchecked_bytes())
    }

    /// The whole message with the checksum computed unless overridden.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut b = self.unchecked_bytes();
        let c = self.checksum_override.unwrap_or_else(|| internet_checksum(&b));
        b[2..4].copy_from_slice(&c.to_be_bytes());
        b
    }

    /// Appends the whole message to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(&self.to_bytes());
    }

    /// A copy with `checksum` set to what `emit` writes.
    pub fn filled(&self) -> Self {
        let mut r = self.clone();
        r.checksum = self.checksum_override.unwrap_or(self.computed_checksum());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::checksum::icmpv4_valid;
    use crate::codec::ip_packet::tests::udp_packet;
    use crate::codec::{InnerIp, QuotedTransport};

    #[test]
    fn the_case_language_names_the_types_and_codes_the_codec_names() {
        let word = |w: &str| dsl::icmp::V4_TYPES.iter().find(|(t, ..)| *t == w).unwrap();
        for (w, ty) in [
            ("echo-reply", types::ECHO_REPLY),
            ("unreachable", types::DST_UNREACHABLE),
            ("redirect", types::REDIRECT),
            ("echo-request", types::ECHO_REQUEST),
            ("time-exceeded", types::TIME_EXCEEDED),
            ("param-problem", types::PARAM_PROBLEM),
        ] {
            assert_eq!(word(w).1, ty, "{w}");
        }
        let unreachable = word("unreachable").2;
        assert!(unreachable.contains(&("port", codes::PORT_UNREACHABLE)));
        assert!(unreachable.contains(&("frag-needed", codes::FRAG_NEEDED)));
        assert!(word("time-exceeded").2.contains(&("ttl", codes::TTL_EXCEEDED)));
    }

    #[test]
    fn echo_round_trip_and_reply() {
        let r = Icmpv4Repr::echo_request(0x1234, 7, b"abcdefgh");
        let b = r.to_bytes();
        assert_eq!(Icmpv4Repr::parse(&b).unwrap(), r);
        assert!(icmpv4_valid(&b));
        let etherparse_sum = etherparse::Icmpv4Header::from_slice(&b)
            .unwrap()
            .0
            .icmp_type
            .calc_checksum(&b[8..]);
        assert_eq!(etherparse_sum, r.checksum);
        let rep = r.reply_to().unwrap();
        assert_eq!(rep.ty(), 0);
        assert_eq!(Icmpv4Repr::parse(&rep.to_bytes()).unwrap(), rep);
        let mut flipped = b.clone();
        flipped[9] ^= 1;
        assert!(!icmpv4_valid(&flipped));
    }

    #[test]
    fn port_unreachable_quoting_udp_round_trips() {
        let original = udp_packet(20);
        let r = Icmpv4Repr::port_unreachable(&original);
        let b = r.to_bytes();
        assert!(icmpv4_valid(&b));
        let p = Icmpv4Repr::parse(&b).unwrap();
        assert_eq!(p, r);
        let q = p.quoted().unwrap();
        assert!(matches!(q.ip(), Some(InnerIp::V4(h)) if h.total_len == 48));
        assert!(matches!(q.transport(), QuotedTransport::Udp(u) if u.dst_port == 33434));
        assert_eq!(q.ipv4_checksum_valid(), Some(true));
        for r in [
            Icmpv4Repr::frag_needed(1400, &original),
            Icmpv4Repr::time_exceeded(0, &original),
            Icmpv4Repr::param_problem(8, &original),
            Icmpv4Repr::redirect(1, Ipv4Addr::new(10, 0, 0, 254), &original),
        ] {
            assert_eq!(Icmpv4Repr::parse(&r.to_bytes()).unwrap(), r);
        }
        let fne = Icmpv4Repr::parse(&Icmpv4Repr::frag_needed(1400, &original).to_bytes()).unwrap();
        assert!(matches!(
            fne.msg,
            Icmpv4Message::DstUnreachable { code: 4, mtu: 1400, .. }
        ));
    }

    #[test]
    fn errors_are_truncated_to_576() {
        let original = udp_packet(1400);
        let r = Icmpv4Repr::time_exceeded(0, &original);
        let b = r.to_bytes();
        assert_eq!(20 + b.len(), MAX_ERROR_DATAGRAM);
        let q = r.quoted().unwrap();
        assert_eq!(q.bytes(), &original[..MAX_QUOTE]);
        assert_eq!(q.payload().len(), MAX_QUOTE - 28);
        let small = Icmpv4Repr::time_exceeded(0, &udp_packet(10));
        assert_eq!(small.to_bytes().len(), 8 + 38);
    }

    #[test]
    fn other_types_and_override() {
        let mut r: Icmpv4Repr = Icmpv4Message::Other {
            ty: 13,
            code: 0,
            rest: [1, 2, 3, 4],
            body: vec![0; 12],
        }
        .into();
        assert_eq!(Icmpv4Repr::parse(&r.to_bytes()).unwrap(), r);
        r.checksum_override = Some(0xbeef);
        let b = r.to_bytes();
        assert_eq!(&b[2..4], &[0xbe, 0xef]);
        assert_eq!(Icmpv4Repr::parse(&b).unwrap().checksum, 0xbeef);
        assert!(Icmpv4Repr::parse(&b[..7]).is_err());
    }
}
