//! The differential test: for every library case and every profile both backends have, the
//! verdict and failing step on `netns:P` (a real Linux kernel gateway in network namespaces) equal
//! those on `sim:P`, except the differences named in [`EXPECTED_DIFFERENCES`] with their reason.
//! Cases tagged `slow` wait in real time on `netns`; they are listed, not run (run them by hand:
//! `gatecheck run cases/ --tag slow --gateway netns`). The folders of [`ON_TESTBED`] run a second
//! time with their testbed file (on the built-in testbed they are skipped on both backends).
//! Needs root; without it, says so and skips.

mod common;
use common::*;
use std::process::Command;

/// Where Linux cannot behave like the simulated gateway: (case id, profiles, reason). An empty
/// profile list means every profile, the compliant one included.
const EXPECTED_DIFFERENCES: &[(&str, &[&str], &str)] = &[
    (
        "nat_udp.hairpinning",
        &[],
        "Linux masquerade does not hairpin: a LAN packet to the gateway's external address is not \
         translated back to the mapped LAN host without an explicit DNAT rule per mapping",
    ),
    (
        "nat_tcp.hairpinning",
        &[],
        "Linux masquerade does not hairpin TCP either (same reason as nat_udp.hairpinning): the SYN \
         to the gateway's external address never reaches the other LAN host",
    ),
    (
        "firewall.unsolicited_syn_silent",
        &[],
        "an unsolicited SYN to the gateway's own WAN address reaches Linux's TCP stack, which answers \
         at once with RST+ACK from the closed port (RFC 5382 REQ-4 asks for 6 s of silence); the lab \
         has no input rule that drops it",
    ),
    (
        "icmp.bad_quoted_header_error_dropped",
        &[],
        "Linux never checks the checksum of the IPv4 header quoted in an ICMP error: conntrack \
         relates the error to its flow, NAT rewrites the quoted addresses with an incremental update \
         (the quoted checksum stays wrong by the same amount) and recomputes the ICMP checksum, so \
         the error is forwarded (RFC 5508 REQ-3 a says drop it); nft has no expression that checks \
         a quoted checksum",
    ),
    (
        "ipv6.tfo_syn_data_forwarded",
        &["tfo-strip", "mss-clamp-1400"],
        "the netns profiles put their rules in `table ip filter` only, so IPv6 TCP options are left \
         alone; the simulated quirks act on IPv6 as well",
    ),
    (
        "ecn.ipv6_traffic_class_preserved",
        &["ecn-bleach"],
        "the netns ecn-bleach rule is `ip ecn set not-ect` (IPv4 only), so the IPv6 traffic class is \
         left alone; the simulated quirk bleaches IPv6 as well",
    ),
];

/// Profiles that exist in both backends.
const PROFILES: &[&str] = &[
    "",
    "syn-data-drop",
    "tfo-strip",
    "ecn-bleach",
    "mss-clamp-1400",
    "symmetric",
    "udp-timeout-30s",
    "no-frag-needed",
    "v6-no-ptb",
    "v6-ipsec-blocked",
];

/// Library folders whose cases need a testbed of their own, and that testbed (the netns lab
/// applies its MTUs).
const ON_TESTBED: &[(&str, &str)] = &[("cases/mtu/", "testbeds/wan-mtu-1400.yaml")];

static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// (verdict, failing step) per case id, from the JUnit file: `cases/`, then each folder of
/// [`ON_TESTBED`] with its testbed (its verdicts replace the built-in testbed's skips).
fn verdicts(gateway: &str, extra: &[&str]) -> (Run, Verdicts) {
    let (r, mut v) = verdicts_of("cases/", gateway, extra);
    for (folder, testbed) in ON_TESTBED {
        let mut args = extra.to_vec();
        args.extend(["--testbed", testbed]);
        v.extend(verdicts_of(folder, gateway, &args).1);
    }
    (r, v)
}

/// (verdict, failing step) per case id of one run of `path` (seed 11).
fn verdicts_of(path: &str, gateway: &str, extra: &[&str]) -> (Run, Verdicts) {
    let mut args = vec!["run", path, "--gateway", gateway, "--seed", "11"];
    args.extend_from_slice(extra);
    run_verdicts(&args)
}

