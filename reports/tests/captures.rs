//! The capture reporter (which cases get a file, under which name) and the JUnit links to them.

mod common;

use common::{info, mixed, scratch};
use pcapng::{PacketDirection, read_capture};
use proptest::prelude::*;
use reports::{
    CaptureConfig, CaptureMode, CaptureReporter, CaptureRunInfo, Fanout, JunitReporter, ReportError, Reporter,
    RunSummary, capture_path, file_stem,
};
use roxmltree::Document;
use runner::result::{CaseResult, Direction, RecordedFrame, Side, Verdict};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tempfile::TempDir;

fn run_info() -> CaptureRunInfo {
    CaptureRunInfo {
        gateway: "sim:strict".into(),
        version: "0.1.0".into(),
        interfaces: ["gateway sim:strict".into(), "gateway sim:strict".into()],
    }
}

/// `mixed()` with two frames on every case that ran (the skipped one recorded none).
fn results() -> Vec<CaseResult> {
    let mut results = mixed();
    for r in &mut results {
        if r.verdict != Verdict::Skip {
            r.frames = vec![
                RecordedFrame {
                    at: Duration::ZERO,
                    side: Side::Lan,
                    direction: Direction::Sent,
                    bytes: vec![0xaa; 60],
                    comments: vec!["step 1: sent".into()],
                },
                RecordedFrame {
                    at: r.duration,
                    side: Side::Wan,
                    direction: Direction::Received,
                    bytes: vec![0xbb; 60],
                    comments: vec![],
                },
            ];
        }
    }
    results
}

/// Feeds `results` to `reporter`; returns what `run_finished` returned.
fn feed(reporter: &mut dyn Reporter, results: &[CaseResult]) -> Result<(), ReportError> {
    reporter.run_started(&info(results));
    for r in results {
        reporter.case_finished(r);
    }
    reporter.run_finished(&RunSummary::from_results(results, Duration::from_secs(1)))
}

fn files(dir: &Path) -> BTreeSet<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => BTreeSet::new(),
    }
}

fn expected(results: &[CaseResult], keep: impl Fn(&CaseResult) -> bool) -> BTreeSet<String> {
    results
        .iter()
        .filter(|r| keep(r))
        .map(|r| format!("{}.pcapng", file_stem(&r.id)))
        .collect()
}

/// Runs a capture reporter in `mode` over [`results`] in a fresh folder (removed when the first
/// value is dropped); returns its captures folder and the files written there.
fn captures_in(mode: CaptureMode, name: &str) -> (TempDir, PathBuf, BTreeSet<String>) {
    let tmp = scratch(name);
    let dir = tmp.path().join("captures");
    let mut reporter = CaptureReporter::new(CaptureConfig { dir: dir.clone(), mode }, run_info());
    feed(&mut reporter, &results()).unwrap();
    let written: BTreeSet<_> = reporter
        .written()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, files(&dir), "written() lists what is in the folder");
    (tmp, dir, written)
}

#[test]
fn failed_mode_writes_exactly_the_failed_and_errored_cases() {
    let (_tmp, _, written) = captures_in(CaptureMode::Failed, "captures-failed");
    let want = expected(&results(), |r| matches!(r.verdict, Verdict::Fail | Verdict::Error));
    assert_eq!(written, want);
    assert_eq!(written.len(), 2);
}

#[test]
fn all_mode_writes_every_case_that_recorded_frames() {
    let (_tmp, dir, written) = captures_in(CaptureMode::All, "captures-all");
    assert_eq!(written, expected(&results(), |r| r.verdict != Verdict::Skip));
    assert_eq!(written.len(), 5, "the skipped case has no frames and no capture");
    for r in results().iter().filter(|r| r.verdict != Verdict::Skip) {
        let c = read_capture(&capture_path(&dir, &r.id)).unwrap();
        assert_eq!(c.frames.len(), 2, "{}", r.id);
        // Seen from the tester: the frame sent on the LAN went out, the one from the WAN came in.
        let on = |f: &pcapng::Frame| c.interfaces[f.interface].name.as_deref();
        assert_eq!(on(&c.frames[0]), Some("lan"), "{}", r.id);
        assert_eq!(c.frames[0].direction, Some(PacketDirection::Outbound), "{}", r.id);
        assert_eq!(on(&c.frames[1]), Some("wan"), "{}", r.id);
        assert_eq!(c.frames[1].direction, Some(PacketDirection::Inbound), "{}", r.id);
        assert!(
            c.comments[0].contains(&format!("verdict {}", r.verdict.name())),
            "{}",
            r.id
        );
    }
}

#[test]
fn none_mode_writes_nothing_and_creates_no_folder() {
    let (_tmp, dir, written) = captures_in(CaptureMode::None, "captures-none");
    assert!(written.is_empty());
    assert!(!dir.exists());
}

