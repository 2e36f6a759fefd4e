//! Properties of the simulated gateway, frame by frame.

use super::*;
use crate::codec::checksum;
use crate::engine::view::{L4View, View};

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
        6 => Some(16),
        17 => Some(6),
        58 => Some(2),
        _ => None,
    }
}

/// An IPv4 frame entering on `side`; the transport checksum is computed unless `keep_csum`.
fn ip4(side: Side, src: [u8; 4], dst: [u8; 4], proto: u8, l4: &[u8], keep_csum: bool) -> Vec<u8> {
    let mut f = eth(side, 0x0800);
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
        Some(at) if proto != 58 => {
            wr16(&mut seg, at, 0);
            let ph = checksum::PseudoHeader::V4 {
                src: src.into(),
                dst: dst.into(),
            };
            let c = checksum::pseudo_checksum(&ph, proto, &seg);
            wr16(&mut seg, at, c);
        }
        _ if proto == 1 => {
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

/// An IPv6 frame entering on `side` with a computed transport checksum.
fn ip6(side: Side, src: std::net::Ipv6Addr, dst: std::net::Ipv6Addr, next: u8, l4: &[u8]) -> Vec<u8> {
    let mut f = eth(side, 0x86dd);
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
    if flags & 0x10 != 0 {
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
        !matches!(v.l4, L4View::Icmp { ty: 133..=137, .. }) && v.eth_type != 0x0806
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

#[test]
fn dmz_host_forwards_unsolicited_inbound_to_the_first_lan_host() {
    for (profile, delivered) in [("", false), ("dmz-host", true)] {
        let mut gw = gw_with(profile);
        let out = feed(
            &mut gw,
            Side::Wan,
            &ip4(Side::Wan, WAN4, GW4, 17, &udp_dgram(4000, 7000, b"knock"), false),
            0,
        );
        let lan = on(&out, Side::Lan);
        assert_eq!(!lan.is_empty(), delivered, "{profile}: {lan:?}");
        if delivered {
            assert_eq!(lan[0].ip.as_ref().unwrap().dst, std::net::IpAddr::from(LAN4));
            assert_eq!(lan[0].csum_ok.1, Some(true));
        }
    }
}

#[test]
fn syn_rst_answers_an_unsolicited_syn_at_once_and_the_compliant_gateway_stays_silent() {
    let syn = ip4(
        Side::Wan,
        WAN4,
        GW4,
        6,
        &tcp_seg(4444, 40600, 1000, 0x02, &[], b""),
        false,
    );
    let out = feed(&mut gw_with(""), Side::Wan, &syn, 0);
    assert!(out.is_empty(), "{out:?}");
    let out = feed(&mut gw_with("syn-rst"), Side::Wan, &syn, 0);
    let wan = on(&out, Side::Wan);
    assert_eq!(wan.len(), 1, "{out:?}");
    let L4View::Tcp {
        flags,
        ack,
        sport,
        dport,
        ..
    } = wan[0].l4
    else {
        panic!("{:?}", wan[0])
    };
    assert_eq!((flags, ack, sport, dport), (0x14, 1001, 40600, 4444));
    assert_eq!(wan[0].csum_ok, (Some(true), Some(true), None));
}

#[test]
fn no_simultaneous_open_drops_the_peers_syn_on_a_mapping() {
    for (profile, delivered) in [("", true), ("no-simultaneous-open", false)] {
        let mut gw = gw_with(profile);
        feed(
            &mut gw,
            Side::Lan,
            &ip4(
                Side::Lan,
                LAN4,
                WAN4,
                6,
                &tcp_seg(40410, 5000, 1, 0x02, &[], b""),
                false,
            ),
            0,
        );
        let out = feed(
            &mut gw,
            Side::Wan,
            &ip4(Side::Wan, WAN4, GW4, 6, &tcp_seg(5000, 40410, 9, 0x02, &[], b""), false),
            0,
        );
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile}");
    }
}

#[test]
fn mss_fixed_1452_raises_a_small_mss_and_keeps_the_checksum_valid() {
    for (profile, want) in [("", 536), ("mss-fixed-1452", 1452)] {
        let mut gw = gw_with(profile);
        let syn = tcp_seg(40310, 80, 1, 0x02, &[2, 4, 0x02, 0x18], b"");
        let out = feed(&mut gw, Side::Lan, &ip4(Side::Lan, LAN4, WAN4, 6, &syn, false), 0);
        let wan = on(&out, Side::Wan);
        let L4View::Tcp { options, .. } = &wan[0].l4 else {
            panic!()
        };
        assert!(
            format!("{options:?}").contains(&format!("Mss({want})")),
            "{profile}: {options:?}"
        );
        assert_eq!(wan[0].csum_ok.1, Some(true));
    }
}

#[test]
fn udp_zero_csum_corrupts_an_absent_udp_checksum() {
    for (profile, kept_zero) in [("", true), ("udp-zero-csum", false)] {
        let mut gw = gw_with(profile);
        let f = ip4(Side::Lan, LAN4, WAN4, 17, &udp_dgram(5300, 5300, b"no checksum"), true);
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
            &ip4(Side::Lan, LAN4, WAN4, 6, &tcp_seg(40960, 80, 1, 0x02, &[], b""), false),
            0,
        );
        let synack = ip4(Side::Wan, WAN4, GW4, 6, &tcp_seg(80, 40960, 7, 0x12, &[], b""), false);
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
        feed(&mut gw, Side::Lan, &ip4(Side::Lan, LAN4, WAN4, 1, &echo(8), false), 0);
        let out = feed(&mut gw, Side::Wan, &ip4(Side::Wan, WAN4, GW4, 1, &echo(0), false), at);
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile} at {at} s");
    }
}

#[test]
fn bad_checksum_leaves_the_icmp_checksum_stale_when_an_echo_id_is_remapped() {
    for (profile, valid) in [("", true), ("bad-checksum", false)] {
        let mut gw = gw_with(profile);
        let echo = [8, 0, 0, 0, 0x10, 0x92, 0, 1];
        feed(&mut gw, Side::Lan, &ip4(Side::Lan, LAN4, WAN4, 1, &echo, false), 0);
        // A second host with the same id: the gateway must give it another external id.
        let mut f = ip4(Side::Lan, [192, 168, 0, 101], WAN4, 1, &echo, false);
        f[6..12].copy_from_slice(&[2, 0, 0, 0, 1, 0x65]);
        let out = feed(&mut gw, Side::Lan, &f, 0);
        let wan = on(&out, Side::Wan);
        let L4View::Icmp { id, .. } = wan[0].l4 else { panic!() };
        assert_ne!(id, Some(0x1092), "{profile}: the id was remapped");
        assert_eq!(wan[0].csum_ok.1, Some(valid), "{profile}");
    }
}

#[test]
fn ipv6_open_forwards_unsolicited_inbound_ipv6() {
    for (profile, delivered) in [("", false), ("ipv6-open", true)] {
        let mut gw = gw_with(profile);
        let f = ip6(Side::Wan, wan6(), lan6(), 17, &udp_dgram(4000, 5200, b"knock"));
        let out = feed(&mut gw, Side::Wan, &f, 0);
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile}: {out:?}");
    }
}

