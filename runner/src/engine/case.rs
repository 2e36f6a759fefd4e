//! Running one case: the step loop, the continuous capture, windows and consumption, bindings,
//! flows, verdicts and the failure report (DSL.md §2 and §2.1).

use super::build::BuildCx;
use super::env::Env;
use super::flow::{C2S, FlowState, S2C};
use super::hosts;
use super::matcher::{self, Bind, MatchResult, Matcher};
use super::noise::{self, NoiseClass};
use crate::backend::{GatewayPorts, Received};
use crate::codec::FrameRepr;
use crate::codec::reassembly::Reassembler;
use crate::engine::view::{L4View, View};
use crate::result::*;
use crate::stop::StopSignal;
use dsl::display;
use dsl::plan::*;
use rand::{Rng, SeedableRng};
use std::time::Duration;
use tokio::time::Instant;

mod replay;
mod replay_fragments;

/// How long after a window a frame still counts as a "late" candidate.
const LATE: Duration = Duration::from_millis(100);
/// How long the runner waits for the gateway to answer its ARP request.
const ARP_WAIT: Duration = Duration::from_secs(1);

/// The case's time budget before its clock has started (judging a capture, before the first
/// send step found its frame): longer than any capture, shorter than tokio's timer horizon.
const NO_BUDGET_YET: Duration = Duration::from_secs(366 * 24 * 3600);

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
struct Rec {
    side: Side,
    at: Instant,
    dir: Direction,
    bytes: Vec<u8>,
    view: Option<View>,
    /// Its noise class, for a frame that is noise (docs/language.md §2.1 rule 5).
    noise: Option<NoiseClass>,
    consumed: bool,
    comments: Vec<String>,
    /// On the fragment that completed an IPv4 datagram: the whole datagram.
    datagram: Option<Box<Reassembled>>,
    /// A fragment of a datagram that has been put back together.
    in_datagram: bool,
}

