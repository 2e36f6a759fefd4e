//! `gatecheck run`'s command line: which cases it selects, what it refuses, and the exit codes of
//! docs/language.md §8.

mod common;
use common::*;

/// The exit code of a run whose paths and options select no case.
const NO_CASES: i32 = 4;

#[test]
fn a_selection_that_matches_no_case_is_its_own_error_and_names_the_option() {
    for (options, option, what_there_was) in [
        (&["--filter", "nosuch"][..], "--filter `nosuch`", "ids such as `"),
        (&["--tag", "nosuch"], "--tag `nosuch`", "their tags: "),
        (
            &["--tag", "tfo", "--skip-tag", "tfo"],
            "--skip-tag `tfo`",
            "left by --tag",
        ),
    ] {
        let tmp = scratch("no-case");
        let out = tmp.path().join("out");
        let mut args = vec!["run", "cases/", "--out", out.to_str().unwrap()];
        args.extend(options);
        let r = gatecheck(&args);
        assert_eq!(r.code, NO_CASES, "{options:?}: {}", r.stderr);
        assert!(
            r.stderr.contains(option) && r.stderr.contains(what_there_was),
            "{options:?}: {}",
            r.stderr
        );
        assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
        assert!(!out.exists(), "a run of nothing writes no report");
    }
}

#[test]
fn a_mistyped_tag_gets_the_closest_tag() {
    let tmp = scratch("tag-typo");
    let out = tmp.path().join("out");
    let r = gatecheck(&["run", "cases/", "--tag", "tpc", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, NO_CASES, "{}", r.stderr);
    assert!(r.stderr.contains("did you mean `tcp`?"), "{}", r.stderr);
}

#[test]
fn a_folder_without_cases_selects_nothing() {
    let tmp = scratch("empty-cases");
    let empty = tmp.path();
    let r = gatecheck(&[
        "run",
        empty.to_str().unwrap(),
        "--out",
        empty.join("out").to_str().unwrap(),
    ]);
    assert_eq!(r.code, NO_CASES, "{}", r.stderr);
    assert!(r.stderr.contains("no case file in"), "{}", r.stderr);
}

#[test]
fn a_case_skipped_for_a_missing_capability_still_counts_as_selected() {
    let tmp = scratch("v4-only");
    let dir = tmp.path();
    let builtin = std::fs::read_to_string(root().join("tests/testbeds/netns_lab.yaml")).unwrap();
    let testbed = dir.join("v4-only.yaml");
    std::fs::write(&testbed, format!("{builtin}capabilities: [ipv4]\n")).unwrap();
    let junit = dir.join("out/junit.xml");
    let r = gatecheck(&[
        "run",
        "cases/ipv6/outbound_not_translated.yaml",
        "--gateway",
        "sim",
        "--testbed",
        testbed.to_str().unwrap(),
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = junit_verdicts(&std::fs::read_to_string(junit).unwrap());
    assert_eq!(v["ipv6.outbound_not_translated"], ("skip".to_string(), None));
}

#[test]
fn zero_jobs_is_refused() {
    let tmp = scratch("zero-jobs");
    let out = tmp.path().join("out");
    let r = gatecheck(&["run", "cases/tfo/", "--jobs", "0", "--out", out.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--jobs") && r.stderr.contains("at least 1"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "nothing ran: {}", r.stdout);
}

#[test]
fn an_unknown_backend_names_every_form_and_the_closest_backend() {
    for (typo, meant) in [("simm", "sim"), ("wrie", "wire"), ("netsn", "netns")] {
        let tmp = scratch("backend-typo");
        let out = tmp.path().join("out");
        let r = gatecheck(&["run", "cases/tfo/", "--gateway", typo, "--out", out.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains("expected sim[:PROFILE], netns[:PROFILE] or wire"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains(&format!("did you mean `{meant}`?")), "{}", r.stderr);
    }
}

#[test]
fn the_help_of_gateway_names_every_backend() {
    let r = gatecheck(&["run", "--help"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let help = r.stdout.split("--gateway").nth(1).unwrap_or_default();
    let help = help.split("\n      --").next().unwrap_or_default();
    for backend in ["sim", "netns", "wire"] {
        assert!(help.contains(backend), "`{backend}` missing from:\n{help}");
    }
}
