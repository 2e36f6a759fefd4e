//! IPv6 header (RFC 8200) and the extension headers walked to reach the
//! upper-layer protocol: hop-by-hop (0), routing (43), fragment (44),
//! destination options (60).

use std::net::Ipv6Addr;

use etherparse::{IpFragOffset, IpNumber, Ipv6FlowLabel, Ipv6FragmentHeader, Ipv6Header};

use super::{WireError, ip_proto};

/// The fields of an IPv6 fragment header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ipv6Fragment {
    /// Fragment offset in units of 8 bytes (13 bits).
    pub offset: u16,
    /// More Fragments.
    pub more: bool,
    /// Identification.
    pub id: u32,
}

/// One IPv6 extension header. The `Vec<u8>` bodies are the header bytes after
/// the Next Header and Hdr Ext Len bytes; `body.len() + 2` must be a multiple of 8.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ipv6ExtHeader {
    /// Hop-by-hop options (0).
    HopByHop(Vec<u8>),
    /// Routing header (43).
    Routing(Vec<u8>),
    /// Fragment header (44).
    Fragment(Ipv6Fragment),
    /// Destination options (60).
    DestOpts(Vec<u8>),
}

impl Ipv6ExtHeader {
    /// The protocol number that announces this header.
    pub fn kind(&self) -> u8 {
        match self {
            Ipv6ExtHeader::HopByHop(_) => ip_proto::HOP_BY_HOP,
            Ipv6ExtHeader::Routing(_) => ip_proto::ROUTING,
            Ipv6ExtHeader::Fragment(_) => ip_proto::FRAGMENT,
            Ipv6ExtHeader::DestOpts(_) => ip_proto::DEST_OPTS,
        }
    }

    /// Length on the wire.
    pub fn len(&self) -> usize {
        match self {
            Ipv6ExtHeader::Fragment(_) => 8,
            Ipv6ExtHeader::HopByHop(b) | Ipv6ExtHeader::Routing(b) | Ipv6ExtHeader::DestOpts(b) => b.len() + 2,
        }
    }

    /// Always false: an extension header has at least 8 bytes on the wire.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Is `kind` one of the extension headers this module walks?
    pub fn is_ext(kind: u8) -> bool {
        matches!(
            kind,
            ip_proto::HOP_BY_HOP | ip_proto::ROUTING | ip_proto::FRAGMENT | ip_proto::DEST_OPTS
        )
    }

    /// Parses the header of type `kind` at the start of `bytes`; returns it,
    /// its Next Header and its length.
    fn parse(kind: u8, bytes: &[u8]) -> Result<(Self, u8, usize), WireError> {
        WireError::check_len("ipv6 extension header", bytes, 8)?;
        if kind == ip_proto::FRAGMENT {
            let (f, _) = Ipv6FragmentHeader::from_slice(bytes)
                .map_err(|_| WireError::truncated("ipv6 fragment header", 8, bytes.len()))?;
            let frag = Ipv6Fragment {
                offset: f.fragment_offset.value(),
                more: f.more_fragments,
                id: f.identification,
            };
            return Ok((Ipv6ExtHeader::Fragment(frag), f.next_header.0, 8));
        }
        let len = (usize::from(bytes[1]) + 1) * 8;
        WireError::check_len("ipv6 extension header", bytes, len)?;
        let body = bytes[2..len].to_vec();
        let h = match kind {
            ip_proto::HOP_BY_HOP => Ipv6ExtHeader::HopByHop(body),
            ip_proto::ROUTING => Ipv6ExtHeader::Routing(body),
            _ => Ipv6ExtHeader::DestOpts(body),
        };
        Ok((h, bytes[0], len))
    }

    /// Appends the header with Next Header `next` to `buf`.
    fn emit(&self, next: u8, buf: &mut Vec<u8>) -> Result<(), WireError> {
        match self {
            Ipv6ExtHeader::Fragment(f) => {
                let off = IpFragOffset::try_new(f.offset)
                    .map_err(|_| WireError::malformed("ipv6 fragment header", "offset > 8191"))?;
                let h = Ipv6FragmentHeader::new(IpNumber(next), off, f.more, f.id);
                buf.extend_from_slice(&h.to_bytes());
            }
            Ipv6ExtHeader::HopByHop(b) | Ipv6ExtHeader::Routing(b) | Ipv6ExtHeader::DestOpts(b) => {
                let len = b.len() + 2;
                if len % 8 != 0 || len > 2048 {
                    return Err(WireError::malformed(
                        "ipv6 extension header",
                        format!("length {len} is not a multiple of 8 up to 2048"),
                    ));
                }
                buf.push(next);
                buf.push((len / 8 - 1) as u8);
                buf.extend_from_slice(b);
            }
        }
        Ok(())
    }
}

