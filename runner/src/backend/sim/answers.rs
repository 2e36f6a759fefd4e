//! What the gateway answers in its own name to a packet it will not forward: ICMP Time Exceeded
//! (both families) when the TTL or hop limit runs out, and, with the `syn-rst` quirk, a TCP RST
//! to an unsolicited SYN. Every frame the gateway makes itself goes out through
//! [`SimGateway::send_own`].

use super::bytes::{Ip4, Ip6, L2, rd32, wr16, wr32};
use super::{SimGateway, ix};
use crate::codec::checksum::{PseudoHeader, internet_checksum, pseudo_checksum};
use crate::codec::ethernet::ethertype;
use crate::codec::{
    EthernetRepr, FrameRepr, Icmpv4Repr, Icmpv6Repr, Ipv4Repr, Ipv6Repr, Mac, Net, TcpFlags, Transport, icmpv4, icmpv6,
    ip_proto,
};
use dsl::plan::Side;

impl SimGateway {
    /// Queues a frame the gateway made itself to go out on `side`.
    pub(super) fn send_own(&mut self, side: Side, frame: &FrameRepr) {
        if let Ok(b) = frame.to_bytes() {
            self.out.push((side, b));
        }
    }

    /// The Ethernet header of an answer to the frame `l2` that came in on `side`.
    pub(super) fn reply_eth(&self, side: Side, l2: &L2, ethertype: u16) -> EthernetRepr {
        EthernetRepr {
            dst: Mac(l2.src),
            src: Mac(self.ifaces[ix(side)].mac),
            ethertype,
            vlan: None,
        }
    }

    /// ICMP Time Exceeded back to the sender of the IPv4 packet in `frame`, quoting as much of it
    /// as the link carries.
    pub(super) fn time_exceeded4(&mut self, side: Side, frame: &[u8], l2: &L2, ip: &Ip4) {
        let Some((me, _)) = self.ifaces[ix(side)].v4 else {
            return;
        };
        let original = &frame[l2.l3..];
        let original = &original[..original.len().min(self.links.quote_limit4(side))];
        let icmp = Icmpv4Repr::time_exceeded(icmpv4::codes::TTL_EXCEEDED, original);
        let v4 = Ipv4Repr::new(me, ip.src, ip_proto::ICMP, 0);
        let eth = self.reply_eth(side, l2, ethertype::IPV4);
        let answer = FrameRepr::new(eth, Net::Ipv4(v4), Transport::Icmpv4(Box::new(icmp)), vec![]);
        self.send_own(side, &answer);
    }

    /// ICMPv6 Time Exceeded back to the sender of the IPv6 packet in `frame`.
    pub(super) fn time_exceeded6(&mut self, side: Side, frame: &[u8], l2: &L2, ip: &Ip6) {
        let Some((me, _)) = self.ifaces[ix(side)].v6 else {
            return;
        };
        let icmp = Icmpv6Repr::time_exceeded(icmpv6::codes::HOP_LIMIT_EXCEEDED, &frame[l2.l3..]);
        let v6 = Ipv6Repr::new(me, ip.src, ip_proto::ICMPV6, 0);
        let eth = self.reply_eth(side, l2, ethertype::IPV6);
        let answer = FrameRepr::new(eth, Net::Ipv6(v6), Transport::Icmpv6(Box::new(icmp)), vec![]);
        self.send_own(side, &answer);
    }

    /// Answers a TCP segment that came in on the WAN with RST+ACK from the address it was sent to
    /// (RFC 9293 §3.10.7.1).
    pub(super) fn rst_for4(&mut self, frame: &[u8], l2: &L2, ip: &Ip4) {
        let o = l2.l3;
        let l4 = o + ip.ihl;
        let doff = usize::from(frame[l4 + 12] >> 4) * 4;
        let payload = (o + ip.total_len).saturating_sub(l4 + doff);
        let ack = rd32(frame, l4 + 4).wrapping_add(1 + payload as u32);
        let mut f = Vec::with_capacity(o + 40);
        f.extend_from_slice(&frame[6..12]);
        f.extend_from_slice(&self.ifaces[1].mac);
        f.extend_from_slice(&frame[12..o]);
        let mut iph = [0u8; 20];
        iph[0] = 0x45;
        wr16(&mut iph, 2, 40);
        iph[6] = 0x40;
        iph[8] = 64;
        iph[9] = ip_proto::TCP;
        iph[12..16].copy_from_slice(&ip.dst.octets());
        iph[16..20].copy_from_slice(&ip.src.octets());
        let c = internet_checksum(&iph);
        wr16(&mut iph, 10, c);
        let mut tcp = [0u8; 20];
        tcp[0..2].copy_from_slice(&frame[l4 + 2..l4 + 4]);
        tcp[2..4].copy_from_slice(&frame[l4..l4 + 2]);
        wr32(&mut tcp, 8, ack);
        tcp[12] = 5 << 4;
        tcp[13] = TcpFlags::RST | TcpFlags::ACK;
        let ph = PseudoHeader::V4 {
            src: ip.dst,
            dst: ip.src,
        };
        let c = pseudo_checksum(&ph, ip_proto::TCP, &tcp);
        wr16(&mut tcp, 16, c);
        f.extend_from_slice(&iph);
        f.extend_from_slice(&tcp);
        self.out.push((Side::Wan, f));
    }
}
