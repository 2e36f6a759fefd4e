//! IPv4 fragments through the NAT: put together in any order, translated, cut again as they came.

use super::*;

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
