//! The `replay` backend: a capture recorded elsewhere, played back for `gatecheck verify`
//! (docs/language.md §8) — which interface of the capture is which side, which way each frame
//! went through the gateway, and [`ReplayPorts`] that play the frames back on the paused clock.

use crate::backend::{GatewayPorts, PortsError, Received};
use crate::codec::{ArpOp, FrameRepr, Net};
use dsl::plan::Side;
use pcapng::{Capture, Frame, PacketDirection};
use std::collections::VecDeque;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Why a capture cannot be judged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Fewer than two interfaces.
    #[error(
        "the capture has {0} interface(s); verify needs both sides of the gateway in one pcapng \
         (record both with `dumpcap -i LAN -i WAN`, or merge two files keeping both interfaces: `mergecap -I none -w both.pcapng lan.pcap wan.pcap`)"
    )]
    NotTwoSides(usize),
    /// `--lan`/`--wan` names an interface the capture does not have.
    #[error("the capture has no interface `{wanted}` (given as --{side}); its interfaces: {have}")]
    NoSuchInterface {
        /// `lan` or `wan`.
        side: &'static str,
        /// What was given.
        wanted: String,
        /// The interfaces, by index and name.
        have: String,
    },
    /// Both sides name the same interface.
    #[error("--lan and --wan name the same interface ({0})")]
    SameInterface(String),
    /// The sides cannot be told apart from the capture.
    #[error(
        "cannot tell which interface is the LAN side: {0}; name them with --lan and --wan \
         (an interface name or index); its interfaces: {1}"
    )]
    Ambiguous(String, String),
    /// A frame on a chosen interface has no timestamp.
    #[error("frame {0} of the capture has no timestamp (a Simple Packet Block): verify judges windows on timestamps")]
    NoTimestamp(usize),
}

