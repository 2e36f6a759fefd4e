//! Resources are given back after every case: 500 cases in one process leave no more open file
//! descriptors and no more threads than there were before (sim), and neither do netns cases with
//! their sockets and namespaces (root; skipped loudly without it).

mod common;

use runner::backend::GatewaySpec;
use runner::result::Verdict;
use runner::run::{Job, RunOptions, run_all};
use runner::stop::StopSignal;
use std::sync::Arc;

/// The counts are of the whole process: the two tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

fn threads() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn jobs(n: usize) -> Vec<Job> {
    let case = common::compile_body(
        "flows:\n  web: tcp lan:* -> wan:80\nsteps:\n  - lan: udp lan:5000 -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n  - lan: web S\n  - wan: expect web S\n  - wait: 100ms\n",
    );
    (0..n)
        .map(|_| Job {
            case: case.clone(),
            group: "res".into(),
        })
        .collect()
}

/// Runs `n` cases on `gateway` with 2 workers; every one must pass.
fn run(n: usize, gateway: &str) {
    let mut verdicts = Vec::new();
    let left = run_all(
        jobs(n),
        Arc::new(dsl::Testbed::builtin()),
        &GatewaySpec::parse(gateway).unwrap(),
        &RunOptions { jobs: 2, seed: 7 },
        StopSignal::new(),
        |r| verdicts.push((r.verdict, r.reason, r.failure.map(|f| f.render()))),
    );
    assert!(left.is_empty());
    assert_eq!(verdicts.len(), n);
    for v in &verdicts {
        assert_eq!(v.0, Verdict::Pass, "{v:?}");
    }
}

#[test]
fn five_hundred_sim_cases_leave_no_descriptors_or_threads_behind() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    run(10, "sim");
    let (fds, ths) = (open_fds(), threads());
    run(500, "sim");
    assert!(open_fds() <= fds, "file descriptors grew from {fds} to {}", open_fds());
    assert!(threads() <= ths, "threads grew from {ths} to {}", threads());
}

#[test]
fn netns_cases_give_back_their_sockets_and_namespaces() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if !common::root_and_tools_for("resources (netns)", &["ip", "nft"]) {
        return;
    }
    run(1, "netns");
    let (fds, ths) = (open_fds(), threads());
    run(12, "netns");
    assert!(open_fds() <= fds, "file descriptors grew from {fds} to {}", open_fds());
    assert!(threads() <= ths, "threads grew from {ths} to {}", threads());
}
