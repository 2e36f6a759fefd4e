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

/// Figures of the engine against a `netns` lab, and of a bare socket loop in the same lab.
#[derive(Debug, Clone)]
pub struct NetnsFigures {
    /// Frames per second the engine built, sent on LAN and matched on WAN.
    pub engine_fps: f64,
    /// Frames per second a bare send/receive loop pushed through the same lab.
    pub bare_fps: f64,
    /// Median send → match latency, microseconds.
    pub p50_us: f64,
    /// 99th percentile send → match latency, microseconds.
    pub p99_us: f64,
    /// Frames matched by the engine loop.
    pub engine_frames: u64,
    /// Frames received by the bare loop.
    pub bare_frames: u64,
}

/// Measures, in one fresh compliant lab: a bare loop (send a fixed frame, count what comes out
/// on WAN), the engine's frame path (build each frame from a compiled send, send it, parse and
/// match what comes out against a compiled pattern), and send → match latency.
pub fn netns(secs: f64, latency_samples: usize) -> Result<NetnsFigures, String> {
    use crate::engine::build::BuildCx;
    use crate::engine::env::Env;
    use crate::engine::matcher::Matcher;
    use crate::testbed::Testbed as _;
    use std::time::Instant;

    let lab = crate::netns::lab::Lab::up(crate::netns::profile::NetnsProfile::default()).map_err(|e| e.to_string())?;
    let mut tb = crate::rawport::RawTestbed::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
    let mut rx = tb.frames();
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
    let gw_mac = testbed.lan.gateway.mac.ok_or("no gateway MAC")?;
    let mut env = Env {
        vars: Default::default(),
        flows: vec![],
        flow_names: vec![],
    };
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let mut ids = std::collections::HashMap::new();

    // Answers ARP/ND for the emulated hosts; returns whether the frame was a matching UDP on WAN.
    let handle = |tb: &mut crate::rawport::RawTestbed, r: &crate::testbed::Received, env: &Env| -> bool {
        let frame = crate::wire::FrameRepr::parse(&r.bytes);
        let view = crate::view::View::of_frame(&frame);
        if let Some(reply) = crate::engine::hosts::answer(&frame, &view, r.side, &testbed) {
            let _ = tb.send(r.side, &reply);
            return false;
        }
        r.side == Side::Wan
            && Matcher {
                env,
                testbed: &testbed,
                side: Side::Wan,
            }
            .score(&pattern, &view)
            .matched()
    };
    let settle = |tb: &mut crate::rawport::RawTestbed,
                  rx: &mut tokio::sync::mpsc::UnboundedReceiver<crate::testbed::Received>,
                  env: &Env,
                  ms: u64|
     -> u64 {
        let until = Instant::now() + Duration::from_millis(ms);
        let mut n = 0;
        while Instant::now() < until {
            match rx.try_recv() {
                Ok(r) => n += u64::from(handle(tb, &r, env)),
                Err(_) => std::thread::yield_now(),
            }
        }
        n
    };
    // Warm up: ARP both ways, and one frame through so the gateway knows the WAN host.
    // The engine's send path: the compiled send built into frame bytes.
    let build = |env: &mut Env, rng: &mut rand::rngs::StdRng, ids: &mut std::collections::HashMap<_, _>| {
        BuildCx {
            env,
            testbed: &testbed,
            side: Side::Lan,
            gw_mac,
            rng,
            ip_ids: ids,
        }
        .frame(&send)
        .and_then(|f| Ok(f.to_bytes()?))
        .map_err(|e| e.to_string())
    };
    let first = build(&mut env, &mut rng, &mut ids)?;
    tb.send(Side::Lan, &first).map_err(|e| e.to_string())?;
    settle(&mut tb, &mut rx, &env, 300);

    // Bare loop.
    let t0 = Instant::now();
    let mut bare = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        tb.send(Side::Lan, &first).map_err(|e| e.to_string())?;
        while let Ok(r) = rx.try_recv() {
            bare += u64::from(r.side == Side::Wan);
        }
    }
    let bare_time = t0.elapsed().as_secs_f64();
    bare += settle(&mut tb, &mut rx, &env, 100);

    // Engine loop: build from the compiled send, send, parse and match what comes out.
    let t0 = Instant::now();
    let mut matched = 0u64;
    while t0.elapsed().as_secs_f64() < secs {
        let bytes = build(&mut env, &mut rng, &mut ids)?;
        tb.send(Side::Lan, &bytes).map_err(|e| e.to_string())?;
        while let Ok(r) = rx.try_recv() {
            matched += u64::from(handle(&mut tb, &r, &env));
        }
    }
    let engine_time = t0.elapsed().as_secs_f64();
    matched += settle(&mut tb, &mut rx, &env, 100);

    // Latency: one frame at a time, send → its match.
    let mut lat = Vec::with_capacity(latency_samples);
    for _ in 0..latency_samples {
        let t = Instant::now();
        tb.send(Side::Lan, &first).map_err(|e| e.to_string())?;
        let deadline = t + Duration::from_millis(500);
        loop {
            match rx.try_recv() {
                Ok(r) if handle(&mut tb, &r, &env) => {
                    lat.push(t.elapsed().as_secs_f64() * 1e6);
                    break;
                }
                Ok(_) => {}
                Err(_) if Instant::now() > deadline => break,
                Err(_) => std::hint::spin_loop(),
            }
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 - 1.0) * p).round() as usize)
            .copied()
            .unwrap_or(f64::NAN)
    };
    drop(tb);
    lab.down().map_err(|e| e.to_string())?;
    Ok(NetnsFigures {
        engine_fps: matched as f64 / engine_time,
        bare_fps: bare as f64 / bare_time,
        p50_us: pct(0.5),
        p99_us: pct(0.99),
        engine_frames: matched,
        bare_frames: bare,
    })
}