/// The interfaces of the capture, for messages: `0 (lan), 1 (wan), 2`.
fn interface_list(r: &Capture) -> String {
    r.interfaces
        .iter()
        .enumerate()
        .map(|(i, interface)| match &interface.name {
            Some(n) => format!("{i} ({n})"),
            None => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Which interface of `rec` is the LAN side and which the WAN side: `lan`/`wan` when given (an
/// interface name or index); else the interfaces named `lan` and `wan`; else, with exactly two
/// interfaces, the one whose frames carry the testbed's LAN host addresses.
pub fn assign_sides(
    rec: &Capture,
    testbed: &dsl::Testbed,
    lan: Option<&str>,
    wan: Option<&str>,
) -> Result<[usize; 2], VerifyError> {
    if rec.interfaces.len() < 2 {
        return Err(VerifyError::NotTwoSides(rec.interfaces.len()));
    }
    let find = |side: &'static str, wanted: &str| -> Result<usize, VerifyError> {
        rec.interface_named(wanted)
            .or_else(|| wanted.parse::<usize>().ok().filter(|i| *i < rec.interfaces.len()))
            .ok_or_else(|| VerifyError::NoSuchInterface {
                side,
                wanted: wanted.to_string(),
                have: interface_list(rec),
            })
    };
    let given = [
        lan.map(|l| find("lan", l)).transpose()?,
        wan.map(|w| find("wan", w)).transpose()?,
    ];
    let named = [find("lan", "lan").ok(), find("wan", "wan").ok()];
    let pair = match (given, named) {
        ([Some(l), Some(w)], _) => [l, w],
        ([Some(l), None], _) => [l, other_of(rec, l)?],
        ([None, Some(w)], _) => [other_of(rec, w)?, w],
        (_, [Some(l), Some(w)]) => [l, w],
        _ => by_addresses(rec, testbed)?,
    };
    if pair[0] == pair[1] {
        return Err(VerifyError::SameInterface(pair[0].to_string()));
    }
    Ok(pair)
}

/// The one other interface of a two-interface capture.
fn other_of(rec: &Capture, i: usize) -> Result<usize, VerifyError> {
    if rec.interfaces.len() == 2 {
        Ok(1 - i)
    } else {
        Err(VerifyError::Ambiguous(
            format!(
                "the capture has {} interfaces and only one side was named",
                rec.interfaces.len()
            ),
            interface_list(rec),
        ))
    }
}

/// The LAN side of a two-interface capture: the interface whose frames carry more addresses of
/// the testbed's LAN hosts.
fn by_addresses(rec: &Capture, testbed: &dsl::Testbed) -> Result<[usize; 2], VerifyError> {
    if rec.interfaces.len() != 2 {
        return Err(VerifyError::Ambiguous(
            format!(
                "the capture has {} interfaces, none named lan and wan",
                rec.interfaces.len()
            ),
            interface_list(rec),
        ));
    }
    let lan_addrs: Vec<IpAddr> = host_addrs(&testbed.lan);
    let mut hits = [0usize; 2];
    for f in &rec.frames {
        let frame = FrameRepr::parse(&f.bytes);
        let ip_addresses = frame.addresses().filter(|_| !matches!(frame.net, Net::Arp(_)));
        if let Some((src, dst)) = ip_addresses {
            if lan_addrs.contains(&src) || lan_addrs.contains(&dst) {
                hits[f.interface.min(1)] += 1;
            }
        }
    }
    match hits {
        [a, b] if a > b => Ok([0, 1]),
        [a, b] if b > a => Ok([1, 0]),
        _ => Err(VerifyError::Ambiguous(
            format!(
                "both carry the LAN hosts' addresses equally often ({} frames each)",
                hits[0]
            ),
            interface_list(rec),
        )),
    }
}

/// Every address of the side's hosts.
fn host_addrs(side: &dsl::testbed::SideConf) -> Vec<IpAddr> {
    side.hosts
        .iter()
        .flat_map(|h| [h.ipv4.map(|a| IpAddr::V4(a.0)), h.ipv6.map(|a| IpAddr::V6(a.0))])
        .flatten()
        .collect()
}

/// A frame to play back: its side, when it was seen (from the first frame), and which way it went.
#[derive(Clone, Debug)]
pub struct ReplayFrame {
    /// The side it was captured on.
    pub side: Side,
    /// Its time from the capture's first frame on either side.
    pub offset: Duration,
    /// It went into the gateway (a tester's frame) rather than out of it.
    pub toward_gateway: bool,
    /// The frame, from the Ethernet header on.
    pub bytes: Vec<u8>,
}

/// What is played back to judge a case: the frames of the two sides and how long the
/// recording lasted.
#[derive(Clone, Debug)]
pub struct Playback {
    /// The frames, in time order.
    pub frames: Vec<ReplayFrame>,
    /// When the recording stopped, from the first frame: windows that close before it were
    /// watched to their end even when no frame came. `None` when the capture does not say.
    pub recorded_until: Option<Duration>,
}

/// The frames of the two chosen interfaces, in time order, each with its direction: from the
/// capture's direction flags when it records them; else a frame from the gateway's MAC came out
/// of it and one to it went in; else a frame from one of the side's hosts went in.
pub fn replay_frames(rec: &Capture, sides: [usize; 2], testbed: &dsl::Testbed) -> Result<Playback, VerifyError> {
    let mut chosen = Vec::new();
    for (n, f) in rec.frames.iter().enumerate() {
        let side = if f.interface == sides[0] {
            Side::Lan
        } else if f.interface == sides[1] {
            Side::Wan
        } else {
            continue;
        };
        let ts = f.timestamp_ns.ok_or(VerifyError::NoTimestamp(n + 1))?;
        chosen.push((ts, side, f));
    }
    // Two interfaces merged may be slightly out of order: play back in time order.
    chosen.sort_by_key(|(ts, _, _)| *ts);
    let t0 = chosen.first().map_or(0, |c| c.0);
    let gw_macs = [Side::Lan, Side::Wan].map(|side| gateway_mac(side, &chosen, testbed));
    let since_t0 = |ts: i128| Duration::from_nanos(u64::try_from(ts - t0).unwrap_or(u64::MAX));
    let recorded_until = rec.recorded_until_ns.filter(|end| *end >= t0).map(since_t0);
    let frames = chosen
        .into_iter()
        .map(|(ts, side, f)| ReplayFrame {
            side,
            offset: since_t0(ts),
            toward_gateway: toward_gateway(side, f, testbed, gw_macs[side.index()]),
            bytes: f.bytes.clone(),
        })
        .collect();
    Ok(Playback { frames, recorded_until })
}

/// The gateway's MAC on `side`: the testbed's, or the one its ARP replies give for its address.
fn gateway_mac(side: Side, frames: &[(i128, Side, &Frame)], testbed: &dsl::Testbed) -> Option<[u8; 6]> {
    let conf = testbed.side(side);
    if conf.gateway.mac.is_some() {
        return conf.gateway.mac;
    }
    let gw = IpAddr::V4(conf.gateway.ipv4?.0);
    frames.iter().filter(|(_, s, _)| *s == side).find_map(|(_, _, f)| {
        let frame = FrameRepr::parse(&f.bytes);
        match frame.net {
            Net::Arp(a) if a.op == ArpOp::Reply && IpAddr::V4(a.sender_ip) == gw => Some(frame.eth.src.0),
            _ => None,
        }
    })
}

/// Whether a captured frame went into the gateway (see [`replay_frames`]).
fn toward_gateway(side: Side, f: &Frame, testbed: &dsl::Testbed, gw_mac: Option<[u8; 6]>) -> bool {
    if let Some(d) = f.direction {
        // Recorded on the tester: what it sent went into the gateway.
        return d == PacketDirection::Outbound;
    }
    let conf = testbed.side(side);
    let frame = FrameRepr::parse(&f.bytes);
    if let Some(gw) = gw_mac {
        if frame.eth.src.0 == gw {
            return false;
        }
        if frame.eth.dst.0 == gw {
            return true;
        }
    }
    frame
        .addresses()
        .is_some_and(|(src, _)| host_addrs(conf).contains(&src))
}

/// Plays frames back on tokio's clock: each is delivered when the (paused) clock reaches its
/// offset from the moment the testbed was made. It never sends anything.
pub struct ReplayPorts {
    frames: VecDeque<ReplayFrame>,
    start: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl ReplayPorts {
    /// A testbed playing `frames` back from now (call inside the runtime that runs the case).
    pub fn new(frames: Vec<ReplayFrame>) -> ReplayPorts {
        ReplayPorts {
            frames: frames.into(),
            start: Instant::now(),
            timer: None,
        }
    }
}

impl GatewayPorts for ReplayPorts {
    fn send(&mut self, side: Side, _frame: &[u8]) -> Result<(), PortsError> {
        Err(PortsError::Send {
            side: side.name(),
            reason: "verify plays a recorded capture back and never sends".into(),
        })
    }

    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Received>> {
        let Some(next) = self.frames.front() else {
            return Poll::Ready(None);
        };
        let at = self.start + next.offset;
        if Instant::now() < at {
            let timer = self.timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(at)));
            if timer.deadline() != at {
                timer.as_mut().reset(at);
            }
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        let Some(f) = self.frames.pop_front() else {
            return Poll::Ready(None);
        };
        Poll::Ready(Some(Received {
            side: f.side,
            at,
            bytes: f.bytes,
            toward_gateway: f.toward_gateway,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pcapng::{CaptureMeta, FrameToWrite};
    use std::time::SystemTime;

    /// A capture gatecheck wrote: a frame the tester sent on `lan` 1 ms in, one that came out
    /// of the gateway on `wan` 2 ms in, and the recording stopped at 5 s.
    fn capture() -> Capture {
        let meta = CaptureMeta {
            case_id: "c".into(),
            title: String::new(),
            verdict: "pass".into(),
            gateway: "sim".into(),
            version: "0.1.0".into(),
            interfaces: [String::new(), String::new()],
            failure: None,
            start: SystemTime::UNIX_EPOCH + Duration::from_secs(1_750_000_000),
            recorded_for: Some(Duration::from_secs(5)),
        };
        let frame = |interface, ms, direction, byte| FrameToWrite {
            interface,
            at: Duration::from_millis(ms),
            direction,
            bytes: byte,
            comments: &[],
        };
        let frames = [
            frame(0, 1, PacketDirection::Outbound, &[1u8; 60][..]),
            frame(1, 2, PacketDirection::Inbound, &[2u8; 60][..]),
        ];
        pcapng::parse_capture(&pcapng::encode_capture(&meta, frames).unwrap()).unwrap()
    }

    #[test]
    fn a_gatecheck_capture_plays_back_by_interface_name_and_direction_flags() {
        let testbed = dsl::Testbed::builtin();
        let capture = capture();
        let sides = assign_sides(&capture, &testbed, None, None).unwrap();
        assert_eq!(sides, [0, 1]);
        assert_eq!(
            assign_sides(&capture, &testbed, Some("wan"), Some("lan")).unwrap(),
            [1, 0]
        );
        let playback = replay_frames(&capture, sides, &testbed).unwrap();
        let seen: Vec<_> = playback
            .frames
            .iter()
            .map(|f| (f.side, f.offset, f.toward_gateway, f.bytes[0]))
            .collect();
        assert_eq!(
            seen,
            [
                (Side::Lan, Duration::ZERO, true, 1),
                (Side::Wan, Duration::from_millis(1), false, 2)
            ]
        );
        assert_eq!(playback.recorded_until, Some(Duration::from_millis(4_999)));
    }
}
