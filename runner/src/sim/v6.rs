//! IPv6: forwarded without translation through an RFC 6092 stateful filter — outbound packets
//! open state for their 5-tuple, inbound packets pass only when they match open state.

use super::Quirk;
use super::bytes::*;
use super::profile::Profile;
use dsl::plan::Side;
use std::net::Ipv6Addr;
use std::time::Duration;

/// One open flow: protocol, LAN address and port (ICMP: echo id), remote address and port.
type Key = (u8, Ipv6Addr, u16, Ipv6Addr, u16);

/// The stateful filter.
#[derive(Default)]
pub struct Filter {
    state: Vec<(Key, Duration)>,
}

fn ports(f: &[u8], l4: usize, proto: u8) -> Option<(u16, u16)> {
    match proto {
        6 | 17 => Some((rd16(f, l4), rd16(f, l4 + 2))),
        58 => Some((rd16(f, l4 + 4), 0)),
        _ => None,
    }
}

impl Filter {
    /// Drops state idle for longer than its protocol's timeout.
    pub fn expire(&mut self, now: Duration, profile: &Profile) {
        self.state.retain(|((proto, ..), last)| {
            let t = match proto {
                17 if profile.has(Quirk::UdpTimeout30s) => 30,
                17 => 300,
                58 if profile.has(Quirk::IcmpTimeout30s) => 30,
                58 => 60,
                _ if profile.has(Quirk::TcpTimeoutShort) => 300,
                _ => 7440,
            };
            now.saturating_sub(*last) <= Duration::from_secs(t)
        });
    }

    /// Whether a packet arriving on `side` may be forwarded (and records outbound state).
    pub fn allow(&mut self, side: Side, f: &[u8], l2: &L2, ip: &Ip6, now: Duration, profile: &Profile) -> bool {
        let l4 = l2.l3 + 40;
        let proto = ip.next;
        match side {
            Side::Lan => {
                if proto == 58 && f.get(l4).is_some_and(|t| *t < 128) && profile.has(Quirk::NoIcmpErrors) {
                    return false;
                }
                if proto == 58 && f.get(l4) != Some(&128) {
                    return true;
                }
                let Some((sp, dp)) = ports(f, l4, proto) else {
                    return true;
                };
                let key = (proto, ip.src, sp, ip.dst, dp);
                match self.state.iter_mut().find(|(k, _)| *k == key) {
                    Some(e) => e.1 = now,
                    None => self.state.push((key, now)),
                }
                true
            }
            Side::Wan if profile.has(Quirk::Ipv6Open) => true,
            Side::Wan => {
                if proto == 58 {
                    let ty = f.get(l4).copied().unwrap_or(0);
                    if ty == 129 {
                        let id = rd16(f, l4 + 4);
                        return self.touch((58, ip.dst, id, ip.src, 0), now);
                    }
                    if ty < 128 {
                        if profile.has(Quirk::NoIcmpErrors) {
                            return false;
                        }
                        // An error about an open flow: the quoted packet went out from the LAN.
                        let q = l4 + 8;
                        let Some(inner) = Ip6::parse_prefix(f, q) else {
                            return false;
                        };
                        let Some((sp, dp)) = ports(f, q + 40, inner.next) else {
                            return false;
                        };
                        let key = (
                            inner.next,
                            inner.src,
                            sp,
                            inner.dst,
                            if inner.next == 58 { 0 } else { dp },
                        );
                        return self.touch(key, now);
                    }
                    return false;
                }
                let Some((sp, dp)) = ports(f, l4, proto) else {
                    return false;
                };
                self.touch((proto, ip.dst, dp, ip.src, sp), now)
            }
        }
    }

    fn touch(&mut self, key: Key, now: Duration) -> bool {
        match self.state.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => {
                e.1 = now;
                true
            }
            None => false,
        }
    }
}

impl Ip6 {
    /// A quoted IPv6 header (its payload may be truncated).
    pub fn parse_prefix(f: &[u8], o: usize) -> Option<Ip6> {
        let h = f.get(o..)?;
        if h.len() < 44 || h[0] >> 4 != 6 {
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

/// Header quirks on a forwarded IPv6 packet: ECN bleaching and the TCP quirks; `false` to drop it.
pub fn quirks(f: &mut [u8], l2: &L2, ip: &Ip6, p: &Profile, outbound: bool) -> bool {
    let o = l2.l3;
    if p.has(Quirk::EcnBleach) {
        // Traffic class straddles bytes 0 and 1: ECN is bits 4-5 of byte 1.
        f[o + 1] &= !0x30;
    }
    if ip.next == 6 && f.len() >= o + 60 {
        let l4 = o + 40;
        let doff = usize::from(f[l4 + 12] >> 4) * 4;
        return super::nat::tcp_common(f, l4, doff, p, outbound);
    }
    true
}
