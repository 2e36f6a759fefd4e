//! `--jobs 4` on `netns`: four labs stand at once, each case sees only its own frames (every UDP
//! frame in a case's capture carries that case's marker), and all four labs are removed. Needs
//! root, iproute2, nftables and ethtool; skips loudly otherwise.

mod common;
use common::*;
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The UDP payload of an Ethernet/IPv4/UDP frame.
fn udp_payload(frame: &[u8]) -> Option<&[u8]> {
    if frame.len() < 14 + 20 + 8 || frame[12..14] != [0x08, 0x00] || frame[23] != 17 {
        return None;
    }
    let ihl = usize::from(frame[14] & 0x0f) * 4;
    frame.get(14 + ihl + 8..)
}

#[test]
fn four_parallel_labs_keep_their_frames_apart_and_are_all_removed() {
    if skipped_without_root("parallel_netns") {
        return;
    }
    let tmp = scratch("parallel");
    let dir = tmp.path();
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    // Eight cases with the same addresses and ports, told apart only by their payloads; each
    // lasts long enough for four to overlap.
    for i in 0..8 {
        std::fs::write(
            cases.join(format!("c{i}.yaml")),
            format!(
                "case: par.c{i}\ntitle: parallel lab {i}\nsteps:\n  - lan: udp lan:5100 -> wan:7000 data \"lab-{i}\"\n  - wan: expect udp gw:* -> wan:7000 data \"lab-{i}\"\n  - wait: 1500ms\n  - lan: udp lan:5100 -> wan:7000 data \"lab-{i}-again\"\n  - wan: expect udp gw:* -> wan:7000 data \"lab-{i}-again\"\n  - wan: udp wan:7000 -> gw:$p data \"lab-{i}-reply\"\n  - lan: expect udp wan:7000 -> lan:5100 data \"lab-{i}-reply\"\n"
            )
            .replace("gw:* -> wan:7000 data \"lab-", "gw:$p -> wan:7000 data \"lab-"),
        )
        .unwrap();
    }
    let out = dir.join("out");
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args([
            "run",
            cases.to_str().unwrap(),
            "--gateway",
            "netns",
            "--jobs",
            "4",
            "--capture",
            "all",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--color=never")
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mine = format!("made by pid {} ", child.id());
    let (mut seen, mut most) = (BTreeSet::new(), 0);
    let started = Instant::now();
    let status = loop {
        let now: Vec<String> = gatecheck(&["lab", "status"])
            .stdout
            .lines()
            .filter(|l| l.contains(&mine))
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect();
        most = most.max(now.len());
        seen.extend(now);
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the parallel run did not end within 120 s");
        }
        std::thread::sleep(Duration::from_millis(30));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    assert_eq!(status.code(), Some(0), "{stdout}");
    assert_eq!(most, 4, "labs standing at once (seen: {seen:?})");
    assert!(seen.len() >= 4, "{seen:?}");

    // No cross-talk: every UDP frame a case recorded carries its own marker.
    for i in 0..8 {
        let capture = pcapng::read_capture(&out.join(format!("captures/par.c{i}.pcapng"))).unwrap();
        let mut udp = 0;
        for f in &capture.frames {
            if let Some(p) = udp_payload(&f.bytes) {
                udp += 1;
                let own = format!("lab-{i}");
                assert!(
                    p.starts_with(own.as_bytes()) && !p[own.len()..].first().is_some_and(u8::is_ascii_digit),
                    "case {i} saw a frame of another case: {:?}",
                    String::from_utf8_lossy(p)
                );
            }
        }
        assert_eq!(udp, 6, "case {i}: three sends and three matched frames");
    }
    let after = sh(&["ip", "netns", "list"]);
    for id in &seen {
        assert!(!after.contains(&format!("gc-{id}-")), "lab {id} was left:\n{after}");
    }
}