impl Rec {
    /// A frame as recorded, before any step has looked at it.
    fn new(
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
    fn with_comment(mut self, comment: String) -> Rec {
        self.comments.push(comment);
        self
    }
}

/// An IPv4 datagram that came out in fragments, put back together.
struct Reassembled {
    /// The whole datagram's view.
    view: View,
    /// The indices of the recorded fragments it was made of.
    parts: Vec<usize>,
}

/// How a step ended.
enum StepEnd {
    Ok,
    Fail(Box<Failure>),
    Error(String),
}

struct Run<'a> {
    case: &'a Case,
    testbed: &'a dsl::Testbed,
    tb: Box<dyn GatewayPorts>,
    start: Instant,
    /// When the case's clock started, for its `timeout`: the start of a live run; judging a
    /// capture, the frame the first send step took (`None` until then).
    clock_start: Option<Instant>,
    frames: Vec<Rec>,
    env: Env,
    rng: rand::rngs::StdRng,
    ip_ids: super::build::IpIdCounters,
    gw_mac: [Option<[u8; 6]>; 2],
    run_start: Option<Instant>,
    /// The index of the first frame recorded after the start of the run of sends (rule 2): a
    /// frame recorded before it came before the send, whatever its timestamp says (on `sim` an
    /// answer to the runner's own ARP request carries the same instant as the send after it).
    run_start_ix: usize,
    in_send_run: bool,
    last_send: Option<Instant>,
    last_wait_end: Option<Instant>,
    waited: Duration,
    log: Vec<String>,
    warnings: Vec<String>,
    last_window_end: Instant,
    /// The step that set the reference time (a send or a wait), for reports.
    ref_step: Option<(usize, &'static str)>,
    /// Set when the case is judged against a recorded capture (`gatecheck verify`).
    replay: Option<Replay>,
    /// The run's stop signal (SIGINT/SIGTERM), when the case can be interrupted.
    stop: Option<&'a StopSignal>,
    /// The stop signal came while a step waited: that step's outcome does not count.
    interrupted: bool,
    /// Bytes of the frames kept so far.
    kept_bytes: usize,
    /// IPv4 reassembly of the frames that came out, per side and direction (a capture being
    /// judged also holds the frames that went in).
    reassembly: [Reassembler; 4],
    /// Frames from the gateway not kept because the case reached its capture cap.
    over_cap: u64,
    /// Comments of `note:` steps waiting for the next recorded frame.
    pending_notes: Vec<String>,
}

/// What judging a recorded capture adds to a run: send steps find their frame in the capture
/// instead of sending, and what the tester did not choose is learned from what it sent.
struct Replay {
    /// How far apart the two interfaces' clocks may be: every window widens by it on both ends.
    skew: Duration,
    /// The capture has no more frames.
    ended: bool,
    /// When the recording stopped, when the capture says so (later than its last frame when
    /// nothing came at the end).
    recorded_until: Option<Instant>,
    /// Per flow: its client port is known (written in the case, or learned from a send).
    lport_known: Vec<bool>,
    /// Per flow and direction: its ISN is known (learned from the first send in that direction).
    isn_known: Vec<[bool; 2]>,
    /// Per side: the first recorded frame a send on that side may still take.
    cursor: [usize; 2],
}

/// Whether a pattern tests fragmentation itself (`mf` or `frag`): it then sees fragments as
/// they came instead of the datagrams they make up.
fn tests_fragments(p: &PacketSpec) -> bool {
    p.fields.iter().any(|t| matches!(t.field, Field::Mf | Field::Frag))
}

/// The step as logs, comments and reports name it (`step 3 “query forwarded”`).
fn label(step: &Step) -> String {
    crate::result::step_label(step.number, step.name.as_deref())
}

fn side_ix(s: Side) -> usize {
    s.index()
}

/// Runs a case and returns its result. `seed` makes random choices (ISNs, ports) repeatable.
pub async fn run_case(case: &Case, testbed: &dsl::Testbed, tb: Box<dyn GatewayPorts>, seed: u64) -> CaseResult {
    run_case_with(case, testbed, tb, seed, None, None).await
}

/// Runs a case that `stop` may interrupt: when it comes, the step under way ends at once and the
/// case ends with the verdict *skip* ("interrupted during step N"), keeping the log of the steps
/// that completed and every frame recorded so far (for the capture).
pub async fn run_case_until(
    case: &Case,
    testbed: &dsl::Testbed,
    tb: Box<dyn GatewayPorts>,
    seed: u64,
    stop: &StopSignal,
) -> CaseResult {
    run_case_with(case, testbed, tb, seed, None, Some(stop)).await
}

/// Judges a case against a recorded capture (DSL.md §7): `tb` replays the capture on the
/// paused clock, frames going into the gateway marked [`Received::toward_gateway`]. A send step
/// takes the next such frame on its side that matches it as a pattern (fields the compiler
/// filled in as defaults are not checked) and binds what the tester chose (client ports, ISNs);
/// expect steps are judged as in a live run, on the capture's timestamps, with every window
/// widened by `skew` on both ends.
pub async fn verify_case(
    case: &Case,
    testbed: &dsl::Testbed,
    tb: Box<dyn GatewayPorts>,
    skew: Duration,
    recorded_until: Option<Duration>,
) -> CaseResult {
    let replay = Replay {
        skew,
        recorded_until: recorded_until.map(|d| Instant::now() + d),
        ended: false,
        lport_known: case.flows.iter().map(|f| f.client_port.is_some()).collect(),
        isn_known: vec![[false; 2]; case.flows.len()],
        cursor: [0; 2],
    };
    run_case_with(case, testbed, tb, 0, Some(replay), None).await
}

async fn run_case_with(
    case: &Case,
    testbed: &dsl::Testbed,
    tb: Box<dyn GatewayPorts>,
    seed: u64,
    replay: Option<Replay>,
    stop: Option<&StopSignal>,
) -> CaseResult {
    let wall_start = std::time::Instant::now();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let flows = case
        .flows
        .iter()
        .map(|f| FlowState {
            lport: f.client_port.unwrap_or_else(|| rng.random_range(49152..=65535)),
            wan_port: (f.family == Family::V6)
                .then(|| f.client_port.unwrap_or(0))
                .filter(|_| f.client_port.is_some()),
            isn: [rng.random(), rng.random()],
            ..FlowState::default()
        })
        .collect::<Vec<_>>();
    let mut flows = flows;
    for (i, f) in case.flows.iter().enumerate() {
        if f.family == Family::V6 {
            flows[i].wan_port = Some(if f.proto == Proto::Icmp {
                f.icmp_id.unwrap_or(0)
            } else {
                flows[i].lport
            });
            flows[i].wan_addr = f.client.ipv6.map(std::net::IpAddr::V6);
        }
    }
    let env = Env {
        vars: case.vars.iter().cloned().collect(),
        flows,
        flow_names: case.flows.iter().map(|f| f.name.clone()).collect(),
    };
    let start = Instant::now();
    let mut run = Run {
        case,
        testbed,
        clock_start: replay.is_none().then_some(start),
        tb,
        start,
        frames: Vec::new(),
        env,
        rng,
        ip_ids: Default::default(),
        gw_mac: [None, None],
        run_start: None,
        run_start_ix: 0,
        in_send_run: false,
        last_send: None,
        last_wait_end: None,
        waited: Duration::ZERO,
        log: Vec::new(),
        warnings: Vec::new(),
        last_window_end: start,
        ref_step: None,
        replay,
        stop,
        interrupted: false,
        kept_bytes: 0,
        over_cap: 0,
        reassembly: Default::default(),
        pending_notes: Vec::new(),
    };
    for (i, f) in case.flows.iter().enumerate() {
        if f.proto == Proto::Tcp && run.replay.is_none() {
            run.log.push(format!(
                "flow {}: client ISN {}, server ISN {}, LAN port {}",
                f.name, run.env.flows[i].isn[C2S], run.env.flows[i].isn[S2C], run.env.flows[i].lport
            ));
        }
    }
    let mut verdict = Verdict::Pass;
    let mut failure = None;
    let mut reason = None;
    for step in &case.steps {
        if run.stop.is_some_and(StopSignal::is_stopped) {
            verdict = Verdict::Skip;
            reason = Some(format!("interrupted before step {}", step.number));
            break;
        }
        let end = run.step(step).await;
        if run.interrupted {
            verdict = Verdict::Skip;
            reason = Some(format!(
                "interrupted during step {} (the steps before it completed; see the log)",
                step.number
            ));
            run.log.push(format!("{}: interrupted", label(step)));
            break;
        }
        match end {
            StepEnd::Ok => {}
            StepEnd::Fail(f) if step.severity == StepSeverity::Warn => {
                run.warnings
                    .push(format!("{} (severity: warn): {}", label(step), f.render().trim_end()));
            }
            StepEnd::Fail(f) => {
                verdict = Verdict::Fail;
                failure = Some(*f);
                break;
            }
            StepEnd::Error(e) => {
                verdict = Verdict::Error;
                reason = Some(format!("{}: {e}", label(step)));
                break;
            }
        }
    }
    run.pump();
    let unexpected = if verdict == Verdict::Skip {
        Vec::new()
    } else {
        run.unexpected()
    };
    if verdict == Verdict::Pass && !unexpected.is_empty() && case.strict {
        verdict = Verdict::Fail;
        let last = case.steps.last().map_or(0, |s| s.number);
        failure = Some(Failure {
            step: last,
            name: None,
            location: case.location.to_string(),
            text: "strict: true".into(),
            why: None,
            reason: format!(
                "{} unexpected frame(s) came out of the gateway (strict case)",
                unexpected.len()
            ),
            pattern: None,
            window: None,
            considered: unexpected.len(),
            total_on_side: run.frames.len(),
            candidates: vec![],
        });
    }
    if let Some(c) = run.tb.freshness_caveat() {
        run.warnings.push(c);
    }
    if run.over_cap > 0 {
        run.warnings.push(format!(
            "the gateway sent more than this case can keep ({MAX_RECORDED_FRAMES} frames or {} MiB): {} later frames \
             were counted but not kept, matched or captured",
            MAX_RECORDED_BYTES >> 20,
            run.over_cap
        ));
    }
    if let Some(last) = run.frames.last_mut() {
        let notes = std::mem::take(&mut run.pending_notes);
        last.comments.extend(
            notes
                .into_iter()
                .map(|n| format!("{n} (after this frame, the case's last)")),
        );
    }
    let dropped = run.tb.take_dropped();
    if dropped > 0 {
        run.warnings.push(format!(
            "{dropped} frames out of the gateway were lost before gatecheck read them (socket buffer full): \
             the verdict may rest on an incomplete view"
        ));
    }
    let duration = Instant::now() - run.start;
    let file = case.location.file.as_ref().clone();
    CaseResult {
        id: case.id.clone(),
        group: String::new(),
        file,
        title: case.title.clone(),
        verdict,
        duration,
        wall_time: wall_start.elapsed(),
        reason,
        failure,
        warnings: run.warnings,
        log: run.log,
        unexpected,
        frames: run
            .frames
            .into_iter()
            .map(|r| RecordedFrame {
                at: r.at - start,
                side: r.side,
                direction: r.dir,
                bytes: r.bytes,
                comments: r.comments,
            })
            .collect(),
    }
}

impl Run<'_> {
    fn now_rel(&self, t: Instant) -> Duration {
        t - self.start
    }

