//! Writing one case's capture, through `pcap-file` 2.0.
//!
//! `pcap-file` writes what we need correctly (checked with tshark in `pcapng/tests/pcapng.rs`):
//! several interfaces, `if_tsresol`, packet comments and `epb_flags`. It always writes an EPB
//! timestamp as nanoseconds, which is why every interface says `if_tsresol = 9`. Two of its
//! limits are handled here: an option longer than 65535 bytes would get a wrapped length (so long
//! strings are cut), and a frame longer than `u32::MAX` a wrapped captured length (so frames are
//! cut at the snap length, which no Ethernet frame reaches).

use crate::{LINKTYPE_ETHERNET, PacketDirection};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::interface_statistics::{InterfaceStatisticsBlock, InterfaceStatisticsOption};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::{DataLink, Endianness, PcapError};
use std::borrow::Cow;
use std::io;
use std::time::{Duration, SystemTime};

/// The snap length every interface declares (Wireshark's largest standard one); longer frames
/// are stored cut to it, with their real length kept.
const SNAPLEN: u32 = 262_144;
/// The longest string an option can hold (its length field is 16 bits).
const MAX_OPTION: usize = u16::MAX as usize;
/// The `if_name` of the two interfaces of a capture: [`FrameToWrite::interface`] indexes this.
pub const INTERFACE_NAMES: [&str; 2] = ["lan", "wan"];
/// What stands before the case id in the section comment ([`CaptureMeta::section_comment`]),
/// where [`Capture::case_id`](crate::Capture::case_id) finds it.
pub(crate) const CASE_MARK: &str = " — case ";

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
    /// (`testbed interface tlan, gateway netns`), in the order of [`INTERFACE_NAMES`].
    pub interfaces: [String; 2],
    /// The failure report or the error's reason, added to the section comment when given.
    pub failure: Option<String>,
    /// The wall-clock time the case started: frame timestamps are this plus
    /// [`FrameToWrite::at`].
    pub start: SystemTime,
    /// How long after `start` the recording stopped (the case's end), written as each
    /// interface's `isb_endtime`: a reader then knows that a quiet end of the capture was
    /// watched, not missed.
    pub recorded_for: Option<Duration>,
}

/// One frame of a case, as [`encode_capture`] writes it: borrowed from what the case recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameToWrite<'a> {
    /// Its interface, an index into [`INTERFACE_NAMES`]: 0 `lan`, 1 `wan`.
    pub interface: usize,
    /// Its time after [`CaptureMeta::start`].
    pub at: Duration,
    /// Which way it went, seen from the tester (written into `epb_flags`).
    pub direction: PacketDirection,
    /// The frame, from the Ethernet header on.
    pub bytes: &'a [u8],
    /// The packet comments (`step 3: matched ...`), in order.
    pub comments: &'a [String],
}

impl CaptureMeta {
    /// The Section Header Block's comment: `gatecheck 0.1.0 — case ID (TITLE) — verdict fail —
    /// gateway sim:syn-data-drop`, then a blank line and [`CaptureMeta::failure`] when given.
    pub fn section_comment(&self) -> String {
        let mut s = format!("gatecheck {}{CASE_MARK}{}", self.version, self.case_id);
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
/// `wan` interfaces, one Enhanced Packet Block per frame, in the order given, and, when
/// [`CaptureMeta::recorded_for`] is given, an `isb_endtime` for each interface.
///
/// Errors when a frame names an interface past the two, or if `pcap-file` refuses a block, which
/// the blocks built here never give it cause to.
pub fn encode_capture<'a>(
    meta: &CaptureMeta,
    frames: impl IntoIterator<Item = FrameToWrite<'a>>,
) -> io::Result<Vec<u8>> {
    let mut w = PcapNgWriter::with_section_header(Vec::new(), section_header(meta)).map_err(to_io)?;
    for (name, description) in INTERFACE_NAMES.into_iter().zip(&meta.interfaces) {
        w.write_pcapng_block(interface_block(name, description))
            .map_err(to_io)?;
    }
    let start = meta.start.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    for f in frames {
        w.write_pcapng_block(packet_block(start, &f)?).map_err(to_io)?;
    }
    if let Some(end) = meta.recorded_for {
        for interface_id in 0..INTERFACE_NAMES.len() as u32 {
            w.write_pcapng_block(end_block(interface_id, start.saturating_add(end)))
                .map_err(to_io)?;
        }
    }
    Ok(w.into_inner())
}

/// The Section Header Block: the section comment and the program that wrote the file.
fn section_header(meta: &CaptureMeta) -> SectionHeaderBlock<'static> {
    SectionHeaderBlock {
        endianness: Endianness::Little,
        options: vec![
            SectionHeaderOption::Comment(clamp(meta.section_comment().into())),
            SectionHeaderOption::UserApplication(clamp(format!("gatecheck {}", meta.version).into())),
        ],
        ..SectionHeaderBlock::default()
    }
}

/// The Interface Description Block of interface `name`: Ethernet, nanosecond timestamps.
fn interface_block<'a>(name: &'a str, description: &'a str) -> InterfaceDescriptionBlock<'a> {
    InterfaceDescriptionBlock {
        linktype: DataLink::from(u32::from(LINKTYPE_ETHERNET)),
        snaplen: SNAPLEN,
        options: vec![
            InterfaceDescriptionOption::IfName(name.into()),
            InterfaceDescriptionOption::IfDescription(clamp(description.into())),
            InterfaceDescriptionOption::IfTsResol(9),
        ],
    }
}

/// The Enhanced Packet Block of `f`, stamped `start` (since the epoch) plus [`FrameToWrite::at`].
fn packet_block<'a>(start: Duration, f: &FrameToWrite<'a>) -> io::Result<EnhancedPacketBlock<'a>> {
    if f.interface >= INTERFACE_NAMES.len() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a frame on interface {}: a capture has two", f.interface),
        ));
    }
    let ts = start.checked_add(f.at).unwrap_or(Duration::MAX);
    let mut options = vec![EnhancedPacketOption::Flags(f.direction.flags())];
    options.extend(
        f.comments
            .iter()
            .map(|c| EnhancedPacketOption::Comment(clamp(c.as_str().into()))),
    );
    Ok(EnhancedPacketBlock {
        interface_id: f.interface as u32,
        timestamp: Duration::from_nanos(saturating_nanos(ts)),
        original_len: u32::try_from(f.bytes.len()).unwrap_or(u32::MAX),
        data: Cow::Borrowed(&f.bytes[..f.bytes.len().min(SNAPLEN as usize)]),
        options,
    })
}

/// The Interface Statistics Block saying that the recording of `interface_id` stopped at `end`
/// (since the epoch).
fn end_block(interface_id: u32, end: Duration) -> InterfaceStatisticsBlock<'static> {
    // pcapng stores an ISB timestamp as its high 32 bits then its low 32 bits, each in the
    // section's byte order, as in an EPB; pcap-file writes the ISB's u64s whole, which in a
    // little-endian section puts the low half first, so the halves are swapped here.
    let isb_time = saturating_nanos(end).rotate_left(32);
    InterfaceStatisticsBlock {
        interface_id,
        timestamp: isb_time,
        options: vec![InterfaceStatisticsOption::IsbEndTime(isb_time)],
    }
}

/// `d` in nanoseconds, `u64::MAX` when it does not fit.
fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
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

/// `pcap-file`'s error as the I/O error it wraps, or as one.
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
