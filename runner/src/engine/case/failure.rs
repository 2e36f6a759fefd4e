//! The failure report of a step (docs/language.md §2.1 rule 7): what it expected, in which
//! window, how many frames it considered, and the nearest candidates with a row per constraint;
//! and the frames that came out and no step took.

use super::window::Window;
use super::{Run, label};
use crate::engine::matcher::{self, MatchResult};
use crate::engine::view::{L4View, View};
use crate::result::{Candidate, CandidateKind, Direction, Failure};
use dsl::display;
use dsl::plan::{PacketSpec, Side, Step};

/// A recorded frame scored against a step's pattern.
pub(super) struct Scored {
    /// Its index among the recorded frames.
    pub(super) frame: usize,
    pub(super) result: MatchResult,
    pub(super) kind: CandidateKind,
}

/// What a step's failure report is made of, gathered while the step looks.
pub(super) struct Evidence<'p> {
    /// The side the step looks at.
    pub(super) side: Side,
    /// What the step expected (a pattern that writes nothing for `expect nothing`).
    pub(super) pattern: &'p PacketSpec,
    pub(super) window: Window,
    /// How many frames the step considered.
    pub(super) considered: usize,
    /// What went wrong, in one line.
    pub(super) reason: String,
    /// The frames that came closest, in any order.
    pub(super) candidates: Vec<Scored>,
}

impl<'p> Evidence<'p> {
    /// Nothing seen yet by a step on `side` that expects `pattern` in `window`.
    pub(super) fn new(side: Side, pattern: &'p PacketSpec, window: Window) -> Evidence<'p> {
        Evidence {
            side,
            pattern,
            window,
            considered: 0,
            reason: String::new(),
            candidates: Vec::new(),
        }
    }
}

impl Run<'_> {
    /// The report of `step`'s failure, from what it saw; the nearest candidate's frame (or the
    /// first frame after the window) gets a capture comment saying why.
    pub(super) fn failure(&mut self, step: &Step, ev: Evidence) -> Failure {
        let Evidence {
            side,
            pattern,
            window,
            considered,
            reason,
            candidates: mut cands,
        } = ev;
        // Rank: most constraints met first; ties to the earliest.
        cands.sort_by(|a, b| b.result.met.cmp(&a.result.met).then(a.frame.cmp(&b.frame)));
        cands.truncate(3);
        let total_on_side = self
            .capture
            .frames
            .iter()
            .filter(|r| r.side == side && r.dir == Direction::Received)
            .count();
        let candidates: Vec<Candidate> = cands
            .into_iter()
            .enumerate()
            .map(|(n, c)| self.candidate(step, side, pattern, n == 0, c))
            .collect();
        if candidates.is_empty() {
            self.comment_on_the_window_end(step, side, window, &reason);
        }
        let pattern_text = pattern.proto.is_some().then(|| self.filled(pattern));
        Failure {
            step: step.number,
            name: step.name.clone(),
            location: step.location.clone(),
            text: step.text.clone(),
            why: step.why.clone(),
            reason,
            pattern: pattern_text,
            window: Some(self.window_text(window)),
            considered,
            total_on_side,
            candidates,
        }
    }

    /// A candidate as the report shows it, with a row per constraint; the nearest (`first`)
    /// gets a capture comment with the constraints it missed.
    fn candidate(&mut self, step: &Step, side: Side, pattern: &PacketSpec, first: bool, c: Scored) -> Candidate {
        let Scored {
            frame: i,
            result: mut m,
            kind,
        } = c;
        let view = self.capture.view_for(i, Some(pattern)).cloned();
        // Candidates were scored without report rows while matching; build them now.
        if m.rows.is_empty() && pattern.proto.is_some() {
            if let Some(v) = &view {
                m = self.matcher(side).compare(pattern, v);
            }
        }
        if first && kind != CandidateKind::Offender {
            let why = m
                .rows
                .iter()
                .filter(|r| !r.ok)
                .map(|r| format!("{} expected {} observed {}", r.what, r.expected, r.observed))
                .collect::<Vec<_>>()
                .join("; ");
            self.capture.frames[i]
                .comments
                .push(format!("{}: FAILED — nearest candidate: {why}", label(step)));
        }
        Candidate {
            frame: view.as_ref().map_or_else(String::new, matcher::frame_text),
            at: self.capture.frames[i].at - self.start,
            kind,
            met: m.met,
            total: m.total,
            rows: m.rows,
        }
    }

