//! Helpers for `gatecheck bench`: the baseline (the simulated gateway alone processing frames).

use crate::backend::sim::{Profile, SimGateway};
use crate::backend::{GatewayPorts, Received};
use crate::engine::build_udp_frame;
use dsl::plan::Side;
use std::time::{Duration, Instant};

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
            let frame = crate::codec::FrameRepr::parse(&bytes);
            let view = crate::engine::view::View::of_frame(&frame);
            if let Some(reply) = crate::engine::answer_arp(&frame, &view, side, testbed) {
                for _ in gw.input(side, &reply, now) {}
            }
        }
    }
    out
}

/// Figures of the engine against a `netns` lab, and of a bare socket loop in the same lab.
#[derive(Debug, Clone)]
pub struct NetnsFigures {
    /// Frames per second the engine built, sent on LAN and matched on WAN (AF_PACKET + AsyncFd).
    pub engine_fps: f64,
    /// The same loop over the first design (pnet channels + a reader thread per port).
    pub pnet_fps: f64,
    /// Frames per second a bare send()/recv() loop on two raw sockets pushed through the lab.
    pub bare_fps: f64,
    /// Median send → match latency, microseconds (the engine's own wait: send, await, match).
    pub p50_us: f64,
    /// 99th percentile send → match latency, microseconds.
    pub p99_us: f64,
    /// Median of kernel receive timestamp minus the time just before the send, microseconds.
    pub kernel_p50_us: f64,
    /// Frames matched by the engine loop.
    pub engine_frames: u64,
    /// Frames received by the bare loop.
    pub bare_frames: u64,
}

/// What the engine loops need: the compiled bench case and the engine state to build and match.
struct BenchCase {
    testbed: dsl::Testbed,
    send: dsl::plan::PacketSpec,
    pattern: dsl::plan::PacketSpec,
    env: crate::engine::env::Env,
    rng: rand::rngs::StdRng,
    ip_ids: crate::engine::build::IpIdCounters,
}

impl BenchCase {
    fn compile() -> Result<BenchCase, String> {
        let testbed = dsl::Testbed::builtin();
        let text = "case: bench.netns\ntitle: netns bench\nsteps:\n  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n";
        let compiled = dsl::compile(
            &dsl::source::SourceFile::new(std::path::Path::new("bench.yaml"), text),
            &testbed,
        );
        let case = compiled
            .cases
            .into_iter()
            .next()
            .ok_or("the bench case does not compile")?;
        let (send, pattern) = match (&case.steps[0].action, &case.steps[1].action) {
            (dsl::plan::Action::Send { packet, .. }, dsl::plan::Action::Expect { pattern, .. }) => {
                (packet.clone(), pattern.clone())
            }
            _ => return Err("unexpected bench case".into()),
        };
        Ok(BenchCase {
            testbed,
            send,
            pattern,
            env: crate::engine::env::Env {
                vars: Default::default(),
                flows: vec![],
                flow_names: vec![],
            },
            rng: <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1),
            ip_ids: Default::default(),
        })
    }

    /// The engine's send path: the compiled send built into frame bytes.
    fn build(&mut self) -> Result<Vec<u8>, String> {
        let gw_mac = self.testbed.lan.gateway.mac.ok_or("no gateway MAC")?;
        crate::engine::build::BuildCx {
            env: &mut self.env,
            testbed: &self.testbed,
            side: Side::Lan,
            gw_mac,
            rng: &mut self.rng,
            ip_ids: &mut self.ip_ids,
        }
        .frame(&self.send)
        .and_then(|f| Ok(f.to_bytes()?))
        .map_err(|e| e.to_string())
    }

    /// The engine's receive path: parse, answer ARP/ND for emulated hosts, match on WAN.
    fn handle(&self, tb: &mut dyn GatewayPorts, r: &Received) -> bool {
        let mut frame = crate::codec::FrameRepr::parse(&r.bytes);
        let view = crate::engine::view::View::of_frame_taking_payload(&mut frame);
        if let Some(reply) = crate::engine::hosts::answer(&frame, &view, r.side, &self.testbed) {
            let _ = tb.send(r.side, &reply);
            return false;
        }
        r.side == Side::Wan
            && crate::engine::matcher::Matcher {
                env: &self.env,
                testbed: &self.testbed,
                side: Side::Wan,
            }
            .score(&self.pattern, &view)
            .matched()
    }

    /// Handles what arrives for `ms` milliseconds; returns the frames matched.
    fn settle(&self, tb: &mut dyn GatewayPorts, ms: u64) -> u64 {
        let until = Instant::now() + Duration::from_millis(ms);
        let mut n = 0;
        while Instant::now() < until {
            match tb.try_recv() {
                Some(r) => n += u64::from(self.handle(tb, &r)),
                None => std::thread::yield_now(),
            }
        }
        n
    }

    /// The engine loop for `secs`: build, send on LAN, match what comes out. Returns the frames
    /// matched and the seconds the loop ran.
    fn flood(&mut self, tb: &mut dyn GatewayPorts, secs: f64) -> Result<(u64, f64), String> {
        let first = self.build()?;
        tb.send(Side::Lan, &first).map_err(|e| e.to_string())?;
        self.settle(tb, 50);
        let t0 = Instant::now();
        let mut matched = 0u64;
        while t0.elapsed().as_secs_f64() < secs {
            let bytes = self.build()?;
            tb.send(Side::Lan, &bytes).map_err(|e| e.to_string())?;
            while let Some(r) = tb.try_recv() {
                matched += u64::from(self.handle(tb, &r));
            }
        }
        let time = t0.elapsed().as_secs_f64();
        matched += self.settle(tb, 20);
        Ok((matched, time))
    }
}

