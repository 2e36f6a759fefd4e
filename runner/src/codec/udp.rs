//! UDP header (RFC 768).

use etherparse::UdpHeader;

use super::checksum::{PseudoHeader, pseudo_checksum};
use super::{WireError, ip_proto};

/// Values to write instead of the computed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct UdpOverrides {
    /// Checksum to write instead of the computed one (`Some(0)` over IPv4 means "none").
    pub checksum: Option<u16>,
    /// Length to write instead of 8 + payload length.
    pub length: Option<u16>,
}

/// A UDP header. `parse` keeps the observed `length` and `checksum`; `emit`
/// computes both unless `overrides` say otherwise. Over IPv4 a zero checksum
/// means "no checksum".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UdpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Length as written (header + payload).
    pub length: u16,
    /// Checksum as written.
    pub checksum: u16,
    /// Emit-time overrides (parse leaves them `None`).
    pub overrides: UdpOverrides,
}

impl UdpRepr {
    /// Header length.
    pub const HEADER_LEN: usize = 8;

    /// A header with the given ports.
    pub fn new(src_port: u16, dst_port: u16) -> Self {
        UdpRepr {
            src_port,
            dst_port,
            length: 0,
            checksum: 0,
            overrides: UdpOverrides::default(),
        }
    }

    /// Parses the 8-byte header at the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let (h, _) = UdpHeader::from_slice(bytes).map_err(|_| WireError::truncated("udp", 8, bytes.len()))?;
        Ok(UdpRepr {
            src_port: h.source_port,
            dst_port: h.destination_port,
            length: h.length,
            checksum: h.checksum,
            overrides: UdpOverrides::default(),
        })
    }

    /// The datagram (header + `payload`) with length and checksum computed
    /// unless overridden. A computed checksum of 0 is sent as 0xffff.
    pub fn to_bytes(&self, ph: &PseudoHeader, payload: &[u8]) -> Result<Vec<u8>, WireError> {
        let mut d = Vec::with_capacity(Self::HEADER_LEN + payload.len());
        self.emit(ph, payload, &mut d)?;
        Ok(d)
    }

    /// Appends the datagram (header + `payload`) to `buf`, the checksum computed in place.
    pub fn emit(&self, ph: &PseudoHeader, payload: &[u8], buf: &mut Vec<u8>) -> Result<(), WireError> {
        let len = Self::HEADER_LEN + payload.len();
        let length = match self.overrides.length {
            Some(l) => l,
            None => u16::try_from(len).map_err(|_| WireError::TooLong {
                what: "udp length",
                len,
                max: 65535,
            })?,
        };
        let h = UdpHeader {
            source_port: self.src_port,
            destination_port: self.dst_port,
            length,
            checksum: self.overrides.checksum.unwrap_or(0),
        };
        let start = buf.len();
        buf.extend_from_slice(&h.to_bytes());
        buf.extend_from_slice(payload);
        if self.overrides.checksum.is_none() {
            let c = match pseudo_checksum(ph, ip_proto::UDP, &buf[start..]) {
                0 => 0xffff,
                c => c,
            };
            buf[start + 6..start + 8].copy_from_slice(&c.to_be_bytes());
        }
        Ok(())
    }

    /// A copy with `length` and `checksum` set to what `emit` writes.
    pub fn filled(&self, ph: &PseudoHeader, payload: &[u8]) -> Self {
        let mut r = self.clone();
        if let Ok(d) = self.to_bytes(ph, payload) {
            r.length = u16::from_be_bytes([d[4], d[5]]);
            r.checksum = u16::from_be_bytes([d[6], d[7]]);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::codec::checksum::udp_valid;

    fn ph4() -> PseudoHeader {
        PseudoHeader::V4 {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(8, 8, 8, 8),
        }
    }

    #[test]
    fn round_trip_and_checksum() {
        let payload = b"\x12\x34\x01\x00\x00\x01";
        let r = UdpRepr::new(5353, 53).filled(&ph4(), payload);
        let d = r.to_bytes(&ph4(), payload).unwrap();
        assert_eq!(UdpRepr::parse(&d).unwrap(), r);
        assert_eq!(r.length, 14);
        let expect = etherparse::UdpHeader::from_slice(&d)
            .unwrap()
            .0
            .calc_checksum_ipv4_raw([10, 0, 0, 1], [8, 8, 8, 8], payload)
            .unwrap();
        assert_eq!(r.checksum, expect);
        assert!(udp_valid(&ph4(), &d));
        let mut flipped = d.clone();
        flipped[9] ^= 0x10;
        assert!(!udp_valid(&ph4(), &flipped));
    }

    #[test]
    fn ipv6_and_zero_checksum() {
        let ph6 = PseudoHeader::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::UNSPECIFIED,
        };
        let d = UdpRepr::new(1, 2).to_bytes(&ph6, b"x").unwrap();
        assert!(udp_valid(&ph6, &d));
        let mut none = UdpRepr::new(1, 2);
        none.overrides.checksum = Some(0);
        assert!(udp_valid(&ph4(), &none.to_bytes(&ph4(), b"x").unwrap()));
        assert!(!udp_valid(&ph6, &none.to_bytes(&ph6, b"x").unwrap()));
    }

    #[test]
    fn length_override_and_truncation() {
        let mut r = UdpRepr::new(1, 2);
        r.overrides.length = Some(100);
        let d = r.to_bytes(&ph4(), b"abc").unwrap();
        assert_eq!(UdpRepr::parse(&d).unwrap().length, 100);
        assert!(UdpRepr::parse(&d[..7]).is_err());
    }
}
