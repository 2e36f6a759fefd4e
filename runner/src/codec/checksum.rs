//! Internet checksums: computation, validity checks used by the matcher, and
//! RFC 1624 incremental updates used by the simulated NAT.
//!
//! Sums are computed with [`etherparse::checksum::Sum16BitWords`].

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use etherparse::checksum::Sum16BitWords;

use super::ip_proto;

/// The addresses of the IP pseudo-header that TCP, UDP and ICMPv6 checksums cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PseudoHeader {
    /// IPv4 source and destination.
    V4 {
        /// Source address.
        src: Ipv4Addr,
        /// Destination address.
        dst: Ipv4Addr,
    },
    /// IPv6 source and destination.
    V6 {
        /// Source address.
        src: Ipv6Addr,
        /// Destination address.
        dst: Ipv6Addr,
    },
}

impl PseudoHeader {
    /// Builds a pseudo-header from two addresses of the same family, or `None`.
    pub fn from_addrs(src: IpAddr, dst: IpAddr) -> Option<Self> {
        match (src, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => Some(PseudoHeader::V4 { src, dst }),
            (IpAddr::V6(src), IpAddr::V6(dst)) => Some(PseudoHeader::V6 { src, dst }),
            _ => None,
        }
    }

    /// True for an IPv4 pseudo-header.
    pub fn is_v4(&self) -> bool {
        matches!(self, PseudoHeader::V4 { .. })
    }

    /// The pseudo-header's contribution to the sum for `protocol` and `len`.
    fn sum(&self, protocol: u8, len: usize) -> Sum16BitWords {
        match self {
            PseudoHeader::V4 { src, dst } => Sum16BitWords::new()
                .add_slice(&src.octets())
                .add_slice(&dst.octets())
                .add_2bytes([0, protocol])
                .add_2bytes((len as u16).to_be_bytes()),
            PseudoHeader::V6 { src, dst } => Sum16BitWords::new()
                .add_slice(&src.octets())
                .add_slice(&dst.octets())
                .add_slice(&(len as u32).to_be_bytes())
                .add_slice(&[0, 0, 0, protocol]),
        }
    }
}

/// One's complement of the one's complement sum of `data` (the value to write
/// into a checksum field that was zero while summing).
pub fn internet_checksum(data: &[u8]) -> u16 {
    Sum16BitWords::new().add_slice(data).ones_complement().to_be()
}

/// Checksum of a TCP/UDP/ICMPv6 message with the pseudo-header; the message's
/// own checksum field must be zero while computing.
pub fn pseudo_checksum(ph: &PseudoHeader, protocol: u8, message: &[u8]) -> u16 {
    ph.sum(protocol, message.len())
        .add_slice(message)
        .ones_complement()
        .to_be()
}

/// True when the one's complement sum of `data` (checksum field included) is 0xffff.
fn sums_to_ones(sum: Sum16BitWords) -> bool {
    sum.ones_complement() == 0
}

/// Is the IPv4 header checksum valid? `header` is the whole header (IHL*4 bytes).
pub fn ipv4_header_valid(header: &[u8]) -> bool {
    sums_to_ones(Sum16BitWords::new().add_slice(header))
}

/// Is the TCP checksum of `segment` (header + payload) valid?
pub fn tcp_valid(ph: &PseudoHeader, segment: &[u8]) -> bool {
    segment.len() >= 20 && sums_to_ones(ph.sum(ip_proto::TCP, segment.len()).add_slice(segment))
}

/// Is the UDP checksum of `datagram` valid? Over IPv4 a zero checksum means
/// "none" and is valid; over IPv6 zero is wrong.
pub fn udp_valid(ph: &PseudoHeader, datagram: &[u8]) -> bool {
    if datagram.len() < 8 {
        return false;
    }
    if datagram[6] == 0 && datagram[7] == 0 {
        return ph.is_v4();
    }
    sums_to_ones(ph.sum(ip_proto::UDP, datagram.len()).add_slice(datagram))
}

/// Is the ICMP (IPv4) checksum over the whole `message` valid?
pub fn icmpv4_valid(message: &[u8]) -> bool {
    message.len() >= 4 && sums_to_ones(Sum16BitWords::new().add_slice(message))
}

/// Is the ICMPv6 checksum over the whole `message` (with pseudo-header) valid?
pub fn icmpv6_valid(ph: &PseudoHeader, message: &[u8]) -> bool {
    message.len() >= 4 && sums_to_ones(ph.sum(ip_proto::ICMPV6, message.len()).add_slice(message))
}

