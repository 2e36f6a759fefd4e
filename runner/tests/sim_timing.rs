//! The simulated gateway takes a real gateway's time to forward (docs/language.md §2.1): a window
//! shorter than that fails on `sim` as it would on hardware, instead of passing on an
//! instantaneous model.

mod common;
use common::run_on_sim;
use runner::backend::sim::FORWARDING_DELAY;
use runner::result::{Direction, Verdict};

/// A first datagram (the gateway resolves the WAN host's MAC), then a second one.
const WARM_UP: &str = "  - lan: udp lan:5000 -> wan:53 data \"q\"
  - wan: expect udp gw:* -> wan:53
  - lan: udp lan:5000 -> wan:53 data \"q2\"
";

#[test]
fn a_window_shorter_than_the_forwarding_delay_fails() {
    for within in ["1us", "500us"] {
        let r = run_on_sim(
            &format!("{WARM_UP}  - wan: expect udp gw:* -> wan:53 within {within}\n"),
            "",
        );
        assert_eq!(r.verdict, Verdict::Fail, "no gateway forwards within {within}");
    }
}

#[test]
fn each_frame_comes_out_one_forwarding_delay_after_the_frame_that_caused_it() {
    let r = run_on_sim(&format!("{WARM_UP}  - wan: expect udp gw:* -> wan:53 within 1ms\n"), "");
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure);
    let sent = r
        .frames
        .iter()
        .rfind(|f| f.direction == Direction::Sent && f.bytes.windows(2).any(|w| w == b"q2"));
    let out = r
        .frames
        .iter()
        .rfind(|f| f.direction == Direction::Received && f.bytes.windows(2).any(|w| w == b"q2"));
    assert_eq!(out.unwrap().at - sent.unwrap().at, FORWARDING_DELAY);
}
