//! Annotated pcapng captures: one file per case, both sides of the gateway in it.
//!
//! A capture has one section whose header comment names the case, its verdict, the gateway and
//! the gatecheck version; two interfaces, `lan` (index 0) and `wan` (index 1), Ethernet, with
//! nanosecond timestamps; and one Enhanced Packet Block per recorded frame, in order, with the
//! direction in `epb_flags` and each step comment as an `opt_comment`. Wireshark shows it all:
//! the interface column, the packet comments, Statistics › Capture File Properties.
//!
//! [`encode_capture`] writes such a file (through `pcap-file`) from a [`CaptureMeta`] and
//! [`FrameToWrite`]s; [`read_capture`] and [`parse_capture`] read any pcapng file back — ours or
//! one recorded with dumpcap — into a [`Capture`], for `gatecheck verify`. The reader is our own,
//! not `pcap-file`'s, which ignores `if_tsresol` when reading and refuses some valid files (the
//! reasons are in `read.rs`).
//!
//! It depends on neither the runner nor the reports, which both depend on it: the reports write
//! each case's capture through it, and the `replay` backend of `gatecheck verify` reads captures
//! through it.

#![warn(missing_docs)]

mod capture;
mod error;
mod read;
mod write;

pub use capture::{Capture, Frame, Interface, PacketDirection, TsResolution};
pub use error::CaptureError;
pub use read::{parse_capture, read_capture};
pub use write::{CaptureMeta, FrameToWrite, INTERFACE_NAMES, encode_capture};

/// Block type of a Section Header Block (also the file's first four bytes).
const SHB: u32 = 0x0A0D_0D0A;
/// Block type of an Interface Description Block.
const IDB: u32 = 1;
/// Block type of the obsolete Packet Block.
const PB: u32 = 2;
/// Block type of a Simple Packet Block.
const SPB: u32 = 3;
/// Block type of an Interface Statistics Block.
const ISB: u32 = 5;
/// Block type of an Enhanced Packet Block.
const EPB: u32 = 6;
/// The byte-order magic of a Section Header Block, as written in the section's byte order.
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
/// The link type of Ethernet frames (`LINKTYPE_ETHERNET`), the only one captures hold.
pub const LINKTYPE_ETHERNET: u16 = 1;

/// Option code of a comment (`opt_comment`), valid in every block.
const OPT_COMMENT: u16 = 1;
/// Option code of an interface's name (`if_name`).
const IF_NAME: u16 = 2;
/// Option code of an interface's description (`if_description`).
const IF_DESCRIPTION: u16 = 3;
/// Option code of an interface's timestamp unit (`if_tsresol`).
const IF_TSRESOL: u16 = 9;
/// Option code of the seconds added to an interface's timestamps (`if_tsoffset`).
const IF_TSOFFSET: u16 = 14;
/// Option code of a packet's flags, direction among them (`epb_flags`, and the Packet Block's
/// `pack_flags`).
const EPB_FLAGS: u16 = 2;
/// Option code of when the capture of an interface stopped (`isb_endtime`).
const ISB_ENDTIME: u16 = 3;