    /// Records a frame from the gateway and answers it if it asks for an emulated host.
    fn record(&mut self, r: Received) {
        if self.frames.len() >= MAX_RECORDED_FRAMES || self.kept_bytes + r.bytes.len() > MAX_RECORDED_BYTES {
            self.over_cap += 1;
            return;
        }
        self.kept_bytes += r.bytes.len();
        let mut frame = FrameRepr::parse(&r.bytes);
        let view = View::of_frame_taking_payload(&mut frame);
        let is_noise = noise::class_of(&view, &self.testbed.noise);
        if self.replay.is_some() {
            // A recorded frame: nobody answers it, and it went either way through the gateway.
            self.push_frame(Rec::new(
                r.side,
                r.at,
                if r.toward_gateway {
                    Direction::Sent
                } else {
                    Direction::Received
                },
                r.bytes,
                Some(view),
                is_noise,
            ));
            self.reassemble(self.frames.len() - 1);
            return;
        }
        if let Some(reply) = hosts::answer(&frame, &view, r.side, self.testbed) {
            // ARP replies from the gateway tell us its MAC.
            let _ = self.tb.send(r.side, &reply);
            self.push_frame(Rec::new(
                r.side,
                r.at,
                Direction::Received,
                r.bytes,
                Some(view),
                is_noise,
            ));
            self.frames
                .push(Rec::new(r.side, Instant::now(), Direction::Sent, reply, None, None));
            return;
        }
        if let L4View::Arp { op: 2, spa, .. } = view.l4 {
            let conf = self.testbed.side(r.side);
            if conf.gateway.ipv4.is_some_and(|a| std::net::IpAddr::V4(a.0) == spa) {
                self.gw_mac[side_ix(r.side)] = Some(view.eth_src);
            }
        }
        self.push_frame(Rec::new(
            r.side,
            r.at,
            Direction::Received,
            r.bytes,
            Some(view),
            is_noise,
        ));
        self.reassemble(self.frames.len() - 1);
    }

