//! The console reporter's lines, details and summary line.

mod common;

use common::{Captured, failure, info, mixed, result, timed};
use reports::{CaseClock, ConsoleReporter, Reporter, RunInfo, RunSummary};
use runner::result::{CaseResult, Verdict};
use std::time::Duration;

/// Feeds `results` to a console reporter and returns what it wrote; the run selected the cases of
/// `mixed()`.
fn run(results: &[CaseResult], color: bool, show_progress: bool, summary: RunSummary) -> String {
    run_with(&info(&mixed()), results, color, show_progress, summary)
}

/// Feeds `results` to a console reporter started with `info` and returns what it wrote.
fn run_with(info: &RunInfo, results: &[CaseResult], color: bool, show_progress: bool, summary: RunSummary) -> String {
    let out = Captured::default();
    let mut console = ConsoleReporter::new(Box::new(out.clone()), color, show_progress);
    console.run_started(info);
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
            "PASS  [     12ms] nat_tcp.tfo.cookie_then_data",
            "FAIL  [   1.003s] nat_tcp.syn_retry: step 3: no matching frame on wan within 1s",
            "PASS  [     30ms] nat_udp.timeout (1 warning, 1 unexpected frame)",
            "ERROR [      5ms] nat_udp.hairpin[proto=tcp]: interface lan is down",
            "PASS  [      7ms] nat_tcp.rst_closes",
            "SKIP  [      0us] ipv6.ra_prefix: the testbed has no ipv6 capability",
        ]
    );
}

#[test]
fn failures_in_full_after_every_case_line() {
    let text = plain(&mixed());
    let last_case_line = text.find("SKIP  [      0us] ipv6.ra_prefix").unwrap();
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
    assert!(text[warn..].contains("  unexpected frame: udp 203.0.113.3:53"));
    assert!(text.contains("\n1 warning, 2 unexpected frames\n"), "{text}");
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
    assert!(colored.contains("\x1b[32mPASS \x1b[0m [     12ms]"), "{colored:?}");
    assert!(!colored.contains("cases done"));
    let progress = run(&results, false, true, summary);
    assert!(progress.contains("3/6 cases done"));
    assert!(!progress.contains("\x1b[32m"));
    // The progress line is erased before the end: the last line is the summary.
    assert!(
        progress.ends_with("3 passed, 1 failed, 1 errors, 1 skipped (6 cases) in 0us\n"),
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
        Some("1 passed, 1 failed, 0 errors, 4 skipped (6 cases) in 10ms")
    );
    assert_eq!(info_then_summary.next(), Some("interrupted: 2 of 6 cases finished"));
}

#[test]
fn one_warning_is_singular() {
    let mut r = mixed().remove(2);
    r.unexpected.clear();
    let text = plain(&[r]);
    assert!(
        text.starts_with("PASS  [     30ms] nat_udp.timeout (1 warning)\n"),
        "{text}"
    );
    assert!(
        text.contains("\n1 warning\n1 passed, 0 failed, 0 errors, 0 skipped (1 cases) in 1.234s\n"),
        "{text}"
    );
}

#[test]
fn each_unexpected_frame_is_shown_once_and_counted_apart_from_warnings() {
    let mut r = result("nat_udp", "timeout", Verdict::Pass, 30);
    r.unexpected = vec![
        "udp 203.0.113.3:53 -> 203.0.113.2:5353".into(),
        "udp 203.0.113.3:53 -> 203.0.113.2:5354".into(),
    ];
    let text = plain(std::slice::from_ref(&r));
    assert!(
        text.starts_with("PASS  [     30ms] nat_udp.timeout (2 unexpected frames)\n"),
        "{text}"
    );
    for frame in &r.unexpected {
        assert_eq!(text.matches(frame.as_str()).count(), 1, "{text}");
    }
    assert!(text.contains("--- WARN: nat_udp.timeout"), "{text}");
    assert!(text.contains("\n2 unexpected frames\n1 passed"), "{text}");
    assert!(!text.contains("warning"), "{text}");
}

#[test]
fn details_come_in_selection_order_whatever_order_cases_finish_in() {
    let selected = mixed();
    let mut finished = mixed();
    finished.reverse();
    let summary = RunSummary::from_results(&finished, Duration::from_millis(5));
    let text = run_with(&info(&selected), &finished, false, false, summary);
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("--- ")).collect();
    assert_eq!(
        headers,
        [
            "--- FAIL: nat_tcp.syn_retry (cases/nat_tcp/syn_retry.yaml)",
            "--- WARN: nat_udp.timeout (cases/nat_udp/timeout.yaml)",
            "--- ERROR: nat_udp.hairpin[proto=tcp] (cases/nat_udp/hairpin[proto=tcp].yaml)",
        ]
    );
    // The live lines keep the order the cases finished in.
    assert!(text.starts_with("SKIP  [      0us] ipv6.ra_prefix"), "{text}");
}

#[test]
fn durations_are_in_the_language_notation_with_virtual_time_when_far_from_wall_time() {
    let wall = Duration::from_micros(1_200);
    let results = [
        timed("timeouts", "tcp_established", wall, Duration::from_secs(7439)),
        timed("nat_tcp", "rst_closes", wall, Duration::from_micros(1_700)),
    ];
    let summary = RunSummary::from_results(&results, Duration::from_secs(230));
    let mut virtual_clock = info(&results);
    virtual_clock.clock = CaseClock::Virtual;
    let text = run_with(&virtual_clock, &results, false, false, summary);
    let lines: Vec<&str> = text.lines().take(2).collect();
    assert_eq!(
        lines,
        [
            "PASS  [    1.2ms, virtual 2h3m59s] timeouts.tcp_established",
            "PASS  [    1.2ms] nat_tcp.rst_closes",
        ]
    );
    assert!(text.ends_with("(2 cases) in 3m50s\n"), "{text}");
    // On a real clock a case's time is its wall time only.
    let text = run_with(&info(&results), &results, false, false, summary);
    assert!(
        text.starts_with("PASS  [    1.2ms] timeouts.tcp_established\n"),
        "{text}"
    );
}
