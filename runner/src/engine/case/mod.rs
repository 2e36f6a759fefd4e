//! Running one case: the step loop and the verdict (docs/language.md §2 and §2.1). The parts
//! of a run live beside this file: the frames recorded from the gateway (`recording.rs`), where
//! windows start and end (`window.rs`), sends (`send.rs`), expect steps (`expect.rs`), the
//! failure report (`failure.rs`), and a capture judged instead of a gateway (`replay.rs`,
//! `replay_fragments.rs`).

use super::build::IpIdCounters;
use super::env::Env;
use super::flow::{C2S, FlowState, S2C};
use super::matcher::Matcher;
use crate::backend::GatewayPorts;
use crate::result::*;
use crate::stop::StopSignal;
use dsl::plan::*;
use rand::{Rng, SeedableRng};
use recording::Recording;
use replay::Replay;
use std::time::Duration;
use tokio::time::Instant;
use window::{Timeline, Window};

mod expect;
mod failure;
mod recording;
mod replay;
mod replay_fragments;
mod send;
mod window;

pub use recording::{MAX_RECORDED_BYTES, MAX_RECORDED_FRAMES};

/// How a step ended.
enum StepEnd {
    Ok,
    Fail(Box<Failure>),
    Error(String),
}

/// How a run meets its gateway.
enum Mode<'a> {
    /// Frames are sent to a gateway and it answers.
    Live {
        /// The run's stop signal (SIGINT/SIGTERM), when the case can be interrupted.
        stop: Option<&'a StopSignal>,
        /// The gateway's MAC on each side, once its ARP reply came.
        gw_mac: [Option<[u8; 6]>; 2],
        /// The IPv4 identification counters of the emulated hosts.
        ip_ids: IpIdCounters,
    },
    /// A recorded capture is judged (`gatecheck verify`): nothing is sent.
    Replay(Replay),
}

/// One case under way.
struct Run<'a> {
    case: &'a Case,
    testbed: &'a dsl::Testbed,
    ports: Box<dyn GatewayPorts>,
    mode: Mode<'a>,
    /// The case's start on the engine's clock: every time in logs and reports counts from it.
    start: Instant,
    capture: Recording,
    timeline: Timeline,
    env: Env,
    rng: rand::rngs::StdRng,
    log: Vec<String>,
    warnings: Vec<String>,
    /// The stop signal came while a step waited: that step's outcome does not count.
    interrupted: bool,
}

