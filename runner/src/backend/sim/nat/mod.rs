//! IPv4 NAPT: the mapping table (port allocation, filtering, timeouts) and the in-place rewriting
//! of TCP and UDP with incremental checksum updates (RFC 1624); ICMP queries and errors are in
//! [`icmp`].

mod icmp;
mod mapping;

use super::Quirk;
use super::bytes::*;
use super::profile::Profile;
use super::tcp_quirks::{self, Segment};
use crate::codec::checksum::{update16, update32};
use crate::codec::ip_proto;
use mapping::{Mapping, TcpState};
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::Duration;

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
        ip_proto::TCP => Some(l4 + 16),
        ip_proto::UDP if rd16(frame, l4 + 6) != 0 || p.has(Quirk::UdpZeroCsum) => Some(l4 + 6),
        _ => None,
    }
}

/// Whether a TCP or UDP packet at `l4` holds its whole transport header.
fn has_ports_header(proto: u8, f: &[u8], l4: usize) -> bool {
    f.len() >= l4 + if proto == ip_proto::TCP { 20 } else { 8 }
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

    /// An external port for a new mapping: the client's own when free (port preservation, RFC
    /// 4787 REQ-3), else a free one from 1024 up; a random one on a symmetric NAT.
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

    /// Finds or creates the mapping for an outbound packet, and marks it used now and `remote` as
    /// contacted.
    fn map_out(
        &mut self,
        proto: u8,
        int: (Ipv4Addr, u16),
        remote: (Ipv4Addr, u16),
        now: Duration,
        profile: &Profile,
    ) -> Option<&mut Mapping> {
        let sym = profile.has(Quirk::Symmetric);
        let key = (proto, int.0, int.1, sym.then_some(remote));
        let id = match self
            .by_int
            .get(&key)
            .copied()
            .and_then(|id| self.live(id, now, profile))
        {
            Some(id) => id,
            None => self.insert(key, profile, now),
        };
        let m = self.maps.get_mut(&id)?;
        m.last = now;
        m.contacted.insert(remote);
        Some(m)
    }

    /// A new mapping for `key`, on a freshly allocated external port; its id.
    fn insert(&mut self, key: IntKey, profile: &Profile, now: Duration) -> u64 {
        let (proto, int_addr, int_port, remote) = key;
        let ext = self.allocate(proto, int_port, profile);
        let id = self.next_id;
        self.next_id += 1;
        self.by_int.insert(key, id);
        self.by_ext.insert((proto, ext), id);
        self.maps.insert(
            id,
            Mapping {
                proto,
                int_addr,
                int_port,
                ext_port: ext,
                remote,
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
        if ip.frag != 0 {
            return false;
        }
        match ip.proto {
            ip_proto::TCP | ip_proto::UDP => self.outbound_ports(f, l2.l3, ip, gw, now, profile),
            ip_proto::ICMP => self.outbound_icmp(f, l2.l3, ip, gw, now, profile),
            _ => false,
        }
    }

    /// Translates a WAN → LAN packet addressed to the gateway in place; the LAN destination, or
    /// `None` to drop it.
    pub fn inbound(&mut self, f: &mut [u8], l2: &L2, ip: &Ip4, now: Duration, profile: &Profile) -> Option<Ipv4Addr> {
        if ip.frag != 0 {
            return None;
        }
        match ip.proto {
            ip_proto::TCP | ip_proto::UDP => self.inbound_ports(f, l2.l3, ip, now, profile),
            ip_proto::ICMP => self.inbound_icmp(f, l2.l3, ip, now, profile),
            _ => None,
        }
    }

    /// TCP or UDP from the LAN host: through the quirks, then its source rewritten to its
    /// mapping's.
    fn outbound_ports(
        &mut self,
        f: &mut [u8],
        o: usize,
        ip: &Ip4,
        gw: Ipv4Addr,
        now: Duration,
        profile: &Profile,
    ) -> bool {
        let l4 = o + ip.ihl;
        let tcp = ip.proto == ip_proto::TCP;
        if !has_ports_header(ip.proto, f, l4) {
            return false;
        }
        // The client's view of the segment, before any quirk rewrites it.
        let seg = tcp.then(|| Segment::read(f, o, l4, ip));
        if seg.is_some_and(|s| !self.tfo_blacklist_admits(ip.src, &s, profile))
            || (tcp && !tcp_quirks::outbound4(f, o, l4, ip, profile))
        {
            return false;
        }
        let (sport, dport) = (rd16(f, l4), rd16(f, l4 + 2));
        let Some(m) = self.map_out(ip.proto, (ip.src, sport), (ip.dst, dport), now, profile) else {
            return false;
        };
        if let Some(s) = seg {
            if !m.tcp.outbound(&s, f[l4 + 13], profile) {
                return false;
            }
        }
        let ext = m.ext_port;
        let bad = profile.has(Quirk::BadChecksum);
        // Looked up again after the address: its update can leave a UDP checksum of 0.
        rewrite_addr(f, o + 12, gw, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
        rewrite_port_or_id(f, l4, ext, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
        true
    }

    /// [`Quirk::TfoBlacklist`]: a client that sent data on a SYN with a Fast Open option has
    /// that SYN dropped, and every SYN after it. `false` to drop the segment.
    fn tfo_blacklist_admits(&mut self, client: Ipv4Addr, s: &Segment, profile: &Profile) -> bool {
        if !profile.has(Quirk::TfoBlacklist) {
            return true;
        }
        let syn = crate::codec::TcpFlags::new(s.flags);
        if syn.syn_without_ack() && self.tfo_blocked.contains(&client) {
            return false;
        }
        if syn.syn() && s.len > 0 && s.tfo {
            self.tfo_blocked.insert(client);
            return false;
        }
        true
    }

    /// TCP or UDP from the WAN to the gateway: to the LAN host whose mapping owns the port (or
    /// the DMZ host), its destination rewritten.
    fn inbound_ports(
        &mut self,
        f: &mut [u8],
        o: usize,
        ip: &Ip4,
        now: Duration,
        profile: &Profile,
    ) -> Option<Ipv4Addr> {
        let l4 = o + ip.ihl;
        if !has_ports_header(ip.proto, f, l4) {
            return None;
        }
        let (sport, dport) = (rd16(f, l4), rd16(f, l4 + 2));
        let Some(i) = self.by_ext_port(ip.proto, dport, now, profile) else {
            // No mapping: dropped, unless a default DMZ host takes everything.
            let dmz = self.dmz.filter(|_| profile.has(Quirk::DmzHost))?;
            rewrite_addr(f, o + 16, dmz, csum_at(ip.proto, f, l4, profile));
            return Some(dmz);
        };
        if !self.maps.get(&i)?.admits((ip.src, sport), profile) {
            return None;
        }
        if ip.proto == ip_proto::TCP && !tcp_quirks::inbound4(f, l4, profile) {
            return None;
        }
        let m = self.maps.get_mut(&i)?;
        m.last = now;
        if ip.proto == ip_proto::TCP {
            m.tcp.inbound(f[l4 + 13]);
        }
        let (addr, port) = (m.int_addr, m.int_port);
        let bad = profile.has(Quirk::BadChecksum);
        rewrite_addr(f, o + 16, addr, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
        rewrite_port_or_id(f, l4 + 2, port, csum_at(ip.proto, f, l4, profile).filter(|_| !bad));
        Some(addr)
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

/// Rewrites a 2-byte port (or ICMP echo identifier) at `at`, updating a checksum at `csum`.
fn rewrite_port_or_id(f: &mut [u8], at: usize, new: u16, csum: Option<usize>) {
    let old = rd16(f, at);
    if let Some(c) = csum {
        let v = update16(rd16(f, c), old, new);
        wr16(f, c, v);
    }
    wr16(f, at, new);
}
