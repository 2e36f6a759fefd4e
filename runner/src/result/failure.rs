//! A failing step's report: the step, what went wrong, the window, and the nearest candidates
//! with a row per constraint; rendered as the console, JUnit and repro bundles show it.

use dsl::plan::Location;
use std::time::Duration;

/// Why a step failed, in the terms of docs/language.md §2.1 rule 7: what the console, JUnit
/// and repro bundles show of a failing step.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    /// The failing step's number (from 1), as reports name it.
    pub step: usize,
    /// The step's `name:` label.
    pub name: Option<String>,
    /// Where the step is in its case file (rendered `file:line:col`).
    pub location: Location,
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
    /// How many frames the step considered.
    pub considered: usize,
    /// How many frames had come out on that side by then, to set `considered` against.
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
    /// How many constraints the pattern writes.
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
            c.render_into(i + 1, &mut s);
        }
        s
    }
}

impl Candidate {
    /// Appends candidate `n` (from 1) to a failure's text: its headline, then a table of
    /// expected versus observed with `✗` on the constraints it misses.
    fn render_into(&self, n: usize, s: &mut String) {
        let at = dsl::duration::format_measured(self.at);
        let head = match self.kind {
            CandidateKind::Offender => format!("  offending frame at +{at}: {}", self.frame),
            kind => {
                let kind = match kind {
                    CandidateKind::TooEarly => " (before `after`)",
                    CandidateKind::Late => " (late)",
                    _ => "",
                };
                format!(
                    "  candidate {n} at +{at}{kind}: {} — meets {}/{}",
                    self.frame, self.met, self.total
                )
            }
        };
        s.push_str(&head);
        s.push('\n');
        if self.rows.is_empty() {
            return;
        }
        let w = self
            .rows
            .iter()
            .map(|r| r.what.chars().count())
            .max()
            .unwrap_or(0)
            .max(5);
        let we = self
            .rows
            .iter()
            .map(|r| r.expected.chars().count())
            .max()
            .unwrap_or(0)
            .max(8);
        s.push_str(&format!("    {:<w$}  {:<we$}  observed\n", "field", "expected"));
        for r in &self.rows {
            let mark = if r.ok { " " } else { "✗" };
            s.push_str(&format!(
                "  {mark} {:<w$}  {:<we$}  {}\n",
                r.what, r.expected, r.observed
            ));
        }
    }
}

/// A step as reports name it: `step 3`, or `step 3 “query forwarded”` with its `name:`.
pub fn step_label(number: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("step {number} “{n}”"),
        None => format!("step {number}"),
    }
}
