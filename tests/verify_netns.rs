//! `gatecheck verify` on a capture gatecheck did not write: tcpdump records both tester ends of a
//! real `netns` lab while the `wire` backend runs a case through it, mergecap joins the two files,
//! and verify must reach the live run's verdict, step and reason. Needs root, iproute2, nftables,
//! ethtool, tcpdump and mergecap; without them it says so loudly and skips.

mod common;
use common::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// tcpdump on one tester interface, writing `file`; returns once it listens (bounded wait).
/// The caller stops it with [`stop`], which waits for it.
#[allow(clippy::zombie_processes)]
fn tcpdump(ns: &str, iface: &str, file: &std::path::Path, log: &std::path::Path) -> Child {
    let child = Command::new("ip")
        .args([
            "netns",
            "exec",
            ns,
            "tcpdump",
            "--immediate-mode",
            "-U",
            "-n",
            "-i",
            iface,
            "-w",
        ])
        .arg(file)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("tcpdump");
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains("listening on")
        {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!(
        "tcpdump on {iface} did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Stops tcpdump the way a person does (Ctrl-C), so it writes out what it has.
fn stop(mut child: Child) {
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let until = Instant::now() + Duration::from_secs(10);
    while Instant::now() < until {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_tcpdump_capture_of_the_lab_verifies_as_the_live_run() {
    if skipped_without_root("verify_netns") {
        return;
    }
    for tool in ["tcpdump", "mergecap"] {
        if Command::new(tool).arg("--version").output().is_err() {
            eprintln!("\n!!! SKIPPED verify_netns: `{tool}` is not installed (apt-get install tcpdump tshark). !!!\n");
            return;
        }
    }
    let before = sh(&["ip", "netns", "list"]);
    let case = "cases/tfo/cookie_then_data.yaml";
    let id_of_case = "tfo.cookie_then_data";
    for (profile, expect_fail) in [("netns", false), ("netns:syn-data-drop", true)] {
        with_lab(&[profile], |lab| {
            let ns = format!("gc-{lab}-t");
            let tmp = scratch(&format!("verify-netns-{lab}"));
            let dir = tmp.path();
            let (lan_pcap, wan_pcap, both) = (dir.join("lan.pcap"), dir.join("wan.pcap"), dir.join("both.pcapng"));
            let lan = tcpdump(&ns, "tlan", &lan_pcap, &dir.join("lan.log"));
            let wan = tcpdump(&ns, "twan", &wan_pcap, &dir.join("wan.log"));
            let live = Command::new("ip")
                .args(["netns", "exec", &ns, env!("CARGO_BIN_EXE_gatecheck")])
                .args([
                    "run",
                    case,
                    "--testbed",
                    "tests/testbeds/netns_lab.yaml",
                    "--capture",
                    "none",
                ])
                .arg("--out")
                .arg(dir.join("out"))
                .arg("--color=never")
                .current_dir(root())
                .output()
                .unwrap();
            stop(lan);
            stop(wan);
            let live_out = String::from_utf8_lossy(&live.stdout).into_owned();
            let want = verdict_line(&live_out, id_of_case).unwrap_or_else(|| panic!("{live_out}"));
            assert_eq!(want.starts_with("FAIL"), expect_fail, "{profile}: {live_out}");
            let merged = Command::new("mergecap")
                .args(["-I", "none", "-w"])
                .arg(&both)
                .arg(&lan_pcap)
                .arg(&wan_pcap)
                .status()
                .unwrap();
            assert!(merged.success(), "mergecap");
            // The sides are told apart by the addresses on them, the directions by the MACs.
            let v = gatecheck(&["verify", both.to_str().unwrap(), case]);
            assert_eq!(
                verdict_line(&v.stdout, id_of_case).as_deref(),
                Some(want.as_str()),
                "{profile}: live:\n{live_out}\nverify:\n{}\n{}",
                v.stdout,
                v.stderr
            );
            assert_eq!(v.code, i32::from(expect_fail), "{}", v.stdout);
        });
    }
    assert_eq!(sh(&["ip", "netns", "list"]), before, "the test left namespaces behind");
}
