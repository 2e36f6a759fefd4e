//! `gatecheck run` against the simulated gateway, as a user runs it. Verdicts and failing steps
//! are read from the JUnit file (a real XML parser), never from console wording.

mod common;
use common::*;

/// `gatecheck run PATHS --gateway GATEWAY` (seed 7): what it printed and each case's verdict.
fn run(paths: &[&str], gateway: &str) -> (Run, Verdicts) {
    let mut args = vec!["run"];
    args.extend(paths);
    args.extend(["--gateway", gateway, "--seed", "7"]);
    run_verdicts(&args)
}

#[test]
fn every_library_case_passes_on_the_compliant_sim() {
    let (r, v) = run(&["cases/"], "sim");
    assert!(!v.is_empty());
    // `cases/mtu/` needs a small WAN MTU: skipped on the built-in testbed, passed on its own.
    let needs_small_mtu = |id: &str| id.starts_with("mtu.");
    let bad: Vec<_> = v
        .iter()
        .filter(|(id, (verdict, _))| verdict != if needs_small_mtu(id) { "skip" } else { "pass" })
        .collect();
    assert!(bad.is_empty(), "not passing on sim: {bad:?}\n{}", r.stdout);
    assert!(r.stdout.contains("the testbed lacks small-wan-mtu"), "{}", r.stdout);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let (r, v) = run(&["cases/mtu/", "--testbed", "testbeds/wan-mtu-1400.yaml"], "sim");
    assert!(
        !v.is_empty()
            && v.iter()
                .all(|(id, (verdict, _))| needs_small_mtu(id) && verdict == "pass"),
        "{v:?}\n{}",
        r.stdout
    );
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

// Which quirk profile fails which library case, and at which step, is the table of
// `tests/case_library.rs`.

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
