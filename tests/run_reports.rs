//! What `gatecheck run` reports on the simulated gateway: JUnit times are wall time with the
//! virtual time beside them, the console writes durations in the language's notation, the end
//! of the report follows the selection order whatever order cases finish in, and each unexpected
//! frame is reported once.

mod common;
use common::*;
use std::path::Path;
use std::time::Duration;

/// The case that waits 2h3m59s of virtual time on `sim`.
const LONG_CASE: &str = "cases/timeouts/tcp_established_2h4m.yaml";

/// A `time` attribute in seconds.
fn seconds(node: roxmltree::Node, what: &str) -> f64 {
    node.attribute("time")
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{what} has no time"))
}

#[test]
fn junit_times_are_wall_time_and_the_virtual_time_is_a_property() {
    let tmp = scratch("junit-time");
    let dir = tmp.path();
    let (r, xml) = run_with_junit(&["run", LONG_CASE, "--gateway", "sim", "--jobs", "1"], &dir.join("out"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let run = seconds(doc.root_element(), "<testsuites>");
    let suite = doc.descendants().find(|n| n.has_tag_name("testsuite")).unwrap();
    let case = doc.descendants().find(|n| n.has_tag_name("testcase")).unwrap();
    // One case, one job: the case's time is part of the suite's, which is part of the run's.
    assert!(seconds(case, "<testcase>") <= seconds(suite, "<testsuite>"), "{xml}");
    assert!(seconds(suite, "<testsuite>") <= run + 0.001, "{xml}");
    // The case's own clock counted the 2h3m59s it waited.
    let virtual_time = case
        .descendants()
        .find(|p| p.has_tag_name("property") && p.attribute("name") == Some("virtual_time"))
        .and_then(|p| p.attribute("value"))
        .unwrap_or_else(|| panic!("no virtual_time property:\n{xml}"));
    let virtual_time = dsl::duration::parse(virtual_time).unwrap();
    assert!(
        virtual_time >= Duration::from_secs(2 * 3600 + 3 * 60 + 59),
        "{virtual_time:?}"
    );
    assert!(Duration::from_secs_f64(run) < virtual_time, "{xml}");
}

#[test]
fn console_durations_are_in_the_language_notation() {
    let tmp = scratch("console-time");
    let dir = tmp.path();
    let (r, _) = run_with_junit(&["run", LONG_CASE, "--gateway", "sim"], &dir.join("out"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let line = r
        .stdout
        .lines()
        .find(|l| l.contains("timeouts.tcp_established_2h4m"))
        .unwrap();
    let times = line.split_once('[').and_then(|(_, t)| t.split_once(']')).unwrap().0;
    let (wall, virtual_time) = times.split_once(", virtual ").unwrap_or_else(|| panic!("{line}"));
    dsl::duration::parse(wall.trim()).unwrap_or_else(|e| panic!("{line}: {}", e.message));
    let virtual_time = dsl::duration::parse(virtual_time).unwrap_or_else(|e| panic!("{line}: {}", e.message));
    assert!(virtual_time >= Duration::from_secs(2 * 3600 + 3 * 60 + 59), "{line}");
    let summary = r.stdout.lines().last().unwrap();
    let total = summary.rsplit_once(" in ").unwrap().1;
    dsl::duration::parse(total).unwrap_or_else(|e| panic!("{summary}: {}", e.message));
}

/// Writes a case file named `name.yaml` with `steps`.
fn write_case(dir: &Path, name: &str, steps: &str) {
    let text = format!("case: order.{name}\ntitle: Case {name}\nsteps:\n{steps}");
    std::fs::write(dir.join(format!("{name}.yaml")), text).unwrap();
}

#[test]
fn with_several_jobs_the_end_of_the_report_follows_the_selection_order() {
    let tmp = scratch("order");
    let dir = tmp.path();
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    // The first case selected is by far the longest, so the others finish before it.
    let mut heavy = String::new();
    for i in 0..1500 {
        heavy.push_str(&format!(
            "  - lan: udp lan:{} -> wan:9 data \"x\"\n  - wan: expect udp gw:* -> wan:9 data \"x\"\n",
            20000 + i
        ));
    }
    heavy.push_str("  - lan: udp lan:19999 -> wan:9 data \"y\"\n  - wan: expect no udp * -> wan:9 within 1s\n");
    write_case(&cases, "a_heavy", &heavy);
    let wrong_ttl = "  - lan: udp lan:5090 -> wan:9 ttl=64 data \"x\"\n  - wan: expect udp gw:* -> wan:9 ttl=64\n";
    for name in ["b_light", "c_light", "d_light", "e_light"] {
        write_case(&cases, name, wrong_ttl);
    }
    let (r, _) = run_with_junit(
        &["run", cases.to_str().unwrap(), "--gateway", "sim", "--jobs", "3"],
        &dir.join("out"),
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let selected = [
        "order.a_heavy",
        "order.b_light",
        "order.c_light",
        "order.d_light",
        "order.e_light",
    ];
    let details: Vec<&str> = r
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("--- FAIL: "))
        .map(|l| l.split(' ').next().unwrap())
        .collect();
    assert_eq!(details, selected, "{}", r.stdout);
    let bundles: Vec<&str> = r
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("repro bundle: "))
        .map(|l| l.split(' ').next().unwrap().rsplit('/').next().unwrap())
        .collect();
    assert_eq!(bundles, selected, "{}", r.stderr);
}

#[test]
fn an_unexpected_frame_is_reported_and_counted_once() {
    let tmp = scratch("unexpected");
    let dir = tmp.path();
    let cases = dir.join("cases");
    std::fs::create_dir_all(&cases).unwrap();
    // Two datagrams go out; the case expects one.
    write_case(
        &cases,
        "one_unexpected",
        "  - lan: udp lan:5001 -> wan:9 data \"a\"\n  - lan: udp lan:5002 -> wan:9 data \"b\"\n  - wan: expect udp gw:* -> wan:9 data \"a\"\n",
    );
    let (r, xml) = run_with_junit(&["run", cases.to_str().unwrap(), "--gateway", "sim"], &dir.join("out"));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let frame_lines: Vec<&str> = r.stdout.lines().filter(|l| l.contains("5002")).collect();
    assert_eq!(frame_lines.len(), 1, "{}", r.stdout);
    assert!(frame_lines[0].starts_with("  unexpected frame: "), "{}", r.stdout);
    assert!(
        r.stdout.contains("order.one_unexpected (1 unexpected frame)\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\n1 unexpected frame\n"), "{}", r.stdout);
    assert!(!r.stdout.contains("warning"), "{}", r.stdout);

    let doc = roxmltree::Document::parse(&xml).unwrap();
    let props: Vec<(&str, &str)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("property"))
        .filter_map(|p| Some((p.attribute("name")?, p.attribute("value")?)))
        .filter(|(name, _)| matches!(*name, "warnings" | "unexpected_frames"))
        .collect();
    assert_eq!(props, [("unexpected_frames", "1")], "{xml}");
    let out = doc.descendants().find(|n| n.has_tag_name("system-out")).unwrap();
    let out = out.text().unwrap();
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("  - ") && l.contains("5002"))
            .count(),
        1,
        "{out}"
    );
}
