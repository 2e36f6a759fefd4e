//! Reading a pcapng file (ours, or one recorded with dumpcap) into a [`Capture`].
//!
//! This is a small reader of our own rather than `pcap-file`'s: `pcap-file` 2.0 reads an EPB
//! timestamp as nanoseconds whatever the interface's `if_tsresol` says, refuses an option list
//! that ends at the block's end without `opt_endofopt` (which the pcapng spec tells readers to
//! accept), refuses a 4-byte `if_tzone`, fails a whole block over a comment that is not UTF-8, and
//! says where nothing went wrong; a caller of `gatecheck verify` needs the byte offset.
//!
//! The whole file is read into memory and every length in it is checked against what is left
//! before it is used, so a hostile length is an error, never an allocation or a panic.
//! Several sections (concatenated files) are read one after the other; interface indices in the
//! result count over the whole file.

use super::{
    BYTE_ORDER_MAGIC, EPB, EPB_FLAGS, IDB, IF_DESCRIPTION, IF_NAME, IF_TSOFFSET, IF_TSRESOL, LINKTYPE_ETHERNET,
};
use super::{ISB, ISB_ENDTIME, OPT_COMMENT, PB, SHB, SPB};
use runner::result::Direction;
use std::path::{Path, PathBuf};

/// The SHB option `shb_userappl`.
const SHB_USERAPPL: u16 = 4;
/// `LINKTYPE_LINUX_SLL` and `LINKTYPE_LINUX_SLL2`: what capturing on Linux's `any` gives.
const LINKTYPES_SLL: [u16; 2] = [113, 276];
/// Classic pcap magics (micro- and nanosecond, both byte orders), as the file's first bytes.
const CLASSIC_PCAP: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

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
}

/// An Interface Description Block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interface {
    /// `if_name` (`lan`, `eth1`), when given.
    pub name: Option<String>,
    /// `if_description`, when given.
    pub description: Option<String>,
    /// The link type (always [`LINKTYPE_ETHERNET`](super::LINKTYPE_ETHERNET): others are an
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

/// One packet.
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

impl From<PacketDirection> for Direction {
    /// Inbound is [`Direction::Received`], outbound [`Direction::Sent`] (the tester's view).
    fn from(d: PacketDirection) -> Direction {
        match d {
            PacketDirection::Inbound => Direction::Received,
            PacketDirection::Outbound => Direction::Sent,
        }
    }
}

/// Why a file could not be read as a capture. Offsets count bytes from the file's start.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The file starts with a classic pcap magic number.
    #[error("not a pcapng file (it looks like a classic pcap file: convert it with `editcap -F pcapng`)")]
    ClassicPcap,
    /// The file does not start with a pcapng Section Header Block.
    #[error("not a pcapng file")]
    NotPcapng,
    /// A block goes past the end of the file.
    #[error("truncated block at byte offset {offset}: it needs {needed} bytes, {left} are left")]
    Truncated {
        /// Where the block starts.
        offset: usize,
        /// The block's length (or the 12 bytes any block has at least).
        needed: u64,
        /// What the file has from `offset` on.
        left: usize,
    },
    /// A block's structure is broken (lengths that disagree, fields missing).
    #[error("malformed block at byte offset {offset}: {what}")]
    Malformed {
        /// Where the block starts.
        offset: usize,
        /// What is wrong.
        what: String,
    },
    /// A section of a pcapng version other than 1.x.
    #[error("unsupported pcapng version {major}.{minor} in the section at byte offset {offset}")]
    UnsupportedVersion {
        /// Where the section header starts.
        offset: usize,
        /// Major version.
        major: u16,
        /// Minor version.
        minor: u16,
    },
    /// A packet names an interface its section does not describe.
    #[error(
        "the packet block at byte offset {offset} refers to interface {interface}, but its section \
         describes {count} interface(s)"
    )]
    NoSuchInterface {
        /// Where the packet block starts.
        offset: usize,
        /// The interface number in the block (counted within its section).
        interface: u32,
        /// How many interfaces the section had described by then.
        count: usize,
    },
    /// An interface whose frames are not Ethernet.
    #[error(
        "interface {interface}{} (byte offset {offset}) has link type {linktype}, not Ethernet (1){}",
        name.as_deref().map(|n| format!(" `{n}`")).unwrap_or_default(),
        if LINKTYPES_SLL.contains(linktype) {
            ": it was captured on Linux's `any`; capture on each interface instead"
        } else {
            ""
        }
    )]
    NotEthernet {
        /// The interface's index (counted over the file, as [`Frame::interface`]).
        interface: usize,
        /// Its `if_name`, when given.
        name: Option<String>,
        /// Its link type.
        linktype: u16,
        /// Where its Interface Description Block starts.
        offset: usize,
    },
}

