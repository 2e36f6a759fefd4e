//! The JUnit XML reporter (through `quick-junit`), written atomically when the run finishes.

use crate::{CaptureConfig, ReportError, Reporter, RunInfo, RunSummary};
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use runner::result::{CaseResult, Verdict};
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `<testsuites>` name.
const REPORT_NAME: &str = "gatecheck";

/// Collects results and writes them as JUnit XML in [`Reporter::run_finished`].
///
/// `<testsuites name="gatecheck">` holds one `<testsuite>` per case folder
/// ([`CaseResult::group`], sorted by name), each with the run's properties (`gateway`, `profile`,
/// `testbed`, `gatecheck-version`, and `interrupted` when it was) and a `skipped` count beside
/// quick-junit's `disabled`. Every `time` is wall time: a `<testcase>`'s is the case's
/// [`CaseResult::wall_time`], a `<testsuite>`'s the sum of its cases', the `<testsuites>`' the
/// run's. Each case (matrix variant) is a `<testcase>` (sorted by id) with
/// `name` = case id, `classname` = folder, `time`; a failure is
/// `<failure message="step N: REASON" type="fail">` with [`runner::result::Failure::render`] as
/// its text, an error `<error message="REASON" type="error">` with the full reason, a skip
/// `<skipped message="REASON">`. `<system-out>` holds the step log, the warnings and the
/// unexpected frames; a `warnings` property counts the warnings, an `unexpected_frames` property
/// the unexpected frames. On a virtual clock (`sim`, `verify`) a case that ran has a
/// `virtual_time` property: its [`CaseResult::duration`] in the language's notation (`2h3m59s`).
///
/// With [`JunitReporter::with_captures`], a case whose capture file exists when the report is
/// written (the [`CaptureReporter`](crate::CaptureReporter) with the same configuration wrote it)
/// gets a `capture` property (the path as [`capture_path`](crate::capture_path) gives it) and a
/// `[[ATTACHMENT|<absolute path>]]` line at the end of its `<system-out>` (the Jenkins
/// attachments plugin's convention).
///
/// The file is written to `FILE.tmp` beside it, then renamed over `FILE` (the folder is created
/// when missing), so a reader never sees half a report.
pub struct JunitReporter {
    path: PathBuf,
    info: Option<RunInfo>,
    captures: Option<CaptureConfig>,
    /// Each case's suite, test case, and the capture it should have.
    cases: Vec<(String, TestCase, Option<PathBuf>)>,
}

impl JunitReporter {
    /// A reporter that will write to `path`.
    pub fn new(path: PathBuf) -> Self {
        JunitReporter {
            path,
            info: None,
            captures: None,
            cases: Vec::new(),
        }
    }

    /// Links each case to the capture `config` chooses for it (see the type's documentation).
    pub fn with_captures(mut self, config: CaptureConfig) -> Self {
        self.captures = Some(config);
        self
    }

    /// The file the report is written to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Adds a case that did not run as skipped with `reason` (e.g. `interrupted`), for cases an
    /// interruption left out, which have no [`CaseResult`]. Call before [`Reporter::run_finished`].
    pub fn add_not_run(&mut self, id: &str, group: &str, reason: &str) {
        let mut status = TestCaseStatus::skipped();
        status.set_message(reason);
        let mut case = TestCase::new(id, status);
        case.set_classname(suite_name(group)).set_time(Duration::ZERO);
        self.cases.push((suite_name(group).to_string(), case, None));
    }

    /// The report as it stands, for `summary`.
    fn report(&self, summary: &RunSummary) -> Report {
        let mut groups: BTreeMap<&str, Vec<TestCase>> = BTreeMap::new();
        for (group, case, capture) in &self.cases {
            let mut case = case.clone();
            if let Some(path) = capture.as_deref().filter(|p| p.is_file()) {
                attach_capture(&mut case, path);
            }
            groups.entry(group).or_default().push(case);
        }
        let mut report = Report::new(REPORT_NAME);
        report.set_time(summary.duration);
        if let Some(info) = &self.info {
            report.set_timestamp(chrono::DateTime::<chrono::Utc>::from(info.started));
        }
        for (group, mut cases) in groups {
            cases.sort_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
            let mut suite = TestSuite::new(group);
            if let Some(info) = &self.info {
                suite.set_timestamp(chrono::DateTime::<chrono::Utc>::from(info.started));
                suite.add_properties([
                    ("gateway", info.gateway.as_str()),
                    ("profile", info.profile.as_str()),
                    ("testbed", info.testbed.as_str()),
                    ("gatecheck-version", info.version.as_str()),
                ]);
            }
            if summary.interrupted {
                suite.add_property(("interrupted", "true"));
            }
            suite.set_time(cases.iter().filter_map(|c| c.time).sum());
            suite.add_test_cases(cases);
            let skipped = suite.disabled.to_string();
            suite.extra.insert("skipped".into(), skipped.into());
            report.add_test_suite(suite);
        }
        report
    }
}

