//! pcapng captures: what the writer puts in a file is what the reader and tshark find there, and
//! the reader turns broken or foreign files into errors that say where, never into a panic.

use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::simple_packet::SimplePacketBlock;
use pcapng::{
    Capture, CaptureError, CaptureMeta, FrameToWrite, PacketDirection, encode_capture, parse_capture, read_capture,
};
use proptest::prelude::*;
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};
use tempfile::TempDir;

/// 2025-06-15T15:06:40.123456789Z: a start with nanoseconds, so a lost digit shows.
fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::new(1_750_000_000, 123_456_789)
}

fn start_ns() -> i128 {
    start().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as i128
}

/// An Ethernet/IPv4/UDP frame from port `sport` with `payload` (checksums left 0).
fn udp_frame(sport: u16, payload: &[u8]) -> Vec<u8> {
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
struct Recorded {
    at: Duration,
    interface: usize,
    direction: PacketDirection,
    bytes: Vec<u8>,
    comments: Vec<String>,
}

impl Recorded {
    fn to_write(&self) -> FrameToWrite<'_> {
        FrameToWrite {
            interface: self.interface,
            at: self.at,
            direction: self.direction,
            bytes: &self.bytes,
            comments: &self.comments,
        }
    }
}

/// The interfaces of a capture, as [`pcapng::INTERFACE_NAMES`] orders them.
const LAN: usize = 0;
const WAN: usize = 1;

