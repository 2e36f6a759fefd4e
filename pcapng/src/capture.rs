//! A capture as read: its interfaces and its frames, with timestamps in nanoseconds.

use crate::write::CASE_MARK;

/// A pcapng file as read: its interfaces and its frames, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    /// The section headers' comments (`opt_comment`), in file order.
    pub comments: Vec<String>,
    /// The first section's `shb_userappl` (the program that wrote the file), when it has one.
    pub user_application: Option<String>,
    /// Every interface of every section, in file order: [`Frame::interface`] indexes this.
    pub interfaces: Vec<Interface>,
    /// Every packet (Enhanced, Simple, and obsolete Packet Blocks), in file order.
    pub frames: Vec<Frame>,
    /// When the recording stopped, in nanoseconds since 1970-01-01 UTC: the latest
    /// `isb_endtime` of any interface (dumpcap and gatecheck write one), when the file has one.
    /// Frames may end earlier: nothing came in the meantime.
    pub recorded_until_ns: Option<i128>,
}

impl Capture {
    /// The index of the first interface whose `if_name` is `name`, to pick the LAN and WAN sides
    /// of a capture recorded on the tester.
    pub fn interface_named(&self, name: &str) -> Option<usize> {
        self.interfaces.iter().position(|i| i.name.as_deref() == Some(name))
    }

    /// The case a capture gatecheck wrote names in its section comment
    /// ([`CaptureMeta::section_comment`](crate::CaptureMeta::section_comment)), so that
    /// `gatecheck verify` can pick it out of a file of several cases.
    pub fn case_id(&self) -> Option<&str> {
        self.comments.iter().find_map(|c| {
            let rest = c.split_once(CASE_MARK)?.1;
            rest.split_whitespace().next()
        })
    }
}

/// An interface of the capture, as its Interface Description Block describes it: its name, and
/// how to read its frames' timestamps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// `if_name` (`lan`, `eth1`), when given.
    pub name: Option<String>,
    /// `if_description`, when given.
    pub description: Option<String>,
    /// The link type (always [`LINKTYPE_ETHERNET`](crate::LINKTYPE_ETHERNET): others are an
    /// error).
    pub linktype: u16,
    /// The snap length (0 = no limit).
    pub snaplen: u32,
    /// `if_tsresol` (10^-6 s when absent).
    pub ts_resolution: TsResolution,
    /// `if_tsoffset`, seconds added to every timestamp (0 when absent).
    pub ts_offset: i64,
}

impl Interface {
    /// A timestamp of this interface (`ticks` of its `if_tsresol`, after its `if_tsoffset`) in
    /// nanoseconds since 1970-01-01 UTC.
    pub fn timestamp_ns(&self, ticks: u64) -> i128 {
        self.ts_resolution.to_nanos(ticks) + i128::from(self.ts_offset) * 1_000_000_000
    }
}

/// The unit of an interface's timestamps (`if_tsresol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TsResolution {
    /// 10^-n seconds (`if_tsresol` with its top bit clear).
    Decimal(u8),
    /// 2^-n seconds (`if_tsresol` with its top bit set).
    Binary(u8),
}

impl Default for TsResolution {
    /// Microseconds, the pcapng default.
    fn default() -> Self {
        TsResolution::Decimal(6)
    }
}

impl TsResolution {
    /// The resolution an `if_tsresol` byte says.
    pub fn from_option(byte: u8) -> Self {
        if byte & 0x80 == 0 {
            TsResolution::Decimal(byte)
        } else {
            TsResolution::Binary(byte & 0x7f)
        }
    }

    /// `ticks` of this unit in nanoseconds, rounded down.
    pub fn to_nanos(self, ticks: u64) -> i128 {
        let ticks = u128::from(ticks);
        let ns = match self {
            TsResolution::Decimal(n) if n <= 9 => ticks * 10u128.pow(u32::from(9 - n)),
            TsResolution::Decimal(n) => 10u128.checked_pow(u32::from(n - 9)).map_or(0, |d| ticks / d),
            // ticks < 2^64, so ticks * 10^9 < 2^94; n < 128.
            TsResolution::Binary(n) => (ticks * 1_000_000_000) >> n,
        };
        // ns < 2^94 in every arm.
        ns as i128
    }
}

/// A packet as read, whatever block held it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Index into [`Capture::interfaces`].
    pub interface: usize,
    /// Nanoseconds since 1970-01-01 UTC (with `if_tsresol` and `if_tsoffset` applied); `None` for
    /// a Simple Packet Block, which has no timestamp.
    pub timestamp_ns: Option<i128>,
    /// The direction bits of `epb_flags`, when present and set.
    pub direction: Option<PacketDirection>,
    /// The captured bytes, from the Ethernet header on.
    pub bytes: Vec<u8>,
    /// The frame's length on the wire (more than `bytes.len()` when the capture cut it).
    pub original_len: u32,
    /// The packet's `opt_comment`s, in order (invalid UTF-8 replaced by U+FFFD).
    pub comments: Vec<String>,
}

/// The direction bits (0-1) of `epb_flags`, as seen from the capturing host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketDirection {
    /// `01`: the host received it. On a tester interface: it came out of the gateway.
    Inbound,
    /// `10`: the host sent it. On a tester interface: the runner sent it into the gateway.
    Outbound,
}

impl PacketDirection {
    /// Bits 0-1 of `epb_flags`.
    pub(crate) const fn flags(self) -> u32 {
        match self {
            PacketDirection::Inbound => 1,
            PacketDirection::Outbound => 2,
        }
    }

    /// The direction bits 0-1 of an `epb_flags` value say, when set.
    pub(crate) fn from_flags(flags: u32) -> Option<PacketDirection> {
        [PacketDirection::Inbound, PacketDirection::Outbound]
            .into_iter()
            .find(|d| d.flags() == flags & 0b11)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions_convert_ticks_to_nanoseconds() {
        assert_eq!(TsResolution::from_option(6).to_nanos(1_500_000), 1_500_000_000);
        assert_eq!(TsResolution::from_option(9).to_nanos(42), 42);
        assert_eq!(TsResolution::from_option(12).to_nanos(42_999), 42);
        assert_eq!(TsResolution::from_option(0x80 | 10).to_nanos(1024 * 3), 3_000_000_000);
        assert_eq!(TsResolution::from_option(0x80 | 127).to_nanos(u64::MAX), 0);
        assert_eq!(TsResolution::from_option(127).to_nanos(u64::MAX), 0);
        assert_eq!(
            TsResolution::from_option(0).to_nanos(u64::MAX),
            u128::from(u64::MAX) as i128 * 1_000_000_000
        );
    }

    #[test]
    fn direction_bits_read_back_as_written() {
        for d in [PacketDirection::Inbound, PacketDirection::Outbound] {
            assert_eq!(PacketDirection::from_flags(d.flags()), Some(d));
            assert_eq!(
                PacketDirection::from_flags(d.flags() | 0x10),
                Some(d),
                "only bits 0-1 count"
            );
        }
        assert_eq!(PacketDirection::from_flags(0), None);
        assert_eq!(PacketDirection::from_flags(3), None);
    }
}