impl Reporter for JunitReporter {
    fn run_started(&mut self, info: &RunInfo) {
        self.info = Some(info.clone());
    }

    fn case_finished(&mut self, result: &CaseResult) {
        let capture = self.captures.as_ref().and_then(|c| c.path_for(result));
        let virtual_time = self.info.as_ref().and_then(|i| i.virtual_time(result));
        self.cases.push((
            suite_name(&result.group).to_string(),
            test_case(result, virtual_time),
            capture,
        ));
    }

    /// Writes the report: everything that finished, plus the cases given to
    /// [`JunitReporter::add_not_run`]. Can be called again (it rewrites the file).
    fn run_finished(&mut self, summary: &RunSummary) -> Result<(), ReportError> {
        let report = self.report(summary);
        let mut bytes = Vec::new();
        report.serialize(&mut bytes).map_err(|source| ReportError::Junit {
            path: self.path.clone(),
            source,
        })?;
        write_atomically(&self.path, &bytes)
    }
}

/// The suite (and classname) of a folder: the folder, or `.` for none.
fn suite_name(group: &str) -> &str {
    if group.is_empty() { "." } else { group }
}

/// One `<testcase>`; `virtual_time` is the case's time on a virtual clock, when it ran on one.
fn test_case(r: &CaseResult, virtual_time: Option<Duration>) -> TestCase {
    let status = match r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_type("fail");
            match &r.failure {
                Some(f) => s
                    .set_message(format!("{}: {}", f.step_label(), first_line(&f.reason)))
                    .set_description(f.render()),
                None => {
                    let reason = r.reason.as_deref().unwrap_or("failed");
                    s.set_message(first_line(reason)).set_description(reason)
                }
            };
            s
        }
        Verdict::Error => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_type("error");
            let reason = match (&r.reason, &r.failure) {
                (Some(reason), _) => reason.clone(),
                (None, Some(f)) => format!("{}: {}", f.step_label(), f.reason),
                (None, None) => "error".to_string(),
            };
            let mut body = reason.clone();
            if let Some(f) = &r.failure {
                body.push('\n');
                body.push_str(&f.render());
            }
            s.set_message(first_line(&reason)).set_description(body);
            s
        }
        Verdict::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(first_line(r.reason.as_deref().unwrap_or("skipped")));
            s
        }
    };
    let mut case = TestCase::new(r.id.as_str(), status);
    case.set_classname(suite_name(&r.group)).set_time(r.wall_time);
    if let Some(v) = virtual_time {
        case.add_property(("virtual_time".to_string(), dsl::duration::format_measured(v)));
    }
    for (name, n) in [
        ("warnings", r.warnings.len()),
        ("unexpected_frames", r.unexpected.len()),
    ] {
        if n > 0 {
            case.add_property((name.to_string(), n.to_string()));
        }
    }
    let out = system_out(r);
    if !out.is_empty() {
        case.set_system_out(out);
    }
    case
}

/// Adds the `capture` property and the `[[ATTACHMENT|...]]` line for the capture at `path`.
fn attach_capture(case: &mut TestCase, path: &Path) {
    case.add_property(("capture".to_string(), path.display().to_string()));
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = case.system_out.as_deref().unwrap_or_default().to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&format!("[[ATTACHMENT|{}]]\n", absolute.display()));
    case.set_system_out(out);
}

/// The step log, then the warnings and the unexpected frames.
fn system_out(r: &CaseResult) -> String {
    let mut s = String::new();
    for line in &r.log {
        s.push_str(line);
        s.push('\n');
    }
    for (title, items) in [("warnings:", &r.warnings), ("unexpected frames:", &r.unexpected)] {
        if !items.is_empty() {
            s.push_str(title);
            s.push('\n');
            for item in items {
                s.push_str(&format!("  - {item}\n"));
            }
        }
    }
    s
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// Writes `bytes` to `path` through `path.tmp` and a rename.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |p: &Path| {
        let path = p.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    let Some(name) = path.file_name() else {
        let e = io::Error::new(io::ErrorKind::InvalidInput, "not a file name");
        return Err(err(path)(e));
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(err(dir))?;
    }
    let mut tmp_name = name.to_os_string();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let written = fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(err(&tmp)(e));
    }
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(path)(e)
    })
}
