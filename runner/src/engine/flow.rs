//! Per-flow state while a case runs: the client port, the WAN mapping once learned, the ISNs,
//! and what each side has seen of each direction's sequence space (DSL.md §4).

use dsl::plan::Side;
use std::net::IpAddr;

/// Direction within a flow: index 0 = client → server, 1 = server → client.
pub type Dir = usize;
/// Client → server.
pub const C2S: Dir = 0;
/// Server → client.
pub const S2C: Dir = 1;

/// The direction of a segment an emulated host on `side` sends: the LAN client's go client →
/// server, the WAN server's server → client.
pub fn sent_dir(side: Side) -> Dir {
    match side {
        Side::Lan => C2S,
        Side::Wan => S2C,
    }
}

/// The direction of a segment that comes out of the gateway on `side` (the opposite of what
/// is sent there).
pub fn out_dir(side: Side) -> Dir {
    sent_dir(side.other())
}

/// The state of one flow.
#[derive(Clone, Debug, Default)]
pub struct FlowState {
    /// The client's port on the LAN (chosen when the flow names none).
    pub lport: u16,
    /// The client's port (or ICMP id) as seen on the WAN side, once learned.
    pub wan_port: Option<u16>,
    /// The client's address as seen on the WAN side, once learned.
    pub wan_addr: Option<IpAddr>,
    /// ISN chosen for each direction.
    pub isn: [u32; 2],
    /// Per side (lan 0, wan 1) and direction: observed absolute − (ISN + relative), once known.
    pub shift: [[Option<u32>; 2]; 2],
    /// Per direction: one past the highest relative sequence number the runner has sent.
    pub next_seq: [u32; 2],
    /// Per side and direction: one past the highest relative sequence number matched there.
    pub seen_high: [[Option<u32>; 2]; 2],
}

impl FlowState {
    /// The shift of direction `dir` as seen on `side`, zero until learned.
    pub fn shift_of(&self, side: usize, dir: Dir) -> u32 {
        self.shift[side][dir].unwrap_or(0)
    }
}
