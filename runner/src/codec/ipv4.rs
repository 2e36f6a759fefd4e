//! IPv4 header (RFC 791), options kept raw.

use std::net::Ipv4Addr;

use etherparse::{IpDscp, IpEcn, IpFragOffset, IpNumber, Ipv4Header, Ipv4HeaderSlice, Ipv4Options};

use super::WireError;

/// Values to write instead of the computed ones, to send deliberately broken packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ipv4Overrides {
    /// Header checksum to write instead of the computed one.
    pub checksum: Option<u16>,
    /// Total Length to write instead of header length + `payload_len`.
    pub total_len: Option<u16>,
}

/// An IPv4 header.
///
/// `parse` keeps the observed values, including a wrong checksum and lying
/// length fields. `emit` ignores `total_len` and `header_checksum` and
/// computes them (from `payload_len` and the header), unless `overrides` say otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ipv4Repr {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Protocol number of the payload.
    pub protocol: u8,
    /// Time to live.
    pub ttl: u8,
    /// The whole Type-of-Service byte (DSCP << 2 | ECN).
    pub tos: u8,
    /// Identification.
    pub id: u16,
    /// Don't Fragment.
    pub df: bool,
    /// More Fragments.
    pub mf: bool,
    /// Fragment offset in units of 8 bytes (13 bits).
    pub frag_offset: u16,
    /// Total Length as written in the header.
    pub total_len: u16,
    /// Header checksum as written in the header.
    pub header_checksum: u16,
    /// Options, raw (length must be a multiple of 4, at most 40, to emit).
    pub options: Vec<u8>,
    /// Length of the payload after the header: on parse, `total_len` minus the
    /// header length as claimed (saturating); on emit, used to compute `total_len`.
    pub payload_len: usize,
    /// Emit-time overrides (parse leaves them `None`).
    pub overrides: Ipv4Overrides,
}

impl Ipv4Repr {
    /// A header with common defaults (TTL 64, DF set, no options), its length and checksum
    /// fields filled in.
    pub fn new(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload_len: usize) -> Self {
        Self::to_emit(src, dst, protocol, payload_len).filled()
    }

    /// The same defaults as [`new`](Self::new), with the length and checksum fields left at
    /// zero: for a header about to be changed and emitted (`emit` computes both).
    pub fn to_emit(src: Ipv4Addr, dst: Ipv4Addr, protocol: u8, payload_len: usize) -> Self {
        Ipv4Repr {
            src,
            dst,
            protocol,
            ttl: 64,
            tos: 0,
            id: 0,
            df: true,
            mf: false,
            frag_offset: 0,
            total_len: 0,
            header_checksum: 0,
            options: Vec::new(),
            payload_len,
            overrides: Ipv4Overrides::default(),
        }
    }

    /// DSCP (upper six bits of the ToS byte).
    pub fn dscp(&self) -> u8 {
        self.tos >> 2
    }

    /// ECN (lower two bits of the ToS byte).
    pub fn ecn(&self) -> u8 {
        self.tos & 3
    }

    /// Sets the DSCP, keeping the ECN bits.
    pub fn set_dscp(&mut self, dscp: u8) {
        self.tos = (dscp << 2) | self.ecn();
    }

    /// Sets the ECN bits, keeping the DSCP.
    pub fn set_ecn(&mut self, ecn: u8) {
        self.tos = (self.tos & !3) | (ecn & 3);
    }

    /// Header length in bytes (20 + options).
    pub fn header_len(&self) -> usize {
        20 + self.options.len()
    }

    /// True if this is a fragment other than the first one.
    pub fn is_later_fragment(&self) -> bool {
        self.frag_offset != 0
    }

