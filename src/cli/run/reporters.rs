//! The reporters of a run — console, JUnit, captures, repro bundles — built from the command
//! line, fed each case as it finishes, and finished with what they wrote said on stderr.

use super::gateway::Gateway;
use super::{Ended, RunArgs, out_dir};
use crate::cli::exit::EXIT_ERROR;
use crate::cli::output::{Output, testbed_label};
use reports::{
    CaptureConfig, CaptureReporter, CaptureRunInfo, CaseClock, ConsoleReporter, JunitReporter, Reporter, ReproReporter,
    RunInfo, RunSummary,
};
use runner::result::CaseResult;
use runner::run::Job;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// More cases than this show a progress line on a terminal.
const PROGRESS_FROM: usize = 4;

/// The four reporters of a run and what they need to say where they wrote.
pub struct Reporters {
    info: RunInfo,
    console: ConsoleReporter,
    junit: JunitReporter,
    junit_path: PathBuf,
    capture: CaptureReporter,
    captures_dir: PathBuf,
    repro: ReproReporter,
    repro_dir: PathBuf,
}

impl Reporters {
    /// The reporters of a run of `jobs` on `gateway`, writing under `report_dir`; case i of the
    /// queue runs with `seed + i`, which its repro bundle records.
    pub fn new(
        out: &Output,
        args: &RunArgs,
        testbed: &dsl::Testbed,
        gateway: &Gateway,
        jobs: &[Job],
        report_dir: &Path,
        seed: u64,
    ) -> Reporters {
        let info = RunInfo {
            gateway: gateway.spec.backend().to_string(),
            profile: gateway.spec.profile(),
            testbed: testbed_label(args.testbed.as_deref()),
            version: env!("CARGO_PKG_VERSION").to_string(),
            cases: jobs.iter().map(|j| j.case.id.clone()).collect(),
            clock: if gateway.spec.has_virtual_clock() {
                CaseClock::Virtual
            } else {
                CaseClock::Real
            },
            started: std::time::SystemTime::now(),
        };
        let show_progress = std::io::stderr().is_terminal() && jobs.len() > PROGRESS_FROM;
        let captures = CaptureConfig {
            dir: report_dir.join(out_dir::CAPTURES),
            mode: args.capture,
        };
        let junit_path = args.junit.clone().unwrap_or_else(|| report_dir.join(out_dir::JUNIT));
        let run_info = CaptureRunInfo {
            gateway: gateway.text.clone(),
            version: info.version.clone(),
            interfaces: gateway.interface_descriptions(testbed),
        };
        // A bundle reruns its case alone (index 0) with the seed it records.
        let seeds: HashMap<String, u64> = jobs
            .iter()
            .enumerate()
            .map(|(i, j)| (j.case.id.clone(), seed.wrapping_add(i as u64)))
            .collect();
        let repro_dir = report_dir.join(out_dir::REPRO);
        Reporters {
            console: ConsoleReporter::new(Box::new(std::io::stdout()), out.color(), show_progress),
            junit: JunitReporter::new(junit_path.clone()).with_captures(captures.clone()),
            junit_path,
            captures_dir: captures.dir.clone(),
            capture: CaptureReporter::new(captures, run_info.clone()),
            repro: ReproReporter::new(repro_dir.clone(), testbed, run_info, seeds),
            repro_dir,
            info,
        }
    }

    /// Tells every reporter the run started.
    pub fn run_started(&mut self) {
        self.console.run_started(&self.info);
        self.junit.run_started(&self.info);
        self.capture.run_started(&self.info);
        self.repro.run_started(&self.info);
    }

    /// Gives every reporter a finished case.
    pub fn case_finished(&mut self, r: &CaseResult) {
        self.capture.case_finished(r);
        self.repro.case_finished(r);
        self.console.case_finished(r);
        self.junit.case_finished(r);
    }

    /// Ends every report: the cases not run go into JUnit as skipped (why: `max_duration` when
    /// it ran out, else an interruption), the summary to the console, and the captures, bundles
    /// and JUnit file written are named on stderr. Returns whether a capture or bundle could not
    /// be written; a JUnit file that could not be written ends the command.
    pub fn finish(&mut self, out: &Output, ended: &Ended, max_duration: Option<&str>) -> Result<bool, u8> {
        let not_run_reason = if ended.timed_out {
            format!("not run: --max-duration {} reached", max_duration.unwrap_or_default())
        } else {
            "interrupted".to_string()
        };
        for j in &ended.left {
            self.junit.add_not_run(&j.case.id, &j.group, &not_run_reason);
        }
        let mut summary = RunSummary::from_results(&ended.results, ended.elapsed);
        summary.interrupted = ended.interrupted;
        summary.skipped += ended.left.len();
        if let Err(e) = self.console.run_finished(&summary) {
            out.error(&e.to_string());
        }
        let mut report_failed = false;
        for r in [self.capture.run_finished(&summary), self.repro.run_finished(&summary)] {
            if let Err(e) = r {
                out.error(&e.to_string());
                report_failed = true;
            }
        }
        self.say_captures_and_bundles(out);
        if let Err(e) = self.junit.run_finished(&summary) {
            out.error(&e.to_string());
            return Err(EXIT_ERROR);
        }
        out.stderr(&format!("JUnit: {}\n", self.junit_path.display()));
        Ok(report_failed)
    }

    /// Names the captures' folder and each repro bundle, with the command that reruns it.
    fn say_captures_and_bundles(&self, out: &Output) {
        if !self.capture.written().is_empty() {
            out.stderr(&format!(
                "captures: {} file(s) in {}\n",
                self.capture.written().len(),
                self.captures_dir.display()
            ));
        }
        // In the order the cases were selected, as the console's details (the bundles were
        // written as cases finished).
        let mut bundles = self.repro.written().to_vec();
        bundles.sort_by_key(|b| {
            self.info
                .cases
                .iter()
                .position(|id| *b == self.repro_dir.join(reports::file_stem(id)))
        });
        for b in &bundles {
            out.stderr(&format!(
                "repro bundle: {} (rerun: gatecheck run {})\n",
                b.display(),
                b.display()
            ));
        }
    }
}
