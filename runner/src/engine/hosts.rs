//! Host emulation shared by every backend: the emulated hosts answer ARP and IPv6 neighbour
//! solicitations for their addresses, and the runner resolves the gateway's MAC before sending.

use crate::codec::FrameRepr;
use crate::codec::icmpv6::types;
use crate::codec::neighbour;
use crate::codec::{Mac, Net, Transport};
use crate::engine::view::{L4View, View};
use dsl::plan::Side;
use dsl::testbed::Testbed;
use std::net::IpAddr;

/// The answer to an ARP request or neighbour solicitation for an emulated address, if any.
pub fn answer(frame: &FrameRepr, view: &View, side: Side, testbed: &Testbed) -> Option<Vec<u8>> {
    let reply = match (&frame.net, &view.l4, &frame.transport) {
        (Net::Arp(a), L4View::Arp { op: 1, .. }, _) => {
            let mac = emulated_mac(IpAddr::V4(a.target_ip), side, testbed)?;
            neighbour::arp_reply(a, Mac(mac), frame.eth.vlan)?
        }
        (
            Net::Ipv6(ip),
            L4View::Icmp {
                ty: types::NEIGHBOR_SOLICIT,
                ..
            },
            Transport::Icmpv6(icmp),
        ) => {
            let target = neighbour::nd_target(icmp)?;
            let mac = emulated_mac(IpAddr::V6(target), side, testbed)?;
            neighbour::neighbor_advertisement(target, Mac(mac), ip.src, frame.eth.src, frame.eth.vlan)
        }
        _ => return None,
    };
    reply.to_bytes().ok()
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
    let request = neighbour::arp_request(Mac(host.mac?), host.ipv4?.0, gw);
    Some((request.to_bytes().ok()?, gw))
}
