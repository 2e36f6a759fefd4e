//! The quirks that rewrite or drop forwarded TCP segments, IPv4 and IPv6 alike: SYN data dropped,
//! sequence and ack numbers shifted, RSTs dropped, ECN bleached, options stripped or rewritten
//! (MSS clamped or fixed, timestamps shifted). Each change updates the TCP checksum incrementally
//! (RFC 1624), so a wrong checksum stays wrong. Also what the NAT reads of a client's segment.

use super::Quirk;
use super::bytes::{Ip4, rd16, rd32, wr16, wr32};
use super::profile::Profile;
use crate::codec::TcpFlags;
use crate::codec::checksum::{update16, update32};
use crate::codec::tcp_options::{TFO_EXP_MAGIC, kind};

/// How far `isn-rewrite` shifts outbound sequence numbers (and inbound acks back).
const ISN_SHIFT: u32 = 100_000;
/// How far `ts-rewrite` shifts outbound timestamp values.
const TS_SHIFT: u32 = 1000;
/// The options `options-strip` keeps.
const KEPT_BY_OPTIONS_STRIP: [u8; 5] = [
    kind::MSS,
    kind::WINDOW_SCALE,
    kind::SACK_PERMITTED,
    kind::SACK,
    kind::TIMESTAMPS,
];

/// What the gateway reads of an outbound TCP segment.
#[derive(Clone, Copy)]
pub struct Segment {
    /// Sequence number.
    pub seq: u32,
    /// Flag bits.
    pub flags: u8,
    /// Payload length.
    pub len: u32,
    /// Whether it carries a Fast Open option (its own kind, or the experimental kind with the
    /// Fast Open magic).
    pub tfo: bool,
}

impl Segment {
    /// Reads the segment at `l4` of the IPv4 packet at `o`.
    pub fn read(f: &[u8], o: usize, l4: usize, ip: &Ip4) -> Segment {
        let doff = usize::from(f[l4 + 12] >> 4) * 4;
        let end = (l4 + doff).min(f.len());
        let mut tfo = false;
        let mut i = l4 + 20;
        while i < end {
            match f[i] {
                kind::EOL => break,
                kind::NOP => i += 1,
                k => {
                    let len = usize::from(*f.get(i + 1).unwrap_or(&0));
                    if len < 2 {
                        break;
                    }
                    tfo |= k == kind::FAST_OPEN
                        || (k == kind::EXPERIMENTAL && len >= 4 && rd16(f, i + 2) == TFO_EXP_MAGIC);
                    i += len;
                }
            }
        }
        Segment {
            seq: rd32(f, l4 + 4),
            flags: f[l4 + 13],
            len: (o + ip.total_len).saturating_sub(l4 + doff) as u32,
            tfo,
        }
    }
}

/// Outbound TCP quirks on the IPv4 segment at `l4`; `false` to drop it.
pub fn outbound4(f: &mut [u8], o: usize, l4: usize, ip: &Ip4, p: &Profile) -> bool {
    let flags = TcpFlags::new(f[l4 + 13]);
    let doff = usize::from(f[l4 + 12] >> 4) * 4;
    let payload = (o + ip.total_len).saturating_sub(l4 + doff);
    if p.has(Quirk::SynDataDrop) && flags.syn() && payload > 0 {
        return false;
    }
    if p.has(Quirk::IsnRewrite) {
        let seq = rd32(f, l4 + 4);
        set_field32(f, l4, l4 + 4, seq.wrapping_add(ISN_SHIFT));
    }
    both_ways(f, l4, doff, p, true)
}

/// Inbound TCP quirks on the IPv4 segment at `l4`; `false` to drop it.
pub fn inbound4(f: &mut [u8], l4: usize, p: &Profile) -> bool {
    let doff = usize::from(f[l4 + 12] >> 4) * 4;
    let flags = TcpFlags::new(f[l4 + 13]);
    if p.has(Quirk::NoSimultaneousOpen) && flags.syn_without_ack() {
        return false;
    }
    if p.has(Quirk::IsnRewrite) && flags.ack() {
        let ack = rd32(f, l4 + 8);
        set_field32(f, l4, l4 + 8, ack.wrapping_sub(ISN_SHIFT));
    }
    both_ways(f, l4, doff, p, false)
}

