//! The JUnit XML file, parsed back with a real XML parser: the structure Jenkins and GitLab read.

mod common;

use common::{failure, info, info_of, mixed, result, scratch, timed};
use reports::{CaseClock, JunitReporter, ReportError, Reporter, RunSummary};
use roxmltree::{Document, Node};
use runner::result::Verdict;
use std::path::Path;
use std::time::Duration;

/// Runs `results` through a JUnit reporter writing to `path`.
fn write(path: &Path, results: &[runner::result::CaseResult]) {
    let mut junit = JunitReporter::new(path.to_path_buf());
    junit.run_started(&info(results));
    for r in results {
        junit.case_finished(r);
    }
    junit
        .run_finished(&RunSummary::from_results(results, Duration::from_millis(1_234)))
        .unwrap();
}

/// The JUnit XML of [`mixed`], as the reporter writes it to a file.
fn mixed_xml() -> String {
    let dir = scratch("mixed");
    let path = dir.path().join("junit.xml");
    write(&path, &mixed());
    std::fs::read_to_string(&path).unwrap()
}

fn children<'a, 'i>(node: Node<'a, 'i>, tag: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |n| n.has_tag_name(tag))
}

fn child<'a, 'i>(node: Node<'a, 'i>, tag: &'a str) -> Option<Node<'a, 'i>> {
    children(node, tag).next()
}

fn attr<'a>(node: Node<'a, '_>, name: &str) -> &'a str {
    node.attribute(name)
        .unwrap_or_else(|| panic!("<{}> has no {name}", node.tag_name().name()))
}

fn count_attr(node: Node, name: &str) -> usize {
    attr(node, name).parse().unwrap()
}

fn case<'a, 'i>(doc: &'a Document<'i>, name: &str) -> Node<'a, 'i> {
    doc.descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some(name))
        .unwrap()
}

#[test]
fn suites_by_folder_with_cases_named_by_id() {
    let text = mixed_xml();
    let doc = Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(attr(root, "name"), "gatecheck");
    assert_eq!(
        (
            count_attr(root, "tests"),
            count_attr(root, "failures"),
            count_attr(root, "errors")
        ),
        (6, 1, 1)
    );

    let suites: Vec<&str> = children(root, "testsuite").map(|s| attr(s, "name")).collect();
    assert_eq!(suites, ["ipv6", "nat_tcp", "nat_udp"]);
    for suite in children(root, "testsuite") {
        let folder = attr(suite, "name");
        for tc in children(suite, "testcase") {
            assert_eq!(attr(tc, "classname"), folder);
            assert!(attr(tc, "name").starts_with(&format!("{folder}.")));
            let time: f64 = attr(tc, "time").parse().unwrap();
            assert!(time >= 0.0);
        }
    }
    let tfo = case(&doc, "nat_tcp.tfo.cookie_then_data");
    assert_eq!(attr(tfo, "time"), "0.012");
    assert!(tfo.children().all(|n| !n.is_element() || n.has_tag_name("system-out")));
    let variant = case(&doc, "nat_udp.hairpin[proto=tcp]");
    assert_eq!(attr(variant, "classname"), "nat_udp");
}

#[test]
fn failure_error_and_skipped_elements() {
    let text = mixed_xml();
    let doc = Document::parse(&text).unwrap();

    let failed = child(case(&doc, "nat_tcp.syn_retry"), "failure").unwrap();
    assert!(
        attr(failed, "message").starts_with("step 3: "),
        "{:?}",
        failed.attribute("message")
    );
    assert_eq!(attr(failed, "message"), "step 3: no matching frame on wan within 1s");
    assert!(failed.attribute("type").is_some());
    assert_eq!(failed.text().unwrap(), failure().render());
    let out = child(case(&doc, "nat_tcp.syn_retry"), "system-out")
        .unwrap()
        .text()
        .unwrap();
    assert!(out.contains("step 2 wan expect syn: matched at +0.4ms"));
    assert!(out.contains("tcp rst 198.51.100.7:80"));

    let error = child(case(&doc, "nat_udp.hairpin[proto=tcp]"), "error").unwrap();
    assert_eq!(attr(error, "message"), "interface lan is down");
    assert_eq!(error.text().unwrap(), "interface lan is down");

    let skipped = child(case(&doc, "ipv6.ra_prefix"), "skipped").unwrap();
    assert_eq!(attr(skipped, "message"), "the testbed has no ipv6 capability");

    let warned = case(&doc, "nat_udp.timeout");
    assert!(child(warned, "failure").is_none());
    let props: Vec<(&str, &str)> = children(child(warned, "properties").unwrap(), "property")
        .map(|p| (attr(p, "name"), attr(p, "value")))
        .collect();
    assert_eq!(props, [("warnings", "1"), ("unexpected_frames", "1")]);
    let out = child(warned, "system-out").unwrap().text().unwrap();
    assert!(out.contains("mapping kept 29s"), "{out}");
    assert_eq!(
        out.matches("udp 203.0.113.3:53 -> 203.0.113.2:5353").count(),
        1,
        "{out}"
    );
    assert!(child(case(&doc, "nat_tcp.rst_closes"), "properties").is_none());
}

