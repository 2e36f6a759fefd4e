//! A send with `fragment` judged against a recorded capture: the step finds its fragments among
//! the frames that went into the gateway on its side (one IP id, source, destination and
//! protocol). When they make the whole datagram, the datagram is matched as the send's pattern;
//! when the send leaves fragments out (`order 3,2`), the fragments are matched on what an IP
//! header carries, and their number must be the number the order sends.

use super::failure::{Evidence, Scored};
use super::window::Window;
use super::{Run, StepEnd};
use crate::engine::view::View;
use crate::result::{CandidateKind, Direction};
use dsl::plan::*;

/// The part of a send an IP fragment shows: the addresses and the IP header fields it writes.
fn ip_pattern(packet: &PacketSpec) -> PacketSpec {
    let strip = |e: &Option<Endpoint>| {
        e.as_ref().map(|e| Endpoint {
            addr: e.addr.clone(),
            port: None,
        })
    };
    PacketSpec {
        proto: Some(Proto::Ip),
        family: packet.family,
        src: strip(&packet.src),
        dst: strip(&packet.dst),
        fields: packet
            .fields
            .iter()
            .filter(|t| {
                !t.default
                    && matches!(
                        t.field,
                        Field::Ttl | Field::Tos | Field::Dscp | Field::Ecn | Field::IpId | Field::Df | Field::IpProto
                    )
            })
            .cloned()
            .collect(),
        ..PacketSpec::default()
    }
}

/// What identifies one datagram's fragments.
fn datagram_key(v: &View) -> Option<(std::net::IpAddr, std::net::IpAddr, u8, u16)> {
    let ip = v.ip.as_ref().filter(|ip| ip.is_v4_fragment())?;
    Some((ip.src, ip.dst, ip.proto, ip.id))
}

impl Run<'_> {
    /// Takes the fragments of the send `packet` (which has a `fragment` clause) from the frames
    /// that went into the gateway on `side`.
    pub(super) async fn replay_fragmented_send(
        &mut self,
        step: &Step,
        side: Side,
        packet: &PacketSpec,
        pattern: &PacketSpec,
    ) -> StepEnd {
        let Some(spec) = &packet.fragment else {
            return StepEnd::Error("not a fragmented send".into());
        };
        let header = ip_pattern(packet);
        let mut best: Vec<Scored> = Vec::new();
        let considered = |i, m| Scored {
            frame: i,
            result: m,
            kind: CandidateKind::Considered,
        };
        loop {
            best.clear();
            let start = self.mode.replay().map_or(0, |r| r.cursor[side.index()]);
            let frames = &self.capture.frames;
            let mut firsts = (start..frames.len()).filter(|&i| {
                let r = &frames[i];
                r.dir == Direction::Sent && r.side == side && !r.consumed
            });
            let matcher = self.matcher(side.other());
            let found = firsts.find_map(|i| {
                let view = frames[i].view.as_ref()?;
                let key = datagram_key(view)?;
                let m = matcher.score(&header, view);
                if !m.matched() {
                    best.push(considered(i, m));
                    return None;
                }
                Some((i, key))
            });
            if let Some((first, key)) = found {
                let parts: Vec<usize> = (first..frames.len())
                    .filter(|&i| {
                        let r = &frames[i];
                        r.dir == Direction::Sent
                            && r.side == side
                            && !r.consumed
                            && r.view.as_ref().and_then(datagram_key) == Some(key)
                    })
                    .collect();
                let whole = parts
                    .iter()
                    .find_map(|&i| frames[i].datagram.as_ref().map(|d| (i, d.view.clone())));
                match (whole, spec.order.is_empty()) {
                    (Some((i, view)), _) => {
                        let m = matcher.score(pattern, &view);
                        if !m.matched() {
                            best.push(considered(i, m));
                        } else {
                            return self.take_fragments(step, side, packet, &parts);
                        }
                    }
                    (None, false) if parts.len() == spec.order.len() => {
                        return self.take_fragments(step, side, packet, &parts);
                    }
                    _ => {}
                }
            }
            if !self.next_in_capture().await {
                break;
            }
        }
        let want = if spec.order.is_empty() {
            "the fragments of this send".to_string()
        } else {
            format!("the {} fragment(s) this send's order sends", spec.order.len())
        };
        let reason = format!(
            "the capture does not hold {want} going into the gateway on {}",
            side.name()
        );
        let ev = Evidence {
            considered: best.len(),
            reason,
            candidates: best,
            ..Evidence::new(side, pattern, Window::NONE)
        };
        StepEnd::Fail(Box::new(self.send_not_found(step, ev)))
    }

    /// Marks `parts` (in capture order) as the fragments of `step`'s send. The send happened when
    /// its first fragment went out: the gateway may forward the datagram before the capture
    /// stamps the last one.
    fn take_fragments(&mut self, step: &Step, side: Side, packet: &PacketSpec, parts: &[usize]) -> StepEnd {
        for &i in parts {
            self.capture.frames[i].consumed = true;
        }
        let first = parts[0];
        self.take_send(step, side, packet, first);
        let last = parts.iter().copied().max().unwrap_or(first);
        if let Some(r) = self.replay_mut() {
            r.cursor[side.index()] = r.cursor[side.index()].max(last + 1);
        }
        StepEnd::Ok
    }
}
