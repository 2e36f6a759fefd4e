//! What running a case produced: the verdict, every step's outcome, the failure report with the
//! nearest candidates, warnings, and the frames seen. Reports read these and nothing else.

use std::path::PathBuf;
use std::time::Duration;

/// The verdict of a case.
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
    /// `pass`, `fail`, `error`, `skip`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

/// Which side of the gateway.
pub use dsl::plan::Side;

/// The result of one case (one matrix variant).
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// The case id, with matrix values (`case[k=v]`): the JUnit test case name.
    pub id: String,
    /// The case file.
    pub file: PathBuf,
    /// The folder the case file is in, relative to what was given (the JUnit classname / suite).
    pub group: String,
    /// The case's title.
    pub title: String,
    /// The verdict.
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

/// Why a step failed, in the terms of DSL.md §2.1 rule 7.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// 1-based step number.
    pub step: usize,
    /// The step's `name:` label.
    pub name: Option<String>,
    /// `file:line:col` of the step.
    pub location: String,
    /// The step's sentence as written.
    pub text: String,
    /// The step's `why:` text.
    pub why: Option<String>,
    /// What went wrong, in one line (`no matching frame on wan within 1s`).
    pub reason: String,
    /// The pattern with bound values filled in, when the step has one.
    pub pattern: Option<String>,
    /// The window, e.g. `within 1s after the send at step 7`.
    pub window: Option<String>,
    /// Frames considered by the step, and all frames on that side.
    pub considered: usize,
    /// All frames on that side so far.
    pub total_on_side: usize,
    /// The nearest candidates, best first.
    pub candidates: Vec<Candidate>,
}

/// A frame that came close to matching, with the constraint-by-constraint comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    /// The frame in the sentence notation.
    pub frame: String,
    /// Arrival time relative to the case's start.
    pub at: Duration,
    /// What kind of candidate: considered, excluded by `after`, or late (up to 100 ms after).
    pub kind: CandidateKind,
    /// How many written constraints it meets, of how many.
    pub met: usize,
    /// Number of written constraints.
    pub total: usize,
    /// Expected versus observed, one row per constraint.
    pub rows: Vec<Row>,
}

/// How a candidate relates to the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateKind {
    /// Inside the window.
    Considered,
    /// Earlier than `after` allowed.
    TooEarly,
    /// Up to 100 ms after the window closed.
    Late,
    /// The frame that offended a negative step.
    Offender,
}

/// One constraint compared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The constraint (`dst port`, `flags`, `option fo`, `payload`).
    pub what: String,
    /// What the pattern asked for.
    pub expected: String,
    /// What the frame had.
    pub observed: String,
    /// Whether it was met.
    pub ok: bool,
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
    /// Time since the case started.
    pub at: Duration,
    /// The side.
    pub side: Side,
    /// Sent or received.
    pub direction: Direction,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Comments (`step 3: matched ...`).
    pub comments: Vec<String>,
}

impl Failure {
    /// The step as reports name it: `step 3`, or `step 3 “query forwarded”` when it has a
    /// `name:`.
    pub fn step_label(&self) -> String {
        step_label(self.step, self.name.as_deref())
    }

    /// The full text of a failure, as the console and JUnit show it.
    pub fn render(&self) -> String {
        let mut s = format!(
            "{} ({}): {}\n  {}\n",
            self.step_label(),
            self.location,
            self.reason,
            self.text
        );
        if let Some(p) = &self.pattern {
            s.push_str(&format!("  pattern: {p}\n"));
        }
        if let Some(w) = &self.window {
            s.push_str(&format!("  window:  {w}\n"));
        }
        s.push_str(&format!(
            "  frames considered: {} (of {} on that side)\n",
            self.considered, self.total_on_side
        ));
        if let Some(why) = &self.why {
            s.push_str(&format!("  why: {why}\n"));
        }
        for (i, c) in self.candidates.iter().enumerate() {
            let at = dsl::duration::format_measured(c.at);
            let head = match c.kind {
                CandidateKind::Offender => format!("  offending frame at +{at}: {}", c.frame),
                kind => {
                    let kind = match kind {
                        CandidateKind::TooEarly => " (before `after`)",
                        CandidateKind::Late => " (late)",
                        _ => "",
                    };
                    format!(
                        "  candidate {} at +{at}{kind}: {} — meets {}/{}",
                        i + 1,
                        c.frame,
                        c.met,
                        c.total
                    )
                }
            };
            s.push_str(&head);
            s.push('\n');
            if c.rows.is_empty() {
                continue;
            }
            let w = c.rows.iter().map(|r| r.what.chars().count()).max().unwrap_or(0).max(5);
            let we = c
                .rows
                .iter()
                .map(|r| r.expected.chars().count())
                .max()
                .unwrap_or(0)
                .max(8);
            s.push_str(&format!("    {:<w$}  {:<we$}  observed\n", "field", "expected"));
            for r in &c.rows {
                let mark = if r.ok { " " } else { "✗" };
                s.push_str(&format!(
                    "  {mark} {:<w$}  {:<we$}  {}\n",
                    r.what, r.expected, r.observed
                ));
            }
        }
        s
    }
}

/// A step as reports name it: `step 3`, or `step 3 “query forwarded”` with its `name:`.
pub fn step_label(number: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("step {number} “{n}”"),
        None => format!("step {number}"),
    }
}
