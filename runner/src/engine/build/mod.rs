//! Builds the frame a send step emits: a [`PacketSpec`] with its send defaults, evaluated in the
//! case's [`Env`], into a [`FrameRepr`] (docs/language.md §3.9). ICMP messages and the TCP
//! fields that depend on a flow (§4) are beside this file.

use super::env::{Env, EvalError, RtVal};
use crate::codec::ethernet::ethertype;
use crate::codec::tcp_options::TcpOptions;
use crate::codec::{
    ArpOp, ArpRepr, EthernetRepr, FrameRepr, Ipv4Repr, Ipv6Repr, Mac, Net, TcpFlags, TcpRepr, Transport, UdpRepr,
    VlanTag, ip_proto,
};
use dsl::plan::*;
use dsl::testbed::Testbed;
use rand::Rng;
use std::net::IpAddr;

mod icmp;
mod tcp;

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
}
