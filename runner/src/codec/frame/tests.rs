//! Tests of [`FrameRepr`].

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::codec::{
    Icmpv4Message, Icmpv6Repr, Ipv6ExtHeader, Ipv6Fragment, QuotedTransport, TcpFlags, TcpOption, TcpOptions, VlanTag,
};

fn eth(ethertype: u16) -> EthernetRepr {
    EthernetRepr {
        dst: "02:00:00:00:00:01".parse().unwrap(),
        src: "02:00:00:00:01:64".parse().unwrap(),
        ethertype,
        vlan: None,
    }
}

const LAN: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 100);
const WAN: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 7);

fn udp4_frame(payload: &[u8]) -> FrameRepr {
    FrameRepr::new(
        eth(ethertype::IPV4),
        Net::Ipv4(Ipv4Repr::new(LAN, WAN, ip_proto::UDP, 0)),
        Transport::Udp(UdpRepr::new(40000, 53)),
        payload.to_vec(),
    )
}

fn syn4_frame() -> FrameRepr {
    let mut eth = eth(ethertype::IPV4);
    eth.vlan = Some(VlanTag {
        pcp: 0,
        dei: false,
        vid: 7,
    });
    let mut ip = Ipv4Repr::new(LAN, WAN, ip_proto::TCP, 0);
    ip.options = vec![1, 1, 1, 0];
    let mut tcp = TcpRepr::new(46970, 80, TcpFlags::new(TcpFlags::SYN));
    tcp.seq = 1;
    tcp.options = TcpOptions::Parsed(vec![
        TcpOption::Mss(1460),
        TcpOption::FastOpen(vec![1, 2, 3, 4]),
        TcpOption::Nop,
        TcpOption::Nop,
    ]);
    FrameRepr::new(
        eth,
        Net::Ipv4(ip),
        Transport::Tcp(tcp),
        b"GET / HTTP/1.0\r\n\r\n".to_vec(),
    )
}

/// Asserts that `f` emits, parses back with valid checksums and no anomalies,
/// keeps its non-computed fields, and re-emits identically.
fn assert_round_trip(f: &FrameRepr) -> FrameRepr {
    let b = f.to_bytes().unwrap();
    assert!(b.len() >= MIN_FRAME_LEN);
    let p = FrameRepr::parse(&b);
    assert!(p.anomalies.is_empty(), "{:?}", p.anomalies);
    assert_eq!(p.eth, f.eth);
    assert_eq!(p.payload, f.payload);
    assert_ne!(p.checksums.l4, Some(false));
    assert_ne!(p.checksums.ip, Some(false));
    assert_eq!(p.to_bytes().unwrap(), b, "re-emitting the parsed frame");
    p
}

#[test]
fn tcp_syn_with_payload_round_trips() {
    let f = syn4_frame();
    let p = assert_round_trip(&f);
    assert_eq!(p.checksums.ip, Some(true));
    assert_eq!(p.checksums.l4, Some(true));
    let (Net::Ipv4(ip), Transport::Tcp(t)) = (&p.net, &p.transport) else {
        panic!("{p:?}")
    };
    let (Net::Ipv4(ip0), Transport::Tcp(t0)) = (&f.net, &f.transport) else {
        unreachable!()
    };
    let ph = PseudoHeader::V4 { src: LAN, dst: WAN };
    let mut ip0 = ip0.clone();
    ip0.payload_len = t.header_len() + f.payload.len();
    assert_eq!(*ip, ip0.filled());
    assert_eq!(*t, t0.filled(&ph, &f.payload));
}

