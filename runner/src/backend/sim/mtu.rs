//! Link MTUs (docs/language.md §5), as Linux's forwarding path treats them (docs/netns.md):
//!
//! - A frame longer than the side's MTU plus 18 bytes (an Ethernet header and one VLAN tag) is
//!   dropped by the interface it arrives on, as a veth or NIC drops a giant frame.
//! - A packet to be forwarded onto a side whose MTU it exceeds: IPv4 with DF set is not forwarded
//!   and an ICMP Fragmentation Needed with that MTU goes back out of the side it came in on, from
//!   the gateway's address there, quoting the packet as it arrived (RFC 1191 §4, RFC 1812
//!   §4.3.2.4 and §4.3.2.5, RFC 4787 REQ-13); IPv4 without DF is cut into fragments that fit
//!   (RFC 791); IPv6 is never fragmented and gets an ICMPv6 Packet Too Big (RFC 8200 §5,
//!   RFC 4443 §3.2). A packet whose TTL or hop limit expires here gets Time Exceeded instead.
//! - A datagram that came in fragments leaves cut again to its largest fragment's size, or
//!   smaller when the link needs it.
//! - The gateway's own ICMPv4 errors quote no more than the link carries.

use super::bytes::{Ip4, Ip6, L2};
use super::{Quirk, SimGateway, ix};
use crate::codec::ethernet::ethertype;
use crate::codec::{FrameRepr, Icmpv4Repr, Icmpv6Repr, Ipv4Repr, Ipv6Repr, Net, Transport, ip_proto};
use dsl::plan::Side;

/// Bytes a frame may carry beyond the MTU: the Ethernet header and one 802.1Q tag.
const LINK_HEADROOM: usize = 14 + 4;
/// IPv4 header plus ICMP header in front of an ICMPv4 error's quote.
const ICMP4_ERROR_HEADERS: usize = 20 + 8;
/// Precedence 6 (internetwork control), the ToS of the gateway's ICMP errors (RFC 1812
/// §4.3.2.5; Linux sets the same).
const TOS_INTERNETWORK_CONTROL: u8 = 0xc0;

/// The MTU of each side's link.
#[derive(Clone, Debug)]
pub struct Links {
    mtu: [usize; 2],
    /// The IP id of the next ICMPv4 error (they are sent without DF, like Linux's).
    next_error_id: u16,
}

impl Links {
    /// The links with the MTU the testbed gives each side.
    pub fn new(testbed: &dsl::Testbed) -> Links {
        Links {
            mtu: [usize::from(testbed.lan.mtu), usize::from(testbed.wan.mtu)],
            next_error_id: 1,
        }
    }

    /// The largest IP packet the link on `side` carries.
    pub fn mtu(&self, side: Side) -> usize {
        self.mtu[ix(side)]
    }

    /// Whether the interface on `side` takes a frame of `len` bytes.
    pub fn admits(&self, side: Side, len: usize) -> bool {
        len <= self.mtu(side) + LINK_HEADROOM
    }

    /// How many bytes of an offending IPv4 packet an ICMPv4 error sent on `side` may quote.
    pub fn quote_limit4(&self, side: Side) -> usize {
        self.mtu(side).saturating_sub(ICMP4_ERROR_HEADERS)
    }
}

/// Whether an IPv4 packet at `l3` has DF set.
fn df(frame: &[u8], l3: usize) -> bool {
    frame.get(l3 + 6).is_some_and(|b| b & 0x40 != 0)
}

impl SimGateway {
    /// Whether a packet with this TTL or hop limit expires here (and gets Time Exceeded).
    fn expires(&self, ttl: u8) -> bool {
        ttl <= 1 && !self.profile.has(Quirk::NoTtlDecrement)
    }

    /// Whether an IPv4 packet about to be forwarded onto `to` must not go because it is larger
    /// than that link's MTU with DF set (after the `df-clear` quirk had its way). A packet that
    /// expires here is left to the TTL check.
    pub(super) fn oversize_with_df4(&self, to: Side, frame: &[u8], l2: &L2, ip: &Ip4) -> bool {
        ip.total_len > self.links.mtu(to)
            && df(frame, l2.l3)
            && !self.profile.has(Quirk::DfClear)
            && !self.expires(ip.ttl)
    }