/// Validity of the IPv4 header checksum of a packet quoted in an ICMP error:
/// `None` when `quoted` is not an IPv4 packet or its header is truncated.
pub fn quoted_ipv4_header_valid(quoted: &[u8]) -> Option<bool> {
    let first = *quoted.first()?;
    if first >> 4 != 4 {
        return None;
    }
    let hlen = usize::from(first & 0x0f) * 4;
    if hlen < 20 || quoted.len() < hlen {
        return None;
    }
    Some(ipv4_header_valid(&quoted[..hlen]))
}

/// Folds a 32-bit one's complement accumulator to 16 bits.
fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// RFC 1624 (eqn. 3) incremental update: the new checksum after one 16-bit
/// word covered by `old_csum` changed from `old_word` to `new_word`.
pub fn update16(old_csum: u16, old_word: u16, new_word: u16) -> u16 {
    let sum = u32::from(!old_csum) + u32::from(!old_word) + u32::from(new_word);
    !fold(sum)
}

/// RFC 1624 incremental update for a changed 32-bit value (e.g. an IPv4
/// address): applies [`update16`] to both halves.
pub fn update32(old_csum: u16, old_value: u32, new_value: u32) -> u16 {
    let c = update16(old_csum, (old_value >> 16) as u16, (new_value >> 16) as u16);
    update16(c, old_value as u16, new_value as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A UDP-like message: ports at 0..4, checksum at 6..8, data after.
    fn udp_bytes(sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&sport.to_be_bytes());
        v.extend_from_slice(&dport.to_be_bytes());
        v.extend_from_slice(&((8 + data.len()) as u16).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
        v.extend_from_slice(data);
        v
    }

    #[test]
    fn known_ipv4_header_checksum() {
        // Classic example header (checksum 0xb861).
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
            0x00, 0xc7,
        ];
        assert!(ipv4_header_valid(&h));
        let mut z = h;
        z[10] = 0;
        z[11] = 0;
        assert_eq!(internet_checksum(&z), 0xb861);
        z[10] = 0xb8;
        z[11] = 0x62;
        assert!(!ipv4_header_valid(&z));
        assert_eq!(quoted_ipv4_header_valid(&h), Some(true));
        assert_eq!(quoted_ipv4_header_valid(&h[..10]), None);
    }

    #[test]
    fn udp_zero_checksum_rules() {
        let v4 = PseudoHeader::V4 {
            src: Ipv4Addr::new(10, 0, 0, 1),
            dst: Ipv4Addr::new(10, 0, 0, 2),
        };
        let v6 = PseudoHeader::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: Ipv6Addr::LOCALHOST,
        };
        let d = udp_bytes(1, 2, b"abc");
        assert!(udp_valid(&v4, &d));
        assert!(!udp_valid(&v6, &d));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        /// NAT rewrite of the source address and port: the incremental update
        /// equals a full recomputation.
        #[test]
        fn rfc1624_matches_recompute(
            src in any::<u32>(), dst in any::<u32>(), new_src in any::<u32>(),
            sport in any::<u16>(), new_sport in any::<u16>(), dport in any::<u16>(),
            data in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let ph = |s: u32| PseudoHeader::V4 { src: Ipv4Addr::from(s), dst: Ipv4Addr::from(dst) };
            let old = udp_bytes(sport, dport, &data);
            let old_csum = pseudo_checksum(&ph(src), ip_proto::UDP, &old);
            let new = udp_bytes(new_sport, dport, &data);
            let fresh = pseudo_checksum(&ph(new_src), ip_proto::UDP, &new);
            let inc = update16(update32(old_csum, src, new_src), sport, new_sport);
            prop_assert_eq!(inc, fresh);
        }

        /// Incremental update of an IPv4 header checksum after a TTL/address change.
        #[test]
        fn rfc1624_ipv4_header(mut h in proptest::array::uniform20(any::<u8>()), new_word in any::<u16>(), at in 0usize..10) {
            h[10] = 0; h[11] = 0;
            let c = internet_checksum(&h);
            let i = at * 2;
            let old_word = u16::from_be_bytes([h[i], h[i + 1]]);
            if i == 10 { return Ok(()); }
            h[i..i + 2].copy_from_slice(&new_word.to_be_bytes());
            prop_assert_eq!(update16(c, old_word, new_word), internet_checksum(&h));
        }
    }
}