/// Values to write instead of the computed ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Ipv6Overrides {
    /// Payload Length to write instead of extensions + `upper_len`.
    pub payload_len: Option<u16>,
}

/// An IPv6 header with its extension headers.
///
/// `parse` keeps the observed `next_header` and `payload_len`; `emit`
/// computes both (from `extensions`, `protocol` and `upper_len`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ipv6Repr {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Next Header of the fixed header as written.
    pub next_header: u8,
    /// Hop limit.
    pub hop_limit: u8,
    /// Traffic class (DSCP << 2 | ECN).
    pub traffic_class: u8,
    /// Flow label (20 bits).
    pub flow_label: u32,
    /// Payload Length as written (covers the extension headers).
    pub payload_len: u16,
    /// Extension headers, in order.
    pub extensions: Vec<Ipv6ExtHeader>,
    /// The protocol after the extension headers (the upper layer, or the
    /// first header that could not be walked).
    pub protocol: u8,
    /// Bytes after the extension headers: on parse, `payload_len` minus the
    /// extensions (saturating); on emit, used to compute `payload_len`.
    pub upper_len: usize,
    /// Emit-time overrides (parse leaves them `None`).
    pub overrides: Ipv6Overrides,
}

impl Ipv6Repr {
    /// A header with hop limit 64 and no extension headers.
    pub fn new(src: Ipv6Addr, dst: Ipv6Addr, protocol: u8, upper_len: usize) -> Self {
        Ipv6Repr {
            src,
            dst,
            next_header: protocol,
            hop_limit: 64,
            traffic_class: 0,
            flow_label: 0,
            payload_len: 0,
            extensions: Vec::new(),
            protocol,
            upper_len,
            overrides: Ipv6Overrides::default(),
        }
        .filled()
    }

    /// Header length including extension headers.
    pub fn header_len(&self) -> usize {
        40 + self.extensions.iter().map(Ipv6ExtHeader::len).sum::<usize>()
    }

    /// The fragment header, if any.
    pub fn fragment(&self) -> Option<&Ipv6Fragment> {
        self.extensions.iter().find_map(|e| match e {
            Ipv6ExtHeader::Fragment(f) => Some(f),
            _ => None,
        })
    }

    /// True if this is a fragment other than the first one.
    pub fn is_later_fragment(&self) -> bool {
        self.fragment().is_some_and(|f| f.offset != 0)
    }

    /// Parses the header and extension headers at the start of `bytes`.
    pub fn parse(bytes: &[u8]) -> Result<Self, WireError> {
        match Self::parse_lenient(bytes)? {
            (repr, None) => Ok(repr),
            (_, Some(e)) => Err(e),
        }
    }

