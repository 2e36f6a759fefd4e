//! A whole decoded Ethernet frame: [`FrameRepr`].

use super::checksum::{self, PseudoHeader};
use super::{
    ArpRepr, EthernetRepr, Icmpv4Repr, Icmpv6Repr, Ipv4Repr, Ipv6Repr, Mac, TcpRepr, UdpRepr, WireError, be16,
    ethertype, ip_proto,
};
use std::net::IpAddr;

/// Minimum Ethernet frame length without the FCS.
pub const MIN_FRAME_LEN: usize = 60;

/// The network layer of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Net {
    /// ARP.
    Arp(ArpRepr),
    /// IPv4.
    Ipv4(Ipv4Repr),
    /// IPv6.
    Ipv6(Ipv6Repr),
    /// Unknown EtherType or undecodable header: the bytes after the Ethernet header.
    Other(Vec<u8>),
}

/// The transport layer of a frame.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TCP.
    Tcp(TcpRepr),
    /// UDP.
    Udp(UdpRepr),
    /// ICMP for IPv4 (boxed: an error message quotes a whole packet, and keeping it out of line
    /// keeps every frame small to move).
    Icmpv4(Box<Icmpv4Repr>),
    /// ICMPv6 (boxed, as ICMP).
    Icmpv6(Box<Icmpv6Repr>),
    /// Another IP protocol; the IP payload is in `payload`.
    Other {
        /// The protocol number.
        protocol: u8,
    },
    /// No transport header: not IP, a non-first fragment, or a truncated header.
    None,
}

/// Checksum validity of a parsed frame; `None` where there is nothing to check
/// (no IPv4 header, no transport, a fragment, no quoted IPv4 packet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChecksumStatus {
    /// IPv4 header checksum.
    pub ip: Option<bool>,
    /// TCP, UDP, ICMP or ICMPv6 checksum.
    pub l4: Option<bool>,
    /// IPv4 header checksum of the packet quoted in an ICMP error.
    pub inner_ip: Option<bool>,
}

/// A whole frame.
///
/// `payload` is exactly what the IP length and the TCP data offset / UDP length
/// delimit (never Ethernet padding). For ICMP it is empty (the body is in the
/// ICMP repr); when the transport is `Other` or `None` it is the undecoded IP
/// payload; for `Net::Other`/ARP it is empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FrameRepr {
    /// Ethernet header.
    pub eth: EthernetRepr,
    /// Network layer.
    pub net: Net,
    /// Transport layer.
    pub transport: Transport,
    /// Application payload.
    pub payload: Vec<u8>,
    /// Checksum validity (filled by `parse`, ignored by `emit`).
    pub checksums: ChecksumStatus,
    /// Oddities found while parsing (truncation, lying lengths, ...).
    pub anomalies: Vec<String>,
}

/// What [`FrameRepr::parse`] decodes below the IP header.
struct Upper {
    transport: Transport,
    payload: Vec<u8>,
    l4: Option<bool>,
    inner_ip: Option<bool>,
}

impl Upper {
    fn raw(transport: Transport, payload: &[u8]) -> Self {
        Upper {
            transport,
            payload: payload.to_vec(),
            l4: None,
            inner_ip: None,
        }
    }
}

impl FrameRepr {
    /// A frame to emit.
    pub fn new(eth: EthernetRepr, net: Net, transport: Transport, payload: Vec<u8>) -> Self {
        FrameRepr {
            eth,
            net,
            transport,
            payload,
            checksums: ChecksumStatus::default(),
            anomalies: Vec::new(),
        }
    }

    /// The address the frame came from and the one it is for: the IP source and destination, or
    /// an ARP packet's sender and target addresses; `None` for anything else.
    pub fn addresses(&self) -> Option<(IpAddr, IpAddr)> {
        match &self.net {
            Net::Ipv4(ip) => Some((IpAddr::V4(ip.src), IpAddr::V4(ip.dst))),
            Net::Ipv6(ip) => Some((IpAddr::V6(ip.src), IpAddr::V6(ip.dst))),
            Net::Arp(a) => Some((IpAddr::V4(a.sender_ip), IpAddr::V4(a.target_ip))),
            Net::Other(_) => None,
        }
    }

    /// Decodes as much of `frame` as possible. Never panics, whatever the bytes.
    pub fn parse(frame: &[u8]) -> FrameRepr {
        let mut f = FrameRepr::new(
            EthernetRepr {
                dst: Mac::ZERO,
                src: Mac::ZERO,
                ethertype: 0,
                vlan: None,
            },
            Net::Other(Vec::new()),
            Transport::None,
            Vec::new(),
        );
        match EthernetRepr::parse(frame) {
            Ok(eth) => f.eth = eth,
            Err(e) => {
                if frame.len() >= 14 {
                    // The VLAN tag is truncated: keep the outer header.
                    f.eth.dst = Mac(frame[0..6].try_into().unwrap_or_default());
                    f.eth.src = Mac(frame[6..12].try_into().unwrap_or_default());
                    f.eth.ethertype = be16(frame, 12);
                    f.net = Net::Other(frame[14..].to_vec());
                }
                f.anomalies.push(e.to_string());
                return f;
            }
        }
        let l3 = &frame[f.eth.header_len()..];
        match f.eth.ethertype {
            ethertype::ARP => match ArpRepr::parse(l3) {
                Ok(a) => f.net = Net::Arp(a),
                Err(e) => f.fail(e, l3),
            },
            ethertype::IPV4 => f.parse_ipv4(frame.len(), l3),
            ethertype::IPV6 => f.parse_ipv6(frame.len(), l3),
            other => {
                f.anomalies.push(format!("unknown ethertype {other:#06x}"));
                f.net = Net::Other(l3.to_vec());
            }
        }
        f
    }

