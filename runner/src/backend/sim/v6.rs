//! IPv6: forwarded without translation through the RFC 6092 filter (docs/ipv6-filter.md has the
//! recommendation-by-recommendation table). Outbound packets open state for their flow; inbound
//! packets pass when they match the state of their LAN endpoint whatever the remote
//! (endpoint-independent filtering, REC-11/17/33), when they carry IPsec or IKE (REC-21/22/24/26),
//! or when they are Echo Requests (RFC 4890 §4.3.1, which REC-10's section adopts). ICMPv6 errors
//! pass when the packet they quote belongs to open state (REC-10/18/23/36).

use super::Quirk;
use super::bytes::*;
use super::icmp_check;
use super::profile::Profile;
use super::v6_reject::Rejections;
use crate::codec::TcpFlags;
use crate::codec::icmpv6::types::{self, ECHO_REPLY, ECHO_REQUEST};
use crate::codec::ip_proto::{AH, DEST_OPTS, ESP, FRAGMENT, HIP, HOP_BY_HOP, ICMPV6, ROUTING, TCP, UDP, UDP_LITE};
use dsl::plan::Side;
use std::net::Ipv6Addr;
use std::time::Duration;

/// IKE's port (RFC 6092 REC-24).
const IKE_PORT: u16 = 500;
/// At most this many extension headers are walked before the upper layer.
const MAX_EXTENSION_HEADERS: usize = 8;

/// One flow: protocol, LAN address, LAN port (ICMPv6: echo id; protocols without ports: 0),
/// remote address, remote port.
type Key = (u8, Ipv6Addr, u16, Ipv6Addr, u16);

/// The RFC 6092 stateful filter: the flows LAN hosts opened, each with when it was last used, and
/// the answers owed to unsolicited SYNs.
#[derive(Default)]
pub struct Filter {
    state: Vec<(Key, Duration)>,
    /// Answers owed to unsolicited inbound SYNs (REC-34).
    pub(super) rejections: Rejections,
}

/// What the filter reads of an IPv6 packet: its upper-layer protocol, found past the extension
/// headers, and what those headers said.
#[derive(Clone, Copy, Debug)]
struct Chain {
    /// The upper-layer protocol; [`FRAGMENT`] for a fragment that does not carry the upper-layer
    /// header.
    proto: u8,
    /// Offset of the upper-layer header.
    at: usize,
    /// An Authentication Header came first (RFC 6092 REC-21).
    ah: bool,
    /// A type 0 routing header came first (RFC 6092 REC-4).
    rh0: bool,
}

impl Chain {
    /// Walks the extension headers of the IPv6 header at `l3` whose next header is `next`.
    fn walk(f: &[u8], l3: usize, next: u8) -> Chain {
        let mut c = Chain {
            proto: next,
            at: l3 + 40,
            ah: false,
            rh0: false,
        };
        for _ in 0..MAX_EXTENSION_HEADERS {
            let (Some(&following), Some(&len)) = (f.get(c.at), f.get(c.at + 1)) else {
                break;
            };
            let size = match c.proto {
                HOP_BY_HOP | DEST_OPTS => (usize::from(len) + 1) * 8,
                ROUTING => {
                    c.rh0 |= f.get(c.at + 2) == Some(&0);
                    (usize::from(len) + 1) * 8
                }
                FRAGMENT if rd16(f, c.at + 2) & 0xfff8 != 0 => break,
                FRAGMENT => 8,
                AH => {
                    c.ah = true;
                    (usize::from(len) + 2) * 4
                }
                _ => break,
            };
            c.proto = following;
            c.at += size;
        }
        c
    }

    /// The ports of the flow (ICMPv6: the echo id; no ports: 0, 0).
    fn ports(&self, f: &[u8]) -> (u16, u16) {
        match self.proto {
            TCP | UDP | UDP_LITE => (rd16(f, self.at), rd16(f, self.at + 2)),
            ICMPV6 => (rd16(f, self.at + 4), 0),
            _ => (0, 0),
        }
    }

    /// Whether the packet is IPsec or IKE, which RFC 6092 REC-21/22/24/26 let through by default.
    fn ipsec_or_ike(&self, f: &[u8]) -> bool {
        self.ah || matches!(self.proto, ESP | HIP) || (self.proto == UDP && self.ports(f).1 == IKE_PORT)
    }
}

/// How long state idles before it expires: RFC 6092 REC-14 (UDP, 5 min), REC-35 (TCP, 2 h 4 min),
/// REC-12 (other protocols, 5 min); an echo 60 s (RFC 5508 REQ-2's figure).
fn timeout(proto: u8, profile: &Profile) -> Duration {
    let secs = match proto {
        TCP if profile.has(Quirk::TcpTimeoutShort) => 300,
        TCP => 7440,
        UDP | UDP_LITE if profile.has(Quirk::UdpTimeout30s) => 30,
        ICMPV6 if profile.has(Quirk::IcmpTimeout30s) => 30,
        ICMPV6 => 60,
        _ => 300,
    };
    Duration::from_secs(secs)
}