/// How the steps came out: the verdict, the failing step's report, or why there is none.
struct Outcome {
    verdict: Verdict,
    failure: Option<Failure>,
    reason: Option<String>,
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

/// Runs a case and returns its result. `seed` makes random choices (ISNs, ports) repeatable.
pub async fn run_case(case: &Case, testbed: &dsl::Testbed, ports: Box<dyn GatewayPorts>, seed: u64) -> CaseResult {
    run_case_with(case, testbed, ports, seed, Mode::live(None)).await
}

/// Runs a case that `stop` may interrupt: when it comes, the step under way ends at once and the
/// case ends with the verdict *skip* ("interrupted during step N"), keeping the log of the steps
/// that completed and every frame recorded so far (for the capture).
pub async fn run_case_until(
    case: &Case,
    testbed: &dsl::Testbed,
    ports: Box<dyn GatewayPorts>,
    seed: u64,
    stop: &StopSignal,
) -> CaseResult {
    run_case_with(case, testbed, ports, seed, Mode::live(Some(stop))).await
}

/// Judges a case against a recorded capture (docs/language.md §8): `ports` replays the capture
/// on the paused clock, frames going into the gateway marked
/// [`Received::toward_gateway`](crate::backend::Received::toward_gateway). A send step takes the
/// next such frame on its side that matches it as a pattern (fields the compiler filled in as
/// defaults are not checked) and binds what the tester chose (client ports, ISNs); expect steps
/// are judged as in a live run, on the capture's timestamps, with every window widened by `skew`
/// on both ends.
pub async fn verify_case(
    case: &Case,
    testbed: &dsl::Testbed,
    ports: Box<dyn GatewayPorts>,
    skew: Duration,
    recorded_until: Option<Duration>,
) -> CaseResult {
    let replay = Replay::new(case, skew, recorded_until.map(|d| Instant::now() + d));
    run_case_with(case, testbed, ports, 0, Mode::Replay(replay)).await
}

async fn run_case_with(
    case: &Case,
    testbed: &dsl::Testbed,
    ports: Box<dyn GatewayPorts>,
    seed: u64,
    mode: Mode<'_>,
) -> CaseResult {
    let wall_start = std::time::Instant::now();
    let mut run = Run::new(case, testbed, ports, seed, mode);
    let outcome = run.steps().await;
    run.finish(outcome, wall_start)
}

impl<'a> Mode<'a> {
    /// A live run, interrupted by `stop` if given.
    fn live(stop: Option<&'a StopSignal>) -> Mode<'a> {
        Mode::Live {
            stop,
            gw_mac: [None, None],
            ip_ids: IpIdCounters::default(),
        }
    }

    /// The capture being judged, if this run judges one.
    fn replay(&self) -> Option<&Replay> {
        match self {
            Mode::Replay(r) => Some(r),
            Mode::Live { .. } => None,
        }
    }
}

/// Each flow's state at the case's start: its client port (chosen at random when the case names
/// none) and random ISNs; an IPv6 flow's WAN port and address are its LAN ones (no NAT).
fn initial_flows(case: &Case, rng: &mut rand::rngs::StdRng) -> Vec<FlowState> {
    let mut flows = case
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
    for (state, f) in flows.iter_mut().zip(&case.flows) {
        if f.family == Family::V6 {
            state.wan_port = Some(if f.proto == Proto::Icmp {
                f.icmp_id.unwrap_or(0)
            } else {
                state.lport
            });
            state.wan_addr = f.client.ipv6.map(std::net::IpAddr::V6);
        }
    }
    flows
}

impl<'a> Run<'a> {
    fn new(
        case: &'a Case,
        testbed: &'a dsl::Testbed,
        ports: Box<dyn GatewayPorts>,
        seed: u64,
        mode: Mode<'a>,
    ) -> Run<'a> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let env = Env {
            vars: case.vars.iter().cloned().collect(),
            flows: initial_flows(case, &mut rng),
            flow_names: case.flows.iter().map(|f| f.name.clone()).collect(),
        };
        let start = Instant::now();
        let mut log = Vec::new();
        if matches!(mode, Mode::Live { .. }) {
            for (f, state) in case.flows.iter().zip(&env.flows) {
                if f.proto == Proto::Tcp {
                    log.push(format!(
                        "flow {}: client ISN {}, server ISN {}, LAN port {}",
                        f.name, state.isn[C2S], state.isn[S2C], state.lport
                    ));
                }
            }
        }
        Run {
            case,
            testbed,
            ports,
            mode,
            start,
            capture: Recording::default(),
            timeline: Timeline::new(start),
            env,
            rng,
            log,
            warnings: Vec::new(),
            interrupted: false,
        }
    }

