//! Property tests: [`FrameRepr::parse`] never panics (and always terminates),
//! on random bytes and on mutations of valid frames.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use super::*;

/// Valid frames of every kind, used as seeds for mutation.
fn seeds() -> Vec<Vec<u8>> {
    let eth = |ethertype| EthernetRepr {
        dst: Mac([2, 0, 0, 0, 0, 1]),
        src: Mac([2, 0, 0, 0, 1, 0x64]),
        ethertype,
        vlan: None,
    };
    let (a4, b4) = (Ipv4Addr::new(192, 168, 1, 100), Ipv4Addr::new(203, 0, 113, 7));
    let (a6, b6): (Ipv6Addr, Ipv6Addr) = ("2001:db8::1".parse().unwrap(), "2001:db8::2".parse().unwrap());
    let mut tcp = TcpRepr::new(1234, 80, TcpFlags::new(TcpFlags::SYN));
    tcp.options = TcpOptions::Parsed(vec![
        TcpOption::Mss(1460),
        TcpOption::Sack(vec![(1, 2)]),
        TcpOption::Timestamps { val: 1, ecr: 2 },
        TcpOption::FastOpen(vec![1, 2, 3, 4]),
    ]);
    let udp_bytes = {
        let udp = FrameRepr::new(
            eth(ethertype::IPV4),
            Net::Ipv4(Ipv4Repr::new(a4, b4, ip_proto::UDP, 0)),
            Transport::Udp(UdpRepr::new(5, 6)),
            vec![0x11; 30],
        );
        udp.to_bytes().unwrap()
    };
    let mut ip6 = Ipv6Repr::new(a6, b6, ip_proto::TCP, 0);
    ip6.extensions = vec![
        Ipv6ExtHeader::HopByHop(vec![1, 4, 0, 0, 0, 0]),
        Ipv6ExtHeader::Fragment(Ipv6Fragment::default()),
    ];
    let mut vlan_eth = eth(ethertype::IPV6);
    vlan_eth.vlan = Some(VlanTag {
        pcp: 1,
        dei: false,
        vid: 10,
    });
    let frames = [
        FrameRepr::new(
            eth(ethertype::IPV4),
            Net::Ipv4(Ipv4Repr::new(a4, b4, ip_proto::TCP, 0)),
            Transport::Tcp(tcp.clone()),
            b"data".to_vec(),
        ),
        FrameRepr::new(vlan_eth, Net::Ipv6(ip6), Transport::Tcp(tcp), vec![7; 20]),
        FrameRepr::new(
            eth(ethertype::IPV4),
            Net::Ipv4(Ipv4Repr::new(b4, a4, ip_proto::ICMP, 0)),
            Transport::Icmpv4(Box::new(Icmpv4Repr::port_unreachable(&udp_bytes[14..]))),
            vec![],
        ),
        FrameRepr::new(
            eth(ethertype::IPV6),
            Net::Ipv6(Ipv6Repr::new(b6, a6, ip_proto::ICMPV6, 0)),
            Transport::Icmpv6(Box::new(Icmpv6Repr::packet_too_big(1280, &udp_bytes[14..]))),
            vec![],
        ),
        FrameRepr::new(
            eth(ethertype::ARP),
            Net::Arp(ArpRepr::request(Mac::ZERO, a4, b4)),
            Transport::None,
            vec![],
        ),
    ];
    let mut out: Vec<Vec<u8>> = frames.iter().map(|f| f.to_bytes().unwrap()).collect();
    out.push(udp_bytes);
    out
}

/// One mutation: overwrite, insert, remove or truncate at a position.
#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Remove(usize),
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Remove),
        1 => any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(frame: &mut Vec<u8>, m: &Mutation) {
    let n = frame.len().max(1);
    match *m {
        Mutation::Set(i, b) if !frame.is_empty() => frame[i % n] = b,
        Mutation::Insert(i, b) => frame.insert(i % (frame.len() + 1), b),
        Mutation::Remove(i) if !frame.is_empty() => {
            frame.remove(i % n);
        }
        Mutation::Truncate(i) => frame.truncate(i % n),
        _ => {}
    }
}

/// Random bytes behind a plausible Ethernet header, so parsing goes deep.
fn plausible() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![0x0800u16, 0x86dd, 0x0806, 0x8100, 0x88cc]),
        prop::sample::select(vec![0x45u8, 0x46, 0x4f, 0x60, 0x44, 0x00]),
        prop::collection::vec(any::<u8>(), 0..1600),
    )
        .prop_map(|(et, first, rest)| {
            let mut v = vec![0u8; 12];
            v.extend_from_slice(&et.to_be_bytes());
            v.push(first);
            v.extend(rest);
            v
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parse_random_bytes_never_panics(b in prop::collection::vec(any::<u8>(), 0..1600)) {
        let _ = FrameRepr::parse(&b);
    }

    #[test]
    fn parse_plausible_bytes_never_panics(b in plausible()) {
        let f = FrameRepr::parse(&b);
        // Whatever was decoded can be rendered and (maybe) re-emitted without panicking.
        let _ = format!("{f:?}");
        let _ = f.to_bytes();
    }

    #[test]
    fn parse_mutated_frames_never_panics(
        seed in 0usize..6,
        muts in prop::collection::vec(mutation(), 1..8),
    ) {
        let mut frame = seeds()[seed].clone();
        for m in &muts {
            apply(&mut frame, m);
        }
        let f = FrameRepr::parse(&frame);
        let _ = f.to_bytes();
    }
}

#[test]
fn parse_64k_jumbo_frames() {
    let mut b = vec![0u8; 14 + 65_535 + 100];
    b[12] = 0x08;
    b[14] = 0x45;
    b[16] = 0xff;
    b[17] = 0xff;
    b[23] = ip_proto::UDP;
    b[38..40].copy_from_slice(&(65_535u16 - 20).to_be_bytes());
    let f = FrameRepr::parse(&b);
    assert_eq!(f.payload.len(), 65_535 - 28);
    for (i, x) in b.iter_mut().enumerate() {
        *x = (i * 7919 % 251) as u8;
    }
    let _ = FrameRepr::parse(&b);
}
