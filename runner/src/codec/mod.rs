//! Frame layer: building and parsing Ethernet frames.
//!
//! One file per protocol, in the manner of smoltcp's `src/wire/`: each protocol
//! has a plain `Repr` struct that parses from bytes and emits into bytes.
//! Parsing keeps the values observed on the wire (even when they lie); emitting
//! computes lengths and checksums unless an override asks for a specific value.
//! [`FrameRepr::parse`] decodes a whole frame and never panics.

#![warn(missing_docs)]

pub mod arp;
pub mod checksum;
pub mod error;
pub mod ethernet;
pub mod fragmentation;
pub mod frame;
pub mod icmpv4;
pub mod icmpv6;
pub mod ip_packet;
pub mod ipv4;
pub mod ipv6;
pub mod reassembly;
pub mod tcp;
pub mod tcp_flags;
pub mod tcp_options;
pub mod udp;

#[cfg(test)]
mod proptests;

pub use arp::{ArpOp, ArpRepr};
pub use checksum::PseudoHeader;
pub use error::WireError;
pub use ethernet::{EthernetRepr, Mac, VlanTag, ethertype};
pub use frame::{ChecksumStatus, FrameRepr, Net, Transport};
pub use icmpv4::{Icmpv4Message, Icmpv4Repr};
pub use icmpv6::{Icmpv6Message, Icmpv6Repr};
pub use ip_packet::{InnerIp, IpPacket, QuotedTransport};
pub use ipv4::{Ipv4Overrides, Ipv4Repr};
pub use ipv6::{Ipv6ExtHeader, Ipv6Fragment, Ipv6Overrides, Ipv6Repr};
pub use tcp::{TcpOverrides, TcpRepr};
pub use tcp_flags::TcpFlags;
pub use tcp_options::{TcpOption, TcpOptions};
pub use udp::{UdpOverrides, UdpRepr};

/// IP protocol numbers used by this module.
pub mod ip_proto {
    /// IPv6 hop-by-hop options extension header.
    pub const HOP_BY_HOP: u8 = 0;
    /// Internet Control Message Protocol (IPv4).
    pub const ICMP: u8 = 1;
    /// Transmission Control Protocol.
    pub const TCP: u8 = 6;
    /// User Datagram Protocol.
    pub const UDP: u8 = 17;
    /// IPv6 routing extension header.
    pub const ROUTING: u8 = 43;
    /// IPv6 fragment extension header.
    pub const FRAGMENT: u8 = 44;
    /// Internet Control Message Protocol for IPv6.
    pub const ICMPV6: u8 = 58;
    /// IPv6 "no next header".
    pub const NO_NEXT: u8 = 59;
    /// IPv6 destination options extension header.
    pub const DEST_OPTS: u8 = 60;
}

/// Lowercase hex rendering of bytes, e.g. `0a8a3c`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Reads a big-endian u16 at `at`; the caller guarantees the bounds.
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Reads a big-endian u32 at `at`; the caller guarantees the bounds.
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
