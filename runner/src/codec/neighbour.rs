//! The frames that find the MAC address behind an IP address on a link: ARP requests and replies
//! (RFC 826), and IPv6 neighbour solicitations and advertisements (RFC 4861 §4.3, §4.4). The
//! emulated hosts answer with them and the simulated gateway both asks and answers, so they are
//! built here once.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::ethernet::ethertype;
use super::icmpv6::types;
use super::{
    ArpRepr, EthernetRepr, FrameRepr, Icmpv6Message, Icmpv6Repr, Ipv6Repr, Mac, Net, Transport, VlanTag, ip_proto,
};

/// Neighbour discovery option: the sender's link-layer address (RFC 4861 §4.6.1).
const SOURCE_LINK_ADDR: u8 = 1;
/// Neighbour discovery option: the target's link-layer address (RFC 4861 §4.6.1).
const TARGET_LINK_ADDR: u8 = 2;
/// Neighbor Advertisement flags: Solicited and Override (RFC 4861 §4.4).
const SOLICITED_OVERRIDE: u8 = 0x60;
/// The hop limit every neighbour discovery message carries, so that a receiver can tell it came
/// from its own link (RFC 4861 §7.1).
const ND_HOP_LIMIT: u8 = 255;

/// A broadcast ARP request from `mac`/`ip` asking who has `target`.
pub fn arp_request(mac: Mac, ip: Ipv4Addr, target: Ipv4Addr) -> FrameRepr {
    let eth = EthernetRepr {
        dst: Mac::BROADCAST,
        src: mac,
        ethertype: ethertype::ARP,
        vlan: None,
    };
    FrameRepr::new(
        eth,
        Net::Arp(ArpRepr::request(mac, ip, target)),
        Transport::None,
        vec![],
    )
}

/// The reply of `mac`, which owns the address `request` asks for, sent back to the asker (on the
/// VLAN the request came on). `None` when `request` is not a request.
pub fn arp_reply(request: &ArpRepr, mac: Mac, vlan: Option<VlanTag>) -> Option<FrameRepr> {
    let eth = EthernetRepr {
        dst: request.sender_mac,
        src: mac,
        ethertype: ethertype::ARP,
        vlan,
    };
    let reply = request.reply_to(mac)?;
    Some(FrameRepr::new(eth, Net::Arp(reply), Transport::None, vec![]))
}

/// A neighbour solicitation from `mac`/`ip` for `target`, sent to the target's solicited-node
/// multicast group (RFC 4291 §2.7.1).
pub fn neighbor_solicitation(mac: Mac, ip: Ipv6Addr, target: Ipv6Addr) -> FrameRepr {
    let t = target.octets();
    let group = Ipv6Addr::new(
        0xff02,
        0,
        0,
        0,
        0,
        1,
        0xff00 | u16::from(t[13]),
        u16::from_be_bytes([t[14], t[15]]),
    );
    let g = group.octets();
    let eth = EthernetRepr {
        dst: Mac([0x33, 0x33, g[12], g[13], g[14], g[15]]),
        src: mac,
        ethertype: ethertype::IPV6,
        vlan: None,
    };
    let icmp = nd_message(types::NEIGHBOR_SOLICIT, 0, target, SOURCE_LINK_ADDR, mac);
    nd_frame(eth, ip, group, icmp)
}

/// The solicited advertisement that `target` is at `mac`, answering a solicitation from
/// `asker_ip`/`asker_mac` (on the VLAN the solicitation came on); to all nodes when the asker
/// had no address yet (duplicate address detection).
pub fn neighbor_advertisement(
    target: Ipv6Addr,
    mac: Mac,
    asker_ip: Ipv6Addr,
    asker_mac: Mac,
    vlan: Option<VlanTag>,
) -> FrameRepr {
    let dst = if asker_ip.is_unspecified() {
        Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1)
    } else {
        asker_ip
    };
    let eth = EthernetRepr {
        dst: asker_mac,
        src: mac,
        ethertype: ethertype::IPV6,
        vlan,
    };
    let icmp = nd_message(
        types::NEIGHBOR_ADVERT,
        SOLICITED_OVERRIDE,
        target,
        TARGET_LINK_ADDR,
        mac,
    );
    nd_frame(eth, target, dst, icmp)
}

/// The target address of a neighbour solicitation or advertisement.
pub fn nd_target(icmp: &Icmpv6Repr) -> Option<Ipv6Addr> {
    match &icmp.msg {
        Icmpv6Message::Other { ty, body, .. } if matches!(*ty, types::NEIGHBOR_SOLICIT | types::NEIGHBOR_ADVERT) => {
            let target: [u8; 16] = body.get(4..20)?.try_into().ok()?;
            Some(Ipv6Addr::from(target))
        }
        _ => None,
    }
}

