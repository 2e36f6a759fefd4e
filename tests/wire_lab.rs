//! The `wire` backend, tested the way a user with a physical gateway runs it: pointed at the
//! tester ends of a lab built in the test (root; skips loudly otherwise), and refusing interfaces
//! that belong to the host.

mod common;
use common::*;
use std::process::Command;

/// Runs gatecheck inside the lab's tester namespace.
fn in_tester(ns: &str, args: &[&str]) -> Run {
    Command::new("ip")
        .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_gatecheck")])
        .args(args)
        .arg("--color=never")
        .current_dir(root())
        .output()
        .expect("ip netns exec")
        .into()
}

#[test]
fn wire_runs_cases_through_a_lab_and_refuses_host_interfaces() {
    if skipped_without_root("wire_lab") {
        return;
    }
    with_lab(&["netns"], |id| {
        let ns = format!("gc-{id}-t");
        let tmp = scratch(&format!("wire-{id}"));
        let out = tmp.path().join("out");
        let out_s = out.to_string_lossy().into_owned();
        let r = in_tester(
            &ns,
            &[
                "run",
                "cases/tfo/",
                "--testbed",
                "tests/testbeds/netns_lab.yaml",
                "--out",
                &out_s,
            ],
        );
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("PASS") && r.stdout.contains("tfo.cookie_then_data"),
            "{}",
            r.stdout
        );
        assert!(
            r.stdout.contains("a fresh gateway cannot be guaranteed"),
            "rule 9 caveat on wire:\n{}",
            r.stdout
        );
        // `lo` carries 127.0.0.1 inside the namespace too: refused, with the reason and the override.
        let tb = tmp.path().join("lo.yaml");
        let text = std::fs::read_to_string(root().join("tests/testbeds/netns_lab.yaml"))
            .unwrap()
            .replace("interface: tlan", "interface: lo");
        std::fs::write(&tb, text).unwrap();
        let r = in_tester(
            &ns,
            &["run", "cases/tfo/", "--testbed", tb.to_str().unwrap(), "--out", &out_s],
        );
        assert_eq!(r.code, 3, "{}", r.stderr);
        assert!(
            r.stderr.contains("carries addresses of this host") && r.stderr.contains("--allow-host-interface lo"),
            "{}",
            r.stderr
        );
        let missing = tmp.path().join("missing.yaml");
        let text = std::fs::read_to_string(root().join("tests/testbeds/netns_lab.yaml"))
            .unwrap()
            .replace("interface: twan", "interface: nosuch0");
        std::fs::write(&missing, text).unwrap();
        let r = in_tester(
            &ns,
            &[
                "run",
                "cases/tfo/",
                "--testbed",
                missing.to_str().unwrap(),
                "--out",
                &out_s,
            ],
        );
        assert_eq!(r.code, 3);
        assert!(r.stderr.contains("`nosuch0` does not exist"), "{}", r.stderr);
    });
}
