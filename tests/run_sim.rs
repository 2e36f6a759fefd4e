//! `gatecheck run` against the simulated gateway, as a user runs it. Verdicts and failing steps
//! are read from the JUnit file (a real XML parser), never from console wording.

mod common;
use common::*;
use std::collections::BTreeMap;

/// Verdict per case id: ("pass" | "fail" | "error" | "skip", failing step).
fn run(paths: &[&str], gateway: &str) -> (Run, BTreeMap<String, (String, Option<usize>)>) {
    let dir = std::env::temp_dir().join(format!("gatecheck-run-{}-{}", std::process::id(), unique()));
    let junit = dir.join("junit.xml");
    let mut args: Vec<&str> = vec!["run"];
    args.extend(paths);
    let junit_s = junit.to_string_lossy().into_owned();
    let out_s = dir.to_string_lossy().into_owned();
    args.extend([
        "--gateway",
        gateway,
        "--junit",
        &junit_s,
        "--out",
        &out_s,
        "--seed",
        "7",
    ]);
    let r = gatecheck(&args);
    let xml = std::fs::read_to_string(&junit)
        .unwrap_or_else(|e| panic!("no JUnit written ({e}):\n{}\n{}", r.stdout, r.stderr));
    let verdicts = junit_verdicts(&xml);
    let _ = std::fs::remove_dir_all(&dir);
    (r, verdicts)
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
fn every_library_case_passes_on_the_compliant_sim() {
    let (r, v) = run(&["cases/"], "sim");
    assert!(!v.is_empty());
    let bad: Vec<_> = v.iter().filter(|(_, (verdict, _))| verdict != "pass").collect();
    assert!(bad.is_empty(), "not passing on sim: {bad:?}\n{}", r.stdout);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn the_tfo_example_fails_where_each_quirk_breaks_it() {
    let (r, v) = run(&["cases/tfo/cookie_then_data.yaml"], "sim:syn-data-drop");
    assert_eq!(v["tfo.cookie_then_data"], ("fail".into(), Some(8)), "{}", r.stdout);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout
            .contains("The gateway dropped or altered a SYN that carries data"),
        "the why: text is shown:\n{}",
        r.stdout
    );
    let (r, v) = run(&["cases/tfo/cookie_then_data.yaml"], "sim:tfo-strip");
    assert_eq!(v["tfo.cookie_then_data"], ("fail".into(), Some(2)), "{}", r.stdout);
}

/// Each quirk profile fails a hand-written case at the step whose `why:` names the bug.
#[test]
fn every_quirk_fails_the_case_that_names_its_bug() {
    let table: &[(&str, &str, &str, usize)] = &[
        (
            "syn-data-drop",
            "cases/tfo/cookie_then_data.yaml",
            "tfo.cookie_then_data",
            8,
        ),
        (
            "tfo-strip",
            "cases/tfo/cookie_then_data.yaml",
            "tfo.cookie_then_data",
            2,
        ),
        (
            "options-strip",
            "cases/tcp_options/unknown_option_passes.yaml",
            "tcp_options.unknown_option_passes",
            2,
        ),
        ("ecn-bleach", "cases/ecn/ect_preserved.yaml", "ecn.ect_preserved", 2),
        (
            "symmetric",
            "cases/nat_udp/endpoint_independent_mapping.yaml",
            "nat_udp.endpoint_independent_mapping",
            4,
        ),
        ("apdf", "tests/quirks/apdf_filtering.yaml", "quirks.apdf_filtering", 4),
        ("no-hairpin", "cases/nat_udp/hairpinning.yaml", "nat_udp.hairpinning", 4),
        (
            "udp-timeout-30s",
            "cases/timeouts/udp_mapping_kept_idle_2min.yaml",
            "timeouts.udp_mapping_kept_idle_2min",
            5,
        ),
        (
            "mss-clamp-1400",
            "cases/tcp_options/mss_not_rewritten.yaml",
            "tcp_options.mss_not_rewritten",
            2,
        ),
        (
            "no-icmp-errors",
            "cases/icmp/port_unreachable_translated.yaml",
            "icmp.port_unreachable_translated",
            4,
        ),
        (
            "no-ttl-decrement",
            "cases/ttl_checksums/ttl_decremented.yaml",
            "ttl_checksums.ttl_decremented",
            2,
        ),
        (
            "bad-checksum",
            "cases/ttl_checksums/checksums_valid_after_nat.yaml",
            "ttl_checksums.checksums_valid_after_nat",
            2,
        ),
    ];
    let mut wrong = Vec::new();
    for (quirk, file, id, step) in table {
        let (r, v) = run(&[file], &format!("sim:{quirk}"));
        let got = v.get(*id).cloned();
        if got != Some(("fail".into(), Some(*step))) {
            wrong.push(format!(
                "{quirk}: {id} gave {got:?}, expected fail at step {step}\n{}",
                r.stdout
            ));
        }
        // And the same case passes on the compliant gateway.
        let (_, v) = run(&[file], "sim");
        assert_eq!(v[*id].0, "pass", "{id} must pass on the compliant sim");
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn deliberately_wrong_expectations_fail_on_every_profile() {
    for gw in [
        "sim",
        "sim:syn-data-drop",
        "sim:ecn-bleach",
        "sim:symmetric",
        "sim:bad-checksum",
    ] {
        let (r, v) = run(&["tests/wrong/"], gw);
        assert_eq!(v["wrong.ttl"], ("fail".into(), Some(2)), "{gw}: {}", r.stdout);
        assert_eq!(
            v["wrong.expect_no_sent"],
            ("fail".into(), Some(2)),
            "{gw}: {}",
            r.stdout
        );
    }
}

#[test]
fn an_unknown_profile_is_an_argument_error() {
    let r = gatecheck(&["run", "cases/tfo/", "--gateway", "sim:syn-data-dorp"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("syn-data-drop"),
        "suggests the right name:\n{}",
        r.stderr
    );
}

#[test]
fn gateways_lists_every_profile_the_tests_use() {
    let r = gatecheck(&["gateways"]);
    assert_eq!(r.code, 0);
    for q in [
        "syn-data-drop",
        "tfo-strip",
        "options-strip",
        "ecn-bleach",
        "symmetric",
        "apdf",
        "no-hairpin",
        "udp-timeout-30s",
        "mss-clamp-1400",
        "no-icmp-errors",
        "no-ttl-decrement",
        "bad-checksum",
    ] {
        assert!(r.stdout.contains(&format!("sim:{q} ")), "{q} missing:\n{}", r.stdout);
    }
}
