//! The simulated home gateway: an in-process model of a NAT router, frames in and frames out,
//! deterministic for a seed and driven by the caller's clock (virtual time on `sim`).
//!
//! It works on raw frame bytes the way a real NAT does: addresses and ports are rewritten in
//! place and checksums updated incrementally (RFC 1624), so a wrong checksum that arrives stays
//! wrong. Quirk profiles ([`Profile`]) switch on known CPE misbehaviours one by one.
//!
//! This file forwards: a frame comes in, IPv4 goes through the NAT ([`nat`]), IPv6 through the
//! RFC 6092 filter ([`v6`]). What the gateway sends in its own name is in [`neighbours`] (ARP and
//! neighbour discovery), [`answers`] (Time Exceeded, the syn-rst quirk's RST), [`mtu`] (link
//! MTUs, Fragmentation Needed, Packet Too Big) and [`v6_reject`] (the delayed REC-34 refusal).

mod answers;
mod bytes;
mod defrag;
mod icmp_check;
mod mtu;
mod nat;
mod neighbours;
mod ports;
mod profile;
mod tcp_quirks;
#[cfg(test)]
mod tests;
mod v6;
mod v6_addrs;
mod v6_reject;

pub use ports::{FORWARDING_DELAY, SimPorts};
pub use profile::{Profile, ProfileError, Quirk};
pub use v6_addrs::{FORBIDDEN_V6, Prefix6};

use crate::codec::checksum::internet_checksum;
use crate::codec::ethernet::ethertype;
use crate::codec::{TcpFlags, ip_proto};
use bytes::*;
use dsl::plan::Side;
use nat::Nat;
use rand::SeedableRng;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// The gateway's own addresses on one side.
#[derive(Clone, Debug)]
struct Iface {
    mac: [u8; 6],
    v4: Option<(Ipv4Addr, u8)>,
    v6: Option<(Ipv6Addr, u8)>,
}

/// One simulated gateway's whole state — its addresses, neighbour tables, NAT, IPv6 filter and
/// clock — fed frames by [`SimGateway::input`]; [`SimPorts`] drives it on tokio's clock.
pub struct SimGateway {
    profile: Profile,
    ifaces: [Iface; 2],
    router: Option<Ipv4Addr>,
    neighbours: [HashMap<IpAddr, [u8; 6]>; 2],
    pending: [HashMap<IpAddr, Vec<Vec<u8>>>; 2],
    nat: Nat,
    v6: v6::Filter,
    now: Duration,
    out: Vec<(Side, Vec<u8>)>,
    defrag: defrag::Defrag,
    /// While a datagram that came in fragments is being forwarded: the size to cut it to again.
    refragment: Option<usize>,
    /// The MTU of each side's link.
    links: mtu::Links,
}

/// The index of a side in the gateway's per-side arrays.
fn ix(s: Side) -> usize {
    match s {
        Side::Lan => 0,
        Side::Wan => 1,
    }
}

impl SimGateway {
    /// A fresh gateway with the testbed's addresses and a profile of quirks.
    pub fn new(testbed: &dsl::Testbed, profile: &Profile, seed: u64) -> SimGateway {
        let iface = |s: &dsl::testbed::SideConf, default_mac: [u8; 6]| Iface {
            mac: s.gateway.mac.unwrap_or(default_mac),
            v4: s.gateway.ipv4,
            v6: s.gateway.ipv6,
        };
        SimGateway {
            profile: profile.clone(),
            ifaces: [
                iface(&testbed.lan, [2, 0, 0, 0, 1, 1]),
                iface(&testbed.wan, [2, 0, 0, 0, 2, 1]),
            ],
            router: testbed.wan.router,
            neighbours: [HashMap::new(), HashMap::new()],
            pending: [HashMap::new(), HashMap::new()],
            nat: Nat::new(
                rand::rngs::StdRng::seed_from_u64(seed),
                testbed.lan.hosts.first().and_then(|h| h.ipv4).map(|a| a.0),
            ),
            v6: v6::Filter::default(),
            now: Duration::ZERO,
            out: Vec::new(),
            defrag: defrag::Defrag::default(),
            refragment: None,
            links: mtu::Links::new(testbed),
        }
    }

    /// A frame enters the gateway on `side` at virtual time `now` (monotonic, since creation).
    /// Returns what the gateway emits in response, in order.
    pub fn input(&mut self, side: Side, frame: &[u8], now: Duration) -> Vec<(Side, Vec<u8>)> {
        self.now = self.now.max(now);
        self.nat.expire(self.now, &self.profile);
        self.v6.expire(self.now, &self.profile);
        self.send_due_rejections();
        if !self.links.admits(side, frame.len()) {
            return std::mem::take(&mut self.out);
        }
        if let Some(l2) = L2::parse(frame) {
            let mine = l2.dst == self.ifaces[ix(side)].mac;
            let group = l2.dst[0] & 1 == 1;
            match l2.ethertype {
                ethertype::ARP if mine || group => self.arp(side, frame),
                ethertype::IPV4 if mine => self.ipv4(side, frame.to_vec(), l2),
                ethertype::IPV6 if mine || group => self.ipv6(side, frame.to_vec(), l2, mine),
                _ => {}
            }
        }
        std::mem::take(&mut self.out)
    }

