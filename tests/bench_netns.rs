//! `gatecheck bench --gateway netns` (root, nftables): it measures from any directory, its scapy
//! baseline included when scapy is installed.

mod common;

use std::process::Command;

#[test]
fn the_netns_bench_runs_its_scapy_baseline_from_any_directory() {
    if let Err(why) = common::root_and_tools() {
        eprintln!("\n!!! SKIPPED bench_netns: {why}. !!!\n");
        return;
    }
    let scapy = Command::new("python3")
        .args(["-c", "import scapy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !scapy {
        eprintln!("\n!!! SKIPPED bench_netns: scapy is not installed (pip install scapy). !!!\n");
        return;
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let r = common::gatecheck_in(elsewhere.path(), &["bench", "--gateway", "netns", "--secs", "0.3"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("scapy (one L2 socket + AsyncSniffer), same job:"),
        "the scapy baseline did not run:\n{}",
        r.stdout
    );
}
