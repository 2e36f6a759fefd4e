//! Captures gatecheck did not write, and files that are not usable captures: read as the
//! pcapng specification says, or refused with an error that says where.

mod common;

use common::*;
use pcap_file::DataLink;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::simple_packet::SimplePacketBlock;
use pcapng::{CaptureError, PacketDirection, parse_capture, read_capture};
use std::borrow::Cow;
use std::process::Command;

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