    /// Keeps a recorded frame; the notes of `note:` steps that ran since the last one go on it
    /// first, so the capture shows them where they happened.
    fn push_frame(&mut self, mut rec: Rec) {
        if !self.pending_notes.is_empty() {
            rec.comments.splice(0..0, self.pending_notes.drain(..));
        }
        self.frames.push(rec);
    }

    /// Feeds recorded frame `i`, if it is an IPv4 fragment, to its side's reassembler; when it
    /// completes a datagram, the datagram's view goes on this frame and the fragments it was
    /// made of are marked as parts of it.
    fn reassemble(&mut self, i: usize) {
        let r = &self.frames[i];
        if !r
            .view
            .as_ref()
            .and_then(|v| v.ip.as_ref())
            .is_some_and(|ip| ip.is_v4_fragment())
        {
            return;
        }
        let k = side_ix(r.side) * 2 + usize::from(r.dir == Direction::Sent);
        let Some(d) = self.reassembly[k].push(&r.bytes, i) else {
            return;
        };
        let mut frame = FrameRepr::parse(&d.frame);
        let view = View::of_frame_taking_payload(&mut frame);
        for &part in &d.tags {
            self.frames[part].in_datagram = true;
        }
        self.log.push(format!(
            "{} +{}: {} fragments put back together: {}",
            self.frames[i].side.name(),
            dsl::duration::format_measured(self.frames[i].at - self.start),
            d.tags.len(),
            matcher::frame_text(&view)
        ));
        self.frames[i].datagram = Some(Box::new(Reassembled { view, parts: d.tags }));
    }

    /// The view `pattern` is matched against for frame `i` (DSL rule: patterns match datagrams).
    /// A pattern that tests `mf` or `frag` sees each fragment as it came; any other pattern sees
    /// a datagram that came in fragments once, whole, on the fragment that completed it, and not
    /// its fragments. Fragments of a datagram that never completes are seen as they came.
    fn view_for(&self, i: usize, pattern: Option<&PacketSpec>) -> Option<&View> {
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
    fn consume(&mut self, i: usize, pattern: &PacketSpec) {
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

    /// Takes the frames already waiting — at most [`PUMP_MAX`], so that a gateway that never
    /// stops sending cannot hold the engine here; the rest are read by the next wait.
    fn pump(&mut self) {
        for _ in 0..PUMP_MAX {
            let Some(r) = self.tb.try_recv() else {
                return;
            };
            self.record(r);
        }
    }

    /// Reads the next frame of the capture being judged; false when the capture has ended (or
    /// the stop signal came). Unlike [`Run::next_until`] the clock does not move past the last
    /// frame: a send step searches the rest of the capture, which has an end.
    async fn next_in_capture(&mut self) -> bool {
        if self.interrupted || self.replay.as_ref().is_some_and(|r| r.ended) {
            return false;
        }
        match crate::backend::recv(self.tb.as_mut()).await {
            Some(r) => {
                self.record(r);
                true
            }
            None => {
                if let Some(r) = &mut self.replay {
                    r.ended = true;
                }
                false
            }
        }
    }

    /// Waits for the next frame until `deadline`; false when the deadline passed (or the stop
    /// signal came: then `interrupted` is set).
    async fn next_until(&mut self, deadline: Instant) -> bool {
        // Checked first: under a flood a frame is always ready, and tokio's timeout polls the
        // frame before its deadline.
        if self.interrupted || Instant::now() >= deadline {
            return false;
        }
        let stop = self.stop;
        let stopped = async move {
            match stop {
                Some(s) => s.stopped().await,
                None => std::future::pending().await,
            }
        };
        let got = tokio::select! {
            got = tokio::time::timeout_at(deadline, crate::backend::recv(self.tb.as_mut())) => got,
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
                if let Some(r) = &mut self.replay {
                    r.ended = true;
                }
                tokio::time::sleep_until(deadline).await;
                false
            }
            Err(_) => false,
        }
    }

    fn reference(&self) -> Instant {
        match (self.last_send, self.last_wait_end) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => self.start,
        }
    }