#[test]
fn emitted_checksums_verify_with_etherparse_and_break_on_a_bit_flip() {
    let b = syn4_frame().to_bytes().unwrap();
    let s = etherparse::SlicedPacket::from_ethernet(&b).unwrap();
    let Some(etherparse::NetSlice::Ipv4(ip)) = &s.net else {
        panic!()
    };
    let hdr = ip.header().to_header();
    assert_eq!(hdr.calc_header_checksum(), hdr.header_checksum);
    let Some(etherparse::TransportSlice::Tcp(tcp)) = &s.transport else {
        panic!()
    };
    let expect = tcp.to_header().calc_checksum_ipv4(&hdr, tcp.payload()).unwrap();
    assert_eq!(expect, tcp.checksum());
    let last = b.len() - 1;
    let mut flipped = b.clone();
    flipped[last] ^= 0x01;
    let p = FrameRepr::parse(&flipped);
    assert_eq!(p.checksums.l4, Some(false));
    assert_eq!(p.checksums.ip, Some(true));
}

#[test]
fn small_frames_are_padded_and_padding_is_not_payload() {
    let f = udp4_frame(b"hi");
    let b = f.to_bytes().unwrap();
    assert_eq!(b.len(), 60);
    let p = assert_round_trip(&f);
    assert_eq!(p.payload, b"hi");
    assert_eq!(p.checksums.l4, Some(true));
}

#[test]
fn ipv6_udp_first_fragment_round_trips() {
    let src: Ipv6Addr = "2001:db8::100".parse().unwrap();
    let dst: Ipv6Addr = "2001:db8:1::7".parse().unwrap();
    let mut ip = Ipv6Repr::new(src, dst, ip_proto::UDP, 0);
    ip.extensions = vec![Ipv6ExtHeader::Fragment(Ipv6Fragment {
        offset: 0,
        more: false,
        id: 42,
    })];
    let f = FrameRepr::new(
        eth(ethertype::IPV6),
        Net::Ipv6(ip),
        Transport::Udp(UdpRepr::new(1, 2)),
        vec![9; 300],
    );
    let p = assert_round_trip(&f);
    assert_eq!(p.checksums.l4, Some(true));
    let Net::Ipv6(ip) = &p.net else { panic!() };
    assert_eq!(ip.fragment().unwrap().id, 42);
    assert_eq!(ip.upper_len, 308);
}

#[test]
fn later_fragments_have_no_transport() {
    let mut f = udp4_frame(&[1; 40]);
    let Net::Ipv4(ip) = &mut f.net else { unreachable!() };
    ip.frag_offset = 185;
    let p = FrameRepr::parse(&f.to_bytes().unwrap());
    assert_eq!(p.transport, Transport::None);
    assert_eq!(p.payload.len(), 48);
    assert_eq!(p.checksums.l4, None);
}

#[test]
fn icmp_port_unreachable_frame_checks_the_quoted_header() {
    let original = udp4_frame(b"query").to_bytes().unwrap();
    let quoted = &original[14..14 + 20 + 8 + 5];
    let f = FrameRepr::new(
        eth(ethertype::IPV4),
        Net::Ipv4(Ipv4Repr::new(WAN, LAN, ip_proto::ICMP, 0)),
        Transport::Icmpv4(Box::new(Icmpv4Repr::port_unreachable(quoted))),
        Vec::new(),
    );
    let p = assert_round_trip(&f);
    assert_eq!(
        p.checksums,
        ChecksumStatus {
            ip: Some(true),
            l4: Some(true),
            inner_ip: Some(true)
        }
    );
    let Transport::Icmpv4(i) = &p.transport else { panic!() };
    assert!(matches!(i.msg, Icmpv4Message::DstUnreachable { code: 3, .. }));
    assert!(matches!(i.quoted().unwrap().transport(), QuotedTransport::Udp(u) if u.dst_port == 53));

    // A NAT that forgets to fix the quoted IPv4 checksum.
    let mut broken = quoted.to_vec();
    broken[8] -= 1; // TTL
    let f = FrameRepr::new(
        eth(ethertype::IPV4),
        Net::Ipv4(Ipv4Repr::new(WAN, LAN, ip_proto::ICMP, 0)),
        Transport::Icmpv4(Box::new(Icmpv4Repr::port_unreachable(&broken))),
        Vec::new(),
    );
    let p = FrameRepr::parse(&f.to_bytes().unwrap());
    assert_eq!(p.checksums.inner_ip, Some(false));
    assert_eq!(p.checksums.l4, Some(true));
}