#[test]
fn modes_parse_from_their_names_only() {
    assert_eq!("none".parse(), Ok(CaptureMode::None));
    assert_eq!("failed".parse(), Ok(CaptureMode::Failed));
    assert_eq!("all".parse(), Ok(CaptureMode::All));
    for bad in ["", "Failed", "fail", "every"] {
        let err = bad.parse::<CaptureMode>().unwrap_err();
        assert!(err.to_string().contains("none, failed or all"), "{err}");
    }
}

#[test]
fn frame_times_end_when_the_case_was_reported() {
    // The start is "now minus the duration": the last frame (at the case's duration) is stamped
    // between the moments before and after the reporter saw the case.
    let tmp = scratch("captures-times");
    let dir = tmp.path().join("captures");
    let r = results().into_iter().find(|r| r.verdict == Verdict::Fail).unwrap();
    let mut reporter = CaptureReporter::new(
        CaptureConfig {
            dir: dir.clone(),
            mode: CaptureMode::Failed,
        },
        run_info(),
    );
    let ns = |t: SystemTime| t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as i128;
    let before = ns(SystemTime::now());
    reporter.case_finished(&r);
    let after = ns(SystemTime::now());
    let c = read_capture(&capture_path(&dir, &r.id)).unwrap();
    let (first, last) = (c.frames[0].timestamp_ns.unwrap(), c.frames[1].timestamp_ns.unwrap());
    assert!(before <= last && last <= after, "{before} <= {last} <= {after}");
    assert_eq!(last - first, r.duration.as_nanos() as i128);
}

#[test]
fn a_capture_is_replaced_atomically_and_no_temporary_is_left() {
    let tmp = scratch("captures-atomic");
    let dir = tmp.path().join("captures");
    let config = CaptureConfig {
        dir: dir.clone(),
        mode: CaptureMode::All,
    };
    let mut r = results().into_iter().find(|r| r.verdict == Verdict::Fail).unwrap();
    CaptureReporter::new(config.clone(), run_info()).case_finished(&r);
    r.frames.truncate(1);
    CaptureReporter::new(config, run_info()).case_finished(&r);
    assert_eq!(read_capture(&capture_path(&dir, &r.id)).unwrap().frames.len(), 1);
    let stem = file_stem(&r.id);
    assert_eq!(files(&dir), BTreeSet::from([format!("{stem}.pcapng")]));
}

#[test]
fn matrix_ids_become_portable_file_names() {
    assert_eq!(
        file_stem("nat_udp.hairpin[proto=tcp,v=6]"),
        "nat_udp.hairpin_proto=tcp_v=6_"
    );
    assert_eq!(file_stem("../../etc/passwd"), "_.._.._etc_passwd");
    assert_eq!(file_stem("con"), "_con");
    assert_eq!(file_stem("LPT1.x"), "_LPT1.x");
    assert_eq!(file_stem(""), "_");
    assert_eq!(
        capture_path(Path::new("out/captures"), "a[k=v]"),
        Path::new("out/captures/a_k=v_.pcapng")
    );
    // And the reporter writes under that name.
    let (_tmp, dir, _) = captures_in(CaptureMode::Failed, "captures-matrix");
    assert!(dir.join("nat_udp.hairpin_proto=tcp_.pcapng").is_file());
}

proptest! {
    /// Whatever the id, the stem is one non-empty path component of portable characters, not
    /// hidden, not ending in a dot, and short enough for any file system.
    #[test]
    fn stems_are_portable(id in any::<String>()) {
        let stem = file_stem(&id);
        prop_assert!(!stem.is_empty() && stem.len() <= 201);
        prop_assert!(stem.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-=".contains(&b)), "{stem}");
        prop_assert!(!stem.starts_with('.') && !stem.ends_with('.'));
        let path = capture_path(Path::new("d"), &id);
        prop_assert_eq!(path.parent(), Some(Path::new("d")));
    }

    /// Ids made of the kept characters keep their name (so the file is findable by its id).
    #[test]
    fn portable_ids_keep_their_name(id in "[a-z][a-z0-9_=-]{0,30}(\\.[a-z0-9_=-]{1,20}){0,3}") {
        prop_assume!(!matches!(id.as_str(), "con" | "prn" | "aux" | "nul"));
        prop_assume!(!(id.len() == 4 && (id.starts_with("com") || id.starts_with("lpt"))));
        prop_assert_eq!(file_stem(&id), id);
    }
}

#[test]
fn unwritable_captures_are_returned_from_run_finished_and_the_rest_still_written() {
    let tmp = scratch("captures-unwritable");
    let dir = tmp.path();
    // A file where the folder should be: every capture fails.
    std::fs::write(dir.join("captures"), "").unwrap();
    let mut reporter = CaptureReporter::new(
        CaptureConfig {
            dir: dir.join("captures"),
            mode: CaptureMode::Failed,
        },
        run_info(),
    );
    let err = feed(&mut reporter, &results()).unwrap_err();
    let ReportError::Captures(errors) = &err else {
        panic!("two failures: {err:?}")
    };
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|e| matches!(e, ReportError::Io { .. })));
    assert!(reporter.written().is_empty());
    // Reported once.
    assert!(reporter.run_finished(&RunSummary::default()).is_ok());

    // One case whose file cannot be written (a folder is in its way), the other is written.
    let tmp = scratch("captures-one-unwritable");
    let dir = tmp.path().join("captures");
    let results = results();
    let failed = results.iter().find(|r| r.verdict == Verdict::Fail).unwrap();
    std::fs::create_dir_all(capture_path(&dir, &failed.id)).unwrap();
    let mut reporter = CaptureReporter::new(
        CaptureConfig {
            dir: dir.clone(),
            mode: CaptureMode::Failed,
        },
        run_info(),
    );
    let err = feed(&mut reporter, &results).unwrap_err();
    assert!(matches!(err, ReportError::Io { .. }), "{err:?}");
    assert_eq!(reporter.written().len(), 1);
}

