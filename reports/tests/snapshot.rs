//! A snapshot of the JUnit XML for a fixed set of results, times and timestamps redacted.

mod common;

use common::{info, mixed, scratch};
use reports::{JunitReporter, Reporter, RunSummary};
use std::time::Duration;

/// Replaces the value of every `NAME="..."` attribute by `[NAME]`.
fn redact(text: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let value_start = at + needle.len();
        let value_len = rest[value_start..].find('"').expect("closing quote");
        out.push_str(&rest[..value_start]);
        out.push_str(&format!("[{name}]"));
        rest = &rest[value_start + value_len..];
    }
    out.push_str(rest);
    out
}

#[test]
fn redaction_replaces_only_the_named_attribute() {
    let text = r#"<a time="1.5" timestamp="2025" x="time=&quot;"/>"#;
    assert_eq!(
        redact(&redact(text, "time"), "timestamp"),
        r#"<a time="[time]" timestamp="[timestamp]" x="time=&quot;"/>"#
    );
}

#[test]
fn junit_xml_snapshot() {
    let path = scratch("snapshot").join("junit.xml");
    let mut junit = JunitReporter::new(path.clone());
    junit.run_started(&info(&mixed()));
    for r in &mixed() {
        junit.case_finished(r);
    }
    junit
        .run_finished(&RunSummary::from_results(&mixed(), Duration::from_millis(1_234)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    insta::assert_snapshot!(redact(&redact(&text, "time"), "timestamp"));
}
