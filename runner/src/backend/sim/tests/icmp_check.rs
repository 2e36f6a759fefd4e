//! RFC 5508 REQ-3: ICMP errors with a bad ICMP checksum or a bad quoted IPv4 header checksum are
//! dropped, in both directions; `icmp-csum-unchecked` forwards them as Linux treats the quote.

use super::*;

const WAN2_4: [u8; 4] = [203, 0, 113, 4];

/// A port-unreachable error from `src` to `dst` quoting `quoted` (an IPv4 packet without its
/// Ethernet header), entering on `side`, with its checksum computed, then overwritten by
/// `icmp_csum` if given.
fn port_unreachable(side: Side, src: [u8; 4], dst: [u8; 4], quoted: &[u8], icmp_csum: Option<u16>) -> Vec<u8> {
    let mut m = vec![3, 3, 0, 0, 0, 0, 0, 0];
    m.extend_from_slice(quoted);
    let mut f = ip4(side, src, dst, ICMP, &m, false);
    if let Some(c) = icmp_csum {
        wr16(&mut f, 14 + 20 + 2, c);
    }
    f
}

/// An IPv4 UDP datagram without its Ethernet header, with valid checksums unless `ip_csum`
/// overwrites its header checksum.
fn datagram(src: [u8; 4], dst: [u8; 4], sport: u16, dport: u16, ip_csum: Option<u16>) -> Vec<u8> {
    let mut p = ip4(Side::Lan, src, dst, UDP, &udp_dgram(sport, dport, b"q"), false)[14..].to_vec();
    if let Some(c) = ip_csum {
        wr16(&mut p, 10, c);
    }
    p
}

/// A gateway with the mapping LAN 5400 -> WAN 53 (kept as external port 5400).
fn gw_with_dns_mapping(profile: &str) -> SimGateway {
    let mut gw = gw_with(profile);
    let q = lan_to_wan(UDP, &udp_dgram(5400, 53, b"q"));
    let out = feed(&mut gw, Side::Lan, &q, 0);
    assert_eq!(on(&out, Side::Wan)[0].ports(), Some((5400, 53)));
    gw
}

#[test]
fn inbound_errors_with_a_bad_icmp_checksum_are_dropped_and_repaired_without_the_check() {
    for (profile, forwarded) in [("", false), ("icmp-csum-unchecked", true)] {
        let mut gw = gw_with_dns_mapping(profile);
        let quoted = datagram(GW4, WAN4, 5400, 53, None);
        let err = port_unreachable(Side::Wan, WAN2_4, GW4, &quoted, Some(0x1234));
        let lan = on(&feed(&mut gw, Side::Wan, &err, 1), Side::Lan);
        assert_eq!(!lan.is_empty(), forwarded, "{profile}");
        if forwarded {
            assert_eq!(lan[0].csum_ok.1, Some(true), "the ICMP checksum is recomputed");
        }
    }
}

#[test]
fn inbound_errors_quoting_a_bad_ipv4_header_checksum_are_dropped_or_forwarded_with_it_still_wrong() {
    for (profile, forwarded) in [("", false), ("icmp-csum-unchecked", true)] {
        let mut gw = gw_with_dns_mapping(profile);
        let quoted = datagram(GW4, WAN4, 5400, 53, Some(0x1234));
        let err = port_unreachable(Side::Wan, WAN2_4, GW4, &quoted, None);
        let lan = on(&feed(&mut gw, Side::Wan, &err, 1), Side::Lan);
        assert_eq!(!lan.is_empty(), forwarded, "{profile}");
        if forwarded {
            let inner = lan[0].inner.as_ref().unwrap();
            assert_eq!(
                inner.ip.as_ref().unwrap().src,
                std::net::IpAddr::from(LAN4),
                "translated"
            );
            assert_eq!(inner.ports(), Some((5400, 53)));
            assert_eq!(
                lan[0].csum_ok,
                (Some(true), Some(true), Some(false)),
                "only the quote stays wrong"
            );
        }
    }
}

#[test]
fn an_error_whose_quoted_transport_checksum_is_wrong_is_still_translated() {
    // REQ-3 c: the quoted transport checksum is not validated.
    let mut gw = gw_with_dns_mapping("");
    let mut quoted = datagram(GW4, WAN4, 5400, 53, None);
    wr16(&mut quoted, 20 + 6, 0x1234);
    let err = port_unreachable(Side::Wan, WAN2_4, GW4, &quoted, None);
    let lan = on(&feed(&mut gw, Side::Wan, &err, 1), Side::Lan);
    assert_eq!(lan.len(), 1);
    assert_eq!(lan[0].csum_ok, (Some(true), Some(true), Some(true)));
}

#[test]
fn outbound_errors_with_a_bad_icmp_or_quoted_header_checksum_are_dropped() {
    for (profile, forwarded) in [("", false), ("icmp-csum-unchecked", true)] {
        for (icmp_csum, ip_csum) in [(Some(0x1234), None), (None, Some(0x1234))] {
            let mut gw = gw_with_dns_mapping(profile);
            let quoted = datagram(WAN4, LAN4, 53, 5400, ip_csum);
            let err = port_unreachable(Side::Lan, LAN4, WAN4, &quoted, icmp_csum);
            let wan = on(&feed(&mut gw, Side::Lan, &err, 1), Side::Wan);
            assert_eq!(!wan.is_empty(), forwarded, "{profile} {icmp_csum:?} {ip_csum:?}");
        }
    }
}