/// A solicitation or advertisement: flags, three reserved bytes, the target, and one link-layer
/// address option.
fn nd_message(ty: u8, flags: u8, target: Ipv6Addr, option: u8, mac: Mac) -> Icmpv6Repr {
    let mut body = vec![flags, 0, 0, 0];
    body.extend_from_slice(&target.octets());
    body.extend_from_slice(&[option, 1]);
    body.extend_from_slice(&mac.0);
    Icmpv6Repr::from(Icmpv6Message::Other { ty, code: 0, body })
}

fn nd_frame(eth: EthernetRepr, src: Ipv6Addr, dst: Ipv6Addr, icmp: Icmpv6Repr) -> FrameRepr {
    let mut ip = Ipv6Repr::new(src, dst, ip_proto::ICMPV6, 0);
    ip.hop_limit = ND_HOP_LIMIT;
    FrameRepr::new(eth, Net::Ipv6(ip), Transport::Icmpv6(Box::new(icmp)), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::ArpOp;
    use crate::codec::checksum::icmpv6_valid;

    const HOST: Mac = Mac([2, 0, 0, 0, 1, 0x64]);
    const GW: Mac = Mac([2, 0, 0, 0, 1, 1]);

    fn parsed(f: &FrameRepr) -> FrameRepr {
        FrameRepr::parse(&f.to_bytes().unwrap())
    }

    #[test]
    fn an_arp_reply_answers_the_request_it_is_built_from() {
        let (host_ip, gw_ip) = (Ipv4Addr::new(192, 168, 0, 100), Ipv4Addr::new(192, 168, 0, 1));
        let req = parsed(&arp_request(HOST, host_ip, gw_ip));
        assert_eq!(req.eth.dst, Mac::BROADCAST);
        let Net::Arp(a) = &req.net else { panic!("{req:?}") };
        let rep = parsed(&arp_reply(a, GW, None).unwrap());
        let Net::Arp(r) = &rep.net else { panic!("{rep:?}") };
        assert_eq!((r.op, r.sender_mac, r.sender_ip), (ArpOp::Reply, GW, gw_ip));
        assert_eq!((rep.eth.dst, r.target_ip), (HOST, host_ip));
        assert!(arp_reply(r, HOST, None).is_none(), "a reply is not answered");
    }

    #[test]
    fn an_advertisement_answers_the_solicitation_for_its_target() {
        let host: Ipv6Addr = "3fff:0:0:1::100".parse().unwrap();
        let gw: Ipv6Addr = "3fff:0:0:1::1".parse().unwrap();
        let ns = parsed(&neighbor_solicitation(HOST, host, gw));
        let (Net::Ipv6(ip), Transport::Icmpv6(icmp)) = (&ns.net, &ns.transport) else {
            panic!("{ns:?}")
        };
        assert_eq!(ip.dst, "ff02::1:ff00:1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(ns.eth.dst, Mac([0x33, 0x33, 0xff, 0, 0, 1]));
        assert_eq!(
            (icmp.ty(), ip.hop_limit, nd_target(icmp)),
            (types::NEIGHBOR_SOLICIT, 255, Some(gw))
        );
        assert_eq!(ns.checksums.l4, Some(true));

        let na = parsed(&neighbor_advertisement(gw, GW, ip.src, ns.eth.src, None));
        let (Net::Ipv6(aip), Transport::Icmpv6(a)) = (&na.net, &na.transport) else {
            panic!("{na:?}")
        };
        assert_eq!((aip.src, aip.dst, na.eth.dst), (gw, host, HOST));
        assert_eq!((a.ty(), nd_target(a)), (types::NEIGHBOR_ADVERT, Some(gw)));
        let Icmpv6Message::Other { body, .. } = &a.msg else {
            panic!()
        };
        assert_eq!(
            &body[20..],
            &[TARGET_LINK_ADDR, 1, 2, 0, 0, 0, 1, 1],
            "the target's MAC"
        );
        let bytes = na.to_bytes().unwrap();
        let ph = crate::codec::PseudoHeader::V6 {
            src: aip.src,
            dst: aip.dst,
        };
        assert!(icmpv6_valid(&ph, &bytes[54..]));

        let dad = parsed(&neighbor_advertisement(gw, GW, Ipv6Addr::UNSPECIFIED, HOST, None));
        let Net::Ipv6(dip) = &dad.net else { panic!() };
        assert_eq!(dip.dst, "ff02::1".parse::<Ipv6Addr>().unwrap(), "to all nodes");
    }
}
