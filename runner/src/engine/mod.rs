//! The engine: runs one compiled case against a gateway's
//! [`GatewayPorts`](crate::backend::GatewayPorts), step by step, by the matching rules of
//! docs/language.md §2.1, and produces a [`CaseResult`](crate::result::CaseResult).

pub mod build;
mod case;
pub mod env;
pub mod flow;
pub mod hosts;
pub mod matcher;
pub mod noise;
pub mod view;

pub use case::{MAX_RECORDED_BYTES, MAX_RECORDED_FRAMES, run_case, run_case_until, verify_case};

/// The answer an emulated host gives to an ARP request or neighbour solicitation (for benches
/// and backends that drive a gateway without the engine).
pub fn answer_arp(
    frame: &crate::codec::FrameRepr,
    view: &crate::engine::view::View,
    side: dsl::plan::Side,
    testbed: &dsl::Testbed,
) -> Option<Vec<u8>> {
    hosts::answer(frame, view, side, testbed)
}

/// A UDP frame from the LAN host to the WAN host, addressed to the gateway's LAN MAC.
pub fn build_udp_frame(testbed: &dsl::Testbed, sport: u16, dport: u16, data: &[u8]) -> Vec<u8> {
    use crate::codec::*;
    let lan = &testbed.lan;
    let host = &lan.hosts[0];
    let src = host.ipv4.map(|a| a.0).unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
    let dst = testbed
        .wan
        .hosts
        .first()
        .and_then(|h| h.ipv4)
        .map(|a| a.0)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED);
    let eth = EthernetRepr {
        dst: Mac(lan.gateway.mac.unwrap_or([0; 6])),
        src: Mac(host.mac.unwrap_or([0; 6])),
        ethertype: ethertype::IPV4,
        vlan: None,
    };
    let ip = Ipv4Repr::new(src, dst, 17, 0);
    FrameRepr::new(
        eth,
        Net::Ipv4(ip),
        Transport::Udp(UdpRepr::new(sport, dport)),
        data.to_vec(),
    )
    .to_bytes()
    .unwrap_or_default()
}
