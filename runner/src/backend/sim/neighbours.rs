//! The gateway's neighbours on each side: it answers ARP requests and neighbour solicitations for
//! its own addresses, learns the MAC of every host that asks or answers, and holds the packets
//! for a next hop it does not know yet (a few per destination) while it asks for it.

use super::bytes::{Ip6, L2};
use super::{SimGateway, ix};
use crate::codec::icmpv6::types;
use crate::codec::neighbour::{arp_reply, arp_request, neighbor_advertisement, neighbor_solicitation};
use crate::codec::{ArpOp, FrameRepr, Mac, Net, ip_proto};
use dsl::plan::Side;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Packets queued per destination while the gateway resolves its MAC.
const QUEUE_PER_DEST: usize = 16;

impl SimGateway {
    /// An ARP packet came in on `side`: the sender is learned, and a request for the gateway's
    /// address there is answered.
    pub(super) fn arp(&mut self, side: Side, frame: &[u8]) {
        let f = FrameRepr::parse(frame);
        let Net::Arp(a) = &f.net else { return };
        if a.sender_ip != Ipv4Addr::UNSPECIFIED {
            self.learn(side, IpAddr::V4(a.sender_ip), a.sender_mac.0);
        }
        let me = &self.ifaces[ix(side)];
        if a.op == ArpOp::Request && me.v4.is_some_and(|(ip, _)| ip == a.target_ip) {
            if let Some(reply) = arp_reply(a, Mac(me.mac), None) {
                self.send_own(side, &reply);
            }
        }
    }

    /// Neighbour discovery and multicast listener messages, which the gateway consumes: a
    /// solicitation for its address is answered, an advertisement learned. `false` for anything
    /// else, which is left to forwarding.
    pub(super) fn neighbour_discovery(&mut self, side: Side, frame: &[u8], l2: &L2, ip: &Ip6) -> bool {
        let l4 = l2.l3 + 40;
        if ip.next != ip_proto::ICMPV6 || frame.len() <= l4 + 24 {
            return false;
        }
        let ty = frame[l4];
        let target: [u8; 16] = frame[l4 + 8..l4 + 24].try_into().unwrap_or([0; 16]);
        let target = Ipv6Addr::from(target);
        let s = ix(side);
        if ty == types::NEIGHBOR_SOLICIT && self.ifaces[s].v6.is_some_and(|(a, _)| a == target) {
            let advert = neighbor_advertisement(target, Mac(self.ifaces[s].mac), ip.src, Mac(l2.src), None);
            self.send_own(side, &advert);
            if !ip.src.is_unspecified() {
                self.neighbours[s].insert(IpAddr::V6(ip.src), l2.src);
            }
            return true;
        }
        if ty == types::NEIGHBOR_ADVERT {
            self.learn(side, IpAddr::V6(target), l2.src);
            return true;
        }
        types::is_nd_or_mld(ty)
    }

    /// Records a neighbour's MAC and releases what waited for it.
    pub(super) fn learn(&mut self, side: Side, ip: IpAddr, mac: [u8; 6]) {
        let s = ix(side);
        self.neighbours[s].insert(ip, mac);
        if let Some(q) = self.pending[s].remove(&ip) {
            for mut f in q {
                f[0..6].copy_from_slice(&mac);
                self.out.push((side, f));
            }
        }
    }

    /// Sends one frame to `next_hop` on `side`: at once when its MAC is known, else after it is
    /// resolved (the first packet for an unknown next hop asks for it).
    pub(super) fn emit_frame(&mut self, side: Side, next_hop: IpAddr, mut frame: Vec<u8>) {
        let s = ix(side);
        frame[6..12].copy_from_slice(&self.ifaces[s].mac);
        if let Some(mac) = self.neighbours[s].get(&next_hop) {
            frame[0..6].copy_from_slice(mac);
            self.out.push((side, frame));
            return;
        }
        let first = !self.pending[s].contains_key(&next_hop);
        let q = self.pending[s].entry(next_hop).or_default();
        if q.len() >= QUEUE_PER_DEST {
            q.remove(0);
        }
        q.push(frame);
        if first {
            self.solicit(side, next_hop);
        }
    }

    /// ARP request or neighbour solicitation for `ip`.
    fn solicit(&mut self, side: Side, ip: IpAddr) {
        let me = &self.ifaces[ix(side)];
        let ask = match ip {
            IpAddr::V4(t) => me.v4.map(|(src, _)| arp_request(Mac(me.mac), src, t)),
            IpAddr::V6(t) => me.v6.map(|(src, _)| neighbor_solicitation(Mac(me.mac), src, t)),
        };
        if let Some(f) = ask {
            self.send_own(side, &f);
        }
    }
}
