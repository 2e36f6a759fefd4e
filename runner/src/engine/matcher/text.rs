//! Frames and values in the sentence notation (docs/language.md §3), as reports, logs and
//! captures show them: what a pattern would write to match a frame.

use super::observe::{observe, proto_of};
use crate::engine::env::RtVal;
use crate::engine::view::{L4View, View};
use dsl::display;
use dsl::plan::*;
use std::net::IpAddr;

/// The frame in the sentence notation (for reports, logs and captures): what a pattern would
/// write to match it — protocol, ICMP words, endpoints, TCP flags and numbers, `ttl=` (IPv4) or
/// `hlim=` (IPv6), `dscp=`/`ecn=` when set, fragment fields, options, any checksum that is
/// wrong (`tcp.csum=0x1234 (wrong)`), the payload and the quoted packet.
pub fn frame_text(v: &View) -> String {
    let (_, name) = proto_of(v);
    let mut s = name.to_string();
    if let L4View::Icmp { ty, code, .. } = v.l4 {
        let v6 = v.ip.as_ref().is_some_and(|i| i.v6);
        match dsl::icmp::type_word(v6, ty) {
            Some(w) => s.push_str(&format!(" {w}")),
            None => s.push_str(&format!(" type={ty}")),
        }
        if let Some(c) = dsl::icmp::code_word(v6, ty, code) {
            s.push_str(&format!(" {c}"));
        } else if code != 0 {
            s.push_str(&format!(" code={code}"));
        }
    }
    match (&v.ip, &v.l4) {
        (_, L4View::Arp { op, spa, tpa }) => s.push_str(&format!(" {} -> {} arp.op={op}", fmt_ip(*spa), fmt_ip(*tpa))),
        (
            Some(ip),
            L4View::Tcp {
                sport,
                dport,
                flags,
                seq,
                ack,
                win,
                ..
            },
        ) => s.push_str(&format!(
            " {}:{sport} -> {}:{dport} {} seq={seq} ack={ack} win={win}",
            fmt_ip(ip.src),
            fmt_ip(ip.dst),
            flags_text(*flags),
        )),
        (Some(ip), L4View::Udp { sport, dport, .. }) => {
            s.push_str(&format!(" {}:{sport} -> {}:{dport}", fmt_ip(ip.src), fmt_ip(ip.dst)))
        }
        (Some(ip), L4View::Icmp { id, .. }) => {
            s.push_str(&format!(" {} -> {}", fmt_ip(ip.src), fmt_ip(ip.dst)));
            if let Some(id) = id {
                s.push_str(&format!(" id={id}"));
            }
        }
        (Some(ip), _) => s.push_str(&format!(" {} -> {} proto={}", fmt_ip(ip.src), fmt_ip(ip.dst), ip.proto)),
        (None, _) => s.push_str(&format!(" eth.type=0x{:04x}", v.eth_type)),
    }
    if let Some(ip) = &v.ip {
        s.push_str(&format!(" {}={}", if ip.v6 { "hlim" } else { "ttl" }, ip.ttl));
        if ip.tos >> 2 != 0 {
            s.push_str(&format!(" dscp={}", ip.tos >> 2));
        }
        if ip.tos & 3 != 0 {
            s.push_str(&format!(
                " ecn={}",
                observed_text(Field::Ecn, &RtVal::Int(u64::from(ip.tos & 3)))
            ));
        }
        if ip.mf || ip.frag != 0 {
            s.push_str(&format!(" id={} mf={} frag={}", ip.id, u8::from(ip.mf), ip.frag));
        }
    }
    if let L4View::Tcp { options, .. } = &v.l4 {
        if *options != crate::codec::TcpOptions::default() {
            s.push_str(&format!(" {}", options.text(0)));
        }
    }
    for (field, ok) in [(Field::IpCsum, v.csum_ok.0), (l4_csum_field(v), v.csum_ok.1)] {
        if ok == Some(false) {
            if let Some(value) = observe(v, field) {
                s.push_str(&format!(" {}={} (wrong)", field.name(), observed_text(field, &value)));
            }
        }
    }
    if !v.payload.is_empty() && !matches!(v.l4, L4View::Icmp { .. } if v.inner.is_some()) {
        s.push_str(&format!(" data {}", payload_text(&v.payload)));
    }
    if let Some(i) = &v.inner {
        s.push_str(&format!(" inner ({})", frame_text(i)));
    }
    s
}

/// The checksum field of a frame's transport layer (`tcp.csum`, `udp.csum`, `icmp.csum`).
fn l4_csum_field(v: &View) -> Field {
    match v.l4 {
        L4View::Tcp { .. } => Field::TcpCsum,
        L4View::Udp { .. } => Field::UdpCsum,
        _ => Field::IcmpCsum,
    }
}

/// A payload as text for reports: quoted when printable, hex otherwise, shortened.
pub fn payload_text(b: &[u8]) -> String {
    if b.is_empty() {
        return "\"\"".into();
    }
    let printable = b
        .iter()
        .all(|c| c.is_ascii_graphic() || matches!(c, b' ' | b'\n' | b'\r' | b'\t'));
    let shown = &b[..b.len().min(48)];
    let more = if b.len() > 48 {
        format!("… ({} bytes)", b.len())
    } else {
        String::new()
    };
    if printable {
        let s: String = shown
            .iter()
            .map(|c| match c {
                b'\n' => "\\n".to_string(),
                b'\r' => "\\r".to_string(),
                b'\t' => "\\t".to_string(),
                b'"' => "\\\"".to_string(),
                c => (*c as char).to_string(),
            })
            .collect();
        format!("\"{s}\"{more}")
    } else {
        format!(
            "0x{}{more}",
            shown.iter().map(|x| format!("{x:02x}")).collect::<String>()
        )
    }
}

/// An observed field value in the case language's notation: ECN as its word, checksums and the
/// EtherType in hex, everything else as [`RtVal`] prints it.
pub fn observed_text(field: Field, v: &RtVal) -> String {
    match (field, v) {
        (Field::Ecn, RtVal::Int(n)) => ECN_WORDS
            .iter()
            .find(|(_, x)| x == n)
            .map_or_else(|| n.to_string(), |(w, _)| (*w).to_string()),
        (Field::EthType, RtVal::Int(n)) => format!("0x{n:04x}"),
        (f, RtVal::Int(n)) if f.is_checksum() => display::field_number_text(f, *n),
        _ => v.to_string(),
    }
}

/// An expected value as the report writes it: with its operator (`<=1500`, `!=0`), `in` before a
/// set or range (`in {53, 5353}`), `not in` for its negation.
pub(super) fn with_operator(op: Op, v: &Value, text: &str) -> String {
    match (v, op) {
        (Value::Set(_) | Value::Range(..), Op::Eq) => format!("in {text}"),
        (Value::Set(_) | Value::Range(..), Op::Ne) => format!("not in {text}"),
        (_, Op::Eq) => text.to_string(),
        (_, op) => format!("{}{text}", op.symbol()),
    }
}

/// A protocol and family as a pattern names them (`tcp`, `udp6`).
pub(super) fn display_proto(p: Proto, f: Option<Family>) -> String {
    dsl::display::packet_text(
        &PacketSpec {
            proto: Some(p),
            family: f,
            ..Default::default()
        },
        &[],
        false,
    )
}

/// An address as the sentence notation writes it: IPv6 in brackets.
pub(super) fn fmt_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}
