//! Raw-byte access to the headers the simulated gateway rewrites.

use std::net::{Ipv4Addr, Ipv6Addr};

/// Big-endian 16-bit read (0 when out of range).
pub fn rd16(b: &[u8], i: usize) -> u16 {
    b.get(i..i + 2).map_or(0, |s| u16::from_be_bytes([s[0], s[1]]))
}

/// Big-endian 32-bit read (0 when out of range).
pub fn rd32(b: &[u8], i: usize) -> u32 {
    b.get(i..i + 4)
        .map_or(0, |s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

/// Big-endian 16-bit write (ignored when out of range).
pub fn wr16(b: &mut [u8], i: usize, v: u16) {
    if let Some(s) = b.get_mut(i..i + 2) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

/// Big-endian 32-bit write (ignored when out of range).
pub fn wr32(b: &mut [u8], i: usize, v: u32) {
    if let Some(s) = b.get_mut(i..i + 4) {
        s.copy_from_slice(&v.to_be_bytes());
    }
}

/// What the gateway reads of an Ethernet header: the addresses, the EtherType (past one VLAN
/// tag) and where the IP header starts.
#[derive(Clone, Copy, Debug)]
pub struct L2 {
    pub dst: [u8; 6],
    pub src: [u8; 6],
    pub ethertype: u16,
    /// Offset of the layer-3 header.
    pub l3: usize,
}

impl L2 {
    /// Parses the Ethernet header (one VLAN tag skipped).
    pub fn parse(f: &[u8]) -> Option<L2> {
        if f.len() < 14 {
            return None;
        }
        let mut et = rd16(f, 12);
        let mut l3 = 14;
        if et == 0x8100 {
            if f.len() < 18 {
                return None;
            }
            et = rd16(f, 16);
            l3 = 18;
        }
        Some(L2 {
            dst: f[0..6].try_into().ok()?,
            src: f[6..12].try_into().ok()?,
            ethertype: et,
            l3,
        })
    }
}

/// The IPv4 header fields the gateway uses.
#[derive(Clone, Copy, Debug)]
pub struct Ip4 {
    pub ihl: usize,
    pub total_len: usize,
    pub ttl: u8,
    pub proto: u8,
    pub src: Ipv4Addr,
    pub dst: Ipv4Addr,
    /// Fragment offset (8-byte units).
    pub frag: u16,
    /// More fragments follow.
    pub mf: bool,
}

impl Ip4 {
    /// Parses an IPv4 header at `o`; `None` when it is not a whole, sane header.
    pub fn parse(f: &[u8], o: usize) -> Option<Ip4> {
        let ip = Self::parse_header(f, o)?;
        let claimed = usize::from(rd16(f, o + 2));
        (claimed >= ip.ihl && claimed <= ip.total_len).then_some(Ip4 {
            total_len: claimed,
            ..ip
        })
    }

    /// Parses the IPv4 header an ICMP error quotes at `o`: its total length is what was quoted,
    /// which may be less than the length it claims.
    pub fn parse_quoted(f: &[u8], o: usize) -> Option<Ip4> {
        Self::parse_header(f, o).filter(|ip| ip.total_len >= ip.ihl + 4)
    }

    /// The header at `o`, its total length taken as everything from `o` to the end of `f`.
    fn parse_header(f: &[u8], o: usize) -> Option<Ip4> {
        let h = f.get(o..)?;
        if h.len() < 20 || h[0] >> 4 != 4 {
            return None;
        }
        let ihl = usize::from(h[0] & 0xf) * 4;
        (ihl >= 20).then(|| Ip4 {
            ihl,
            total_len: h.len(),
            ttl: h[8],
            proto: h[9],
            src: Ipv4Addr::new(h[12], h[13], h[14], h[15]),
            dst: Ipv4Addr::new(h[16], h[17], h[18], h[19]),
            frag: rd16(h, 6) & 0x1fff,
            mf: h[6] & 0x20 != 0,
        })
    }
}

/// The IPv6 header fields the gateway uses.
#[derive(Clone, Copy, Debug)]
pub struct Ip6 {
    pub payload_len: usize,
    pub next: u8,
    pub hlim: u8,
    pub src: Ipv6Addr,
    pub dst: Ipv6Addr,
}

impl Ip6 {
    /// Parses an IPv6 header at `o`, with all the payload it claims.
    pub fn parse(f: &[u8], o: usize) -> Option<Ip6> {
        Self::parse_header(f, o, 40).filter(|ip| 40 + ip.payload_len <= f.len() - o)
    }

    /// Parses the IPv6 header an ICMPv6 error quotes at `o` (its payload may be cut short, but
    /// not its first four bytes).
    pub fn parse_prefix(f: &[u8], o: usize) -> Option<Ip6> {
        Self::parse_header(f, o, 44)
    }

    /// The header at `o` when at least `min_len` bytes are there from `o` on.
    fn parse_header(f: &[u8], o: usize, min_len: usize) -> Option<Ip6> {
        let h = f.get(o..)?;
        if h.len() < min_len || h[0] >> 4 != 6 {
            return None;
        }
        let a = |i: usize| -> Ipv6Addr { Ipv6Addr::from(<[u8; 16]>::try_from(&h[i..i + 16]).unwrap_or([0; 16])) };
        Some(Ip6 {
            payload_len: usize::from(rd16(h, 4)),
            next: h[6],
            hlim: h[7],
            src: a(8),
            dst: a(24),
        })
    }
}