    /// Records an undecodable network header.
    fn fail(&mut self, e: WireError, l3: &[u8]) {
        self.anomalies.push(e.to_string());
        self.net = Net::Other(l3.to_vec());
    }

    /// Notes bytes after the IP packet that are not minimum-size padding.
    fn check_trailer(&mut self, frame_len: usize, l3_len: usize, ip_end: usize) {
        if l3_len > ip_end && frame_len > MIN_FRAME_LEN + 4 {
            self.anomalies
                .push(format!("{} bytes after the ip packet", l3_len - ip_end));
        }
    }

    fn parse_ipv4(&mut self, frame_len: usize, l3: &[u8]) {
        let ip = match Ipv4Repr::parse(l3) {
            Ok(ip) => ip,
            Err(e) => return self.fail(e, l3),
        };
        let hlen = ip.header_len();
        self.checksums.ip = Some(checksum::ipv4_header_valid(&l3[..hlen]));
        let claimed = usize::from(ip.total_len);
        if claimed < hlen {
            self.anomalies.push(format!(
                "ipv4 total length {claimed} is less than the header length {hlen}"
            ));
        } else if claimed > l3.len() {
            self.anomalies.push(format!(
                "ipv4 total length {claimed} exceeds the {} bytes present (clamped)",
                l3.len()
            ));
        }
        let ip_end = claimed.clamp(hlen, l3.len());
        self.check_trailer(frame_len, l3.len(), ip_end);
        let body = &l3[hlen..ip_end];
        let ph = PseudoHeader::V4 {
            src: ip.src,
            dst: ip.dst,
        };
        let upper = if ip.is_later_fragment() {
            Upper::raw(Transport::None, body)
        } else {
            self.parse_upper(ip.protocol, &ph, body, ip.mf)
        };
        self.net = Net::Ipv4(ip);
        self.set_upper(upper);
    }

    fn parse_ipv6(&mut self, frame_len: usize, l3: &[u8]) {
        let mut ip_end = l3.len();
        if l3.len() >= 40 {
            let claimed = 40 + usize::from(be16(l3, 4));
            if claimed > l3.len() {
                self.anomalies.push(format!(
                    "ipv6 payload length {} exceeds the {} bytes present (clamped)",
                    claimed - 40,
                    l3.len() - 40
                ));
            }
            ip_end = claimed.min(l3.len());
        }
        let (ip, ext_err) = match Ipv6Repr::parse_lenient(&l3[..ip_end]) {
            Ok(r) => r,
            Err(e) => return self.fail(e, l3),
        };
        self.check_trailer(frame_len, l3.len(), ip_end);
        let hlen = ip.header_len().min(ip_end);
        let body = &l3[hlen..ip_end];
        let ph = PseudoHeader::V6 {
            src: ip.src,
            dst: ip.dst,
        };
        let upper = if let Some(e) = ext_err {
            self.anomalies.push(e.to_string());
            Upper::raw(Transport::None, body)
        } else if ip.is_later_fragment() {
            Upper::raw(Transport::None, body)
        } else {
            let more = ip.fragment().is_some_and(|f| f.more);
            self.parse_upper(ip.protocol, &ph, body, more)
        };
        self.net = Net::Ipv6(ip);
        self.set_upper(upper);
    }

    fn set_upper(&mut self, u: Upper) {
        self.transport = u.transport;
        self.payload = u.payload;
        self.checksums.l4 = u.l4;
        self.checksums.inner_ip = u.inner_ip;
    }