#[test]
fn icmpv6_frame_round_trips() {
    let src: Ipv6Addr = "fe80::1".parse().unwrap();
    let f = FrameRepr::new(
        eth(ethertype::IPV6),
        Net::Ipv6(Ipv6Repr::new(src, "ff02::1".parse().unwrap(), ip_proto::ICMPV6, 0)),
        Transport::Icmpv6(Box::new(Icmpv6Repr::echo_request(7, 1, b"abc"))),
        Vec::new(),
    );
    let p = assert_round_trip(&f);
    assert_eq!(p.checksums.l4, Some(true));
    let mut bad = f.clone();
    bad.payload = vec![1];
    assert!(bad.to_bytes().is_err());
}

#[test]
fn arp_frame_round_trips() {
    let a = ArpRepr::request(eth(0).src, LAN, Ipv4Addr::new(192, 168, 1, 1));
    let f = FrameRepr::new(eth(ethertype::ARP), Net::Arp(a.clone()), Transport::None, vec![]);
    let b = f.to_bytes().unwrap();
    assert_eq!(b.len(), 60);
    assert_eq!(FrameRepr::parse(&b), f);
}

#[test]
fn lying_lengths_are_clamped_and_flagged() {
    let mut f = udp4_frame(&[0xab; 100]);
    if let Net::Ipv4(ip) = &mut f.net {
        ip.overrides.total_len = Some(1000);
    }
    let p = FrameRepr::parse(&f.to_bytes().unwrap());
    assert_eq!(p.payload.len(), 100);
    assert!(
        p.anomalies.iter().any(|a| a.contains("total length 1000")),
        "{:?}",
        p.anomalies
    );
    let Net::Ipv4(ip) = &p.net else { panic!() };
    assert_eq!(ip.total_len, 1000, "the observed value is kept");

    let mut f = udp4_frame(&[0xab; 100]);
    if let Transport::Udp(u) = &mut f.transport {
        u.overrides.length = Some(50);
    }
    let p = FrameRepr::parse(&f.to_bytes().unwrap());
    assert_eq!(p.payload.len(), 42);
    assert!(p.anomalies.iter().any(|a| a.contains("udp length 50")));

    let mut f = udp4_frame(&[0xab; 100]);
    if let Net::Ipv4(ip) = &mut f.net {
        ip.overrides.total_len = Some(10);
        ip.overrides.checksum = Some(0);
    }
    let p = FrameRepr::parse(&f.to_bytes().unwrap());
    assert_eq!(p.checksums.ip, Some(false));
    assert!(!p.anomalies.is_empty());
}

#[test]
fn unknown_ethertype_and_truncated_frames() {
    let mut b = vec![0u8; 60];
    b[12] = 0x88;
    b[13] = 0xcc;
    let p = FrameRepr::parse(&b);
    assert_eq!(p.net, Net::Other(vec![0; 46]));
    assert_eq!(p.anomalies, vec!["unknown ethertype 0x88cc".to_string()]);
    let full = syn4_frame().to_bytes().unwrap();
    for len in 0..full.len() {
        let p = FrameRepr::parse(&full[..len]);
        if len < full.len() {
            assert!(!p.anomalies.is_empty() || len == 0, "len {len}");
        }
    }
}

#[test]
fn jumbo_frame() {
    let f = udp4_frame(&vec![0x42; 65_000]);
    let p = assert_round_trip(&f);
    assert_eq!(p.payload.len(), 65_000);
    let mut huge = f.clone();
    huge.payload = vec![0; 65_536];
    assert!(huge.to_bytes().is_err(), "does not fit the IPv4 total length");
}

