//! `gatecheck bench`: engine throughput against the simulated gateway, printed as figures and as
//! ratios against a baseline measured in the same run (the simulated gateway alone processing the
//! same frames, no engine).

use super::exit::{EXIT_ERROR, EXIT_OK, EXIT_USAGE};
use super::output::Output;
use dsl::source::SourceFile;
use runner::backend::GatewaySpec;
use runner::result::Verdict;
use runner::run::{Job, RunOptions};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The options of `bench`.
#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The case library whose wall time is measured.
    #[arg(default_value = "cases/")]
    pub paths: Vec<PathBuf>,
    /// Send/expect pairs in the synthetic one-core case.
    #[arg(long, default_value_t = 2000)]
    pub pairs: usize,
    /// Repetitions (the best is reported).
    #[arg(long, default_value_t = 5)]
    pub repeat: usize,
    /// `sim` (default) or `netns`: the Linux lab (root), with a bare socket loop and scapy as
    /// baselines.
    #[arg(long, default_value = "sim")]
    pub gateway: String,
    /// Seconds each netns loop runs.
    #[arg(long, default_value_t = 5.0)]
    pub secs: f64,
}

/// A case of `pairs` UDP sends each followed by the expect of its translation.
fn synthetic(pairs: usize) -> dsl::plan::Case {
    let mut text = String::from("case: bench.pairs\ntitle: send/expect pairs\ntimeout: 1h\nsteps:\n");
    for i in 0..pairs {
        let port = 10000 + (i % 50000);
        text.push_str(&format!(
            "  - lan: udp lan:{port} -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 sport={port}\n"
        ));
    }
    let f = SourceFile::new(std::path::Path::new("bench.yaml"), text);
    let c = dsl::compile(&f, &dsl::Testbed::builtin());
    c.cases.into_iter().next().expect("the synthetic case compiles")
}

/// Runs the benchmark and prints the figures.
pub fn run(out: &Output, args: BenchArgs) -> u8 {
    if args.gateway == "netns" {
        return run_netns(out, &args);
    }
    let testbed = Arc::new(dsl::Testbed::builtin());
    let gateway = GatewaySpec::parse("sim").expect("sim");
    let loaded = match dsl::load(&args.paths, &testbed) {
        Ok(l) if !l.has_errors() => l,
        Ok(l) => {
            out.diagnostics(&l);
            return EXIT_USAGE;
        }
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    let jobs: Vec<Job> = loaded
        .cases()
        .map(|c| Job {
            case: c.clone(),
            group: String::new(),
        })
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let f = match measure_sim(&args, &jobs, &testbed, &gateway, cores) {
        Ok(f) => f,
        Err(e) => {
            out.error(&e);
            return EXIT_USAGE;
        }
    };
    let steps = args.pairs as f64;
    let eng_rate = steps / f.engine.as_secs_f64();
    let base_rate = steps / f.baseline.as_secs_f64();
    out.stdout(&format!(
        "library: {} cases ({} passed or skipped) in {:.1} ms wall time on {cores} core(s) (best of {})\n\
         engine:  {:.0} expect steps/s on one core ({} send+expect pairs in {:.1} ms)\n\
         baseline (sim gateway alone, same frames): {:.0} frames/s\n\
         ratio engine/baseline: {:.3}\n",
        f.verdicts.1,
        f.verdicts.0,
        f.library.as_secs_f64() * 1e3,
        args.repeat,
        eng_rate,
        args.pairs,
        f.engine.as_secs_f64() * 1e3,
        base_rate,
        eng_rate / base_rate,
    ));
    EXIT_OK
}

/// The best times of `bench` on `sim`.
struct SimFigures {
    /// The whole library on all cores.
    library: Duration,
    /// Cases of the library that passed or were skipped, and all of them.
    verdicts: (usize, usize),
    /// The synthetic case of send/expect pairs on one core.
    engine: Duration,
    /// The simulated gateway alone, fed the frames the synthetic case sends.
    baseline: Duration,
}

/// Times the library, the engine on the synthetic case, and the baseline, each the best of
/// `args.repeat`; an error when the synthetic case does not pass.
fn measure_sim(
    args: &BenchArgs,
    jobs: &[Job],
    testbed: &Arc<dsl::Testbed>,
    gateway: &GatewaySpec,
    cores: usize,
) -> Result<SimFigures, String> {
    let mut verdicts = (0, 0);
    let library = best_of(args.repeat, || {
        verdicts = run_library(jobs, testbed, gateway, cores);
        Ok(())
    })?;
    let job = Job {
        case: synthetic(args.pairs),
        group: String::new(),
    };
    let engine = best_of(args.repeat, || {
        let r = runner::run::run_one(&job, testbed, gateway, 1, &runner::stop::StopSignal::new());
        match r.verdict {
            Verdict::Pass => Ok(()),
            _ => Err(format!(
                "the synthetic case did not pass: {:?} {:?}",
                r.reason,
                r.failure.map(|f| f.render())
            )),
        }
    })?;
    let frames = runner::bench::synthetic_frames(testbed, args.pairs);
    let baseline = best_of(args.repeat, || {
        runner::bench::feed_sim(testbed, &frames);
        Ok(())
    })?;
    Ok(SimFigures {
        library,
        verdicts,
        engine,
        baseline,
    })
}

/// The shortest of `repeat` timed runs of `f`; the first error `f` returns.
fn best_of(repeat: usize, mut f: impl FnMut() -> Result<(), String>) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..repeat {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed());
    }
    Ok(best)
}

