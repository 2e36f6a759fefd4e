//! A snapshot of the JUnit XML for a fixed set of results, times and timestamps redacted.

mod common;

use common::{info, mixed, scratch};
use reports::{JunitReporter, Reporter, RunSummary};
use std::time::Duration;

/// insta filters replacing the value of every `time` and `timestamp` attribute by `[time]` and
/// `[timestamp]`: wall times and dates differ from run to run.
fn without_times() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for name in ["time", "timestamp"] {
        settings.add_filter(&format!(r#" {name}="[^"]*""#), format!(r#" {name}="[{name}]""#));
    }
    settings
}

#[test]
fn redaction_replaces_only_the_named_attribute() {
    let text = r#"<a time="1.5" timestamp="2025" x="time=&quot;"/>"#;
    without_times().bind(|| {
        insta::assert_snapshot!(text, @r#"<a time="[time]" timestamp="[timestamp]" x="time=&quot;"/>"#);
    });
}

#[test]
fn junit_xml_snapshot() {
    let dir = scratch("snapshot");
    let path = dir.path().join("junit.xml");
    let mut junit = JunitReporter::new(path.clone());
    junit.run_started(&info(&mixed()));
    for r in &mixed() {
        junit.case_finished(r);
    }
    junit
        .run_finished(&RunSummary::from_results(&mixed(), Duration::from_millis(1_234)))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    without_times().bind(|| insta::assert_snapshot!(text));
}
