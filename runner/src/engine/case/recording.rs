//! The frames a run records: everything that came out of the gateway (and, judging a capture,
//! what went into it), each parsed once into a [`View`], its noise class, whether a step consumed
//! it, its capture comments, and IPv4 datagrams put back together from their fragments
//! (docs/language.md §2.1: patterns match datagrams). Reading frames from the ports happens
//! here too: the pump of frames already waiting, and the waits for the next one.

use super::{Mode, Run, tests_fragments};
use crate::backend::Received;
use crate::codec::FrameRepr;
use crate::codec::reassembly::Reassembler;
use crate::engine::hosts;
use crate::engine::matcher;
use crate::engine::noise::{self, NoiseClass};
use crate::engine::view::{L4View, View};
use crate::result::{Direction, RecordedFrame};
use dsl::plan::{PacketSpec, Side};
use tokio::time::Instant;

/// The most frames one [`Run::pump`] takes.
const PUMP_MAX: usize = 4096;

/// The most frames one case keeps (for matching and its capture). A gateway that floods cannot
/// make a case hold more: frames beyond the cap are counted, not kept or matched, and the result
/// says how many.
pub const MAX_RECORDED_FRAMES: usize = 250_000;
/// The most frame bytes one case keeps (see [`MAX_RECORDED_FRAMES`]); with the parsed view of
/// each frame this bounds a case's capture memory to about three times as much.
pub const MAX_RECORDED_BYTES: usize = 64 << 20;

/// One recorded frame.
pub(super) struct Rec {
    pub(super) side: Side,
    pub(super) at: Instant,
    pub(super) dir: Direction,
    pub(super) bytes: Vec<u8>,
    /// What it carries; none for the frames the runner sent itself.
    pub(super) view: Option<View>,
    /// Its noise class, for a frame that is noise (docs/language.md §2.1 rule 5).
    pub(super) noise: Option<NoiseClass>,
    /// A step took it (rule 4): no later step sees it, and it is not unexpected.
    pub(super) consumed: bool,
    /// What the capture says about it (`step 3: matched ...`).
    pub(super) comments: Vec<String>,
    /// On the fragment that completed an IPv4 datagram: the whole datagram.
    pub(super) datagram: Option<Box<Reassembled>>,
    /// A fragment of a datagram that has been put back together.
    in_datagram: bool,
}

impl Rec {
    /// A frame as recorded, before any step has looked at it.
    pub(super) fn new(
        side: Side,
        at: Instant,
        dir: Direction,
        bytes: Vec<u8>,
        view: Option<View>,
        noise: Option<NoiseClass>,
    ) -> Rec {
        Rec {
            side,
            at,
            dir,
            bytes,
            view,
            noise,
            consumed: false,
            comments: vec![],
            datagram: None,
            in_datagram: false,
        }
    }

    /// The same, with a first comment.
    pub(super) fn with_comment(mut self, comment: String) -> Rec {
        self.comments.push(comment);
        self
    }
}

/// An IPv4 datagram that came out in fragments, put back together.
pub(super) struct Reassembled {
    /// The whole datagram's view.
    pub(super) view: View,
    /// The indices of the recorded fragments it was made of.
    parts: Vec<usize>,
}

/// The frames of one run, in the order they were recorded (which is time order).
#[derive(Default)]
pub(super) struct Recording {
    pub(super) frames: Vec<Rec>,
    /// Bytes of the frames kept so far.
    kept_bytes: usize,
    /// Frames from the gateway not kept because the case reached its capture cap.
    pub(super) over_cap: u64,
    /// IPv4 reassembly of the frames that came out, per side and direction (a capture being
    /// judged also holds the frames that went in).
    reassembly: [Reassembler; 4],
    /// Comments of `note:` steps waiting for the next recorded frame.
    pending_notes: Vec<String>,
}

impl Recording {
    /// Whether a frame of `len` bytes still fits under the case's caps; counts it when not.
    fn room_for(&mut self, len: usize) -> bool {
        if self.frames.len() >= MAX_RECORDED_FRAMES || self.kept_bytes + len > MAX_RECORDED_BYTES {
            self.over_cap += 1;
            return false;
        }
        self.kept_bytes += len;
        true
    }

