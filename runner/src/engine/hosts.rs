//! Host emulation shared by every backend: the emulated hosts answer ARP and IPv6 neighbour
//! solicitations for their addresses, and the runner resolves the gateway's MAC before sending.

use crate::codec::ethernet::ethertype;
use crate::codec::{ArpOp, ArpRepr, EthernetRepr, FrameRepr, Icmpv6Message, Icmpv6Repr, Ipv6Repr, Mac, Net, Transport};
use crate::engine::view::{L4View, View};
use dsl::plan::Side;
use dsl::testbed::Testbed;
use std::net::{IpAddr, Ipv6Addr};

/// The answer to an ARP request or neighbour solicitation for an emulated address, if any.
pub fn answer(frame: &FrameRepr, view: &View, side: Side, testbed: &Testbed) -> Option<Vec<u8>> {
    match (&frame.net, &view.l4) {
        (Net::Arp(a), L4View::Arp { op: 1, .. }) => {
            let mac = emulated_mac(IpAddr::V4(a.target_ip), side, testbed)?;
            let reply = ArpRepr {
                op: ArpOp::Reply,
                sender_mac: Mac(mac),
                sender_ip: a.target_ip,
                target_mac: a.sender_mac,
                target_ip: a.sender_ip,
            };
            let eth = EthernetRepr {
                dst: a.sender_mac,
                src: Mac(mac),
                ethertype: ethertype::ARP,
                vlan: frame.eth.vlan,
            };
            FrameRepr::new(eth, Net::Arp(reply), Transport::None, vec![])
                .to_bytes()
                .ok()
        }
        (Net::Ipv6(ip), L4View::Icmp { ty: 135, .. }) => {
            let body = match &frame.transport {
                Transport::Icmpv6(icmp) => match &icmp.msg {
                    Icmpv6Message::Other { body, .. } => body,
                    _ => return None,
                },
                _ => return None,
            };
            let target: [u8; 16] = body.get(4..20)?.try_into().ok()?;
            let target = Ipv6Addr::from(target);
            let mac = emulated_mac(IpAddr::V6(target), side, testbed)?;
            let mut na = vec![0x60, 0, 0, 0];
            na.extend_from_slice(&target.octets());
            na.extend_from_slice(&[2, 1]);
            na.extend_from_slice(&mac);
            let dst = if ip.src.is_unspecified() {
                "ff02::1".parse().unwrap_or(ip.src)
            } else {
                ip.src
            };
            let mut v6 = Ipv6Repr::new(target, dst, 58, 0);
            v6.hop_limit = 255;
            let icmp = Icmpv6Repr::from(Icmpv6Message::Other {
                ty: 136,
                code: 0,
                body: na,
            });
            let eth = EthernetRepr {
                dst: frame.eth.src,
                src: Mac(mac),
                ethertype: ethertype::IPV6,
                vlan: frame.eth.vlan,
            };
            FrameRepr::new(eth, Net::Ipv6(v6), Transport::Icmpv6(Box::new(icmp)), vec![])
                .to_bytes()
                .ok()
        }
        _ => None,
    }
}

/// The MAC an emulated host answers with for `ip` on `side`: the host's own, else (for the WAN
/// side, which emulates the whole Internet behind it) the side's first host's. The gateway's own
/// addresses are never answered for.
fn emulated_mac(ip: IpAddr, side: Side, testbed: &Testbed) -> Option<[u8; 6]> {
    let conf = testbed.side(side);
    let is = |h: &dsl::testbed::HostConf| {
        h.ipv4.is_some_and(|a| IpAddr::V4(a.0) == ip) || h.ipv6.is_some_and(|a| IpAddr::V6(a.0) == ip)
    };
    if is(&conf.gateway)
        || testbed
            .side(side.other())
            .gateway
            .ipv4
            .is_some_and(|a| IpAddr::V4(a.0) == ip)
    {
        return None;
    }
    if let Some(h) = conf.hosts.iter().find(|h| is(h)) {
        return h.mac;
    }
    let link_local = matches!(ip, IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80);
    match side {
        Side::Wan if !link_local => conf.hosts.first().and_then(|h| h.mac),
        _ => None,
    }
}

/// An ARP request from the side's first host for the gateway's address on that side.
pub fn gateway_arp_request(side: Side, testbed: &Testbed) -> Option<(Vec<u8>, std::net::Ipv4Addr)> {
    let conf = testbed.side(side);
    let host = conf.hosts.first()?;
    let gw = conf.gateway.ipv4?.0;
    let src_ip = host.ipv4?.0;
    let mac = Mac(host.mac?);
    let req = ArpRepr::request(mac, src_ip, gw);
    let eth = EthernetRepr {
        dst: Mac::BROADCAST,
        src: mac,
        ethertype: ethertype::ARP,
        vlan: None,
    };
    Some((
        FrameRepr::new(eth, Net::Arp(req), Transport::None, vec![])
            .to_bytes()
            .ok()?,
        gw,
    ))
}
