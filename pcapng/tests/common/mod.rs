//! What the capture tests share: sample frames and metadata, foreign files built with
//! pcap-file's own writer, a walk over a file's blocks, and tshark.

#![allow(dead_code)]

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcapng::{CaptureMeta, FrameToWrite, PacketDirection, encode_capture};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};
use tempfile::TempDir;

/// 2025-06-15T15:06:40.123456789Z: a start with nanoseconds, so a lost digit shows.
pub fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::new(1_750_000_000, 123_456_789)
}

/// [`start`] in nanoseconds since the epoch.
pub fn start_ns() -> i128 {
    start().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as i128
}

/// An Ethernet/IPv4/UDP frame from port `sport` with `payload` (checksums left 0).
pub fn udp_frame(sport: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    let ip_len = (20 + 8 + payload.len()) as u16;
    f.extend_from_slice(&[0x45, 0, (ip_len >> 8) as u8, ip_len as u8, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f.extend_from_slice(&[10, 0, 0, 2, 198, 51, 100, 7]);
    let udp_len = (8 + payload.len()) as u16;
    f.extend_from_slice(&sport.to_be_bytes());
    f.extend_from_slice(&[0, 53, (udp_len >> 8) as u8, udp_len as u8, 0, 0]);
    f.extend_from_slice(payload);
    f
}

/// What a case recorded of one frame: what [`FrameToWrite`] borrows.
pub struct Recorded {
    pub at: Duration,
    pub interface: usize,
    pub direction: PacketDirection,
    pub bytes: Vec<u8>,
    pub comments: Vec<String>,
}

impl Recorded {
    pub fn to_write(&self) -> FrameToWrite<'_> {
        FrameToWrite {
            interface: self.interface,
            at: self.at,
            direction: self.direction,
            bytes: &self.bytes,
            comments: &self.comments,
        }
    }
}

/// The index of the `lan` interface of a capture, as [`pcapng::INTERFACE_NAMES`] orders them.
pub const LAN: usize = 0;
/// The index of the `wan` interface.
pub const WAN: usize = 1;

/// A recorded UDP frame from port `sport` (its payload 1 to 4 bytes long, by `sport`).
pub fn frame(at: Duration, interface: usize, direction: PacketDirection, sport: u16, comments: &[&str]) -> Recorded {
    Recorded {
        at,
        interface,
        direction,
        // Lengths 43..46: every padding length of the packet data occurs.
        bytes: udp_frame(sport, &b"gate"[..(sport % 4) as usize + 1]),
        comments: comments.iter().map(|c| c.to_string()).collect(),
    }
}

/// Frames on both sides, both directions, with zero, one and two comments, sub-microsecond times.
pub fn frames() -> Vec<Recorded> {
    vec![
        frame(
            Duration::ZERO,
            LAN,
            PacketDirection::Outbound,
            40_000,
            &["step 1: sent udp 10.0.0.2:40000 -> 198.51.100.7:53"],
        ),
        frame(
            Duration::from_nanos(1_234_567),
            WAN,
            PacketDirection::Inbound,
            40_001,
            &[
                "step 2: matched udp 203.0.113.2:40001 -> 198.51.100.7:53",
                "step 2: mapping kept the source port",
            ],
        ),
        frame(
            Duration::from_nanos(2_000_007),
            WAN,
            PacketDirection::Outbound,
            40_002,
            &[],
        ),
        frame(
            Duration::new(5, 1),
            LAN,
            PacketDirection::Inbound,
            40_003,
            &["step 8: FAILED — no matching frame on lan within 1s (nearest: dst port 8080 ≠ 80)"],
        ),
    ]
}

/// The metadata of a failed matrix case on a netns gateway, starting at [`start`].
pub fn meta() -> CaptureMeta {
    CaptureMeta {
        case_id: "tfo.cookie_then_data[mss=1400]".into(),
        title: "TCP Fast Open: data in the SYN after a cookie".into(),
        verdict: "fail".into(),
        gateway: "sim:syn-data-drop".into(),
        version: "0.1.0".into(),
        interfaces: [
            "testbed interface tlan, gateway netns".into(),
            "testbed interface twan, gateway netns".into(),
        ],
        failure: None,
        start: start(),
        recorded_for: None,
    }
}

/// `frames` with `meta()` as pcapng bytes.
pub fn encoded(frames: &[Recorded]) -> Vec<u8> {
    encode_capture(&meta(), frames.iter().map(Recorded::to_write)).unwrap()
}

/// Writes `frames` with `meta()` to `case.pcapng` in a fresh folder (removed when dropped).
pub fn written(frames: &[Recorded]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.pcapng");
    std::fs::write(&path, encoded(frames)).unwrap();
    (dir, path)
}

/// Whether `tool` runs; says so loudly when it does not.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("SKIPPED: {tool} not installed (apt-get install tshark)");
    }
    ok
}

/// `tshark -r path -T fields` with `fields`, one row per frame, one column per field;
/// several occurrences of a field are joined by `|`.
pub fn tshark_fields(path: &Path, fields: &[&str]) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args([
        "-T",
        "fields",
        "-E",
        "separator=/t",
        "-E",
        "occurrence=a",
        "-E",
        "aggregator=|",
    ]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "tshark: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// `1750000000.123456789` as nanoseconds.
pub fn epoch_ns(s: &str) -> i128 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    assert_eq!(frac.len(), 9, "tshark shows nanoseconds: {s}");
    secs.parse::<i128>().unwrap() * 1_000_000_000 + frac.parse::<i128>().unwrap()
}

/// A pcapng section (pcap-file's writer, little-endian) with one Ethernet interface per entry of
/// `interfaces`, each with those options, then an Enhanced Packet Block per
/// `(interface, raw timestamp)` of `packets`.
pub fn foreign(interfaces: &[Vec<InterfaceDescriptionOption<'static>>], packets: &[(u32, u64)]) -> Vec<u8> {
    let mut w = PcapNgWriter::with_endianness(Vec::new(), pcap_file::Endianness::Little).unwrap();
    for options in interfaces {
        let idb = InterfaceDescriptionBlock {
            linktype: DataLink::ETHERNET,
            snaplen: 0,
            options: options.clone(),
        };
        w.write_pcapng_block(idb).unwrap();
    }
    for &(interface_id, ticks) in packets {
        let data = udp_frame(9, b"x");
        let epb = EnhancedPacketBlock {
            interface_id,
            // pcap-file writes the Duration's nanoseconds as the raw timestamp, whatever if_tsresol.
            timestamp: Duration::from_nanos(ticks),
            original_len: data.len() as u32,
            data: Cow::Owned(data),
            options: vec![EnhancedPacketOption::Comment("foreign".into())],
        };
        w.write_pcapng_block(epb).unwrap();
    }
    w.into_inner()
}

/// Each block's `(offset, type)`, walking the little-endian `bytes`.
pub fn blocks(bytes: &[u8]) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let len = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
        out.push((at, kind));
        at += len;
    }
    out
}

/// Where the `nth` block of type `kind` starts in the little-endian `bytes`.
pub fn offset_of(bytes: &[u8], kind: u32, nth: usize) -> usize {
    blocks(bytes)
        .into_iter()
        .filter(|&(_, k)| k == kind)
        .nth(nth)
        .unwrap()
        .0
}

/// [`frames`] with [`meta`] as pcapng bytes: a valid capture to mutate.
pub fn sample() -> Vec<u8> {
    encoded(&frames())
}
