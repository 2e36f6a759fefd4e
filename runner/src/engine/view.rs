//! A flat view of what a frame carries, layer by layer, built once per received frame from the
//! [`codec`](crate::codec) reprs. The matcher, the noise classes and the failure tables read it.

use crate::codec::ethernet::ethertype;
use crate::codec::{
    ArpOp, FrameRepr, Icmpv4Message, Icmpv4Repr, Icmpv6Message, Icmpv6Repr, InnerIp, IpPacket, Ipv4Repr, Ipv6Repr, Net,
    QuotedTransport, TcpOptions, TcpRepr, Transport, icmpv4, ip_proto,
};
use std::net::IpAddr;

/// What a frame's IPv4 or IPv6 header says, as patterns test it (docs/language.md §3.4): the
/// addresses are `src`/`dst`, the rest the field of the same name.
#[derive(Clone, Debug, PartialEq)]
pub struct IpView {
    /// The source address (`src`, the left side of `->`).
    pub src: IpAddr,
    /// The destination address (`dst`, the right side of `->`).
    pub dst: IpAddr,
    /// IPv4 TTL or IPv6 hop limit (`ttl=`, `hlim=`).
    pub ttl: u8,
    /// IPv4 TOS or IPv6 traffic class (`tos=`; `dscp=` and `ecn=` are its parts).
    pub tos: u8,
    /// IPv4 identification (`ip.id=`; zero in IPv6).
    pub id: u16,
    /// IPv4 Don't Fragment (`df=`).
    pub df: bool,
    /// More fragments follow (`mf=`; IPv6 from its fragment header).
    pub mf: bool,
    /// Fragment offset in 8-byte units (`frag=`).
    pub frag: u16,
    /// The length field as written (`len=`): IPv4 total length, IPv6 payload length.
    pub len: u16,
    /// IPv6 flow label (`flow=`).
    pub flow: u32,
    /// The upper-layer protocol number (`proto=`).
    pub proto: u8,
    /// IPv4 header checksum as written (`ip.csum=`).
    pub csum: u16,
    /// IPv6 rather than IPv4: decides the family a pattern must name.
    pub v6: bool,
}

/// What a frame's transport header says, as patterns test it; values as written on the wire.
#[derive(Clone, Debug, PartialEq)]
pub enum L4View {
    /// A TCP segment.
    Tcp {
        /// The source port (`sport=`, the port after the source address).
        sport: u16,
        /// The destination port (`dport=`).
        dport: u16,
        /// The absolute sequence number (a flow's `seq=` is relative to its ISN).
        seq: u32,
        /// The absolute acknowledgment number.
        ack: u32,
        /// The receive window (`win=`).
        win: u16,
        /// The urgent pointer (`urg=`).
        urg: u16,
        /// The eight flag bits of header byte 13, as the flags of a pattern are written.
        flags: u8,
        /// The low nibble of header byte 12: reserved bits and AE (`tcp.res=`).
        res: u8,
        /// The checksum as written (`tcp.csum=`).
        csum: u16,
        /// The options, as parsed (or raw when they do not parse).
        options: TcpOptions,
    },
    /// A UDP datagram.
    Udp {
        /// The source port.
        sport: u16,
        /// The destination port.
        dport: u16,
        /// The length field as written (`udp.len=`).
        len: u16,
        /// The checksum as written (`udp.csum=`).
        csum: u16,
    },
    /// An ICMP or ICMPv6 message.
    Icmp {
        /// The type number; patterns name it by word (docs/language.md §3.7).
        ty: u8,
        /// The code number.
        code: u8,
        /// The echo identifier, for echo messages (`icmp.id=`, an ICMP flow's client port).
        id: Option<u16>,
        /// The echo sequence number, for echo messages (`icmp.seq=`).
        seq: Option<u16>,
        /// The next-hop MTU of a frag-needed or packet-too-big error (`mtu=`).
        mtu: Option<u32>,
        /// The checksum as written (`icmp.csum=`).
        csum: u16,
    },
    /// An ARP message: `src`/`dst` of an `arp` pattern are its protocol addresses.
    Arp {
        /// The operation (`arp.op=`): 1 request, 2 reply.
        op: u16,
        /// The sender protocol address.
        spa: IpAddr,
        /// The target protocol address.
        tpa: IpAddr,
    },
    /// Nothing the engine decodes (other protocols, later fragments, truncated headers).
    None,
}

