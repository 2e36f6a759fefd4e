//! SIGTERM during a real `netns` run: the step under way ends at once, the case is reported as
//! skipped with the step it was interrupted in (and its capture is written), the cases that did
//! not start are skipped with reason "interrupted" in a valid JUnit file, the lab is removed, and
//! the exit code is 143. Needs root, iproute2, nftables and ethtool; skips loudly otherwise.

mod common;
use common::*;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn sigterm_mid_case_reports_what_ran_removes_the_lab_and_exits_143() {
    if let Err(why) = root_and_tools() {
        eprintln!("\n!!! SKIPPED interrupt_netns: {why}. It needs root, iproute2, nftables and ethtool. !!!\n");
        return;
    }
    let out = std::env::temp_dir().join(format!("gatecheck-sigterm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    // One job: the first case waits 125 s of real time after its first exchange; the second
    // cannot start before it ends.
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args([
            "run",
            "cases/timeouts/udp_mapping_kept_idle_2min.yaml",
            "cases/tfo/cookie_then_data.yaml",
            "--gateway",
            "netns",
            "--jobs",
            "1",
            "--capture",
            "all",
            "--color=never",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (bounded) until this run's lab exists (other labs may stand beside it), then until
    // the case is in its long wait.
    let until = Instant::now() + Duration::from_secs(10);
    let mine = format!("made by pid {} ", child.id());
    let lab = loop {
        let status = gatecheck(&["lab", "status"]).stdout;
        if let Some(line) = status.lines().find(|l| l.contains(&mine)) {
            break line.split_whitespace().next().unwrap().to_string();
        }
        assert!(Instant::now() < until, "the run never built its lab:\n{status}");
        std::thread::sleep(Duration::from_millis(50));
    };
    std::thread::sleep(Duration::from_millis(800));
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let until = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the run did not end within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
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

    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn max_duration_stops_the_run_reports_what_did_not_run_and_exits_3() {
    if let Err(why) = root_and_tools() {
        eprintln!("\n!!! SKIPPED interrupt_netns (max-duration): {why}. !!!\n");
        return;
    }
    let out = std::env::temp_dir().join(format!("gatecheck-maxdur-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args([
            "run",
            "cases/timeouts/udp_mapping_kept_idle_2min.yaml",
            "cases/tfo/cookie_then_data.yaml",
            "--gateway",
            "netns",
            "--jobs",
            "1",
            "--max-duration",
            "3s",
            "--color=never",
            "--out",
        ])
        .arg(&out)
        .current_dir(root())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mine = format!("made by pid {} ", child.id());
    let mut lab = None;
    let status = loop {
        if lab.is_none() {
            lab = gatecheck(&["lab", "status"])
                .stdout
                .lines()
                .find(|l| l.contains(&mine))
                .map(|l| l.split_whitespace().next().unwrap().to_string());
        }
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        // Bounded: the first case alone would take 125 s.
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("--max-duration 3s did not stop the run within 30 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("--max-duration 3s reached"), "{stderr}");
    let xml = std::fs::read_to_string(out.join("junit.xml")).expect("JUnit written");
    let v = junit_verdicts(&xml);
    assert_eq!(v["timeouts.udp_mapping_kept_idle_2min"].0, "skip", "{xml}");
    assert_eq!(v["tfo.cookie_then_data"].0, "skip", "{xml}");
    assert!(xml.contains("not run: --max-duration 3s reached"), "{xml}");
    let lab = lab.expect("the run's lab was seen");
    let after = sh(&["ip", "netns", "list"]);
    assert!(
        !after.contains(&format!("gc-{lab}-")),
        "the lab {lab} was left:\n{after}"
    );
    let _ = std::fs::remove_dir_all(&out);
}