#[test]
fn ipv6_spoofed_and_bogon_sources_are_dropped_unless_a_quirk_forwards_them() {
    let spoofed: std::net::Ipv6Addr = "3fff:0:0:2::4".parse().unwrap();
    let multicast: std::net::Ipv6Addr = "ff02::1".parse().unwrap();
    let mapped: std::net::Ipv6Addr = "::ffff:203.0.113.3".parse().unwrap();
    let cases = [
        ("", spoofed, wan6(), false),
        ("v6-spoof-forwarded", spoofed, wan6(), true),
        ("", multicast, wan6(), false),
        ("v6-bogon-forwarded", multicast, wan6(), true),
        ("", lan6(), mapped, false),
        ("", lan6(), wan6(), true),
    ];
    for (profile, src, dst, forwarded) in cases {
        let mut gw = gw_with(profile);
        let out = feed(
            &mut gw,
            Side::Lan,
            &ip6(Side::Lan, src, dst, 17, &udp_dgram(5720, 53, b"x")),
            0,
        );
        let wan: Vec<_> = on(&out, Side::Wan)
            .into_iter()
            .filter(|v| v.ports().is_some())
            .collect();
        assert_eq!(!wan.is_empty(), forwarded, "{profile}: {src} -> {dst}");
    }
}