/// A Linux TCP Fast Open SYN carrying data, with a cookie from an earlier
/// connection, written out byte by byte.
#[rustfmt::skip]
const REAL_TFO_SYN: &[u8] = &[
    // Ethernet: dst, src, IPv4
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x64, 0x08, 0x00,
    // IPv4: 45 00 len=0x0063 id=0x5b2c DF ttl=64 tcp csum 192.168.1.100 -> 93.184.216.34
    0x45, 0x00, 0x00, 0x63, 0x5b, 0x2c, 0x40, 0x00, 0x40, 0x06, CSUM_IP[0], CSUM_IP[1],
    0xc0, 0xa8, 0x01, 0x64, 0x5d, 0xb8, 0xd8, 0x22,
    // TCP: 46970 -> 80, seq 0x6a1f0e3b, ack 0, doff 13, SYN, win 64240, csum, urg 0
    0xb7, 0x7a, 0x00, 0x50, 0x6a, 0x1f, 0x0e, 0x3b, 0x00, 0x00, 0x00, 0x00,
    0xd0, 0x02, 0xfa, 0xf0, CSUM_TCP[0], CSUM_TCP[1], 0x00, 0x00,
    // mss 1460, sackOK, TS val 2882400018 ecr 0, nop, wscale 7
    0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0xab, 0xcd, 0xef, 0x12,
    0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
    // tfo cookie 8a3c5d1e77b042c9, nop, nop
    0x22, 0x0a, 0x8a, 0x3c, 0x5d, 0x1e, 0x77, 0xb0, 0x42, 0xc9, 0x01, 0x01,
    // "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
    b'G', b'E', b'T', b' ', b'/', b' ', b'H', b'T', b'T', b'P', b'/', b'1', b'.', b'1',
    b'\r', b'\n', b'H', b'o', b's', b't', b':', b' ', b'a', b'\r', b'\n', b'\r', b'\n',
];
const CSUM_IP: [u8; 2] = [0xe7, 0x81];
const CSUM_TCP: [u8; 2] = [0x58, 0x66];

#[test]
fn real_tfo_syn_is_decoded() {
    let p = FrameRepr::parse(REAL_TFO_SYN);
    assert!(p.anomalies.is_empty(), "{:?}", p.anomalies);
    assert_eq!(
        p.checksums,
        ChecksumStatus {
            ip: Some(true),
            l4: Some(true),
            inner_ip: None
        }
    );
    let (Net::Ipv4(ip), Transport::Tcp(t)) = (&p.net, &p.transport) else {
        panic!("{p:?}")
    };
    assert_eq!((ip.src, ip.dst), (LAN, Ipv4Addr::new(93, 184, 216, 34)));
    assert_eq!((ip.id, ip.df, ip.ttl, ip.total_len), (0x5b2c, true, 64, 99));
    assert_eq!(
        (t.src_port, t.dst_port, t.seq, t.data_offset),
        (46970, 80, 0x6a1f0e3b, 13)
    );
    assert_eq!(t.flags.to_string(), "S");
    assert_eq!(t.window, 64240);
    assert_eq!(
        t.options.to_string(),
        "<mss 1460, sackOK, ts val 2882400018 ecr 0, nop, wscale 7, fo 8a3c5d1e77b042c9, nop, nop>"
    );
    assert_eq!(p.payload, b"GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(p.to_bytes().unwrap(), REAL_TFO_SYN, "re-emits byte for byte");

    // Independent check of both checksums with etherparse.
    let s = etherparse::SlicedPacket::from_ethernet(REAL_TFO_SYN).unwrap();
    let Some(etherparse::NetSlice::Ipv4(ip)) = &s.net else {
        panic!()
    };
    let hdr = ip.header().to_header();
    assert_eq!(hdr.calc_header_checksum(), 0xe781);
    let Some(etherparse::TransportSlice::Tcp(tcp)) = &s.transport else {
        panic!()
    };
    let sum = tcp.to_header().calc_checksum_ipv4(&hdr, tcp.payload()).unwrap();
    assert_eq!(sum, 0x5866);
}
