//! What a person reads in a run's reports — the console, JUnit, the capture's comments (read with
//! tshark), the repro bundle, the step log — says what happened in the case language's own
//! notation, with the step's `name:`, and nothing the run did not see.

mod common;
use common::*;
use std::path::Path;

/// A failing case with a named step, a note, an operator, a variable the failed step would have
/// bound, and an IPv6 frame with DSCP and ECN set.
const NAMED: &str = r#"case: t.named
title: A named step that fails
steps:
  - note: the query goes out
  - lan: udp6 lan:5000 -> wan:53 dscp=10 ecn=ect0 data "q"
  - wan: expect udp6 lan:$p -> wan:53 len<=3 data "q"
    name: query forwarded
"#;

/// A flow whose segments carry SACK blocks and a deliberately wrong checksum, and an `expect
/// nothing` that a frame offends.
const FLOW: &str = r#"case: t.flow
title: SACK edges, a wrong checksum and an offender
flows:
  web: tcp lan:40000 -> wan:80
steps:
  - lan: web S <mss 1460, sackOK>
  - wan: expect web S
  - wan: web S. <mss 1460, sackOK>
  - lan: expect web S.
  - lan: web . <nop, nop, sack 1001:2001> tcp.csum=0x1234
  - wan: expect web . <nop, nop, sack 1:2>
"#;

const NOTHING: &str = r#"case: t.nothing
title: An offender of expect nothing
steps:
  - lan: udp lan:5000 -> wan:53 data "q"
  - wan: expect nothing within 1s
"#;

/// An expected checksum the gateway's frame does not have.
const CSUM: &str = r#"case: t.csum
title: Checksums written in hex
steps:
  - lan: udp lan:5000 -> wan:53 data "q"
  - wan: expect udp gw:* -> wan:53 udp.csum=0x1234
"#;

/// Runs the cases on the compliant sim with every capture kept; returns the output folder.
fn run_all(dir: &Path) -> Run {
    for (name, text) in [
        ("named.yaml", NAMED),
        ("flow.yaml", FLOW),
        ("nothing.yaml", NOTHING),
        ("csum.yaml", CSUM),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let r = run_capturing_all(dir.to_str().unwrap(), &dir.join("out"));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    r
}

/// Each frame's comments in the capture, as tshark shows them.
fn tshark_comments(capture: &Path) -> Vec<String> {
    let out = std::process::Command::new("tshark")
        .args(["-r", capture.to_str().unwrap(), "-T", "fields", "-e", "frame.comment"])
        .output()
        .expect("tshark");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The detail section of one case in the console output.
fn detail<'a>(stdout: &'a str, id: &str) -> &'a str {
    let start = stdout
        .find(&format!("--- FAIL: {id} "))
        .unwrap_or_else(|| panic!("{id} in {stdout}"));
    let rest = &stdout[start + 4..];
    &rest[..rest.find("\n--- ").map_or(rest.len(), |e| e)]
}

/// The failure table row of `field` in a detail section: (expected, observed).
fn row<'a>(detail: &'a str, field: &str) -> (&'a str, &'a str) {
    let cells = |l: &'a str| -> Vec<&'a str> {
        l.trim_start_matches([' ', '✗'])
            .split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    };
    let cells = detail
        .lines()
        .map(cells)
        .find(|c| c.len() == 3 && c[0] == field)
        .unwrap_or_else(|| panic!("no row {field} in\n{detail}"));
    (cells[1], cells[2])
}

