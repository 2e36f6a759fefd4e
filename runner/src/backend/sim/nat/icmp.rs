//! ICMP through the NAT (RFC 5508): echo requests and replies mapped by their identifier as if it
//! were a port, and errors translated by the packet they quote — the quote's addresses, ports
//! and checksums rewritten along with the error's own header (REQ-3, REQ-4).

use super::super::Quirk;
use super::super::bytes::{Ip4, rd16, rd32, wr16};
use super::super::icmp_check::icmp4_error_intact;
use super::super::profile::Profile;
use super::{Nat, rewrite_addr, rewrite_port_or_id};
use crate::codec::checksum::{internet_checksum, update32};
use crate::codec::icmpv4::types;
use crate::codec::ip_proto;
use std::net::Ipv4Addr;
use std::time::Duration;

/// Whether the NAT translates an ICMP type as an error: Destination Unreachable, Time Exceeded,
/// Parameter Problem (RFC 5508 REQ-4); other errors are dropped.
fn is_translated_error(ty: u8) -> bool {
    matches!(ty, types::DST_UNREACHABLE | types::TIME_EXCEEDED | types::PARAM_PROBLEM)
}

impl Nat {
    /// ICMP from the LAN: an echo request through its mapping, or an error about an inbound
    /// packet going back to where that packet came from. `false` to drop it.
    pub(super) fn outbound_icmp(
        &mut self,
        f: &mut [u8],
        o: usize,
        ip: &Ip4,
        gw: Ipv4Addr,
        now: Duration,
        profile: &Profile,
    ) -> bool {
        let l4 = o + ip.ihl;
        if f.len() < l4 + 8 {
            return false;
        }
        let bad = profile.has(Quirk::BadChecksum);
        if f[l4] == types::ECHO_REQUEST {
            let id = rd16(f, l4 + 4);
            let Some(m) = self.map_out(ip_proto::ICMP, (ip.src, id), (ip.dst, 0), now, profile) else {
                return false;
            };
            let ext = m.ext_port;
            rewrite_port_or_id(f, l4 + 4, ext, Some(l4 + 2).filter(|_| !bad));
            rewrite_addr(f, o + 12, gw, None);
            return true;
        }
        if !is_translated_error(f[l4]) || !error_passes(f, o, ip, profile) {
            return false;
        }
        // An error from a LAN host about an inbound packet: the quoted packet's destination is
        // the LAN host; it goes back as the mapping.
        let Some(inner) = Ip4::parse(f, l4 + 8) else {
            return false;
        };
        let il4 = l4 + 8 + inner.ihl;
        let port = quoted_port_or_id(f, &inner, il4, il4 + 2);
        let Some(m) = self
            .maps
            .values()
            .find(|m| m.proto == inner.proto && m.int_addr == inner.dst && m.int_port == port)
        else {
            return false;
        };
        let ext = m.ext_port;
        rewrite_quote(f, il4, inner, gw, ext, false, bad);
        rewrite_addr(f, o + 12, gw, None);
        fix_icmp(f, l4, o + ip.total_len);
        true
    }

    /// ICMP from the WAN to the gateway: an echo reply to its mapping's host, or an error about
    /// a packet that went out, to the host that sent it. The LAN destination, or `None` to drop
    /// it.
    pub(super) fn inbound_icmp(
        &mut self,
        f: &mut [u8],
        o: usize,
        ip: &Ip4,
        now: Duration,
        profile: &Profile,
    ) -> Option<Ipv4Addr> {
        let l4 = o + ip.ihl;
        if f.len() < l4 + 8 {
            return None;
        }
        let bad = profile.has(Quirk::BadChecksum);
        if f[l4] == types::ECHO_REPLY {
            let id = rd16(f, l4 + 4);
            let i = self.by_ext_port(ip_proto::ICMP, id, now, profile)?;
            let m = self.maps.get_mut(&i)?;
            m.last = now;
            let (addr, port) = (m.int_addr, m.int_port);
            rewrite_port_or_id(f, l4 + 4, port, Some(l4 + 2).filter(|_| !bad));
            rewrite_addr(f, o + 16, addr, None);
            return Some(addr);
        }
        if !is_translated_error(f[l4]) || !error_passes(f, o, ip, profile) {
            return None;
        }
        let inner = Ip4::parse_quoted(f, l4 + 8)?;
        let il4 = l4 + 8 + inner.ihl;
        let port = quoted_port_or_id(f, &inner, il4, il4);
        let i = self.by_ext_port(inner.proto, port, now, profile)?;
        let (addr, int_port) = (self.maps[&i].int_addr, self.maps[&i].int_port);
        rewrite_quote(f, il4, inner, addr, int_port, true, bad);
        rewrite_addr(f, o + 16, addr, None);
        fix_icmp(f, l4, o + ip.total_len);
        if profile.has(Quirk::IcmpKillsMapping) {
            self.remove(i);
        }
        Some(addr)
    }
}

/// Whether an ICMP error may be translated at all: the profile translates errors, and its
/// checksums hold (RFC 5508 REQ-3, [`icmp4_error_intact`]).
fn error_passes(f: &[u8], o: usize, ip: &Ip4, profile: &Profile) -> bool {
    !profile.has(Quirk::NoIcmpErrors) && icmp4_error_intact(&f[o + ip.ihl..o + ip.total_len], profile)
}

/// The port of the quoted packet at `port_at` (its source or its destination port), or its echo
/// identifier when it is ICMP.
fn quoted_port_or_id(f: &[u8], inner: &Ip4, il4: usize, port_at: usize) -> u16 {
    if inner.proto == ip_proto::ICMP {
        rd16(f, il4 + 4)
    } else {
        rd16(f, port_at)
    }
}

/// Rewrites the packet an ICMP error quotes, whose transport header is at `il4`: `inbound` = the
/// quote is our outbound packet (its source becomes the LAN client); otherwise its destination
/// becomes the external mapping.
fn rewrite_quote(f: &mut [u8], il4: usize, inner: Ip4, addr: Ipv4Addr, port: u16, inbound: bool, bad: bool) {
    let io = il4 - inner.ihl;
    let (addr_at, port_at) = if inbound { (io + 12, il4) } else { (io + 16, il4 + 2) };
    // The quoted header's checksum is updated, not recomputed: one that arrived wrong (only with
    // `icmp-csum-unchecked`) stays wrong by the same amount, as Linux leaves it.
    let header_csum = update32(rd16(f, io + 10), rd32(f, addr_at), u32::from(addr));
    wr16(f, io + 10, header_csum);
    let quoted_csum = match inner.proto {
        ip_proto::TCP if f.len() >= il4 + 18 => Some(il4 + 16),
        ip_proto::UDP if f.len() >= il4 + 8 && rd16(f, il4 + 6) != 0 => Some(il4 + 6),
        _ => None,
    }
    .filter(|_| !bad);
    rewrite_addr(f, addr_at, addr, quoted_csum);
    if inner.proto == ip_proto::ICMP {
        rewrite_port_or_id(f, il4 + 4, port, Some(il4 + 2));
    } else {
        rewrite_port_or_id(f, port_at, port, quoted_csum);
    }
}

/// Recomputes an ICMP checksum over the whole message.
fn fix_icmp(f: &mut [u8], l4: usize, end: usize) {
    wr16(f, l4 + 2, 0);
    let c = internet_checksum(&f[l4..end.min(f.len())]);
    wr16(f, l4 + 2, c);
}