    /// Refuses an IPv4 packet that came in on `from` and is too big for `to` with DF set: `true`
    /// when it was refused, and Fragmentation Needed went back (unless the quirk drops it
    /// silently). `frame` is the packet as it arrived.
    pub(super) fn refuse_oversize4(&mut self, from: Side, to: Side, frame: &[u8], l2: &L2, ip: &Ip4) -> bool {
        if !self.oversize_with_df4(to, frame, l2, ip) {
            return false;
        }
        self.frag_needed4(from, to, frame, l2, ip);
        true
    }

    /// Sends ICMP Fragmentation Needed (type 3 code 4) with `to`'s MTU back out of `from` to the
    /// sender of `frame` (as it arrived), unless the `no-frag-needed` quirk drops it silently.
    pub(super) fn frag_needed4(&mut self, from: Side, to: Side, frame: &[u8], l2: &L2, ip: &Ip4) {
        if self.profile.has(Quirk::NoFragNeeded) {
            return;
        }
        let Some((me, _)) = self.ifaces[ix(from)].v4 else {
            return;
        };
        let original = &frame[l2.l3..];
        let quote = &original[..original.len().min(self.links.quote_limit4(from))];
        let mtu = u16::try_from(self.links.mtu(to)).unwrap_or(u16::MAX);
        let icmp = Icmpv4Repr::frag_needed(mtu, quote);
        let mut v4 = Ipv4Repr::new(me, ip.src, ip_proto::ICMP, 0);
        v4.tos = TOS_INTERNETWORK_CONTROL;
        v4.df = false;
        v4.id = self.links.next_error_id;
        self.links.next_error_id = self.links.next_error_id.wrapping_add(1);
        let eth = self.reply_eth(from, l2, ethertype::IPV4);
        let answer = FrameRepr::new(eth, Net::Ipv4(v4), Transport::Icmpv4(Box::new(icmp)), vec![]);
        self.send_own(from, &answer);
    }

    /// Refuses an IPv6 packet that came in on `from` and is too big for the other side: `true`
    /// when it was refused, and Packet Too Big went back (unless the quirk drops it silently).
    /// Checked before the stateful filter, as Linux checks it before its forward hook.
    pub(super) fn refuse_oversize6(&mut self, from: Side, frame: &[u8], l2: &L2, ip: &Ip6) -> bool {
        let to = from.other();
        let mtu = self.links.mtu(to);
        if 40 + ip.payload_len <= mtu || self.expires(ip.hlim) {
            return false;
        }
        if self.profile.has(Quirk::V6NoPtb) {
            return true;
        }
        let Some((me, _)) = self.ifaces[ix(from)].v6 else {
            return true;
        };
        // Every IPv6 link carries 1280 bytes, the most an ICMPv6 error is (RFC 4443 §2.4).
        let icmp = Icmpv6Repr::packet_too_big(u32::try_from(mtu).unwrap_or(u32::MAX), &frame[l2.l3..]);
        let v6 = Ipv6Repr::new(me, ip.src, ip_proto::ICMPV6, 0);
        let eth = self.reply_eth(from, l2, ethertype::IPV6);
        let answer = FrameRepr::new(eth, Net::Ipv6(v6), Transport::Icmpv6(Box::new(icmp)), vec![]);
        self.send_own(from, &answer);
        true
    }

    /// The frames a forwarded IP packet leaves as on `side`: IPv4 cut into fragments that fit the
    /// link (and no larger than the pieces it came in, if it came in fragments); a packet that
    /// does not fit and must not be fragmented is dropped (the checks above answered it already).
    pub(super) fn fit_to_link(&self, side: Side, frame: Vec<u8>) -> Vec<Vec<u8>> {
        let mtu = self.links.mtu(side);
        let Some(l2) = L2::parse(&frame) else {
            return vec![frame];
        };
        let ip_len = frame.len() - l2.l3;
        if l2.ethertype != ethertype::IPV4 {
            return if ip_len <= mtu { vec![frame] } else { Vec::new() };
        }
        if ip_len <= mtu && self.refragment.is_none() {
            return vec![frame];
        }
        if ip_len > mtu && df(&frame, l2.l3) {
            return Vec::new();
        }
        let ihl = frame.get(l2.l3).map_or(20, |b| usize::from(b & 0xf) * 4);
        let piece = self.refragment.unwrap_or(usize::MAX).min(mtu.saturating_sub(ihl));
        crate::codec::fragmentation::split_ipv4(&frame, piece).unwrap_or_else(|_| vec![frame])
    }
}
