//! Per-flow state while a case runs: the client port, the WAN mapping once learned, the ISNs,
//! and what each side has seen of each direction's sequence space (docs/language.md §4).

use crate::codec::TcpFlags;
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

    /// The absolute sequence number that relative 0 of direction `dir` has on `side`: the ISN,
    /// plus the shift a gateway that rewrites sequence numbers applies there once learned.
    pub fn base(&self, side: usize, dir: Dir) -> u32 {
        self.isn[dir].wrapping_add(self.shift_of(side, dir))
    }

    /// The relative sequence number of absolute `seq` travelling `dir`, as seen on `side`.
    pub fn rel(&self, side: usize, dir: Dir, seq: u32) -> u32 {
        seq.wrapping_sub(self.base(side, dir))
    }
}

/// One past the last sequence number a segment occupies: its start, its data, and one each for
/// SYN and FIN.
pub fn seq_end(start: u32, len: usize, flags: u8) -> u32 {
    start
        .wrapping_add(len as u32)
        .wrapping_add(u32::from(flags & TcpFlags::SYN != 0))
        .wrapping_add(u32::from(flags & TcpFlags::FIN != 0))
}

/// Moves the high-water mark `high` up to `end` when `end` is ahead of it in sequence space
/// (less than half the space ahead, as TCP compares sequence numbers); a segment behind it (a
/// retransmission, a reordered one) leaves it where it is.
pub fn advance(high: &mut u32, end: u32) {
    if end.wrapping_sub(*high) < 0x8000_0000 {
        *high = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seq_end_counts_data_syn_and_fin() {
        assert_eq!(seq_end(0, 0, TcpFlags::SYN), 1);
        assert_eq!(seq_end(1, 5, TcpFlags::ACK | TcpFlags::FIN), 7);
        assert_eq!(seq_end(u32::MAX, 2, TcpFlags::ACK), 1);
    }

    #[test]
    fn high_water_mark_moves_forward_across_the_wrap_only() {
        let mut high = u32::MAX - 1;
        advance(&mut high, 3);
        assert_eq!(high, 3, "ahead across the wrap");
        advance(&mut high, u32::MAX - 10);
        assert_eq!(high, 3, "behind it: a retransmission does not move it back");
    }

    #[test]
    fn relative_numbers_count_from_the_isn_plus_the_learned_shift() {
        let mut f = FlowState {
            isn: [1000, 5000],
            ..FlowState::default()
        };
        assert_eq!(f.rel(1, S2C, 5001), 1);
        f.shift[1][S2C] = Some(100);
        assert_eq!(f.rel(1, S2C, 5101), 1);
        assert_eq!(f.rel(0, S2C, 5001), 1, "the shift is per side");
    }
}
