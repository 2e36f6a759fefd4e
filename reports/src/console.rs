//! The console reporter: one line per case as it finishes, the details at the end, a summary.

use crate::{ReportError, Reporter, RunInfo, RunSummary};
use dsl::duration::format_measured;
use runner::result::{CaseResult, Verdict};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

// ANSI SGR parameters (`ESC [ n m`) of what the console paints.
const GREEN: &str = "32";
const RED: &str = "31";
const BOLD_RED: &str = "1;31";
const YELLOW: &str = "33";
const DIM: &str = "2";
const BOLD: &str = "1";

/// The width the wall time is right-aligned to on a case line (`123.456ms`), so that the lines of
/// a run stay aligned.
const TIME_WIDTH: usize = 9;

/// How far a case's virtual time must be from its wall time for its line to show it: closer than
/// this, the difference is the engine's own pace, not a `wait` or a window.
const VIRTUAL_SHOWN_FROM: Duration = Duration::from_millis(100);

/// Shows a run on a console (or any writer) as plain text, with ANSI colors when asked.
///
/// As each case finishes: `PASS  [ 12.345ms] tfo.cookie_then_data`, the case's wall time in the
/// language's duration notation ([`format_measured`]); on a virtual clock, the virtual time too
/// when it is far from the wall time (`[  1.234ms, virtual 2h3m59s]`). `FAIL`, `ERROR` and `SKIP`
/// lines add the one-line reason; a pass with warnings or unexpected frames adds their counts
/// (` (1 warning, 2 unexpected frames)`). At the end, in the order the cases were selected
/// ([`RunInfo::cases`]) whatever order they finished in: every failure in full
/// ([`runner::result::Failure::render`]), every error's reason, every warning and unexpected
/// frame, then the counts of warnings and unexpected frames and the summary line
/// `N passed, N failed, N errors, N skipped (N cases) in 1.234s`.
pub struct ConsoleReporter {
    out: Box<dyn Write + Send>,
    color: bool,
    show_progress: bool,
    info: Option<RunInfo>,
    /// Each case id's place in [`RunInfo::cases`].
    order: HashMap<String, usize>,
    done: usize,
    progress_shown: bool,
    details: Vec<Detail>,
    error: Option<io::Error>,
}

/// What the end of the report shows about one case.
struct Detail {
    /// Where the case was selected (its place in [`RunInfo::cases`]).
    position: usize,
    verdict: Verdict,
    id: String,
    file: PathBuf,
    reason: Option<String>,
    failure: Option<String>,
    warnings: Vec<String>,
    unexpected: Vec<String>,
}

impl ConsoleReporter {
    /// A reporter writing to `out`; `color` turns on ANSI colors, `show_progress` a progress
    /// line (cases done / total) kept at the bottom (for a terminal only: it is redrawn with
    /// `\r` and an erase-line code).
    pub fn new(out: Box<dyn Write + Send>, color: bool, show_progress: bool) -> Self {
        ConsoleReporter {
            out,
            color,
            show_progress,
            info: None,
            order: HashMap::new(),
            done: 0,
            progress_shown: false,
            details: Vec::new(),
            error: None,
        }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Writes `text`, keeping the first error for [`Reporter::run_finished`].
    fn write(&mut self, text: &str) {
        if let Err(e) = self.out.write_all(text.as_bytes()) {
            self.error.get_or_insert(e);
        }
    }

    fn flush(&mut self) {
        if let Err(e) = self.out.flush() {
            self.error.get_or_insert(e);
        }
    }

    fn clear_progress(&mut self) {
        if self.progress_shown {
            self.write("\r\x1b[2K");
            self.progress_shown = false;
        }
    }

    /// How many cases the run has.
    fn total(&self) -> usize {
        self.info.as_ref().map_or(0, RunInfo::total_cases)
    }

    fn draw_progress(&mut self) {
        if self.show_progress {
            let text = self.paint(DIM, &format!("{}/{} cases done", self.done, self.total()));
            self.write(&text);
            self.progress_shown = true;
        }
    }

    /// The line shown when a case finishes, without the newline.
    fn case_line(&self, r: &CaseResult) -> String {
        let (word, code) = verdict_word(r.verdict);
        let word = self.paint(code, &format!("{word:<5}"));
        let mut time = format!("{:>TIME_WIDTH$}", format_measured(r.wall_time));
        let virtual_time = self.info.as_ref().and_then(|i| i.virtual_time(r));
        if let Some(v) = virtual_time.filter(|v| v.abs_diff(r.wall_time) >= VIRTUAL_SHOWN_FROM) {
            time.push_str(&format!(", virtual {}", format_measured(v)));
        }
        let mut line = format!("{word} [{time}] {}", r.id);
        let reason = r.reason.as_deref().or(r.failure.as_ref().map(|f| f.reason.as_str()));
        match r.verdict {
            Verdict::Pass => {
                if let Some(counts) = counts(r.warnings.len(), r.unexpected.len()) {
                    line.push_str(&self.paint(YELLOW, &format!(" ({counts})")));
                }
            }
            Verdict::Fail => match &r.failure {
                Some(f) => line.push_str(&format!(": {}: {}", f.step_label(), f.reason)),
                None => line.push_str(&format!(": {}", first_line(reason.unwrap_or("failed")))),
            },
            Verdict::Error | Verdict::Skip => {
                if let Some(reason) = reason {
                    line.push_str(&format!(": {}", first_line(reason)));
                }
            }
        }
        line
    }

    fn detail_text(&self, d: &Detail) -> String {
        // A passed case has details only for its warnings.
        let (word, code) = match d.verdict {
            Verdict::Pass => ("WARN", YELLOW),
            v => verdict_word(v),
        };
        let header = format!("--- {word}: {} ({})", d.id, d.file.display());
        let mut s = format!("\n{}\n", self.paint(code, &header));
        if let (Verdict::Error, Some(reason)) = (d.verdict, &d.reason) {
            for line in reason.lines() {
                s.push_str(&format!("  {line}\n"));
            }
        }
        if let Some(f) = &d.failure {
            s.push_str(f);
        }
        for w in &d.warnings {
            s.push_str(&format!("  warning: {w}\n"));
        }
        for u in &d.unexpected {
            s.push_str(&format!("  unexpected frame: {u}\n"));
        }
        s
    }
}

impl Reporter for ConsoleReporter {
    fn run_started(&mut self, info: &RunInfo) {
        self.order = info.cases.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        self.info = Some(info.clone());
        self.draw_progress();
        self.flush();
    }

