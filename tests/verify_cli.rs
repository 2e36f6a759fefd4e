//! Evidence a vendor can act on, proven on the simulated gateway: the captures of live runs judge
//! to the same verdict, step and reason with `gatecheck verify`; a repro bundle reruns to the same
//! failure; tshark reads every capture; and files that are not usable captures get clear errors.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Case id → case file, for every case of the library.
fn case_files() -> BTreeMap<String, String> {
    let r = gatecheck(&["list", "cases/", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_string(),
                c["file"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// tshark reads the capture: both interface names, and each frame's comments.
fn tshark_reads(capture: &Path) -> Vec<(String, String)> {
    let out = std::process::Command::new("tshark")
        .args([
            "-r",
            capture.to_str().unwrap(),
            "-T",
            "fields",
            "-e",
            "frame.interface_name",
            "-e",
            "frame.comment",
        ])
        .output()
        .expect("tshark");
    assert!(
        out.status.success(),
        "tshark cannot read {}: {}",
        capture.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (i, c) = l.split_once('\t').unwrap_or((l, ""));
            (i.to_string(), c.to_string())
        })
        .collect()
}

#[test]
fn every_capture_of_a_sim_run_verifies_as_the_live_run_did() {
    let files = case_files();
    let tmp = scratch("verify-sim");
    let out = tmp.path();
    let check_tshark = tshark();
    let mut compared = 0;
    let mut failing_compared = 0;
    let mut wrong = Vec::new();
    for profile in std::iter::once("sim".to_string()).chain(sim_quirks().iter().map(|q| format!("sim:{q}"))) {
        let dir = out.join(profile.replace(':', "_"));
        let mode = if profile == "sim" { "all" } else { "failed" };
        let live = gatecheck(&[
            "run",
            "cases/",
            "--gateway",
            &profile,
            "--seed",
            "11",
            "--capture",
            mode,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(
            live.code == 0 || live.code == 1,
            "{profile}: {}\n{}",
            live.stdout,
            live.stderr
        );
        let captures = dir.join("captures");
        let Ok(entries) = std::fs::read_dir(&captures) else {
            continue;
        };
        for e in entries {
            let capture = e.unwrap().path();
            let id = capture.file_stem().unwrap().to_string_lossy().into_owned();
            let file = &files[&id];
            let want = verdict_line(&live.stdout, &id).unwrap_or_else(|| panic!("{id} in\n{}", live.stdout));
            let v = gatecheck(&["verify", capture.to_str().unwrap(), file]);
            let got = verdict_line(&v.stdout, &id);
            let code = if want.starts_with("PASS") { 0 } else { 1 };
            if got.as_deref() != Some(want.as_str()) || v.code != code {
                wrong.push(format!(
                    "{profile} {id}: live `{want}`, verify (exit {}) `{got:?}`\n{}{}",
                    v.code, v.stdout, v.stderr
                ));
            }
            compared += 1;
            failing_compared += usize::from(code == 1);
            if check_tshark {
                let rows = tshark_reads(&capture);
                // Every frame is on `lan` or `wan` (a case may leave one side silent).
                assert!(
                    !rows.is_empty() && rows.iter().all(|r| r.0 == "lan" || r.0 == "wan"),
                    "{}: interfaces {rows:?}",
                    capture.display()
                );
                assert!(
                    rows.iter().any(|r| r.1.contains("step 1:")),
                    "{}: no step comments seen by tshark",
                    capture.display()
                );
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {compared} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Every library case is captured on the compliant sim, and the quirks fail some of them.
    assert!(
        compared >= files.len(),
        "only {compared} captures for {} cases",
        files.len()
    );
    assert!(
        failing_compared >= 10,
        "only {failing_compared} failing captures were verified"
    );
}

#[test]
fn a_repro_bundle_reruns_to_the_same_failure_and_explains_itself() {
    let tmp = scratch("verify-bundle");
    let out = tmp.path();
    let first = out.join("first");
    let live = gatecheck(&[
        "run",
        "cases/tfo/",
        "--gateway",
        "sim:syn-data-drop",
        "--out",
        first.to_str().unwrap(),
    ]);
    assert_eq!(live.code, 1, "{}", live.stdout);
    let want = verdict_line(&live.stdout, "tfo.cookie_then_data").unwrap();
    assert!(want.contains("step 8:"), "{want}");
    let bundle = first.join("repro/tfo.cookie_then_data");
    for f in [
        "case/cookie_then_data.yaml",
        "testbed.yaml",
        "capture.pcapng",
        "README.txt",
        "repro.txt",
    ] {
        assert!(bundle.join(f).is_file(), "the bundle lacks {f}");
    }
    // The testbed is complete: every address and MAC, and the gateway it failed on.
    let tb = std::fs::read_to_string(bundle.join("testbed.yaml")).unwrap();
    assert!(tb.contains("gateway: \"sim:syn-data-drop\""), "{tb}");
    assert!(
        tb.contains("02:00:00:00:01:01") && tb.contains("203.0.113.3/24"),
        "{tb}"
    );
    // The README names the failure and the command; the command it gives does what it says.
    let readme = std::fs::read_to_string(bundle.join("README.txt")).unwrap();
    assert!(
        readme.contains("step 8") && readme.contains("TCP Fast Open"),
        "{readme}"
    );
    assert!(
        readme.contains(&format!("gatecheck run {}", bundle.display())),
        "{readme}"
    );

    // Rerun from the bundle (from another folder, so nothing else of the repository is used).
    let again = out.join("again");
    let rerun = gatecheck_in(
        out,
        &["run", bundle.to_str().unwrap(), "--out", again.to_str().unwrap()],
    );
    assert_eq!(rerun.code, 1, "{}", rerun.stdout);
    assert_eq!(
        verdict_line(&rerun.stdout, "tfo.cookie_then_data").as_deref(),
        Some(want.as_str())
    );

    // `--gateway` overrides the bundle's: the compliant gateway passes the same case.
    let fixed = gatecheck(&[
        "run",
        bundle.to_str().unwrap(),
        "--gateway",
        "sim",
        "--out",
        out.join("fixed").to_str().unwrap(),
    ]);
    assert_eq!(fixed.code, 0, "{}", fixed.stdout);

    // The bundle's capture judges the same, and tshark reads it.
    let v = gatecheck(&[
        "verify",
        bundle.join("capture.pcapng").to_str().unwrap(),
        bundle.join("case/cookie_then_data.yaml").to_str().unwrap(),
    ]);
    assert_eq!(v.code, 1, "{}", v.stdout);
    assert_eq!(
        verdict_line(&v.stdout, "tfo.cookie_then_data").as_deref(),
        Some(want.as_str())
    );
    if tshark() {
        let rows = tshark_reads(&bundle.join("capture.pcapng"));
        assert!(rows.iter().any(|r| r.1.contains("step 8: FAILED")), "{rows:?}");
        assert!(
            rows.iter().any(|r| r.0 == "lan") && rows.iter().any(|r| r.0 == "wan"),
            "{rows:?}"
        );
    }

    // A bundle whose manifest is damaged is a usage error that names it.
    std::fs::write(bundle.join("repro.txt"), "case: tfo.cookie_then_data\n").unwrap();
    let bad = gatecheck(&[
        "run",
        bundle.to_str().unwrap(),
        "--out",
        out.join("bad").to_str().unwrap(),
    ]);
    assert_refused(&bad, &["repro.txt", "file:"]);
}

/// Asserts that a command refused its input (exit 2) with a message holding every one of `says`.
fn assert_refused(r: &Run, says: &[&str]) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(says.iter().all(|s| r.stderr.contains(s)), "{}", r.stderr);
}

/// `editcap -F FORMAT from to`, which must succeed.
fn editcap(format: &str, from: &Path, to: &Path) {
    let st = std::process::Command::new("editcap")
        .args(["-F", format])
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success(), "editcap -F {format}");
}

#[test]
fn capture_files_verify_cannot_use_get_a_clear_error() {
    let tmp = scratch("verify-bad");
    let out = tmp.path();
    let run = run_capturing_all("cases/tfo/", &out.join("run"));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let good = out.join("run/captures/tfo.cookie_then_data.pcapng");
    let bytes = std::fs::read(&good).unwrap();
    let case = "cases/tfo/cookie_then_data.yaml";
    let verify = |path: &Path| gatecheck(&["verify", path.to_str().unwrap(), case]);

    let truncated = out.join("truncated.pcapng");
    std::fs::write(&truncated, &bytes[..bytes.len() - 37]).unwrap();
    assert_refused(&verify(&truncated), &["truncated.pcapng", "truncated block"]);

    let garbage = out.join("garbage.pcapng");
    std::fs::write(&garbage, b"this is not a capture at all, just words\n").unwrap();
    assert_refused(&verify(&garbage), &["not a pcapng file"]);
    assert_refused(&verify(Path::new(case)), &["not a pcapng file"]);
    assert_refused(&verify(&out.join("nonexistent.pcapng")), &["nonexistent.pcapng"]);

    // A block whose length field lies (the first packet block's, made huge).
    let mut lying = bytes.clone();
    let mut at = 0;
    while at + 8 <= lying.len() {
        let ty = u32::from_le_bytes(lying[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(lying[at + 4..at + 8].try_into().unwrap()) as usize;
        if ty == 6 {
            lying[at + 4..at + 8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
            break;
        }
        at += len;
    }
    let lying_path = out.join("lying.pcapng");
    std::fs::write(&lying_path, &lying).unwrap();
    assert_refused(&verify(&lying_path), &["lying.pcapng", "byte offset"]);

    // One interface only (what tcpdump gives, or mergecap without `-I none`).
    if std::process::Command::new("editcap").arg("-V").output().is_ok() {
        let pcap = out.join("one.pcap");
        let one = out.join("one.pcapng");
        let lan_only = out.join("lan-only.pcapng");
        let t = std::process::Command::new("tshark")
            .args([
                "-r",
                good.to_str().unwrap(),
                "-Y",
                "frame.interface_name == \"lan\"",
                "-w",
            ])
            .arg(&lan_only)
            .status()
            .unwrap();
        assert!(t.success());
        editcap("pcap", &lan_only, &pcap);
        assert_refused(&verify(&pcap), &["classic pcap"]);
        editcap("pcapng", &pcap, &one);
        assert_refused(&verify(&one), &["1 interface(s)", "mergecap -I none"]);
    } else {
        eprintln!("\n!!! editcap (wireshark-common) is not installed: the single-interface check is SKIPPED !!!\n");
    }

    // Sides named that the capture does not have.
    let r = gatecheck(&["verify", good.to_str().unwrap(), case, "--lan", "eth7"]);
    assert_refused(&r, &["no interface `eth7`", "0 (lan), 1 (wan)"]);
}

#[test]
fn verify_judges_what_the_capture_shows_not_what_the_case_hopes() {
    // A capture of a passing run, judged against a case that expects something else on the WAN
    // side, fails at that step: verify really compares frames.
    let tmp = scratch("verify-mismatch");
    let out = tmp.path();
    let run = run_capturing_all("cases/ecn/", &out.join("run"));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let capture = out.join("run/captures/ecn.ect_preserved.pcapng");
    let text = std::fs::read_to_string(root().join("cases/ecn/ect_preserved.yaml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (n, line) = lines
        .iter()
        .enumerate()
        .find(|(_, l)| l.contains("wan: expect") && l.contains("ecn="))
        .expect("the ECN case expects an ECN codepoint on the WAN side");
    let changed = line.replace("ecn=ect0", "ecn=ce").replace("ecn=ect1", "ecn=ce");
    assert_ne!(&changed, line, "{line}");
    let mut new_lines = lines.clone();
    new_lines[n] = &changed;
    let wrong = out.join("wrong.yaml");
    std::fs::write(&wrong, new_lines.join("\n")).unwrap();
    let v = gatecheck(&["verify", capture.to_str().unwrap(), wrong.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}\n{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("ecn"), "{}", v.stdout);
}

/// The capture of a passing TFO run, rewritten as a vendor's capture that starts recording three
/// minutes before the test: its first frame at 0 s, the run from 180 s on.
fn capture_starting_three_minutes_early(out: &Path) -> PathBuf {
    let run = run_capturing_all("cases/tfo/cookie_then_data.yaml", &out.join("run"));
    assert_eq!(run.code, 0, "{}", run.stdout);
    let original = pcapng::read_capture(&out.join("run/captures/tfo.cookie_then_data.pcapng")).unwrap();
    let t0 = original.frames[0].timestamp_ns.unwrap();
    fn recorded(f: &pcapng::Frame, at: std::time::Duration) -> pcapng::FrameToWrite<'_> {
        pcapng::FrameToWrite {
            interface: f.interface,
            at,
            direction: f.direction.unwrap_or(pcapng::PacketDirection::Inbound),
            bytes: &f.bytes,
            comments: &[],
        }
    }
    let since_t0 = |f: &pcapng::Frame| std::time::Duration::from_nanos((f.timestamp_ns.unwrap() - t0) as u64);
    let first = &original.frames[0];
    let mut frames = vec![recorded(first, since_t0(first))];
    frames.extend(
        original
            .frames
            .iter()
            .map(|f| recorded(f, since_t0(f) + std::time::Duration::from_secs(180))),
    );
    let meta = pcapng::CaptureMeta {
        case_id: "vendor".into(),
        title: String::new(),
        verdict: String::new(),
        gateway: "a vendor's bench".into(),
        version: String::new(),
        interfaces: ["lan".into(), "wan".into()],
        failure: None,
        start: std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000),
        recorded_for: None,
    };
    let path = out.join("vendor.pcapng");
    std::fs::write(&path, pcapng::encode_capture(&meta, frames).unwrap()).unwrap();
    path
}

#[test]
fn the_case_clock_starts_at_the_frame_the_first_send_took() {
    // The case's timeout is 60 s; the capture holds three minutes before the case's first send.
    let tmp = scratch("verify-late-start");
    let out = tmp.path();
    let capture = capture_starting_three_minutes_early(out);
    let v = gatecheck(&["verify", capture.to_str().unwrap(), "cases/tfo/cookie_then_data.yaml"]);
    assert_eq!(v.code, 0, "{}\n{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("PASS"), "{}", v.stdout);

    // A send that matches no frame of that long capture is a failure with candidates, not an
    // error of the runner.
    let text = std::fs::read_to_string(root().join("cases/tfo/cookie_then_data.yaml")).unwrap();
    let changed = text.replace("data \"GET\\n\"", "data \"PUT\\n\"");
    assert_ne!(changed, text);
    let wrong = out.join("put.yaml");
    std::fs::write(&wrong, changed).unwrap();
    let v = gatecheck(&["verify", capture.to_str().unwrap(), wrong.to_str().unwrap()]);
    assert_eq!(v.code, 1, "{}\n{}", v.stdout, v.stderr);
    let line = verdict_line(&v.stdout, "tfo.cookie_then_data").unwrap();
    assert!(line.starts_with("FAIL") && line.contains("step 7"), "{line}");
    assert!(v.stdout.contains("candidate 1"), "{}", v.stdout);
}
