//! gatecheck's reporters: what a run shows to people and to CI.
//!
//! Modelled on cargo-nextest: one [`Reporter`] interface, fed as the run goes
//! ([`Reporter::run_started`], then [`Reporter::case_finished`] for each case as it finishes,
//! then [`Reporter::run_finished`]), with these implementations:
//!
//! - [`ConsoleReporter`]: one line per case as it finishes (its wall time, and its virtual time
//!   on `sim` when far from it), every failure in full at the end in the order the cases were
//!   selected, and the summary line `N passed, N failed, N errors, N skipped (N cases) in 1.234s`;
//! - [`JunitReporter`]: collects the results and writes JUnit XML (one `<testsuite>` per case
//!   folder; every `time` wall time) atomically when the run finishes, also for an interrupted
//!   run;
//! - [`CaptureReporter`]: a pcapng capture of both sides, with the step comments on the frames,
//!   for each chosen case, written through the `pcapng` crate;
//! - [`ReproReporter`]: a repro bundle for each failing case, which `gatecheck run <bundle>`
//!   reruns.
//!
//! [`Fanout`] feeds several reporters at once. Reporters read
//! [`runner::result::CaseResult`]s only, never the engine's internals.

#![warn(missing_docs)]

mod capture_reporter;
mod console;
mod junit;
mod reporter;
mod repro;

pub use capture_reporter::{
    CaptureConfig, CaptureMode, CaptureReporter, CaptureRunInfo, UnknownCaptureMode, capture_path, file_stem,
};
pub use console::ConsoleReporter;
pub use junit::JunitReporter;
pub use reporter::{CaseClock, Fanout, Reporter, RunInfo, RunSummary};
pub use repro::{MANIFEST, Manifest, ReproReporter};

use std::io;
use std::path::PathBuf;

/// An error writing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report file (or its temporary file, or its folder) could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or folder that could not be written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The JUnit report could not be serialized.
    #[error("cannot serialize the JUnit report for {}: {source}", path.display())]
    Junit {
        /// The file the report was meant for.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: quick_junit::SerializeError,
    },
    /// The console (or whatever the console reporter writes to) could not be written.
    #[error("cannot write the console report: {0}")]
    Console(#[source] io::Error),
    /// Several captures could not be written (each error names its file).
    #[error("{} captures could not be written: {}", .0.len(), join(.0))]
    Captures(Vec<ReportError>),
}

/// The errors' messages, separated by `; `.
fn join(errors: &[ReportError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}
