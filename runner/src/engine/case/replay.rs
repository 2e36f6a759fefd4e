//! A send step judged against a recorded capture (`gatecheck verify`, docs/language.md §8): the
//! step finds its frame among the frames that went into the gateway on its side, matching what
//! the step writes as a pattern, and learns from it what the tester chose (the client port, the
//! ISN).

use super::failure::{Evidence, Scored};
use super::recording::Rec;
use super::window::Window;
use super::{Mode, Run, StepEnd, label};
use crate::codec::TcpFlags;
use crate::engine::env::{Env, RtVal};
use crate::engine::flow::{advance, sent_dir, seq_end};
use crate::engine::matcher::{self, MatchResult, Matcher};
use crate::engine::noise;
use crate::engine::view::{L4View, View};
use crate::result::{CandidateKind, Direction, Failure};
use dsl::plan::*;
use std::time::Duration;
use tokio::time::Instant;

/// What judging a recorded capture adds to a run: send steps find their frame in the capture
/// instead of sending, and what the tester did not choose is learned from what it sent.
pub(super) struct Replay {
    /// How far apart the two interfaces' clocks may be: every window widens by it on both ends.
    pub(super) skew: Duration,
    /// The capture has no more frames.
    pub(super) ended: bool,
    /// When the recording stopped, when the capture says so (later than its last frame when
    /// nothing came at the end).
    pub(super) recorded_until: Option<Instant>,
    /// When the case's clock started, for its `timeout`: the frame the first send step took
    /// (`None` until then).
    pub(super) clock_start: Option<Instant>,
    /// Per flow: its client port is known (written in the case, or learned from a send).
    lport_known: Vec<bool>,
    /// Per flow and direction: its ISN is known (learned from the first send in that direction).
    isn_known: Vec<[bool; 2]>,
    /// Per side: the first recorded frame a send on that side may still take.
    pub(super) cursor: [usize; 2],
}

impl Replay {
    /// Nothing judged yet of a capture of `case` recorded until `recorded_until`, with clocks
    /// `skew` apart.
    pub(super) fn new(case: &Case, skew: Duration, recorded_until: Option<Instant>) -> Replay {
        Replay {
            skew,
            recorded_until,
            ended: false,
            clock_start: None,
            lport_known: case.flows.iter().map(|f| f.client_port.is_some()).collect(),
            isn_known: vec![[false; 2]; case.flows.len()],
            cursor: [0; 2],
        }
    }
}