    /// With no frame to hang the failure on: the first frame after the window carries it, or
    /// the last frame captured (the capture's section comment names the failure too).
    fn comment_on_the_window_end(&mut self, step: &Step, side: Side, window: Window, reason: &str) {
        let end = self.reference() + window.within;
        let frames = &mut self.capture.frames;
        if let Some(r) = frames.iter_mut().find(|r| r.at >= end) {
            r.comments.push(format!(
                "{}: FAILED — {reason} (nothing on {} came close; this is the first frame after the window)",
                label(step),
                side.name()
            ));
        } else if let Some(r) = frames.last_mut() {
            r.comments.push(format!(
                "{}: FAILED — {reason} (nothing on {} came close; nothing was captured after this frame)",
                label(step),
                side.name()
            ));
        }
    }

    /// The step's window as the report says it: `within 1s from the send at step 2 (+0s)`, and
    /// where a capture being judged stopped when that was inside the window.
    fn window_text(&self, window: Window) -> String {
        let reference = self.reference();
        let at = format!("+{}", dsl::duration::format_measured(reference - self.start));
        let anchor = match self.timeline.ref_step {
            Some((n, what)) => format!("{what} step {n} ({at})"),
            None => "the case's start".to_string(),
        };
        let text = match window.after {
            Some(a) => format!(
                "after {} within {} from {anchor}",
                dsl::duration::format(a),
                dsl::duration::format(window.within)
            ),
            None => format!("within {} from {anchor}", dsl::duration::format(window.within)),
        };
        // A capture that stopped before the window closed cannot show what came later; one
        // that says when it stopped (isb_endtime) and watched the whole window can.
        let capture_end = self.mode.replay().and_then(|r| match r.recorded_until {
            Some(end) => Some(end),
            None if r.ended => self.capture.frames.last().map(|f| f.at),
            None => None,
        });
        match capture_end {
            Some(end) if end < reference + window.within => format!(
                "{text}; the capture ends {} into this window (+{}): it may have stopped too early",
                dsl::duration::format_measured(end.saturating_duration_since(reference)),
                dsl::duration::format_measured(end - self.start)
            ),
            _ => text,
        }
    }

    /// The failure of a strict case (`strict: true`) whose steps all held but after which
    /// `unexpected` frames came out.
    pub(super) fn strict_failure(&self, unexpected: usize) -> Failure {
        let case = self.case;
        Failure {
            step: case.steps.last().map_or(0, |s| s.number),
            name: None,
            location: case.location.clone(),
            text: "strict: true".into(),
            why: None,
            reason: format!("{unexpected} unexpected frame(s) came out of the gateway (strict case)"),
            pattern: None,
            window: None,
            considered: unexpected,
            total_on_side: self.capture.frames.len(),
            candidates: vec![],
        }
    }

    /// The pattern with bound values filled in.
    pub(super) fn filled(&self, p: &PacketSpec) -> String {
        self.env.fill_text(&display::packet_text(p, &self.case.flows, false))
    }

    /// Unconsumed, non-noise frames from the gateway that arrived before the last window closed.
    pub(super) fn unexpected(&self) -> Vec<String> {
        self.capture
            .frames
            .iter()
            .filter(|r| {
                r.dir == Direction::Received
                    && !r.consumed
                    && r.noise.is_none()
                    && r.at <= self.timeline.last_window_end
            })
            .filter_map(|r| {
                r.view.as_ref().map(|v| {
                    format!(
                        "{} +{} {}",
                        r.side.name(),
                        dsl::duration::format_measured(r.at - self.start),
                        matcher::frame_text(v)
                    )
                })
            })
            .collect()
    }
}

/// A checksum of a fully matching frame that is wrong and not switched off (rule 6).
pub(super) fn checksum_problem(pattern: &PacketSpec, view: &View) -> Option<String> {
    let (ip_off, l4_off, inner_off) = matcher::checks_off(pattern);
    if !ip_off && view.csum_ok.0 == Some(false) {
        return Some("a wrong IPv4 header checksum".into());
    }
    if !l4_off && view.csum_ok.1 == Some(false) {
        let what = match view.l4 {
            L4View::Tcp { .. } => "TCP",
            L4View::Udp { .. } => "UDP",
            _ => "ICMP",
        };
        return Some(format!("a wrong {what} checksum"));
    }
    if !inner_off && view.csum_ok.2 == Some(false) {
        return Some("a wrong IPv4 header checksum in the quoted packet".into());
    }
    None
}