// ---- JUnit -------------------------------------------------------------------------------------

/// Runs the capture reporter (when `with_capture_reporter`) and a JUnit reporter with the same
/// configuration in a fresh folder (removed when the first value is dropped); returns the
/// captures folder and the JUnit XML.
fn junit_with_captures(name: &str, mode: CaptureMode, with_capture_reporter: bool) -> (TempDir, PathBuf, String) {
    let tmp = scratch(name);
    let dir = tmp.path();
    let config = CaptureConfig {
        dir: dir.join("captures"),
        mode,
    };
    let junit = dir.join("junit.xml");
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    if with_capture_reporter {
        reporters.push(Box::new(CaptureReporter::new(config.clone(), run_info())));
    }
    reporters.push(Box::new(
        JunitReporter::new(junit.clone()).with_captures(config.clone()),
    ));
    feed(&mut Fanout(reporters), &results()).unwrap();
    (tmp, config.dir, std::fs::read_to_string(junit).unwrap())
}

/// Each test case's `capture` property and its `[[ATTACHMENT|...]]` lines.
fn links(xml: &str) -> Vec<(String, Option<String>, Vec<String>)> {
    let doc = Document::parse(xml).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .map(|tc| {
            let property = tc
                .descendants()
                .find(|p| p.has_tag_name("property") && p.attribute("name") == Some("capture"))
                .map(|p| p.attribute("value").unwrap().to_string());
            let out = tc
                .children()
                .find(|n| n.has_tag_name("system-out"))
                .and_then(|n| n.text())
                .unwrap_or_default();
            let attachments = out
                .lines()
                .filter_map(|l| l.strip_prefix("[[ATTACHMENT|")?.strip_suffix("]]"))
                .map(str::to_string)
                .collect();
            (tc.attribute("name").unwrap().to_string(), property, attachments)
        })
        .collect()
}

#[test]
fn junit_links_each_written_capture_by_property_and_attachment_line() {
    let (_tmp, dir, xml) = junit_with_captures("captures-junit", CaptureMode::Failed, true);
    let results = results();
    for (id, property, attachments) in links(&xml) {
        let r = results.iter().find(|r| r.id == id).unwrap();
        let path = capture_path(&dir, &id);
        if matches!(r.verdict, Verdict::Fail | Verdict::Error) {
            assert_eq!(property.as_deref(), Some(path.to_str().unwrap()), "{id}");
            assert_eq!(attachments.len(), 1, "{id}");
            let attached = Path::new(&attachments[0]);
            assert!(attached.is_absolute() && attached.is_file(), "{id}: {attached:?}");
            assert_eq!(attached.canonicalize().unwrap(), path.canonicalize().unwrap());
        } else {
            assert_eq!((property, attachments.len()), (None, 0), "{id}");
        }
    }
    // The step log is still there, before the attachment line.
    let doc = Document::parse(&xml).unwrap();
    let out = doc
        .descendants()
        .find(|n| n.has_tag_name("testcase") && n.attribute("name") == Some("nat_tcp.syn_retry"))
        .and_then(|tc| tc.children().find(|n| n.has_tag_name("system-out")))
        .and_then(|n| n.text())
        .unwrap();
    let log = out.find("step 1 lan send syn: sent").unwrap();
    assert!(log < out.find("[[ATTACHMENT|").unwrap(), "{out}");
}

#[test]
fn junit_links_no_capture_that_was_not_written() {
    let (_tmp, _, xml) = junit_with_captures("captures-junit-unwritten", CaptureMode::All, false);
    assert!(links(&xml).iter().all(|(_, p, a)| p.is_none() && a.is_empty()), "{xml}");
    let (_tmp, _, xml) = junit_with_captures("captures-junit-none", CaptureMode::None, true);
    assert!(links(&xml).iter().all(|(_, p, a)| p.is_none() && a.is_empty()), "{xml}");
}
