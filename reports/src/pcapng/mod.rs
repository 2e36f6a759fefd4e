//! Annotated pcapng captures: one file per case, both sides of the gateway in it.
//!
//! A capture has one section whose header comment names the case, its verdict, the gateway and
//! the gatecheck version; two interfaces, `lan` (index 0) and `wan` (index 1), Ethernet, with
//! nanosecond timestamps; and one Enhanced Packet Block per recorded frame, in order, with the
//! direction in `epb_flags` and each step comment as an `opt_comment`. Wireshark shows it all:
//! the interface column, the packet comments, Statistics › Capture File Properties.
//!
//! [`write_capture`] writes such a file (through `pcap-file`); [`read_capture`] and
//! [`parse_capture`] read any pcapng file back — ours or one recorded with dumpcap — into a
//! [`Capture`], for `gatecheck verify`. The reader is our own, not `pcap-file`'s, which ignores
//! `if_tsresol` when reading and refuses some valid files (the reasons are in `read.rs`).

mod read;
mod write;

pub use read::{Capture, CaptureError, Frame, Interface, PacketDirection, TsResolution, parse_capture, read_capture};
pub use write::{CaptureMeta, encode_capture, write_capture};

/// Section Header Block type (also the file's first four bytes).
const SHB: u32 = 0x0A0D_0D0A;
/// Interface Description Block type.
const IDB: u32 = 1;
/// The obsolete Packet Block type.
const PB: u32 = 2;
/// Simple Packet Block type.
const SPB: u32 = 3;
/// Interface Statistics Block type.
const ISB: u32 = 5;
/// Enhanced Packet Block type.
const EPB: u32 = 6;
/// The byte-order magic of a Section Header Block.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// `LINKTYPE_ETHERNET`.
pub const LINKTYPE_ETHERNET: u16 = 1;

/// `opt_comment`, in every block.
const OPT_COMMENT: u16 = 1;
/// `if_name`.
const IF_NAME: u16 = 2;
/// `if_description`.
const IF_DESCRIPTION: u16 = 3;
/// `if_tsresol`.
const IF_TSRESOL: u16 = 9;
/// `if_tsoffset`.
const IF_TSOFFSET: u16 = 14;
/// `epb_flags` (and the Packet Block's `pack_flags`).
const EPB_FLAGS: u16 = 2;
/// `isb_endtime`: when the capture of an interface stopped.
const ISB_ENDTIME: u16 = 3;