    /// Runs the steps in order until one fails, errs or is interrupted.
    async fn steps(&mut self) -> Outcome {
        let case = self.case;
        for step in &case.steps {
            if self.stop().is_some_and(StopSignal::is_stopped) {
                return Outcome::not_judged(Verdict::Skip, format!("interrupted before step {}", step.number));
            }
            let end = self.step(step).await;
            if self.interrupted {
                self.log.push(format!("{}: interrupted", label(step)));
                return Outcome::not_judged(
                    Verdict::Skip,
                    format!(
                        "interrupted during step {} (the steps before it completed; see the log)",
                        step.number
                    ),
                );
            }
            match end {
                StepEnd::Ok => {}
                StepEnd::Fail(f) if step.severity == StepSeverity::Warn => {
                    self.warnings
                        .push(format!("{} (severity: warn): {}", label(step), f.render().trim_end()));
                }
                StepEnd::Fail(f) => {
                    return Outcome {
                        verdict: Verdict::Fail,
                        failure: Some(*f),
                        reason: None,
                    };
                }
                StepEnd::Error(e) => return Outcome::not_judged(Verdict::Error, format!("{}: {e}", label(step))),
            }
        }
        Outcome {
            verdict: Verdict::Pass,
            failure: None,
            reason: None,
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
                self.capture.note(format!("{}: note: {t}", label(step)));
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
                self.timeline.waited(t0, Instant::now(), step.number);
                self.log
                    .push(format!("{}: waited {}", label(step), dsl::duration::format(*d)));
                StepEnd::Ok
            }
            Action::Send { side, packet } if self.mode.replay().is_some() => {
                self.replay_send(step, *side, packet).await
            }
            Action::Send { side, packet } => self.send(step, *side, packet).await,
            Action::Expect {
                side,
                pattern,
                within,
                after,
            } => {
                self.timeline.expecting();
                let window = Window {
                    within: *within,
                    after: *after,
                };
                self.expect(step, *side, pattern, window).await
            }
            Action::ExpectNo { side, pattern, within } => {
                self.timeline.expecting();
                self.expect_none(step, *side, Some(pattern), *within).await
            }
            Action::ExpectNothing { side, within } => {
                self.timeline.expecting();
                self.expect_none(step, *side, None, *within).await
            }
        }
    }

    /// The run's stop signal, when it can be interrupted.
    fn stop(&self) -> Option<&'a StopSignal> {
        match self.mode {
            Mode::Live { stop, .. } => stop,
            Mode::Replay(_) => None,
        }
    }

    /// A matcher for frames that come out of the gateway on `side`, with this run's bindings.
    fn matcher(&self, side: Side) -> Matcher<'_> {
        Matcher::new(&self.env, self.testbed, side)
    }

    /// The case's result, once its steps are done: the unexpected frames (a strict case fails on
    /// them), the testbed's warnings, and every frame recorded.
    fn finish(mut self, mut outcome: Outcome, wall_start: std::time::Instant) -> CaseResult {
        self.pump();
        let unexpected = if outcome.verdict == Verdict::Skip {
            Vec::new()
        } else {
            self.unexpected()
        };
        if outcome.verdict == Verdict::Pass && !unexpected.is_empty() && self.case.strict {
            outcome.verdict = Verdict::Fail;
            outcome.failure = Some(self.strict_failure(unexpected.len()));
        }
        if let Some(c) = self.ports.freshness_caveat() {
            self.warnings.push(c);
        }
        if let Some(w) = self.capture.over_cap_warning() {
            self.warnings.push(w);
        }
        self.capture.notes_after_the_last_frame();
        let dropped = self.ports.take_dropped();
        if dropped > 0 {
            self.warnings.push(format!(
                "{dropped} frames out of the gateway were lost before gatecheck read them (socket buffer full): \
                 the verdict may rest on an incomplete view"
            ));
        }
        let case = self.case;
        CaseResult {
            id: case.id.clone(),
            group: String::new(),
            file: case.location.file.as_ref().clone(),
            title: case.title.clone(),
            verdict: outcome.verdict,
            duration: Instant::now() - self.start,
            wall_time: wall_start.elapsed(),
            reason: outcome.reason,
            failure: outcome.failure,
            warnings: self.warnings,
            log: self.log,
            unexpected,
            frames: self.capture.into_frames(self.start),
        }
    }
}

impl Outcome {
    /// A case that ended without a verdict on the gateway: skipped or in error, for `reason`.
    fn not_judged(verdict: Verdict, reason: String) -> Outcome {
        Outcome {
            verdict,
            failure: None,
            reason: Some(reason),
        }
    }
}