#[test]
fn suite_properties_and_counts_match_their_cases() {
    let text = mixed_xml();
    let doc = Document::parse(&text).unwrap();
    let mut total = 0;
    for suite in children(doc.root_element(), "testsuite") {
        let props: Vec<(&str, &str)> = children(child(suite, "properties").unwrap(), "property")
            .map(|p| (attr(p, "name"), attr(p, "value")))
            .collect();
        assert_eq!(
            props,
            [
                ("gateway", "sim"),
                ("profile", "strict"),
                ("testbed", "built-in"),
                ("gatecheck-version", "0.1.0")
            ]
        );
        let cases: Vec<Node> = children(suite, "testcase").collect();
        let with = |tag: &str| cases.iter().filter(|c| child(**c, tag).is_some()).count();
        assert_eq!(count_attr(suite, "tests"), cases.len());
        assert_eq!(count_attr(suite, "failures"), with("failure"));
        assert_eq!(count_attr(suite, "errors"), with("error"));
        assert_eq!(count_attr(suite, "skipped"), with("skipped"));
        assert_eq!(count_attr(suite, "disabled"), with("skipped"));
        let time: f64 = attr(suite, "time").parse().unwrap();
        let sum: f64 = cases.iter().map(|c| attr(*c, "time").parse::<f64>().unwrap()).sum();
        assert!((time - sum).abs() < 0.002, "{time} vs {sum}");
        assert!(suite.attribute("timestamp").unwrap().starts_with("2025-06-15T"));
        total += cases.len();
    }
    assert_eq!(total, 6);
}

#[test]
fn the_file_is_replaced_atomically() {
    let dir = scratch("atomic");
    let path = dir.path().join("junit.xml");
    std::fs::write(&path, "old, not XML").unwrap();
    write(&path, &mixed()[..2]);
    write(&path, &mixed());
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = Document::parse(&text).unwrap();
    assert_eq!(count_attr(doc.root_element(), "tests"), 6);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["junit.xml"]);

    // A missing folder is created.
    let nested = dir.path().join("out/ci/junit.xml");
    write(&nested, &mixed());
    assert!(nested.is_file());
    assert!(!dir.path().join("out/ci/junit.xml.tmp").exists());
}

