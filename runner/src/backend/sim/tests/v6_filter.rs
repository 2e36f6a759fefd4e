//! The IPv6 filter against RFC 6092, recommendation by recommendation (docs/ipv6-filter.md).

use super::*;
use std::net::Ipv6Addr;

fn wan2_6() -> Ipv6Addr {
    "3fff:0:0:2::4".parse().unwrap()
}

fn addr(s: &str) -> Ipv6Addr {
    s.parse().unwrap()
}

/// Whether an IPv6 packet fed on `side` at `secs` comes out on the other side.
fn passes(gw: &mut SimGateway, side: Side, src: Ipv6Addr, dst: Ipv6Addr, next: u8, l4: &[u8], secs: u64) -> bool {
    let out = feed(gw, side, &ip6(side, src, dst, next, l4), secs);
    !on(&out, side.other()).is_empty()
}

/// An ESP packet: SPI, sequence number, then opaque bytes.
fn esp(spi: u32) -> Vec<u8> {
    let mut p = vec![0u8; 8];
    wr32(&mut p, 0, spi);
    wr32(&mut p, 4, 1);
    p.extend_from_slice(&[0xab; 16]);
    p
}

/// An Authentication Header (HMAC-96 ICV, 24 bytes) in front of a UDP datagram.
fn ah_then_udp(sport: u16, dport: u16) -> Vec<u8> {
    let mut p = vec![17, 4, 0, 0];
    p.extend_from_slice(&0x2001u32.to_be_bytes());
    p.extend_from_slice(&1u32.to_be_bytes());
    p.extend_from_slice(&[0xcd; 12]);
    p.extend(udp_dgram(sport, dport, b"protected"));
    p
}

/// An ICMPv6 error of `ty`/`code` quoting `quoted` (an IPv6 packet without its Ethernet header).
fn icmp6_error(ty: u8, code: u8, quoted: &[u8]) -> Vec<u8> {
    let mut m = vec![ty, code, 0, 0, 0, 0, 0x05, 0x00];
    m.extend_from_slice(quoted);
    m
}

#[test]
fn esp_ah_and_hip_pass_inbound_after_outbound_and_unsolicited_unless_ipsec_is_blocked() {
    // RFC 6092 REC-21 (AH), REC-22 (ESP): not prohibited to and from LAN hosts by default.
    for (profile, allowed) in [("", true), ("v6-ipsec-blocked", false)] {
        let mut gw = gw_with(profile);
        assert!(
            passes(&mut gw, Side::Lan, lan6(), wan6(), ESP, &esp(0x1001), 0),
            "{profile}: outbound ESP"
        );
        assert_eq!(
            passes(&mut gw, Side::Wan, wan6(), lan6(), ESP, &esp(0x2002), 0),
            allowed,
            "{profile}: the inbound ESP of the same pair"
        );
        assert_eq!(
            passes(&mut gw, Side::Wan, wan2_6(), lan6(), ESP, &esp(0x3003), 0),
            allowed,
            "{profile}: unsolicited inbound ESP"
        );
        assert_eq!(
            passes(&mut gw, Side::Wan, wan2_6(), lan6(), AH, &ah_then_udp(4000, 6000), 0),
            allowed,
            "{profile}: unsolicited inbound AH"
        );
        // REC-26: HIP (protocol 139) likewise.
        assert_eq!(
            passes(
                &mut gw,
                Side::Wan,
                wan2_6(),
                lan6(),
                139,
                &[59, 0, 2, 0x11, 0, 0, 0, 0],
                0
            ),
            allowed,
            "{profile}: unsolicited inbound HIP"
        );
    }
}

/// Whether a UDP datagram `src -> dst` fed on `side` at `secs` comes out on the other side.
fn udp_passes(gw: &mut SimGateway, side: Side, src: (Ipv6Addr, u16), dst: (Ipv6Addr, u16), secs: u64) -> bool {
    passes(gw, side, src.0, dst.0, UDP, &udp_dgram(src.1, dst.1, b"datagram"), secs)
}

