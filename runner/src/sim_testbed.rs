//! The `sim` backend as a [`Testbed`]: the in-process [`SimGateway`](crate::sim::SimGateway)
//! driven on tokio's clock (paused in runs, so waits cost nothing). Each case gets a new one.

use crate::sim::{Profile, SimGateway};
use crate::testbed::{Received, Testbed, TestbedError};
use dsl::plan::Side;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::time::{Instant, Sleep};

/// A simulated gateway behind two virtual ports.
pub struct SimTestbed {
    gateway: SimGateway,
    start: Instant,
    tx: mpsc::UnboundedSender<Received>,
    rx: mpsc::UnboundedReceiver<Received>,
    /// Wakes the engine when the gateway is due to emit a frame on its own.
    timer: Option<Pin<Box<Sleep>>>,
}

impl SimTestbed {
    /// A fresh simulated gateway with this profile.
    pub fn new(testbed: &dsl::Testbed, profile: &Profile, seed: u64) -> SimTestbed {
        let (tx, rx) = mpsc::unbounded_channel();
        SimTestbed {
            gateway: SimGateway::new(testbed, profile, seed),
            start: Instant::now(),
            tx,
            rx,
            timer: None,
        }
    }
}

impl SimTestbed {
    /// Delivers what the gateway emits on its own once its time has come (stamped with that
    /// time), and asks to be woken for the next one.
    fn run_timers(&mut self, cx: &mut Context<'_>) {
        while let Some(due) = self.gateway.next_deadline() {
            let at = self.start + due;
            let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.deadline() != at {
                timer.as_mut().reset(at);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return;
            }
            for (side, bytes) in self.gateway.advance(due) {
                let _ = self.tx.send(Received {
                    side,
                    at,
                    bytes,
                    toward_gateway: false,
                });
            }
        }
    }
}

impl Testbed for SimTestbed {
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), TestbedError> {
        let now = Instant::now();
        for (out_side, bytes) in self.gateway.input(side, frame, now - self.start) {
            let _ = self.tx.send(Received {
                side: out_side,
                at: now,
                bytes,
                toward_gateway: false,
            });
        }
        Ok(())
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        self.run_timers(cx);
        self.rx.poll_recv(cx)
    }
}