impl Run<'_> {
    /// The capture being judged, for the steps that exist only when judging one.
    pub(super) fn replay_mut(&mut self) -> Option<&mut Replay> {
        match &mut self.mode {
            Mode::Replay(r) => Some(r),
            Mode::Live { .. } => None,
        }
    }

    /// The failure of a send step whose frame the capture does not hold.
    pub(super) fn send_not_found(&mut self, step: &Step, ev: Evidence) -> Failure {
        let side = ev.side;
        let mut f = self.failure(step, ev);
        f.window = Some(format!(
            "the capture on {} after the previous send there (sends are matched as patterns; defaults are not checked)",
            side.name()
        ));
        f
    }

    /// Takes the next frame on `side` that went into the gateway and matches the send `packet`;
    /// fails (with the nearest candidates) when the capture holds none.
    pub(super) async fn replay_send(&mut self, step: &Step, side: Side, packet: &PacketSpec) -> StepEnd {
        let pattern = send_pattern(packet);
        if packet.fragment.is_some() {
            return self.replay_fragmented_send(step, side, packet, &pattern).await;
        }
        let mut ev = Evidence::new(side, &pattern, Window::NONE);
        let mut idx = self.mode.replay().map_or(0, |r| r.cursor[side.index()]);
        loop {
            while idx < self.capture.frames.len() {
                let i = idx;
                idx += 1;
                let r = &self.capture.frames[i];
                if r.dir != Direction::Sent || r.side != side || r.consumed {
                    continue;
                }
                if r.noise.is_some_and(|class| !noise::selects(packet, class)) {
                    continue;
                }
                let Some(view) = r.view.as_ref() else { continue };
                ev.considered += 1;
                let mut env = self.env.clone();
                self.learn(&mut env, packet, side, view);
                let m = self.score_send(&env, &pattern, packet, side, view);
                if !m.matched() {
                    ev.candidates.push(Scored {
                        frame: i,
                        result: m,
                        kind: CandidateKind::Considered,
                    });
                    continue;
                }
                self.env = env;
                self.take_send(step, side, packet, i);
                return StepEnd::Ok;
            }
            if !self.next_in_capture().await {
                break;
            }
        }
        ev.reason = if ev.considered == 0 {
            format!(
                "the capture has no frame going into the gateway on {} for this send",
                side.name()
            )
        } else {
            format!(
                "none of the {} frame(s) going into the gateway on {} matches this send",
                ev.considered,
                side.name()
            )
        };
        let mut f = self.send_not_found(step, ev);
        f.total_on_side = self
            .capture
            .frames
            .iter()
            .filter(|r| r.side == side && r.dir == Direction::Sent)
            .count();
        StepEnd::Fail(Box::new(f))
    }

    /// Marks frame `i` as the send of `step`, as a live send would have been recorded.
    pub(super) fn take_send(&mut self, step: &Step, side: Side, packet: &PacketSpec, i: usize) {
        let at = self.capture.frames[i].at;
        // Recorded frames carry no order of sends: the run of sends starts at the first frame.
        self.timeline.sent(at, 0, step.number);
        let Rec { comments, consumed, .. } = &mut self.capture.frames[i];
        *consumed = true;
        comments.push(format!("{}: {}", label(step), step.text));
        if let Some(r) = self.replay_mut() {
            r.clock_start.get_or_insert(at);
            r.cursor[side.index()] = i + 1;
        }
        let text = self.capture.frames[i]
            .view
            .as_ref()
            .map(matcher::frame_text)
            .unwrap_or_default();
        self.log.push(format!(
            "{}: {} sent {text} (in the capture at +{})",
            label(step),
            side.name(),
            dsl::duration::format_measured(at - self.start)
        ));
        self.learn_commit(packet, side, i);
    }

    /// Learns into `env` what the tester chose for the send's flow, from the frame `view`: the
    /// client port (first LAN send of the flow) and the ISN of this direction (its first send).
    fn learn(&self, env: &mut Env, packet: &PacketSpec, side: Side, view: &View) {
        let (Some(id), Some(replay)) = (packet.flow, self.mode.replay()) else {
            return;
        };
        let decl = &self.case.flows[id];
        let f = &mut env.flows[id];
        if side == Side::Lan && !replay.lport_known[id] {
            let port = match view.l4 {
                L4View::Tcp { sport, .. } | L4View::Udp { sport, .. } => Some(sport),
                L4View::Icmp { id: Some(echo), .. } if decl.icmp_id.is_none() => Some(echo),
                _ => None,
            };
            if let Some(p) = port {
                f.lport = p;
                if decl.family == Family::V6 {
                    f.wan_port = Some(p);
                }
            }
        }
        if let L4View::Tcp { seq, .. } = view.l4 {
            let dir = sent_dir(side);
            if !replay.isn_known[id][dir] {
                let rel = written_rel(env, packet, Field::Seq, self.testbed).unwrap_or(if packet_is_syn(packet) {
                    0
                } else {
                    env.flows[id].next_seq[dir]
                });
                let f = &mut env.flows[id];
                f.isn[dir] = seq.wrapping_sub(rel);
            }
        }
    }

    /// After a send was taken: what is now known, and the flow's sequence bookkeeping.
    fn learn_commit(&mut self, packet: &PacketSpec, side: Side, i: usize) {
        let Mode::Replay(replay) = &mut self.mode else {
            return;
        };
        let Some(id) = packet.flow else {
            return;
        };
        if side == Side::Lan {
            replay.lport_known[id] = true;
        }
        let Some(view) = self.capture.frames[i].view.as_ref() else {
            return;
        };
        if let L4View::Tcp { seq, flags, .. } = view.l4 {
            let dir = sent_dir(side);
            replay.isn_known[id][dir] = true;
            let f = &mut self.env.flows[id];
            let end = seq_end(f.rel(side.index(), dir, seq), view.payload.len(), flags);
            advance(&mut f.next_seq[dir], end);
        }
    }

    /// Scores a frame the tester sent against the send as a pattern, with written relative
    /// sequence and acknowledgment numbers checked against the flow's ISNs.
    fn score_send(&self, env: &Env, pattern: &PacketSpec, packet: &PacketSpec, side: Side, view: &View) -> MatchResult {
        // A send travels the other way from what comes out on its side: the matcher's flow
        // direction is that of frames coming out on the opposite side.
        let mut m = Matcher::new(env, self.testbed, side.other()).score(pattern, view);
        let (Some(id), L4View::Tcp { seq, ack, .. }) = (packet.flow, &view.l4) else {
            return m;
        };
        let f = &env.flows[id];
        let dir = sent_dir(side);
        let other = 1 - dir;
        if let Some(rel) = written_rel(env, packet, Field::Seq, self.testbed) {
            m.total += 1;
            m.met += usize::from(f.rel(side.index(), dir, *seq) == rel);
        }
        if let Some(rel) = written_rel(env, packet, Field::Ack, self.testbed) {
            m.total += 1;
            m.met += usize::from(f.rel(side.index(), other, *ack) == rel);
        }
        m
    }
}

/// The send as a pattern: what the case writes, without the defaults the compiler filled in
/// and without a flow's relative sequence numbers (checked by [`Run::score_send`]); its option
/// list is judged as `has <...>` without the padding (`nop`, `eol`), since a real stack orders
/// and pads its options its own way (docs/language.md §8).
fn send_pattern(packet: &PacketSpec) -> PacketSpec {
    let mut p = packet.clone();
    p.fragment = None;
    let flow_tcp = p.flow.is_some() && p.proto == Some(Proto::Tcp);
    p.fields
        .retain(|t| !(t.default || flow_tcp && matches!(t.field, Field::Seq | Field::Ack)));
    if let Some(list) = p.options.take() {
        p.has_options.extend(
            list.into_iter()
                .filter(|o| !matches!(o, TcpOptionSpec::Nop | TcpOptionSpec::Eol)),
        );
    }
    p
}

/// Whether the send is a SYN (which starts its direction's sequence space at relative 0).
fn packet_is_syn(p: &PacketSpec) -> bool {
    p.flags.is_some_and(|f| f & TcpFlags::SYN != 0) || p.flags_has & TcpFlags::SYN != 0
}

/// A relative sequence or acknowledgment number the send writes itself (not a default).
fn written_rel(env: &Env, p: &PacketSpec, field: Field, testbed: &dsl::Testbed) -> Option<u32> {
    let t = p.fields.iter().rev().find(|t| t.field == field && !t.default)?;
    match env.eval_value(&t.value, FieldKind::Int(32), p.family, testbed) {
        Ok(Some(RtVal::Int(n))) => Some(n as u32),
        _ => None,
    }
}
