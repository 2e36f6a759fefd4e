//! IPv4 fragmentation (RFC 791 §3.2): a frame cut into fragments that each carry at most a given
//! number of data bytes. Used for the sends that ask for fragments and by the simulated gateway
//! on a link with a smaller MTU.

use super::checksum::internet_checksum;
use super::frame::MIN_FRAME_LEN;
use super::{EthernetRepr, Ipv4Repr, WireError, ethertype};

/// The options of an IPv4 header that every fragment carries (those with the "copied" flag),
/// padded with EOL to a multiple of four bytes.
fn copied_options(options: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < options.len() {
        let kind = options[i];
        match kind {
            0 => break,
            1 => i += 1,
            _ => {
                let len = usize::from(*options.get(i + 1).unwrap_or(&0)).max(2);
                let end = (i + len).min(options.len());
                if kind & 0x80 != 0 {
                    out.extend_from_slice(&options[i..end]);
                }
                i = end;
            }
        }
    }
    out.resize(out.len().div_ceil(4) * 4, 0);
    out
}

/// Cuts the IPv4 frame `frame` into fragments of at most `piece` data bytes each (rounded down to
/// a multiple of 8), in order. The first fragment keeps every IP option, the others only the
/// copied ones; each gets its own length, flags, offset and header checksum. A frame that already
/// is a fragment is cut relative to its own offset. A frame whose data fits in one piece comes
/// back as it is.
pub fn split_ipv4(frame: &[u8], piece: usize) -> Result<Vec<Vec<u8>>, WireError> {
    let eth = EthernetRepr::parse(frame)?;
    if eth.ethertype != ethertype::IPV4 {
        return Err(WireError::malformed(
            "fragmentation",
            "only IPv4 datagrams are fragmented",
        ));
    }
    let piece = piece / 8 * 8;
    if piece == 0 {
        return Err(WireError::malformed(
            "fragmentation",
            "a fragment carries at least 8 data bytes",
        ));
    }
    let l2 = &frame[..eth.header_len()];
    let l3 = &frame[eth.header_len()..];
    let ip = Ipv4Repr::parse(l3)?;
    let hlen = ip.header_len();
    let end = usize::from(ip.total_len).clamp(hlen, l3.len());
    let data = &l3[hlen..end];
    if data.len() <= piece {
        return Ok(vec![frame.to_vec()]);
    }
    let later_options = copied_options(&ip.options);
    let mut out = Vec::new();
    for (i, chunk) in data.chunks(piece).enumerate() {
        let first = i == 0;
        let more = (i + 1) * piece < data.len() || ip.mf;
        let mut header = if first {
            l3[..hlen].to_vec()
        } else {
            let mut h = l3[..20].to_vec();
            h.extend_from_slice(&later_options);
            h[0] = 0x40 | (h.len() / 4) as u8;
            h
        };
        let total = u16::try_from(header.len() + chunk.len()).map_err(|_| WireError::TooLong {
            what: "ipv4 fragment",
            len: header.len() + chunk.len(),
            max: 65535,
        })?;
        let offset = ip.frag_offset + (i * piece / 8) as u16;
        if offset > 0x1fff {
            return Err(WireError::malformed("fragmentation", "fragment offset past 13 bits"));
        }
        header[2..4].copy_from_slice(&total.to_be_bytes());
        let flags = (u16::from(ip.df) << 14) | (u16::from(more) << 13);
        header[6..8].copy_from_slice(&(flags | offset).to_be_bytes());
        header[10..12].copy_from_slice(&[0, 0]);
        let c = internet_checksum(&header);
        header[10..12].copy_from_slice(&c.to_be_bytes());
        let mut f = [l2, &header, chunk].concat();
        f.resize(f.len().max(MIN_FRAME_LEN), 0);
        out.push(f);
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::reassembly::Reassembler;
    use crate::codec::{FrameRepr, Mac, Net, Transport, UdpRepr};
    use std::net::Ipv4Addr;

    /// A DF=0 UDP datagram (IP id 7) of `len` data bytes with these IPv4 options, as one frame.
    pub(crate) fn udp(len: usize, options: Vec<u8>) -> Vec<u8> {
        let eth = EthernetRepr {
            dst: Mac([2, 0, 0, 0, 0, 1]),
            src: Mac([2, 0, 0, 0, 0, 2]),
            ethertype: ethertype::IPV4,
            vlan: None,
        };
        let mut ip = Ipv4Repr::to_emit(Ipv4Addr::new(192, 168, 0, 100), Ipv4Addr::new(203, 0, 113, 9), 17, 0);
        ip.id = 7;
        ip.df = false;
        ip.options = options;
        let data = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        FrameRepr::new(eth, Net::Ipv4(ip), Transport::Udp(UdpRepr::new(5000, 9)), data)
            .to_bytes()
            .unwrap()
    }

    #[test]
    fn fragments_are_valid_and_reassemble_to_the_datagram() {
        let whole = udp(3000, vec![]);
        let parts = split_ipv4(&whole, 1480).unwrap();
        assert_eq!(parts.len(), 3);
        for (i, p) in parts.iter().enumerate() {
            let f = FrameRepr::parse(p);
            let Net::Ipv4(ip) = &f.net else { panic!("not ipv4") };
            assert_eq!(f.checksums.ip, Some(true));
            assert_eq!(usize::from(ip.frag_offset) * 8, i * 1480);
            assert_eq!(ip.mf, i < 2);
            assert_eq!(ip.id, 7);
            assert!(usize::from(ip.total_len) <= 20 + 1480);
        }
        let mut r = Reassembler::new();
        let got = parts.iter().enumerate().rev().find_map(|(i, p)| r.push(p, i)).unwrap();
        assert_eq!(got.frame, whole);
    }

    #[test]
    fn later_fragments_carry_only_the_copied_options() {
        // Security-like option 130 (copied, 4 bytes incl. padding: 130,4,0,0), then Record
        // Route (7, not copied) with room for one address.
        let whole = udp(100, vec![130, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]);
        let parts = split_ipv4(&whole, 64).unwrap();
        assert_eq!(parts.len(), 2);
        let first = Ipv4Repr::parse(&parts[0][14..]).unwrap();
        let second = Ipv4Repr::parse(&parts[1][14..]).unwrap();
        assert_eq!(first.options.len(), 12);
        assert_eq!(second.options, vec![130, 4, 0, 0]);
        let mut r = Reassembler::new();
        assert!(r.push(&parts[1], 1).is_none());
        assert_eq!(r.push(&parts[0], 0).unwrap().frame, whole);
    }

    #[test]
    fn small_datagrams_and_other_frames() {
        let small = udp(100, vec![]);
        assert_eq!(split_ipv4(&small, 1480).unwrap(), vec![small.clone()]);
        assert!(split_ipv4(&small, 4).is_err());
        let mut arp = small.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        assert!(split_ipv4(&arp, 64).is_err());
        assert!(split_ipv4(&small[..20], 64).is_err());
    }
}
