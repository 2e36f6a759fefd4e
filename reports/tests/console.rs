//! The console reporter's lines, details and summary line.

mod common;

use common::{Captured, failure, info, mixed};
use reports::{ConsoleReporter, Reporter, RunSummary};
use runner::result::CaseResult;
use std::time::Duration;

/// Feeds `results` to a console reporter and returns what it wrote.
fn run(results: &[CaseResult], color: bool, show_progress: bool, summary: RunSummary) -> String {
    let out = Captured::default();
    let mut console = ConsoleReporter::new(Box::new(out.clone()), color, show_progress);
    console.run_started(&info(summary.total()));
    for r in results {
        console.case_finished(r);
    }
    console.run_finished(&summary).unwrap();
    out.text()
}

fn plain(results: &[CaseResult]) -> String {
    run(
        results,
        false,
        false,
        RunSummary::from_results(results, Duration::from_millis(1_234)),
    )
}

#[test]
fn the_summary_line_has_the_shape_ci_reads() {
    let text = plain(&mixed());
    let last = text.lines().last().unwrap();
    assert_eq!(last, "3 passed, 1 failed, 1 errors, 1 skipped (6 cases) in 1.234s");
    assert!(last.starts_with("3 passed, 1 failed, 1 errors, 1 skipped (6 cases) in "));
}

#[test]
fn one_line_per_case_as_it_finishes() {
    let text = plain(&mixed());
    let lines: Vec<&str> = text.lines().take(6).collect();
    assert_eq!(
        lines,
        [
            "PASS  [  0.012s] nat_tcp.tfo.cookie_then_data",
            "FAIL  [  1.003s] nat_tcp.syn_retry: step 3: no matching frame on wan within 1s",
            "PASS  [  0.030s] nat_udp.timeout (2 warnings)",
            "ERROR [  0.005s] nat_udp.hairpin[proto=tcp]: interface lan is down",
            "PASS  [  0.007s] nat_tcp.rst_closes",
            "SKIP  [  0.000s] ipv6.ra_prefix: the testbed has no ipv6 capability",
        ]
    );
}

#[test]
fn failures_in_full_after_every_case_line() {
    let text = plain(&mixed());
    let last_case_line = text.find("SKIP  [  0.000s] ipv6.ra_prefix").unwrap();
    let header = text
        .find("--- FAIL: nat_tcp.syn_retry (cases/nat_tcp/syn_retry.yaml)")
        .unwrap();
    let full = text.find(&failure().render()).expect("the rendered failure");
    assert!(last_case_line < header && header < full, "{text}");
    for part in [
        "cases/nat_tcp/syn_retry.yaml:14:7",
        "why: RFC 5382",
        "candidate 1",
        "dst port",
        "8080",
    ] {
        let at = text.rfind(part).unwrap_or_else(|| panic!("{part} missing"));
        assert!(at > last_case_line, "{part}");
    }
    assert!(text.contains("  unexpected frame: tcp rst 198.51.100.7:80"));
    let error = text.find(
        "--- ERROR: nat_udp.hairpin[proto=tcp] (cases/nat_udp/hairpin[proto=tcp].yaml)\n  interface lan is down\n",
    );
    assert!(error.is_some_and(|at| at > last_case_line), "{text}");
    let warn = text.find("--- WARN: nat_udp.timeout").unwrap();
    assert!(text[warn..].contains("  warning: step 4 (warn): mapping kept 29s"));
    assert!(text.contains("\n2 warnings\n"));
}

#[test]
fn plain_text_without_color_or_progress() {
    let text = plain(&mixed());
    assert!(!text.contains('\x1b') && !text.contains('\r'));
    assert!(!text.contains("cases done"));
}

#[test]
fn color_and_progress_only_when_asked() {
    let results = mixed();
    let summary = RunSummary::from_results(&results, Duration::ZERO);
    let colored = run(&results, true, false, summary);
    assert!(colored.contains("\x1b[32mPASS \x1b[0m [  0.012s]"), "{colored:?}");
    assert!(!colored.contains("cases done"));
    let progress = run(&results, false, true, summary);
    assert!(progress.contains("3/6 cases done"));
    assert!(!progress.contains("\x1b[32m"));
    // The progress line is erased before the end: the last line is the summary.
    assert!(
        progress.ends_with("3 passed, 1 failed, 1 errors, 1 skipped (6 cases) in 0.000s\n"),
        "{progress:?}"
    );
}

#[test]
fn an_interrupted_run_says_so_before_the_summary() {
    let results = &mixed()[..2];
    let mut summary = RunSummary::from_results(results, Duration::from_millis(10));
    summary.interrupted = true;
    summary.skipped += 4;
    let text = run(results, false, false, summary);
    let mut info_then_summary = text.lines().rev().take(2);
    assert_eq!(
        info_then_summary.next(),
        Some("1 passed, 1 failed, 0 errors, 4 skipped (6 cases) in 0.010s")
    );
    assert_eq!(info_then_summary.next(), Some("interrupted: 2 of 6 cases finished"));
}

#[test]
fn one_warning_is_singular() {
    let mut r = mixed().remove(2);
    r.warnings.truncate(1);
    let text = plain(&[r]);
    assert!(
        text.starts_with("PASS  [  0.030s] nat_udp.timeout (1 warning)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n1 warning\n1 passed, 0 failed, 0 errors, 0 skipped (1 cases) in 1.234s\n"),
        "{text}"
    );
}