/// The quirks that act on both directions and both IP versions: RST drop, ECN bleach, option
/// rewriting (`outbound`: the segment goes from the LAN to the WAN). `false` to drop it.
pub fn both_ways(f: &mut [u8], l4: usize, doff: usize, p: &Profile, outbound: bool) -> bool {
    let flags = TcpFlags::new(f[l4 + 13]);
    if p.has(Quirk::RstDrop) && flags.rst() {
        return false;
    }
    if p.has(Quirk::EcnBleach) && flags.bits & (TcpFlags::ECE | TcpFlags::CWR) != 0 {
        let w = rd16(f, l4 + 12);
        set_aligned_word(f, l4, l4 + 12, w & !u16::from(TcpFlags::ECE | TcpFlags::CWR));
    }
    let opt_end = (l4 + doff).min(f.len());
    let mut i = l4 + 20;
    while i < opt_end {
        let k = f[i];
        if k == kind::EOL {
            break;
        }
        if k == kind::NOP {
            i += 1;
            continue;
        }
        let len = usize::from(*f.get(i + 1).unwrap_or(&0));
        if len < 2 || i + len > opt_end {
            break;
        }
        let strip = (p.has(Quirk::TfoStrip) && k == kind::FAST_OPEN)
            || (p.has(Quirk::OptionsStrip) && !KEPT_BY_OPTIONS_STRIP.contains(&k));
        let mss = (k == kind::MSS && len == 4 && flags.syn()).then(|| rd16(f, i + 2));
        if strip {
            for j in i..i + len {
                set_byte(f, l4, j, kind::NOP);
            }
        } else if mss.is_some_and(|m| m > 1400) && p.has(Quirk::MssClamp1400) {
            set_word(f, l4, i + 2, 1400);
        } else if mss.is_some() && p.has(Quirk::MssFixed1452) {
            set_word(f, l4, i + 2, 1452);
        } else if k == kind::TIMESTAMPS && len == 10 && outbound && p.has(Quirk::TsRewrite) {
            let ts = rd32(f, i + 2).wrapping_add(TS_SHIFT);
            set_word(f, l4, i + 2, (ts >> 16) as u16);
            set_word(f, l4, i + 4, ts as u16);
        }
        i += len;
    }
    true
}

/// Writes a 32-bit header field at `at` (a multiple of 4 from `l4`) of the segment at `l4`,
/// updating its checksum in one step.
fn set_field32(f: &mut [u8], l4: usize, at: usize, v: u32) {
    let c_at = l4 + 16;
    let c = update32(rd16(f, c_at), rd32(f, at), v);
    wr32(f, at, v);
    wr16(f, c_at, c);
}

/// Writes a 16-bit value at any offset of the segment at `l4`, byte by byte, updating its
/// checksum.
fn set_word(f: &mut [u8], l4: usize, at: usize, v: u16) {
    let [hi, lo] = v.to_be_bytes();
    set_byte(f, l4, at, hi);
    set_byte(f, l4, at + 1, lo);
}

/// Writes one byte of the segment at `l4`, updating its checksum over the aligned word that holds
/// the byte.
fn set_byte(f: &mut [u8], l4: usize, at: usize, b: u8) {
    let word_at = l4 + ((at - l4) & !1);
    let w = rd16(f, word_at);
    let nw = if (at - l4) % 2 == 0 {
        (w & 0x00ff) | (u16::from(b) << 8)
    } else {
        (w & 0xff00) | u16::from(b)
    };
    set_aligned_word(f, l4, word_at, nw);
}

/// Writes the 16-bit word at `word_at` (an even offset from `l4`) of the segment at `l4`,
/// updating its checksum.
fn set_aligned_word(f: &mut [u8], l4: usize, word_at: usize, v: u16) {
    let c_at = l4 + 16;
    let c = update16(rd16(f, c_at), rd16(f, word_at), v);
    wr16(f, word_at, v);
    wr16(f, c_at, c);
}
