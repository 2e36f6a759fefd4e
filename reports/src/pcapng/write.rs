//! Writing one case's capture, through `pcap-file` 2.0.
//!
//! `pcap-file` writes what we need correctly (checked with tshark in `reports/tests/pcapng.rs`):
//! several interfaces, `if_tsresol`, packet comments and `epb_flags`. It always writes an EPB
//! timestamp as nanoseconds, which is why every interface says `if_tsresol = 9`. Two of its
//! limits are handled here: an option longer than 65535 bytes would get a wrapped length (so long
//! strings are cut), and a frame longer than `u32::MAX` a wrapped captured length (so frames are
//! cut at the snap length, which no Ethernet frame reaches).

use super::LINKTYPE_ETHERNET;
use crate::ReportError;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::interface_statistics::{InterfaceStatisticsBlock, InterfaceStatisticsOption};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{DataLink, Endianness, PcapError};
use runner::result::{Direction, RecordedFrame, Side};
use std::borrow::Cow;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The snap length every interface declares (Wireshark's largest standard one); longer frames
/// are stored cut to it, with their real length kept.
const SNAPLEN: u32 = 262_144;
/// The longest string an option can hold (its length field is 16 bits).
const MAX_OPTION: usize = u16::MAX as usize;
/// `epb_flags` bits 0-1: inbound (came out of the gateway to the tester).
const FLAG_INBOUND: u32 = 1;
/// `epb_flags` bits 0-1: outbound (the runner sent it into the gateway).
const FLAG_OUTBOUND: u32 = 2;

/// What a capture file says about its case, besides the frames.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureMeta {
    /// The case id, with matrix values (`nat_tcp.hairpin[proto=tcp]`).
    pub case_id: String,
    /// The case's title.
    pub title: String,
    /// The verdict's name (`pass`, `fail`, `error`, `skip`).
    pub verdict: String,
    /// The gateway it ran against (`sim:syn-data-drop`, `netns`, `wire`).
    pub gateway: String,
    /// The gatecheck version (`0.1.0`).
    pub version: String,
    /// The `if_description` of the `lan` and the `wan` interface
    /// (`testbed interface tlan, gateway netns`).
    pub interfaces: [String; 2],
    /// The failure report or the error's reason, added to the section comment when given.
    pub failure: Option<String>,
    /// The wall-clock time the case started: frame timestamps are this plus
    /// [`RecordedFrame::at`].
    pub start: SystemTime,
    /// How long after `start` the recording stopped (the case's end), written as each
    /// interface's `isb_endtime`: a reader then knows that a quiet end of the capture was
    /// watched, not missed.
    pub recorded_for: Option<Duration>,
}

impl CaptureMeta {
    /// The Section Header Block's comment: `gatecheck 0.1.0 — case ID (TITLE) — verdict fail —
    /// gateway sim:syn-data-drop`, then a blank line and [`CaptureMeta::failure`] when given.
    pub fn section_comment(&self) -> String {
        let mut s = format!("gatecheck {} — case {}", self.version, self.case_id);
        if !self.title.is_empty() {
            s.push_str(&format!(" ({})", self.title));
        }
        s.push_str(&format!(" — verdict {} — gateway {}", self.verdict, self.gateway));
        if let Some(f) = self.failure.as_deref().map(str::trim_end).filter(|f| !f.is_empty()) {
            s.push_str("\n\n");
            s.push_str(f);
        }
        s
    }
}

