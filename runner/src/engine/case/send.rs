//! Send steps in a live run: the frame (or the fragments its `fragment` clause sends) built from
//! the step and the bindings so far, sent to the gateway's MAC, which the runner asks for by ARP
//! before its first send on a side (docs/language.md §3.9).

use super::recording::Rec;
use super::{Mode, Run, StepEnd, label};
use crate::codec::FrameRepr;
use crate::engine::build::{self, BuildCx};
use crate::engine::hosts;
use crate::engine::matcher;
use crate::engine::view::View;
use crate::result::Direction;
use dsl::plan::{PacketSpec, Side, Step};
use std::time::Duration;
use tokio::time::Instant;

/// How long the runner waits for the gateway to answer its ARP request.
const ARP_WAIT: Duration = Duration::from_secs(1);

impl Run<'_> {
    /// Sends the frame (or fragments) of send step `step` on `side`.
    pub(super) async fn send(&mut self, step: &Step, side: Side, packet: &PacketSpec) -> StepEnd {
        let gw_mac = match self.gateway_mac(side).await {
            Ok(m) => m,
            Err(e) => return StepEnd::Error(e),
        };
        self.timeline
            .sent(Instant::now(), self.capture.frames.len(), step.number);
        let frames = match self.build(step, side, packet, gw_mac) {
            Ok(f) => f,
            Err(e) => return StepEnd::Error(e),
        };
        for (frame, what) in frames {
            let text = matcher::frame_text(&View::of_frame(&FrameRepr::parse(&frame)));
            self.log
                .push(format!("{}: {} sent {what}{text}", label(step), side.name()));
            let comment = format!("{}: {what}{}", label(step), self.env.fill_text(&step.text));
            if let Err(e) = self.send_frame(side, frame, comment) {
                return StepEnd::Error(e);
            }
        }
        StepEnd::Ok
    }

    /// What a send step sends: its frame, or the fragments its `fragment` clause sends, each with
    /// what the log and the capture call it (`fragment 2 of 3: `).
    fn build(
        &mut self,
        step: &Step,
        side: Side,
        packet: &PacketSpec,
        gw_mac: [u8; 6],
    ) -> Result<Vec<(Vec<u8>, String)>, String> {
        let Mode::Live { ip_ids, .. } = &mut self.mode else {
            return Err("a recorded capture cannot send".into());
        };
        let mut cx = BuildCx {
            env: &mut self.env,
            testbed: self.testbed,
            side,
            gw_mac,
            rng: &mut self.rng,
            ip_ids,
        };
        let frame = cx.frame(packet).map_err(|e| format!("{e} ({})", step.location))?;
        let bytes = frame
            .to_bytes()
            .map_err(|e| format!("the frame cannot be built: {e} ({})", step.location))?;
        let Some(spec) = &packet.fragment else {
            return Ok(vec![(bytes, String::new())]);
        };
        let parts = build::fragments(&bytes, spec).map_err(|e| format!("{e} ({})", step.location))?;
        Ok(parts
            .sent
            .into_iter()
            .map(|(i, frame)| (frame, format!("fragment {i} of {}: ", parts.total)))
            .collect())
    }

    fn send_frame(&mut self, side: Side, bytes: Vec<u8>, comment: String) -> Result<(), String> {
        self.ports.send(side, &bytes).map_err(|e| e.to_string())?;
        self.capture
            .push(Rec::new(side, Instant::now(), Direction::Sent, bytes, None, None).with_comment(comment));
        self.pump();
        Ok(())
    }

    /// The gateway's MAC on `side`: asked for by ARP the first time (the testbed's when the
    /// gateway has no IPv4 address there).
    async fn gateway_mac(&mut self, side: Side) -> Result<[u8; 6], String> {
        if let Some(m) = self.known_gateway_mac(side) {
            return Ok(m);
        }
        let Some((req, gw)) = hosts::gateway_arp_request(side, self.testbed) else {
            return self.testbed.side(side).gateway.mac.ok_or_else(|| {
                format!(
                    "the gateway's MAC on {} is unknown and it has no IPv4 address to ask for",
                    side.name()
                )
            });
        };
        self.ports.send(side, &req).map_err(|e| e.to_string())?;
        self.capture.push(
            Rec::new(side, Instant::now(), Direction::Sent, req, None, None)
                .with_comment(format!("resolving the gateway's MAC ({gw})")),
        );
        let deadline = Instant::now() + ARP_WAIT;
        loop {
            self.pump();
            if let Some(m) = self.known_gateway_mac(side) {
                return Ok(m);
            }
            if !self.next_until(deadline).await && self.known_gateway_mac(side).is_none() {
                return Err(format!(
                    "the gateway did not answer ARP for {gw} on {} within {}",
                    side.name(),
                    dsl::duration::format(ARP_WAIT)
                ));
            }
        }
    }

    /// The gateway's MAC on `side`, once its ARP reply came.
    fn known_gateway_mac(&self, side: Side) -> Option<[u8; 6]> {
        match &self.mode {
            Mode::Live { gw_mac, .. } => gw_mac[side.index()],
            Mode::Replay(_) => None,
        }
    }
}