    /// The latest time the case may reach before its `timeout` (time outside waits), counted
    /// from the case clock's start. Judging a capture, the clock starts at the frame the first
    /// send step took (a vendor's capture may begin minutes before the case does): until then
    /// there is no bound but the capture's end.
    fn budget_end(&self) -> Instant {
        match self.clock_start {
            Some(t) => t + self.waited + self.case.timeout,
            None => self.start + NO_BUDGET_YET,
        }
    }

    fn send_frame(&mut self, side: Side, bytes: Vec<u8>, comment: String) -> Result<(), String> {
        self.tb.send(side, &bytes).map_err(|e| e.to_string())?;
        self.push_frame(Rec::new(side, Instant::now(), Direction::Sent, bytes, None, None).with_comment(comment));
        self.pump();
        Ok(())
    }

    async fn gateway_mac(&mut self, side: Side) -> Result<[u8; 6], String> {
        if let Some(m) = self.gw_mac[side_ix(side)] {
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
        self.tb.send(side, &req).map_err(|e| e.to_string())?;
        self.push_frame(
            Rec::new(side, Instant::now(), Direction::Sent, req, None, None)
                .with_comment(format!("resolving the gateway's MAC ({gw})")),
        );
        let deadline = Instant::now() + ARP_WAIT;
        loop {
            self.pump();
            if let Some(m) = self.gw_mac[side_ix(side)] {
                return Ok(m);
            }
            if !self.next_until(deadline).await && self.gw_mac[side_ix(side)].is_none() {
                return Err(format!(
                    "the gateway did not answer ARP for {gw} on {} within {}",
                    side.name(),
                    dsl::duration::format(ARP_WAIT)
                ));
            }
        }
    }

    async fn step(&mut self, step: &Step) -> StepEnd {
        self.pump();
        if Instant::now() > self.budget_end() {
            return self.timeout_error(step);
        }
        match &step.action {
            Action::Note(t) => {
                self.log.push(format!("{}: note: {t}", label(step)));
                self.pending_notes.push(format!("{}: note: {t}", label(step)));
                StepEnd::Ok
            }
            Action::Set(binds) => {
                for (k, v) in binds {
                    match v {
                        Some(v) => self.env.vars.insert(k.clone(), v.clone()),
                        None => self.env.vars.remove(k),
                    };
                }
                self.log.push(format!("{}: set {}", label(step), step.text));
                StepEnd::Ok
            }
            Action::Wait(d) => {
                let t0 = Instant::now();
                let until = t0 + *d;
                while self.next_until(until).await {}
                self.waited += Instant::now() - t0;
                self.last_wait_end = Some(Instant::now());
                self.ref_step = Some((step.number, "the end of the wait at"));
                self.in_send_run = false;
                self.log
                    .push(format!("{}: waited {}", label(step), dsl::duration::format(*d)));
                StepEnd::Ok
            }
            Action::Send { side, packet } if self.replay.is_some() => self.replay_send(step, *side, packet).await,
            Action::Send { side, packet } => self.send(step, *side, packet).await,
            Action::Expect {
                side,
                pattern,
                within,
                after,
            } => {
                self.in_send_run = false;
                self.expect(step, *side, pattern, *within, *after).await
            }
            Action::ExpectNo { side, pattern, within } => {
                self.in_send_run = false;
                self.expect_none(step, *side, Some(pattern), *within).await
            }
            Action::ExpectNothing { side, within } => {
                self.in_send_run = false;
                self.expect_none(step, *side, None, *within).await
            }
        }
    }

    async fn send(&mut self, step: &Step, side: Side, packet: &PacketSpec) -> StepEnd {
        let gw_mac = match self.gateway_mac(side).await {
            Ok(m) => m,
            Err(e) => return StepEnd::Error(e),
        };
        let now = Instant::now();
        if !self.in_send_run {
            self.run_start = Some(now);
            self.run_start_ix = self.frames.len();
            self.in_send_run = true;
        }
        self.last_send = Some(now);
        self.ref_step = Some((step.number, "the send at"));
        let mut cx = BuildCx {
            env: &mut self.env,
            testbed: self.testbed,
            side,
            gw_mac,
            rng: &mut self.rng,
            ip_ids: &mut self.ip_ids,
        };
        let frame = match cx.frame(packet) {
            Ok(f) => f,
            Err(e) => return StepEnd::Error(format!("{e} ({})", step.location)),
        };
        let bytes = match frame.to_bytes() {
            Ok(b) => b,
            Err(e) => return StepEnd::Error(format!("the frame cannot be built: {e} ({})", step.location)),
        };
        // What goes out: the frame, or the fragments its `fragment` clause sends, each named.
        let frames: Vec<(Vec<u8>, String)> = match &packet.fragment {
            None => vec![(bytes, String::new())],
            Some(spec) => match super::build::fragments(&bytes, spec) {
                Ok(parts) => parts
                    .sent
                    .into_iter()
                    .map(|(i, frame)| (frame, format!("fragment {i} of {}: ", parts.total)))
                    .collect(),
                Err(e) => return StepEnd::Error(format!("{e} ({})", step.location)),
            },
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

    /// The index of the first recorded frame at or after `t` (frames are recorded in time order).
    fn first_at(&self, t: Instant) -> usize {
        let mut i = self.frames.partition_point(|r| r.at < t);
        while i > 0 && self.frames[i - 1].at >= t {
            i -= 1;
        }
        i
    }

    /// Waits for the next frame within the window: `Ok(true)` one arrived, `Ok(false)` the window
    /// closed, `Err` the case's timeout ran out first.
    async fn wait_more(&mut self, deadline: Instant, budget: Instant, step: &Step) -> Result<bool, StepEnd> {
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
    fn timeout_error(&self, step: &Step) -> StepEnd {
        StepEnd::Error(format!(
            "case timeout ({}) during step {}",
            dsl::duration::format(self.case.timeout),
            step.number
        ))
    }

    fn consider_from(&self) -> Instant {
        let from = self.run_start.unwrap_or(self.start);
        from.checked_sub(self.skew()).unwrap_or(from).max(self.start)
    }

    /// The clock skew allowed between the capture's interfaces (zero in a live run).
    fn skew(&self) -> Duration {
        self.replay.as_ref().map_or(Duration::ZERO, |r| r.skew)
    }

    fn considered(&self, i: usize, side: Side, from: Instant, pattern: Option<&PacketSpec>) -> bool {
        let r = &self.frames[i];
        r.dir == Direction::Received
            && r.side == side
            && !r.consumed
            && r.at >= from
            && i >= self.run_start_ix
            && r.noise
                .is_none_or(|class| pattern.is_some_and(|p| noise::selects(p, class)))
    }

    async fn expect(
        &mut self,
        step: &Step,
        side: Side,
        pattern: &PacketSpec,
        within: Duration,
        after: Option<Duration>,
    ) -> StepEnd {
        let reference = self.reference();
        let skew = self.skew();
        let deadline = reference + within + skew;
        let earliest = after.map(|a| (reference + a).checked_sub(skew).unwrap_or(reference));
        let from = self.consider_from();
        let budget = self.budget_end();
        let mut best: Vec<(usize, MatchResult, CandidateKind)> = Vec::new();
        let mut idx = self.first_at(from);
        let mut considered = 0;
        loop {
            while idx < self.frames.len() {
                let i = idx;
                idx += 1;
                if !self.considered(i, side, from, Some(pattern)) {
                    continue;
                }
                let at = self.frames[i].at;
                if at > deadline {
                    continue;
                }
                considered += 1;
                let Some(view) = self.view_for(i, Some(pattern)) else {
                    continue;
                };
                let m = Matcher {
                    env: &self.env,
                    testbed: self.testbed,
                    side,
                }
                .score(pattern, view);
                if !m.matched() {
                    best.push((i, m, CandidateKind::Considered));
                    continue;
                }
                if earliest.is_some_and(|e| at < e) {
                    best.push((i, m, CandidateKind::TooEarly));
                    continue;
                }
                // Rule 6: a full match is then checked for checksums.
                let view = view.clone();
                if let Some(bad) = checksum_problem(pattern, &view) {
                    return StepEnd::Fail(Box::new(self.failure(
                        step,
                        side,
                        pattern,
                        within,
                        after,
                        considered,
                        format!("the matching frame has {bad}"),
                        vec![(i, m, CandidateKind::Considered)],
                    )));
                }
                self.accept(step, side, pattern, i, m, &view);
                self.last_window_end = self.last_window_end.max(deadline);
                return StepEnd::Ok;
            }
            match self.wait_more(deadline, budget, step).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(end) => return end,
            }
        }
        // Late frames: up to 100 ms after the window.
        let late_until = deadline + LATE;
        while self.next_until(late_until).await {}
        for i in 0..self.frames.len() {
            if self.considered(i, side, from, Some(pattern))
                && self.frames[i].at > deadline
                && self.frames[i].at <= late_until
            {
                if let Some(view) = self.view_for(i, Some(pattern)) {
                    let m = Matcher {
                        env: &self.env,
                        testbed: self.testbed,
                        side,
                    }
                    .score(pattern, view);
                    best.push((i, m, CandidateKind::Late));
                }
            }
        }
        self.last_window_end = self.last_window_end.max(deadline);
        let mut reason = if considered == 0 {
            format!("no frame came out on {} within the window", side.name())
        } else {
            format!(
                "none of the {considered} frame(s) that came out on {} matched",
                side.name()
            )
        };
        if self.over_cap > 0 {
            reason.push_str(&format!(
                " ({} later frames were not kept: the gateway sent more than a case keeps)",
                self.over_cap
            ));
        }
        StepEnd::Fail(Box::new(
            self.failure(step, side, pattern, within, after, considered, reason, best),
        ))
    }

    fn accept(&mut self, step: &Step, side: Side, pattern: &PacketSpec, i: usize, m: MatchResult, view: &View) {
        self.consume(i, pattern);
        let at = self.now_rel(self.frames[i].at);
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
        self.frames[i]
            .comments
            .push(format!("{}: matched {rendered}", label(step)));
        // Flow bookkeeping: the WAN address, and what this side has seen of the sequence space.
        if let Some(id) = pattern.flow {
            let dir = super::flow::out_dir(side);
            if let (Side::Wan, Some(ip)) = (side, &view.ip) {
                if self.case.flows[id].family == Family::V4 && self.env.flows[id].wan_addr.is_none() {
                    self.env.flows[id].wan_addr = Some(ip.src);
                }
            }
            if let L4View::Tcp { seq, flags, .. } = view.l4 {
                let f = &mut self.env.flows[id];
                let s = side_ix(side);
                if flags & 0x02 != 0 {
                    f.shift[s][dir] = Some(seq.wrapping_sub(f.isn[dir]));
                }
                let rel = seq.wrapping_sub(f.isn[dir]).wrapping_sub(f.shift_of(s, dir));
                let end = rel
                    .wrapping_add(view.payload.len() as u32)
                    .wrapping_add(u32::from(flags & 0x02 != 0))
                    .wrapping_add(u32::from(flags & 0x01 != 0));
                let high = f.seen_high[s][dir].get_or_insert(end);
                if end.wrapping_sub(*high) < 0x8000_0000 {
                    *high = end;
                }
            }
        }
    }

    async fn expect_none(
        &mut self,
        step: &Step,
        side: Side,
        pattern: Option<&PacketSpec>,
        within: Duration,
    ) -> StepEnd {
        let reference = self.reference();
        let deadline = reference + within + self.skew();
        let from = self.consider_from();
        let budget = self.budget_end();
        let mut idx = self.first_at(from);
        let mut considered = 0;
        loop {
            while idx < self.frames.len() {
                let i = idx;
                idx += 1;
                if !self.considered(i, side, from, pattern) || self.frames[i].at > deadline {
                    continue;
                }
                considered += 1;
                let Some(view) = self.view_for(i, pattern).cloned() else {
                    continue;
                };
                let offends = match pattern {
                    None => true,
                    Some(p) => Matcher {
                        env: &self.env,
                        testbed: self.testbed,
                        side,
                    }
                    .compare(p, &view)
                    .matched(),
                };
                if offends {
                    self.frames[i]
                        .comments
                        .push(format!("{}: FAILED — this frame must not come out", label(step)));
                    let m = match pattern {
                        Some(p) => Matcher {
                            env: &self.env,
                            testbed: self.testbed,
                            side,
                        }
                        .compare(p, &view),
                        // `expect nothing`: the offending frame is the whole story.
                        None => MatchResult::default(),
                    };
                    let reason = format!("a frame that must not come out came out on {}", side.name());
                    let fake = pattern.cloned().unwrap_or_default();
                    let mut f = self.failure(
                        step,
                        side,
                        &fake,
                        within,
                        None,
                        considered,
                        reason,
                        vec![(i, m, CandidateKind::Offender)],
                    );
                    if pattern.is_none() {
                        f.pattern = None;
                    }
                    return StepEnd::Fail(Box::new(f));
                }
            }
            match self.wait_more(deadline, budget, step).await {
                Ok(true) => {}
                Ok(false) => break,
                Err(end) => return end,
            }
        }
        self.last_window_end = self.last_window_end.max(deadline);
        self.log.push(format!(
            "{}: nothing matching came out on {} within {}",
            label(step),
            side.name(),
            dsl::duration::format(within)
        ));
        StepEnd::Ok
    }

    #[allow(clippy::too_many_arguments)]
    fn failure(
        &mut self,
        step: &Step,
        side: Side,
        pattern: &PacketSpec,
        within: Duration,
        after: Option<Duration>,
        considered: usize,
        reason: String,
        mut cands: Vec<(usize, MatchResult, CandidateKind)>,
    ) -> Failure {
        // Rank: most constraints met first; ties to the earliest.
        cands.sort_by(|a, b| b.1.met.cmp(&a.1.met).then(a.0.cmp(&b.0)));
        cands.truncate(3);
        let total_on_side = self
            .frames
            .iter()
            .filter(|r| r.side == side && r.dir == Direction::Received)
            .count();
        let mut candidates = Vec::new();
        for (n, (i, mut m, kind)) in cands.into_iter().enumerate() {
            let view = self.view_for(i, Some(pattern)).cloned();
            // Candidates were scored without report rows while matching; build them now.
            if m.rows.is_empty() && pattern.proto.is_some() {
                if let Some(v) = &view {
                    m = Matcher {
                        env: &self.env,
                        testbed: self.testbed,
                        side,
                    }
                    .compare(pattern, v);
                }
            }
            if n == 0 && kind != CandidateKind::Offender {
                let why = m
                    .rows
                    .iter()
                    .filter(|r| !r.ok)
                    .map(|r| format!("{} expected {} observed {}", r.what, r.expected, r.observed))
                    .collect::<Vec<_>>()
                    .join("; ");
                self.frames[i]
                    .comments
                    .push(format!("{}: FAILED — nearest candidate: {why}", label(step)));
            }
            candidates.push(Candidate {
                frame: view.as_ref().map_or_else(String::new, matcher::frame_text),
                at: self.frames[i].at - self.start,
                kind,
                met: m.met,
                total: m.total,
                rows: m.rows,
            });
        }
        let reference = self.reference();
        if candidates.is_empty() {
            // No frame to hang the failure on: the first frame after the window carries it, or
            // the last frame captured (the capture's section comment names the failure too).
            let end = reference + within;
            let note = format!(
                "{}: FAILED — {reason} (nothing on {} came close; this is the first frame after the window)",
                label(step),
                side.name()
            );
            if let Some(r) = self.frames.iter_mut().find(|r| r.at >= end) {
                r.comments.push(note);
            } else if let Some(r) = self.frames.last_mut() {
                r.comments.push(format!(
                    "{}: FAILED — {reason} (nothing on {} came close; nothing was captured after this frame)",
                    label(step),
                    side.name()
                ));
            }
        }
        let at = format!("+{}", dsl::duration::format_measured(reference - self.start));
        let anchor = match self.ref_step {
            Some((n, what)) => format!("{what} step {n} ({at})"),
            None => "the case's start".to_string(),
        };
        let window = match after {
            Some(a) => format!(
                "after {} within {} from {anchor}",
                dsl::duration::format(a),
                dsl::duration::format(within)
            ),
            None => format!("within {} from {anchor}", dsl::duration::format(within)),
        };
        // A capture that stopped before the window closed cannot show what came later; one
        // that says when it stopped (isb_endtime) and watched the whole window can.
        let capture_end = self.replay.as_ref().and_then(|r| match r.recorded_until {
            Some(end) => Some(end),
            None if r.ended => self.frames.last().map(|f| f.at),
            None => None,
        });
        let window = match capture_end {
            Some(end) if end < reference + within => format!(
                "{window}; the capture ends {} into this window (+{}): it may have stopped too early",
                dsl::duration::format_measured(end.saturating_duration_since(reference)),
                dsl::duration::format_measured(end - self.start)
            ),
            _ => window,
        };
        let pattern_text = if pattern.proto.is_some() {
            Some(self.filled(pattern))
        } else {
            None
        };
        Failure {
            step: step.number,
            name: step.name.clone(),
            location: step.location.to_string(),
            text: step.text.clone(),
            why: step.why.clone(),
            reason,
            pattern: pattern_text,
            window: Some(window),
            considered,
            total_on_side,
            candidates,
        }
    }

    /// The pattern with bound values filled in.
    fn filled(&self, p: &PacketSpec) -> String {
        self.env.fill_text(&display::packet_text(p, &self.case.flows, false))
    }

    /// Unconsumed, non-noise frames from the gateway that arrived before the last window closed.
    fn unexpected(&self) -> Vec<String> {
        self.frames
            .iter()
            .filter(|r| {
                r.dir == Direction::Received && !r.consumed && r.noise.is_none() && r.at <= self.last_window_end
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
fn checksum_problem(pattern: &PacketSpec, view: &View) -> Option<String> {
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
