//! [`GatewayPorts`]: the two ports of the gateway under test, as every backend gives them to the
//! engine — send a frame on a side, and receive every frame that comes out, timestamped, as it
//! arrives.

use dsl::plan::Side;
use std::task::{Context, Poll, Waker};
use tokio::time::Instant;

/// A frame that came out of the gateway.
#[derive(Clone, Debug)]
pub struct Received {
    /// The side it came out on.
    pub side: Side,
    /// When it arrived (on tokio's clock, paused on `sim`).
    pub at: Instant,
    /// The whole frame, from its Ethernet header on, as it was on the wire.
    pub bytes: Vec<u8>,
    /// The frame went into the gateway rather than out of it: only a replayed capture
    /// (`gatecheck verify`) holds such frames; live gateways deliver only what came out.
    pub toward_gateway: bool,
}

/// Why the ports could not do what was asked (the case's verdict is then *error*).
#[derive(Debug, Clone, thiserror::Error)]
pub enum PortsError {
    /// A frame could not be sent.
    #[error("could not send on {side}: {reason}")]
    Send {
        /// The side the frame was for (`lan`, `wan`).
        side: &'static str,
        /// Why it could not go, as the OS or the backend said.
        reason: String,
    },
    /// The ports could not be opened (an interface missing or down, no permission).
    #[error("testbed: {0}")]
    Setup(String),
}

/// A gateway behind two ports. The engine polls [`GatewayPorts::poll_recv`] for the frames the
/// gateway emits and matches each as it arrives; it never sleeps waiting for one.
pub trait GatewayPorts: Send {
    /// Sends one frame into the gateway on `side`.
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), PortsError>;
    /// The next frame out of the gateway: `Ready(Some)` a frame, `Ready(None)` the ports are
    /// closed, `Pending` nothing yet (the context's waker fires when something arrives).
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>>;
    /// A frame already waiting, without waiting and without asking to be woken: what the
    /// engine calls to drain what has arrived. Ports that can look without registering
    /// interest (a receive ring) overrides it.
    fn try_recv(&mut self) -> Option<Received> {
        match self.poll_recv(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(r) => r,
            Poll::Pending => None,
        }
    }
    /// A note for reports when the backend cannot guarantee a fresh gateway (docs/language.md
    /// §2.1 rule 9).
    fn freshness_caveat(&self) -> Option<String> {
        None
    }
    /// Frames that came out of the gateway but were lost before the runner read them (a full
    /// socket buffer), counted since the last call.
    fn take_dropped(&mut self) -> u64 {
        0
    }
}

/// Waits for the next frame out of the gateway; `None` when the ports are closed.
pub async fn recv(tb: &mut dyn GatewayPorts) -> Option<Received> {
    std::future::poll_fn(|cx| tb.poll_recv(cx)).await
}