/// A frame (or a packet quoted in an ICMP error) as the matcher sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    /// The Ethernet source (`eth.src=`; zero for a quoted packet).
    pub eth_src: [u8; 6],
    /// The Ethernet destination (`eth.dst=`).
    pub eth_dst: [u8; 6],
    /// The EtherType of the payload, after any VLAN tag (`eth.type=`).
    pub eth_type: u16,
    /// The VLAN id of an 802.1Q tag (`vlan=`).
    pub vlan: Option<u16>,
    /// The IP header, when the frame carries IP.
    pub ip: Option<IpView>,
    /// The transport header (or ARP).
    pub l4: L4View,
    /// The data a pattern's `data`/`len` test: TCP/UDP data, ICMP echo data.
    pub payload: Vec<u8>,
    /// The packet an ICMP error quotes (`inner (...)`).
    pub inner: Option<Box<View>>,
    /// Checksum validity: IP header, transport, quoted IPv4 header.
    pub csum_ok: (Option<bool>, Option<bool>, Option<bool>),
}

impl IpView {
    /// An IPv4 fragment: more fragments follow, or it is not the first.
    pub fn is_v4_fragment(&self) -> bool {
        !self.v6 && (self.mf || self.frag != 0)
    }
}

impl View {
    /// Builds the view of a whole frame.
    pub fn of_frame(f: &FrameRepr) -> View {
        Self::with_payload(f, f.payload.clone())
    }

    /// Builds the view of a whole frame, moving the frame's payload into it instead of copying
    /// it: the frame keeps its headers and is left with an empty payload. For the per-frame
    /// path, where the frame is needed afterwards only for its headers (host emulation).
    pub fn of_frame_taking_payload(f: &mut FrameRepr) -> View {
        let payload = std::mem::take(&mut f.payload);
        Self::with_payload(f, payload)
    }

    fn with_payload(f: &FrameRepr, mut payload: Vec<u8>) -> View {
        let ip = match &f.net {
            Net::Ipv4(h) => Some(ip4_view(h)),
            Net::Ipv6(h) => Some(ip6_view(h, h.fragment().map(|f| (f.offset, f.more)))),
            _ => None,
        };
        let mut inner = None;
        let l4 = match (&f.net, &f.transport) {
            (Net::Arp(a), _) => L4View::Arp {
                op: match a.op {
                    ArpOp::Request => 1,
                    ArpOp::Reply => 2,
                    ArpOp::Other(n) => n,
                },
                spa: IpAddr::V4(a.sender_ip),
                tpa: IpAddr::V4(a.target_ip),
            },
            (_, Transport::Tcp(t)) => tcp_view(t),
            (_, Transport::Udp(u)) => L4View::Udp {
                sport: u.src_port,
                dport: u.dst_port,
                len: u.length,
                csum: u.checksum,
            },
            (_, Transport::Icmpv4(i)) => {
                let (view, data, quoted) = icmp4(i);
                payload = data;
                inner = quoted.map(|q| Box::new(View::of_quoted(q)));
                view
            }
            (_, Transport::Icmpv6(i)) => {
                let (view, data, quoted) = icmp6(i);
                payload = data;
                inner = quoted.map(|q| Box::new(View::of_quoted(q)));
                view
            }
            _ => L4View::None,
        };
        View {
            eth_src: f.eth.src.0,
            eth_dst: f.eth.dst.0,
            eth_type: f.eth.ethertype,
            vlan: f.eth.vlan.map(|v| v.vid),
            ip,
            l4,
            payload,
            inner,
            csum_ok: (f.checksums.ip, f.checksums.l4, f.checksums.inner_ip),
        }
    }

    /// Builds the view of a packet quoted in an ICMP error.
    pub fn of_quoted(q: &IpPacket) -> View {
        let ip = q.ip().map(|ip| match ip {
            InnerIp::V4(h) => ip4_view(h),
            InnerIp::V6(h) => ip6_view(h, None),
        });
        let l4 = match q.transport() {
            QuotedTransport::Tcp(t) => tcp_view(t),
            QuotedTransport::Udp(u) => L4View::Udp {
                sport: u.src_port,
                dport: u.dst_port,
                len: u.length,
                csum: u.checksum,
            },
            QuotedTransport::Icmp {
                ty,
                code,
                checksum,
                rest,
            } => L4View::Icmp {
                ty: *ty,
                code: *code,
                id: Some((rest >> 16) as u16),
                seq: Some(*rest as u16),
                mtu: None,
                csum: *checksum,
            },
            QuotedTransport::Partial {
                src_port: Some(s),
                dst_port: Some(d),
                protocol,
                seq,
                ..
            } if *protocol == ip_proto::TCP => L4View::Tcp {
                sport: *s,
                dport: *d,
                seq: seq.unwrap_or(0),
                ack: 0,
                win: 0,
                urg: 0,
                flags: 0,
                res: 0,
                csum: 0,
                options: TcpOptions::default(),
            },
            QuotedTransport::Partial {
                src_port: Some(s),
                dst_port: Some(d),
                ..
            } => L4View::Udp {
                sport: *s,
                dport: *d,
                len: 0,
                csum: 0,
            },
            _ => L4View::None,
        };
        View {
            eth_src: [0; 6],
            eth_dst: [0; 6],
            eth_type: match ip {
                Some(IpView { v6: true, .. }) => ethertype::IPV6,
                _ => ethertype::IPV4,
            },
            vlan: None,
            ip,
            l4,
            payload: q.payload().to_vec(),
            inner: None,
            csum_ok: (q.ipv4_checksum_valid(), None, None),
        }
    }