#[test]
fn ike_on_udp_500_passes_unsolicited_and_nat_t_on_4500_passes_only_as_a_flow() {
    for (profile, ike_unsolicited) in [("", true), ("v6-ipsec-blocked", false)] {
        let mut gw = gw_with(profile);
        // REC-24: UDP to port 500 is not prohibited.
        let unsolicited = udp_passes(&mut gw, Side::Wan, (wan2_6(), 500), (lan6(), 500), 0);
        assert_eq!(unsolicited, ike_unsolicited, "{profile}: unsolicited IKE");
        // Port 4500 is named by no recommendation: an ordinary UDP flow (REC-17, REC-18).
        let nat_t = udp_passes(&mut gw, Side::Wan, (wan2_6(), 4500), (lan6(), 4500), 0);
        assert!(!nat_t, "{profile}: unsolicited 4500");
        assert!(udp_passes(&mut gw, Side::Lan, (lan6(), 4500), (wan6(), 4500), 1));
        let nat_t = udp_passes(&mut gw, Side::Wan, (wan6(), 4500), (lan6(), 4500), 2);
        assert!(nat_t, "{profile}: 4500 after the LAN host opened it");
        // Solicited IKE (the reply to the LAN host's own exchange) passes either way.
        assert!(udp_passes(&mut gw, Side::Lan, (lan6(), 500), (wan6(), 500), 3));
        let reply = udp_passes(&mut gw, Side::Wan, (wan6(), 500), (lan6(), 500), 4);
        assert!(reply, "{profile}: IKE reply");
    }
}

#[test]
fn icmpv6_errors_about_an_esp_flow_reach_the_lan() {
    // REC-23: Packet Too Big and Destination Unreachable quoting an open ESP flow are forwarded.
    for (profile, delivered) in [("", true), ("v6-ipsec-blocked", false)] {
        let mut gw = gw_with(profile);
        let out_esp = ip6(Side::Lan, lan6(), wan6(), ESP, &esp(0x1001));
        feed(&mut gw, Side::Lan, &out_esp, 0);
        let ptb = icmp6_error(2, 0, &out_esp[14..]);
        assert_eq!(
            passes(&mut gw, Side::Wan, wan2_6(), lan6(), ICMPV6, &ptb, 1),
            delivered,
            "{profile}"
        );
    }
}

#[test]
fn udp_filtering_is_endpoint_independent_and_address_and_port_dependent_with_apdf() {
    // REC-17: endpoint-independent by default; `apdf` is the stricter choice REC-17 also allows.
    for (profile, eif) in [("", true), ("apdf", false)] {
        let mut gw = gw_with(profile);
        assert!(udp_passes(&mut gw, Side::Lan, (lan6(), 5740), (wan6(), 3478), 0));
        let from = |gw: &mut SimGateway, remote: (Ipv6Addr, u16), port: u16| {
            udp_passes(gw, Side::Wan, remote, (lan6(), port), 1)
        };
        assert!(from(&mut gw, (wan6(), 3478), 5740), "{profile}: the flow's own reply");
        assert_eq!(from(&mut gw, (wan6(), 3479), 5740), eif, "{profile}: another port");
        assert_eq!(from(&mut gw, (wan2_6(), 3478), 5740), eif, "{profile}: another address");
        assert!(
            !from(&mut gw, (wan2_6(), 3478), 5741),
            "{profile}: a LAN port with no state"
        );
    }
}

#[test]
fn tcp_simultaneous_open_passes_and_tcp_filtering_is_endpoint_independent() {
    // REC-31: simultaneous open; REC-33: endpoint-independent filtering by default.
    for (profile, eif) in [("", true), ("apdf", false)] {
        let mut gw = gw_with(profile);
        let syn = |sport: u16, dport: u16| tcp_seg(sport, dport, 1, TcpFlags::SYN, &[], b"");
        assert!(passes(&mut gw, Side::Lan, lan6(), wan6(), TCP, &syn(40800, 80), 0));
        assert!(
            passes(&mut gw, Side::Wan, wan6(), lan6(), TCP, &syn(80, 40800), 0),
            "{profile}: the peer's SYN"
        );
        assert_eq!(
            passes(&mut gw, Side::Wan, wan2_6(), lan6(), TCP, &syn(81, 40800), 0),
            eif,
            "{profile}: a SYN from another endpoint"
        );
        assert!(
            !passes(&mut gw, Side::Wan, wan2_6(), lan6(), TCP, &syn(81, 40801), 0),
            "{profile}: no state"
        );
    }
}

#[test]
fn other_protocols_keep_endpoint_independent_state_for_five_minutes() {
    // REC-11, REC-12: generic upper-layer protocols (253: experimentation, RFC 3692).
    let mut gw = gw_with("");
    assert!(passes(&mut gw, Side::Lan, lan6(), wan6(), 253, b"experiment", 0));
    assert!(passes(
        &mut gw,
        Side::Wan,
        wan2_6(),
        lan6(),
        253,
        b"from elsewhere",
        300
    ));
    assert!(!passes(&mut gw, Side::Wan, wan6(), lan6(), 253, b"late", 601));
    // REC-20: UDP-Lite state is not UDP state.
    assert!(passes(
        &mut gw,
        Side::Lan,
        lan6(),
        wan6(),
        136,
        &udp_dgram(5750, 5750, b"lite"),
        602
    ));
    assert!(!passes(
        &mut gw,
        Side::Wan,
        wan6(),
        lan6(),
        UDP,
        &udp_dgram(5750, 5750, b"udp"),
        603
    ));
    assert!(passes(
        &mut gw,
        Side::Wan,
        wan6(),
        lan6(),
        136,
        &udp_dgram(5750, 5750, b"lite"),
        603
    ));
}

