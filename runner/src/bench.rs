//! The measuring loops behind `gatecheck bench` and the runner's `pnet_design` bench: the
//! simulated gateway alone, the engine's frame path over any pair of ports, a bare AF_PACKET
//! loop, and the rounds that take turns between loops so that load from elsewhere on the machine
//! falls on all of them alike.

use crate::backend::netns::lab::Lab;
use crate::backend::netns::profile::NetnsProfile;
use crate::backend::raw::RawPorts;
use crate::backend::raw::afpacket::PacketSocket;
use crate::backend::sim::{Profile, SimGateway};
use crate::backend::{Clock, GatewayPorts, Received};
use crate::codec::FrameRepr;
use crate::codec::ethernet::ethertype;
use crate::engine::build_udp_frame;
use crate::engine::view::View;
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
            let frame = FrameRepr::parse(&bytes);
            let view = View::of_frame(&frame);
            if let Some(reply) = crate::engine::answer_arp(&frame, &view, side, testbed) {
                for _ in gw.input(side, &reply, now) {}
            }
        }
    }
    out
}

/// What one measuring loop did: frames counted over the seconds it ran.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rate {
    /// Frames counted.
    pub frames: u64,
    /// Seconds the loop ran.
    pub secs: f64,
}

impl Rate {
    /// Frames per second.
    pub fn fps(&self) -> f64 {
        self.frames as f64 / self.secs
    }
}

/// A measuring loop for [`take_turns`]: given the shared state and the seconds of one turn, it
/// runs that long and says what it did.
pub type Turn<'a, S> = &'a mut dyn FnMut(&mut S, f64) -> Result<Rate, String>;