#[test]
fn an_unwritable_path_is_an_io_error_naming_it() {
    let dir = scratch("unwritable");
    std::fs::write(dir.path().join("file"), "").unwrap();
    let path = dir.path().join("file/junit.xml");
    let mut junit = JunitReporter::new(path.clone());
    junit.case_finished(&mixed()[0]);
    let err = junit.run_finished(&RunSummary::default()).unwrap_err();
    assert!(matches!(&err, ReportError::Io { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&dir.path().join("file").display().to_string()),
        "{err}"
    );
    assert!(!dir.path().join("file/junit.xml.tmp").exists());
}

#[test]
fn an_interrupted_run_lists_the_cases_not_run_as_skipped() {
    let dir = scratch("interrupted");
    let path = dir.path().join("junit.xml");
    let results = [
        result("nat_tcp", "first", Verdict::Pass, 3),
        result("nat_udp", "second", Verdict::Pass, 4),
    ];
    let mut junit = JunitReporter::new(path.clone());
    let ids = [
        "nat_tcp.first",
        "nat_udp.second",
        "nat_tcp.third",
        "nat_tcp.fourth",
        "icmp.fifth",
    ];
    junit.run_started(&info_of(ids.map(String::from).to_vec()));
    for r in &results {
        junit.case_finished(r);
    }
    junit.add_not_run("nat_tcp.third", "nat_tcp", "interrupted");
    junit.add_not_run("nat_tcp.fourth", "nat_tcp", "interrupted");
    junit.add_not_run("icmp.fifth", "icmp", "interrupted");
    let mut summary = RunSummary::from_results(&results, Duration::from_millis(50));
    summary.interrupted = true;
    summary.skipped += 3;
    junit.run_finished(&summary).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    let doc = Document::parse(&text).unwrap();
    assert_eq!(count_attr(doc.root_element(), "tests"), 5);
    for name in ["nat_tcp.third", "nat_tcp.fourth", "icmp.fifth"] {
        let tc = case(&doc, name);
        assert_eq!(attr(child(tc, "skipped").unwrap(), "message"), "interrupted");
        assert_eq!(attr(tc, "time"), "0.000");
    }
    assert!(child(case(&doc, "nat_tcp.first"), "skipped").is_none());
    let nat_tcp = children(doc.root_element(), "testsuite")
        .find(|s| attr(*s, "name") == "nat_tcp")
        .unwrap();
    assert_eq!((count_attr(nat_tcp, "tests"), count_attr(nat_tcp, "skipped")), (3, 2));
    let interrupted =
        children(child(nat_tcp, "properties").unwrap(), "property").any(|p| attr(p, "name") == "interrupted");
    assert!(interrupted);
}

#[test]
fn fanout_feeds_every_reporter() {
    let dir = scratch("fanout");
    let (a, b) = (dir.path().join("a.xml"), dir.path().join("b.xml"));
    let mut fanout = reports::Fanout(vec![
        Box::new(JunitReporter::new(a.clone())),
        Box::new(JunitReporter::new(b.clone())),
    ]);
    fanout.run_started(&info(&mixed()));
    for r in &mixed() {
        fanout.case_finished(r);
    }
    fanout
        .run_finished(&RunSummary::from_results(&mixed(), Duration::ZERO))
        .unwrap();
    assert_eq!(std::fs::read_to_string(a).unwrap(), std::fs::read_to_string(b).unwrap());
}

#[test]
fn summary_counts_verdicts_and_warnings() {
    let s = RunSummary::from_results(&mixed(), Duration::from_secs(2));
    assert_eq!((s.passed, s.failed, s.errors, s.skipped, s.warnings), (3, 1, 1, 1, 1));
    assert_eq!(s.unexpected, 2);
    assert_eq!(s.total(), 6);
    assert!(!s.interrupted && !s.success());
}

#[test]
fn every_time_is_wall_time_and_a_virtual_clock_adds_the_case_time_as_a_property() {
    let dir = scratch("wall_time");
    let path = dir.path().join("junit.xml");
    let results = [
        timed(
            "timeouts",
            "tcp_established",
            Duration::from_millis(3),
            Duration::from_secs(7439),
        ),
        timed(
            "timeouts",
            "udp_idle",
            Duration::from_millis(4),
            Duration::from_millis(120_500),
        ),
        result("timeouts", "not_run", Verdict::Skip, 0),
    ];
    let mut run = info(&results);
    run.clock = CaseClock::Virtual;
    let mut junit = JunitReporter::new(path.clone());
    junit.run_started(&run);
    for r in &results {
        junit.case_finished(r);
    }
    junit
        .run_finished(&RunSummary::from_results(&results, Duration::from_millis(8)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = Document::parse(&text).unwrap();
    let root = doc.root_element();
    assert_eq!(attr(root, "time"), "0.008");
    let suite = child(root, "testsuite").unwrap();
    assert_eq!(attr(suite, "time"), "0.007");
    let time = |name: &str| time_and_virtual_time(case(&doc, name));
    assert_eq!(time("timeouts.tcp_established"), ("0.003", vec!["2h3m59s"]));
    assert_eq!(time("timeouts.udp_idle"), ("0.004", vec!["2m500ms"]));
    assert_eq!(time("timeouts.not_run"), ("0.000", vec![]));

    // On a real clock the case's time is its wall time, and there is no virtual time.
    write(&path, &results);
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = Document::parse(&text).unwrap();
    let tc = case(&doc, "timeouts.tcp_established");
    assert_eq!(time_and_virtual_time(tc), ("0.003", vec![]));
}

/// A test case's `time` and its `virtual_time` properties.
fn time_and_virtual_time<'a>(tc: Node<'a, '_>) -> (&'a str, Vec<&'a str>) {
    let props = child(tc, "properties").map(|p| {
        children(p, "property")
            .filter(|p| attr(*p, "name") == "virtual_time")
            .map(|p| attr(p, "value"))
            .collect::<Vec<_>>()
    });
    (attr(tc, "time"), props.unwrap_or_default())
}
