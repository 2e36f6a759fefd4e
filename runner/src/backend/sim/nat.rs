//! IPv4 NAPT: mappings, port allocation, filtering, timeouts, and the in-place rewriting of
//! TCP, UDP, ICMP queries and ICMP errors with incremental checksum updates (RFC 1624).

use super::Quirk;
use super::bytes::*;
use super::icmp_check::icmp4_error_intact;
use super::profile::Profile;
use crate::codec::checksum::{internet_checksum, update16, update32};
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::Duration;

const TCP: u8 = 6;
const UDP: u8 = 17;
const ICMP: u8 = 1;

#[derive(Clone, Debug, Default)]
struct TcpState {
    syn_out: bool,
    syn_in: bool,
    fin_out: bool,
    fin_in: bool,
    rst: bool,
    /// One past the highest client sequence number forwarded (for [`Quirk::SeqHoleDrop`]).
    next_out: Option<u32>,
}

#[derive(Clone, Debug)]
struct Mapping {
    proto: u8,
    int_addr: Ipv4Addr,
    int_port: u16,
    ext_port: u16,
    /// Symmetric NAT: the one destination this mapping is for.
    remote: Option<(Ipv4Addr, u16)>,
    /// Destinations the client has sent to (for address-and-port-dependent filtering).
    contacted: HashSet<(Ipv4Addr, u16)>,
    last: Duration,
    tcp: TcpState,
}

impl Mapping {
    fn timeout(&self, profile: &Profile) -> Duration {
        match self.proto {
            UDP if profile.has(Quirk::UdpTimeout30s) => Duration::from_secs(30),
            UDP => Duration::from_secs(300),
            ICMP if profile.has(Quirk::IcmpTimeout30s) => Duration::from_secs(30),
            ICMP => Duration::from_secs(60),
            _ => {
                let t = &self.tcp;
                let established = t.syn_out && t.syn_in && !t.rst && !(t.fin_out && t.fin_in);
                if established && profile.has(Quirk::TcpTimeoutShort) {
                    Duration::from_secs(300)
                } else if established {
                    Duration::from_secs(7440)
                } else if profile.has(Quirk::TcpTransitory120s) {
                    Duration::from_secs(120)
                } else {
                    Duration::from_secs(240)
                }
            }
        }
    }
}

/// The key of a mapping seen from the LAN: protocol, internal address and port, and (symmetric
/// NAT only) the destination.
type IntKey = (u8, Ipv4Addr, u16, Option<(Ipv4Addr, u16)>);

/// The mapping table, indexed both ways so that every lookup is O(1).
pub struct Nat {
    maps: HashMap<u64, Mapping>,
    by_int: HashMap<IntKey, u64>,
    by_ext: HashMap<(u8, u16), u64>,
    next_id: u64,
    next_sweep: Duration,
    rng: rand::rngs::StdRng,
    /// The LAN host that unsolicited inbound traffic goes to with [`Quirk::DmzHost`].
    dmz: Option<Ipv4Addr>,
    /// LAN hosts blocked for having tried TCP Fast Open ([`Quirk::TfoBlacklist`]).
    tfo_blocked: HashSet<Ipv4Addr>,
}

/// Offset of the transport checksum to update for a protocol at `l4`: none for a UDP checksum
/// of 0 ("no checksum"), unless the profile corrupts it with [`Quirk::UdpZeroCsum`].
fn csum_at(proto: u8, frame: &[u8], l4: usize, p: &Profile) -> Option<usize> {
    match proto {
        TCP => Some(l4 + 16),
        UDP if rd16(frame, l4 + 6) != 0 || p.has(Quirk::UdpZeroCsum) => Some(l4 + 6),
        _ => None,
    }
}

impl Nat {
    /// An empty table; `dmz` is where [`Quirk::DmzHost`] sends unsolicited inbound traffic.
    pub fn new(rng: rand::rngs::StdRng, dmz: Option<Ipv4Addr>) -> Nat {
        Nat {
            maps: HashMap::new(),
            by_int: HashMap::new(),
            by_ext: HashMap::new(),
            next_id: 0,
            next_sweep: Duration::ZERO,
            rng,
            dmz,
            tfo_blocked: HashSet::new(),
        }
    }

