//! ARP for IPv4 over Ethernet (RFC 826).

use std::net::Ipv4Addr;

use etherparse::{ArpEthIpv4Packet, ArpOperation, ArpPacketSlice};

use super::{Mac, WireError};

/// An ARP operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArpOp {
    /// Request (1).
    Request,
    /// Reply (2).
    Reply,
    /// Any other operation code.
    Other(u16),
}

impl ArpOp {
    /// The operation code on the wire.
    pub fn code(self) -> u16 {
        match self {
            ArpOp::Request => 1,
            ArpOp::Reply => 2,
            ArpOp::Other(c) => c,
        }
    }

    /// The operation for a code on the wire.
    pub fn from_code(code: u16) -> Self {
        match code {
            1 => ArpOp::Request,
            2 => ArpOp::Reply,
            c => ArpOp::Other(c),
        }
    }
}

/// An ARP packet for IPv4 over Ethernet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArpRepr {
    /// Operation.
    pub op: ArpOp,
    /// Sender hardware address.
    pub sender_mac: Mac,
    /// Sender protocol address.
    pub sender_ip: Ipv4Addr,
    /// Target hardware address.
    pub target_mac: Mac,
    /// Target protocol address.
    pub target_ip: Ipv4Addr,
}

impl ArpRepr {
    /// Length of an IPv4-over-Ethernet ARP packet.
    pub const LEN: usize = 28;

    /// A request "who has `target_ip`? tell `sender_ip`".
    pub fn request(sender_mac: Mac, sender_ip: Ipv4Addr, target_ip: Ipv4Addr) -> Self {
        ArpRepr {
            op: ArpOp::Request,
            sender_mac,
            sender_ip,
            target_mac: Mac::ZERO,
            target_ip,
        }
    }

    /// The reply to this request from `my_mac` (which owns the requested
    /// address), or `None` if this is not a request.
    pub fn reply_to(&self, my_mac: Mac) -> Option<Self> {
        (self.op == ArpOp::Request).then_some(ArpRepr {
            op: ArpOp::Reply,
            sender_mac: my_mac,
            sender_ip: self.target_ip,
            target_mac: self.sender_mac,
            target_ip: self.sender_ip,
        })
    }

    /// Parses an ARP packet; only Ethernet/IPv4 address types are accepted.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        let slice = ArpPacketSlice::from_slice(bytes).map_err(|e| WireError::malformed("arp", e.to_string()))?;
        let p = slice
            .to_packet()
            .try_eth_ipv4()
            .map_err(|e| WireError::malformed("arp", e.to_string()))?;
        Ok(ArpRepr {
            op: ArpOp::from_code(p.operation.0),
            sender_mac: Mac(p.sender_mac),
            sender_ip: p.sender_ipv4_addr(),
            target_mac: Mac(p.target_mac),
            target_ip: p.target_ipv4_addr(),
        })
    }

    /// Appends the 28-byte packet to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) {
        let p = ArpEthIpv4Packet {
            operation: ArpOperation(self.op.code()),
            sender_mac: self.sender_mac.0,
            sender_ipv4: self.sender_ip.octets(),
            target_mac: self.target_mac.0,
            target_ipv4: self.target_ip.octets(),
        };
        buf.extend_from_slice(&p.to_bytes());
    }

    /// The emitted packet as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(Self::LEN);
        self.emit(&mut v);
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_reply_round_trip() {
        let lan = Mac([2, 0, 0, 0, 1, 0x64]);
        let gw = Mac([2, 0, 0, 0, 0, 1]);
        let req = ArpRepr::request(lan, Ipv4Addr::new(192, 168, 1, 100), Ipv4Addr::new(192, 168, 1, 1));
        let b = req.to_bytes();
        assert_eq!(
            &b[..8],
            &[0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01],
            "htype/ptype/hlen/plen/op"
        );
        assert_eq!(ArpRepr::parse(&b).unwrap(), req);
        let rep = req.reply_to(gw).unwrap();
        assert_eq!(rep.op, ArpOp::Reply);
        assert_eq!(rep.sender_ip, Ipv4Addr::new(192, 168, 1, 1));
        assert_eq!(rep.target_mac, lan);
        assert_eq!(ArpRepr::parse(&rep.to_bytes()).unwrap(), rep);
        assert!(rep.reply_to(gw).is_none());
    }

    #[test]
    fn rejects_truncated_and_non_ipv4() {
        let b = ArpRepr::request(Mac::ZERO, Ipv4Addr::LOCALHOST, Ipv4Addr::LOCALHOST).to_bytes();
        assert!(ArpRepr::parse(&b[..27]).is_err());
        let mut other = b.clone();
        other[5] = 16; // protocol address length 16
        assert!(ArpRepr::parse(&other).is_err());
    }
}