/// The capture of one case as pcapng bytes (little-endian): the section header, the `lan` and
/// `wan` interfaces, and one Enhanced Packet Block per frame, in the order given.
///
/// Errors only if `pcap-file` refuses a block, which the blocks built here never give it cause to.
pub fn encode_capture(meta: &CaptureMeta, frames: &[RecordedFrame]) -> io::Result<Vec<u8>> {
    let section = SectionHeaderBlock {
        endianness: Endianness::Little,
        options: vec![
            SectionHeaderOption::Comment(clamp(meta.section_comment().into())),
            SectionHeaderOption::UserApplication(clamp(format!("gatecheck {}", meta.version).into())),
        ],
        ..SectionHeaderBlock::default()
    };
    let mut w = PcapNgWriter::with_section_header(Vec::new(), section).map_err(to_io)?;
    for (name, description) in ["lan", "wan"].into_iter().zip(&meta.interfaces) {
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::from(u32::from(LINKTYPE_ETHERNET)),
            snaplen: SNAPLEN,
            options: vec![
                InterfaceDescriptionOption::IfName(name.into()),
                InterfaceDescriptionOption::IfDescription(clamp(description.as_str().into())),
                InterfaceDescriptionOption::IfTsResol(9),
            ],
        };
        w.write_pcapng_block(idb).map_err(to_io)?;
    }
    let start = meta.start.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    for f in frames {
        let ts = start.checked_add(f.at).unwrap_or(Duration::MAX);
        let ts = Duration::from_nanos(u64::try_from(ts.as_nanos()).unwrap_or(u64::MAX));
        let flags = match f.direction {
            Direction::Received => FLAG_INBOUND,
            Direction::Sent => FLAG_OUTBOUND,
        };
        let mut options = vec![EnhancedPacketOption::Flags(flags)];
        options.extend(
            f.comments
                .iter()
                .map(|c| EnhancedPacketOption::Comment(clamp(c.as_str().into()))),
        );
        let captured = &f.bytes[..f.bytes.len().min(SNAPLEN as usize)];
        let epb = EnhancedPacketBlock {
            interface_id: match f.side {
                Side::Lan => 0,
                Side::Wan => 1,
            },
            timestamp: ts,
            original_len: u32::try_from(f.bytes.len()).unwrap_or(u32::MAX),
            data: Cow::Borrowed(captured),
            options,
        };
        w.write_pcapng_block(epb).map_err(to_io)?;
    }
    if let Some(end) = meta.recorded_for {
        let nanos = |d: Duration| u64::try_from(start.saturating_add(d).as_nanos()).unwrap_or(u64::MAX);
        // pcapng stores an ISB timestamp as its high 32 bits then its low 32 bits, each in the
        // section's byte order, as in an EPB; pcap-file writes the ISB's u64s whole, which in a
        // little-endian section puts the low half first, so the halves are swapped here.
        let isb_time = |ns: u64| ns.rotate_left(32);
        for interface_id in 0..2 {
            let isb = InterfaceStatisticsBlock {
                interface_id,
                timestamp: isb_time(nanos(end)),
                options: vec![InterfaceStatisticsOption::IsbEndTime(isb_time(nanos(end)))],
            };
            w.write_pcapng_block(isb).map_err(to_io)?;
        }
    }
    Ok(w.into_inner())
}

/// Writes the capture of one case to `path` (its folder created when missing) through
/// `path.tmp` and a rename, so a reader never sees half a file.
pub fn write_capture(path: &Path, meta: &CaptureMeta, frames: &[RecordedFrame]) -> Result<(), ReportError> {
    let bytes = encode_capture(meta, frames).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    crate::junit::write_atomically(path, &bytes)
}

/// `s`, cut at a character boundary (and ended with `…`) when it is too long for an option.
fn clamp(s: Cow<'_, str>) -> Cow<'_, str> {
    if s.len() <= MAX_OPTION {
        return s;
    }
    let mut end = MAX_OPTION - '…'.len_utf8();
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

fn to_io(e: PcapError) -> io::Error {
    match e {
        PcapError::IoError(e) => e,
        other => io::Error::other(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_options_are_cut_to_fit_their_16_bit_length_at_a_char_boundary() {
        let long = "é".repeat(40_000);
        let cut = clamp(long.as_str().into());
        assert!(cut.len() <= MAX_OPTION, "{} bytes", cut.len());
        assert!(cut.ends_with('…'));
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(clamp("short".into()), "short");
    }
}
