//! Expect steps (docs/language.md §2.1): a positive one returns as soon as a considered frame
//! matches its pattern in its window (rules 1–4, with the checksums of rule 6); a negative one
//! (`expect no`, `expect nothing`) holds when its window closes with no offending frame.

use super::failure::{Evidence, Scored, checksum_problem};
use super::window::{Bounds, LATE, Window};
use super::{Run, StepEnd, label};
use crate::codec::TcpFlags;
use crate::engine::flow::{advance, out_dir, seq_end};
use crate::engine::matcher::{self, Bind, MatchResult};
use crate::engine::view::{L4View, View};
use crate::result::CandidateKind;
use dsl::plan::{Family, PacketSpec, Side, Step};
use std::time::Duration;

/// What one recorded frame is to a positive expect step.
enum Judged {
    /// Not a frame the step considers (rules 2, 4, 5), or after its window.
    Outside,
    /// Considered, but no view of it is matched (a fragment of a datagram put together).
    Unseen,
    /// Considered and not taken: a candidate for the report.
    Candidate(Scored),
    /// Matches the pattern inside the window (with the view it matched).
    Match(MatchResult, View),
}

impl Run<'_> {
    /// A positive expect step: the first considered frame on `side` that matches `pattern` in
    /// `window` is taken; without one the step fails with the nearest candidates.
    pub(super) async fn expect(&mut self, step: &Step, side: Side, pattern: &PacketSpec, window: Window) -> StepEnd {
        let bounds = self.bounds(window);
        let mut ev = Evidence::new(side, pattern, window);
        let mut idx = self.capture.first_at(bounds.from);
        loop {
            while idx < self.capture.frames.len() {
                let i = idx;
                idx += 1;
                match self.judge(i, side, pattern, &bounds) {
                    Judged::Outside => {}
                    Judged::Unseen => ev.considered += 1,
                    Judged::Candidate(c) => {
                        ev.considered += 1;
                        ev.candidates.push(c);
                    }
                    Judged::Match(m, view) => {
                        ev.considered += 1;
                        return self.take(step, ev, i, m, &view, &bounds);
                    }
                }
            }
            match self.wait_more(bounds.deadline, bounds.budget, step).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(end) => return end,
            }
        }
        self.late_candidates(side, pattern, &bounds, &mut ev.candidates).await;
        self.timeline.window_closed(bounds.deadline);
        ev.reason = if ev.considered == 0 {
            format!("no frame came out on {} within the window", side.name())
        } else {
            format!(
                "none of the {} frame(s) that came out on {} matched",
                ev.considered,
                side.name()
            )
        };
        if self.capture.over_cap > 0 {
            ev.reason.push_str(&format!(
                " ({} later frames were not kept: the gateway sent more than a case keeps)",
                self.capture.over_cap
            ));
        }
        StepEnd::Fail(Box::new(self.failure(step, ev)))
    }

    /// What recorded frame `i` is to an expect step on `side` with `pattern` in `bounds`.
    fn judge(&self, i: usize, side: Side, pattern: &PacketSpec, bounds: &Bounds) -> Judged {
        if !self.considered(i, side, bounds.from, Some(pattern)) {
            return Judged::Outside;
        }
        let at = self.capture.frames[i].at;
        if at > bounds.deadline {
            return Judged::Outside;
        }
        let Some(view) = self.capture.view_for(i, Some(pattern)) else {
            return Judged::Unseen;
        };
        let m = self.matcher(side).score(pattern, view);
        let kind = if !m.matched() {
            CandidateKind::Considered
        } else if bounds.earliest.is_some_and(|e| at < e) {
            CandidateKind::TooEarly
        } else {
            return Judged::Match(m, view.clone());
        };
        Judged::Candidate(Scored {
            frame: i,
            result: m,
            kind,
        })
    }

    /// Takes frame `i`, which matched: the step holds unless a checksum is wrong (rule 6).
    fn take(
        &mut self,
        step: &Step,
        mut ev: Evidence,
        i: usize,
        m: MatchResult,
        view: &View,
        bounds: &Bounds,
    ) -> StepEnd {
        if let Some(bad) = checksum_problem(ev.pattern, view) {
            ev.reason = format!("the matching frame has {bad}");
            ev.candidates = vec![Scored {
                frame: i,
                result: m,
                kind: CandidateKind::Considered,
            }];
            return StepEnd::Fail(Box::new(self.failure(step, ev)));
        }
        self.accept(step, ev.side, ev.pattern, i, m, view);
        self.timeline.window_closed(bounds.deadline);
        StepEnd::Ok
    }

    /// Late frames (up to [`LATE`] after the window): read, and scored as candidates.
    async fn late_candidates(&mut self, side: Side, pattern: &PacketSpec, bounds: &Bounds, best: &mut Vec<Scored>) {
        let late_until = bounds.deadline + LATE;
        while self.next_until(late_until).await {}
        for i in 0..self.capture.frames.len() {
            let at = self.capture.frames[i].at;
            if self.considered(i, side, bounds.from, Some(pattern)) && at > bounds.deadline && at <= late_until {
                if let Some(view) = self.capture.view_for(i, Some(pattern)) {
                    best.push(Scored {
                        frame: i,
                        result: self.matcher(side).score(pattern, view),
                        kind: CandidateKind::Late,
                    });
                }
            }
        }
    }

    /// Frame `i` matched `pattern` on `side`: it is consumed, the step's bindings take effect,
    /// and the flow learns what the frame shows (its WAN address, the sequence space seen).
    fn accept(&mut self, step: &Step, side: Side, pattern: &PacketSpec, i: usize, m: MatchResult, view: &View) {
        self.capture.consume(i, pattern);
        let at = self.capture.frames[i].at - self.start;
        self.log.push(format!(
            "{}: {} matched at +{}: {}",
            label(step),
            side.name(),
            dsl::duration::format_measured(at),
            matcher::frame_text(view)
        ));
        for b in m.binds {
            match b {
                Bind::Var(k, v) => {
                    self.log.push(format!("{}: bound ${k} = {v}", label(step)));
                    self.env.vars.insert(k, v);
                }
                Bind::FlowPort(id, p) => {
                    self.log.push(format!(
                        "{}: flow {} is mapped to port {p} on the WAN side",
                        label(step),
                        self.env.flow_names[id]
                    ));
                    self.env.flows[id].wan_port = Some(p);
                }
                Bind::FlowAddr(id, a) => self.env.flows[id].wan_addr = Some(a),
            }
        }
        // The comment shows what matched, with this step's bindings filled in (`gw:40100`).
        let rendered = self.filled(pattern);
        self.capture.frames[i]
            .comments
            .push(format!("{}: matched {rendered}", label(step)));
        if let Some(id) = pattern.flow {
            self.learn_from_match(id, side, view);
        }
    }

    /// Flow bookkeeping after a match on `side`: the WAN address, and what this side has seen of
    /// the sequence space (a SYN shows the gateway's shift of it, docs/language.md §4).
    fn learn_from_match(&mut self, id: usize, side: Side, view: &View) {
        if let (Side::Wan, Some(ip)) = (side, &view.ip) {
            if self.case.flows[id].family == Family::V4 && self.env.flows[id].wan_addr.is_none() {
                self.env.flows[id].wan_addr = Some(ip.src);
            }
        }
        let L4View::Tcp { seq, flags, .. } = view.l4 else {
            return;
        };
        let dir = out_dir(side);
        let f = &mut self.env.flows[id];
        let s = side.index();
        if flags & TcpFlags::SYN != 0 {
            f.shift[s][dir] = Some(seq.wrapping_sub(f.isn[dir]));
        }
        let end = seq_end(f.rel(s, dir, seq), view.payload.len(), flags);
        advance(f.seen_high[s][dir].get_or_insert(end), end);
    }

    /// A negative expect step: `expect no PATTERN` (`pattern`) or `expect nothing` (none) holds
    /// when no considered frame on `side` offends it within `within`.
    pub(super) async fn expect_none(
        &mut self,
        step: &Step,
        side: Side,
        pattern: Option<&PacketSpec>,
        within: Duration,
    ) -> StepEnd {
        let window = Window { within, after: None };
        let bounds = self.bounds(window);
        // `expect nothing` reports as a pattern that writes nothing.
        let any_frame = PacketSpec::default();
        let mut ev = Evidence::new(side, pattern.unwrap_or(&any_frame), window);
        let mut idx = self.capture.first_at(bounds.from);
        loop {
            while idx < self.capture.frames.len() {
                let i = idx;
                idx += 1;
                if !self.considered(i, side, bounds.from, pattern) || self.capture.frames[i].at > bounds.deadline {
                    continue;
                }
                ev.considered += 1;
                let Some(view) = self.capture.view_for(i, pattern) else {
                    continue;
                };
                // `expect nothing`: any frame offends, and it is the whole story.
                let offence = match pattern {
                    None => Some(MatchResult::default()),
                    Some(p) => Some(self.matcher(side).compare(p, view)).filter(MatchResult::matched),
                };
                if let Some(m) = offence {
                    return self.offended(step, ev, i, m);
                }
            }
            match self.wait_more(bounds.deadline, bounds.budget, step).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(end) => return end,
            }
        }
        self.timeline.window_closed(bounds.deadline);
        self.log.push(format!(
            "{}: nothing matching came out on {} within {}",
            label(step),
            side.name(),
            dsl::duration::format(within)
        ));
        StepEnd::Ok
    }

    /// The failure of a negative step that frame `i` offended.
    fn offended(&mut self, step: &Step, mut ev: Evidence, i: usize, m: MatchResult) -> StepEnd {
        self.capture.frames[i]
            .comments
            .push(format!("{}: FAILED — this frame must not come out", label(step)));
        ev.reason = format!("a frame that must not come out came out on {}", ev.side.name());
        ev.candidates = vec![Scored {
            frame: i,
            result: m,
            kind: CandidateKind::Offender,
        }];
        StepEnd::Fail(Box::new(self.failure(step, ev)))
    }
}
