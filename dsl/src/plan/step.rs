//! Steps: what each list entry of `steps:` does, and on which side.

use super::{Location, PacketSpec};
use std::time::Duration;

/// A numbered step.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// 1-based number: every list entry counts.
    pub number: usize,
    /// Where the step's action value starts.
    pub location: Location,
    /// The step's sentence (or wait/note/set text) as written.
    pub text: String,
    /// `name:`: a short label that reports show instead of the sentence.
    pub name: Option<String>,
    /// `why:` text shown when the step fails.
    pub why: Option<String>,
    /// Whether a failure fails the case or only warns.
    pub severity: StepSeverity,
    /// What the step does.
    pub action: Action,
}

/// `severity:` of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StepSeverity {
    /// A failure fails the case (default).
    #[default]
    Fail,
    /// A failure is a warning; the case goes on.
    Warn,
}

/// The gateway side a step acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The side of the gateway's LAN port: the clients behind the NAT.
    Lan,
    /// The side of the gateway's WAN port: the servers beyond it.
    Wan,
}

impl Side {
    /// The side's word in case files and reports: `lan` or `wan`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Lan => "lan",
            Side::Wan => "wan",
        }
    }

    /// The side as an index into per-side arrays: LAN 0, WAN 1.
    pub fn index(self) -> usize {
        match self {
            Side::Lan => 0,
            Side::Wan => 1,
        }
    }

    /// The other side of the gateway.
    pub fn other(self) -> Side {
        match self {
            Side::Lan => Side::Wan,
            Side::Wan => Side::Lan,
        }
    }
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// An emulated host on `side` sends `packet` into the gateway.
    Send {
        /// The sending side.
        side: Side,
        /// The packet, with defaults filled in.
        packet: PacketSpec,
    },
    /// A frame matching `pattern` must come out on `side` in the window.
    Expect {
        /// The side watched.
        side: Side,
        /// What the frame must match.
        pattern: PacketSpec,
        /// Window end, from the reference time.
        within: Duration,
        /// Window start, from the reference time.
        after: Option<Duration>,
    },
    /// No frame matching `pattern` may come out on `side` in the window.
    ExpectNo {
        /// The side watched.
        side: Side,
        /// What no frame may match.
        pattern: PacketSpec,
        /// Window end.
        within: Duration,
    },
    /// No frame at all (noise aside) may come out on `side` in the window.
    ExpectNothing {
        /// The side watched.
        side: Side,
        /// Window end.
        within: Duration,
    },
    /// Let time pass.
    Wait(Duration),
    /// Text for the reader of the case and of its log; does nothing.
    Note(String),
    /// Bind (`Some`) or unbind (`None`) variables, in order.
    Set(Vec<(String, Option<String>)>),
}
