//! The `sim` backend as a [`Testbed`]: the in-process [`SimGateway`](crate::sim::SimGateway)
//! driven on tokio's clock (paused in runs, so waits cost nothing). Each case gets a new one.

use crate::sim::{Profile, SimGateway};
use crate::testbed::{Received, Testbed, TestbedError};
use dsl::plan::Side;
use std::task::{Context, Poll};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A simulated gateway behind two virtual ports.
pub struct SimTestbed {
    gateway: SimGateway,
    start: Instant,
    tx: mpsc::UnboundedSender<Received>,
    rx: mpsc::UnboundedReceiver<Received>,
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
        self.rx.poll_recv(cx)
    }
}
