//! TCP options, walked on raw bytes (etherparse's iterator stops at unknown kinds).

use std::fmt;

use super::{WireError, be16, be32, hex};

/// The option kinds (RFC 9293 and the RFCs of each option), named once for the case language and
/// the codec: the language's table of option names reads the same constants.
pub use dsl::plan::option_kind as kind;

/// Magic that starts the experimental TCP Fast Open option (kind 254, RFC 6994).
pub const TFO_EXP_MAGIC: u16 = 0xf989;

/// Maximum length of the TCP options area.
pub const MAX_OPTIONS_LEN: usize = 40;

/// One TCP option.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TcpOption {
    /// End of option list (kind 0); also each byte of trailing EOL padding.
    Eol,
    /// No-operation (kind 1).
    Nop,
    /// Maximum segment size (kind 2, length 4).
    Mss(u16),
    /// Window scale shift count (kind 3, length 3).
    WindowScale(u8),
    /// SACK permitted (kind 4, length 2).
    SackPermitted,
    /// SACK blocks (kind 5, length 2 + 8n, n >= 1): (left edge, right edge).
    Sack(Vec<(u32, u32)>),
    /// Timestamps (kind 8, length 10).
    Timestamps {
        /// TSval.
        val: u32,
        /// TSecr.
        ecr: u32,
    },
    /// TCP Fast Open (kind 34, RFC 7413); an empty cookie is a cookie request.
    FastOpen(Vec<u8>),
    /// Experimental TCP Fast Open (kind 254, magic 0xF989), the cookie after the magic.
    FastOpenExp(Vec<u8>),
    /// Any other kind, or a known kind with an unexpected length.
    Raw {
        /// Option kind.
        kind: u8,
        /// Bytes after the kind and length bytes.
        data: Vec<u8>,
    },
}

impl TcpOption {
    /// The option's kind byte on the wire.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOption::Eol => kind::EOL,
            TcpOption::Nop => kind::NOP,
            TcpOption::Mss(_) => kind::MSS,
            TcpOption::WindowScale(_) => kind::WINDOW_SCALE,
            TcpOption::SackPermitted => kind::SACK_PERMITTED,
            TcpOption::Sack(_) => kind::SACK,
            TcpOption::Timestamps { .. } => kind::TIMESTAMPS,
            TcpOption::FastOpen(_) => kind::FAST_OPEN,
            TcpOption::FastOpenExp(_) => kind::EXPERIMENTAL,
            TcpOption::Raw { kind, .. } => *kind,
        }
    }

    /// Decodes a kind with its data (the bytes after kind and length).
    fn decode(kind: u8, data: &[u8]) -> Self {
        match (kind, data.len()) {
            (kind::MSS, 2) => TcpOption::Mss(be16(data, 0)),
            (kind::WINDOW_SCALE, 1) => TcpOption::WindowScale(data[0]),
            (kind::SACK_PERMITTED, 0) => TcpOption::SackPermitted,
            (kind::SACK, n) if n > 0 && n % 8 == 0 => {
                TcpOption::Sack(data.chunks_exact(8).map(|c| (be32(c, 0), be32(c, 4))).collect())
            }
            (kind::TIMESTAMPS, 8) => TcpOption::Timestamps {
                val: be32(data, 0),
                ecr: be32(data, 4),
            },
            (kind::FAST_OPEN, _) => TcpOption::FastOpen(data.to_vec()),
            (kind::EXPERIMENTAL, n) if n >= 2 && be16(data, 0) == TFO_EXP_MAGIC => {
                TcpOption::FastOpenExp(data[2..].to_vec())
            }
            _ => TcpOption::Raw {
                kind,
                data: data.to_vec(),
            },
        }
    }

    /// Appends the encoded option to `buf`.
    pub fn emit(&self, buf: &mut Vec<u8>) -> Result<(), WireError> {
        let mut tlv = |kind: u8, data: &[u8]| -> Result<(), WireError> {
            let len = data.len() + 2;
            if len > 255 {
                return Err(WireError::TooLong {
                    what: "tcp option",
                    len,
                    max: 255,
                });
            }
            buf.push(kind);
            buf.push(len as u8);
            buf.extend_from_slice(data);
            Ok(())
        };
        let kind = self.kind();
        match self {
            TcpOption::Eol | TcpOption::Nop => buf.push(kind),
            TcpOption::Mss(m) => tlv(kind, &m.to_be_bytes())?,
            TcpOption::WindowScale(s) => tlv(kind, &[*s])?,
            TcpOption::SackPermitted => tlv(kind, &[])?,
            TcpOption::Sack(blocks) => {
                let data: Vec<u8> = blocks
                    .iter()
                    .flat_map(|(l, r)| l.to_be_bytes().into_iter().chain(r.to_be_bytes()))
                    .collect();
                tlv(kind, &data)?
            }
            TcpOption::Timestamps { val, ecr } => {
                let mut d = val.to_be_bytes().to_vec();
                d.extend_from_slice(&ecr.to_be_bytes());
                tlv(kind, &d)?
            }
            TcpOption::FastOpen(cookie) | TcpOption::Raw { data: cookie, .. } => tlv(kind, cookie)?,
            TcpOption::FastOpenExp(cookie) => {
                let mut d = TFO_EXP_MAGIC.to_be_bytes().to_vec();
                d.extend_from_slice(cookie);
                tlv(kind, &d)?
            }
        }
        Ok(())
    }
}