/// Runs the library's cases on `cores` workers: how many passed or were skipped, of how many.
fn run_library(jobs: &[Job], testbed: &Arc<dsl::Testbed>, gateway: &GatewaySpec, cores: usize) -> (usize, usize) {
    let (mut pass, mut total) = (0, 0);
    runner::run::run_all(
        jobs.to_vec(),
        testbed.clone(),
        gateway,
        &RunOptions { jobs: cores, seed: 1 },
        runner::stop::StopSignal::new(),
        |r| {
            total += 1;
            if matches!(r.verdict, Verdict::Pass | Verdict::Skip) {
                pass += 1;
            }
        },
    );
    (pass, total)
}

/// `bench --gateway netns`: the engine's frame path through a Linux lab against a bare socket
/// loop in the same lab, latency, and scapy when it is installed.
fn run_netns(out: &Output, args: &BenchArgs) -> u8 {
    if !runner::backend::host_tools::is_root() {
        out.error("bench --gateway netns needs root (network namespaces)");
        return EXIT_ERROR;
    }
    let f = match runner::bench::netns(args.secs, 2000) {
        Ok(f) => f,
        Err(e) => {
            out.error(&e);
            return EXIT_ERROR;
        }
    };
    let mut s = format!(
        "netns lab, one core sending ({:.0} s each):\n\
         engine (AF_PACKET under AsyncFd): {:.0} frames/s built, sent on LAN and matched on WAN ({} frames)\n\
         bare AF_PACKET send/recv loop, same lab: {:.0} frames/s ({} frames)\n\
         ratio engine/bare: {:.3}\n\
         send → match latency: p50 {:.1} µs, p99 {:.1} µs; kernel receive timestamp p50 {:.1} µs after the send \
         (2000 frames, one at a time)\n",
        args.secs,
        f.engine_fps,
        f.engine_frames,
        f.bare_fps,
        f.bare_frames,
        f.engine_fps / f.bare_fps,
        f.p50_us,
        f.p99_us,
        f.kernel_p50_us
    );
    match scapy_baseline(args.secs) {
        Ok(fps) => s.push_str(&format!(
            "scapy (one L2 socket + AsyncSniffer), same job: {fps:.0} frames/s; ratio engine/scapy: {:.1}\n",
            f.engine_fps / fps
        )),
        Err(why) => s.push_str(&format!("scapy baseline not run: {why}\n")),
    }
    out.stdout(&s);
    EXIT_OK
}

/// The scapy baseline (`benches/baseline/scapy_flood.py`), built in so that `bench` runs from any
/// directory: Python reads it from standard input.
const SCAPY_FLOOD: &str = include_str!("../../benches/baseline/scapy_flood.py");

/// Runs the scapy baseline in a fresh lab's tester namespace; its frames per second.
fn scapy_baseline(secs: f64) -> Result<f64, String> {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import scapy"])
        .output()
        .map_err(|e| e.to_string())?;
    if !probe.status.success() {
        return Err("scapy is not installed (pip install scapy)".into());
    }
    let lab = runner::backend::netns::lab::Lab::up(runner::backend::netns::profile::NetnsProfile::default())
        .map_err(|e| e.to_string())?;
    // The gateway must know the WAN host: a static neighbour entry, as the emulation would answer.
    let _ = runner::backend::host_tools::run(
        "ip",
        &[
            "-n",
            &lab.gw_ns,
            "neigh",
            "replace",
            "203.0.113.3",
            "lladdr",
            "02:00:00:00:02:03",
            "dev",
            "wan0",
        ],
        None,
    );
    let out =
        runner::backend::host_tools::in_ns(&lab.tester_ns, "python3", &["-", &secs.to_string()], Some(SCAPY_FLOOD))
            .map_err(|e| e.to_string());
    let _ = lab.down();
    let out = out?;
    out.split_whitespace()
        .find_map(|w| w.strip_prefix("frames_per_second="))
        .and_then(|n| n.parse::<f64>().ok())
        .ok_or_else(|| format!("unexpected scapy output: {out}"))
}
