//! IPv4 reassembly: the fragments of one datagram, arriving in any order, put back together
//! (RFC 791 §3.2). The engine matches patterns against whole datagrams; a gateway may forward a
//! datagram whole or in fragments, and the case should not have to care.
//!
//! Bounded: at most [`MAX_IN_PROGRESS`] datagrams are being put together at once (the oldest is
//! given up when a new one starts), none longer than 65,535 bytes, and a fragment whose data
//! would reach past that is ignored.

use super::checksum::internet_checksum;
use super::{EthernetRepr, Ipv4Repr, ethertype};
use std::collections::VecDeque;
use std::net::Ipv4Addr;

/// Datagrams being put together at once; a new one beyond this gives up the oldest.
pub const MAX_IN_PROGRESS: usize = 64;

/// The largest IPv4 datagram: the total length field is 16 bits.
const MAX_DATAGRAM: usize = 65_535;

/// What identifies the fragments of one datagram (RFC 791: source, destination, protocol, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    protocol: u8,
    id: u16,
}

/// A datagram with some of its fragments in.
#[derive(Debug)]
struct Partial {
    key: Key,
    /// The Ethernet and IP headers of the first fragment (offset 0), once it is in.
    first_headers: Option<(Vec<u8>, usize)>,
    /// The data of each fragment in: (byte offset, bytes).
    pieces: Vec<(usize, Vec<u8>)>,
    /// The data length, once the last fragment (MF=0) is in.
    total: Option<usize>,
    /// The caller's tags of the fragments in, in arrival order.
    tags: Vec<usize>,
    /// The most data bytes one fragment carried.
    largest_piece: usize,
}

impl Partial {
    /// The datagram's bytes when every byte from 0 to the end is covered.
    fn complete(&self) -> Option<Vec<u8>> {
        let total = self.total?;
        let (headers, ip_start) = self.first_headers.as_ref()?;
        let mut spans: Vec<(usize, usize)> = self.pieces.iter().map(|(o, d)| (*o, o + d.len())).collect();
        spans.sort_unstable();
        let mut covered = 0;
        for (start, end) in spans {
            if start > covered {
                return None;
            }
            covered = covered.max(end);
        }
        if covered < total {
            return None;
        }
        let ip_len = headers.len() - ip_start;
        let mut frame = Vec::with_capacity(headers.len() + total);
        frame.extend_from_slice(headers);
        frame.resize(headers.len() + total, 0);
        // Pieces in arrival order: where two overlap, the later one's bytes stand.
        for (offset, data) in &self.pieces {
            let end = (offset + data.len()).min(total);
            if *offset < end {
                frame[headers.len() + offset..headers.len() + end].copy_from_slice(&data[..end - offset]);
            }
        }
        // The IP header of the whole datagram: its length, no MF, offset 0, checksum anew.
        let ip = &mut frame[*ip_start..*ip_start + ip_len];
        let total_len = u16::try_from(ip_len + total).ok()?;
        ip[2..4].copy_from_slice(&total_len.to_be_bytes());
        ip[6] &= 0x40; // keep DF, clear MF and the offset's high bits
        ip[7] = 0;
        ip[10..12].copy_from_slice(&[0, 0]);
        let c = internet_checksum(ip);
        ip[10..12].copy_from_slice(&c.to_be_bytes());
        Some(frame)
    }
}

/// A datagram put back together from its fragments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// The whole frame: the first fragment's Ethernet header, then the datagram.
    pub frame: Vec<u8>,
    /// The caller's tags of the fragments it was made of, in arrival order.
    pub tags: Vec<usize>,
    /// The most data bytes one of its fragments carried (a gateway that forwards the datagram
    /// cuts it again to this size, as Linux does).
    pub largest_piece: usize,
}

/// Puts IPv4 fragments back together; see the module documentation.
#[derive(Debug, Default)]
pub struct Reassembler {
    partial: VecDeque<Partial>,
}

/// The parts of an IPv4 fragment that reassembly needs.
struct Fragment<'a> {
    key: Key,
    /// Byte offset of its data in the datagram.
    offset: usize,
    more: bool,
    /// Everything before the IP payload, and where the IP header starts in it.
    headers: &'a [u8],
    ip_start: usize,
    data: &'a [u8],
}

fn fragment(frame: &[u8]) -> Option<Fragment<'_>> {
    let eth = EthernetRepr::parse(frame).ok()?;
    if eth.ethertype != ethertype::IPV4 {
        return None;
    }
    let ip_start = eth.header_len();
    let l3 = &frame[ip_start..];
    let ip = Ipv4Repr::parse(l3).ok()?;
    if !ip.mf && ip.frag_offset == 0 {
        return None;
    }
    let hlen = ip.header_len();
    let end = usize::from(ip.total_len).clamp(hlen, l3.len());
    Some(Fragment {
        key: Key {
            src: ip.src,
            dst: ip.dst,
            protocol: ip.protocol,
            id: ip.id,
        },
        offset: usize::from(ip.frag_offset) * 8,
        more: ip.mf,
        headers: &frame[..ip_start + hlen],
        ip_start,
        data: &l3[hlen..end],
    })
}