    /// Sends an IP packet (a whole frame whose L2 header will be rewritten) towards `next_hop`,
    /// cut into fragments where the link needs it (`mtu.rs`).
    fn emit(&mut self, side: Side, next_hop: IpAddr, frame: Vec<u8>) {
        for part in self.fit_to_link(side, frame) {
            self.emit_frame(side, next_hop, part);
        }
    }

    /// The next hop for an IPv4 destination on a side: on-link, or the WAN router.
    fn next_hop4(&self, side: Side, dst: Ipv4Addr) -> IpAddr {
        let on_link = self.ifaces[ix(side)].v4.is_some_and(|(net, p)| same_net4(dst, net, p));
        match (side, on_link, self.router) {
            (Side::Wan, false, Some(r)) => IpAddr::V4(r),
            _ => IpAddr::V4(dst),
        }
    }

    fn ipv4(&mut self, side: Side, mut frame: Vec<u8>, mut l2: L2) {
        let Some(mut ip) = Ip4::parse(&frame, l2.l3) else {
            return;
        };
        // Trim Ethernet padding so lengths and checksums see only the IP packet.
        frame.truncate(l2.l3 + ip.total_len);
        let s = ix(side);
        if ip.frag != 0 || ip.mf {
            let order_drop = self.profile.has(Quirk::FragOrderDrop);
            let Some(whole) = self.defrag.push(s, &frame, l2.l3, order_drop) else {
                return;
            };
            frame = whole.frame;
            let Some(l2w) = L2::parse(&frame) else { return };
            l2 = l2w;
            let Some(ipw) = Ip4::parse(&frame, l2.l3) else { return };
            ip = ipw;
            self.refragment = Some(whole.piece);
        }
        self.forward4(side, frame, l2, ip);
        self.refragment = None;
    }

    fn forward4(&mut self, side: Side, frame: Vec<u8>, l2: L2, ip: Ip4) {
        let s = ix(side);
        let my_here = self.ifaces[s].v4.map(|a| a.0);
        let my_wan = self.ifaces[1].v4.map(|a| a.0);
        if Some(ip.dst) == my_here && side == Side::Lan {
            return; // addressed to the gateway itself on the LAN: not modelled (no services)
        }
        match side {
            Side::Lan if Some(ip.dst) == my_wan => self.hairpin(frame, l2, ip),
            Side::Lan => self.outbound4(frame, l2, ip),
            Side::Wan if Some(ip.dst) == my_here => self.inbound4(frame, l2, ip),
            Side::Wan => {} // routed traffic to LAN addresses is not forwarded by a NAT
        }
    }

    /// TTL handling; `false` when the packet expires here.
    fn ttl4(&mut self, side: Side, frame: &mut [u8], l2: &L2, ip: &Ip4) -> bool {
        if self.profile.has(Quirk::NoTtlDecrement) {
            return true;
        }
        if ip.ttl <= 1 {
            if !self.profile.has(Quirk::NoTimeExceeded) {
                self.time_exceeded4(side, frame, l2, ip);
            }
            return false;
        }
        frame[l2.l3 + 8] = ip.ttl - 1;
        true
    }

    /// Common forwarding fix-ups on IPv4: quirks on the header, then the header checksum.
    fn finish4(&self, frame: &mut [u8], l2: &L2, ip: &Ip4) {
        let o = l2.l3;
        if self.profile.has(Quirk::IpidZero) {
            wr16(frame, o + 4, 0);
        }
        if self.profile.has(Quirk::DfClear) {
            frame[o + 6] &= !0x40;
        }
        if self.profile.has(Quirk::EcnBleach) {
            frame[o + 1] &= !3;
        }
        fix_ipv4_header(frame, o, ip.ihl);
    }

    fn outbound4(&mut self, mut frame: Vec<u8>, l2: L2, ip: Ip4) {
        if self.refuse_oversize4(Side::Lan, Side::Wan, &frame, &l2, &ip) || !self.ttl4(Side::Lan, &mut frame, &l2, &ip)
        {
            return;
        }
        let Some((gw, _)) = self.ifaces[1].v4 else { return };
        if !self.nat.outbound(&mut frame, &l2, &ip, gw, self.now, &self.profile) {
            return;
        }
        self.finish4(&mut frame, &l2, &ip);
        let hop = self.next_hop4(Side::Wan, ip.dst);
        self.emit(Side::Wan, hop, frame);
    }

