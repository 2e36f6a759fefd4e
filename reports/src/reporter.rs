//! The reporter interface, what a run tells reporters at its start and end, and [`Fanout`].

use crate::ReportError;
use runner::result::{CaseResult, Verdict};
use std::time::{Duration, SystemTime};

/// Something that shows a run's results: fed once at the start, once per finished case (in the
/// order cases finish, which with several jobs is not the order they were selected in:
/// [`RunInfo::cases`] has that order), and once at the end.
///
/// `Send` so that a reporter can live on whichever thread collects the results.
pub trait Reporter: Send {
    /// The run is about to start.
    fn run_started(&mut self, info: &RunInfo);
    /// One case (one matrix variant) finished.
    fn case_finished(&mut self, result: &CaseResult);
    /// The run finished (or was interrupted): write out whatever is left. Errors met earlier
    /// (e.g. while writing a per-case line) are returned here.
    fn run_finished(&mut self, summary: &RunSummary) -> Result<(), ReportError>;
}

/// What is known at the start of a run.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The gateway backend (`sim`, ...).
    pub gateway: String,
    /// The gateway profile.
    pub profile: String,
    /// The testbed (a file, or `built-in`).
    pub testbed: String,
    /// The gatecheck version.
    pub version: String,
    /// The ids of the run's cases (matrix variants), in the order they were selected: the order
    /// the end of a console report follows, whatever order the cases finish in.
    pub cases: Vec<String>,
    /// Which clock the cases' [`CaseResult::duration`] is on.
    pub clock: CaseClock,
    /// When the run started.
    pub started: SystemTime,
}

/// Which clock a run's case durations ([`CaseResult::duration`]) are on. Whichever it is, a
/// case's [`CaseResult::wall_time`] is real time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaseClock {
    /// Real time (`netns`, `wire`): a case's duration is its wall time.
    #[default]
    Real,
    /// A virtual clock (`sim`, `verify`): a `wait: 2h` counts two hours and takes none.
    Virtual,
}

impl RunInfo {
    /// How many cases the run has.
    pub fn total_cases(&self) -> usize {
        self.cases.len()
    }

    /// The virtual time `result` took, when the run's clock is virtual and it differs from the
    /// case's wall time (a case that did not run took none of either).
    pub fn virtual_time(&self, result: &CaseResult) -> Option<Duration> {
        (self.clock == CaseClock::Virtual && result.duration != result.wall_time).then_some(result.duration)
    }
}

/// The counts of a finished run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Cases that passed (with or without warnings).
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases whose testbed or runner broke.
    pub errors: usize,
    /// Cases not run (including, by the CLI's choice, those an interruption left out).
    pub skipped: usize,
    /// Warnings over all cases.
    pub warnings: usize,
    /// Unexpected frames over all cases (not counted among the warnings).
    pub unexpected: usize,
    /// Wall time of the run.
    pub duration: Duration,
    /// Whether the run was interrupted before every case finished.
    pub interrupted: bool,
}

impl RunSummary {
    /// Counts the verdicts and warnings of `results`; not interrupted.
    pub fn from_results(results: &[CaseResult], duration: Duration) -> Self {
        let mut s = RunSummary {
            duration,
            ..RunSummary::default()
        };
        for r in results {
            match r.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail => s.failed += 1,
                Verdict::Error => s.errors += 1,
                Verdict::Skip => s.skipped += 1,
            }
            s.warnings += r.warnings.len();
            s.unexpected += r.unexpected.len();
        }
        s
    }

    /// All cases counted: passed, failed, errors and skipped.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors + self.skipped
    }

    /// Whether no case failed or errored.
    pub fn success(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

/// Feeds several reporters, in order.
pub struct Fanout(pub Vec<Box<dyn Reporter>>);

impl Reporter for Fanout {
    fn run_started(&mut self, info: &RunInfo) {
        for r in &mut self.0 {
            r.run_started(info);
        }
    }

    fn case_finished(&mut self, result: &CaseResult) {
        for r in &mut self.0 {
            r.case_finished(result);
        }
    }

    /// Finishes every reporter, even after one failed; returns the first error.
    fn run_finished(&mut self, summary: &RunSummary) -> Result<(), ReportError> {
        let mut first = Ok(());
        for r in &mut self.0 {
            let res = r.run_finished(summary);
            if first.is_ok() {
                first = res;
            }
        }
        first
    }
}