    /// Removes mappings idle longer than their timeout: a sweep at most once per second of
    /// (virtual) time; lookups also check the mapping they find.
    pub fn expire(&mut self, now: Duration, profile: &Profile) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now + Duration::from_secs(1);
        let dead: Vec<u64> = self
            .maps
            .iter()
            .filter(|(_, m)| now.saturating_sub(m.last) > m.timeout(profile))
            .map(|(k, _)| *k)
            .collect();
        for id in dead {
            self.remove(id);
        }
    }

    fn remove(&mut self, id: u64) {
        if let Some(m) = self.maps.remove(&id) {
            self.by_int.remove(&(m.proto, m.int_addr, m.int_port, m.remote));
            self.by_ext.remove(&(m.proto, m.ext_port));
        }
    }

    /// The id if that mapping is live (an expired one is removed).
    fn live(&mut self, id: u64, now: Duration, profile: &Profile) -> Option<u64> {
        let m = self.maps.get(&id)?;
        if now.saturating_sub(m.last) > m.timeout(profile) {
            self.remove(id);
            return None;
        }
        Some(id)
    }

    /// The live mapping that owns an external port.
    fn by_ext_port(&mut self, proto: u8, port: u16, now: Duration, profile: &Profile) -> Option<u64> {
        let id = self.by_ext.get(&(proto, port)).copied()?;
        self.live(id, now, profile)
    }

    /// Whether a live mapping owns this external port.
    pub fn has_mapping(&mut self, proto: u8, port: u16, now: Duration, profile: &Profile) -> bool {
        self.by_ext_port(proto, port, now, profile).is_some()
    }

    fn port_free(&self, proto: u8, p: u16) -> bool {
        !self.by_ext.contains_key(&(proto, p))
    }

    fn allocate(&mut self, proto: u8, wanted: u16, profile: &Profile) -> u16 {
        if !profile.has(Quirk::Symmetric) && wanted != 0 && self.port_free(proto, wanted) {
            return wanted;
        }
        for _ in 0..100_000 {
            let p = if profile.has(Quirk::Symmetric) {
                self.rng.random_range(1024..=65535)
            } else {
                1024 + (wanted.wrapping_add(self.rng.random::<u16>()) % 64512)
            };
            if self.port_free(proto, p) {
                return p;
            }
        }
        wanted
    }

    /// Finds or creates the mapping for an outbound packet; its index.
    fn map_out(
        &mut self,
        proto: u8,
        int: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        now: Duration,
        profile: &Profile,
    ) -> u64 {
        let sym = profile.has(Quirk::Symmetric);
        let key = (proto, int.0, int.1, sym.then_some(remote));
        if let Some(id) = self
            .by_int
            .get(&key)
            .copied()
            .and_then(|id| self.live(id, now, profile))
        {
            return id;
        }
        let ext = self.allocate(proto, int.1, profile);
        let id = self.next_id;
        self.next_id += 1;
        self.by_int.insert(key, id);
        self.by_ext.insert((proto, ext), id);
        self.maps.insert(
            id,
            Mapping {
                proto,
                int_addr: int.0,
                int_port: int.1,
                ext_port: ext,
                remote: sym.then_some(remote),
                contacted: HashSet::new(),
                last: now,
                tcp: TcpState::default(),
            },
        );
        id
    }

    /// Translates a LAN → WAN packet in place; `false` to drop it.
    pub fn outbound(
        &mut self,
        f: &mut [u8],
        l2: &L2,
        ip: &Ip4,
        gw: Ipv4Addr,
        now: Duration,
        profile: &Profile,
    ) -> bool {
        let o = l2.l3;
        let l4 = o + ip.ihl;
        let bad = profile.has(Quirk::BadChecksum);
        if ip.frag != 0 {
            return false;
        }
        match ip.proto {
            TCP | UDP => {
                if f.len() < l4 + if ip.proto == TCP { 20 } else { 8 } {
                    return false;
                }
                // The client's view of the segment, before any quirk rewrites it.
                let seg = (ip.proto == TCP).then(|| tcp_segment(f, o, l4, ip));
                if let Some(s) = seg.filter(|_| profile.has(Quirk::TfoBlacklist)) {
                    if s.flags & 0x12 == 0x02 && self.tfo_blocked.contains(&ip.src) {
                        return false;
                    }
                    if s.flags & 0x02 != 0 && s.len > 0 && s.tfo {
                        self.tfo_blocked.insert(ip.src);
                        return false;
                    }
                }
                if ip.proto == TCP && !tcp_quirks_out(f, o, l4, ip, profile) {
                    return false;
                }
                let (sport, dport) = (rd16(f, l4), rd16(f, l4 + 2));
                let i = self.map_out(ip.proto, (ip.src, sport), (ip.dst, dport), now, profile);
                let Some(m) = self.maps.get_mut(&i) else { return false };
                m.last = now;
                m.contacted.insert((ip.dst, dport));
                if let Some(s) = seg {
                    let end = s.seq.wrapping_add(s.len + u32::from(s.flags & 0x03 != 0));
                    let after = |a: u32, b: u32| (a.wrapping_sub(b) as i32) > 0;
                    if let Some(next) = m.tcp.next_out.filter(|_| profile.has(Quirk::SeqHoleDrop)) {
                        if s.flags & 0x04 == 0 && after(s.seq, next) {
                            return false;
                        }
                    }
                    if m.tcp.next_out.is_none_or(|n| after(end, n)) {
                        m.tcp.next_out = Some(end);
                    }
                }
                if ip.proto == TCP {
                    let flags = f[l4 + 13];
                    m.tcp.syn_out |= flags & 0x02 != 0;
                    m.tcp.fin_out |= flags & 0x01 != 0;
                    m.tcp.rst |= flags & 0x04 != 0;
                }
                let ext = m.ext_port;
                rewrite_addr(f, o + 12, gw, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
                rewrite_port(f, l4, ext, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
                true
            }
            ICMP => {
                if f.len() < l4 + 8 {
                    return false;
                }
                match f[l4] {
                    8 => {
                        let id = rd16(f, l4 + 4);
                        let i = self.map_out(ICMP, (ip.src, id), (ip.dst, 0), now, profile);
                        let Some(m) = self.maps.get_mut(&i) else { return false };
                        m.last = now;
                        m.contacted.insert((ip.dst, 0));
                        let ext = m.ext_port;
                        let c = update16(rd16(f, l4 + 2), id, ext);
                        wr16(f, l4 + 4, ext);
                        if !bad {
                            wr16(f, l4 + 2, c);
                        }
                        rewrite_addr(f, o + 12, gw, None);
                        true
                    }
                    3 | 11 | 12 => {
                        if profile.has(Quirk::NoIcmpErrors) || !icmp4_error_intact(&f[l4..o + ip.total_len], profile) {
                            return false;
                        }
                        // An error from a LAN host about an inbound packet: the quoted packet's
                        // destination is the LAN host; it goes back as the mapping.
                        let Some(inner) = Ip4::parse(f, l4 + 8) else {
                            return false;
                        };
                        let il4 = l4 + 8 + inner.ihl;
                        let (proto, port) = (
                            inner.proto,
                            if inner.proto == ICMP {
                                rd16(f, il4 + 4)
                            } else {
                                rd16(f, il4 + 2)
                            },
                        );
                        let Some(m) = self
                            .maps
                            .values()
                            .find(|m| m.proto == proto && m.int_addr == inner.dst && m.int_port == port)
                        else {
                            return false;
                        };
                        let ext = m.ext_port;
                        rewrite_inner(f, l4, il4, inner, gw, ext, false, bad);
                        rewrite_addr(f, o + 12, gw, None);
                        fix_icmp(f, l4, o + ip.total_len);
                        true
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// Translates a WAN → LAN packet addressed to the gateway in place; the LAN destination, or
    /// `None` to drop it.
    pub fn inbound(&mut self, f: &mut [u8], l2: &L2, ip: &Ip4, now: Duration, profile: &Profile) -> Option<Ipv4Addr> {
        let o = l2.l3;
        let l4 = o + ip.ihl;
        let bad = profile.has(Quirk::BadChecksum);
        if ip.frag != 0 {
            return None;
        }
        let filter_ok = |m: &Mapping, src: (Ipv4Addr, u16)| -> bool {
            match m.remote {
                Some(r) => r == src,
                None if profile.has(Quirk::Apdf) => m.contacted.contains(&src),
                None => true,
            }
        };
        match ip.proto {
            TCP | UDP => {
                if f.len() < l4 + if ip.proto == TCP { 20 } else { 8 } {
                    return None;
                }
                let (sport, dport) = (rd16(f, l4), rd16(f, l4 + 2));
                let Some(i) = self.by_ext_port(ip.proto, dport, now, profile) else {
                    // No mapping: dropped, unless a default DMZ host takes everything.
                    let dmz = self.dmz.filter(|_| profile.has(Quirk::DmzHost))?;
                    rewrite_addr(f, o + 16, dmz, csum_at(ip.proto, f, l4, profile));
                    return Some(dmz);
                };
                if !filter_ok(self.maps.get(&i)?, (ip.src, sport)) {
                    return None;
                }
                if ip.proto == TCP && !tcp_quirks_in(f, o, l4, profile) {
                    return None;
                }
                let m = self.maps.get_mut(&i)?;
                m.last = now;
                if ip.proto == TCP {
                    let flags = f[l4 + 13];
                    m.tcp.syn_in |= flags & 0x02 != 0;
                    m.tcp.fin_in |= flags & 0x01 != 0;
                    m.tcp.rst |= flags & 0x04 != 0;
                }
                let (addr, port) = (m.int_addr, m.int_port);
                rewrite_addr(f, o + 16, addr, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
                rewrite_port(f, l4 + 2, port, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
                Some(addr)
            }
            ICMP => {
                if f.len() < l4 + 8 {
                    return None;
                }
                match f[l4] {
                    0 => {
                        let id = rd16(f, l4 + 4);
                        let i = self.by_ext_port(ICMP, id, now, profile)?;
                        let m = self.maps.get_mut(&i)?;
                        m.last = now;
                        let (addr, port) = (m.int_addr, m.int_port);
                        let c = update16(rd16(f, l4 + 2), id, port);
                        wr16(f, l4 + 4, port);
                        if !bad {
                            wr16(f, l4 + 2, c);
                        }
                        rewrite_addr(f, o + 16, addr, None);
                        Some(addr)
                    }
                    3 | 11 | 12 => {
                        if profile.has(Quirk::NoIcmpErrors) || !icmp4_error_intact(&f[l4..o + ip.total_len], profile) {
                            return None;
                        }
                        let inner = Ip4::parse_quoted(f, l4 + 8)?;
                        let il4 = l4 + 8 + inner.ihl;
                        let port = if inner.proto == ICMP {
                            rd16(f, il4 + 4)
                        } else {
                            rd16(f, il4)
                        };
                        let i = self.by_ext_port(inner.proto, port, now, profile)?;
                        let (addr, int_port) = (self.maps[&i].int_addr, self.maps[&i].int_port);
                        rewrite_inner(f, l4, il4, inner, addr, int_port, true, bad);
                        rewrite_addr(f, o + 16, addr, None);
                        fix_icmp(f, l4, o + ip.total_len);
                        if profile.has(Quirk::IcmpKillsMapping) {
                            self.remove(i);
                        }
                        Some(addr)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

impl Ip4 {
    /// A quoted IPv4 header: its total length may exceed what was quoted.
    pub fn parse_quoted(f: &[u8], o: usize) -> Option<Ip4> {
        let h = f.get(o..)?;
        if h.len() < 20 || h[0] >> 4 != 4 {
            return None;
        }
        let ihl = usize::from(h[0] & 0xf) * 4;
        if ihl < 20 || h.len() < ihl + 4 {
            return None;
        }
        Some(Ip4 {
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

/// Rewrites a 4-byte address at `at`, updating a transport checksum at `csum` (pseudo-header).
fn rewrite_addr(f: &mut [u8], at: usize, new: Ipv4Addr, csum: Option<usize>) {
    let old = rd32(f, at);
    let new = u32::from(new);
    if let Some(c) = csum {
        let v = update32(rd16(f, c), old, new);
        wr16(f, c, v);
    }
    wr32(f, at, new);
}

/// Rewrites a 2-byte port at `at`, updating a transport checksum at `csum`.
fn rewrite_port(f: &mut [u8], at: usize, new: u16, csum: Option<usize>) {
    let old = rd16(f, at);
    if let Some(c) = csum {
        let v = update16(rd16(f, c), old, new);
        wr16(f, c, v);
    }
    wr16(f, at, new);
}

/// Rewrites the quoted packet of an ICMP error: `inbound` = the quote is our outbound packet
/// (its source becomes the LAN client); otherwise its destination becomes the external mapping.
#[allow(clippy::too_many_arguments)]
fn rewrite_inner(
    f: &mut [u8],
    _l4: usize,
    il4: usize,
    inner: Ip4,
    addr: Ipv4Addr,
    port: u16,
    inbound: bool,
    bad: bool,
) {
    let io = il4 - inner.ihl;
    let (addr_at, port_at) = if inbound { (io + 12, il4) } else { (io + 16, il4 + 2) };
    // The quoted header's checksum is updated, not recomputed: one that arrived wrong (only with
    // `icmp-csum-unchecked`) stays wrong by the same amount, as Linux leaves it.
    let header_csum = update32(rd16(f, io + 10), rd32(f, addr_at), u32::from(addr));
    wr16(f, io + 10, header_csum);
    let quoted_csum = match inner.proto {
        TCP if f.len() >= il4 + 18 => Some(il4 + 16),
        UDP if f.len() >= il4 + 8 && rd16(f, il4 + 6) != 0 => Some(il4 + 6),
        _ => None,
    }
    .filter(|_| !bad);
    rewrite_addr(f, addr_at, addr, quoted_csum);
    if inner.proto == ICMP {
        let id_at = il4 + 4;
        let old = rd16(f, id_at);
        let c = update16(rd16(f, il4 + 2), old, port);
        wr16(f, id_at, port);
        wr16(f, il4 + 2, c);
    } else {
        rewrite_port(f, port_at, port, quoted_csum);
    }
}

/// Recomputes an ICMP checksum over the whole message.
fn fix_icmp(f: &mut [u8], l4: usize, end: usize) {
    wr16(f, l4 + 2, 0);
    let c = internet_checksum(&f[l4..end.min(f.len())]);
    wr16(f, l4 + 2, c);
}

/// What the gateway reads of an outbound TCP segment.
#[derive(Clone, Copy)]
struct Segment {
    seq: u32,
    flags: u8,
    /// Payload length.
    len: u32,
    /// Whether it carries a Fast Open option (kind 34, or 254 with magic 0xF989).
    tfo: bool,
}

fn tcp_segment(f: &[u8], o: usize, l4: usize, ip: &Ip4) -> Segment {
    let doff = usize::from(f[l4 + 12] >> 4) * 4;
    let end = (l4 + doff).min(f.len());
    let mut tfo = false;
    let mut i = l4 + 20;
    while i < end {
        match f[i] {
            0 => break,
            1 => i += 1,
            kind => {
                let len = usize::from(*f.get(i + 1).unwrap_or(&0));
                if len < 2 {
                    break;
                }
                tfo |= kind == 34 || (kind == 254 && len >= 4 && rd16(f, i + 2) == 0xf989);
                i += len;
            }
        }
    }
    Segment {
        seq: rd32(f, l4 + 4),
        flags: f[l4 + 13],
        len: (o + ip.total_len).saturating_sub(l4 + doff) as u32,
        tfo,
    }
}

/// Outbound TCP quirks; `false` to drop.
fn tcp_quirks_out(f: &mut [u8], o: usize, l4: usize, ip: &Ip4, p: &Profile) -> bool {
    let flags = f[l4 + 13];
    let doff = usize::from(f[l4 + 12] >> 4) * 4;
    let payload = (o + ip.total_len).saturating_sub(l4 + doff);
    if p.has(Quirk::SynDataDrop) && flags & 0x02 != 0 && payload > 0 {
        return false;
    }
    if p.has(Quirk::IsnRewrite) {
        let seq = rd32(f, l4 + 4);
        let new = seq.wrapping_add(100_000);
        let c = update32(rd16(f, l4 + 16), seq, new);
        wr32(f, l4 + 4, new);
        wr16(f, l4 + 16, c);
    }
    tcp_common(f, l4, doff, p, true)
}

/// Inbound TCP quirks; `false` to drop.
fn tcp_quirks_in(f: &mut [u8], _o: usize, l4: usize, p: &Profile) -> bool {
    let doff = usize::from(f[l4 + 12] >> 4) * 4;
    if p.has(Quirk::NoSimultaneousOpen) && f[l4 + 13] & 0x12 == 0x02 {
        return false;
    }
    if p.has(Quirk::IsnRewrite) && f[l4 + 13] & 0x10 != 0 {
        let ack = rd32(f, l4 + 8);
        let new = ack.wrapping_sub(100_000);
        let c = update32(rd16(f, l4 + 16), ack, new);
        wr32(f, l4 + 8, new);
        wr16(f, l4 + 16, c);
    }
    tcp_common(f, l4, doff, p, false)
}

/// Quirks that act on both directions: RST drop, ECN bleach, option rewriting.
pub(super) fn tcp_common(f: &mut [u8], l4: usize, doff: usize, p: &Profile, outbound: bool) -> bool {
    let flags = f[l4 + 13];
    if p.has(Quirk::RstDrop) && flags & 0x04 != 0 {
        return false;
    }
    let c_at = l4 + 16;
    let set_word = |f: &mut [u8], at: usize, new: u16| {
        let old = rd16(f, at);
        let c = update16(rd16(f, c_at), old, new);
        wr16(f, at, new);
        wr16(f, c_at, c);
    };
    if p.has(Quirk::EcnBleach) && flags & 0xc0 != 0 {
        let w = rd16(f, l4 + 12);
        set_word(f, l4 + 12, w & !0x00c0);
    }
    let opt_end = (l4 + doff).min(f.len());
    let mut i = l4 + 20;
    let syn = flags & 0x02 != 0;
    while i < opt_end {
        let kind = f[i];
        if kind == 0 {
            break;
        }
        if kind == 1 {
            i += 1;
            continue;
        }
        let len = usize::from(*f.get(i + 1).unwrap_or(&0));
        if len < 2 || i + len > opt_end {
            break;
        }
        let strip = (p.has(Quirk::TfoStrip) && kind == 34)
            || (p.has(Quirk::OptionsStrip) && !matches!(kind, 2 | 3 | 4 | 5 | 8));
        if strip {
            // Overwrite with NOPs, two bytes at a time where aligned to the checksum's words.
            for j in i..i + len {
                let word_at = l4 + ((j - l4) & !1);
                let w = rd16(f, word_at);
                let nw = if (j - l4) % 2 == 0 {
                    (w & 0x00ff) | 0x0100
                } else {
                    (w & 0xff00) | 0x0001
                };
                set_word(f, word_at, nw);
            }
        } else if kind == 2 && len == 4 && syn && p.has(Quirk::MssClamp1400) && rd16(f, i + 2) > 1400 {
            set_word_unaligned(f, l4, i + 2, 1400, c_at);
        } else if kind == 2 && len == 4 && syn && p.has(Quirk::MssFixed1452) {
            set_word_unaligned(f, l4, i + 2, 1452, c_at);
        } else if kind == 8 && len == 10 && outbound && p.has(Quirk::TsRewrite) {
            let v = rd32(f, i + 2);
            let nv = v.wrapping_add(1000);
            let hi_at = i + 2;
            set_word_unaligned(f, l4, hi_at, (nv >> 16) as u16, c_at);
            set_word_unaligned(f, l4, hi_at + 2, nv as u16, c_at);
        }
        i += len;
    }
    true
}

/// Writes a 16-bit value at any offset, updating the checksum over the affected aligned words.
fn set_word_unaligned(f: &mut [u8], l4: usize, at: usize, v: u16, c_at: usize) {
    let bytes = v.to_be_bytes();
    for (k, b) in bytes.iter().enumerate() {
        let j = at + k;
        let word_at = l4 + ((j - l4) & !1);
        let w = rd16(f, word_at);
        let nw = if (j - l4) % 2 == 0 {
            (w & 0x00ff) | (u16::from(*b) << 8)
        } else {
            (w & 0xff00) | u16::from(*b)
        };
        let c = update16(rd16(f, c_at), w, nw);
        wr16(f, word_at, nw);
        wr16(f, c_at, c);
    }
}
