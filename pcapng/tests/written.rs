//! What the writer puts in a capture is what the reader, tshark and capinfos find there.

mod common;

use common::*;
use pcapng::{CaptureMeta, PacketDirection, encode_capture, parse_capture, read_capture};
use std::process::Command;
use std::time::Duration;

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