#[test]
fn netns_verdicts_equal_sim_verdicts_except_the_named_differences() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("differential_netns") {
        return;
    }
    let (netns_before, links_before) = (sh(&["ip", "netns", "list"]), sh(&["ip", "-br", "link"]));
    let mut table = String::from("| profile | case | sim | netns | note |\n|---|---|---|---|---|\n");
    let mut unexpected = Vec::new();
    for p in PROFILES {
        let (s, n) = if p.is_empty() {
            ("sim".to_string(), "netns".to_string())
        } else {
            (format!("sim:{p}"), format!("netns:{p}"))
        };
        let (_, sv) = verdicts(&s, &["--skip-tag", "slow"]);
        let (nr, nv) = verdicts(&n, &["--skip-tag", "slow"]);
        assert_eq!(
            sv.keys().collect::<Vec<_>>(),
            nv.keys().collect::<Vec<_>>(),
            "{n}: the same cases ran\n{}",
            nr.stderr
        );
        for (id, sim) in &sv {
            let net = &nv[id];
            let expected = EXPECTED_DIFFERENCES
                .iter()
                .find(|(c, ps, _)| c == id && (ps.is_empty() || ps.contains(p)));
            let fmt = |v: &(String, Option<usize>)| v.1.map_or(v.0.clone(), |s| format!("{} at step {s}", v.0));
            let note = match (sim == net, expected) {
                (true, _) => "same".to_string(),
                (false, Some((_, _, why))) => format!("expected difference: {why}"),
                (false, None) => {
                    unexpected.push(format!("{n} {id}: sim {} vs netns {}", fmt(sim), fmt(net)));
                    "UNEXPECTED".to_string()
                }
            };
            table.push_str(&format!(
                "| {} | {id} | {} | {} | {note} |\n",
                if p.is_empty() { "compliant" } else { p },
                fmt(sim),
                fmt(net)
            ));
        }
        // Every netns run removed its labs.
        assert_eq!(
            left_behind(&netns_before),
            Vec::<String>::new(),
            "{n} left namespaces behind"
        );
    }
    // Slow cases are named with the real time they would wait.
    for f in yaml_files("cases") {
        let text = std::fs::read_to_string(root().join(&f)).unwrap();
        if text.contains("slow")
            && text
                .lines()
                .any(|l| l.trim_start().starts_with("tags:") && l.contains("slow"))
        {
            let secs: u64 = text
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix("- wait: "))
                .map(|d| wait_secs(d.trim()))
                .sum();
            table.push_str(&format!(
                "| all | {f} | run on sim | not run in CI | real-time waits: {secs} s |\n"
            ));
        }
    }
    println!("{table}");
    assert!(
        unexpected.is_empty(),
        "differences not in EXPECTED_DIFFERENCES:\n{}\n\n{table}",
        unexpected.join("\n")
    );
    assert_eq!(
        sh(&["ip", "-br", "link"]),
        links_before,
        "the host's interfaces changed"
    );
}

#[test]
fn the_tfo_example_passes_on_netns_and_fails_at_step_8_with_syn_data_drop() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("differential_netns (tfo)") {
        return;
    }
    let (_, v) = verdicts_of("cases/", "netns", &["--filter", "tfo.cookie_then_data"]);
    assert_eq!(v["tfo.cookie_then_data"], ("pass".into(), None));
    let (_, v) = verdicts_of("cases/", "netns:syn-data-drop", &["--filter", "tfo.cookie_then_data"]);
    assert_eq!(v["tfo.cookie_then_data"], ("fail".into(), Some(8)));
}

