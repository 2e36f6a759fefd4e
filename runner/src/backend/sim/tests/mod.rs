//! Properties of the simulated gateway, frame by frame: one file per concept, the frames they
//! feed built here byte by byte.

use super::*;
use crate::codec::checksum;
use crate::codec::icmpv6::types::{REDIRECT, ROUTER_SOLICIT};
use crate::codec::ip_proto::{AH, ESP, ICMP, ICMPV6, ROUTING, TCP, UDP};
use crate::codec::{FrameRepr, TcpFlags};
use crate::engine::view::{L4View, View};

mod fragments;
mod icmp_check;
mod mtu;
mod nat;
mod tcp_quirks;
mod v6_filter;

fn tb() -> dsl::Testbed {
    dsl::Testbed::builtin()
}

fn udp(sport: u16, dst: [u8; 4], dport: u16, ttl: u8) -> Vec<u8> {
    let t = tb();
    let mut f = crate::engine::build_udp_frame(&t, sport, dport, b"hello");
    // Point at another destination and set the TTL, fixing the header checksum.
    f[14 + 16..14 + 20].copy_from_slice(&dst);
    f[14 + 8] = ttl;
    let p = FrameRepr::parse(&f);
    p.to_bytes().unwrap()
}

fn arp_reply_for(gw: &mut SimGateway, side: Side, out: &[(Side, Vec<u8>)]) -> Vec<(Side, Vec<u8>)> {
    let t = tb();
    let mut all = Vec::new();
    for (s, b) in out {
        let f = FrameRepr::parse(b);
        let v = View::of_frame(&f);
        if let Some(r) = crate::engine::answer_arp(&f, &v, *s, &t) {
            all.extend(gw.input(side, &r, Duration::ZERO));
        } else {
            all.push((*s, b.clone()));
        }
    }
    all
}

// ---- Raw frames for the quirk tests: built byte by byte, with valid checksums. ----

const GW_LAN_MAC: [u8; 6] = [2, 0, 0, 0, 1, 1];
const GW_WAN_MAC: [u8; 6] = [2, 0, 0, 0, 2, 1];
const LAN_MAC: [u8; 6] = [2, 0, 0, 0, 1, 0x64];
const WAN_MAC: [u8; 6] = [2, 0, 0, 0, 2, 3];
const LAN4: [u8; 4] = [192, 168, 0, 100];
const WAN4: [u8; 4] = [203, 0, 113, 3];
const GW4: [u8; 4] = [203, 0, 113, 2];

fn lan6() -> std::net::Ipv6Addr {
    "3fff:0:0:1::100".parse().unwrap()
}

fn wan6() -> std::net::Ipv6Addr {
    "3fff:0:0:2::3".parse().unwrap()
}

fn eth(side: Side, ethertype: u16) -> Vec<u8> {
    let (dst, src) = match side {
        Side::Lan => (GW_LAN_MAC, LAN_MAC),
        Side::Wan => (GW_WAN_MAC, WAN_MAC),
    };
    let mut f = Vec::new();
    f.extend_from_slice(&dst);
    f.extend_from_slice(&src);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f
}

/// Where the transport checksum sits, if the protocol has one we fill in.
fn l4_csum_at(proto: u8) -> Option<usize> {
    match proto {
        TCP => Some(16),
        UDP => Some(6),
        ICMPV6 => Some(2),
        _ => None,
    }
}

/// An IPv4 frame entering on `side`; the transport checksum is computed unless `keep_csum`.
fn ip4(side: Side, src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8], keep_csum: bool) -> Vec<u8> {
    let mut f = eth(side, ethertype::IPV4);
    let mut h = [0u8; 20];
    h[0] = 0x45;
    wr16(&mut h, 2, (20 + l4.len()) as u16);
    wr16(&mut h, 4, 0x1234);
    h[8] = 64;
    h[9] = proto;
    h[12..16].copy_from_slice(&src);
    h[16..20].copy_from_slice(&dst);
    let c = checksum::internet_checksum(&h);
    wr16(&mut h, 10, c);
    let mut seg = l4.to_vec();
    match l4_csum_at(proto).filter(|_| !keep_csum) {
        Some(at) if proto != ICMPV6 => {
            wr16(&mut seg, at, 0);
            let ph = checksum::PseudoHeader::V4 {
                src: src.into(),
                dst: dst.into(),
            };
            let c = checksum::pseudo_checksum(&ph, proto, &seg);
            wr16(&mut seg, at, c);
        }
        _ if proto == ICMP => {
            wr16(&mut seg, 2, 0);
            let c = checksum::internet_checksum(&seg);
            wr16(&mut seg, 2, c);
        }
        _ => {}
    }
    f.extend_from_slice(&h);
    f.extend_from_slice(&seg);
    f
}