    /// Keeps a recorded frame; the notes of `note:` steps that ran since the last one go on it
    /// first, so the capture shows them where they happened.
    pub(super) fn push(&mut self, mut rec: Rec) {
        if !self.pending_notes.is_empty() {
            rec.comments.splice(0..0, self.pending_notes.drain(..));
        }
        self.frames.push(rec);
    }

    /// Keeps the comment of a `note:` step for the next frame recorded.
    pub(super) fn note(&mut self, comment: String) {
        self.pending_notes.push(comment);
    }

    /// Puts the notes no frame came after on the last frame, saying so.
    pub(super) fn notes_after_the_last_frame(&mut self) {
        if let Some(last) = self.frames.last_mut() {
            last.comments.extend(
                self.pending_notes
                    .drain(..)
                    .map(|n| format!("{n} (after this frame, the case's last)")),
            );
        }
    }

    /// What the result says when the gateway sent more than the case keeps.
    pub(super) fn over_cap_warning(&self) -> Option<String> {
        (self.over_cap > 0).then(|| {
            format!(
                "the gateway sent more than this case can keep ({MAX_RECORDED_FRAMES} frames or {} MiB): {} later frames \
                 were counted but not kept, matched or captured",
                MAX_RECORDED_BYTES >> 20,
                self.over_cap
            )
        })
    }

    /// Feeds recorded frame `i`, if it is an IPv4 fragment, to its side's reassembler; when it
    /// completes a datagram, the datagram's view goes on this frame, the fragments it was made
    /// of are marked as parts of it, and the line for the log is returned.
    fn reassemble(&mut self, i: usize, start: Instant) -> Option<String> {
        let r = &self.frames[i];
        if !r
            .view
            .as_ref()
            .and_then(|v| v.ip.as_ref())
            .is_some_and(|ip| ip.is_v4_fragment())
        {
            return None;
        }
        let k = r.side.index() * 2 + usize::from(r.dir == Direction::Sent);
        let d = self.reassembly[k].push(&r.bytes, i)?;
        let mut frame = FrameRepr::parse(&d.frame);
        let view = View::of_frame_taking_payload(&mut frame);
        for &part in &d.tags {
            self.frames[part].in_datagram = true;
        }
        let line = format!(
            "{} +{}: {} fragments put back together: {}",
            self.frames[i].side.name(),
            dsl::duration::format_measured(self.frames[i].at - start),
            d.tags.len(),
            matcher::frame_text(&view)
        );
        self.frames[i].datagram = Some(Box::new(Reassembled { view, parts: d.tags }));
        Some(line)
    }

    /// The view `pattern` is matched against for frame `i` (docs/language.md §2.1: patterns match
    /// datagrams). A pattern that tests `mf` or `frag` sees each fragment as it came; any other
    /// pattern sees a datagram that came in fragments once, whole, on the fragment that completed
    /// it, and not its fragments. Fragments of a datagram that never completes are seen as they
    /// came.
    pub(super) fn view_for(&self, i: usize, pattern: Option<&PacketSpec>) -> Option<&View> {
        let r = &self.frames[i];
        match pattern {
            Some(p) if !tests_fragments(p) => match &r.datagram {
                Some(d) => Some(&d.view),
                None if r.in_datagram => None,
                None => r.view.as_ref(),
            },
            _ => r.view.as_ref(),
        }
    }

    /// Marks frame `i` consumed by `pattern`, with the fragments of the datagram it completed
    /// when the pattern matched that datagram.
    pub(super) fn consume(&mut self, i: usize, pattern: &PacketSpec) {
        self.frames[i].consumed = true;
        if tests_fragments(pattern) {
            return;
        }
        let parts = self.frames[i]
            .datagram
            .as_ref()
            .map(|d| d.parts.clone())
            .unwrap_or_default();
        for part in parts {
            self.frames[part].consumed = true;
        }
    }

    /// The index of the first recorded frame at or after `t` (frames are recorded in time order).
    pub(super) fn first_at(&self, t: Instant) -> usize {
        let mut i = self.frames.partition_point(|r| r.at < t);
        while i > 0 && self.frames[i - 1].at >= t {
            i -= 1;
        }
        i
    }