/// The ceiling of this path: a bare loop on two AF_PACKET sockets, one thread, `send()` on tlan
/// then `recv()` on twan until empty. ARP from the gateway is answered so its neighbour entry
/// for the WAN host stays valid.
fn bare_loop(ns: &str, frame: &[u8], testbed: &dsl::Testbed, secs: f64) -> Result<(u64, f64), String> {
    use crate::backend::raw::afpacket::PacketSocket;
    let ns_path = format!("/var/run/netns/{ns}");
    let (lan, wan) = std::thread::scope(|s| {
        s.spawn(|| -> Result<_, String> {
            let f = std::fs::File::open(&ns_path).map_err(|e| e.to_string())?;
            nix::sched::setns(f, nix::sched::CloneFlags::CLONE_NEWNET).map_err(|e| e.to_string())?;
            let lan = PacketSocket::open_plain("tlan", 8 << 20).map_err(|e| e.to_string())?;
            let wan = PacketSocket::open_plain("twan", 8 << 20).map_err(|e| e.to_string())?;
            Ok((lan, wan))
        })
        .join()
        .map_err(|_| "opening the sockets panicked".to_string())?
    })?;
    let mut buf = vec![0u8; 65536];
    let mut count = 0u64;
    let t0 = Instant::now();
    while t0.elapsed().as_secs_f64() < secs {
        lan.send(frame).map_err(|e| e.to_string())?;
        while let Some(m) = wan.recv_copy(&mut buf).map_err(|e| e.to_string())? {
            if m.len >= 14 && buf[12..14] == [0x08, 0x06] {
                let f = crate::codec::FrameRepr::parse(&buf[..m.len]);
                let view = crate::engine::view::View::of_frame(&f);
                if let Some(reply) = crate::engine::hosts::answer(&f, &view, Side::Wan, testbed) {
                    wan.send(&reply).map_err(|e| e.to_string())?;
                }
                continue;
            }
            count += 1;
        }
    }
    Ok((count, t0.elapsed().as_secs_f64()))
}