    /// Source and destination ports, when the transport has them.
    pub fn ports(&self) -> Option<(u16, u16)> {
        match self.l4 {
            L4View::Tcp { sport, dport, .. } | L4View::Udp { sport, dport, .. } => Some((sport, dport)),
            _ => None,
        }
    }
}

/// The transport view of an ICMP message (the codec knows its type and code), its data (echo
/// data, the body of a type the codec keeps whole) and the packet an error quotes.
fn icmp4(i: &Icmpv4Repr) -> (L4View, Vec<u8>, Option<&IpPacket>) {
    let (echo, mtu, data, quoted) = match &i.msg {
        Icmpv4Message::EchoRequest { id, seq, data } | Icmpv4Message::EchoReply { id, seq, data } => {
            (Some((*id, *seq)), None, data.clone(), None)
        }
        Icmpv4Message::DstUnreachable { code, mtu, quoted } => (
            None,
            (*code == icmpv4::codes::FRAG_NEEDED).then_some(u32::from(*mtu)),
            vec![],
            Some(quoted),
        ),
        Icmpv4Message::TimeExceeded { quoted, .. }
        | Icmpv4Message::ParamProblem { quoted, .. }
        | Icmpv4Message::Redirect { quoted, .. } => (None, None, vec![], Some(quoted)),
        Icmpv4Message::Other { body, .. } => (None, None, body.clone(), None),
    };
    (icmp_view(i.ty(), i.code(), echo, mtu, i.checksum), data, quoted)
}

/// The ICMPv6 counterpart of [`icmp4`].
fn icmp6(i: &Icmpv6Repr) -> (L4View, Vec<u8>, Option<&IpPacket>) {
    let (echo, mtu, data, quoted) = match &i.msg {
        Icmpv6Message::EchoRequest { id, seq, data } | Icmpv6Message::EchoReply { id, seq, data } => {
            (Some((*id, *seq)), None, data.clone(), None)
        }
        Icmpv6Message::PacketTooBig { mtu, quoted } => (None, Some(*mtu), vec![], Some(quoted)),
        Icmpv6Message::DstUnreachable { quoted, .. }
        | Icmpv6Message::TimeExceeded { quoted, .. }
        | Icmpv6Message::ParamProblem { quoted, .. } => (None, None, vec![], Some(quoted)),
        Icmpv6Message::Other { body, .. } => (None, None, body.clone(), None),
    };
    (icmp_view(i.ty(), i.code(), echo, mtu, i.checksum), data, quoted)
}

/// An ICMP transport view: an echo's id and sequence, an error's MTU.
fn icmp_view(ty: u8, code: u8, echo: Option<(u16, u16)>, mtu: Option<u32>, csum: u16) -> L4View {
    L4View::Icmp {
        ty,
        code,
        id: echo.map(|e| e.0),
        seq: echo.map(|e| e.1),
        mtu,
        csum,
    }
}

fn ip4_view(h: &Ipv4Repr) -> IpView {
    IpView {
        src: IpAddr::V4(h.src),
        dst: IpAddr::V4(h.dst),
        ttl: h.ttl,
        tos: h.tos,
        id: h.id,
        df: h.df,
        mf: h.mf,
        frag: h.frag_offset,
        len: h.total_len,
        flow: 0,
        proto: h.protocol,
        csum: h.header_checksum,
        v6: false,
    }
}

/// `frag`: the fragment header's offset and more-fragments flag, if any.
fn ip6_view(h: &Ipv6Repr, frag: Option<(u16, bool)>) -> IpView {
    IpView {
        src: IpAddr::V6(h.src),
        dst: IpAddr::V6(h.dst),
        ttl: h.hop_limit,
        tos: h.traffic_class,
        id: 0,
        df: false,
        mf: frag.is_some_and(|f| f.1),
        frag: frag.map_or(0, |f| f.0),
        len: h.payload_len,
        flow: h.flow_label,
        proto: h.protocol,
        csum: 0,
        v6: true,
    }
}

fn tcp_view(t: &TcpRepr) -> L4View {
    L4View::Tcp {
        sport: t.src_port,
        dport: t.dst_port,
        seq: t.seq,
        ack: t.ack,
        win: t.window,
        urg: t.urgent,
        flags: t.flags.bits,
        res: t.flags.reserved,
        csum: t.checksum,
        options: t.options.clone(),
    }
}
