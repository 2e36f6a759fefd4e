//! The matching rules of docs/language.md §2.1, checked against a transparent test gateway: a
//! bridge that answers ARP for the gateway's addresses and copies every other LAN frame to the WAN side after
//! a fixed delay (on tokio's paused clock, so delays cost nothing).

mod common;

use dsl::plan::Side;
use runner::backend::{GatewayPorts, PortsError, Received};
use runner::codec::{ArpOp, FrameRepr, Mac, Net};
use runner::result::{CandidateKind, Verdict};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

struct Bridge {
    delay: Duration,
    tx: mpsc::UnboundedSender<Received>,
    rx: mpsc::UnboundedReceiver<Received>,
    testbed: dsl::Testbed,
}

impl Bridge {
    fn new(delay: Duration) -> Bridge {
        let (tx, rx) = mpsc::unbounded_channel();
        Bridge {
            delay,
            tx,
            rx,
            testbed: dsl::Testbed::builtin(),
        }
    }
}

impl GatewayPorts for Bridge {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        let f = FrameRepr::parse(frame);
        if let Net::Arp(a) = &f.net {
            let gw = self.testbed.side(side).gateway.clone();
            if a.op == ArpOp::Request && gw.ipv4.is_some_and(|g| g.0 == a.target_ip) {
                let mut reply = f.clone();
                let mac = Mac(gw.mac.unwrap());
                if let Net::Arp(r) = &mut reply.net {
                    *r = a.reply_to(mac).unwrap();
                }
                reply.eth.dst = f.eth.src;
                reply.eth.src = mac;
                let _ = self.tx.send(Received {
                    side,
                    at: Instant::now(),
                    bytes: reply.to_bytes().unwrap(),
                    toward_gateway: false,
                });
            }
            return Ok(());
        }
        if side == Side::Lan {
            let tx = self.tx.clone();
            let bytes = frame.to_vec();
            let at = Instant::now() + self.delay;
            tokio::spawn(async move {
                tokio::time::sleep_until(at).await;
                let _ = tx.send(Received {
                    side: Side::Wan,
                    at,
                    bytes,
                    toward_gateway: false,
                });
            });
        }
        Ok(())
    }

    fn poll_recv(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<Received>> {
        self.rx.poll_recv(cx)
    }
}

fn run(steps: &str, delay_ms: u64) -> runner::result::CaseResult {
    let bridge = Bridge::new(Duration::from_millis(delay_ms));
    common::run_case_on(&common::compile_steps(steps), Box::new(bridge))
}

#[test]
fn frames_are_considered_from_the_first_send_of_a_run() {
    // Rule 2: A' comes out before B is sent, and is still found by the first expect.
    let r = run(
        "  - lan: udp lan:1 -> wan:9 data \"A\"\n  - lan: udp lan:2 -> wan:9 data \"B\"\n  - wan: expect udp lan:1 -> wan:9 data \"A\"\n  - wan: expect udp lan:2 -> wan:9 data \"B\"\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure);
}

#[test]
fn a_matched_frame_is_consumed() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9 data \"A\"\n  - wan: expect udp * -> wan:9\n  - wan: expect udp * -> wan:9\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.failure.unwrap().step, 3);
}

#[test]
fn the_window_is_anchored_at_the_send_and_late_frames_are_named() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect udp * -> wan:9 within 20ms\n",
        50,
    );
    assert_eq!(r.verdict, Verdict::Fail);
    let f = r.failure.unwrap();
    assert_eq!(f.candidates[0].kind, CandidateKind::Late, "{}", f.render());
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect udp * -> wan:9 within 80ms\n",
        50,
    );
    assert_eq!(r.verdict, Verdict::Pass);
}

#[test]
fn after_excludes_earlier_frames_and_reports_them() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect udp * -> wan:9 after 20ms within 1s\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Fail);
    let f = r.failure.unwrap();
    assert_eq!(f.candidates[0].kind, CandidateKind::TooEarly, "{}", f.render());
    assert_eq!(
        run(
            "  - lan: udp lan:1 -> wan:9\n  - wan: expect udp * -> wan:9 after 20ms within 1s\n",
            30
        )
        .verdict,
        Verdict::Pass
    );
}

#[test]
fn negative_steps_judge_the_whole_window_including_earlier_frames() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wait: 100ms\n  - wan: expect no udp * -> wan:9 within 1s\n",
        5,
    );
    assert_eq!(
        r.verdict,
        Verdict::Fail,
        "the frame came out during the wait, after the run start"
    );
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect no tcp * -> wan:9 within 1s\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Pass);
    let r = run("  - lan: udp lan:1 -> wan:9\n  - wan: expect nothing within 1s\n", 5);
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn bindings_take_effect_only_when_the_step_succeeds() {
    // `$p` binds to 1 in step 2; step 4 then requires the same port and fails on port 2.
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect udp lan:$p -> wan:9\n  - lan: udp lan:2 -> wan:9\n  - wan: expect udp lan:$p -> wan:9\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.failure.unwrap().step, 4);
}

#[test]
fn the_nearest_candidate_table_names_the_field_that_differs() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9 ttl=64\n  - wan: expect udp lan:1 -> wan:9 ttl=63\n",
        5,
    );
    let f = r.failure.unwrap();
    let c = &f.candidates[0];
    assert_eq!(c.met + 1, c.total);
    let bad: Vec<_> = c.rows.iter().filter(|r| !r.ok).collect();
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].what.as_str(), bad[0].expected.as_str(), bad[0].observed.as_str()),
        ("ttl", "63", "64")
    );
}

#[test]
fn severity_warn_turns_a_failure_into_a_warning() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - wan: expect tcp * -> wan:9 within 10ms\n    severity: warn\n  - wan: expect udp * -> wan:9\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure);
    assert!(r.warnings.iter().any(|w| w.contains("step 2")), "{:?}", r.warnings);
}

#[test]
fn waits_cost_no_real_time_and_do_not_count_against_the_timeout() {
    let r = run(
        "  - wait: 2h4m\n  - lan: udp lan:1 -> wan:9\n  - wan: expect udp * -> wan:9\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Pass, "{:?} {:?}", r.failure, r.reason);
    assert!(
        r.duration >= Duration::from_secs(7440),
        "the case spent 2h4m of virtual time: {:?}",
        r.duration
    );
}

#[test]
fn unexpected_frames_are_reported_once_and_pass_unless_strict() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9\n  - lan: udp lan:2 -> wan:9\n  - wan: expect udp lan:1 -> wan:9\n",
        5,
    );
    assert_eq!(r.verdict, Verdict::Pass);
    assert_eq!(r.unexpected.len(), 1, "{:?}", r.unexpected);
    // Listed once: in `unexpected`, not again among the warnings.
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn a_failure_points_at_the_failing_steps_place_in_the_file() {
    let r = run(
        "  - lan: udp lan:1 -> wan:9
  - wan: expect udp * -> wan:10 within 50ms
",
        5,
    );
    let f = r.failure.expect("step 2 fails: nothing goes to port 10");
    // Line 6 (after the case's four header lines and step 1), where the step's sentence starts.
    assert_eq!((f.location.line, f.location.col), (6, 10), "{}", f.location);
    assert!(f.render().starts_with("step 2 (case.yaml:6:10): "), "{}", f.render());
}
