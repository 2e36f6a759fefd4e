//! SIGTERM during a real `netns` run: the step under way ends at once, the case is reported as
//! skipped with the step it was interrupted in (and its capture is written), the cases that did
//! not start are skipped with reason "interrupted" in a valid JUnit file, the lab is removed, and
//! the exit code is 143. Needs root, iproute2, nftables and ethtool; skips loudly otherwise.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

/// `gatecheck run` of two cases on `netns` with one job: the first waits 125 s of real time after
/// its first exchange, so the second cannot start before it ends.
fn slow_run(out: &std::path::Path, extra: &[&str], stdout: Stdio, stderr: Stdio) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args([
            "run",
            "cases/timeouts/udp_mapping_kept_idle_2min.yaml",
            "cases/tfo/cookie_then_data.yaml",
            "--gateway",
            "netns",
            "--jobs",
            "1",
            "--color=never",
        ])
        .args(extra)
        .arg("--out")
        .arg(out)
        .current_dir(root())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("start gatecheck")
}

#[test]
fn sigterm_mid_case_reports_what_ran_removes_the_lab_and_exits_143() {
    if skipped_without_root("interrupt_netns") {
        return;
    }
    let tmp = scratch("sigterm");
    let out = tmp.path().join("out");
    let mut child = slow_run(&out, &["--capture", "all"], Stdio::piped(), Stdio::null());
    // Once this run's lab exists (other labs may stand beside it), the case is in its long wait.
    let lab = lab_of(child.id());
    std::thread::sleep(Duration::from_millis(800));
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let status = wait_bounded(&mut child, Duration::from_secs(10), "the run after SIGTERM");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(status.code(), Some(143), "{stdout}");

    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("JUnit written on SIGTERM");
    let v = junit_verdicts(&xml);
    assert_eq!(v["timeouts.udp_mapping_kept_idle_2min"].0, "skip", "{xml}");
    assert_eq!(v["tfo.cookie_then_data"].0, "skip", "{xml}");
    // The interrupted case says in which step; the one that never started says "interrupted".
    assert!(xml.contains("interrupted during step"), "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let never = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("tfo.cookie_then_data"))
        .unwrap();
    let skipped = never.children().find(|c| c.has_tag_name("skipped")).unwrap();
    assert_eq!(skipped.attribute("message"), Some("interrupted"), "{xml}");
    // What the interrupted case exchanged before the signal is in its capture.
    let capture = out.join("captures/timeouts.udp_mapping_kept_idle_2min.pcapng");
    assert!(capture.is_file(), "no capture of the interrupted case");
    if let Ok(o) = Command::new("tshark")
        .args(["-r", capture.to_str().unwrap(), "-T", "fields", "-e", "frame.comment"])
        .output()
    {
        let comments = String::from_utf8_lossy(&o.stdout);
        assert!(comments.contains("step 1:"), "{comments}");
    }
    let after = sh(&["ip", "netns", "list"]);
    assert!(
        !after.contains(&format!("gc-{lab}-")),
        "SIGTERM removes the lab {lab}:\n{after}"
    );
}

#[test]
fn max_duration_stops_the_run_reports_what_did_not_run_and_exits_3() {
    if skipped_without_root("interrupt_netns (max-duration)") {
        return;
    }
    let tmp = scratch("maxdur");
    let out = tmp.path().join("out");
    let mut child = slow_run(&out, &["--max-duration", "3s"], Stdio::null(), Stdio::piped());
    let lab = lab_of(child.id());
    // Bounded: the first case alone would take 125 s.
    let status = wait_bounded(&mut child, Duration::from_secs(30), "the run with --max-duration 3s");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--max-duration 3s reached"), "{stderr}");
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("JUnit written");
    let v = junit_verdicts(&xml);
    assert_eq!(v["timeouts.udp_mapping_kept_idle_2min"].0, "skip", "{xml}");
    assert_eq!(v["tfo.cookie_then_data"].0, "skip", "{xml}");
    assert!(xml.contains("not run: --max-duration 3s reached"), "{xml}");
    let after = sh(&["ip", "netns", "list"]);
    assert!(
        !after.contains(&format!("gc-{lab}-")),
        "the lab {lab} was left:\n{after}"
    );
}
