//! A misbehaving gateway: the simulated gateway wrapped so that it also emits hostile frames on
//! both sides — truncated, lying length fields, bad checksums, IP options, unknown EtherTypes,
//! VLAN tags, jumbo frames, broken TCP options, floods. The engine keeps running, still matches
//! the real frames correctly, reports the junk, and keeps a bounded capture.

mod common;

use common::{TimedFrames, compile_steps_within, library_case, run_case_with};
use dsl::plan::Side;
use runner::backend::sim::Profile;
use runner::backend::sim::{FORWARDING_DELAY, SimPorts};
use runner::backend::{Clock, GatewayPorts, PortsError, Received};
use runner::codec::ethernet::ethertype;
use runner::engine::{MAX_RECORDED_FRAMES, build_udp_frame};
use runner::result::{CaseResult, Verdict};
use std::task::{Context, Poll};
use tokio::time::Instant;

/// The frames a broken gateway might emit, each different from anything a case expects.
fn hostile_frames(testbed: &dsl::Testbed) -> Vec<Vec<u8>> {
    let udp = build_udp_frame(testbed, 61000, 7, b"junk junk junk");
    let mut out = vec![Vec::new(), vec![0xff], udp[..20].to_vec(), udp[..37].to_vec()];
    // IPv4 total length larger than the frame, and smaller than its header.
    let mut long = udp.clone();
    long[16..18].copy_from_slice(&9000u16.to_be_bytes());
    out.push(long);
    let mut short = udp.clone();
    short[16..18].copy_from_slice(&8u16.to_be_bytes());
    out.push(short);
    // A UDP length that lies.
    let mut udp_len = udp.clone();
    udp_len[38..40].copy_from_slice(&60000u16.to_be_bytes());
    out.push(udp_len);
    // Bad IPv4 and UDP checksums.
    let mut bad = udp.clone();
    bad[24] ^= 0xff;
    bad[40] ^= 0xff;
    out.push(bad);
    // IPv4 with options (IHL 6: a NOP and three EOLs), header checksum left as it was.
    let mut opts = udp[..34].to_vec();
    opts[14] = 0x46;
    opts.extend_from_slice(&[1, 0, 0, 0]);
    opts.extend_from_slice(&udp[34..]);
    out.push(opts);
    // An IHL of 15 on a short frame, and of 2 (less than a header).
    let mut ihl = udp.clone();
    ihl[14] = 0x4f;
    out.push(ihl);
    let mut ihl2 = udp.clone();
    ihl2[14] = 0x42;
    out.push(ihl2);
    // Unknown EtherType, and a VLAN tag (802.1Q) in front of the UDP frame, and a double tag.
    let mut unknown = udp.clone();
    unknown[12..14].copy_from_slice(&[0x88, 0xb5]);
    out.push(unknown);
    let mut vlan = udp[..12].to_vec();
    vlan.extend_from_slice(&[0x81, 0x00, 0x00, 0x2a]);
    vlan.extend_from_slice(&udp[12..]);
    out.push(vlan.clone());
    let mut qinq = udp[..12].to_vec();
    qinq.extend_from_slice(&[0x88, 0xa8, 0x00, 0x01, 0x81, 0x00, 0x00, 0x2a]);
    qinq.extend_from_slice(&udp[12..]);
    out.push(qinq);
    // A jumbo frame (9000 bytes of UDP payload).
    out.push(build_udp_frame(testbed, 61001, 7, &vec![0x5a; 9000]));
    // TCP with hostile options: kind 34 with length 0, length past the header, MSS with length 1.
    for opts in [&[34u8, 0, 1, 1][..], &[2, 255, 0, 0], &[2, 1, 1, 1], &[8, 10, 0, 0]] {
        let mut tcp = udp[..34].to_vec();
        tcp[23] = 6;
        tcp[16..18].copy_from_slice(&(20u16 + 24).to_be_bytes());
        tcp.extend_from_slice(&61002u16.to_be_bytes());
        tcp.extend_from_slice(&7u16.to_be_bytes());
        tcp.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0, 0, 0, 0]);
        tcp.extend_from_slice(opts);
        out.push(tcp);
    }
    // A TCP data offset past the end of the frame.
    let mut off = out.last().unwrap().clone();
    off[46] = 0xf0;
    out.push(off);
    // IPv6 with a payload length that lies.
    let mut v6 = vec![0u8; 14 + 40 + 8];
    v6[..12].copy_from_slice(&udp[..12]);
    v6[12..14].copy_from_slice(&[0x86, 0xdd]);
    v6[14] = 0x60;
    v6[18..20].copy_from_slice(&4000u16.to_be_bytes());
    v6[20] = 17;
    v6[21] = 64;
    out.push(v6);
    out
}

/// The compliant (or quirky) simulated gateway that, on every frame sent into it, also emits
/// every hostile frame on both sides, and `flood` junk frames once, after the first send, when
/// the real gateway has answered it (after its own ARP exchange, if it needs one).
struct HostileSim {
    inner: SimPorts,
    junk: Vec<Vec<u8>>,
    flood: usize,
    queue: TimedFrames,
    endless: bool,
    sent: bool,
}

impl HostileSim {
    fn new(profile: &str, flood: usize, endless: bool) -> HostileSim {
        let testbed = dsl::Testbed::builtin();
        HostileSim {
            inner: SimPorts::new(&testbed, &Profile::parse(profile).unwrap(), 1),
            junk: hostile_frames(&testbed),
            flood,
            queue: TimedFrames::default(),
            endless,
            sent: false,
        }
    }
}