/// Reads the pcapng file at `path`.
pub fn read_capture(path: &Path) -> Result<Capture, CaptureError> {
    let data = std::fs::read(path).map_err(|source| CaptureError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_capture(&data)
}

/// Reads pcapng bytes.
pub fn parse_capture(data: &[u8]) -> Result<Capture, CaptureError> {
    let head = data.get(..4).ok_or(CaptureError::NotPcapng)?;
    if CLASSIC_PCAP.iter().any(|m| m == head) {
        return Err(CaptureError::ClassicPcap);
    }
    if head != SHB.to_be_bytes() {
        return Err(CaptureError::NotPcapng);
    }
    let mut capture = Capture::default();
    let mut order = Order::Little;
    // Where the current section's interfaces start in `capture.interfaces`.
    let mut base = 0;
    let mut offset = 0;
    while offset < data.len() {
        let rest = &data[offset..];
        if rest.len() < 12 {
            return Err(CaptureError::Truncated {
                offset,
                needed: 12,
                left: rest.len(),
            });
        }
        if rest[..4] == SHB.to_be_bytes() {
            order = if rest[8..12] == BYTE_ORDER_MAGIC.to_be_bytes() {
                Order::Big
            } else if rest[8..12] == BYTE_ORDER_MAGIC.to_le_bytes() {
                Order::Little
            } else if offset == 0 {
                return Err(CaptureError::NotPcapng);
            } else {
                return Err(malformed(offset, "a section header with no valid byte-order magic"));
            };
            base = capture.interfaces.len();
        }
        let kind = order.u32(&rest[0..4]);
        let len = order.u32(&rest[4..8]);
        if len < 12 || len % 4 != 0 {
            return Err(malformed(
                offset,
                format!("its length {len} is not a multiple of 4 of at least 12"),
            ));
        }
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        if len > rest.len() {
            return Err(CaptureError::Truncated {
                offset,
                needed: len as u64,
                left: rest.len(),
            });
        }
        let trailer = order.u32(&rest[len - 4..len]);
        if trailer as usize != len {
            return Err(malformed(
                offset,
                format!("its closing length {trailer} differs from its length {len}"),
            ));
        }
        let block = Block {
            body: &rest[8..len - 4],
            offset,
            order,
        };
        match kind {
            SHB => block.section(&mut capture)?,
            IDB => {
                let iface = block.interface()?;
                if iface.linktype != LINKTYPE_ETHERNET {
                    return Err(CaptureError::NotEthernet {
                        interface: capture.interfaces.len(),
                        name: iface.name,
                        linktype: iface.linktype,
                        offset,
                    });
                }
                capture.interfaces.push(iface);
            }
            ISB => {
                if let Some(end) = block.statistics_end(&capture.interfaces[base..])? {
                    capture.recorded_until_ns = Some(capture.recorded_until_ns.map_or(end, |e| e.max(end)));
                }
            }
            EPB | PB | SPB => {
                let frame = block.packet(kind, &capture.interfaces[base..], base)?;
                capture.frames.push(frame);
            }
            _ => {}
        }
        offset += len;
    }
    Ok(capture)
}

fn malformed(offset: usize, what: impl Into<String>) -> CaptureError {
    CaptureError::Malformed {
        offset,
        what: what.into(),
    }
}

/// A section's byte order.
#[derive(Clone, Copy)]
enum Order {
    Big,
    Little,
}

impl Order {
    /// The u32 in the first four bytes of `b` (which has them).
    fn u32(self, b: &[u8]) -> u32 {
        let b = [b[0], b[1], b[2], b[3]];
        match self {
            Order::Big => u32::from_be_bytes(b),
            Order::Little => u32::from_le_bytes(b),
        }
    }

    /// The u16 in the first two bytes of `b` (which has them).
    fn u16(self, b: &[u8]) -> u16 {
        let b = [b[0], b[1]];
        match self {
            Order::Big => u16::from_be_bytes(b),
            Order::Little => u16::from_le_bytes(b),
        }
    }

    /// The u64 in the first eight bytes of `b` (which has them).
    fn u64(self, b: &[u8]) -> u64 {
        let b = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
        match self {
            Order::Big => u64::from_be_bytes(b),
            Order::Little => u64::from_le_bytes(b),
        }
    }
}

/// A block's body (between the lengths), where the block starts, and its section's byte order.
struct Block<'a> {
    body: &'a [u8],
    offset: usize,
    order: Order,
}