#[test]
fn reports_speak_the_case_language() {
    let dir = tempfile::tempdir().unwrap();
    let r = run_all(dir.path());
    let out = dir.path().join("out");

    // The step's name: console, JUnit, capture, bundle.
    let named = detail(&r.stdout, "t.named");
    assert!(named.contains("step 3 “query forwarded”"), "{named}");
    let live_line = r
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL") && l.contains("t.named"))
        .unwrap();
    assert!(live_line.contains("step 3 “query forwarded”: "), "{live_line}");
    let junit = std::fs::read_to_string(out.join("junit.xml")).unwrap();
    let doc = roxmltree::Document::parse(&junit).unwrap();
    let message = doc
        .descendants()
        .find(|n| n.has_tag_name("failure") && n.parent().and_then(|p| p.attribute("name")) == Some("t.named"))
        .and_then(|n| n.attribute("message"))
        .unwrap();
    assert!(message.starts_with("step 3 “query forwarded”: "), "{message}");
    let bundle = std::fs::read_to_string(out.join("repro/t.named/README.txt")).unwrap();
    assert!(bundle.contains("“query forwarded”"), "{bundle}");

    // Expected values keep their operator; a variable the failed step would have bound is shown
    // by name, not with a value it never took.
    assert_eq!(row(named, "len"), ("<=3", "9"));
    assert_eq!(row(named, "sport").0, "$p");
    // IPv6 frames have a hop limit, and DSCP/ECN are shown.
    let candidate = named.lines().find(|l| l.contains("candidate 1")).unwrap();
    assert!(
        candidate.contains("hlim=63") && !candidate.contains("ttl="),
        "{candidate}"
    );
    assert!(candidate.contains("dscp=10 ecn=ect0"), "{candidate}");
    // Measured times in the duration notation.
    assert!(candidate.contains(" at +3ms:"), "{candidate}");

    // Observed options in the pattern's notation, SACK edges relative as the pattern writes them.
    let flow = detail(&r.stdout, "t.flow");
    assert_eq!(
        row(flow, "options"),
        ("<nop, nop, sack 1:2>", "<nop, nop, sack 1001:2001>")
    );
    // The step log names the deliberately wrong checksum the runner sent.
    assert!(junit.contains("tcp.csum=0x1234 (wrong)"), "{junit}");

    // Checksums, expected and observed, in hex as the case writes them.
    let (expected, observed) = row(detail(&r.stdout, "t.csum"), "udp.csum");
    assert_eq!(expected, "0x1234");
    assert!(observed.starts_with("0x") && observed.len() == 6, "{observed}");

    // An offender of `expect nothing` is the offending frame, not a score.
    let nothing = detail(&r.stdout, "t.nothing");
    assert!(nothing.contains("offending frame at +"), "{nothing}");
    assert!(!nothing.contains("meets"), "{nothing}");

    // Unexpected or not, every frame the console lists appears once.
    let flow_unexpected = flow.matches("unexpected frame").count();
    assert!(flow_unexpected <= 1, "{flow}");
}

#[test]
fn capture_comments_show_names_notes_and_bound_values() {
    let dir = tempfile::tempdir().unwrap();
    run_all(dir.path());
    if !tshark() {
        return;
    }
    let out = dir.path().join("out");
    let named = tshark_comments(&out.join("captures/t.named.pcapng"));
    assert!(
        named.iter().any(|c| c.contains("step 1: note: the query goes out")),
        "{named:?}"
    );
    assert!(
        named.iter().any(|c| c.contains("step 3 “query forwarded”: FAILED")),
        "{named:?}"
    );
    let flow = tshark_comments(&out.join("captures/t.flow.pcapng"));
    assert!(
        flow.iter()
            .any(|c| c.contains("step 2: matched tcp gw:40000 -> wan:80 S")),
        "{flow:?}"
    );
    assert!(flow.iter().all(|c| !c.contains("$web.port")), "{flow:?}");
}

#[test]
fn a_capture_of_the_tools_own_failing_run_verifies_without_doubting_its_end() {
    let dir = tempfile::tempdir().unwrap();
    run_all(dir.path());
    let capture = dir.path().join("out/captures/t.flow.pcapng");
    let v = gatecheck(&[
        "verify",
        capture.to_str().unwrap(),
        dir.path().join("flow.yaml").to_str().unwrap(),
    ]);
    assert_eq!(v.code, 1, "{}\n{}", v.stdout, v.stderr);
    assert!(v.stdout.contains("FAIL") && v.stdout.contains("step 6"), "{}", v.stdout);
    assert!(!v.stdout.contains("stopped too early"), "{}", v.stdout);
}
