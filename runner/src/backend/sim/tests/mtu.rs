//! Link MTUs in the simulated gateway: what it does with packets too big for a link.

use super::super::{Profile, SimGateway};
use crate::codec::ethernet::ethertype;
use crate::codec::reassembly::Reassembler;
use crate::codec::{EthernetRepr, FrameRepr, Ipv4Repr, Ipv6Repr, Mac, Net, Transport, UdpRepr};
use crate::engine::view::{L4View, View};
use dsl::plan::Side;
use std::net::IpAddr;
use std::time::Duration;

/// The built-in testbed with these MTUs.
fn testbed(lan: u16, wan: u16) -> dsl::Testbed {
    let mut t = dsl::Testbed::builtin();
    t.lan.mtu = lan;
    t.wan.mtu = wan;
    t
}

fn gateway(t: &dsl::Testbed, profile: &str) -> SimGateway {
    SimGateway::new(t, &Profile::parse(profile).unwrap(), 1)
}

/// A UDP datagram of `ip_len` bytes of IPv4 (DF as given) into `side`: from the LAN host to the
/// WAN host port 5000, or from the WAN host to the gateway's port `port`.
fn udp4(t: &dsl::Testbed, side: Side, port: u16, ip_len: usize, df: bool) -> Vec<u8> {
    let (me, peer) = match side {
        Side::Lan => (&t.lan.hosts[0], &t.lan.gateway),
        Side::Wan => (&t.wan.hosts[0], &t.wan.gateway),
    };
    let (sport, dst, dport) = match side {
        Side::Lan => (port, t.wan.hosts[0].ipv4.unwrap().0, 5000),
        Side::Wan => (5000, t.wan.gateway.ipv4.unwrap().0, port),
    };
    let eth = EthernetRepr {
        dst: Mac(peer.mac.unwrap()),
        src: Mac(me.mac.unwrap()),
        ethertype: ethertype::IPV4,
        vlan: None,
    };
    let mut ip = Ipv4Repr::to_emit(me.ipv4.unwrap().0, dst, 17, 0);
    ip.id = 0x1234;
    ip.df = df;
    let data = (0..ip_len - 28).map(|i| (i % 256) as u8).collect();
    FrameRepr::new(eth, Net::Ipv4(ip), Transport::Udp(UdpRepr::new(sport, dport)), data)
        .to_bytes()
        .unwrap()
}

/// A UDP datagram of `ip_len` bytes of IPv6 from the LAN host to the WAN host port 5000.
fn udp6(t: &dsl::Testbed, ip_len: usize) -> Vec<u8> {
    let eth = EthernetRepr {
        dst: Mac(t.lan.gateway.mac.unwrap()),
        src: Mac(t.lan.hosts[0].mac.unwrap()),
        ethertype: ethertype::IPV6,
        vlan: None,
    };
    let ip = Ipv6Repr::new(t.lan.hosts[0].ipv6.unwrap().0, t.wan.hosts[0].ipv6.unwrap().0, 17, 0);
    let data = (0..ip_len - 48).map(|i| (i % 256) as u8).collect();
    FrameRepr::new(eth, Net::Ipv6(ip), Transport::Udp(UdpRepr::new(40000, 5000)), data)
        .to_bytes()
        .unwrap()
}

/// Feeds a frame, answering the gateway's ARP and ND as the emulated hosts do; what comes out
/// besides address resolution, as (side, frame bytes).
fn feed(t: &dsl::Testbed, gw: &mut SimGateway, side: Side, frame: &[u8]) -> Vec<(Side, Vec<u8>)> {
    let mut pending = gw.input(side, frame, Duration::ZERO);
    let mut out = Vec::new();
    for _ in 0..4 {
        let mut next = Vec::new();
        for (s, b) in pending {
            let f = FrameRepr::parse(&b);
            match crate::engine::answer_arp(&f, &View::of_frame(&f), s, t) {
                Some(r) => next.extend(gw.input(s, &r, Duration::ZERO)),
                None => out.push((s, b)),
            }
        }
        pending = next;
    }
    out.retain(|(_, b)| {
        let v = View::of_frame(&FrameRepr::parse(b));
        !matches!(v.l4, L4View::Icmp { ty: 133..=137, .. }) && v.eth_type != ethertype::ARP
    });
    out
}

