//! What running a case produced: the verdict, every step's outcome, the failure report with the
//! nearest candidates, warnings, and the frames seen. Reports read these and nothing else.

use std::path::PathBuf;
use std::time::Duration;

mod failure;

pub use failure::{Candidate, CandidateKind, Failure, Row, step_label};

/// What a case concluded about the gateway (or why it could not): the console's colour, JUnit's
/// status and the exit code follow from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Every step held (warnings may have been raised by `severity: warn` steps).
    Pass,
    /// The gateway broke an expectation.
    Fail,
    /// The testbed or runner broke (interface down, frame could not be sent, case timeout).
    Error,
    /// The case was not run (a capability the testbed lacks, a filter, an interruption).
    Skip,
}

impl Verdict {
    /// The verdict as reports write it: `pass`, `fail`, `error`, `skip`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

/// Which side of the gateway a frame was on (re-exported so reports need not name the dsl).
pub use dsl::plan::Side;

/// The result of one case (one matrix variant).
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case id, with matrix values (`case[k=v]`): the JUnit test case name.
    pub id: String,
    /// The case file, as the user named it.
    pub file: PathBuf,
    /// The folder the case file is in, relative to what was given (the JUnit classname / suite).
    pub group: String,
    /// The case's `title:`, shown beside its id.
    pub title: String,
    /// What the case concluded.
    pub verdict: Verdict,
    /// The time the case took on its own clock: the engine's clock from the case's start to its
    /// end. Virtual on `sim` and in `verify` (a `wait: 2h` counts two hours), real on `netns` and
    /// `wire`.
    pub duration: Duration,
    /// The real time the engine spent on the case (`std::time::Instant` around it): what a CI
    /// dashboard shows as the case's time.
    pub wall_time: Duration,
    /// Why the case was skipped, or what broke for an error verdict.
    pub reason: Option<String>,
    /// The failing step's report (verdict fail, or error at a step).
    pub failure: Option<Failure>,
    /// Failures of `severity: warn` steps and what the testbed warns about (unexpected frames
    /// are in [`CaseResult::unexpected`] only).
    pub warnings: Vec<String>,
    /// One line per step that ran, in order (`step 2 wan expect ... : matched at +1.2ms`).
    pub log: Vec<String>,
    /// Frames that came out of the gateway and no step consumed (information after a failure).
    pub unexpected: Vec<String>,
    /// Every frame sent and received, for captures.
    pub frames: Vec<RecordedFrame>,
}

impl CaseResult {
    /// The result of a case that did not run: skipped (a capability the testbed lacks, an
    /// interruption) or an error before its first step (the gateway could not be opened).
    pub fn not_run(case: &dsl::plan::Case, group: &str, verdict: Verdict, reason: String) -> CaseResult {
        CaseResult {
            id: case.id.clone(),
            file: case.location.file.as_ref().clone(),
            group: group.to_string(),
            title: case.title.clone(),
            verdict,
            duration: Duration::ZERO,
            wall_time: Duration::ZERO,
            reason: Some(reason),
            failure: None,
            warnings: vec![],
            log: vec![],
            unexpected: vec![],
            frames: vec![],
        }
    }
}

/// Whether a frame was sent by the runner or came out of the gateway.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The runner sent it into the gateway.
    Sent,
    /// It came out of the gateway.
    Received,
}

/// A frame as recorded, with the annotations captures show.
#[derive(Clone, Debug)]
pub struct RecordedFrame {
    /// When it was sent or arrived, since the case started (the capture's timestamp).
    pub at: Duration,
    /// The interface of the capture it goes in.
    pub side: Side,
    /// Whether the runner sent it or the gateway did.
    pub direction: Direction,
    /// The whole Ethernet frame.
    pub bytes: Vec<u8>,
    /// Comments (`step 3: matched ...`).
    pub comments: Vec<String>,
}
