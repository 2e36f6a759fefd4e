//! Ethernet II header with an optional 802.1Q VLAN tag, and the [`Mac`] address type.

use std::fmt;
use std::str::FromStr;

use etherparse::{EtherType, Ethernet2Header, SingleVlanHeader, VlanId, VlanPcp};

use super::WireError;

/// EtherType values used by this module.
pub mod ethertype {
    /// IPv4.
    pub const IPV4: u16 = 0x0800;
    /// ARP.
    pub const ARP: u16 = 0x0806;
    /// 802.1Q VLAN tag (C-tag).
    pub const VLAN: u16 = 0x8100;
    /// IPv6.
    pub const IPV6: u16 = 0x86dd;
}

/// An Ethernet MAC address, displayed as `02:00:00:00:01:64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// The broadcast address `ff:ff:ff:ff:ff:ff`.
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    /// The all-zero address.
    pub const ZERO: Mac = Mac([0; 6]);

    /// True for a group (multicast or broadcast) address.
    pub fn is_multicast(&self) -> bool {
        self.0[0] & 1 == 1
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl FromStr for Mac {
    type Err = WireError;

    /// Parses `02:00:00:00:01:64` (also accepts `-` as the separator).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || WireError::malformed("mac", format!("not a MAC address: {s:?}"));
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for byte in out.iter_mut() {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || p.len() > 2 {
                return Err(bad());
            }
            *byte = u8::from_str_radix(p, 16).map_err(|_| bad())?;
        }
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(Mac(out))
    }
}

/// An 802.1Q VLAN tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VlanTag {
    /// Priority code point (0..=7).
    pub pcp: u8,
    /// Drop eligible indicator.
    pub dei: bool,
    /// VLAN identifier (0..=4095).
    pub vid: u16,
}

/// An Ethernet II header, optionally with one 802.1Q tag.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EthernetRepr {
    /// Destination MAC.
    pub dst: Mac,
    /// Source MAC.
    pub src: Mac,
    /// EtherType of the payload (after the VLAN tag, if any).
    pub ethertype: u16,
    /// The VLAN tag, if the frame carries one.
    pub vlan: Option<VlanTag>,
}

impl EthernetRepr {
    /// Length of an untagged header.
    pub const HEADER_LEN: usize = 14;

    /// Parses the header at the start of `frame`.
    pub fn parse(frame: &[u8]) -> Result<Self, WireError> {
        let (eth, rest) =
            Ethernet2Header::from_slice(frame).map_err(|_| WireError::truncated("ethernet", 14, frame.len()))?;
        let mut repr = EthernetRepr {
            dst: Mac(eth.destination),
            src: Mac(eth.source),
            ethertype: eth.ether_type.0,
            vlan: None,
        };
        if repr.ethertype == ethertype::VLAN {
            let (tag, _) =
                SingleVlanHeader::from_slice(rest).map_err(|_| WireError::truncated("vlan tag", 18, frame.len()))?;
            repr.vlan = Some(VlanTag {
                pcp: tag.pcp.value(),
                dei: tag.drop_eligible_indicator,
                vid: tag.vlan_id.value(),
            });
            repr.ethertype = tag.ether_type.0;
        }
        Ok(repr)
    }

    /// Header length: 14, or 18 with a VLAN tag.
    pub fn header_len(&self) -> usize {
        Self::HEADER_LEN + if self.vlan.is_some() { 4 } else { 0 }
    }

    /// Appends the header to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let outer = if self.vlan.is_some() {
            ethertype::VLAN
        } else {
            self.ethertype
        };
        let eth = Ethernet2Header {
            destination: self.dst.0,
            source: self.src.0,
            ether_type: EtherType(outer),
        };
        buf.extend_from_slice(&eth.to_bytes());
        if let Some(tag) = self.vlan {
            let vlan = SingleVlanHeader {
                pcp: VlanPcp::try_new(tag.pcp).map_err(|_| WireError::malformed("vlan tag", "pcp > 7"))?,
                drop_eligible_indicator: tag.dei,
                vlan_id: VlanId::try_new(tag.vid).map_err(|_| WireError::malformed("vlan tag", "vid > 4095"))?,
                ether_type: EtherType(self.ethertype),
            };
            buf.extend_from_slice(&vlan.to_bytes());
        }
        Ok(())
    }

    /// The emitted header as bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        super::emitted(self.header_len(), |v| self.emit(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_display_and_parse() {
        let m: Mac = "02:00:00:00:01:64".parse().unwrap();
        assert_eq!(m, Mac([2, 0, 0, 0, 1, 0x64]));
        assert_eq!(m.to_string(), "02:00:00:00:01:64");
        assert!("02:00:00:00:01".parse::<Mac>().is_err());
        assert!("02:00:00:00:01:64:00".parse::<Mac>().is_err());
        assert!("02:00:00:00:01:6g".parse::<Mac>().is_err());
    }

    #[test]
    fn round_trip_plain_and_tagged() {
        let mut r = EthernetRepr {
            dst: Mac::BROADCAST,
            src: Mac([2, 0, 0, 0, 1, 0x64]),
            ethertype: ethertype::IPV6,
            vlan: None,
        };
        let b = r.to_bytes().unwrap();
        assert_eq!(b.len(), 14);
        assert_eq!(EthernetRepr::parse(&b).unwrap(), r);
        r.vlan = Some(VlanTag {
            pcp: 5,
            dei: true,
            vid: 4094,
        });
        let b = r.to_bytes().unwrap();
        assert_eq!(&b[12..16], &[0x81, 0x00, 0xbf, 0xfe]);
        assert_eq!(EthernetRepr::parse(&b).unwrap(), r);
        r.vlan = Some(VlanTag {
            pcp: 8,
            dei: false,
            vid: 1,
        });
        assert!(r.to_bytes().is_err());
    }

    #[test]
    fn truncated() {
        assert!(EthernetRepr::parse(&[0; 13]).is_err());
        let mut b = vec![0u8; 16];
        b[12] = 0x81;
        assert!(EthernetRepr::parse(&b).is_err());
    }
}