fn on(out: &[(Side, Vec<u8>)], side: Side) -> Vec<Vec<u8>> {
    out.iter().filter(|(s, _)| *s == side).map(|(_, b)| b.clone()).collect()
}

fn ip(a: &str) -> IpAddr {
    a.parse().unwrap()
}

/// (type, code, mtu) of an ICMP frame.
fn icmp(b: &[u8]) -> (u8, u8, Option<u32>) {
    match View::of_frame(&FrameRepr::parse(b)).l4 {
        L4View::Icmp { ty, code, mtu, .. } => (ty, code, mtu),
        other => panic!("not ICMP: {other:?}"),
    }
}

#[test]
fn a_df_packet_too_big_for_the_wan_gets_frag_needed_from_the_lan_address_quoting_it_as_sent() {
    let t = testbed(1500, 1400);
    let sent = udp4(&t, Side::Lan, 40000, 1500, true);
    let out = feed(&t, &mut gateway(&t, ""), Side::Lan, &sent);
    assert!(on(&out, Side::Wan).is_empty(), "not forwarded");
    let back = on(&out, Side::Lan);
    assert_eq!(back.len(), 1);
    assert_eq!(icmp(&back[0]), (3, 4, Some(1400)));
    let f = FrameRepr::parse(&back[0]);
    let v = View::of_frame(&f);
    let h = v.ip.as_ref().unwrap();
    assert_eq!((h.src, h.dst), (ip("192.168.0.1"), ip("192.168.0.100")));
    // As Linux sends it: precedence 6 (RFC 1812 §4.3.2.5), TTL 64, 576 bytes in all.
    assert_eq!((h.tos, h.ttl, usize::from(h.len)), (0xc0, 64, 576));
    assert_eq!(v.eth_dst, t.lan.hosts[0].mac.unwrap());
    assert_eq!(f.checksums.l4, Some(true));
    // The quote is the packet as the LAN host sent it: untranslated, TTL not decremented.
    let quoted = &back[0][14 + 28..];
    assert_eq!(quoted, &sent[14..14 + quoted.len()]);
}

#[test]
fn without_the_answer_the_quirks_black_hole_or_fragment_it() {
    let t = testbed(1500, 1400);
    let sent = udp4(&t, Side::Lan, 40000, 1500, true);
    assert!(feed(&t, &mut gateway(&t, "no-frag-needed"), Side::Lan, &sent).is_empty());
    let out = feed(&t, &mut gateway(&t, "df-clear"), Side::Lan, &sent);
    assert!(on(&out, Side::Lan).is_empty());
    assert_eq!(on(&out, Side::Wan).len(), 2, "DF cleared, then fragmented");
}

#[test]
fn a_packet_without_df_leaves_in_fragments_that_fit_the_wan_and_put_back_the_translated_datagram() {
    let t = testbed(1500, 1400);
    let out = feed(
        &t,
        &mut gateway(&t, ""),
        Side::Lan,
        &udp4(&t, Side::Lan, 40000, 1500, false),
    );
    let frags = on(&out, Side::Wan);
    // As Linux cuts it: 1376 data bytes (the most that fit 1400, a multiple of 8), then 104.
    let lens: Vec<usize> = frags.iter().map(|b| b.len() - 14).collect();
    assert_eq!(lens, vec![1396, 124]);
    let mut r = Reassembler::new();
    let whole = frags.iter().enumerate().find_map(|(i, b)| r.push(b, i)).expect("whole");
    let f = FrameRepr::parse(&whole.frame);
    let v = View::of_frame(&f);
    assert_eq!(v.ip.as_ref().unwrap().src, ip("203.0.113.2"));
    assert_eq!(v.payload.len(), 1472);
    assert_eq!(f.checksums.l4, Some(true));
}

#[test]
fn a_packet_of_exactly_the_mtu_passes_and_one_byte_more_does_not() {
    let t = testbed(1500, 1400);
    let mut gw = gateway(&t, "");
    let out = feed(&t, &mut gw, Side::Lan, &udp4(&t, Side::Lan, 40000, 1400, true));
    assert_eq!(on(&out, Side::Wan).len(), 1);
    let out = feed(&t, &mut gw, Side::Lan, &udp4(&t, Side::Lan, 40000, 1401, true));
    assert_eq!(out.len(), 1);
    assert_eq!(icmp(&out[0].1), (3, 4, Some(1400)));
}