/// Whether `frame` is an IPv4 fragment (MF set or a non-zero offset).
pub fn is_ipv4_fragment(frame: &[u8]) -> bool {
    fragment(frame).is_some()
}

impl Reassembler {
    /// A reassembler with nothing in progress.
    pub fn new() -> Reassembler {
        Reassembler::default()
    }

    /// Takes one frame, named `tag` for the caller. Returns the whole datagram when this frame is
    /// the fragment that completes one; `None` for anything else (not a fragment, a fragment of a
    /// datagram still incomplete, a fragment reaching past 65,535 bytes).
    pub fn push(&mut self, frame: &[u8], tag: usize) -> Option<Datagram> {
        let f = fragment(frame)?;
        if f.offset + f.data.len() > MAX_DATAGRAM - (f.headers.len() - f.ip_start) {
            return None;
        }
        let i = match self.partial.iter().position(|p| p.key == f.key) {
            Some(i) => i,
            None => {
                if self.partial.len() >= MAX_IN_PROGRESS {
                    self.partial.pop_front();
                }
                self.partial.push_back(Partial {
                    key: f.key,
                    first_headers: None,
                    pieces: Vec::new(),
                    total: None,
                    tags: Vec::new(),
                    largest_piece: 0,
                });
                self.partial.len() - 1
            }
        };
        let p = &mut self.partial[i];
        if f.offset == 0 {
            p.first_headers = Some((f.headers.to_vec(), f.ip_start));
        }
        if !f.more {
            p.total = Some(f.offset + f.data.len());
        }
        p.pieces.push((f.offset, f.data.to_vec()));
        p.tags.push(tag);
        p.largest_piece = p.largest_piece.max(f.data.len());
        let frame = p.complete()?;
        let done = self.partial.remove(i)?;
        Some(Datagram {
            frame,
            tags: done.tags,
            largest_piece: done.largest_piece,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::FrameRepr;

    /// A UDP datagram of `len` data bytes as one frame.
    fn whole(len: usize) -> Vec<u8> {
        crate::codec::fragmentation::tests::udp(len, vec![])
    }

    /// `frame` cut into fragments of at most `size` data bytes.
    fn cut(frame: &[u8], size: usize) -> Vec<Vec<u8>> {
        crate::codec::fragmentation::split_ipv4(frame, size).unwrap()
    }

    #[test]
    fn fragments_in_any_order_give_back_the_datagram() {
        let original = whole(3000);
        let parts = cut(&original, 1480);
        assert_eq!(parts.len(), 3);
        for order in [[0, 1, 2], [2, 1, 0], [1, 2, 0], [2, 0, 1]] {
            let mut r = Reassembler::new();
            let mut got = None;
            for (n, &i) in order.iter().enumerate() {
                let out = r.push(&parts[i], i);
                if n < 2 {
                    assert!(out.is_none(), "complete before its last fragment ({order:?})");
                } else {
                    got = out;
                }
            }
            let d = got.expect("the datagram");
            assert_eq!(d.frame, original, "order {order:?}");
            assert_eq!(d.tags, order.to_vec());
            let parsed = FrameRepr::parse(&d.frame);
            assert_eq!(parsed.checksums.ip, Some(true));
            assert_eq!(parsed.checksums.l4, Some(true));
        }
    }

    #[test]
    fn a_missing_fragment_leaves_the_datagram_incomplete() {
        let parts = cut(&whole(3000), 1480);
        let mut r = Reassembler::new();
        assert!(r.push(&parts[2], 2).is_none());
        assert!(r.push(&parts[1], 1).is_none());
        // A duplicate of a fragment already in does not complete it either.
        assert!(r.push(&parts[2], 3).is_none());
        assert!(r.push(&parts[0], 0).is_some());
    }

    #[test]
    fn whole_datagrams_and_other_frames_are_not_taken() {
        let mut r = Reassembler::new();
        assert!(r.push(&whole(100), 0).is_none());
        assert!(!is_ipv4_fragment(&whole(100)));
        assert!(r.push(&[0u8; 10], 1).is_none());
        assert!(r.partial.is_empty());
    }

    #[test]
    fn in_progress_datagrams_are_bounded() {
        let mut r = Reassembler::new();
        for id in 0..(MAX_IN_PROGRESS as u16 + 10) {
            let mut f = cut(&whole(3000), 1480).remove(1);
            f[14 + 4..14 + 6].copy_from_slice(&id.to_be_bytes());
            r.push(&f, 0);
        }
        assert_eq!(r.partial.len(), MAX_IN_PROGRESS);
    }

    #[test]
    fn a_fragment_reaching_past_the_largest_datagram_is_ignored() {
        let mut f = cut(&whole(3000), 1480).remove(2);
        // Offset 8184 units = 65,472 bytes: its data would end past 65,535.
        f[14 + 6..14 + 8].copy_from_slice(&8184u16.to_be_bytes());
        let mut r = Reassembler::new();
        assert!(r.push(&f, 0).is_none());
        assert!(r.partial.is_empty());
    }
}
