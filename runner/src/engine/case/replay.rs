//! A send step judged against a recorded capture (`gatecheck verify`, DSL.md §7): the step finds
//! its frame among the frames that went into the gateway on its side, matching what the step
//! writes as a pattern, and learns from it what the tester chose (the client port, the ISN).

use super::{Rec, Run, StepEnd, label, side_ix};
use crate::engine::env::{Env, RtVal};
use crate::engine::flow::sent_dir;
use crate::engine::matcher::{self, MatchResult, Matcher};
use crate::engine::noise;
use crate::engine::view::{L4View, View};
use crate::result::{CandidateKind, Direction};
use dsl::plan::*;
use std::time::Duration;

impl Run<'_> {
    /// Takes the next frame on `side` that went into the gateway and matches the send `packet`;
    /// fails (with the nearest candidates) when the capture holds none.
    pub(super) async fn replay_send(&mut self, step: &Step, side: Side, packet: &PacketSpec) -> StepEnd {
        let pattern = send_pattern(packet);
        if packet.fragment.is_some() {
            return self.replay_fragmented_send(step, side, packet, &pattern).await;
        }
        let mut best: Vec<(usize, MatchResult, CandidateKind)> = Vec::new();
        let mut considered = 0;
        let mut idx = self.replay.as_ref().map_or(0, |r| r.cursor[side_ix(side)]);
        loop {
            while idx < self.frames.len() {
                let i = idx;
                idx += 1;
                let r = &self.frames[i];
                if r.dir != Direction::Sent || r.side != side || r.consumed {
                    continue;
                }
                if r.noise.is_some_and(|class| !noise::selects(packet, class)) {
                    continue;
                }
                let Some(view) = r.view.as_ref() else { continue };
                considered += 1;
                let mut env = self.env.clone();
                self.learn(&mut env, packet, side, view);
                let m = self.score_send(&env, &pattern, packet, side, view);
                if !m.matched() {
                    best.push((i, m, CandidateKind::Considered));
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
        let reason = if considered == 0 {
            format!(
                "the capture has no frame going into the gateway on {} for this send",
                side.name()
            )
        } else {
            format!(
                "none of the {considered} frame(s) going into the gateway on {} matches this send",
                side.name()
            )
        };
        let mut f = self.failure(step, side, &pattern, Duration::ZERO, None, considered, reason, best);
        f.window = Some(format!(
            "the capture on {} after the previous send there (sends are matched as patterns; defaults are not checked)",
            side.name()
        ));
        f.total_on_side = self
            .frames
            .iter()
            .filter(|r| r.side == side && r.dir == Direction::Sent)
            .count();
        StepEnd::Fail(Box::new(f))
    }

    /// Marks frame `i` as the send of `step`, as a live send would have been recorded.
    pub(super) fn take_send(&mut self, step: &Step, side: Side, packet: &PacketSpec, i: usize) {
        let at = self.frames[i].at;
        self.clock_start.get_or_insert(at);
        if !self.in_send_run {
            self.run_start = Some(at);
            self.in_send_run = true;
        }
        self.last_send = Some(at);
        self.ref_step = Some((step.number, "the send at"));
        let Rec { comments, consumed, .. } = &mut self.frames[i];
        *consumed = true;
        comments.push(format!("{}: {}", label(step), step.text));
        if let Some(r) = &mut self.replay {
            r.cursor[side_ix(side)] = i + 1;
        }
        let text = self.frames[i]
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
        let (Some(id), Some(replay)) = (packet.flow, self.replay.as_ref()) else {
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
        let (Some(id), Some(replay)) = (packet.flow, self.replay.as_mut()) else {
            return;
        };
        if side == Side::Lan {
            replay.lport_known[id] = true;
        }
        let Some(view) = self.frames[i].view.as_ref() else {
            return;
        };
        if let L4View::Tcp { seq, flags, .. } = view.l4 {
            let dir = sent_dir(side);
            replay.isn_known[id][dir] = true;
            let f = &mut self.env.flows[id];
            let end = seq
                .wrapping_sub(f.isn[dir])
                .wrapping_add(view.payload.len() as u32)
                .wrapping_add(u32::from(flags & 0x02 != 0))
                .wrapping_add(u32::from(flags & 0x01 != 0));
            if end.wrapping_sub(f.next_seq[dir]) < 0x8000_0000 {
                f.next_seq[dir] = end;
            }
        }
    }

    /// Scores a frame the tester sent against the send as a pattern, with written relative
    /// sequence and acknowledgment numbers checked against the flow's ISNs.
    fn score_send(&self, env: &Env, pattern: &PacketSpec, packet: &PacketSpec, side: Side, view: &View) -> MatchResult {
        // A send travels the other way from what comes out on its side: the matcher's flow
        // direction is that of frames coming out on the opposite side.
        let mut m = Matcher {
            env,
            testbed: self.testbed,
            side: side.other(),
        }
        .score(pattern, view);
        let (Some(id), L4View::Tcp { seq, ack, .. }) = (packet.flow, &view.l4) else {
            return m;
        };
        let f = &env.flows[id];
        let dir = sent_dir(side);
        let other = 1 - dir;
        if let Some(rel) = written_rel(env, packet, Field::Seq, self.testbed) {
            m.total += 1;
            m.met += usize::from(seq.wrapping_sub(f.isn[dir]) == rel);
        }
        if let Some(rel) = written_rel(env, packet, Field::Ack, self.testbed) {
            let base = f.isn[other].wrapping_add(f.shift_of(side_ix(side), other));
            m.total += 1;
            m.met += usize::from(ack.wrapping_sub(base) == rel);
        }
        m
    }
}

/// The send as a pattern: what the case writes, without the defaults the compiler filled in
/// and without a flow's relative sequence numbers (checked by [`Run::score_send`]); its option
/// list is judged as `has <...>` without the padding (`nop`, `eol`), since a real stack orders
/// and pads its options its own way (DSL.md §7).
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

/// Whether the send is a SYN.
fn packet_is_syn(p: &PacketSpec) -> bool {
    p.flags.is_some_and(|f| f & 0x02 != 0) || p.flags_has & 0x02 != 0
}

/// A relative sequence or acknowledgment number the send writes itself (not a default).
fn written_rel(env: &Env, p: &PacketSpec, field: Field, testbed: &dsl::Testbed) -> Option<u32> {
    let t = p.fields.iter().rev().find(|t| t.field == field && !t.default)?;
    match env.eval_value(&t.value, FieldKind::Int(32), p.family, testbed) {
        Ok(Some(RtVal::Int(n))) => Some(n as u32),
        _ => None,
    }
}