/// Runs the loops in turn, in rounds of about 0.5 s (at least 3 rounds) for `secs` seconds each
/// in all: load from elsewhere on the machine falls on every loop alike. Each loop opens its
/// sockets afresh in its turn, so only one set is open at a time (or the kernel would copy every
/// frame into all of them). What each loop did, in the order given.
pub fn take_turns<S>(state: &mut S, secs: f64, loops: &mut [Turn<'_, S>]) -> Result<Vec<Rate>, String> {
    let rounds = ((secs / 0.5).round() as usize).max(3);
    let slice = secs / rounds as f64;
    let mut total = vec![Rate::default(); loops.len()];
    for _ in 0..rounds {
        for (run, sum) in loops.iter_mut().zip(&mut total) {
            let got = run(state, slice)?;
            sum.frames += got.frames;
            sum.secs += got.secs;
        }
    }
    Ok(total)
}

/// The engine's frame path on the bench case (UDP from the LAN host to the WAN host, expected
/// translated on the WAN side): its compiled send and pattern, and the engine state that builds
/// and matches them.
pub struct EngineLoop {
    testbed: dsl::Testbed,
    send: dsl::plan::PacketSpec,
    pattern: dsl::plan::PacketSpec,
    env: crate::engine::env::Env,
    rng: rand::rngs::StdRng,
    ip_ids: crate::engine::build::IpIdCounters,
}

impl EngineLoop {
    /// Compiles the bench case against the built-in testbed.
    pub fn compile() -> Result<EngineLoop, String> {
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
        Ok(EngineLoop {
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

    /// The testbed the case runs on.
    pub fn testbed(&self) -> &dsl::Testbed {
        &self.testbed
    }

    /// The engine's send path: the compiled send built into frame bytes.
    pub fn build(&mut self) -> Result<Vec<u8>, String> {
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

    /// The engine's receive path: parse, answer ARP/ND for emulated hosts, match on WAN. Whether
    /// the frame matched.
    pub fn handle(&self, ports: &mut dyn GatewayPorts, r: &Received) -> bool {
        let mut frame = FrameRepr::parse(&r.bytes);
        let view = View::of_frame_taking_payload(&mut frame);
        if let Some(reply) = crate::engine::hosts::answer(&frame, &view, r.side, &self.testbed) {
            let _ = ports.send(r.side, &reply);
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
    fn settle(&self, ports: &mut dyn GatewayPorts, ms: u64) -> u64 {
        let until = Instant::now() + Duration::from_millis(ms);
        let mut n = 0;
        while Instant::now() < until {
            match ports.try_recv() {
                Some(r) => n += u64::from(self.handle(ports, &r)),
                None => std::thread::yield_now(),
            }
        }
        n
    }

    /// The engine loop for `secs`: build, send on LAN, match what comes out. The frames matched
    /// and the seconds the loop ran.
    pub fn flood(&mut self, ports: &mut dyn GatewayPorts, secs: f64) -> Result<Rate, String> {
        let first = self.build()?;
        ports.send(Side::Lan, &first).map_err(|e| e.to_string())?;
        self.settle(ports, 50);
        let t0 = Instant::now();
        let mut matched = 0u64;
        while t0.elapsed().as_secs_f64() < secs {
            let bytes = self.build()?;
            ports.send(Side::Lan, &bytes).map_err(|e| e.to_string())?;
            while let Some(r) = ports.try_recv() {
                matched += u64::from(self.handle(ports, &r));
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        matched += self.settle(ports, 20);
        Ok(Rate { frames: matched, secs })
    }

    /// [`EngineLoop::flood`] over the runner's raw-socket ports on the lab's tester ends.
    pub fn flood_raw_ports(&mut self, lab: &Lab, secs: f64) -> Result<Rate, String> {
        let mut ports = RawPorts::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
        self.flood(&mut ports, secs)
    }
}

/// The ceiling of this path: a bare loop on two AF_PACKET sockets in the lab's tester namespace,
/// one thread, `send()` of `frame` on tlan then `recv()` on twan until empty. ARP from the
/// gateway is answered so its neighbour entry for the WAN host stays valid.
pub fn bare_loop(lab: &Lab, frame: &[u8], testbed: &dsl::Testbed, secs: f64) -> Result<Rate, String> {
    let ns_path = format!("/var/run/netns/{}", lab.tester_ns);
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
            if m.len >= 14 && buf[12..14] == ethertype::ARP.to_be_bytes() {
                let f = FrameRepr::parse(&buf[..m.len]);
                let view = View::of_frame(&f);
                if let Some(reply) = crate::engine::hosts::answer(&f, &view, Side::Wan, testbed) {
                    wan.send(&reply).map_err(|e| e.to_string())?;
                }
                continue;
            }
            count += 1;
        }
    }
    Ok(Rate {
        frames: count,
        secs: t0.elapsed().as_secs_f64(),
    })
}

/// Brings up a fresh compliant lab, runs `measure` in it inside a real-time runtime (raw-socket
/// ports register with its reactor), and takes the lab down again, also when `measure` fails.
pub fn in_fresh_lab<T>(measure: impl FnOnce(&Lab, &tokio::runtime::Runtime) -> Result<T, String>) -> Result<T, String> {
    let lab = Lab::up(NetnsProfile::default()).map_err(|e| e.to_string())?;
    let result = Clock::Real.runtime().and_then(|rt| {
        let _in_runtime = rt.enter();
        measure(&lab, &rt)
    });
    let down = lab.down().map_err(|e| e.to_string());
    let figures = result?;
    down?;
    Ok(figures)
}

/// Figures of the engine against a `netns` lab, and of a bare socket loop in the same lab.
#[derive(Debug, Clone)]
pub struct NetnsFigures {
    /// Frames per second the engine built, sent on LAN and matched on WAN (AF_PACKET + AsyncFd).
    pub engine_fps: f64,
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

/// Measures, in one fresh compliant lab: the engine's frame path (build each frame from a
/// compiled send, send it, parse and match what comes out against a compiled pattern) over the
/// runner's raw-socket ports, a bare socket loop, taking turns for `secs` seconds each, then
/// send → match latency over `latency_samples` frames.
pub fn netns(secs: f64, latency_samples: usize) -> Result<NetnsFigures, String> {
    in_fresh_lab(|lab, rt| {
        let mut case = EngineLoop::compile()?;
        let frame = case.build()?;
        let rates = take_turns(
            &mut case,
            secs,
            &mut [
                &mut |case: &mut EngineLoop, slice| case.flood_raw_ports(lab, slice),
                &mut |case: &mut EngineLoop, slice| bare_loop(lab, &frame, case.testbed(), slice),
            ],
        )?;
        let (engine, bare) = (rates[0], rates[1]);
        let latency = latency(lab, rt, &case, &frame, latency_samples)?;
        Ok(NetnsFigures {
            engine_fps: engine.fps(),
            bare_fps: bare.fps(),
            p50_us: latency.p50_us,
            p99_us: latency.p99_us,
            kernel_p50_us: latency.kernel_p50_us,
            engine_frames: engine.frames,
            bare_frames: bare.frames,
        })
    })
}

/// Send → match latency through the engine's own wait, one frame at a time.
struct Latency {
    p50_us: f64,
    p99_us: f64,
    kernel_p50_us: f64,
}

fn latency(
    lab: &Lab,
    rt: &tokio::runtime::Runtime,
    case: &EngineLoop,
    frame: &[u8],
    samples: usize,
) -> Result<Latency, String> {
    let mut ports = RawPorts::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
    let mut lat = Vec::with_capacity(samples);
    let mut kernel = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = tokio::time::Instant::now();
        ports.send(Side::Lan, frame).map_err(|e| e.to_string())?;
        let deadline = t + Duration::from_millis(500);
        let got = rt.block_on(async {
            loop {
                match tokio::time::timeout_at(deadline, crate::backend::recv(&mut ports)).await {
                    Ok(Some(r)) if case.handle(&mut ports, &r) => return Some(r),
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
    Ok(Latency {
        p50_us: percentile(&mut lat, 0.5),
        p99_us: percentile(&mut lat, 0.99),
        kernel_p50_us: percentile(&mut kernel, 0.5),
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
