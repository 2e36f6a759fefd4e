//! The `sim` backend as a [`Testbed`]: the in-process [`SimGateway`](crate::sim::SimGateway)
//! driven on tokio's clock (paused in runs, so waits cost nothing). Each case gets a new one.
//!
//! Like a real gateway it takes time to forward: every frame it emits comes out
//! [`FORWARDING_DELAY`] after the frame that caused it went in, so a window no real gateway could
//! meet (`within 1us`) fails here too instead of passing on an instantaneous model.

use crate::sim::{Profile, SimGateway};
use crate::testbed::{Received, Testbed, TestbedError};
use dsl::plan::Side;
use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How long the simulated gateway takes to forward a frame (or to answer one): 1 ms, what a home
/// gateway forwarding in software on a small CPU takes for one wired hop (hardware NAT offload
/// is faster, about 0.1 ms; a loaded CPU slower), and the resolution of tokio's timers, which
/// would round a shorter delay up to it anyway. Fixed, so runs stay deterministic.
pub const FORWARDING_DELAY: Duration = Duration::from_millis(1);

/// A simulated gateway behind two virtual ports.
pub struct SimTestbed {
    gateway: SimGateway,
    start: Instant,
    /// Frames the gateway has emitted, in order, each with the time it comes out.
    in_flight: VecDeque<Received>,
    /// The timer of the first frame in flight, while the engine waits for it.
    timer: Option<Pin<Box<Sleep>>>,
}

impl SimTestbed {
    /// A fresh simulated gateway with this profile.
    pub fn new(testbed: &dsl::Testbed, profile: &Profile, seed: u64) -> SimTestbed {
        SimTestbed {
            gateway: SimGateway::new(testbed, profile, seed),
            start: Instant::now(),
            in_flight: VecDeque::new(),
            timer: None,
        }
    }
}

impl Testbed for SimTestbed {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), TestbedError> {
        let now = Instant::now();
        for (out_side, bytes) in self.gateway.input(side, frame, now - self.start) {
            self.in_flight.push_back(Received {
                side: out_side,
                at: now + FORWARDING_DELAY,
                bytes,
                toward_gateway: false,
            });
        }
        Ok(())
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        let Some(due) = self.in_flight.front().map(|r| r.at) else {
            self.timer = None;
            return Poll::Pending;
        };
        if Instant::now() < due {
            let timer = self
                .timer
                .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
            if timer.deadline() != due {
                timer.as_mut().reset(due);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        self.timer = None;
        Poll::Ready(self.in_flight.pop_front())
    }
}
