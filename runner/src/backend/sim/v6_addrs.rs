//! The stateless part of the IPv6 filter (docs/ipv6-filter.md): addresses that are never
//! forwarded (RFC 6092 REC-1, REC-3, REC-7) and the interior prefix checks at the site border
//! (REC-5, REC-6).

use super::Quirk;
use super::profile::Profile;
use dsl::plan::Side;
use std::net::Ipv6Addr;

/// An IPv6 prefix: address and length.
pub type Prefix6 = (Ipv6Addr, u8);

/// Prefixes that must not appear as the source or the destination of a forwarded packet:
/// RFC 6092 REC-3 (the blocks RFC 5156 forbids on the public Internet) and REC-7 (unique local
/// addresses stay inside the site by default). Also read by the `netns` lab's ruleset.
pub const FORBIDDEN_V6: [Prefix6; 6] = [
    // IPv4-compatible (deprecated), which also holds the unspecified and loopback addresses.
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96),
    // IPv4-mapped.
    (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96),
    // Site-local (deprecated by RFC 3879).
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10),
    // Documentation.
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32),
    // ORCHID.
    (Ipv6Addr::new(0x2001, 0x10, 0, 0, 0, 0, 0, 0), 28),
    // Unique local (REC-7).
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7),
];

/// Whether `a` lies in the prefix.
pub fn in_prefix(a: Ipv6Addr, (net, len): Prefix6) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len.min(128)))
    };
    u128::from(a) & mask == u128::from(net) & mask
}

/// Whether a packet arriving on `side` must be dropped before any state is consulted: a
/// multicast source (REC-1), a forbidden address (REC-3, REC-7), or a source on the wrong side of
/// the interior prefix `lan` (REC-5 outbound, REC-6 inbound). Quirks switch the checks off.
pub fn forbidden(side: Side, src: Ipv6Addr, dst: Ipv6Addr, lan: Option<Prefix6>, profile: &Profile) -> bool {
    let bogon = |a: Ipv6Addr| FORBIDDEN_V6.iter().any(|p| in_prefix(a, *p));
    if !profile.has(Quirk::V6BogonForwarded) && (src.is_multicast() || bogon(src) || bogon(dst)) {
        return true;
    }
    if src.is_multicast() || bogon(src) || profile.has(Quirk::V6SpoofForwarded) {
        return false;
    }
    match (side, lan) {
        (Side::Lan, Some(p)) => !in_prefix(src, p),
        (Side::Wan, Some(p)) => in_prefix(src, p),
        (_, None) => false,
    }
}
