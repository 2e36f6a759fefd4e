//! TCP header (RFC 9293). Fixed fields via etherparse; options via [`TcpOptions`].

use etherparse::TcpHeaderSlice;

use super::checksum::{PseudoHeader, pseudo_checksum};
use super::{TcpFlags, TcpOptions, WireError, ip_proto};

/// Values to write instead of the computed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TcpOverrides {
    /// Checksum to write instead of the computed one.
    pub checksum: Option<u16>,
    /// Data offset (in 32-bit words, 4 bits) to write instead of the real header length.
    pub data_offset: Option<u8>,
}

/// A TCP header.
///
/// `parse` keeps the observed `data_offset` and `checksum`; `emit` computes
/// both unless `overrides` say otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TcpRepr {
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// Data offset as written (header length in 32-bit words).
    pub data_offset: u8,
    /// Flags, with the reserved/AE bits kept separately.
    pub flags: TcpFlags,
    /// Window.
    pub window: u16,
    /// Checksum as written.
    pub checksum: u16,
    /// Urgent pointer.
    pub urgent: u16,
    /// Options.
    pub options: TcpOptions,
    /// Emit-time overrides (parse leaves them `None`).
    pub overrides: TcpOverrides,
}

impl TcpRepr {
    /// A header with the given ports and flags, window 65535, no options.
    pub fn new(src_port: u16, dst_port: u16, flags: TcpFlags) -> Self {
        TcpRepr {
            src_port,
            dst_port,
            seq: 0,
            ack: 0,
            data_offset: 5,
            flags,
            window: 65535,
            checksum: 0,
            urgent: 0,
            options: TcpOptions::default(),
            overrides: TcpOverrides::default(),
        }
    }

    /// Parses the header at the start of `segment` (options included).
    pub fn parse(segment: &[u8]) -> Result<Self, WireError> {
        use etherparse::err::tcp::HeaderSliceError;
        let h = TcpHeaderSlice::from_slice(segment).map_err(|e| match e {
            HeaderSliceError::Len(l) => WireError::truncated("tcp", l.required_len, l.len),
            HeaderSliceError::Content(c) => WireError::malformed("tcp", c.to_string()),
        })?;
        Ok(TcpRepr {
            src_port: h.source_port(),
            dst_port: h.destination_port(),
            seq: h.sequence_number(),
            ack: h.acknowledgment_number(),
            data_offset: h.data_offset(),
            flags: TcpFlags {
                bits: segment[13],
                reserved: segment[12] & 0x0f,
            },
            window: h.window_size(),
            checksum: h.checksum(),
            urgent: h.urgent_pointer(),
            options: TcpOptions::parse(h.options()),
            overrides: TcpOverrides::default(),
        })
    }

    /// The header length as written by `data_offset` (may lie).
    pub fn header_len(&self) -> usize {
        usize::from(self.data_offset) * 4
    }

    /// Appends the header to `buf` with the checksum field zero (or overridden).
    fn emit_header(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let opts = self.options.to_bytes()?;
        let real_offset = (20 + opts.len()) / 4;
        let offset = self.overrides.data_offset.unwrap_or(real_offset as u8);
        if offset > 15 {
            return Err(WireError::malformed("tcp", "data offset > 15"));
        }
        buf.extend_from_slice(&self.src_port.to_be_bytes());
        buf.extend_from_slice(&self.dst_port.to_be_bytes());
        buf.extend_from_slice(&self.seq.to_be_bytes());
        buf.extend_from_slice(&self.ack.to_be_bytes());
        buf.push((offset << 4) | (self.flags.reserved & 0x0f));
        buf.push(self.flags.bits);
        buf.extend_from_slice(&self.window.to_be_bytes());
        buf.extend_from_slice(&self.overrides.checksum.unwrap_or(0).to_be_bytes());
        buf.extend_from_slice(&self.urgent.to_be_bytes());
        buf.extend_from_slice(&opts);
        Ok(())
    }

    /// The segment (header + `payload`) with the checksum computed over `ph`
    /// unless overridden.
    pub fn to_bytes(&self, ph: &PseudoHeader, payload: &[u8]) -> Result<Vec<u8>, WireError> {
        let mut seg = Vec::with_capacity(60 + payload.len());
        self.emit(ph, payload, &mut seg)?;
        Ok(seg)
    }

    /// Appends the segment (header + `payload`) to `buf`, the checksum computed in place.
    pub fn emit(&self, ph: &PseudoHeader, payload: &[u8], buf: &mut Vec<u8>) -> Result<(), WireError> {
        let start = buf.len();
        if let Err(e) = self.emit_header(buf) {
            buf.truncate(start);
            return Err(e);
        }
        buf.extend_from_slice(payload);
        if self.overrides.checksum.is_none() {
            let c = pseudo_checksum(ph, ip_proto::TCP, &buf[start..]);
            buf[start + 16..start + 18].copy_from_slice(&c.to_be_bytes());
        }
        Ok(())
    }

