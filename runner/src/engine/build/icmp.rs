//! ICMP and ICMPv6 sends (docs/language.md §3.7): the message of the written type (an echo
//! request unless one is written) and the packet an error quotes.

use super::{BuildCx, BuildError};
use crate::codec::{
    Icmpv4Message, Icmpv4Repr, Icmpv6Message, Icmpv6Repr, IpPacket, Net, Transport, icmpv4, icmpv6, ip_proto,
};
use dsl::plan::*;

impl BuildCx<'_> {
    /// An ICMP or ICMPv6 send: its type (an echo request unless written), code, echo id and
    /// sequence, MTU, and the packet an error quotes.
    pub(super) fn icmp(&mut self, p: &PacketSpec, payload: Vec<u8>) -> Result<(Transport, Vec<u8>, u8), BuildError> {
        let v6 = p.family == Some(Family::V6);
        let ty = match (p.icmp_type, self.int(p, Field::IcmpType)?) {
            (Some(t), _) => t,
            (None, Some(t)) => t as u8,
            (None, None) if v6 => icmpv6::types::ECHO_REQUEST,
            (None, None) => icmpv4::types::ECHO_REQUEST,
        };
        let fields = IcmpFields {
            ty,
            code: self
                .int(p, Field::IcmpCode)?
                .map(|v| v as u8)
                .or(p.icmp_code)
                .unwrap_or(0),
            id: self.int(p, Field::IcmpId)?.unwrap_or(0) as u16,
            seq: self.int(p, Field::IcmpSeq)?.unwrap_or(0) as u16,
            mtu: self.int(p, Field::Mtu)?.unwrap_or(0),
            quoted: self.quoted(p, v6)?,
            payload,
        };
        let csum = self.int(p, Field::IcmpCsum)?.map(|v| v as u16);
        if v6 {
            let mut r = Icmpv6Repr::from(fields.v6_message());
            r.checksum_override = csum;
            Ok((Transport::Icmpv6(Box::new(r)), vec![], ip_proto::ICMPV6))
        } else {
            let mut r = Icmpv4Repr::from(fields.v4_message());
            r.checksum_override = csum;
            Ok((Transport::Icmpv4(Box::new(r)), vec![], ip_proto::ICMP))
        }
    }

    /// The packet an ICMP error send quotes (its `inner (...)`), built like a send and cut to
    /// what an error of this family quotes at most; empty when the send has none.
    fn quoted(&mut self, p: &PacketSpec, v6: bool) -> Result<IpPacket, BuildError> {
        let Some(inner) = &p.inner else {
            return Ok(IpPacket::parse(&[]));
        };
        let mut sub = BuildCx {
            env: self.env,
            testbed: self.testbed,
            side: self.side,
            gw_mac: self.gw_mac,
            rng: self.rng,
            ip_ids: self.ip_ids,
        };
        let f = sub.frame(inner)?;
        let bytes = f.to_bytes()?;
        let hl = f.eth.header_len();
        let ip_len = match &f.net {
            Net::Ipv4(_) => bytes
                .get(hl + 2..hl + 4)
                .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]) as usize),
            Net::Ipv6(_) => {
                40 + bytes
                    .get(hl + 4..hl + 6)
                    .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]) as usize)
            }
            _ => bytes.len() - hl,
        };
        let end = (hl + ip_len).min(bytes.len());
        let max = if v6 { icmpv6::MAX_QUOTE } else { icmpv4::MAX_QUOTE };
        Ok(IpPacket::parse(&bytes[hl..end]).truncated(max))
    }
}

/// The parts of an ICMP send, evaluated, that become its message.
struct IcmpFields {
    ty: u8,
    code: u8,
    id: u16,
    seq: u16,
    mtu: u64,
    quoted: IpPacket,
    payload: Vec<u8>,
}

impl IcmpFields {
    /// The ICMPv6 message of this type: echo, the four errors, any other type with the payload as
    /// its body.
    fn v6_message(self) -> Icmpv6Message {
        use icmpv6::types::*;
        let IcmpFields { ty, code, id, seq, .. } = self;
        let (quoted, data) = (self.quoted, self.payload);
        match ty {
            ECHO_REQUEST => Icmpv6Message::EchoRequest { id, seq, data },
            ECHO_REPLY => Icmpv6Message::EchoReply { id, seq, data },
            DST_UNREACHABLE => Icmpv6Message::DstUnreachable { code, quoted },
            PACKET_TOO_BIG => Icmpv6Message::PacketTooBig {
                mtu: self.mtu as u32,
                quoted,
            },
            TIME_EXCEEDED => Icmpv6Message::TimeExceeded { code, quoted },
            PARAM_PROBLEM => Icmpv6Message::ParamProblem {
                code,
                pointer: 0,
                quoted,
            },
            _ => Icmpv6Message::Other { ty, code, body: data },
        }
    }

    /// The ICMPv4 message of this type: echo, the errors that quote a packet, any other type with
    /// the payload as its body.
    fn v4_message(self) -> Icmpv4Message {
        use icmpv4::types::*;
        let IcmpFields { ty, code, id, seq, .. } = self;
        let (quoted, data) = (self.quoted, self.payload);
        match ty {
            ECHO_REQUEST => Icmpv4Message::EchoRequest { id, seq, data },
            ECHO_REPLY => Icmpv4Message::EchoReply { id, seq, data },
            DST_UNREACHABLE => Icmpv4Message::DstUnreachable {
                code,
                mtu: self.mtu as u16,
                quoted,
            },
            TIME_EXCEEDED => Icmpv4Message::TimeExceeded { code, quoted },
            PARAM_PROBLEM => Icmpv4Message::ParamProblem {
                code,
                pointer: 0,
                quoted,
            },
            REDIRECT => Icmpv4Message::Redirect {
                code,
                gateway: std::net::Ipv4Addr::UNSPECIFIED,
                quoted,
            },
            _ => Icmpv4Message::Other {
                ty,
                code,
                rest: [0; 4],
                body: data,
            },
        }
    }
}
