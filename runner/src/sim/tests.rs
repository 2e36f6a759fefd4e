//! Properties of the simulated gateway, frame by frame.

use super::*;
use crate::view::{L4View, View};
use crate::wire::checksum;

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

#[test]
fn outbound_udp_is_translated_with_port_preservation_and_valid_checksums() {
    let mut gw = SimGateway::new(&tb(), &Profile::default(), 1);
    let out = gw.input(Side::Lan, &udp(5000, [203, 0, 113, 3], 53, 64), Duration::ZERO);
    let out = arp_reply_for(&mut gw, Side::Wan, &out);
    let (side, b) = out
        .iter()
        .find(|(_, b)| View::of_frame(&FrameRepr::parse(b)).ports().is_some())
        .expect("forwarded");
    assert_eq!(*side, Side::Wan);
    let f = FrameRepr::parse(b);
    let v = View::of_frame(&f);
    assert_eq!(
        v.ip.as_ref().unwrap().src,
        "203.0.113.2".parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(v.ports(), Some((5000, 53)));
    assert_eq!(v.ip.as_ref().unwrap().ttl, 63);
    assert_eq!(f.checksums.ip, Some(true));
    assert_eq!(f.checksums.l4, Some(true));
    let _ = checksum::internet_checksum;
}

#[test]
fn bad_checksum_profile_leaves_the_udp_checksum_stale() {
    let mut gw = SimGateway::new(&tb(), &Profile::parse("bad-checksum").unwrap(), 1);
    let out = gw.input(Side::Lan, &udp(5000, [203, 0, 113, 3], 53, 64), Duration::ZERO);
    let out = arp_reply_for(&mut gw, Side::Wan, &out);
    let f = out
        .iter()
        .map(|(_, b)| FrameRepr::parse(b))
        .find(|f| matches!(View::of_frame(f).l4, L4View::Udp { .. }))
        .unwrap();
    assert_eq!(f.checksums.l4, Some(false));
}

#[test]
fn ttl_one_gives_time_exceeded_and_unsolicited_inbound_is_dropped() {
    let mut gw = SimGateway::new(&tb(), &Profile::default(), 1);
    let out = gw.input(Side::Lan, &udp(5000, [203, 0, 113, 3], 53, 1), Duration::ZERO);
    let v = View::of_frame(&FrameRepr::parse(&out[0].1));
    assert!(matches!(v.l4, L4View::Icmp { ty: 11, .. }), "{v:?}");
    assert_eq!(out[0].0, Side::Lan);
    let profile = Profile::parse("symmetric+apdf").unwrap();
    assert_eq!(profile.to_string(), "symmetric+apdf");
    assert!(
        Profile::parse("syn-data-dorp")
            .unwrap_err()
            .to_string()
            .contains("syn-data-drop")
    );
}

#[test]
fn same_seed_same_outputs() {
    let run = || {
        let mut gw = SimGateway::new(&tb(), &Profile::parse("symmetric").unwrap(), 9);
        let out = gw.input(Side::Lan, &udp(5000, [203, 0, 113, 3], 53, 64), Duration::ZERO);
        arp_reply_for(&mut gw, Side::Wan, &out)
    };
    assert_eq!(run(), run());
}

/// An inbound UDP datagram from the server to the mapping, at `at`.
fn inbound(gw: &mut SimGateway, ext_port: u16, at: Duration) -> Vec<(Side, Vec<u8>)> {
    let t = tb();
    let wan = &t.wan;
    let mut f = crate::engine::build_udp_frame(&t, 53, ext_port, b"reply");
    // Rewrite as WAN host -> gateway, addressed to the gateway's WAN MAC.
    f[0..6].copy_from_slice(&wan.gateway.mac.unwrap());
    f[6..12].copy_from_slice(&wan.hosts[0].mac.unwrap());
    f[14 + 12..14 + 16].copy_from_slice(&wan.hosts[0].ipv4.unwrap().0.octets());
    f[14 + 16..14 + 20].copy_from_slice(&wan.gateway.ipv4.unwrap().0.octets());
    let f = FrameRepr::parse(&f).to_bytes().unwrap();
    let out = gw.input(Side::Wan, &f, at);
    arp_reply_for(gw, Side::Lan, &out)
}

fn delivered_to_lan(out: &[(Side, Vec<u8>)]) -> bool {
    out.iter()
        .any(|(s, b)| *s == Side::Lan && View::of_frame(&FrameRepr::parse(b)).ports() == Some((53, 5000)))
}

#[test]
fn udp_mappings_live_300_seconds_after_the_last_packet_and_30_with_the_quirk() {
    for (profile, alive, dead) in [("", 299, 301), ("udp-timeout-30s", 29, 31)] {
        let mut gw = SimGateway::new(&tb(), &Profile::parse(profile).unwrap(), 1);
        let out = gw.input(Side::Lan, &udp(5000, [203, 0, 113, 3], 53, 64), Duration::ZERO);
        arp_reply_for(&mut gw, Side::Wan, &out);
        assert!(
            delivered_to_lan(&inbound(&mut gw, 5000, Duration::from_secs(1))),
            "{profile}: a reply right away"
        );
        // The reply refreshed the mapping at 1 s.
        assert!(
            delivered_to_lan(&inbound(&mut gw, 5000, Duration::from_secs(1 + alive))),
            "{profile}: alive after {alive} s"
        );
        assert!(
            !delivered_to_lan(&inbound(&mut gw, 5000, Duration::from_secs(1 + alive + dead))),
            "{profile}: expired"
        );
    }
}

#[test]
fn unsolicited_inbound_to_an_unmapped_port_is_dropped() {
    let mut gw = SimGateway::new(&tb(), &Profile::default(), 1);
    assert!(!delivered_to_lan(&inbound(&mut gw, 5000, Duration::ZERO)));
}