    /// The frames as the result keeps them, timed from the case's `start`.
    pub(super) fn into_frames(self, start: Instant) -> Vec<RecordedFrame> {
        self.frames
            .into_iter()
            .map(|r| RecordedFrame {
                at: r.at - start,
                side: r.side,
                direction: r.dir,
                bytes: r.bytes,
                comments: r.comments,
            })
            .collect()
    }
}

impl Run<'_> {
    /// Records a frame from the gateway and answers it if it asks for an emulated host. Judging
    /// a capture, nobody answers, and a recorded frame went either way through the gateway.
    fn record(&mut self, r: Received) {
        if !self.capture.room_for(r.bytes.len()) {
            return;
        }
        let mut frame = FrameRepr::parse(&r.bytes);
        let view = View::of_frame_taking_payload(&mut frame);
        let is_noise = noise::class_of(&view, &self.testbed.noise);
        let reply = match &mut self.mode {
            Mode::Replay(_) => None,
            Mode::Live { gw_mac, .. } => {
                let reply = hosts::answer(&frame, &view, r.side, self.testbed);
                // ARP replies from the gateway tell us its MAC.
                if let (None, L4View::Arp { op: 2, spa, .. }) = (&reply, &view.l4) {
                    let conf = self.testbed.side(r.side);
                    if conf.gateway.ipv4.is_some_and(|a| std::net::IpAddr::V4(a.0) == *spa) {
                        gw_mac[r.side.index()] = Some(view.eth_src);
                    }
                }
                reply
            }
        };
        let dir = if r.toward_gateway {
            Direction::Sent
        } else {
            Direction::Received
        };
        self.capture
            .push(Rec::new(r.side, r.at, dir, r.bytes, Some(view), is_noise));
        match reply {
            Some(reply) => {
                let _ = self.ports.send(r.side, &reply);
                self.capture
                    .frames
                    .push(Rec::new(r.side, Instant::now(), Direction::Sent, reply, None, None));
            }
            None => self.reassemble_last(),
        }
    }

    /// Puts the frame just recorded through IPv4 reassembly, logging a datagram it completes.
    fn reassemble_last(&mut self) {
        let i = self.capture.frames.len() - 1;
        if let Some(line) = self.capture.reassemble(i, self.start) {
            self.log.push(line);
        }
    }

    /// Takes the frames already waiting — at most [`PUMP_MAX`], so that a gateway that never
    /// stops sending cannot hold the engine here; the rest are read by the next wait.
    pub(super) fn pump(&mut self) {
        for _ in 0..PUMP_MAX {
            let Some(r) = self.ports.try_recv() else {
                return;
            };
            self.record(r);
        }
    }

    /// Reads the next frame of the capture being judged; false when the capture has ended (or
    /// the stop signal came). Unlike [`Run::next_until`] the clock does not move past the last
    /// frame: a send step searches the rest of the capture, which has an end.
    pub(super) async fn next_in_capture(&mut self) -> bool {
        if self.interrupted || self.mode.replay().is_some_and(|r| r.ended) {
            return false;
        }
        match crate::backend::recv(self.ports.as_mut()).await {
            Some(r) => {
                self.record(r);
                true
            }
            None => {
                self.capture_ended();
                false
            }
        }
    }

    /// Waits for the next frame until `deadline`; false when the deadline passed (or the stop
    /// signal came: then `interrupted` is set).
    pub(super) async fn next_until(&mut self, deadline: Instant) -> bool {
        // Checked first: under a flood a frame is always ready, and tokio's timeout polls the
        // frame before its deadline.
        if self.interrupted || Instant::now() >= deadline {
            return false;
        }
        let stop = self.stop();
        let stopped = async move {
            match stop {
                Some(s) => s.stopped().await,
                None => std::future::pending().await,
            }
        };
        let got = tokio::select! {
            got = tokio::time::timeout_at(deadline, crate::backend::recv(self.ports.as_mut())) => got,
            () = stopped => {
                self.interrupted = true;
                return false;
            }
        };
        match got {
            Ok(Some(r)) => {
                self.record(r);
                true
            }
            Ok(None) => {
                self.capture_ended();
                tokio::time::sleep_until(deadline).await;
                false
            }
            Err(_) => false,
        }
    }

    /// Notes that the ports have no more frames (only a replayed capture ends).
    fn capture_ended(&mut self) {
        if let Mode::Replay(r) = &mut self.mode {
            r.ended = true;
        }
    }
}
