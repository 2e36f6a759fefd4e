//! The `sim` backend as [`GatewayPorts`]: the in-process [`SimGateway`](crate::backend::sim::SimGateway)
//! driven on tokio's clock (paused in runs, so waits cost nothing). Each case gets a new one.
//!
//! Like a real gateway it takes time to forward: every frame it emits in answer to one comes out
//! [`FORWARDING_DELAY`] after the frame that caused it went in, so a window no real gateway could
//! meet (`within 1us`) fails here too instead of passing on an instantaneous model. What the
//! gateway emits on its own (its timers) comes out when its time comes.

use crate::backend::sim::{Profile, SimGateway};
use crate::backend::{GatewayPorts, PortsError, Received};
use dsl::plan::Side;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How long the simulated gateway takes to forward a frame (or to answer one): 1 ms, what a home
/// gateway forwarding in software on a small CPU takes for one wired hop (hardware NAT offload
/// is faster, about 0.1 ms; a loaded CPU slower), and the resolution of tokio's timers, which
/// would round a shorter delay up to it anyway. Fixed, so runs stay deterministic.
pub const FORWARDING_DELAY: Duration = Duration::from_millis(1);

/// The most gateway timers run before the engine sees a frame: a bound, so that a timer that
/// never stops being due cannot hold the engine.
const TIMERS_PER_TURN: usize = 1024;

/// A simulated gateway behind two virtual ports.
pub struct SimPorts {
    gateway: SimGateway,
    start: Instant,
    /// Frames the gateway has emitted, in the order they come out, each with its time.
    in_flight: VecDeque<Received>,
    /// Wakes the engine when the next frame in flight, or the gateway's next timer, is due.
    timer: Option<Pin<Box<Sleep>>>,
}

impl SimPorts {
    /// A fresh simulated gateway with this profile.
    pub fn new(testbed: &dsl::Testbed, profile: &Profile, seed: u64) -> SimPorts {
        SimPorts {
            gateway: SimGateway::new(testbed, profile, seed),
            start: Instant::now(),
            in_flight: VecDeque::new(),
            timer: None,
        }
    }

    /// Puts frames the gateway emitted into flight, to come out at `at`, after every frame
    /// already due no later.
    fn launch(&mut self, frames: Vec<(Side, Vec<u8>)>, at: Instant) {
        let first = self.in_flight.partition_point(|r| r.at <= at);
        for (i, (side, bytes)) in frames.into_iter().enumerate() {
            self.in_flight.insert(
                first + i,
                Received {
                    side,
                    at,
                    bytes,
                    toward_gateway: false,
                },
            );
        }
    }

    /// Runs the gateway's timers that are due by now (at most [`TIMERS_PER_TURN`] at once).
    fn run_due_timers(&mut self) {
        let now = Instant::now();
        for _ in 0..TIMERS_PER_TURN {
            let Some(due) = self.gateway.next_deadline().map(|d| self.start + d) else {
                return;
            };
            if due > now {
                return;
            }
            let out = self.gateway.advance(due - self.start);
            self.launch(out, due);
        }
    }
}

impl GatewayPorts for SimPorts {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError> {
        self.run_due_timers();
        let now = Instant::now();
        let out = self.gateway.input(side, frame, now - self.start);
        self.launch(out, now + FORWARDING_DELAY);
        Ok(())
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        loop {
            self.run_due_timers();
            let next_frame = self.in_flight.front().map(|r| r.at);
            if next_frame.is_some_and(|at| at <= Instant::now()) {
                self.timer = None;
                return Poll::Ready(self.in_flight.pop_front());
            }
            let next_timer = self.gateway.next_deadline().map(|d| self.start + d);
            let Some(wake) = next_frame.into_iter().chain(next_timer).min() else {
                self.timer = None;
                return Poll::Pending;
            };
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(wake)));
            if timer.deadline() != wake {
                timer.as_mut().reset(wake);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}