impl TcpOption {
    /// The option in the case language's notation (docs/language.md §3.5), with SACK edges
    /// taken relative to `sack_base` (0: absolute): `mss 1460`, `sack 1:1001`, `fo 8a3c21f0`.
    pub fn text(&self, sack_base: u32) -> String {
        match self {
            TcpOption::Eol => "eol".into(),
            TcpOption::Nop => "nop".into(),
            TcpOption::Mss(m) => format!("mss {m}"),
            TcpOption::WindowScale(s) => format!("wscale {s}"),
            TcpOption::SackPermitted => "sackOK".into(),
            TcpOption::Sack(b) => {
                let edges: Vec<String> = b
                    .iter()
                    .map(|(l, r)| format!("{}:{}", l.wrapping_sub(sack_base), r.wrapping_sub(sack_base)))
                    .collect();
                format!("sack {}", edges.join(" "))
            }
            TcpOption::Timestamps { val, ecr } => format!("ts val {val} ecr {ecr}"),
            TcpOption::FastOpen(c) if c.is_empty() => "fo".into(),
            TcpOption::FastOpen(c) => format!("fo {}", hex(c)),
            TcpOption::FastOpenExp(c) if c.is_empty() => "fo-exp".into(),
            TcpOption::FastOpenExp(c) => format!("fo-exp {}", hex(c)),
            TcpOption::Raw { kind, data } if data.is_empty() => format!("kind {kind}"),
            TcpOption::Raw { kind, data } => format!("kind {kind} {}", hex(data)),
        }
    }
}

impl fmt::Display for TcpOption {
    /// The case language's notation, SACK edges absolute (see [`TcpOption::text`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(0))
    }
}

/// The options area of a TCP header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TcpOptions {
    /// Decoded options, in wire order (including trailing EOL padding, one
    /// [`TcpOption::Eol`] per byte).
    Parsed(Vec<TcpOption>),
    /// Options that could not be walked (a length byte < 2, an option running
    /// past the header, or non-zero bytes after EOL), kept raw.
    Unparseable(Vec<u8>),
}

impl Default for TcpOptions {
    fn default() -> Self {
        TcpOptions::Parsed(Vec::new())
    }
}

