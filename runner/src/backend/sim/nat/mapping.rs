//! One NAT mapping: an internal address and port bound to an external port, what it has seen of
//! its TCP connection, and how long it lives idle (RFC 4787 REQ-5, RFC 5382 REQ-5, RFC 5508
//! REQ-2; the quirks shorten them).

use super::super::Quirk;
use super::super::profile::Profile;
use super::super::tcp_quirks::Segment;
use crate::codec::{TcpFlags, ip_proto};
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::time::Duration;

/// What a mapping has seen of its TCP connection.
#[derive(Clone, Debug, Default)]
pub struct TcpState {
    syn_out: bool,
    syn_in: bool,
    fin_out: bool,
    fin_in: bool,
    rst: bool,
    /// One past the highest client sequence number forwarded (for [`Quirk::SeqHoleDrop`]).
    next_out: Option<u32>,
}

impl TcpState {
    /// Whether both sides opened the connection and neither closed or reset it.
    fn established(&self) -> bool {
        self.syn_out && self.syn_in && !self.rst && !(self.fin_out && self.fin_in)
    }

    /// Takes in the client's segment `seg` on its way out, whose flags are `flags` once the quirks
    /// are done with it; `false` when [`Quirk::SeqHoleDrop`] drops it for leaving a hole.
    pub fn outbound(&mut self, seg: &Segment, flags: u8, profile: &Profile) -> bool {
        let seq_space = seg.len + u32::from(seg.flags & (TcpFlags::SYN | TcpFlags::FIN) != 0);
        let end = seg.seq.wrapping_add(seq_space);
        let after = |a: u32, b: u32| (a.wrapping_sub(b) as i32) > 0;
        if let Some(next) = self.next_out.filter(|_| profile.has(Quirk::SeqHoleDrop)) {
            if seg.flags & TcpFlags::RST == 0 && after(seg.seq, next) {
                return false;
            }
        }
        if self.next_out.is_none_or(|n| after(end, n)) {
            self.next_out = Some(end);
        }
        let flags = TcpFlags::new(flags);
        self.syn_out |= flags.syn();
        self.fin_out |= flags.fin();
        self.rst |= flags.rst();
        true
    }

    /// Takes in the flags of a segment from the server on its way in.
    pub fn inbound(&mut self, flags: u8) {
        let flags = TcpFlags::new(flags);
        self.syn_in |= flags.syn();
        self.fin_in |= flags.fin();
        self.rst |= flags.rst();
    }
}

/// One mapping of the NAT table.
#[derive(Clone, Debug)]
pub struct Mapping {
    /// The IP protocol (TCP, UDP, ICMP).
    pub proto: u8,
    /// The LAN host's address.
    pub int_addr: Ipv4Addr,
    /// The LAN host's port (ICMP: its echo identifier).
    pub int_port: u16,
    /// The port on the gateway's WAN address it is mapped to (ICMP: the identifier used outside).
    pub ext_port: u16,
    /// Symmetric NAT: the one destination this mapping is for.
    pub remote: Option<(Ipv4Addr, u16)>,
    /// Destinations the client has sent to (for address-and-port-dependent filtering).
    pub contacted: HashSet<(Ipv4Addr, u16)>,
    /// When a packet last used it.
    pub last: Duration,
    /// What it has seen of its TCP connection.
    pub tcp: TcpState,
}

impl Mapping {
    /// How long the mapping lives without traffic.
    pub fn timeout(&self, profile: &Profile) -> Duration {
        match self.proto {
            ip_proto::UDP if profile.has(Quirk::UdpTimeout30s) => Duration::from_secs(30),
            ip_proto::UDP => Duration::from_secs(300),
            ip_proto::ICMP if profile.has(Quirk::IcmpTimeout30s) => Duration::from_secs(30),
            ip_proto::ICMP => Duration::from_secs(60),
            _ => {
                let established = self.tcp.established();
                if established && profile.has(Quirk::TcpTimeoutShort) {
                    Duration::from_secs(300)
                } else if established {
                    Duration::from_secs(7440)
                } else if profile.has(Quirk::TcpTransitory120s) {
                    Duration::from_secs(120)
                } else {
                    Duration::from_secs(240)
                }
            }
        }
    }

    /// Whether inbound traffic from `src` may use the mapping: its one remote on a symmetric
    /// NAT, a remote the client has sent to with [`Quirk::Apdf`], anyone otherwise.
    pub fn admits(&self, src: (Ipv4Addr, u16), profile: &Profile) -> bool {
        match self.remote {
            Some(r) => r == src,
            None if profile.has(Quirk::Apdf) => self.contacted.contains(&src),
            None => true,
        }
    }
}