    /// Like [`Ipv6Repr::parse`], but an extension header that cannot be walked
    /// (truncated) ends the walk: the repr so far is returned with the error,
    /// and `protocol` is the kind of the header that failed.
    pub fn parse_lenient(bytes: &[u8]) -> Result<(Self, Option<WireError>), WireError> {
        use etherparse::err::ipv6::HeaderSliceError;
        let (h, _) = Ipv6Header::from_slice(bytes).map_err(|e| match e {
            HeaderSliceError::Len(l) => WireError::truncated("ipv6", l.required_len, l.len),
            HeaderSliceError::Content(c) => WireError::malformed("ipv6", c.to_string()),
        })?;
        let mut repr = Ipv6Repr {
            src: h.source_addr(),
            dst: h.destination_addr(),
            next_header: h.next_header.0,
            hop_limit: h.hop_limit,
            traffic_class: h.traffic_class,
            flow_label: h.flow_label.value(),
            payload_len: h.payload_length,
            extensions: Vec::new(),
            protocol: h.next_header.0,
            upper_len: 0,
            overrides: Ipv6Overrides::default(),
        };
        let mut at = 40;
        let mut error = None;
        while Ipv6ExtHeader::is_ext(repr.protocol) {
            match Ipv6ExtHeader::parse(repr.protocol, &bytes[at..]) {
                Ok((ext, next, len)) => {
                    repr.extensions.push(ext);
                    repr.protocol = next;
                    at += len;
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        repr.upper_len = usize::from(repr.payload_len).saturating_sub(at - 40);
        Ok((repr, error))
    }

    /// The Next Header values of the chain as emitted: the fixed header's,
    /// then one per extension header.
    fn chain(&self) -> Vec<u8> {
        let mut kinds: Vec<u8> = self.extensions.iter().map(Ipv6ExtHeader::kind).collect();
        kinds.push(self.protocol);
        kinds
    }

    /// The Payload Length that `emit` writes.
    fn computed_payload_len(&self) -> Result<u16, WireError> {
        if let Some(v) = self.overrides.payload_len {
            return Ok(v);
        }
        let len = self.header_len() - 40 + self.upper_len;
        u16::try_from(len).map_err(|_| WireError::TooLong {
            what: "ipv6 payload length",
            len,
            max: 65535,
        })
    }

    /// A copy with `next_header` and `payload_len` set to what `emit` writes.
    pub fn filled(&self) -> Self {
        let mut r = self.clone();
        r.next_header = self.chain()[0];
        if let Ok(v) = self.computed_payload_len() {
            r.payload_len = v;
        }
        r
    }

    /// Appends the header and extension headers to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let chain = self.chain();
        let h = Ipv6Header {
            traffic_class: self.traffic_class,
            flow_label: Ipv6FlowLabel::try_new(self.flow_label)
                .map_err(|_| WireError::malformed("ipv6", "flow label > 20 bits"))?,
            payload_length: self.computed_payload_len()?,
            next_header: IpNumber(chain[0]),
            hop_limit: self.hop_limit,
            source: self.src.octets(),
            destination: self.dst.octets(),
        };
        buf.extend_from_slice(&h.to_bytes());
        for (ext, next) in self.extensions.iter().zip(&chain[1..]) {
            ext.emit(*next, buf)?;
        }
        Ok(())
    }

    /// The emitted header (with extension headers) as bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        super::emitted(self.header_len(), |v| self.emit(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ipv6Repr {
        let mut r = Ipv6Repr::new(
            "2001:db8::100".parse().unwrap(),
            "2001:db8:1::7".parse().unwrap(),
            ip_proto::UDP,
            1000,
        );
        r.traffic_class = 0xb8;
        r.flow_label = 0xabcde;
        r.hop_limit = 1;
        r.extensions = vec![
            Ipv6ExtHeader::HopByHop(vec![1, 4, 0, 0, 0, 0]),
            Ipv6ExtHeader::Fragment(Ipv6Fragment {
                offset: 0,
                more: true,
                id: 0xdeadbeef,
            }),
            Ipv6ExtHeader::DestOpts(vec![1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ];
        r.filled()
    }

    #[test]
    fn round_trip_with_fragment_header() {
        let r = sample();
        let b = r.to_bytes().unwrap();
        assert_eq!(b.len(), 40 + 8 + 8 + 16);
        assert_eq!(b[6], ip_proto::HOP_BY_HOP);
        assert_eq!(b[40], ip_proto::FRAGMENT);
        let p = Ipv6Repr::parse(&b).unwrap();
        assert_eq!(p, r);
        assert_eq!(p.payload_len, 32 + 1000);
        assert_eq!(p.protocol, ip_proto::UDP);
        assert_eq!(p.fragment().unwrap().id, 0xdeadbeef);
        assert!(!p.is_later_fragment());
    }

    #[test]
    fn truncated_extension_is_reported() {
        let b = sample().to_bytes().unwrap();
        assert!(Ipv6Repr::parse(&b[..60]).is_err());
        let (p, e) = Ipv6Repr::parse_lenient(&b[..60]).unwrap();
        assert!(e.is_some());
        assert_eq!(p.extensions.len(), 2);
        assert_eq!(p.protocol, ip_proto::DEST_OPTS);
        assert!(Ipv6Repr::parse(&b[..39]).is_err());
    }

    #[test]
    fn bad_extension_length_is_an_emit_error() {
        let mut r = sample();
        r.extensions = vec![Ipv6ExtHeader::Routing(vec![0; 5])];
        assert!(r.to_bytes().is_err());
    }
}
