//! The TCP quirks, each against the compliant gateway: what they drop and what they rewrite.

use super::*;

#[test]
fn syn_rst_answers_an_unsolicited_syn_at_once_and_the_compliant_gateway_stays_silent() {
    let syn = wan_to_gw(TCP, &tcp_seg(4444, 40600, 1000, TcpFlags::SYN, &[], b""));
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
    assert_eq!(
        (flags, ack, sport, dport),
        (TcpFlags::RST | TcpFlags::ACK, 1001, 40600, 4444)
    );
    assert_eq!(wan[0].csum_ok, (Some(true), Some(true), None));
}

#[test]
fn no_simultaneous_open_drops_the_peers_syn_on_a_mapping() {
    for (profile, delivered) in [("", true), ("no-simultaneous-open", false)] {
        let mut gw = gw_with(profile);
        feed(
            &mut gw,
            Side::Lan,
            &lan_to_wan(TCP, &tcp_seg(40410, 5000, 1, TcpFlags::SYN, &[], b"")),
            0,
        );
        let out = feed(
            &mut gw,
            Side::Wan,
            &wan_to_gw(TCP, &tcp_seg(5000, 40410, 9, TcpFlags::SYN, &[], b"")),
            0,
        );
        assert_eq!(!on(&out, Side::Lan).is_empty(), delivered, "{profile}");
    }
}

#[test]
fn mss_fixed_1452_raises_a_small_mss_and_keeps_the_checksum_valid() {
    for (profile, want) in [("", 536), ("mss-fixed-1452", 1452)] {
        let mut gw = gw_with(profile);
        let syn = tcp_seg(40310, 80, 1, TcpFlags::SYN, &[2, 4, 0x02, 0x18], b"");
        let out = feed(&mut gw, Side::Lan, &lan_to_wan(TCP, &syn), 0);
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
fn rst_drop_also_drops_ipv6_rsts_and_ts_rewrite_spares_inbound_ipv6() {
    let rst = tcp_seg(40700, 80, 1, TcpFlags::RST | TcpFlags::ACK, &[], b"");
    for (profile, forwarded) in [("", true), ("rst-drop", false)] {
        let mut gw = gw_with(profile);
        let out = feed(&mut gw, Side::Lan, &ip6(Side::Lan, lan6(), wan6(), TCP, &rst), 0);
        assert_eq!(!on(&out, Side::Wan).is_empty(), forwarded, "{profile}");
    }
    // Timestamps: rewritten outbound only.
    let ts = [1, 1, 8, 10, 0, 0, 0, 5, 0, 0, 0, 0];
    let mut gw = gw_with("ts-rewrite");
    let out = feed(
        &mut gw,
        Side::Lan,
        &ip6(
            Side::Lan,
            lan6(),
            wan6(),
            TCP,
            &tcp_seg(40700, 80, 1, TcpFlags::SYN, &ts, b""),
        ),
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
        &ip6(
            Side::Wan,
            wan6(),
            lan6(),
            TCP,
            &tcp_seg(80, 40700, 1, TcpFlags::SYN | TcpFlags::ACK, &ts, b""),
        ),
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
        let lan = |seq: u32, flags: u8, data: &[u8]| lan_to_wan(TCP, &tcp_seg(40340, 80, seq, flags, &[], data));
        feed(&mut gw, Side::Lan, &lan(100, TcpFlags::SYN, b""), 0);
        feed(
            &mut gw,
            Side::Wan,
            &wan_to_gw(TCP, &tcp_seg(80, 40340, 7, TcpFlags::SYN | TcpFlags::ACK, &[], b"")),
            0,
        );
        // 101..111 goes out; 111..121 is lost; 121..131 leaves a hole.
        assert!(
            !on(
                &feed(
                    &mut gw,
                    Side::Lan,
                    &lan(101, TcpFlags::PSH | TcpFlags::ACK, &[1; 10]),
                    0
                ),
                Side::Wan
            )
            .is_empty()
        );
        let out = feed(
            &mut gw,
            Side::Lan,
            &lan(121, TcpFlags::PSH | TcpFlags::ACK, &[3; 10]),
            0,
        );
        assert_eq!(!on(&out, Side::Wan).is_empty(), forwarded, "{profile}");
        // The retransmission that fills the hole always passes.
        assert!(
            !on(
                &feed(
                    &mut gw,
                    Side::Lan,
                    &lan(111, TcpFlags::PSH | TcpFlags::ACK, &[2; 10]),
                    0
                ),
                Side::Wan
            )
            .is_empty(),
            "{profile}"
        );
    }
}

#[test]
fn tfo_blacklist_drops_the_tfo_syn_and_then_every_new_syn_of_that_client() {
    let fo = [34, 10, 1, 2, 3, 4, 5, 6, 7, 8, 1, 1];
    let syn = |sport: u16, opts: &[u8], data: &[u8]| lan_to_wan(TCP, &tcp_seg(sport, 80, 1, TcpFlags::SYN, opts, data));
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
