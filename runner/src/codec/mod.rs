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
pub mod ip_proto;
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

/// Lowercase hex rendering of bytes, e.g. `0a8a3c`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What `emit` appends to an empty buffer made with room for `capacity` bytes: the `to_bytes` of
/// every repr whose emitting can fail.
pub(crate) fn emitted(
    capacity: usize,
    emit: impl FnOnce(&mut Vec<u8>) -> Result<(), WireError>,
) -> Result<Vec<u8>, WireError> {
    let mut v = Vec::with_capacity(capacity);
    emit(&mut v)?;
    Ok(v)
}

/// Reads a big-endian u16 at `at`; the caller guarantees the bounds.
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Reads a big-endian u32 at `at`; the caller guarantees the bounds.
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
