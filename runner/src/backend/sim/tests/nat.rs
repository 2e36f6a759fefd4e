//! The NAT: translation, mappings and their timeouts, ICMP queries, checksums, the DMZ host.

use super::*;

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

#[test]
fn dmz_host_forwards_unsolicited_inbound_to_the_first_lan_host() {
    for (profile, delivered) in [("", false), ("dmz-host", true)] {
        let mut gw = gw_with(profile);
        let out = feed(&mut gw, Side::Wan, &wan_to_gw(UDP, &udp_dgram(4000, 7000, b"knock")), 0);
        let lan = on(&out, Side::Lan);
        assert_eq!(!lan.is_empty(), delivered, "{profile}: {lan:?}");
        if delivered {
            assert_eq!(lan[0].ip.as_ref().unwrap().dst, std::net::IpAddr::from(LAN4));
            assert_eq!(lan[0].csum_ok.1, Some(true));
        }
    }
}

#[test]
fn udp_zero_csum_corrupts_an_absent_udp_checksum() {
    for (profile, kept_zero) in [("", true), ("udp-zero-csum", false)] {
        let mut gw = gw_with(profile);
        let f = ip4(Side::Lan, LAN4, WAN4, UDP, &udp_dgram(5300, 5300, b"no checksum"), true);
        let out = feed(&mut gw, Side::Lan, &f, 0);
        let wan = on(&out, Side::Wan);
        let L4View::Udp { csum, .. } = wan[0].l4 else { panic!() };
        assert_eq!(csum == 0, kept_zero, "{profile}");
        assert_eq!(wan[0].csum_ok.1, Some(kept_zero), "{profile}");
    }
}

#[test]
fn half_open_tcp_lives_240_seconds_and_120_with_the_quirk() {
    for (profile, at, delivered) in [
        ("", 239, true),
        ("tcp-transitory-120s", 200, false),
        ("tcp-transitory-120s", 119, true),
    ] {
        let mut gw = gw_with(profile);
        feed(
            &mut gw,
            Side::Lan,
            &lan_to_wan(TCP, &tcp_seg(40960, 80, 1, TcpFlags::SYN, &[], b"")),
            0,
        );
        let synack = wan_to_gw(TCP, &tcp_seg(80, 40960, 7, TcpFlags::SYN | TcpFlags::ACK, &[], b""));
        let out = feed(&mut gw, Side::Wan, &synack, at);
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile} at {at} s");
    }
}

#[test]
fn icmp_query_sessions_live_60_seconds_and_30_with_the_quirk() {
    let echo = |ty: u8| {
        let mut m = vec![ty, 0, 0, 0, 0, 77, 0, 1];
        m.extend_from_slice(b"slow");
        m
    };
    for (profile, at, delivered) in [
        ("", 59, true),
        ("icmp-timeout-30s", 45, false),
        ("icmp-timeout-30s", 29, true),
    ] {
        let mut gw = gw_with(profile);
        feed(&mut gw, Side::Lan, &lan_to_wan(ICMP, &echo(8)), 0);
        let out = feed(&mut gw, Side::Wan, &wan_to_gw(ICMP, &echo(0)), at);
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile} at {at} s");
    }
}

#[test]
fn bad_checksum_leaves_the_icmp_checksum_stale_when_an_echo_id_is_remapped() {
    for (profile, valid) in [("", true), ("bad-checksum", false)] {
        let mut gw = gw_with(profile);
        let echo = [8, 0, 0, 0, 0x10, 0x92, 0, 1];
        feed(&mut gw, Side::Lan, &lan_to_wan(ICMP, &echo), 0);
        // A second host with the same id: the gateway must give it another external id.
        let mut f = ip4(Side::Lan, [192, 168, 0, 101], WAN4, ICMP, &echo, false);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 1, 0x65]);
        let out = feed(&mut gw, Side::Lan, &f, 0);
        let wan = on(&out, Side::Wan);
        let L4View::Icmp { id, .. } = wan[0].l4 else { panic!() };
        assert_ne!(id, Some(0x1092), "{profile}: the id was remapped");
        assert_eq!(wan[0].csum_ok.1, Some(valid), "{profile}");
    }
}