impl<'a> Block<'a> {
    /// The body, which must have at least `n` bytes of fixed fields.
    fn fixed(&self, n: usize, what: &str) -> Result<&'a [u8], CaptureError> {
        if self.body.len() < n {
            return Err(malformed(
                self.offset,
                format!("a {what} needs {n} bytes of fields, it has {}", self.body.len()),
            ));
        }
        Ok(self.body)
    }

    /// The options from `start` on: `(code, value)`, up to `opt_endofopt` or the block's end.
    fn options(&self, start: usize) -> Result<Vec<(u16, &'a [u8])>, CaptureError> {
        let mut rest = self.body.get(start..).unwrap_or_default();
        let mut out = Vec::new();
        while rest.len() >= 4 {
            let code = self.order.u16(&rest[0..2]);
            let len = usize::from(self.order.u16(&rest[2..4]));
            if code == 0 {
                break;
            }
            rest = &rest[4..];
            if len > rest.len() {
                return Err(malformed(
                    self.offset,
                    format!("option {code} says {len} bytes, the block has {} left", rest.len()),
                ));
            }
            out.push((code, &rest[..len]));
            let padded = len.next_multiple_of(4).min(rest.len());
            rest = &rest[padded..];
        }
        Ok(out)
    }

    /// A Section Header Block: its version, comments and `shb_userappl`.
    fn section(&self, capture: &mut Capture) -> Result<(), CaptureError> {
        let body = self.fixed(16, "section header")?;
        let (major, minor) = (self.order.u16(&body[4..6]), self.order.u16(&body[6..8]));
        if major != 1 {
            return Err(CaptureError::UnsupportedVersion {
                offset: self.offset,
                major,
                minor,
            });
        }
        for (code, value) in self.options(16)? {
            match code {
                OPT_COMMENT => capture.comments.push(text(value)),
                SHB_USERAPPL if capture.user_application.is_none() => capture.user_application = Some(text(value)),
                _ => {}
            }
        }
        Ok(())
    }

    /// An Interface Description Block.
    fn interface(&self) -> Result<Interface, CaptureError> {
        let body = self.fixed(8, "interface description")?;
        let mut iface = Interface {
            name: None,
            description: None,
            linktype: self.order.u16(&body[0..2]),
            snaplen: self.order.u32(&body[4..8]),
            ts_resolution: TsResolution::default(),
            ts_offset: 0,
        };
        for (code, value) in self.options(8)? {
            match code {
                IF_NAME => iface.name = Some(text(value)),
                IF_DESCRIPTION => iface.description = Some(text(value)),
                IF_TSRESOL if !value.is_empty() => iface.ts_resolution = TsResolution::from_option(value[0]),
                IF_TSOFFSET if value.len() == 8 => iface.ts_offset = self.order.u64(value) as i64,
                IF_TSRESOL | IF_TSOFFSET => {
                    return Err(malformed(
                        self.offset,
                        format!("option {code} has a value of {} bytes", value.len()),
                    ));
                }
                _ => {}
            }
        }
        Ok(iface)
    }

    /// An Interface Statistics Block's `isb_endtime`, in nanoseconds since the epoch, when it
    /// has one and names an interface of its section.
    fn statistics_end(&self, section: &[Interface]) -> Result<Option<i128>, CaptureError> {
        let body = self.fixed(12, "interface statistics block")?;
        let Some(iface) = usize::try_from(self.order.u32(&body[0..4]))
            .ok()
            .and_then(|i| section.get(i))
        else {
            return Ok(None);
        };
        for (code, value) in self.options(12)? {
            if code == ISB_ENDTIME && value.len() == 8 {
                let ticks = (u64::from(self.order.u32(&value[0..4])) << 32) | u64::from(self.order.u32(&value[4..8]));
                return Ok(Some(iface.timestamp_ns(ticks)));
            }
        }
        Ok(None)
    }

    /// An Enhanced Packet Block, an obsolete Packet Block or a Simple Packet Block, whose section
    /// has described `section` (the file's interfaces from `base` on).
    fn packet(&self, kind: u32, section: &[Interface], base: usize) -> Result<Frame, CaptureError> {
        let o = self.order;
        let (iface, ticks, caplen, original_len, data_start) = if kind == SPB {
            let body = self.fixed(4, "simple packet block")?;
            let original_len = o.u32(&body[0..4]);
            let snap = section.first().map_or(0, |i| i.snaplen);
            let mut caplen = (body.len() - 4).min(original_len as usize);
            if snap != 0 {
                caplen = caplen.min(snap as usize);
            }
            (0, None, caplen, original_len, 4)
        } else {
            let body = self.fixed(20, "packet block")?;
            let iface = if kind == EPB {
                o.u32(&body[0..4])
            } else {
                u32::from(o.u16(&body[0..2]))
            };
            let ticks = (u64::from(o.u32(&body[4..8])) << 32) | u64::from(o.u32(&body[8..12]));
            let caplen = o.u32(&body[12..16]) as usize;
            if caplen > body.len() - 20 {
                return Err(malformed(
                    self.offset,
                    format!(
                        "its captured length {caplen} is more than the {} bytes it has",
                        body.len() - 20
                    ),
                ));
            }
            (iface, Some(ticks), caplen, o.u32(&body[16..20]), 20)
        };
        let Some(desc) = section.get(iface as usize) else {
            return Err(CaptureError::NoSuchInterface {
                offset: self.offset,
                interface: iface,
                count: section.len(),
            });
        };
        let mut frame = Frame {
            interface: base + iface as usize,
            timestamp_ns: ticks.map(|t| desc.timestamp_ns(t)),
            direction: None,
            bytes: self.body[data_start..data_start + caplen].to_vec(),
            original_len,
            comments: Vec::new(),
        };
        if kind != SPB {
            for (code, value) in self.options(data_start + caplen.next_multiple_of(4))? {
                match code {
                    OPT_COMMENT => frame.comments.push(text(value)),
                    EPB_FLAGS if value.len() == 4 => {
                        frame.direction = match o.u32(value) & 0b11 {
                            1 => Some(PacketDirection::Inbound),
                            2 => Some(PacketDirection::Outbound),
                            _ => None,
                        }
                    }
                    _ => {}
                }
            }
        }
        Ok(frame)
    }
}

/// An option's text; invalid UTF-8 replaced, trailing NULs (some writers add them) dropped.
fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value).trim_end_matches('\0').to_string()
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
}