    fn inbound4(&mut self, mut frame: Vec<u8>, l2: L2, ip: Ip4) {
        if self.profile.has(Quirk::SynRst) && self.unsolicited_syn4(&frame, &l2, &ip) {
            self.rst_for4(&frame, &l2, &ip);
            return;
        }
        // Too big for the LAN with DF: refused once the mapping has taken it, quoting it as it came.
        let arrived = self
            .oversize_with_df4(Side::Lan, &frame, &l2, &ip)
            .then(|| frame.clone());
        if !self.ttl4(Side::Wan, &mut frame, &l2, &ip) {
            return;
        }
        let Some(dst) = self.nat.inbound(&mut frame, &l2, &ip, self.now, &self.profile) else {
            return;
        };
        if let Some(arrived) = arrived {
            self.frag_needed4(Side::Wan, Side::Lan, &arrived, &l2, &ip);
            return;
        }
        self.finish4(&mut frame, &l2, &ip);
        self.emit(Side::Lan, IpAddr::V4(dst), frame);
    }

    /// A TCP SYN (without ACK) from the WAN to a port no mapping owns.
    fn unsolicited_syn4(&mut self, frame: &[u8], l2: &L2, ip: &Ip4) -> bool {
        let l4 = l2.l3 + ip.ihl;
        ip.proto == ip_proto::TCP
            && frame.len() >= l4 + 20
            && TcpFlags::new(frame[l4 + 13]).syn_without_ack()
            && !self
                .nat
                .has_mapping(ip_proto::TCP, rd16(frame, l4 + 2), self.now, &self.profile)
    }

    fn hairpin(&mut self, mut frame: Vec<u8>, l2: L2, ip: Ip4) {
        if self.profile.has(Quirk::NoHairpin)
            || self.refuse_oversize4(Side::Lan, Side::Lan, &frame, &l2, &ip)
            || !self.ttl4(Side::Lan, &mut frame, &l2, &ip)
        {
            return;
        }
        let Some((gw, _)) = self.ifaces[1].v4 else { return };
        // The sender is translated as if it went out, then the result is translated back in.
        if !self.nat.outbound(&mut frame, &l2, &ip, gw, self.now, &self.profile) {
            return;
        }
        let Some(ip2) = Ip4::parse(&frame, l2.l3) else { return };
        let Some(dst) = self.nat.inbound(&mut frame, &l2, &ip2, self.now, &self.profile) else {
            return;
        };
        self.finish4(&mut frame, &l2, &ip2);
        self.emit(Side::Lan, IpAddr::V4(dst), frame);
    }

    fn ipv6(&mut self, side: Side, mut frame: Vec<u8>, l2: L2, mine: bool) {
        let Some(ip) = Ip6::parse(&frame, l2.l3) else { return };
        frame.truncate(l2.l3 + 40 + ip.payload_len);
        if self.neighbour_discovery(side, &frame, &l2, &ip) {
            return;
        }
        let s = ix(side);
        if !mine || self.ifaces[s].v6.is_some_and(|(a, _)| a == ip.dst) || ip.dst.is_multicast() {
            return;
        }
        if v6_addrs::forbidden(side, ip.src, ip.dst, self.ifaces[0].v6, &self.profile)
            || self.refuse_oversize6(side, &frame, &l2, &ip)
        {
            return;
        }
        let out = side.other();
        if !self.v6.allow(side, &frame, &l2, &ip, self.now, &self.profile) {
            return;
        }
        if !self.profile.has(Quirk::NoTtlDecrement) {
            if ip.hlim <= 1 {
                if !self.profile.has(Quirk::NoTimeExceeded) {
                    self.time_exceeded6(side, &frame, &l2, &ip);
                }
                return;
            }
            frame[l2.l3 + 7] = ip.hlim - 1;
        }
        if !v6::quirks(&mut frame, &l2, &ip, &self.profile, side == Side::Lan) {
            return;
        }
        self.emit(out, IpAddr::V6(ip.dst), frame);
    }
}

/// The IPv4 header checksum, recomputed.
fn fix_ipv4_header(frame: &mut [u8], o: usize, ihl: usize) {
    wr16(frame, o + 10, 0);
    let c = internet_checksum(&frame[o..o + ihl]);
    wr16(frame, o + 10, c);
}

/// Whether `a` lies in the IPv4 network `n`/`p`.
fn same_net4(a: Ipv4Addr, n: Ipv4Addr, p: u8) -> bool {
    let m = if p == 0 {
        0
    } else {
        u32::MAX << (32 - u32::from(p.min(32)))
    };
    u32::from(a) & m == u32::from(n) & m
}
