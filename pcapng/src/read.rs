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

use crate::capture::{Capture, Frame, Interface, PacketDirection, TsResolution};
use crate::error::CaptureError;
use crate::{
    BYTE_ORDER_MAGIC, EPB, EPB_FLAGS, IDB, IF_DESCRIPTION, IF_NAME, IF_TSOFFSET, IF_TSRESOL, LINKTYPE_ETHERNET,
};
use crate::{ISB, ISB_ENDTIME, OPT_COMMENT, PB, SHB, SPB};
use std::path::Path;

/// The SHB option `shb_userappl`.
const SHB_USERAPPL: u16 = 4;
/// Classic pcap magics (micro- and nanosecond, both byte orders), as the file's first bytes.
const CLASSIC_PCAP: [[u8; 4]; 4] = [
    [0xd4, 0xc3, 0xb2, 0xa1],
    [0xa1, 0xb2, 0xc3, 0xd4],
    [0x4d, 0x3c, 0xb2, 0xa1],
    [0xa1, 0xb2, 0x3c, 0x4d],
];

/// Reads the pcapng file at `path` (see [`parse_capture`]); an unreadable file is an error
/// naming it.
pub fn read_capture(path: &Path) -> Result<Capture, CaptureError> {
    let data = std::fs::read(path).map_err(|source| CaptureError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_capture(&data)
}

/// Reads a whole pcapng file held in memory: every section, interface and packet; the first
/// broken block is an error naming its byte offset.
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
            order = section_order(rest, offset)?;
            base = capture.interfaces.len();
        }
        let block = Block::framed(rest, offset, order)?;
        block.read_into(&mut capture, base)?;
        offset += block.len;
    }
    Ok(capture)
}

/// The byte order of the section whose header starts `rest` (at `offset` in the file).
fn section_order(rest: &[u8], offset: usize) -> Result<Order, CaptureError> {
    if rest[8..12] == BYTE_ORDER_MAGIC.to_be_bytes() {
        Ok(Order::Big)
    } else if rest[8..12] == BYTE_ORDER_MAGIC.to_le_bytes() {
        Ok(Order::Little)
    } else if offset == 0 {
        Err(CaptureError::NotPcapng)
    } else {
        Err(malformed(offset, "a section header with no valid byte-order magic"))
    }
}

/// The error of a broken block starting at `offset`: `what` is wrong with it.
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

/// A block: its type, its body (between the lengths), its whole length, where it starts, and its
/// section's byte order.
struct Block<'a> {
    kind: u32,
    body: &'a [u8],
    len: usize,
    offset: usize,
    order: Order,
}

impl<'a> Block<'a> {
    /// The block that starts `rest` (at `offset` in the file; at least 12 bytes), its lengths
    /// checked against each other and against what the file has left.
    fn framed(rest: &'a [u8], offset: usize, order: Order) -> Result<Block<'a>, CaptureError> {
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
        Ok(Block {
            kind,
            body: &rest[8..len - 4],
            len,
            offset,
            order,
        })
    }

    /// Adds what the block holds to `capture`, whose current section's interfaces start at
    /// `base`; blocks of other types are skipped.
    fn read_into(&self, capture: &mut Capture, base: usize) -> Result<(), CaptureError> {
        match self.kind {
            SHB => self.section(capture)?,
            IDB => {
                let iface = self.interface()?;
                if iface.linktype != LINKTYPE_ETHERNET {
                    return Err(CaptureError::NotEthernet {
                        interface: capture.interfaces.len(),
                        name: iface.name,
                        linktype: iface.linktype,
                        offset: self.offset,
                    });
                }
                capture.interfaces.push(iface);
            }
            ISB => {
                if let Some(end) = self.statistics_end(&capture.interfaces[base..])? {
                    capture.recorded_until_ns = Some(capture.recorded_until_ns.map_or(end, |e| e.max(end)));
                }
            }
            EPB | PB | SPB => {
                let frame = self.packet(&capture.interfaces[base..], base)?;
                capture.frames.push(frame);
            }
            _ => {}
        }
        Ok(())
    }

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
    fn packet(&self, section: &[Interface], base: usize) -> Result<Frame, CaptureError> {
        let kind = self.kind;
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
                    EPB_FLAGS if value.len() == 4 => frame.direction = PacketDirection::from_flags(o.u32(value)),
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
