//! Results built by hand for the reporter tests.

#![allow(dead_code)]

use dsl::plan::Location;
use reports::{CaseClock, RunInfo};
use runner::result::{Candidate, CandidateKind, CaseResult, Failure, Row, Verdict};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// A result with only the essentials set; it took `millis` on a real clock.
pub fn result(group: &str, name: &str, verdict: Verdict, millis: u64) -> CaseResult {
    CaseResult {
        id: format!("{group}.{name}"),
        file: PathBuf::from(format!("cases/{group}/{name}.yaml")),
        group: group.to_string(),
        title: format!("the {name} case"),
        verdict,
        duration: Duration::from_millis(millis),
        wall_time: Duration::from_millis(millis),
        reason: None,
        failure: None,
        warnings: Vec::new(),
        log: vec![
            format!("step 1 lan send syn: sent"),
            format!("step 2 wan expect syn: matched at +0.4ms"),
        ],
        unexpected: Vec::new(),
        frames: Vec::new(),
    }
}

/// A passing result that took `wall` of real time and `case_time` on its own (maybe virtual)
/// clock.
pub fn timed(group: &str, name: &str, wall: Duration, case_time: Duration) -> CaseResult {
    let mut r = result(group, name, Verdict::Pass, 0);
    r.wall_time = wall;
    r.duration = case_time;
    r
}

/// The failure of `nat_tcp.syn_retry`.
pub fn failure() -> Failure {
    Failure {
        step: 3,
        name: None,
        location: Location {
            file: Arc::new("cases/nat_tcp/syn_retry.yaml".into()),
            line: 14,
            col: 7,
        },
        text: "wan expect tcp syn to 198.51.100.7:80 within 1s".into(),
        why: Some("RFC 5382 REQ-1: the mapping is endpoint-independent".into()),
        reason: "no matching frame on wan within 1s".into(),
        pattern: Some("tcp syn 203.0.113.2:$port -> 198.51.100.7:80".into()),
        window: Some("within 1s after the send at step 2".into()),
        considered: 2,
        total_on_side: 5,
        candidates: vec![Candidate {
            frame: "tcp syn 203.0.113.2:40001 -> 198.51.100.7:8080".into(),
            at: Duration::from_micros(1_250),
            kind: CandidateKind::Considered,
            met: 2,
            total: 3,
            rows: vec![
                Row {
                    what: "dst port".into(),
                    expected: "80".into(),
                    observed: "8080".into(),
                    ok: false,
                },
                Row {
                    what: "flags".into(),
                    expected: "syn".into(),
                    observed: "syn".into(),
                    ok: true,
                },
            ],
        }],
    }
}

/// Three passes (one with a warning and an unexpected frame), a failure, an error, a skip: 6
/// cases in 3 folders.
pub fn mixed() -> Vec<CaseResult> {
    let mut warned = result("nat_udp", "timeout", Verdict::Pass, 30);
    warned.warnings = vec!["step 4 (warn): mapping kept 29s, expected at least 30s".into()];
    warned.unexpected = vec!["udp 203.0.113.3:53 -> 203.0.113.2:5353".into()];
    let mut failed = result("nat_tcp", "syn_retry", Verdict::Fail, 1_003);
    failed.failure = Some(failure());
    failed.unexpected = vec!["tcp rst 198.51.100.7:80 -> 203.0.113.2:40001".into()];
    let mut error = result("nat_udp", "hairpin[proto=tcp]", Verdict::Error, 5);
    error.reason = Some("interface lan is down".into());
    error.log.clear();
    let mut skipped = result("ipv6", "ra_prefix", Verdict::Skip, 0);
    skipped.reason = Some("the testbed has no ipv6 capability".into());
    skipped.log.clear();
    vec![
        result("nat_tcp", "tfo.cookie_then_data", Verdict::Pass, 12),
        failed,
        warned,
        error,
        result("nat_tcp", "rst_closes", Verdict::Pass, 7),
        skipped,
    ]
}

/// A fixed run start, on a real clock, of the cases of `results` selected in that order.
pub fn info(results: &[CaseResult]) -> RunInfo {
    info_of(results.iter().map(|r| r.id.clone()).collect())
}

/// A fixed run start, on a real clock, of the cases `ids` selected in that order.
pub fn info_of(ids: Vec<String>) -> RunInfo {
    RunInfo {
        gateway: "sim".into(),
        profile: "strict".into(),
        testbed: "built-in".into(),
        version: "0.1.0".into(),
        cases: ids,
        clock: CaseClock::Real,
        started: SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
    }
}

/// A writer whose bytes the test can read afterwards.
#[derive(Clone, Default)]
pub struct Captured(pub Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// What was written, as text.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A fresh, empty folder for one test, named after it, removed when the value is dropped.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gatecheck-reports-{name}-"))
        .tempdir()
        .unwrap()
}