#[test]
fn rst_drop_also_drops_ipv6_rsts_and_ts_rewrite_spares_inbound_ipv6() {
    let rst = tcp_seg(40700, 80, 1, 0x14, &[], b"");
    for (profile, forwarded) in [("", true), ("rst-drop", false)] {
        let mut gw = gw_with(profile);
        let out = feed(&mut gw, Side::Lan, &ip6(Side::Lan, lan6(), wan6(), 6, &rst), 0);
        assert_eq!(!on(&out, Side::Wan).is_empty(), forwarded, "{profile}");
    }
    // Timestamps: rewritten outbound only.
    let ts = [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0];
    let mut gw = gw_with("ts-rewrite");
    let out = feed(
        &mut gw,
        Side::Lan,
        &ip6(Side::Lan, lan6(), wan6(), 6, &tcp_seg(40700, 80, 1, 0x02, &ts, b"")),
        0,
    );
    let L4View::Tcp { options, .. } = &on(&out, Side::Wan)[0].l4 else {
        panic!()
    };
    assert!(
        format!("{options:?}").contains("1005"),
        "outbound rewritten: {options:?}"
    );
    let out = feed(
        &mut gw,
        Side::Wan,
        &ip6(Side::Wan, wan6(), lan6(), 6, &tcp_seg(80, 40700, 1, 0x12, &ts, b"")),
        0,
    );
    let L4View::Tcp { options, .. } = &on(&out, Side::Lan)[0].l4 else {
        panic!()
    };
    assert!(
        !format!("{options:?}").contains("1005"),
        "inbound untouched: {options:?}"
    );
}

#[test]
fn seq_hole_drop_drops_a_segment_after_a_gap_and_the_compliant_gateway_forwards_it() {
    for (profile, forwarded) in [("", true), ("seq-hole-drop", false)] {
        let mut gw = gw_with(profile);
        let lan = |seq: u32, flags: u8, data: &[u8]| {
            ip4(
                Side::Lan,
                LAN4,
                WAN4,
                6,
                &tcp_seg(40340, 80, seq, flags, &[], data),
                false,
            )
        };
        feed(&mut gw, Side::Lan, &lan(100, 0x02, b""), 0);
        feed(
            &mut gw,
            Side::Wan,
            &ip4(Side::Wan, WAN4, GW4, 6, &tcp_seg(80, 40340, 7, 0x12, &[], b""), false),
            0,
        );
        // 101..111 goes out; 111..121 is lost; 121..131 leaves a hole.
        assert!(!on(&feed(&mut gw, Side::Lan, &lan(101, 0x18, &[1; 10]), 0), Side::Wan).is_empty());
        let out = feed(&mut gw, Side::Lan, &lan(121, 0x18, &[3; 10]), 0);
        assert_eq!(!on(&out, Side::Wan).is_empty(), forwarded, "{profile}");
        // The retransmission that fills the hole always passes.
        assert!(
            !on(&feed(&mut gw, Side::Lan, &lan(111, 0x18, &[2; 10]), 0), Side::Wan).is_empty(),
            "{profile}"
        );
    }
}

