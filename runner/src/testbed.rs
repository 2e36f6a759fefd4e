//! The two-port testbed abstraction every backend implements: send a frame on a side, and
//! receive every frame that comes out of the gateway, timestamped, through a channel.

use dsl::plan::Side;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// A frame that came out of the gateway.
#[derive(Clone, Debug)]
pub struct Received {
    /// The side it came out on.
    pub side: Side,
    /// When it arrived (the testbed's clock: tokio's, paused on `sim`).
    pub at: Instant,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Why the testbed could not do what was asked (verdict error).
#[derive(Debug, Clone, thiserror::Error)]
pub enum TestbedError {
    /// A frame could not be sent.
    #[error("could not send on {side}: {reason}")]
    Send {
        /// The side.
        side: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The testbed could not be set up.
    #[error("testbed: {0}")]
    Setup(String),
}

/// A gateway behind two ports. Frames the gateway emits arrive on the receiver returned by
/// [`Testbed::frames`]; the engine drains it continuously and matches frames as they arrive.
pub trait Testbed: Send {
    /// Sends one frame into the gateway on `side`.
    fn send(&mut self, side: Side, frame: &[u8]) -> Result<(), TestbedError>;
    /// The channel of frames coming out of the gateway (taken once).
    fn frames(&mut self) -> mpsc::UnboundedReceiver<Received>;
    /// A note for reports when the testbed cannot guarantee a fresh gateway (DSL.md rule 9).
    fn freshness_caveat(&self) -> Option<String> {
        None
    }
}