impl TcpOptions {
    /// Walks the raw options area. Never loops: every step consumes at least one byte.
    pub fn parse(bytes: &[u8]) -> Self {
        let mut opts = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                kind::EOL => {
                    // EOL ends the list; what follows must be zero padding.
                    if bytes[i..].iter().any(|&b| b != 0) {
                        return TcpOptions::Unparseable(bytes.to_vec());
                    }
                    opts.extend(std::iter::repeat_n(TcpOption::Eol, bytes.len() - i));
                    break;
                }
                kind::NOP => {
                    opts.push(TcpOption::Nop);
                    i += 1;
                }
                kind => {
                    let Some(&len) = bytes.get(i + 1) else {
                        return TcpOptions::Unparseable(bytes.to_vec());
                    };
                    let len = usize::from(len);
                    if len < 2 || i + len > bytes.len() {
                        return TcpOptions::Unparseable(bytes.to_vec());
                    }
                    opts.push(TcpOption::decode(kind, &bytes[i + 2..i + len]));
                    i += len;
                }
            }
        }
        TcpOptions::Parsed(opts)
    }

    /// The options encoded in the order given, without padding.
    pub fn encode_unpadded(&self) -> Result<Vec<u8>, WireError> {
        match self {
            TcpOptions::Unparseable(raw) => Ok(raw.clone()),
            TcpOptions::Parsed(opts) => {
                let mut buf = Vec::new();
                for o in opts {
                    o.emit(&mut buf)?;
                }
                Ok(buf)
            }
        }
    }

    /// The options area as emitted: encoded, padded with EOL to a multiple of
    /// 4 bytes; an error above 40 bytes.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut buf = self.encode_unpadded()?;
        buf.resize(buf.len().div_ceil(4) * 4, 0);
        if buf.len() > MAX_OPTIONS_LEN {
            return Err(WireError::TooLong {
                what: "tcp options",
                len: buf.len(),
                max: MAX_OPTIONS_LEN,
            });
        }
        Ok(buf)
    }

    /// The decoded options, or `None` when unparseable.
    pub fn as_parsed(&self) -> Option<&[TcpOption]> {
        match self {
            TcpOptions::Parsed(v) => Some(v),
            TcpOptions::Unparseable(_) => None,
        }
    }

    /// The options with trailing EOLs removed (NOPs are kept).
    pub fn without_trailing_eol(&self) -> Self {
        match self {
            TcpOptions::Parsed(v) => {
                let keep = v.iter().rposition(|o| *o != TcpOption::Eol).map_or(0, |p| p + 1);
                TcpOptions::Parsed(v[..keep].to_vec())
            }
            u => u.clone(),
        }
    }

    /// Equality that ignores trailing EOL padding (but never NOPs).
    pub fn eq_ignoring_eol_padding(&self, other: &Self) -> bool {
        self.without_trailing_eol() == other.without_trailing_eol()
    }

    /// The first option matching `pred`, if parsed.
    pub fn find(&self, pred: impl Fn(&TcpOption) -> bool) -> Option<&TcpOption> {
        self.as_parsed()?.iter().find(|o| pred(o))
    }

    /// The MSS option value, if present.
    pub fn mss(&self) -> Option<u16> {
        self.as_parsed()?.iter().find_map(|o| match o {
            TcpOption::Mss(m) => Some(*m),
            _ => None,
        })
    }
}

impl TcpOptions {
    /// The list in the case language's notation, as a pattern would write it: `<mss 1460, nop,
    /// wscale 7>` (trailing EOL padding left out, `<>` for none), SACK edges relative to
    /// `sack_base` (0: absolute); an options area that cannot be walked as its raw bytes.
    pub fn text(&self, sack_base: u32) -> String {
        match self {
            TcpOptions::Unparseable(raw) => format!("<unparseable 0x{}>", hex(raw)),
            TcpOptions::Parsed(opts) => {
                let end = opts.iter().rposition(|o| *o != TcpOption::Eol).map_or(0, |i| i + 1);
                let items: Vec<String> = opts[..end].iter().map(|o| o.text(sack_base)).collect();
                format!("<{}>", items.join(", "))
            }
        }
    }
}

impl fmt::Display for TcpOptions {
    /// The case language's notation, SACK edges absolute (see [`TcpOptions::text`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text(0))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::TcpOption::*;
    use super::*;

    /// Every option kind, laid out to need no padding (36 bytes).
    pub(crate) fn all_kinds() -> Vec<TcpOption> {
        vec![
            Mss(1460),
            Nop,
            WindowScale(7),
            SackPermitted,
            Timestamps { val: 1, ecr: 2 },
            FastOpen(vec![]),
            FastOpenExp(vec![0xaa, 0xbb]),
            Raw {
                kind: 99,
                data: vec![5],
            },
            Eol,
        ]
    }

    #[test]
    fn round_trip_every_kind() {
        let o = TcpOptions::Parsed(all_kinds());
        let b = o.to_bytes().unwrap();
        assert_eq!(b.len(), 32);
        assert_eq!(TcpOptions::parse(&b), o);
        let more = TcpOptions::Parsed(vec![
            Sack(vec![(1, 2), (0xffff_fff0, 0x10)]),
            FastOpen(vec![1, 2, 3, 4, 5, 6, 7, 8]),
            Nop,
            Nop,
            Nop,
            Nop,
        ]);
        let b = more.to_bytes().unwrap();
        assert_eq!(b.len(), 32);
        assert_eq!(TcpOptions::parse(&b), more);
    }

