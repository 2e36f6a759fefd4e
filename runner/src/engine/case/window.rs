//! Where an expect step looks (docs/language.md §2.1 rules 1–3): windows count from the last
//! send or wait, frames count from the start of the run of sends, and the case's `timeout`
//! bounds the time spent outside waits.

use super::{Mode, Run, StepEnd};
use crate::result::Direction;
use dsl::plan::{PacketSpec, Side, Step};
use std::time::Duration;
use tokio::time::Instant;

/// How long after a window a frame still counts as a "late" candidate.
pub(super) const LATE: Duration = Duration::from_millis(100);

/// The case's time budget before its clock has started (judging a capture, before the first
/// send step found its frame): longer than any capture, shorter than tokio's timer horizon.
const NO_BUDGET_YET: Duration = Duration::from_secs(366 * 24 * 3600);

/// An expect step's window as written: `within`, and `after` for a frame that must not come
/// too soon.
#[derive(Clone, Copy)]
pub(super) struct Window {
    pub(super) within: Duration,
    pub(super) after: Option<Duration>,
}

impl Window {
    /// No window: a send judged in a capture is searched for in the rest of it.
    pub(super) const NONE: Window = Window {
        within: Duration::ZERO,
        after: None,
    };
}

/// An expect step's window on the case's clock.
pub(super) struct Bounds {
    /// When it closes (widened by the capture's clock skew).
    pub(super) deadline: Instant,
    /// With `after`: no matching frame may come before this.
    pub(super) earliest: Option<Instant>,
    /// The first frame time the step considers: the start of the run of sends.
    pub(super) from: Instant,
    /// When the case's `timeout` runs out.
    pub(super) budget: Instant,
}

/// The reference points of windows as the steps go by.
pub(super) struct Timeline {
    /// The start of the run of sends the current expect steps follow (rule 2).
    run_start: Option<Instant>,
    /// The index of the first frame recorded after the start of the run of sends (rule 2): a
    /// frame recorded before it came before the send, whatever its timestamp says (on `sim` an
    /// answer to the runner's own ARP request carries the same instant as the send after it).
    pub(super) run_start_ix: usize,
    /// The steps since the last expect or wait are all sends.
    in_send_run: bool,
    last_send: Option<Instant>,
    last_wait_end: Option<Instant>,
    /// Time spent in `wait` steps, which the case's `timeout` does not count.
    waited: Duration,
    /// The latest end of a window so far: frames after it are not unexpected.
    pub(super) last_window_end: Instant,
    /// The step that set the reference time (a send or a wait), for reports.
    pub(super) ref_step: Option<(usize, &'static str)>,
}

impl Timeline {
    /// The timeline of a case that starts at `start`.
    pub(super) fn new(start: Instant) -> Timeline {
        Timeline {
            run_start: None,
            run_start_ix: 0,
            in_send_run: false,
            last_send: None,
            last_wait_end: None,
            waited: Duration::ZERO,
            last_window_end: start,
            ref_step: None,
        }
    }

    /// Step `step` sent at `at`; `frames_before` frames were recorded until then.
    pub(super) fn sent(&mut self, at: Instant, frames_before: usize, step: usize) {
        if !self.in_send_run {
            self.run_start = Some(at);
            self.run_start_ix = frames_before;
            self.in_send_run = true;
        }
        self.last_send = Some(at);
        self.ref_step = Some((step, "the send at"));
    }

    /// Step `step` waited from `t0` to `end`.
    pub(super) fn waited(&mut self, t0: Instant, end: Instant, step: usize) {
        self.waited += end - t0;
        self.last_wait_end = Some(end);
        self.ref_step = Some((step, "the end of the wait at"));
        self.in_send_run = false;
    }

    /// An expect step ends the run of sends: the next send starts a new one.
    pub(super) fn expecting(&mut self) {
        self.in_send_run = false;
    }

    /// A window closed at `deadline`.
    pub(super) fn window_closed(&mut self, deadline: Instant) {
        self.last_window_end = self.last_window_end.max(deadline);
    }

    /// When windows open: the later of the last send and the end of the last wait.
    pub(super) fn reference(&self, start: Instant) -> Instant {
        match (self.last_send, self.last_wait_end) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => start,
        }
    }
}

impl Run<'_> {
    /// The window `window` of the step about to run, on the case's clock.
    pub(super) fn bounds(&self, window: Window) -> Bounds {
        let reference = self.reference();
        let skew = self.skew();
        Bounds {
            deadline: reference + window.within + skew,
            earliest: window
                .after
                .map(|a| (reference + a).checked_sub(skew).unwrap_or(reference)),
            from: self.consider_from(),
            budget: self.budget_end(),
        }
    }

    /// When the current windows open.
    pub(super) fn reference(&self) -> Instant {
        self.timeline.reference(self.start)
    }

    /// The latest time the case may reach before its `timeout` (time outside waits), counted
    /// from the case clock's start. Judging a capture, the clock starts at the frame the first
    /// send step took (a vendor's capture may begin minutes before the case does): until then
    /// there is no bound but the capture's end.
    pub(super) fn budget_end(&self) -> Instant {
        let clock_start = match &self.mode {
            Mode::Live { .. } => Some(self.start),
            Mode::Replay(r) => r.clock_start,
        };
        match clock_start {
            Some(t) => t + self.timeline.waited + self.case.timeout,
            None => self.start + NO_BUDGET_YET,
        }
    }

    /// The first frame time expect steps consider: the start of the run of sends, widened by
    /// the capture's clock skew.
    fn consider_from(&self) -> Instant {
        let from = self.timeline.run_start.unwrap_or(self.start);
        from.checked_sub(self.skew()).unwrap_or(from).max(self.start)
    }

    /// The clock skew allowed between the capture's interfaces (zero in a live run).
    pub(super) fn skew(&self) -> Duration {
        self.mode.replay().map_or(Duration::ZERO, |r| r.skew)
    }

    /// Whether recorded frame `i` is one an expect step on `side` with `pattern` looks at: out of
    /// the gateway on that side, not consumed, since the start of the run of sends, and not
    /// noise unless the pattern names its class (rules 2, 4 and 5).
    pub(super) fn considered(&self, i: usize, side: Side, from: Instant, pattern: Option<&PacketSpec>) -> bool {
        let r = &self.capture.frames[i];
        r.dir == Direction::Received
            && r.side == side
            && !r.consumed
            && r.at >= from
            && i >= self.timeline.run_start_ix
            && r.noise
                .is_none_or(|class| pattern.is_some_and(|p| crate::engine::noise::selects(p, class)))
    }

    /// Waits for the next frame within the window: `Ok(true)` one arrived, `Ok(false)` the window
    /// closed, `Err` the case's timeout ran out first.
    pub(super) async fn wait_more(&mut self, deadline: Instant, budget: Instant, step: &Step) -> Result<bool, StepEnd> {
        let wait_until = deadline.min(budget);
        if Instant::now() < wait_until && self.next_until(wait_until).await {
            return Ok(true);
        }
        if Instant::now() >= budget && budget < deadline {
            return Err(self.timeout_error(step));
        }
        Ok(false)
    }

    /// The verdict *error* of a case whose `timeout` ran out during `step`.
    pub(super) fn timeout_error(&self, step: &Step) -> StepEnd {
        StepEnd::Error(format!(
            "case timeout ({}) during step {}",
            dsl::duration::format(self.case.timeout),
            step.number
        ))
    }
}
