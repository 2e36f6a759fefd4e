//! IP protocol numbers (IANA "Assigned Internet Protocol Numbers"): the IPv4 `protocol` field and
//! the IPv6 `next header` field, including the IPv6 extension headers. The one list the codec,
//! the engine and the simulated gateway read.

/// IPv6 hop-by-hop options extension header.
pub const HOP_BY_HOP: u8 = 0;
/// Internet Control Message Protocol (IPv4).
pub const ICMP: u8 = 1;
/// Internet Group Management Protocol (IPv4 multicast membership).
pub const IGMP: u8 = 2;
/// Transmission Control Protocol.
pub const TCP: u8 = 6;
/// User Datagram Protocol.
pub const UDP: u8 = 17;
/// IPv6 routing extension header.
pub const ROUTING: u8 = 43;
/// IPv6 fragment extension header.
pub const FRAGMENT: u8 = 44;
/// IPsec Encapsulating Security Payload (RFC 4303).
pub const ESP: u8 = 50;
/// IPsec Authentication Header (RFC 4302).
pub const AH: u8 = 51;
/// Internet Control Message Protocol for IPv6.
pub const ICMPV6: u8 = 58;
/// IPv6 "no next header".
pub const NO_NEXT: u8 = 59;
/// IPv6 destination options extension header.
pub const DEST_OPTS: u8 = 60;
/// UDP-Lite (RFC 3828).
pub const UDP_LITE: u8 = 136;
/// Host Identity Protocol (RFC 7401).
pub const HIP: u8 = 139;