    /// Decodes the transport in `body` (the IP payload as delimited by the IP
    /// length). `fragment`: only the first fragment is present, so lengths
    /// beyond it are expected and checksums cannot be checked.
    fn parse_upper(&mut self, protocol: u8, ph: &PseudoHeader, body: &[u8], fragment: bool) -> Upper {
        let checked = |ok: bool| (!fragment).then_some(ok);
        match protocol {
            ip_proto::TCP => match TcpRepr::parse(body) {
                Ok(t) => Upper {
                    payload: body[t.header_len()..].to_vec(),
                    transport: Transport::Tcp(t),
                    l4: checked(checksum::tcp_valid(ph, body)),
                    inner_ip: None,
                },
                Err(e) => {
                    self.anomalies.push(e.to_string());
                    Upper::raw(Transport::None, body)
                }
            },
            ip_proto::UDP => match UdpRepr::parse(body) {
                Ok(u) => {
                    let claimed = usize::from(u.length);
                    if claimed < 8 {
                        self.anomalies.push(format!("udp length {claimed} is less than 8"));
                    } else if claimed > body.len() && !fragment {
                        self.anomalies.push(format!(
                            "udp length {claimed} exceeds the {} bytes present (clamped)",
                            body.len()
                        ));
                    } else if claimed < body.len() {
                        self.anomalies.push(format!(
                            "udp length {claimed} is less than the ip payload of {}",
                            body.len()
                        ));
                    }
                    let end = claimed.clamp(8, body.len());
                    Upper {
                        payload: body[8..end].to_vec(),
                        transport: Transport::Udp(u),
                        l4: checked(checksum::udp_valid(ph, &body[..end])),
                        inner_ip: None,
                    }
                }
                Err(e) => {
                    self.anomalies.push(e.to_string());
                    Upper::raw(Transport::None, body)
                }
            },
            ip_proto::ICMP => match Icmpv4Repr::parse(body) {
                Ok(i) => Upper {
                    inner_ip: i.quoted().and_then(|q| q.ipv4_checksum_valid()),
                    transport: Transport::Icmpv4(Box::new(i)),
                    payload: Vec::new(),
                    l4: checked(checksum::icmpv4_valid(body)),
                },
                Err(e) => {
                    self.anomalies.push(e.to_string());
                    Upper::raw(Transport::None, body)
                }
            },
            ip_proto::ICMPV6 => match Icmpv6Repr::parse(body) {
                Ok(i) => Upper {
                    inner_ip: i.quoted().and_then(|q| q.ipv4_checksum_valid()),
                    transport: Transport::Icmpv6(Box::new(i)),
                    payload: Vec::new(),
                    l4: checked(checksum::icmpv6_valid(ph, body)),
                },
                Err(e) => {
                    self.anomalies.push(e.to_string());
                    Upper::raw(Transport::None, body)
                }
            },
            _ => Upper::raw(Transport::Other { protocol }, body),
        }
    }

    /// Appends the transport header + payload for pseudo-header `ph` to `buf`.
    fn emit_upper(&self, ph: &PseudoHeader, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let no_payload = |what: &'static str| {
            if self.payload.is_empty() {
                Ok(())
            } else {
                Err(WireError::malformed(
                    what,
                    "payload must be empty: the body is part of the icmp repr",
                ))
            }
        };
        match &self.transport {
            Transport::Tcp(t) => t.emit(ph, &self.payload, buf),
            Transport::Udp(u) => u.emit(ph, &self.payload, buf),
            Transport::Icmpv4(i) => no_payload("icmpv4").map(|_| buf.extend_from_slice(&i.to_bytes())),
            Transport::Icmpv6(i) => no_payload("icmpv6").map(|_| buf.extend_from_slice(&i.to_bytes(ph))),
            Transport::Other { .. } | Transport::None => {
                buf.extend_from_slice(&self.payload);
                Ok(())
            }
        }
    }

    /// Appends the frame to `buf`: lengths and checksums computed unless
    /// overridden in the reprs, padded to 60 bytes. The transport is written first, straight
    /// into `buf`, and the IP header (whose length field depends on it) is then put in front of
    /// it, so a frame costs no allocation beyond `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let start = buf.len();
        self.eth.emit(buf)?;
        let ip_start = buf.len();
        match &self.net {
            Net::Arp(a) => a.emit(buf),
            Net::Ipv4(ip) => {
                self.emit_upper(
                    &PseudoHeader::V4 {
                        src: ip.src,
                        dst: ip.dst,
                    },
                    buf,
                )?;
                let mut ip = ip.clone();
                ip.payload_len = buf.len() - ip_start;
                ip.emit(buf)?;
                let header_len = buf.len() - ip_start - ip.payload_len;
                buf[ip_start..].rotate_right(header_len);
            }
            Net::Ipv6(ip) => {
                self.emit_upper(
                    &PseudoHeader::V6 {
                        src: ip.src,
                        dst: ip.dst,
                    },
                    buf,
                )?;
                let mut ip = ip.clone();
                ip.upper_len = buf.len() - ip_start;
                ip.emit(buf)?;
                let header_len = buf.len() - ip_start - ip.upper_len;
                buf[ip_start..].rotate_right(header_len);
            }
            Net::Other(b) => buf.extend_from_slice(b),
        }
        if buf.len() - start < MIN_FRAME_LEN {
            buf.resize(start + MIN_FRAME_LEN, 0);
        }
        Ok(())
    }

    /// A capacity that holds the emitted frame in one allocation in the common cases.
    fn emitted_len_hint(&self) -> usize {
        // Ethernet + VLAN (18) + IPv6 with room for extension headers or IPv4 with options (80)
        // + TCP with options (60) + the payload.
        (18 + 80 + 60 + self.payload.len()).max(MIN_FRAME_LEN)
    }

    /// The emitted frame.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        super::emitted(self.emitted_len_hint(), |v| self.emit(v))
    }
}

#[cfg(test)]
mod tests;