#[test]
fn udp_state_lives_five_minutes_and_tcp_state_two_hours_four_minutes() {
    // REC-14 (UDP, default 5 min), REC-35 (TCP established, at least 2 h 4 min).
    for (proto, last_ok, too_late) in [(17u8, 300u64, 301u64), (6, 7440, 7441)] {
        let l4 = |sport: u16, dport: u16| match proto {
            6 => tcp_seg(sport, dport, 1, TcpFlags::ACK, &[], b"x"),
            _ => udp_dgram(sport, dport, b"x"),
        };
        let mut gw = gw_with("");
        passes(&mut gw, Side::Lan, lan6(), wan6(), proto, &l4(5760, 443), 0);
        assert!(
            passes(&mut gw, Side::Wan, wan6(), lan6(), proto, &l4(443, 5760), last_ok),
            "{proto}"
        );
        let mut gw = gw_with("");
        passes(&mut gw, Side::Lan, lan6(), wan6(), proto, &l4(5760, 443), 0);
        assert!(
            !passes(&mut gw, Side::Wan, wan6(), lan6(), proto, &l4(443, 5760), too_late),
            "{proto}"
        );
    }
}

#[test]
fn inbound_echo_requests_reach_the_lan() {
    // RFC 4890 §4.3.1 (adopted by RFC 6092 §3.2.1): Echo Request must not be dropped.
    let mut gw = gw_with("");
    assert!(passes(
        &mut gw,
        Side::Wan,
        wan2_6(),
        lan6(),
        ICMPV6,
        &[128, 0, 0, 0, 0, 9, 0, 1],
        0
    ));
}

#[test]
fn forbidden_addresses_and_type_0_routing_headers_are_never_forwarded() {
    // REC-3 (site-local, IPv4-compatible, documentation, ORCHID), REC-7 (unique local), REC-4.
    for a in ["fec0::1", "::203.0.113.3", "2001:db8::1", "2001:10::1", "fd00::1"] {
        for (profile, forwarded) in [("", false), ("v6-bogon-forwarded", true)] {
            let mut gw = gw_with(profile);
            let dgram = udp_dgram(5770, 53, b"x");
            assert_eq!(
                passes(&mut gw, Side::Lan, lan6(), addr(a), UDP, &dgram, 0),
                forwarded,
                "{profile}: to {a}"
            );
        }
    }
    let mut rh0 = vec![17, 2, 0, 1, 0, 0, 0, 0];
    rh0.extend_from_slice(&wan6().octets());
    rh0.extend(udp_dgram(5770, 53, b"x"));
    for (profile, forwarded) in [("", false), ("v6-bogon-forwarded", true)] {
        let mut gw = gw_with(profile);
        assert_eq!(
            passes(&mut gw, Side::Lan, lan6(), wan2_6(), ROUTING, &rh0, 0),
            forwarded,
            "{profile}: RH0"
        );
    }
}

#[test]
fn wan_packets_with_a_source_inside_the_lan_prefix_are_dropped() {
    // REC-6; the inbound Echo Request would pass with a genuine source.
    for (profile, forwarded) in [("", false), ("v6-spoof-forwarded", true)] {
        let mut gw = gw_with(profile);
        let echo = [128, 0, 0, 0, 0, 9, 0, 1];
        assert_eq!(
            passes(&mut gw, Side::Wan, addr("3fff:0:0:1::99"), lan6(), ICMPV6, &echo, 0),
            forwarded,
            "{profile}"
        );
    }
}

#[test]
fn icmpv6_errors_with_a_bad_checksum_are_dropped_unless_checksums_are_unchecked() {
    for (profile, forwarded) in [("", false), ("icmp-csum-unchecked", true)] {
        let mut gw = gw_with(profile);
        let out_udp = ip6(Side::Lan, lan6(), wan6(), UDP, &udp_dgram(5710, 443, b"initial"));
        feed(&mut gw, Side::Lan, &out_udp, 0);
        let with_bad_csum = |side: Side, src: Ipv6Addr, dst: Ipv6Addr, quoted: &[u8]| {
            let mut f = ip6(side, src, dst, ICMPV6, &icmp6_error(1, 4, quoted));
            wr16(&mut f, 14 + 40 + 2, 0x1234);
            f
        };
        let inbound = with_bad_csum(Side::Wan, wan2_6(), lan6(), &out_udp[14..]);
        let out = feed(&mut gw, Side::Wan, &inbound, 1);
        assert_eq!(!on(&out, Side::Lan).is_empty(), forwarded, "{profile}: inbound");
        let in_udp = ip6(Side::Wan, wan6(), lan6(), UDP, &udp_dgram(443, 5710, b"reply"));
        let outbound = with_bad_csum(Side::Lan, lan6(), wan6(), &in_udp[14..]);
        let out = feed(&mut gw, Side::Lan, &outbound, 2);
        assert_eq!(!on(&out, Side::Wan).is_empty(), forwarded, "{profile}: outbound");
    }
}