/// Measures, in one fresh compliant lab: the engine's frame path (build each frame from a
/// compiled send, send it, parse and match what comes out against a compiled pattern) over the
/// runner's raw testbed and over the first pnet design, a bare socket loop, and send → match
/// latency.
pub fn netns(secs: f64, latency_samples: usize) -> Result<NetnsFigures, String> {
    let lab = crate::backend::netns::lab::Lab::up(crate::backend::netns::profile::NetnsProfile::default())
        .map_err(|e| e.to_string())?;
    let result = measure_in(&lab, secs, latency_samples);
    let down = lab.down().map_err(|e| e.to_string());
    let figures = result?;
    down?;
    Ok(figures)
}

fn measure_in(
    lab: &crate::backend::netns::lab::Lab,
    secs: f64,
    latency_samples: usize,
) -> Result<NetnsFigures, String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let _in_runtime = rt.enter();
    let mut case = BenchCase::compile()?;

    // The three loops take turns in short rounds, so that load from elsewhere on the machine
    // falls on all three alike; each round opens its sockets afresh (only one set is open at a
    // time, or the kernel would copy every frame into all of them).
    let frame = case.build()?;
    let rounds = ((secs / 0.5).round() as usize).max(3);
    let slice = secs / rounds as f64;
    let (mut engine, mut bare, mut pnet) = ((0u64, 0f64), (0u64, 0f64), (0u64, 0f64));
    let add = |acc: &mut (u64, f64), got: (u64, f64)| {
        acc.0 += got.0;
        acc.1 += got.1;
    };
    for _ in 0..rounds {
        let mut tb =
            crate::backend::raw::RawPorts::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
        add(&mut engine, case.flood(&mut tb, slice)?);
        drop(tb);
        add(&mut bare, bare_loop(&lab.tester_ns, &frame, &case.testbed, slice)?);
        let mut tb = crate::backend::raw::pnet::PnetTestbed::open(Some(&lab.tester_ns), "tlan", "twan")
            .map_err(|e| e.to_string())?;
        add(&mut pnet, case.flood(&mut tb, slice)?);
    }

    // Latency through the engine's own wait: send, await the frame, match it.
    let mut tb =
        crate::backend::raw::RawPorts::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
    let mut lat = Vec::with_capacity(latency_samples);
    let mut kernel = Vec::with_capacity(latency_samples);
    for _ in 0..latency_samples {
        let t = tokio::time::Instant::now();
        tb.send(Side::Lan, &frame).map_err(|e| e.to_string())?;
        let deadline = t + Duration::from_millis(500);
        let got = rt.block_on(async {
            loop {
                match tokio::time::timeout_at(deadline, crate::backend::recv(&mut tb)).await {
                    Ok(Some(r)) if case.handle(&mut tb, &r) => return Some(r),
                    Ok(Some(_)) => {}
                    _ => return None,
                }
            }
        });
        if let Some(r) = got {
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            kernel.push(r.at.saturating_duration_since(t).as_secs_f64() * 1e6);
        }
    }
    drop(tb);
    let (engine_fps, bare_fps, pnet_fps) = (
        engine.0 as f64 / engine.1,
        bare.0 as f64 / bare.1,
        pnet.0 as f64 / pnet.1,
    );
    let (engine_frames, bare_frames) = (engine.0, bare.0);

    Ok(NetnsFigures {
        engine_fps,
        pnet_fps,
        bare_fps,
        p50_us: percentile(&mut lat, 0.5),
        p99_us: percentile(&mut lat, 0.99),
        kernel_p50_us: percentile(&mut kernel, 0.5),
        engine_frames,
        bare_frames,
    })
}

/// The `p` quantile (0..=1) of the samples; NaN when there are none.
fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.total_cmp(b));
    samples
        .get(((samples.len() as f64 - 1.0) * p).round() as usize)
        .copied()
        .unwrap_or(f64::NAN)
}
