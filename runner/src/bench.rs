//! Helpers for `gatecheck bench`: the baseline (the simulated gateway alone processing frames).

use crate::engine::build_udp_frame;
use crate::sim::{Profile, SimGateway};
use dsl::plan::Side;
use std::time::Duration;

/// The frames the synthetic bench case sends: UDP from the LAN host, one per port.
pub fn synthetic_frames(testbed: &dsl::Testbed, pairs: usize) -> Vec<Vec<u8>> {
    (0..pairs)
        .map(|i| build_udp_frame(testbed, 10000 + (i % 50000) as u16, 9, b"x"))
        .collect()
}

/// Feeds the frames through a fresh simulated gateway (after resolving the WAN host's MAC), and
/// returns how many frames came out.
pub fn feed_sim(testbed: &dsl::Testbed, frames: &[Vec<u8>]) -> usize {
    let mut gw = SimGateway::new(testbed, &Profile::default(), 1);
    let mut out = 0;
    for (i, f) in frames.iter().enumerate() {
        let now = Duration::from_micros(i as u64);
        for (side, bytes) in gw.input(Side::Lan, f, now) {
            out += 1;
            // Answer the gateway's ARP for the WAN host so it forwards.
            let frame = crate::wire::FrameRepr::parse(&bytes);
            let view = crate::view::View::of_frame(&frame);
            if let Some(reply) = crate::engine::answer_arp(&frame, &view, side, testbed) {
                for _ in gw.input(side, &reply, now) {}
            }
        }
    }
    out
}