/// Lets the gateway's clock reach `secs` with no frame in, answering its neighbour
/// solicitations; what it emitted on its own.
fn advance(gw: &mut SimGateway, secs: u64) -> Vec<(Side, FrameRepr)> {
    let t = tb();
    let now = Duration::from_secs(secs);
    let mut out = Vec::new();
    let mut pending = gw.advance(now);
    for _ in 0..4 {
        let mut next = Vec::new();
        for (s, b) in pending {
            let f = FrameRepr::parse(&b);
            match crate::engine::answer_arp(&f, &View::of_frame(&f), s, &t) {
                Some(r) => next.extend(gw.input(s, &r, now)),
                None => out.push((s, f)),
            }
        }
        pending = next;
    }
    out
}

fn admin_prohibited_on_wan(out: &[(Side, FrameRepr)]) -> Vec<View> {
    on(out, Side::Wan)
        .into_iter()
        .filter(|v| matches!(v.l4, L4View::Icmp { ty: 1, code: 1, .. }))
        .collect()
}

#[test]
fn an_unsolicited_syn_is_answered_admin_prohibited_after_six_seconds() {
    // REC-34: not before 6 s, then ICMPv6 Destination Unreachable code 1 quoting the SYN.
    let mut gw = gw_with("");
    let syn = ip6(
        Side::Wan,
        wan6(),
        lan6(),
        TCP,
        &tcp_seg(4444, 22, 1000, TcpFlags::SYN, &[], b""),
    );
    let out = feed(&mut gw, Side::Wan, &syn, 0);
    assert!(
        on(&out, Side::Lan).is_empty() && on(&out, Side::Wan).is_empty(),
        "{out:?}"
    );
    assert_eq!(gw.next_deadline(), Some(Duration::from_secs(6)));
    assert!(admin_prohibited_on_wan(&advance(&mut gw, 5)).is_empty());
    let answers = admin_prohibited_on_wan(&advance(&mut gw, 6));
    assert_eq!(answers.len(), 1);
    let a = &answers[0];
    assert_eq!(a.ip.as_ref().unwrap().dst, std::net::IpAddr::V6(wan6()));
    assert_eq!(a.inner.as_ref().unwrap().ports(), Some((4444, 22)));
    assert_eq!(a.csum_ok.1, Some(true));
    assert_eq!(gw.next_deadline(), None, "answered once");
}

#[test]
fn an_outbound_syn_within_six_seconds_means_no_answer_and_a_simultaneous_open() {
    // REC-34's wait is for REC-31's simultaneous open: the LAN host's SYN cancels the answer.
    let mut gw = gw_with("");
    let syn_in = ip6(
        Side::Wan,
        wan6(),
        lan6(),
        TCP,
        &tcp_seg(4444, 40900, 1000, TcpFlags::SYN, &[], b""),
    );
    feed(&mut gw, Side::Wan, &syn_in, 0);
    let syn_out = ip6(
        Side::Lan,
        lan6(),
        wan6(),
        TCP,
        &tcp_seg(40900, 4444, 7000, TcpFlags::SYN, &[], b""),
    );
    assert!(!on(&feed(&mut gw, Side::Lan, &syn_out, 3), Side::Wan).is_empty());
    assert!(admin_prohibited_on_wan(&advance(&mut gw, 10)).is_empty());
    assert!(
        !on(&feed(&mut gw, Side::Wan, &syn_in, 11), Side::Lan).is_empty(),
        "the peer's SYN now passes"
    );
}

#[test]
fn ipv6_open_forwards_unsolicited_inbound_ipv6() {
    for (profile, delivered) in [("", false), ("ipv6-open", true)] {
        let mut gw = gw_with(profile);
        let f = ip6(Side::Wan, wan6(), lan6(), UDP, &udp_dgram(4000, 5200, b"knock"));
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
            &ip6(Side::Lan, src, dst, UDP, &udp_dgram(5720, 53, b"x")),
            0,
        );
        let wan: Vec<_> = on(&out, Side::Wan)
            .into_iter()
            .filter(|v| v.ports().is_some())
            .collect();
        assert_eq!(!wan.is_empty(), forwarded, "{profile}: {src} -> {dst}");
    }
}
