//! The gateway's IPv4 defragmentation before NAT, as Linux's conntrack does it: fragments are
//! held until their datagram is whole, in whatever order they arrive (RFC 4787 REQ-14), and the
//! translated datagram leaves cut again to its largest fragment's size. The `frag-order-drop`
//! quirk drops a fragment that arrives before its datagram's first fragment, as trackers that
//! need the transport header first do.

use crate::codec::Ipv4Repr;
use crate::codec::reassembly::Reassembler;
use std::collections::HashSet;
use std::net::Ipv4Addr;

/// Datagrams whose first fragment the quirk remembers; beyond this the oldest are forgotten.
const FIRST_SEEN_MAX: usize = 1024;

/// Fragments held per side until their datagram is whole.
#[derive(Debug, Default)]
pub struct Defrag {
    reassembly: [Reassembler; 2],
    first_seen: HashSet<(Ipv4Addr, Ipv4Addr, u8, u16)>,
}

/// A datagram put back together, and the size to cut it to again.
pub struct Whole {
    /// The whole frame.
    pub frame: Vec<u8>,
    /// The most data bytes one of its fragments carried.
    pub piece: usize,
}

impl Defrag {
    /// Takes a fragment that entered on side `side` (0 LAN, 1 WAN): the whole datagram when this
    /// fragment completes it. With `order_drop` (the quirk), a fragment that comes before its
    /// datagram's first fragment is dropped.
    pub fn push(&mut self, side: usize, frame: &[u8], l3: usize, order_drop: bool) -> Option<Whole> {
        let ip = Ipv4Repr::parse(frame.get(l3..)?).ok()?;
        let key = (ip.src, ip.dst, ip.protocol, ip.id);
        if order_drop {
            if ip.frag_offset == 0 {
                if self.first_seen.len() >= FIRST_SEEN_MAX {
                    self.first_seen.clear();
                }
                self.first_seen.insert(key);
            } else if !self.first_seen.contains(&key) {
                return None;
            }
        }
        let d = self.reassembly[side].push(frame, 0)?;
        self.first_seen.remove(&key);
        Some(Whole {
            frame: d.frame,
            piece: d.largest_piece,
        })
    }
}
