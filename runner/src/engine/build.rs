//! Builds the frame a send step emits: a [`PacketSpec`] with its send defaults, evaluated in the
//! case's [`Env`], into a [`FrameRepr`] (docs/language.md §3.9, and §4 for relative sequence numbers).

use super::env::{Env, EvalError, RtVal, parse_hex};
use super::flow::{Dir, advance, out_dir, sent_dir, seq_end};
use crate::codec::ethernet::ethertype;
use crate::codec::tcp_options::{TcpOption, TcpOptions};
use crate::codec::{
    ArpOp, ArpRepr, EthernetRepr, FrameRepr, Icmpv4Message, Icmpv4Repr, Icmpv6Message, Icmpv6Repr, IpPacket, Ipv4Repr,
    Ipv6Repr, Mac, Net, TcpFlags, TcpRepr, Transport, UdpRepr, VlanTag, icmpv4, icmpv6, ip_proto,
};
use dsl::plan::*;
use dsl::testbed::Testbed;
use rand::Rng;
use std::net::IpAddr;

/// What building a send's frame reads and advances besides the send itself.
pub struct BuildCx<'a> {
    /// Bindings and flows: values of variables, ports and ISNs; a send advances its flow.
    pub env: &'a mut Env,
    /// The testbed, for host addresses and MACs.
    pub testbed: &'a Testbed,
    /// The sending side.
    pub side: Side,
    /// The gateway's MAC on that side.
    pub gw_mac: [u8; 6],
    /// Random source for `*` values.
    pub rng: &'a mut rand::rngs::StdRng,
    /// Per-host IPv4 id counters.
    pub ip_ids: &'a mut IpIdCounters,
}

/// The fragments a send with `fragment SIZE [order ...]` sends.
pub struct Fragments {
    /// (number from 1, frame), in sending order.
    pub sent: Vec<(u16, Vec<u8>)>,
    /// How many fragments the datagram makes.
    pub total: usize,
}

/// Cuts the built `frame` as `spec` says and picks the fragments its order sends.
pub fn fragments(frame: &[u8], spec: &dsl::plan::FragmentSpec) -> Result<Fragments, BuildError> {
    let parts = crate::codec::fragmentation::split_ipv4(frame, usize::from(spec.size))?;
    let total = parts.len();
    if let Some(bad) = spec.order.iter().find(|&&i| usize::from(i) > total) {
        return Err(BuildError::Missing(format!(
            "the order names fragment {bad}, but the datagram makes {total} fragment(s) of {} bytes",
            spec.size
        )));
    }
    let order: Vec<u16> = if spec.order.is_empty() {
        (1..=total as u16).collect()
    } else {
        spec.order.clone()
    };
    let mut parts: Vec<Option<Vec<u8>>> = parts.into_iter().map(Some).collect();
    let sent = order
        .into_iter()
        .filter_map(|i| parts[usize::from(i) - 1].take().map(|f| (i, f)))
        .collect();
    Ok(Fragments { sent, total })
}

/// The IPv4 identification counter of each emulated host that has sent: each starts at a
/// random value and counts up by one per datagram. A case has a handful of hosts, so a short
/// list beats a hash map on the per-frame path.
#[derive(Debug, Default, Clone)]
pub struct IpIdCounters(Vec<(IpAddr, u16)>);

impl IpIdCounters {
    /// The next id of `host`; `start` is where its counter begins if this is its first datagram.
    pub fn next(&mut self, host: IpAddr, start: u16) -> u16 {
        let i = match self.0.iter().position(|(h, _)| *h == host) {
            Some(i) => i,
            None => {
                self.0.push((host, start));
                self.0.len() - 1
            }
        };
        let c = &mut self.0[i].1;
        *c = c.wrapping_add(1);
        *c
    }
}

/// Why a send could not be built (verdict error at that step).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A value could not be computed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The frame could not be emitted.
    #[error("the frame cannot be built: {0}")]
    Wire(#[from] crate::codec::WireError),
    /// Something the sentence needs is missing.
    #[error("{0}")]
    Missing(String),
}