#[test]
fn a_run_killed_mid_case_leaves_names_that_the_next_run_removes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("differential_netns (kill)") {
        return;
    }
    let netns_before = sh(&["ip", "netns", "list"]);
    let links_before = sh(&["ip", "-br", "link"]);
    // A case that waits 125 s of real time, killed with SIGKILL while it waits.
    let tmp = scratch("kill");
    let out = tmp.path().join("out");
    let mut child = start_slow_netns_run(&out);
    child.kill().unwrap();
    let _ = child.wait();
    let killed = namespaces_of(child.id());
    assert!(!killed.is_empty(), "SIGKILL leaves the lab behind");
    // The next run finds the dead run's lab and removes it before doing its own work.
    let r = gatecheck(&[
        "run",
        "cases/tfo/",
        "--gateway",
        "netns",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(r.stderr.contains("left by a run"), "{}", r.stderr);
    let now = sh(&["ip", "netns", "list"]);
    assert!(
        !killed.iter().any(|ns| now.contains(ns.as_str())),
        "{killed:?} are still there"
    );
    assert_eq!(left_behind(&netns_before), Vec::<String>::new());
    assert_eq!(sh(&["ip", "-br", "link"]), links_before);
}

#[test]
fn sigint_during_a_netns_case_ends_it_removes_the_lab_and_writes_junit() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    if skipped_without_root("differential_netns (sigint)") {
        return;
    }
    let netns_before = sh(&["ip", "netns", "list"]);
    let tmp = scratch("sigint");
    let out = tmp.path().join("out");
    // The case waits 125 s of real time on netns; SIGINT must end it at once.
    let mut child = start_slow_netns_run(&out);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let ours = namespaces_of(child.id());
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    // Bounded: the run must end within 10 s (the case alone would take 125 s).
    let mut status = None;
    for _ in 0..100 {
        if let Some(s) = child.try_wait().unwrap() {
            status = Some(s);
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let Some(status) = status else {
        let _ = child.kill();
        panic!("the run did not end within 10 s of SIGINT");
    };
    assert_eq!(status.code(), Some(130));
    let v = junit_verdicts(&std::fs::read_to_string(out.join("junit.xml")).expect("JUnit written on SIGINT"));
    assert_eq!(v["timeouts.udp_mapping_kept_idle_2min"].0, "skip");
    let now = sh(&["ip", "netns", "list"]);
    assert!(
        !ours.iter().any(|ns| now.contains(ns.as_str())),
        "SIGINT removes the lab: {ours:?}"
    );
    assert_eq!(
        left_behind(&netns_before),
        Vec::<String>::new(),
        "SIGINT removes the lab"
    );
}

/// The namespaces of the labs whose marker names process `pid` as their owner (labs of other
/// processes on the machine, such as other test runs, are left out).
fn namespaces_of(pid: u32) -> Vec<String> {
    let owner = format!("{pid} ");
    let ids: Vec<String> = std::fs::read_dir("/run/gatecheck/labs")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|m| std::fs::read_to_string(m.path()).is_ok_and(|t| t.starts_with(&owner)))
        .map(|m| m.file_name().to_string_lossy().into_owned())
        .collect();
    sh(&["ip", "netns", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|ns| ids.iter().any(|id| ns.starts_with(&format!("gc-{id}-"))))
        .map(str::to_string)
        .collect()
}

/// Namespaces that appeared since `before` (an `ip netns list`) and that no running process owns:
/// what a finished run left behind. Labs that other processes on the machine are using meanwhile
/// (their owner alive, or kept by `gatecheck lab up`) are theirs, not this test's.
fn left_behind(before: &str) -> Vec<String> {
    let owned_elsewhere = |ns: &str| {
        let id = ns
            .strip_prefix("gc-")
            .and_then(|r| r.rsplit_once('-'))
            .map(|(id, _)| id);
        let marker = id.and_then(|id| std::fs::read_to_string(format!("/run/gatecheck/labs/{id}")).ok());
        marker
            .and_then(|m| m.split_whitespace().next().map(str::to_string))
            .is_some_and(|owner| owner == "kept" || std::path::Path::new(&format!("/proc/{owner}")).exists())
    };
    sh(&["ip", "netns", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|ns| !before.lines().any(|b| b.split_whitespace().next() == Some(*ns)))
        .filter(|ns| !owned_elsewhere(ns))
        .map(str::to_string)
        .collect()
}

/// Whole seconds of a `wait:` duration such as `2h4m`, `4m` or `125s` (fractions ignored).
fn wait_secs(d: &str) -> u64 {
    let (mut total, mut n) = (0, 0);
    // Sub-second components count as nothing.
    for c in d.replace("ms", "x").replace("us", "x").chars() {
        match c {
            '0'..='9' => n = n * 10 + u64::from(c as u8 - b'0'),
            'h' => (total, n) = (total + n * 3600, 0),
            'm' => (total, n) = (total + n * 60, 0),
            's' => (total, n) = (total + n, 0),
            _ => n = 0,
        }
    }
    total
}

/// Starts `gatecheck run cases/timeouts/ --gateway netns` (a case that waits 125 s of real time)
/// and returns once a namespace of its own lab exists (bounded: 10 s, else the test fails).
fn start_slow_netns_run(out: &std::path::Path) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(["run", "cases/timeouts/", "--gateway", "netns", "--color=never", "--out"])
        .arg(out)
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if !namespaces_of(child.id()).is_empty() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the run never built its lab");
}
