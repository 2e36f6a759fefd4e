//! Checksums of ICMP errors before they are translated or let through (docs/ipv6-filter.md,
//! docs/netns.md "ICMP errors with bad checksums"). RFC 5508 REQ-3: an ICMP error whose ICMP
//! checksum fails is dropped, and so is one whose quoted IPv4 header checksum fails (REQ-3 a);
//! the quoted transport checksum is not checked (REQ-3 c). The IPv6 filter applies the same rule
//! to ICMPv6 errors: it matches them against its state by the packet they quote.

use super::Quirk;
use super::profile::Profile;
use crate::codec::checksum::{PseudoHeader, icmpv4_valid, icmpv6_valid, quoted_ipv4_header_valid};
use std::net::Ipv6Addr;

/// Whether the ICMPv4 error in `message` (from its type byte to the end of the IP packet) may be
/// translated: its checksum and the quoted IPv4 header's checksum are valid, or the profile does
/// not check them ([`Quirk::IcmpCsumUnchecked`]).
pub fn icmp4_error_intact(message: &[u8], profile: &Profile) -> bool {
    profile.has(Quirk::IcmpCsumUnchecked)
        || (icmpv4_valid(message) && message.get(8..).and_then(quoted_ipv4_header_valid) == Some(true))
}

/// Whether the ICMPv6 error in `message` (from its type byte to the end of the IPv6 payload) may
/// be let through: its checksum over the pseudo-header is valid, or the profile does not check it.
pub fn icmp6_error_intact(message: &[u8], src: Ipv6Addr, dst: Ipv6Addr, profile: &Profile) -> bool {
    profile.has(Quirk::IcmpCsumUnchecked) || icmpv6_valid(&PseudoHeader::V6 { src, dst }, message)
}