/// A packet from the LAN host to the WAN host, its transport checksum computed.
fn lan_to_wan(proto: u8, l4: &[u8]) -> Vec<u8> {
    ip4(Side::Lan, LAN4, WAN4, proto, l4, false)
}

/// A packet from the WAN host to the gateway's WAN address, its transport checksum computed.
fn wan_to_gw(proto: u8, l4: &[u8]) -> Vec<u8> {
    ip4(Side::Wan, WAN4, GW4, proto, l4, false)
}

/// An IPv6 frame entering on `side` with a computed transport checksum.
fn ip6(side: Side, src: std::net::Ipv6Addr, dst: std::net::Ipv6Addr, next: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = eth(side, ethertype::IPV6);
    let mut h = [0u8; 40];
    h[0] = 0x60;
    wr16(&mut h, 4, l4.len() as u16);
    h[6] = next;
    h[7] = 64;
    h[8..24].copy_from_slice(&src.octets());
    h[24..40].copy_from_slice(&dst.octets());
    let mut seg = l4.to_vec();
    if let Some(at) = l4_csum_at(next) {
        wr16(&mut seg, at, 0);
        let ph = checksum::PseudoHeader::V6 { src, dst };
        let c = checksum::pseudo_checksum(&ph, next, &seg);
        wr16(&mut seg, at, c);
    }
    f.extend_from_slice(&h);
    f.extend_from_slice(&seg);
    f
}

/// A TCP header with options (a multiple of 4 bytes) and payload; checksum left 0.
fn tcp_seg(sport: u16, dport: u16, seq: u32, flags: u8, opts: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut t = vec![0u8; 20];
    wr16(&mut t, 0, sport);
    wr16(&mut t, 2, dport);
    wr32(&mut t, 4, seq);
    if flags & TcpFlags::ACK != 0 {
        wr32(&mut t, 8, 1);
    }
    t[12] = (((20 + opts.len()) / 4) as u8) << 4;
    t[13] = flags;
    wr16(&mut t, 14, 65535);
    t.extend_from_slice(opts);
    t.extend_from_slice(payload);
    t
}

/// A UDP datagram; checksum left 0.
fn udp_dgram(sport: u16, dport: u16, payload: &[u8]) -> Vec<u8> {
    let mut u = vec![0u8; 8];
    wr16(&mut u, 0, sport);
    wr16(&mut u, 2, dport);
    wr16(&mut u, 4, (8 + payload.len()) as u16);
    u.extend_from_slice(payload);
    u
}

/// Feeds a frame to the gateway at `secs`, answering its ARP requests and neighbour
/// solicitations as the emulated hosts would; the non-resolution frames that come out.
fn feed(gw: &mut SimGateway, side: Side, frame: &[u8], secs: u64) -> Vec<(Side, FrameRepr)> {
    let t = tb();
    let now = Duration::from_secs(secs);
    let mut pending = gw.input(side, frame, now);
    let mut out = Vec::new();
    for _ in 0..4 {
        let mut next = Vec::new();
        for (s, b) in pending {
            let f = FrameRepr::parse(&b);
            let v = View::of_frame(&f);
            match crate::engine::answer_arp(&f, &v, s, &t) {
                Some(r) => next.extend(gw.input(s, &r, now)),
                None => out.push((s, f)),
            }
        }
        pending = next;
    }
    out.retain(|(_, f)| {
        let v = View::of_frame(f);
        !matches!(
            v.l4,
            L4View::Icmp {
                ty: ROUTER_SOLICIT..=REDIRECT,
                ..
            }
        ) && v.eth_type != ethertype::ARP
    });
    out
}

fn gw_with(profile: &str) -> SimGateway {
    SimGateway::new(&tb(), &Profile::parse(profile).unwrap(), 1)
}

fn on(out: &[(Side, FrameRepr)], side: Side) -> Vec<View> {
    out.iter()
        .filter(|(s, _)| *s == side)
        .map(|(_, f)| View::of_frame(f))
        .collect()
}