    /// Parses the header at the start of `bytes` (the payload is not required).
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        use etherparse::err::ipv4::HeaderSliceError;
        let h = Ipv4HeaderSlice::from_slice(bytes).map_err(|e| match e {
            HeaderSliceError::Len(l) => WireError::truncated("ipv4", l.required_len, l.len),
            HeaderSliceError::Content(c) => WireError::malformed("ipv4", c.to_string()),
        })?;
        let header_len = h.slice().len();
        Ok(Ipv4Repr {
            src: h.source_addr(),
            dst: h.destination_addr(),
            protocol: h.protocol().0,
            ttl: h.ttl(),
            tos: bytes[1],
            id: h.identification(),
            df: h.dont_fragment(),
            mf: h.more_fragments(),
            frag_offset: h.fragments_offset().value(),
            total_len: h.total_len(),
            header_checksum: h.header_checksum(),
            options: h.options().to_vec(),
            payload_len: usize::from(h.total_len()).saturating_sub(header_len),
            overrides: Ipv4Overrides::default(),
        })
    }

    /// The etherparse header with the computed (or overridden) length and checksum.
    fn to_header(&self) -> Result<Ipv4Header, WireError> {
        let options = Ipv4Options::try_from(self.options.as_slice())
            .map_err(|_| WireError::malformed("ipv4", "options must be a multiple of 4 bytes, at most 40"))?;
        let total = self.header_len() + self.payload_len;
        let total_len = match self.overrides.total_len {
            Some(v) => v,
            None => u16::try_from(total).map_err(|_| WireError::TooLong {
                what: "ipv4 total length",
                len: total,
                max: 65535,
            })?,
        };
        let bad = |what: &str| WireError::malformed("ipv4", format!("{what} out of range"));
        let mut h = Ipv4Header {
            dscp: IpDscp::try_new(self.dscp()).map_err(|_| bad("dscp"))?,
            ecn: IpEcn::try_new(self.ecn()).map_err(|_| bad("ecn"))?,
            total_len,
            identification: self.id,
            dont_fragment: self.df,
            more_fragments: self.mf,
            fragment_offset: IpFragOffset::try_new(self.frag_offset).map_err(|_| bad("fragment offset"))?,
            time_to_live: self.ttl,
            protocol: IpNumber(self.protocol),
            header_checksum: 0,
            source: self.src.octets(),
            destination: self.dst.octets(),
            options,
        };
        h.header_checksum = self.overrides.checksum.unwrap_or_else(|| h.calc_header_checksum());
        Ok(h)
    }

    /// A copy with `total_len` and `header_checksum` set to what `emit` writes.
    pub fn filled(&self) -> Self {
        let mut r = self.clone();
        if let Ok(h) = self.to_header() {
            r.total_len = h.total_len;
            r.header_checksum = h.header_checksum;
        }
        r
    }

    /// Appends the header (not the payload) to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        buf.extend_from_slice(&self.to_header()?.to_bytes());
        Ok(())
    }

    /// The emitted header as bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        super::emitted(self.header_len(), |v| self.emit(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::checksum::ipv4_header_valid;

    fn sample() -> Ipv4Repr {
        let mut r = Ipv4Repr::new(Ipv4Addr::new(192, 168, 1, 100), Ipv4Addr::new(203, 0, 113, 7), 17, 30);
        r.tos = 0xb9;
        r.id = 0x1234;
        r.ttl = 3;
        r.df = false;
        r.mf = true;
        r.frag_offset = 0x1abc;
        // Record Route with room for two addresses, then NOP + EOL padding.
        r.options = vec![7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        r.filled()
    }

    #[test]
    fn round_trip_with_options() {
        let r = sample();
        let b = r.to_bytes().unwrap();
        assert_eq!(b.len(), 32);
        assert_eq!(b[0], 0x48);
        assert_eq!(Ipv4Repr::parse(&b).unwrap(), r);
        assert_eq!(r.total_len, 62);
        assert_eq!((r.dscp(), r.ecn()), (0x2e, 1));
    }

    #[test]
    fn emitted_checksum_verifies_and_bit_flip_breaks_it() {
        let b = sample().to_bytes().unwrap();
        assert!(ipv4_header_valid(&b));
        let (h, _) = etherparse::Ipv4Header::from_slice(&b).unwrap();
        assert_eq!(h.calc_header_checksum(), h.header_checksum);
        for bit in 0..b.len() * 8 {
            let mut m = b.clone();
            m[bit / 8] ^= 1 << (bit % 8);
            assert!(!ipv4_header_valid(&m), "bit {bit}");
        }
    }

    #[test]
    fn overrides_are_written_and_parsed_back() {
        let mut r = sample();
        r.overrides.checksum = Some(0xdead);
        r.overrides.total_len = Some(9);
        let b = r.to_bytes().unwrap();
        let p = Ipv4Repr::parse(&b).unwrap();
        assert_eq!(p.header_checksum, 0xdead);
        assert_eq!(p.total_len, 9);
        assert_eq!(p.payload_len, 0, "lying total_len below header length saturates");
        assert!(!ipv4_header_valid(&b));
    }

    #[test]
    fn bad_options_and_bad_headers() {
        let mut r = sample();
        r.options = vec![1, 1, 1];
        assert!(r.to_bytes().is_err());
        let b = sample().to_bytes().unwrap();
        assert!(Ipv4Repr::parse(&b[..31]).is_err());
        let mut v6 = b.clone();
        v6[0] = 0x68;
        assert!(Ipv4Repr::parse(&v6).is_err());
        let mut short_ihl = b;
        short_ihl[0] = 0x44;
        assert!(Ipv4Repr::parse(&short_ihl).is_err());
    }
}