impl Filter {
    /// Drops state idle for longer than its protocol's timeout.
    pub fn expire(&mut self, now: Duration, profile: &Profile) {
        self.state
            .retain(|((proto, ..), last)| now.saturating_sub(*last) <= timeout(*proto, profile));
    }

    /// Whether a packet arriving on `side` may be forwarded (and records or refreshes state).
    pub fn allow(&mut self, side: Side, f: &[u8], l2: &L2, ip: &Ip6, now: Duration, profile: &Profile) -> bool {
        let c = Chain::walk(f, l2.l3, ip.next);
        if c.rh0 && !profile.has(Quirk::V6BogonForwarded) {
            return false;
        }
        let end = l2.l3 + 40 + ip.payload_len;
        let icmp_type = (c.proto == ICMPV6).then(|| f.get(c.at).copied()).flatten();
        if icmp_type.is_some_and(types::is_error) {
            let message = f.get(c.at..end).unwrap_or_default();
            if profile.has(Quirk::NoIcmpErrors) || !icmp_check::icmp6_error_intact(message, ip.src, ip.dst, profile) {
                return false;
            }
            // Outbound errors pass; inbound ones only about a flow that went out (REC-10).
            return side == Side::Lan
                || profile.has(Quirk::Ipv6Open)
                || self.quoted_flow_open(f, c.at + 8, end, profile);
        }
        let ipsec_blocked = profile.has(Quirk::V6IpsecBlocked) && (c.ah || c.proto == ESP);
        let (sp, dp) = c.ports(f);
        match side {
            Side::Lan => {
                if icmp_type.is_some_and(|t| t != ECHO_REQUEST) {
                    return true;
                }
                if c.proto == TCP && f.get(c.at + 13).is_some_and(|&flags| TcpFlags::new(flags).syn()) {
                    self.rejections.cancel((ip.src, sp, ip.dst, dp));
                }
                self.refresh((c.proto, ip.src, sp, ip.dst, dp), now);
                true
            }
            Side::Wan if profile.has(Quirk::Ipv6Open) => true,
            Side::Wan if ipsec_blocked => false,
            Side::Wan if c.ipsec_or_ike(f) && !profile.has(Quirk::V6IpsecBlocked) => true,
            Side::Wan => match icmp_type {
                Some(ECHO_REQUEST) => true,
                Some(ECHO_REPLY) => self.touch(|k| *k == (ICMPV6, ip.dst, sp, ip.src, 0), now),
                Some(_) => false,
                None => {
                    let open = if profile.has(Quirk::Apdf) {
                        self.touch(|k| *k == (c.proto, ip.dst, dp, ip.src, sp), now)
                    } else {
                        self.touch(|k| (k.0, k.1, k.2) == (c.proto, ip.dst, dp), now)
                    };
                    if !open
                        && c.proto == TCP
                        && f.get(c.at + 13)
                            .is_some_and(|&flags| TcpFlags::new(flags).syn_without_ack())
                    {
                        self.rejections
                            .hold((ip.dst, dp, ip.src, sp), f.get(l2.l3..end).unwrap_or_default(), now);
                    }
                    open
                }
            },
        }
    }

    /// Whether the packet quoted at `q` by an inbound ICMPv6 error went out from the LAN on a flow
    /// still open (the error neither refreshes nor ends it: REC-19/37).
    fn quoted_flow_open(&self, f: &[u8], q: usize, end: usize, profile: &Profile) -> bool {
        let quote = f.get(..end).unwrap_or(f);
        let Some(inner) = Ip6::parse_prefix(quote, q) else {
            return false;
        };
        let c = Chain::walk(quote, q, inner.next);
        if profile.has(Quirk::V6IpsecBlocked) && (c.ah || c.proto == ESP) {
            return false;
        }
        let (sp, dp) = c.ports(quote);
        let key = (c.proto, inner.src, sp, inner.dst, dp);
        self.state.iter().any(|(k, _)| *k == key)
    }

    /// Opens state for a flow, or refreshes it (REC-16).
    fn refresh(&mut self, key: Key, now: Duration) {
        match self.state.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = now,
            None => self.state.push((key, now)),
        }
    }

    /// Refreshes the state entries that match; whether there was one.
    fn touch(&mut self, matches: impl Fn(&Key) -> bool, now: Duration) -> bool {
        let mut any = false;
        for e in self.state.iter_mut().filter(|(k, _)| matches(k)) {
            e.1 = now;
            any = true;
        }
        any
    }
}

/// Header quirks on a forwarded IPv6 packet: ECN bleaching and the TCP quirks; `false` to drop it.
pub fn quirks(f: &mut [u8], l2: &L2, ip: &Ip6, p: &Profile, outbound: bool) -> bool {
    let o = l2.l3;
    if p.has(Quirk::EcnBleach) {
        // Traffic class straddles bytes 0 and 1: ECN is bits 4-5 of byte 1.
        f[o + 1] &= !0x30;
    }
    if ip.next == TCP && f.len() >= o + 60 {
        let l4 = o + 40;
        let doff = usize::from(f[l4 + 12] >> 4) * 4;
        return super::tcp_quirks::both_ways(f, l4, doff, p, outbound);
    }
    true
}