#[test]
fn an_inbound_df_packet_too_big_for_the_lan_gets_frag_needed_from_the_wan_address() {
    let t = testbed(1300, 1500);
    let mut gw = gateway(&t, "");
    let out = feed(&t, &mut gw, Side::Lan, &udp4(&t, Side::Lan, 40000, 100, true));
    assert_eq!(on(&out, Side::Wan).len(), 1, "the mapping is made");
    let sent = udp4(&t, Side::Wan, 40000, 1400, true);
    let out = feed(&t, &mut gw, Side::Wan, &sent);
    assert!(on(&out, Side::Lan).is_empty());
    let back = on(&out, Side::Wan);
    assert_eq!(back.len(), 1);
    assert_eq!(icmp(&back[0]), (3, 4, Some(1300)));
    let v = View::of_frame(&FrameRepr::parse(&back[0]));
    let h = v.ip.as_ref().unwrap();
    assert_eq!((h.src, h.dst), (ip("203.0.113.2"), ip("203.0.113.3")));
    // Quoted as it came from the WAN: to the gateway's address and mapped port.
    let quoted = &back[0][14 + 28..];
    assert_eq!(quoted, &sent[14..14 + quoted.len()]);
}

#[test]
fn ipv6_too_big_for_the_wan_is_never_fragmented_and_gets_packet_too_big() {
    let t = testbed(1500, 1400);
    let sent = udp6(&t, 1500);
    let out = feed(&t, &mut gateway(&t, ""), Side::Lan, &sent);
    assert!(on(&out, Side::Wan).is_empty());
    let back = on(&out, Side::Lan);
    assert_eq!(back.len(), 1);
    assert_eq!(icmp(&back[0]), (2, 0, Some(1400)));
    let f = FrameRepr::parse(&back[0]);
    let v = View::of_frame(&f);
    let h = v.ip.as_ref().unwrap();
    assert_eq!((h.src, h.dst), (ip("3fff:0:0:1::1"), ip("3fff:0:0:1::100")));
    assert_eq!(f.checksums.l4, Some(true));
    // As much of the packet as keeps the error within 1280 bytes, hop limit not decremented.
    assert_eq!(back[0].len() - 14, 1280);
    let quoted = &back[0][14 + 48..];
    assert_eq!(quoted, &sent[14..14 + quoted.len()]);
    assert!(feed(&t, &mut gateway(&t, "v6-no-ptb"), Side::Lan, &sent).is_empty());
    let out = feed(&t, &mut gateway(&t, ""), Side::Lan, &udp6(&t, 1400));
    assert_eq!(on(&out, Side::Wan).len(), 1, "a packet of the MTU passes");
}

#[test]
fn a_frame_longer_than_the_link_carries_is_dropped_where_it_arrives() {
    let t = testbed(1500, 1400);
    let mut gw = gateway(&t, "");
    feed(&t, &mut gw, Side::Lan, &udp4(&t, Side::Lan, 40000, 100, true));
    // The interface takes MTU + 18 bytes of frame: an untagged frame with 4 bytes to spare.
    let fits = feed(&t, &mut gw, Side::Wan, &udp4(&t, Side::Wan, 40000, 1404, true));
    assert_eq!(on(&fits, Side::Lan).len(), 1);
    assert!(feed(&t, &mut gw, Side::Wan, &udp4(&t, Side::Wan, 40000, 1405, true)).is_empty());
}

#[test]
fn the_gateways_own_icmp_errors_fit_a_small_link() {
    let t = testbed(300, 1500);
    let mut expiring = udp4(&t, Side::Lan, 40000, 300, false);
    expiring[14 + 8] = 1;
    let f = FrameRepr::parse(&expiring);
    let out = feed(&t, &mut gateway(&t, ""), Side::Lan, &f.to_bytes().unwrap());
    assert_eq!(icmp(&out[0].1).0, 11);
    assert!(out[0].1.len() - 14 <= 300, "{} bytes", out[0].1.len() - 14);
}