#[inline]
fn field(p: &PacketSpec, f: Field) -> Option<&Value> {
    p.fields.iter().rev().find(|t| t.field == f).map(|t| &t.value)
}

impl BuildCx<'_> {
    /// The value the send writes for integer field `f`, if it writes one. Inlined: most sends
    /// write few fields, and the common answer (none) then costs a scan of a short list.
    #[inline]
    fn int(&mut self, p: &PacketSpec, f: Field) -> Result<Option<u64>, BuildError> {
        let Some(v) = field(p, f) else { return Ok(None) };
        self.eval_int(v, f, p.family)
    }

    fn eval_int(&mut self, v: &Value, f: Field, family: Option<Family>) -> Result<Option<u64>, BuildError> {
        Ok(match self.env.eval_value(v, f.kind(), family, self.testbed)? {
            Some(RtVal::Int(n)) => Some(n),
            _ => None,
        })
    }

    fn port(&mut self, v: Option<&Value>, family: Option<Family>) -> Result<u16, BuildError> {
        match v
            .map(|v| self.env.eval_value(v, FieldKind::Int(16), family, self.testbed))
            .transpose()?
            .flatten()
        {
            Some(RtVal::Int(n)) => Ok(n as u16),
            _ => Ok(self.rng.random_range(49152..=65535)),
        }
    }

    fn addr(&mut self, ep: Option<&Endpoint>, family: Option<Family>, fallback: IpAddr) -> Result<IpAddr, BuildError> {
        Ok(match ep {
            Some(e) => self.env.eval_addr(&e.addr, family, self.testbed)?.unwrap_or(fallback),
            None => fallback,
        })
    }

    fn first_host(&self, family: Option<Family>) -> Result<(IpAddr, [u8; 6]), BuildError> {
        let side = self.testbed.side(self.side);
        let h = side
            .hosts
            .first()
            .ok_or_else(|| BuildError::Missing(format!("the {} side has no host", self.side.name())))?;
        let ip = match family {
            Some(Family::V6) => h.ipv6.map(|a| IpAddr::V6(a.0)),
            _ => h.ipv4.map(|a| IpAddr::V4(a.0)),
        }
        .ok_or_else(|| BuildError::Missing(format!("host `{}` has no address of this family", h.name)))?;
        Ok((ip, h.mac.unwrap_or([2, 0, 0, 0, 0, 1])))
    }

    /// The MAC an emulated host with this IP uses: the named host's if it is on this side, else
    /// this side's first host's.
    fn src_mac(&self, ip: IpAddr) -> [u8; 6] {
        let side = self.testbed.side(self.side);
        side.hosts
            .iter()
            .find(|h| h.ipv4.is_some_and(|a| IpAddr::V4(a.0) == ip) || h.ipv6.is_some_and(|a| IpAddr::V6(a.0) == ip))
            .or(side.hosts.first())
            .and_then(|h| h.mac)
            .unwrap_or([2, 0, 0, 0, 0, 1])
    }

    /// Builds the frame of a send.
    pub fn frame(&mut self, p: &PacketSpec) -> Result<FrameRepr, BuildError> {
        let (fallback_ip, _) = self
            .first_host(p.family)
            .unwrap_or((IpAddr::from([0, 0, 0, 0]), [0; 6]));
        let src_ip = self.addr(p.src.as_ref(), p.family, fallback_ip)?;
        let mut eth_src = self.src_mac(src_ip);
        let mut eth_dst = self.gw_mac;
        if let Some(RtVal::Mac(m)) = field(p, Field::EthSrc)
            .map(|v| self.env.eval_value(v, FieldKind::Mac, p.family, self.testbed))
            .transpose()?
            .flatten()
        {
            eth_src = m;
        }
        if let Some(RtVal::Mac(m)) = field(p, Field::EthDst)
            .map(|v| self.env.eval_value(v, FieldKind::Mac, p.family, self.testbed))
            .transpose()?
            .flatten()
        {
            eth_dst = m;
        }
        let vlan = self.int(p, Field::Vlan)?.map(|v| VlanTag {
            pcp: 0,
            dei: false,
            vid: v as u16,
        });
        let proto = p.proto.unwrap_or(Proto::Eth);
        let mut eth = EthernetRepr {
            dst: Mac(eth_dst),
            src: Mac(eth_src),
            ethertype: ethertype::IPV4,
            vlan,
        };
        match proto {
            Proto::Arp => {
                let dst_ip = self.addr(p.dst.as_ref(), Some(Family::V4), fallback_ip)?;
                let (IpAddr::V4(s), IpAddr::V4(d)) = (src_ip, dst_ip) else {
                    return Err(BuildError::Missing("ARP carries IPv4 addresses".into()));
                };
                let op = self.int(p, Field::ArpOp)?.unwrap_or(1);
                let mut a = ArpRepr::request(Mac(eth_src), s, d);
                if op == 2 {
                    a.op = ArpOp::Reply;
                    a.target_mac = Mac(eth_dst);
                } else if op != 1 {
                    a.op = ArpOp::Other(op as u16);
                }
                if field(p, Field::EthDst).is_none() && op == 1 {
                    eth.dst = Mac::BROADCAST;
                }
                eth.ethertype = ethertype::ARP;
                Ok(FrameRepr::new(eth, Net::Arp(a), Transport::None, vec![]))
            }
            Proto::Eth => {
                eth.ethertype = self.int(p, Field::EthType)?.unwrap_or(0x88b5) as u16;
                let payload = self.payload(p)?;
                Ok(FrameRepr::new(eth, Net::Other(payload), Transport::None, vec![]))
            }
            _ => {
                let dst_ip = self.addr(p.dst.as_ref(), p.family, fallback_ip)?;
                let (transport, payload, protocol) = self.transport(p, src_ip, dst_ip)?;
                let net = self.ip(p, src_ip, dst_ip, protocol)?;
                if let Some(t) = self.int(p, Field::EthType)? {
                    eth.ethertype = t as u16;
                } else if matches!(net, Net::Ipv6(_)) {
                    eth.ethertype = ethertype::IPV6;
                }
                Ok(FrameRepr::new(eth, net, transport, payload))
            }
        }
    }

    fn ip(&mut self, p: &PacketSpec, src: IpAddr, dst: IpAddr, protocol: u8) -> Result<Net, BuildError> {
        let protocol = self.int(p, Field::IpProto)?.map_or(protocol, |v| v as u8);
        let tos = match self.int(p, Field::Tos)? {
            Some(t) => t as u8,
            None => {
                ((self.int(p, Field::Dscp)?.unwrap_or(0) as u8) << 2)
                    | (self.int(p, Field::Ecn)?.unwrap_or(0) as u8 & 3)
            }
        };
        match (src, dst) {
            (IpAddr::V4(s), IpAddr::V4(d)) => {
                let mut ip = Ipv4Repr::to_emit(s, d, protocol, 0);
                ip.ttl = self.int(p, Field::Ttl)?.unwrap_or(64) as u8;
                ip.tos = tos;
                ip.id = match self.int(p, Field::IpId)? {
                    Some(v) => v as u16,
                    None => {
                        let start: u16 = self.rng.random();
                        self.ip_ids.next(src, start)
                    }
                };
                ip.df = self.int(p, Field::Df)?.unwrap_or(0) == 1;
                ip.mf = self.int(p, Field::Mf)?.unwrap_or(0) == 1;
                ip.frag_offset = self.int(p, Field::Frag)?.unwrap_or(0) as u16;
                ip.overrides.total_len = self.int(p, Field::IpLen)?.map(|v| v as u16);
                ip.overrides.checksum = self.int(p, Field::IpCsum)?.map(|v| v as u16);
                Ok(Net::Ipv4(ip))
            }
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let mut ip = Ipv6Repr::new(s, d, protocol, 0);
                ip.hop_limit = self.int(p, Field::Hlim)?.unwrap_or(64) as u8;
                ip.traffic_class = tos;
                ip.flow_label = self.int(p, Field::FlowLabel)?.unwrap_or(0) as u32;
                ip.overrides.payload_len = self.int(p, Field::IpLen)?.map(|v| v as u16);
                Ok(Net::Ipv6(ip))
            }
            _ => Err(BuildError::Missing(
                "source and destination are of different IP families".into(),
            )),
        }
    }

    fn payload(&mut self, p: &PacketSpec) -> Result<Vec<u8>, BuildError> {
        Ok(match &p.payload {
            Some(PayloadSpec::Bytes(b)) => b.clone(),
            Some(PayloadSpec::Len(v) | PayloadSpec::Fill(v)) => {
                let n = match self.env.eval_value(v, FieldKind::Int(16), p.family, self.testbed)? {
                    Some(RtVal::Int(n)) => n as usize,
                    _ => 0,
                };
                (0..n).map(|i| (i % 256) as u8).collect()
            }
            _ => vec![],
        })
    }

    /// The transport layer of a send, its payload and the IP protocol number that carries it.
    fn transport(&mut self, p: &PacketSpec, src: IpAddr, dst: IpAddr) -> Result<(Transport, Vec<u8>, u8), BuildError> {
        let payload = self.payload(p)?;
        match p.proto.unwrap_or(Proto::Ip) {
            Proto::Tcp => {
                let (sport, dport) = self.ports(p)?;
                let flags = p.flags.unwrap_or(0);
                let mut t = TcpRepr::new(
                    sport,
                    dport,
                    TcpFlags {
                        bits: flags,
                        reserved: self.int(p, Field::TcpRes)?.unwrap_or(0) as u8,
                    },
                );
                t.window = self.int(p, Field::Win)?.unwrap_or(65535) as u16;
                t.urgent = self.int(p, Field::Urg)?.unwrap_or(0) as u16;
                t.overrides.checksum = self.int(p, Field::TcpCsum)?.map(|v| v as u16);
                let (seq, ack) = self.seq_ack(p, flags, payload.len())?;
                t.seq = seq;
                t.ack = ack;
                t.options = TcpOptions::Parsed(self.options(p)?);
                Ok((Transport::Tcp(t), payload, ip_proto::TCP))
            }
            Proto::Udp => {
                let (sport, dport) = self.ports(p)?;
                let mut u = UdpRepr::new(sport, dport);
                u.overrides.checksum = self.int(p, Field::UdpCsum)?.map(|v| v as u16);
                u.overrides.length = self.int(p, Field::UdpLen)?.map(|v| v as u16);
                Ok((Transport::Udp(u), payload, ip_proto::UDP))
            }
            Proto::Icmp => self.icmp(p, payload),
            _ => {
                let protocol = self.int(p, Field::IpProto)?.unwrap_or(253) as u8;
                let _ = (src, dst);
                Ok((Transport::Other { protocol }, payload, protocol))
            }
        }
    }

    /// The source and destination ports of a TCP or UDP send: written in its endpoints or as
    /// `sport=`/`dport=`, otherwise ephemeral.
    fn ports(&mut self, p: &PacketSpec) -> Result<(u16, u16), BuildError> {
        let sport = self.port(
            p.src.as_ref().and_then(|e| e.port.as_ref()).or(field(p, Field::Sport)),
            p.family,
        )?;
        let dport = self.port(
            p.dst.as_ref().and_then(|e| e.port.as_ref()).or(field(p, Field::Dport)),
            p.family,
        )?;
        Ok((sport, dport))
    }

    /// An ICMP or ICMPv6 send: its type (an echo request unless written), code, echo id and
    /// sequence, MTU, and the packet an error quotes.
    fn icmp(&mut self, p: &PacketSpec, payload: Vec<u8>) -> Result<(Transport, Vec<u8>, u8), BuildError> {
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

    /// Sequence and acknowledgment numbers, relative to the flow's ISNs when the send names a flow.
    fn seq_ack(&mut self, p: &PacketSpec, flags: u8, len: usize) -> Result<(u32, u32), BuildError> {
        let seq_w = self.int(p, Field::Seq)?.map(|v| v as u32);
        let ack_w = self.int(p, Field::Ack)?.map(|v| v as u32);
        let Some(id) = p.flow else {
            return Ok((seq_w.unwrap_or(0), ack_w.unwrap_or(0)));
        };
        let side = self.side.index();
        let dir: Dir = sent_dir(self.side);
        let other = 1 - dir;
        let f = &mut self.env.flows[id];
        let acks = flags & TcpFlags::ACK != 0;
        let rel_seq = seq_w.unwrap_or(if flags & TcpFlags::SYN != 0 { 0 } else { f.next_seq[dir] });
        let rel_ack = match ack_w {
            Some(a) => a,
            None if acks => f.seen_high[side][other].unwrap_or(0),
            None => 0,
        };
        advance(&mut f.next_seq[dir], seq_end(rel_seq, len, flags));
        let seq = f.isn[dir].wrapping_add(rel_seq);
        let ack = if acks || ack_w.is_some() {
            f.base(side, other).wrapping_add(rel_ack)
        } else {
            0
        };
        Ok((seq, ack))
    }

    fn options(&mut self, p: &PacketSpec) -> Result<Vec<TcpOption>, BuildError> {
        let mut out = Vec::new();
        let family = p.family;
        let int = |me: &mut Self, v: &Value, bits: u32| -> Result<u64, BuildError> {
            Ok(match me.env.eval_value(v, FieldKind::Int(bits), family, me.testbed)? {
                Some(RtVal::Int(n)) => n,
                _ => me.rng.random::<u32>() as u64,
            })
        };
        let side = self.side.index();
        let peer = out_dir(self.side);
        for o in p.options.iter().flatten() {
            out.push(match o {
                TcpOptionSpec::Mss(v) => TcpOption::Mss(int(self, v, 16)? as u16),
                TcpOptionSpec::SackPermitted => TcpOption::SackPermitted,
                TcpOptionSpec::Timestamps { val, ecr } => TcpOption::Timestamps {
                    val: int(self, val, 32)? as u32,
                    ecr: int(self, ecr, 32)? as u32,
                },
                TcpOptionSpec::Nop => TcpOption::Nop,
                TcpOptionSpec::Eol => TcpOption::Eol,
                TcpOptionSpec::WindowScale(v) => TcpOption::WindowScale(int(self, v, 8)? as u8),
                TcpOptionSpec::Sack(blocks) => {
                    let base = p.flow.map_or(0, |id| self.env.flows[id].base(side, peer));
                    let mut b = Vec::new();
                    for (l, r) in blocks {
                        b.push((
                            base.wrapping_add(int(self, l, 32)? as u32),
                            base.wrapping_add(int(self, r, 32)? as u32),
                        ));
                    }
                    TcpOption::Sack(b)
                }
                TcpOptionSpec::FastOpen(c) => TcpOption::FastOpen(self.cookie(c)?),
                TcpOptionSpec::FastOpenExp(c) => TcpOption::FastOpenExp(self.cookie(c)?),
                TcpOptionSpec::Raw { kind, data } => TcpOption::Raw {
                    kind: *kind,
                    data: data.clone().unwrap_or_default(),
                },
            });
        }
        Ok(out)
    }

    fn cookie(&mut self, c: &Cookie) -> Result<Vec<u8>, BuildError> {
        Ok(match c {
            Cookie::Request => vec![],
            Cookie::Bytes(b) => b.clone(),
            Cookie::Any => (0..8).map(|_| self.rng.random()).collect(),
            Cookie::Var(name) => {
                let text = self
                    .env
                    .vars
                    .get(name)
                    .ok_or_else(|| EvalError::Unbound(name.clone()))?;
                parse_hex(text).ok_or_else(|| EvalError::BadText {
                    name: name.clone(),
                    text: text.clone(),
                    what: "hex bytes",
                })?
            }
        })
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