#[test]
fn tfo_blacklist_drops_the_tfo_syn_and_then_every_new_syn_of_that_client() {
    let fo = [34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];
    let syn = |sport: u16, opts: &[u8], data: &[u8]| {
        ip4(
            Side::Lan,
            LAN4,
            WAN4,
            6,
            &tcp_seg(sport, 80, 1, 0x02, opts, data),
            false,
        )
    };
    for (profile, passes) in [("", true), ("tfo-blacklist", false)] {
        let mut gw = gw_with(profile);
        let out = feed(&mut gw, Side::Lan, &syn(40260, &fo, b"GET\n"), 0);
        assert_eq!(!on(&out, Side::Wan).is_empty(), passes, "{profile}: the TFO SYN");
        for sport in [40260, 40261] {
            let out = feed(&mut gw, Side::Lan, &syn(sport, &[], b""), 0);
            assert_eq!(
                !on(&out, Side::Wan).is_empty(),
                passes,
                "{profile}: a plain SYN from port {sport}"
            );
        }
    }
    // A SYN with data but without Fast Open is not what the blacklist reacts to.
    let mut gw = gw_with("tfo-blacklist");
    assert!(!on(&feed(&mut gw, Side::Lan, &syn(40262, &[], b"data"), 0), Side::Wan).is_empty());
}

/// A LAN datagram of `len` data bytes to 203.0.113.3:53, cut into fragments of `piece` bytes.
fn lan_fragments(len: usize, piece: usize) -> Vec<Vec<u8>> {
    let t = tb();
    let data: Vec<u8> = (0..len).map(|i| (i % 256) as u8).collect();
    let mut f = crate::engine::build_udp_frame(&t, 5000, 53, &data);
    f[14 + 6] = 0; // DF off
    let f = FrameRepr::parse(&f).to_bytes().unwrap();
    crate::codec::fragmentation::split_ipv4(&f, piece).unwrap()
}

/// What comes out on WAN for `frames` sent into the LAN side in that order.
fn wan_out(profile: &str, frames: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut gw = SimGateway::new(&tb(), &Profile::parse(profile).unwrap(), 1);
    let mut out = Vec::new();
    for f in frames {
        let o = gw.input(Side::Lan, f, Duration::ZERO);
        out.extend(arp_reply_for(&mut gw, Side::Wan, &o));
    }
    out.into_iter()
        .filter(|(s, b)| *s == Side::Wan && b[12..14] == [0x08, 0x00])
        .map(|(_, b)| b)
        .collect()
}

#[test]
fn fragments_in_any_order_are_translated_and_leave_cut_as_they_came() {
    let parts = lan_fragments(3000, 1480);
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
        let sent: Vec<Vec<u8>> = order.iter().map(|&i| parts[i].clone()).collect();
        let out = wan_out("", &sent);
        assert_eq!(out.len(), 3, "order {order:?}");
        let mut r = crate::codec::reassembly::Reassembler::new();
        let whole = out.iter().enumerate().find_map(|(i, b)| r.push(b, i)).expect("whole");
        let f = FrameRepr::parse(&whole.frame);
        let v = View::of_frame(&f);
        assert_eq!(
            v.ip.as_ref().unwrap().src,
            "203.0.113.2".parse::<std::net::IpAddr>().unwrap()
        );
        assert_eq!(v.ports(), Some((5000, 53)));
        assert_eq!(v.payload.len(), 3000);
        assert_eq!(f.checksums.l4, Some(true), "order {order:?}");
        assert_eq!(whole.largest_piece, 1480);
    }
}

#[test]
fn frag_order_drop_loses_a_datagram_whose_first_fragment_comes_late() {
    let parts = lan_fragments(3000, 1480);
    assert_eq!(wan_out("frag-order-drop", &parts).len(), 3);
    let late_first = [parts[2].clone(), parts[1].clone(), parts[0].clone()];
    assert!(wan_out("frag-order-drop", &late_first).is_empty());
}

#[path = "tests_icmp_check.rs"]
mod icmp_check_tests;
#[path = "tests_v6_filter.rs"]
mod v6_filter_tests;