    fn case_finished(&mut self, result: &CaseResult) {
        self.done += 1;
        self.clear_progress();
        let line = self.case_line(result);
        self.write(&format!("{line}\n"));
        self.draw_progress();
        self.flush();
        let worth_showing = match result.verdict {
            Verdict::Fail | Verdict::Error => true,
            Verdict::Pass | Verdict::Skip => !result.warnings.is_empty() || !result.unexpected.is_empty(),
        };
        if worth_showing {
            self.details.push(Detail {
                position: self.order.get(&result.id).copied().unwrap_or(usize::MAX),
                verdict: result.verdict,
                id: result.id.clone(),
                file: result.file.clone(),
                reason: result.reason.clone(),
                failure: result.failure.as_ref().map(|f| f.render()),
                warnings: result.warnings.clone(),
                unexpected: result.unexpected.clone(),
            });
        }
    }

    fn run_finished(&mut self, summary: &RunSummary) -> Result<(), ReportError> {
        self.clear_progress();
        // A stable sort: cases the run did not list keep the order they finished in, at the end.
        self.details.sort_by_key(|d| d.position);
        let details: Vec<String> = self.details.iter().map(|d| self.detail_text(d)).collect();
        for d in details {
            self.write(&d);
        }
        let mut tail = String::from("\n");
        if let Some(counts) = counts(summary.warnings, summary.unexpected) {
            tail.push_str(&self.paint(YELLOW, &counts));
            tail.push('\n');
        }
        if summary.interrupted {
            let text = format!("interrupted: {} of {} cases finished", self.done, self.total());
            tail.push_str(&self.paint(BOLD_RED, &text));
            tail.push('\n');
        }
        let line = format!(
            "{} passed, {} failed, {} errors, {} skipped ({} cases) in {}",
            summary.passed,
            summary.failed,
            summary.errors,
            summary.skipped,
            summary.total(),
            format_measured(summary.duration)
        );
        let code = if summary.success() && !summary.interrupted {
            GREEN
        } else {
            RED
        };
        tail.push_str(&self.paint(&format!("{BOLD};{code}"), &line));
        tail.push('\n');
        self.write(&tail);
        self.flush();
        match self.error.take() {
            Some(e) => Err(ReportError::Console(e)),
            None => Ok(()),
        }
    }
}

/// The word a case's line starts with for its verdict, and its color.
fn verdict_word(verdict: Verdict) -> (&'static str, &'static str) {
    match verdict {
        Verdict::Pass => ("PASS", GREEN),
        Verdict::Fail => ("FAIL", RED),
        Verdict::Error => ("ERROR", BOLD_RED),
        Verdict::Skip => ("SKIP", YELLOW),
    }
}

/// `1 warning, 2 unexpected frames`, `3 warnings`, `1 unexpected frame`; `None` for none of either.
fn counts(warnings: usize, unexpected: usize) -> Option<String> {
    let parts: Vec<String> = [(warnings, "warning"), (unexpected, "unexpected frame")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| count(n, what))
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `1 warning`, `2 warnings`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}
