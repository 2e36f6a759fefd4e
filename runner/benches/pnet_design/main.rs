//! The runner's raw-socket ports against the first design they replaced (pnet_datalink channels
//! and a reader thread per port, [`ports`]), and against a bare AF_PACKET loop — the ceiling —
//! in one fresh `netns` lab: the engine's frame path (build from a compiled send, send on LAN,
//! parse and match on WAN) over each design, taking turns so that load from elsewhere falls on
//! all three alike. docs/netns.md "Speed" has the figures.
//!
//! `cargo bench -p gatecheck-runner --bench pnet_design [-- --secs N]` (root: it builds network
//! namespaces; without root it says so and measures nothing).

mod ports;

use ports::PnetPorts;
use runner::bench::{EngineLoop, bare_loop, in_fresh_lab, take_turns};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs this target without `--bench`: building it is the test.
        return;
    }
    let secs = match args.iter().position(|a| a == "--secs").map(|i| args.get(i + 1)) {
        None => 3.0,
        Some(Some(n)) if n.parse::<f64>().is_ok_and(|s| s > 0.0) => n.parse().unwrap_or(3.0),
        Some(_) => {
            eprintln!("pnet_design: --secs takes a number of seconds");
            std::process::exit(2);
        }
    };
    if !runner::backend::host_tools::is_root() {
        eprintln!("\n!!! SKIPPED pnet_design: needs root to build the netns lab. !!!\n");
        return;
    }
    let figures = in_fresh_lab(|lab, _rt| {
        let mut case = EngineLoop::compile()?;
        let frame = case.build()?;
        take_turns(
            &mut case,
            secs,
            &mut [
                &mut |case: &mut EngineLoop, slice| case.flood_raw_ports(lab, slice),
                &mut |case: &mut EngineLoop, slice| bare_loop(lab, &frame, case.testbed(), slice),
                &mut |case: &mut EngineLoop, slice| {
                    let mut pnet = PnetPorts::open(Some(&lab.tester_ns), "tlan", "twan").map_err(|e| e.to_string())?;
                    case.flood(&mut pnet, slice)
                },
            ],
        )
    });
    match figures {
        Ok(rates) => {
            let (engine, bare, pnet) = (rates[0].fps(), rates[1].fps(), rates[2].fps());
            println!(
                "netns lab, one core sending ({secs:.0} s each):\n\
                 engine over the runner's ports (AF_PACKET under AsyncFd): {engine:.0} frames/s\n\
                 engine over the first design (pnet + reader threads): {pnet:.0} frames/s\n\
                 bare AF_PACKET send/recv loop: {bare:.0} frames/s\n\
                 ratio engine/bare: {:.3}; pnet design/bare: {:.3}",
                engine / bare,
                pnet / bare
            );
        }
        Err(e) => {
            eprintln!("pnet_design: {e}");
            std::process::exit(1);
        }
    }
}
