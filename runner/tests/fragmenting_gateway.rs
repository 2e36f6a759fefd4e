//! A gateway that forwards large datagrams in IPv4 fragments, out of order (as Linux does after
//! its conntrack reassembled them, or as a router on a smaller MTU might). Patterns match whole
//! datagrams: the engine puts the fragments back together; a pattern that tests `mf` or `frag`
//! sees the fragments as they came; the capture keeps the frames that were on the wire.

mod common;

use dsl::plan::Side;
use runner::backend::sim::Profile;
use runner::backend::sim::SimPorts;
use runner::backend::{GatewayPorts, PortsError, Received};
use runner::result::{CaseResult, Direction, Verdict};
use std::collections::VecDeque;
use std::task::{Context, Poll};

/// Data bytes per fragment (a multiple of 8).
const PIECE: usize = 512;

/// IPv4 frame `f` cut into fragments of `PIECE` data bytes, last first; `None` for a frame that
/// is not IPv4 or fits in one piece.
fn fragments_last_first(f: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut parts = runner::codec::fragmentation::split_ipv4(f, PIECE).ok()?;
    if parts.len() < 2 {
        return None;
    }
    parts.reverse();
    Some(parts)
}

/// The compliant simulated gateway, with every large IPv4 datagram it emits cut into fragments
/// delivered last first; `drop_middle` loses one fragment of each.
struct FragmentingSim {
    inner: SimPorts,
    queue: VecDeque<Received>,
    drop_middle: bool,
}

impl FragmentingSim {
    fn new(drop_middle: bool) -> FragmentingSim {
        FragmentingSim {
            inner: SimPorts::new(&dsl::Testbed::builtin(), &Profile::default(), 1),
            queue: VecDeque::new(),
            drop_middle,
        }
    }
}

impl GatewayPorts for FragmentingSim {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        self.inner.send(side, frame)
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        if let Some(r) = self.queue.pop_front() {
            return Poll::Ready(Some(r));
        }
        match self.inner.poll_recv(cx) {
            Poll::Ready(Some(r)) => match fragments_last_first(&r.bytes) {
                Some(mut parts) => {
                    if self.drop_middle {
                        parts.remove(1);
                    }
                    for bytes in parts {
                        self.queue.push_back(Received { bytes, ..r.clone() });
                    }
                    Poll::Ready(self.queue.pop_front())
                }
                None => Poll::Ready(Some(r)),
            },
            other => other,
        }
    }
}

fn run(steps: &str, tb: FragmentingSim) -> CaseResult {
    common::run_case_on(&common::compile_steps(steps), Box::new(tb))
}

/// The frames that came out on WAN.
fn received_on_wan(r: &CaseResult) -> Vec<&runner::result::RecordedFrame> {
    r.frames
        .iter()
        .filter(|f| f.side == Side::Wan && f.direction == Direction::Received)
        .collect()
}

#[test]
fn a_datagram_forwarded_in_fragments_out_of_order_matches_as_a_whole_once() {
    let r = run(
        "  - lan: udp lan:5000 -> wan:9 data len 1400\n  - wan: expect udp gw:* -> wan:9 data fill 1400\n  - wan: expect no udp gw:* -> wan:9 within 200ms\n",
        FragmentingSim::new(false),
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}\n{:#?}", r.failure, r.log);
    // The capture holds the three fragments as they were on the wire; the match is noted on the
    // one that completed the datagram (the first fragment, which came last).
    let wan = received_on_wan(&r);
    let fragments: Vec<_> = wan
        .iter()
        .filter(|f| f.bytes[12..14] == [0x08, 0x00] && u16::from_be_bytes([f.bytes[20], f.bytes[21]]) & 0x3fff != 0)
        .collect();
    assert_eq!(fragments.len(), 3, "{wan:#?}");
    let matched: Vec<_> = wan
        .iter()
        .filter(|f| f.comments.iter().any(|c| c.starts_with("step 2: matched")))
        .collect();
    assert_eq!(matched.len(), 1);
    assert_eq!(
        u16::from_be_bytes([matched[0].bytes[20], matched[0].bytes[21]]) & 0x1fff,
        0
    );
    assert!(
        r.log.iter().any(|l| l.contains("3 fragments put back together")),
        "{:#?}",
        r.log
    );
}

#[test]
fn a_pattern_that_tests_fragmentation_sees_the_fragments_as_they_came() {
    let r = run(
        "  - lan: udp lan:5000 -> wan:9 data len 1400\n  - wan: expect udp gw:* -> wan:9 mf=1 frag=0 data len 504\n  - wan: expect ipv4 gw -> wan mf=0 frag=128\n",
        FragmentingSim::new(false),
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}\n{:#?}", r.failure, r.log);
}

#[test]
fn a_datagram_missing_a_fragment_does_not_match() {
    let r = run(
        "  - lan: udp lan:5000 -> wan:9 data len 1400\n  - wan: expect udp gw:* -> wan:9 data fill 1400 within 500ms\n",
        FragmentingSim::new(true),
    );
    assert_eq!(r.verdict, Verdict::Fail, "{:#?}", r.log);
    let f = r.failure.expect("a failure");
    assert_eq!(f.step, 2);
    // The incomplete datagram's first fragment is what came closest, and is shown as it was.
    let text = f.render();
    assert!(text.contains("payload length"), "{text}");
    assert!(!r.log.iter().any(|l| l.contains("put back together")));
}

#[test]
fn an_order_naming_a_fragment_the_datagram_lacks_is_an_error_that_says_so() {
    let r = run(
        "  - lan: udp lan:5000 -> wan:9 data len 100 fragment 64 order 3,1\n  - wan: expect udp gw:* -> wan:9\n",
        FragmentingSim::new(false),
    );
    assert_eq!(r.verdict, Verdict::Error, "{:#?}", r.log);
    let why = r.reason.clone().unwrap_or_default();
    assert!(why.contains("fragment 3") && why.contains("2 fragment(s)"), "{why}");
}

#[test]
fn a_send_cut_into_fragments_reaches_the_gateway_as_fragments_in_the_order_given() {
    let r = run(
        "  - lan: udp lan:5000 -> wan:9 data len 1000 fragment 400 order 2,3,1\n  - wan: expect udp gw:* -> wan:9 data fill 1000\n",
        FragmentingSim::new(false),
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}\n{:#?}", r.failure, r.log);
    let sent: Vec<(u16, bool)> = r
        .frames
        .iter()
        .filter(|f| f.side == Side::Lan && f.direction == Direction::Sent && f.bytes[12..14] == [0x08, 0x00])
        .map(|f| {
            let flags = u16::from_be_bytes([f.bytes[20], f.bytes[21]]);
            (flags & 0x1fff, flags & 0x2000 != 0)
        })
        .collect();
    assert_eq!(sent, vec![(50, true), (100, false), (0, true)]);
}