impl GatewayPorts for HostileSim {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        self.inner.send(side, frame)?;
        let now = Instant::now();
        for out in [Side::Lan, Side::Wan] {
            for j in &self.junk {
                self.queue.push(out, now, j.clone());
            }
        }
        // The flood starts after the first frame that is not ARP (the runner's own ARP for the
        // gateway comes first).
        let arp = frame.len() >= 14 && frame[12..14] == ethertype::ARP.to_be_bytes();
        if !self.sent && !arp {
            self.sent = true;
            let after_the_answer = now + 3 * FORWARDING_DELAY;
            for i in 0..self.flood {
                let side = if i % 2 == 0 { Side::Wan } else { Side::Lan };
                self.queue
                    .push(side, after_the_answer, self.junk[i % self.junk.len()].clone());
            }
        }
        Ok(())
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        // What the real gateway emitted first, then the junk.
        if let Poll::Ready(Some(r)) = self.inner.poll_recv(cx) {
            return Poll::Ready(Some(r));
        }
        match self.queue.poll_next(cx) {
            Poll::Ready(None) => {}
            frame_or_waiting => return frame_or_waiting,
        }
        if self.endless && self.sent {
            // A gateway that never stops: a junk frame is always waiting.
            return Poll::Ready(Some(Received {
                side: Side::Wan,
                at: Instant::now(),
                bytes: self.junk[7].clone(),
                toward_gateway: false,
            }));
        }
        Poll::Pending
    }
}

/// A case of `steps` with a 3 s limit: the endless gateway below must not stretch it.
fn inline(steps: &str) -> dsl::plan::Case {
    compile_steps_within("3s", steps)
}

fn run(c: &dsl::plan::Case, tb: HostileSim, paused: bool) -> CaseResult {
    run_case_with(c, tb, if paused { Clock::Paused } else { Clock::Real })
}

#[test]
fn hostile_frames_on_both_sides_do_not_change_any_verdict() {
    let tfo = library_case("cases/tfo/cookie_then_data.yaml");
    let r = run(&tfo, HostileSim::new("", 0, false), true);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}\n{:?}", r.failure, r.log);
    // The junk was seen, kept for the capture, and reported as unexpected.
    let junk = hostile_frames(&dsl::Testbed::builtin()).len();
    assert!(r.frames.len() >= 2 * junk, "{} frames recorded", r.frames.len());
    assert!(!r.unexpected.is_empty(), "{:?}", r.warnings);
    // The same gateway with the TFO bug still fails at the step that names it.
    let r = run(&tfo, HostileSim::new("syn-data-drop", 0, false), true);
    assert_eq!(r.verdict, Verdict::Fail);
    let f = r.failure.unwrap();
    assert_eq!(f.step, 8, "{}", f.render());
    // An `expect no` on a side full of junk still fails only on a frame that matches.
    let c = inline(
        "  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n  - wan: expect no udp * -> wan:53 within 1s\n",
    );
    let r = run(&c, HostileSim::new("", 0, false), true);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure.map(|f| f.render()));
}

#[test]
fn a_flood_of_100000_frames_is_handled_and_the_capture_stays_bounded() {
    let c = inline(
        "  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n  - wait: 1s\n",
    );
    let r = run(&c, HostileSim::new("", 100_000, false), true);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure.map(|f| f.render()));
    assert!(r.frames.len() > 100_000 && r.frames.len() <= MAX_RECORDED_FRAMES);
    // Past the cap: the case still ends, keeps at most the cap, and says how many it dropped.
    let flood = MAX_RECORDED_FRAMES + 5_000;
    let r = run(&c, HostileSim::new("", flood, false), true);
    assert_eq!(r.verdict, Verdict::Pass, "{:?}", r.failure.map(|f| f.render()));
    assert!(r.frames.len() <= MAX_RECORDED_FRAMES, "{}", r.frames.len());
    assert!(
        r.warnings.iter().any(|w| w.contains("were counted but not kept")),
        "{:?}",
        r.warnings
    );
    // A frame a step needs that comes after the cap (the wait reads the whole flood first)
    // cannot be matched: the step fails and its report says why.
    let c = inline(
        "  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n  - wait: 1s\n  - lan: udp lan:5001 -> wan:9 data \"y\"\n  - wan: expect udp gw:* -> wan:9 data \"y\"\n",
    );
    let r = run(&c, HostileSim::new("", flood, false), true);
    assert_eq!(r.verdict, Verdict::Fail);
    let f = r.failure.unwrap();
    assert_eq!(f.step, 5);
    assert!(f.reason.contains("were not kept"), "{}", f.reason);
}

#[test]
fn a_gateway_that_never_stops_sending_cannot_stretch_a_case_past_its_window() {
    // Real time: a junk frame is always waiting. The wait and the window still end on time and
    // the expect fails at its step instead of the case hanging.
    let c = inline(
        "  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wait: 200ms\n  - wan: expect udp * -> wan:9 data \"never\" within 300ms\n",
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(run(&c, HostileSim::new("", 0, true), false));
    });
    // Bounded: the case's own limit is 3 s; give it generous slack before calling it a hang.
    let r = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the engine hung under an endless flood");
    assert_eq!(r.verdict, Verdict::Fail, "{:?}", r.reason);
    assert_eq!(r.failure.unwrap().step, 3);
}