    /// A copy with `data_offset` and `checksum` set to what `emit` writes.
    pub fn filled(&self, ph: &PseudoHeader, payload: &[u8]) -> Self {
        let mut r = self.clone();
        if let Ok(seg) = self.to_bytes(ph, payload) {
            r.data_offset = seg[12] >> 4;
            r.checksum = u16::from_be_bytes([seg[16], seg[17]]);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use super::*;
    use crate::codec::checksum::tcp_valid;
    use crate::codec::tcp_options::{TcpOption, tests::all_kinds};

    fn ph4() -> PseudoHeader {
        PseudoHeader::V4 {
            src: Ipv4Addr::new(192, 168, 1, 100),
            dst: Ipv4Addr::new(203, 0, 113, 7),
        }
    }

    fn syn_with_everything() -> TcpRepr {
        let mut r = TcpRepr::new(40000, 443, TcpFlags::new(TcpFlags::SYN | TcpFlags::ECE | TcpFlags::CWR));
        r.seq = 0xdead_beef;
        r.options = TcpOptions::Parsed(all_kinds());
        r
    }

    #[test]
    fn round_trip_syn_with_payload_and_every_option() {
        let payload = b"GET / HTTP/1.1\r\n\r\n";
        let r = syn_with_everything().filled(&ph4(), payload);
        let seg = r.to_bytes(&ph4(), payload).unwrap();
        assert_eq!(r.data_offset, 13);
        let p = TcpRepr::parse(&seg).unwrap();
        assert_eq!(p, r);
        assert_eq!(&seg[p.header_len()..], payload);
        let mut more = r.clone();
        more.options = TcpOptions::Parsed(vec![
            TcpOption::Sack(vec![(1, 2), (3, 4)]),
            TcpOption::FastOpen(vec![9; 16]),
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::Nop,
            TcpOption::Nop,
        ]);
        more.flags.reserved = TcpFlags::AE;
        let more = more.filled(&ph4(), &[]);
        assert_eq!(TcpRepr::parse(&more.to_bytes(&ph4(), &[]).unwrap()).unwrap(), more);
    }

    #[test]
    fn checksum_matches_etherparse_and_detects_bit_flips() {
        let payload = b"hello";
        let seg = syn_with_everything().to_bytes(&ph4(), payload).unwrap();
        let (h, rest) = etherparse::TcpHeader::from_slice(&seg).unwrap();
        let expect = h
            .calc_checksum_ipv4_raw([192, 168, 1, 100], [203, 0, 113, 7], rest)
            .unwrap();
        assert_eq!(h.checksum, expect);
        assert!(tcp_valid(&ph4(), &seg));
        for bit in 0..payload.len() * 8 {
            let mut m = seg.clone();
            let at = seg.len() - payload.len() + bit / 8;
            m[at] ^= 1 << (bit % 8);
            assert!(!tcp_valid(&ph4(), &m));
        }
        let ph6 = PseudoHeader::V6 {
            src: Ipv6Addr::LOCALHOST,
            dst: "2001:db8::1".parse().unwrap(),
        };
        let seg6 = syn_with_everything().to_bytes(&ph6, payload).unwrap();
        let (h, rest) = etherparse::TcpHeader::from_slice(&seg6).unwrap();
        let expect = h
            .calc_checksum_ipv6_raw(Ipv6Addr::LOCALHOST.octets(), ph6_dst(), rest)
            .unwrap();
        assert_eq!(h.checksum, expect);
        assert!(tcp_valid(&ph6, &seg6));
    }

    fn ph6_dst() -> [u8; 16] {
        "2001:db8::1".parse::<Ipv6Addr>().unwrap().octets()
    }

    #[test]
    fn overrides_are_written() {
        let mut r = syn_with_everything();
        r.overrides = TcpOverrides {
            checksum: Some(0x1234),
            data_offset: Some(15),
        };
        let seg = r.to_bytes(&ph4(), &[]).unwrap();
        assert_eq!(seg[12] >> 4, 15);
        assert_eq!(&seg[16..18], &[0x12, 0x34]);
        assert!(TcpRepr::parse(&seg).is_err(), "data offset runs past the segment");
        let mut too_big = syn_with_everything();
        too_big.overrides.data_offset = Some(16);
        assert!(too_big.to_bytes(&ph4(), &[]).is_err());
    }

    #[test]
    fn zero_length_option_in_a_real_header_is_unparseable() {
        let mut seg = TcpRepr::new(1, 2, TcpFlags::new(TcpFlags::SYN))
            .to_bytes(&ph4(), &[])
            .unwrap();
        seg[12] = 6 << 4;
        seg.extend_from_slice(&[2, 0, 5, 0xb4]);
        let p = TcpRepr::parse(&seg).unwrap();
        assert_eq!(p.options, TcpOptions::Unparseable(vec![2, 0, 5, 0xb4]));
    }
}