fn frame(at: Duration, interface: usize, direction: PacketDirection, sport: u16, comments: &[&str]) -> Recorded {
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
fn frames() -> Vec<Recorded> {
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

fn meta() -> CaptureMeta {
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
fn encoded(frames: &[Recorded]) -> Vec<u8> {
    encode_capture(&meta(), frames.iter().map(Recorded::to_write)).unwrap()
}

/// Writes `frames` with `meta()` to `case.pcapng` in a fresh folder (removed when dropped).
fn written(frames: &[Recorded]) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.pcapng");
    std::fs::write(&path, encoded(frames)).unwrap();
    (dir, path)
}

#[test]
fn round_trip_keeps_frames_sides_directions_nanosecond_times_and_comments() {
    let frames = frames();
    let (_dir, path) = written(&frames);
    let c = read_capture(&path).unwrap();
    let names: Vec<_> = c.interfaces.iter().map(|i| i.name.as_deref()).collect();
    assert_eq!(names, [Some("lan"), Some("wan")]);
    assert_eq!(
        c.interfaces[1].description.as_deref(),
        Some("testbed interface twan, gateway netns")
    );
    assert!(c.interfaces.iter().all(|i| i.linktype == 1));
    assert_eq!(c.frames.len(), frames.len());
    for (i, (got, want)) in c.frames.iter().zip(&frames).enumerate() {
        assert_eq!(got.interface, want.interface, "frame {i}");
        assert_eq!(got.direction, Some(want.direction), "frame {i}");
        assert_eq!(
            got.timestamp_ns,
            Some(start_ns() + want.at.as_nanos() as i128),
            "frame {i}"
        );
        assert_eq!(got.bytes, want.bytes, "frame {i}");
        assert_eq!(got.original_len as usize, want.bytes.len(), "frame {i}");
        assert_eq!(got.comments, want.comments, "frame {i}");
    }
    assert_eq!(c.user_application.as_deref(), Some("gatecheck 0.1.0"));
    assert_eq!(c.comments, [meta().section_comment()]);
}

#[test]
fn a_case_without_frames_is_a_valid_capture_with_two_interfaces() {
    let c = parse_capture(&encoded(&[])).unwrap();
    assert_eq!((c.interfaces.len(), c.frames.len()), (2, 0));
}

// ---- tshark ----------------------------------------------------------------------------------

/// Whether `tool` runs; says so loudly when it does not.
fn have(tool: &str) -> bool {
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
fn tshark_fields(path: &Path, fields: &[&str]) -> Vec<Vec<String>> {
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
fn epoch_ns(s: &str) -> i128 {
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    assert_eq!(frac.len(), 9, "tshark shows nanoseconds: {s}");
    secs.parse::<i128>().unwrap() * 1_000_000_000 + frac.parse::<i128>().unwrap()
}

#[test]
fn tshark_reads_interfaces_comments_nanosecond_times_and_directions() {
    if !have("tshark") {
        return;
    }
    let frames = frames();
    let (_dir, path) = written(&frames);
    let fields = [
        "frame.interface_name",
        "frame.interface_description",
        "frame.time_epoch",
        "frame.packet_flags_direction",
        "frame.comment",
        "udp.srcport",
    ];
    let rows = tshark_fields(&path, &fields);
    assert_eq!(rows.len(), frames.len(), "{rows:?}");
    for (i, (row, want)) in rows.iter().zip(&frames).enumerate() {
        let name = ["lan", "wan"][want.interface];
        assert_eq!(row[0], name, "frame {i}: {row:?}");
        assert_eq!(row[1], meta().interfaces[want.interface], "frame {i}");
        assert_eq!(epoch_ns(&row[2]), start_ns() + want.at.as_nanos() as i128, "frame {i}");
        // Bits 0-1 of epb_flags: 1 inbound (out of the gateway), 2 outbound (sent by the runner).
        let bits = match want.direction {
            PacketDirection::Inbound => 1,
            PacketDirection::Outbound => 2,
        };
        let shown = u32::from_str_radix(row[3].trim_start_matches("0x"), 16);
        assert_eq!(shown, Ok(bits), "frame {i}: epb_flags direction {row:?}");
        let comments: Vec<&str> = if row[4].is_empty() {
            vec![]
        } else {
            row[4].split('|').collect()
        };
        assert_eq!(comments, want.comments, "frame {i}");
        // The bytes are the frame's: tshark dissects the UDP source port written into it.
        assert_eq!(
            row[5],
            u16::from_be_bytes([want.bytes[34], want.bytes[35]]).to_string(),
            "frame {i}"
        );
    }
}

#[test]
fn capinfos_shows_the_section_comment_and_the_application() {
    if !have("capinfos") {
        return;
    }
    let (_dir, path) = written(&frames());
    let out = Command::new("capinfos").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "capinfos: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let comment = format!("Capture comment:     {}", meta().section_comment());
    assert!(text.contains(&comment), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("Capture application:") && l.ends_with(" gatecheck 0.1.0")),
        "{text}"
    );
    assert!(text.contains("Number of interfaces in file: 2"), "{text}");
    assert!(text.contains("Number of packets:   4"), "{text}");
}

#[test]
fn tshark_and_the_reader_agree_on_binary_resolutions_and_offsets() {
    // A foreign capture: 2^-10 s ticks and a 100 s offset on one interface, the default 10^-6
    // (no if_tsresol) on the other.
    let ticks = 3 * 1024 + 512; // 3.5 s
    let bytes = foreign(
        &[
            vec![
                InterfaceDescriptionOption::IfTsResol(0x80 | 10),
                InterfaceDescriptionOption::IfTsOffset(100),
            ],
            vec![],
        ],
        &[(0, ticks), (1, 1_750_000_000_000_001)],
    );
    let c = parse_capture(&bytes).unwrap();
    let times: Vec<_> = c.frames.iter().map(|f| f.timestamp_ns.unwrap()).collect();
    assert_eq!(times, [103_500_000_000, 1_750_000_000_000_001_000]);
    assert!(
        c.frames
            .iter()
            .all(|f| f.direction.is_none() && f.comments == ["foreign"])
    );
    if !have("tshark") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.pcapng");
    std::fs::write(&path, &bytes).unwrap();
    let seen: Vec<_> = tshark_fields(&path, &["frame.time_epoch"])
        .iter()
        .map(|r| epoch_ns(&r[0]))
        .collect();
    assert_eq!(seen, times);
}

// ---- foreign files and errors ------------------------------------------------------------------

/// A pcapng section (pcap-file's writer, little-endian) with one Ethernet interface per entry of
/// `interfaces`, each with those options, then an Enhanced Packet Block per
/// `(interface, raw timestamp)` of `packets`.
fn foreign(interfaces: &[Vec<InterfaceDescriptionOption<'static>>], packets: &[(u32, u64)]) -> Vec<u8> {
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
fn blocks(bytes: &[u8]) -> Vec<(usize, u32)> {
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

fn offset_of(bytes: &[u8], kind: u32, nth: usize) -> usize {
    blocks(bytes)
        .into_iter()
        .filter(|&(_, k)| k == kind)
        .nth(nth)
        .unwrap()
        .0
}

#[test]
fn a_classic_pcap_file_is_refused_with_the_conversion_command() {
    // Both byte orders, micro- and nanosecond magics: a pcap global header and nothing else.
    for magic in [0xa1b2_c3d4u32, 0xa1b2_3c4d] {
        for bytes in [magic.to_le_bytes(), magic.to_be_bytes()] {
            let mut file = bytes.to_vec();
            file.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]);
            let err = parse_capture(&file).unwrap_err();
            assert!(matches!(err, CaptureError::ClassicPcap), "{err:?}");
            assert!(err.to_string().contains("editcap -F pcapng"), "{err}");
        }
    }
    if !have("editcap") {
        return;
    }
    let (_dir, ours) = written(&frames());
    let classic = ours.with_extension("pcap");
    let st = Command::new("editcap")
        .args(["-F", "pcap"])
        .arg(&ours)
        .arg(&classic)
        .status()
        .unwrap();
    assert!(st.success());
    assert!(matches!(read_capture(&classic), Err(CaptureError::ClassicPcap)));
}

#[test]
fn random_bytes_text_and_empty_files_are_not_pcapng() {
    for bytes in [&b""[..], b"\x0a\x0d", b"GET / HTTP/1.1\r\n\r\n", &[0x5a; 100]] {
        assert!(
            matches!(parse_capture(bytes), Err(CaptureError::NotPcapng)),
            "{bytes:?}"
        );
    }
    // The section header type with a wrong byte-order magic.
    let mut bytes = encoded(&frames());
    bytes[8..12].copy_from_slice(b"ABCD");
    assert!(matches!(parse_capture(&bytes), Err(CaptureError::NotPcapng)));
}

#[test]
fn a_truncated_file_names_the_offset_of_the_cut_block() {
    let bytes = encoded(&frames());
    let last = *blocks(&bytes).last().unwrap();
    for cut in [last.0 + 3, last.0 + 20, bytes.len() - 1] {
        let err = parse_capture(&bytes[..cut]).unwrap_err();
        assert!(
            matches!(err, CaptureError::Truncated { offset, .. } if offset == last.0),
            "cut at {cut}: {err:?}"
        );
        assert!(
            err.to_string()
                .contains(&format!("truncated block at byte offset {}", last.0)),
            "{err}"
        );
    }
    // Cut exactly between blocks: a shorter, valid capture.
    assert_eq!(
        parse_capture(&bytes[..last.0]).unwrap().frames.len(),
        frames().len() - 1
    );
}

#[test]
fn a_block_length_of_4_gib_in_a_small_file_is_an_error_not_an_allocation() {
    let mut bytes = encoded(&frames()[..1]);
    let epb = offset_of(&bytes, 6, 0);
    bytes[epb + 4..epb + 8].copy_from_slice(&0xFFFF_FFFCu32.to_le_bytes());
    let err = parse_capture(&bytes).unwrap_err();
    assert!(
        matches!(err, CaptureError::Truncated { offset, needed: 0xFFFF_FFFC, .. } if offset == epb),
        "{err:?}"
    );
    // The same for the captured length inside a block that is itself whole.
    let mut bytes = encoded(&frames()[..1]);
    bytes[epb + 20..epb + 24].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    let err = parse_capture(&bytes).unwrap_err();
    assert!(
        matches!(err, CaptureError::Malformed { offset, .. } if offset == epb),
        "{err:?}"
    );
}

#[test]
fn a_packet_on_an_interface_the_section_does_not_describe_is_an_error() {
    let mut bytes = encoded(&frames());
    let epb = offset_of(&bytes, 6, 2);
    bytes[epb + 8..epb + 12].copy_from_slice(&2u32.to_le_bytes());
    let err = parse_capture(&bytes).unwrap_err();
    assert!(
        matches!(err, CaptureError::NoSuchInterface { offset, interface: 2, count: 2 } if offset == epb),
        "{err:?}"
    );
}

#[test]
fn a_non_ethernet_interface_is_an_error_naming_it() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    for (linktype, name) in [(DataLink::ETHERNET, "eth0"), (DataLink::LINUX_SLL, "any")] {
        let idb = InterfaceDescriptionBlock {
            linktype,
            snaplen: 0,
            options: vec![InterfaceDescriptionOption::IfName(name.into())],
        };
        w.write_pcapng_block(idb).unwrap();
    }
    let bytes = w.into_inner();
    let err = parse_capture(&bytes).unwrap_err();
    let idb1 = if cfg!(target_endian = "little") {
        offset_of(&bytes, 1, 1)
    } else {
        0
    };
    assert!(
        matches!(&err, CaptureError::NotEthernet { interface: 1, linktype: 113, name: Some(n), offset }
            if n == "any" && (cfg!(target_endian = "big") || *offset == idb1)),
        "{err:?}"
    );
}

#[test]
fn a_single_interface_capture_is_read_and_left_to_the_caller() {
    let bytes = foreign(&[vec![InterfaceDescriptionOption::IfName("eth1".into())]], &[(0, 7)]);
    let c = parse_capture(&bytes).unwrap();
    assert_eq!(c.interfaces.len(), 1);
    assert_eq!(c.interface_named("eth1"), Some(0));
    assert_eq!(c.interface_named("lan"), None);
    // No if_tsresol: microseconds.
    assert_eq!(c.frames[0].timestamp_ns, Some(7_000));
}

#[test]
fn simple_packet_blocks_are_read_on_interface_0_without_a_timestamp() {
    let mut w = PcapNgWriter::new(Vec::new()).unwrap();
    w.write_pcapng_block(InterfaceDescriptionBlock::new(DataLink::ETHERNET, 0))
        .unwrap();
    let data = udp_frame(7, b"abc");
    let spb = SimplePacketBlock {
        original_len: data.len() as u32,
        data: Cow::Owned(data.clone()),
    };
    w.write_pcapng_block(spb).unwrap();
    let c = parse_capture(&w.into_inner()).unwrap();
    assert_eq!(c.frames.len(), 1);
    assert_eq!((c.frames[0].interface, c.frames[0].timestamp_ns), (0, None));
    assert_eq!(c.frames[0].bytes, data);
}

#[test]
fn concatenated_sections_are_read_with_interfaces_numbered_over_the_file() {
    let mut bytes = encoded(&frames());
    bytes.extend(encoded(&frames()));
    let c = parse_capture(&bytes).unwrap();
    assert_eq!(c.interfaces.len(), 4);
    let interfaces: Vec<_> = c.frames.iter().map(|f| f.interface).collect();
    let first: Vec<_> = frames().iter().map(|f| f.interface).collect();
    let second: Vec<_> = first.iter().map(|i| i + 2).collect();
    assert_eq!(interfaces, [first, second].concat());
    assert_eq!(c.comments.len(), 2);
}

#[test]
fn options_without_an_end_marker_and_invalid_utf8_comments_are_read() {
    // pcap-file's own reader refuses both; the pcapng spec says readers must not assume
    // opt_endofopt is there.
    let mut bytes = encoded(&frames()[..1]);
    let epb = offset_of(&bytes, 6, 0);
    // The EPB's last 8 bytes: opt_endofopt (4 bytes) and the closing length. Drop the marker.
    let end = epb + u32::from_le_bytes(bytes[epb + 4..epb + 8].try_into().unwrap()) as usize;
    assert_eq!(&bytes[end - 8..end - 4], &[0, 0, 0, 0]);
    bytes.drain(end - 8..end - 4);
    let len = (end - epb - 4) as u32;
    bytes[epb + 4..epb + 8].copy_from_slice(&len.to_le_bytes());
    bytes[end - 8..end - 4].copy_from_slice(&len.to_le_bytes());
    // Make the comment's first byte invalid UTF-8.
    let comment = frames()[0].comments[0].clone();
    let at = bytes
        .windows(comment.len())
        .position(|w| w == comment.as_bytes())
        .unwrap();
    bytes[at] = 0xff;
    let c = parse_capture(&bytes).unwrap();
    assert_eq!(c.frames[0].comments, [format!("\u{fffd}{}", &comment[1..])]);
    assert_eq!(c.frames[0].direction, Some(PacketDirection::Outbound));
}

// ---- hostile input -----------------------------------------------------------------------------

fn sample() -> Vec<u8> {
    encoded(&frames())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Flipped bytes, overwritten words (lengths among them) and cuts of a valid capture read as a
    /// capture or an error, never a panic; whatever frames come out have bytes from the file.
    #[test]
    fn mutated_captures_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..8),
        words in prop::collection::vec((any::<prop::sample::Index>(), any::<u32>()), 0..4),
        cut in any::<prop::sample::Index>(),
        keep_all in any::<bool>(),
    ) {
        let mut bytes = sample();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= b;
        }
        for (at, w) in words {
            let i = at.index(bytes.len() / 4) * 4;
            bytes[i..i + 4].copy_from_slice(&w.to_le_bytes());
        }
        if !keep_all {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        if let Ok(Capture { frames, .. }) = parse_capture(&bytes) {
            let total: usize = frames.iter().map(|f| f.bytes.len()).sum();
            prop_assert!(total <= bytes.len());
        }
    }

    /// Arbitrary bytes behind a valid section header: an error or a capture, never a panic.
    #[test]
    fn arbitrary_blocks_never_panic(tail in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut bytes = encoded(&[]);
        bytes.extend(tail);
        let _ = parse_capture(&bytes);
    }
}

#[test]
fn the_capture_says_when_its_recording_stopped_in_isb_endtime() {
    // The case watched for 7 s after its last frame (at 5 s): a reader must learn that the quiet
    // end was recorded, not missed.
    let meta = CaptureMeta {
        recorded_for: Some(Duration::from_secs(12)),
        ..meta()
    };
    let bytes = encode_capture(&meta, frames().iter().map(Recorded::to_write)).unwrap();
    let end = start().duration_since(std::time::UNIX_EPOCH).unwrap() + Duration::from_secs(12);
    let c = parse_capture(&bytes).unwrap();
    assert_eq!(c.recorded_until_ns, Some(end.as_nanos() as i128));
    // Read independently, as the pcapng specification lays an ISB out (block type 5; interface
    // id; timestamp high word then low word; option isb_endtime = 3, same layout), little-endian.
    let mut ends = Vec::new();
    let mut at = 0;
    while at + 12 <= bytes.len() {
        let word = |o: usize| u32::from_le_bytes(bytes[o..o + 4].try_into().unwrap());
        let (kind, len) = (word(at), word(at + 4) as usize);
        if kind == 5 {
            let mut opt = at + 20;
            while word(opt) & 0xffff != 0 {
                let (code, olen) = (word(opt) & 0xffff, (word(opt) >> 16) as usize);
                if code == 3 {
                    ends.push((u64::from(word(opt + 4)) << 32) | u64::from(word(opt + 8)));
                }
                opt += 4 + olen.next_multiple_of(4);
            }
        }
        at += len;
    }
    assert_eq!(ends, vec![end.as_nanos() as u64; 2], "one isb_endtime per interface");
}

#[test]
fn the_case_a_capture_names_is_read_back_from_its_section_comment() {
    let c = parse_capture(&encoded(&frames())).unwrap();
    assert_eq!(c.case_id(), Some("tfo.cookie_then_data[mss=1400]"));
    // A capture gatecheck did not write names no case.
    let foreign = parse_capture(&foreign(&[vec![]], &[(0, 7)])).unwrap();
    assert_eq!(foreign.case_id(), None);
}

#[test]
fn a_frame_on_an_interface_past_lan_and_wan_is_refused_not_written() {
    let mut bad = frames();
    bad[1].interface = 2;
    let err = encode_capture(&meta(), bad.iter().map(Recorded::to_write)).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput, "{err}");
}
