//! Why a file could not be read as a capture: each error says where in the file.

use std::path::PathBuf;

/// `LINKTYPE_LINUX_SLL` and `LINKTYPE_LINUX_SLL2`: what capturing on Linux's `any` gives.
const LINKTYPES_SLL: [u16; 2] = [113, 276];

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