    #[test]
    fn kind_is_the_byte_the_option_starts_with_on_the_wire() {
        let mut every = all_kinds();
        every.push(Sack(vec![(1, 2)]));
        for o in every {
            let mut b = Vec::new();
            o.emit(&mut b).unwrap();
            assert_eq!(o.kind(), b[0], "{o:?}");
            assert_eq!(TcpOptions::parse(&b).as_parsed().unwrap()[0].kind(), b[0], "{o:?}");
        }
    }

    #[test]
    fn hand_made_tfo_list() {
        let b = [
            0x02, 0x04, 0x05, 0xb4, 0x01, 0x22, 0x0a, 0x8a, 0x3c, 0x5d, 0x1e, 0x77, 0xb0, 0x42, 0xc9, 0x04, 0x02, 0x00,
            0x00, 0x00,
        ];
        let o = TcpOptions::parse(&b);
        assert_eq!(
            o,
            TcpOptions::Parsed(vec![
                Mss(1460),
                Nop,
                FastOpen(vec![0x8a, 0x3c, 0x5d, 0x1e, 0x77, 0xb0, 0x42, 0xc9]),
                SackPermitted,
                Eol,
                Eol,
                Eol,
            ])
        );
        assert_eq!(o.to_bytes().unwrap(), b);
        assert_eq!(o.mss(), Some(1460));
        assert_eq!(
            o.without_trailing_eol().to_string(),
            "<mss 1460, nop, fo 8a3c5d1e77b042c9, sackOK>"
        );
    }

    #[test]
    fn experimental_tfo_and_wrong_magic() {
        let b = [0xfe, 0x04, 0xf9, 0x89];
        assert_eq!(TcpOptions::parse(&b), TcpOptions::Parsed(vec![FastOpenExp(vec![])]));
        let b = [0xfe, 0x04, 0x12, 0x34];
        assert_eq!(
            TcpOptions::parse(&b),
            TcpOptions::Parsed(vec![Raw {
                kind: 254,
                data: vec![0x12, 0x34]
            }])
        );
        // Known kind, unexpected length -> Raw.
        assert_eq!(
            TcpOptions::parse(&[2, 3, 5, 0]),
            TcpOptions::Parsed(vec![Raw { kind: 2, data: vec![5] }, Eol])
        );
    }

    #[test]
    fn bad_lengths_are_unparseable_and_never_loop() {
        for bad in [
            &[2u8, 0, 5, 0xb4][..],
            &[2, 1, 5, 0xb4],
            &[1, 1, 1, 3],
            &[8, 10, 0, 0],
            &[0x22, 0, 0, 0],
        ] {
            let o = TcpOptions::parse(bad);
            assert_eq!(o, TcpOptions::Unparseable(bad.to_vec()));
            assert_eq!(o.to_string(), format!("<unparseable 0x{}>", hex(bad)));
            assert_eq!(o.to_bytes().unwrap(), bad, "raw bytes re-emit unchanged");
        }
        assert!(matches!(TcpOptions::parse(&[0, 0, 1, 0]), TcpOptions::Unparseable(_)));
    }

    #[test]
    fn trailing_eol_padding() {
        let padded = TcpOptions::parse(&[1, 1, 4, 2, 0, 0, 0, 0]);
        assert_eq!(
            padded,
            TcpOptions::Parsed(vec![Nop, Nop, SackPermitted, Eol, Eol, Eol, Eol])
        );
        let bare = TcpOptions::Parsed(vec![Nop, Nop, SackPermitted]);
        assert!(padded.eq_ignoring_eol_padding(&bare));
        assert_ne!(padded, bare);
        let nops = TcpOptions::Parsed(vec![Nop, Nop, SackPermitted, Nop]);
        assert!(!nops.eq_ignoring_eol_padding(&bare), "NOPs are never ignored");
        // Emitting pads with EOL.
        assert_eq!(
            TcpOptions::Parsed(vec![Mss(1), WindowScale(2)]).to_bytes().unwrap(),
            [2, 4, 0, 1, 3, 3, 2, 0]
        );
    }

    #[test]
    fn too_long_is_an_error() {
        let o = TcpOptions::Parsed(vec![Raw {
            kind: 99,
            data: vec![0; 39],
        }]);
        assert!(o.to_bytes().is_err());
        let o = TcpOptions::Parsed(vec![Raw {
            kind: 99,
            data: vec![0; 300],
        }]);
        assert!(o.to_bytes().is_err());
    }
}
