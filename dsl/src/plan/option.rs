//! TCP option entries of option lists, and the option names of the language with their kinds
//! (docs/language.md §3.5).

use super::Value;

/// The kinds on the wire of the TCP options the language has a name for (the IANA "TCP Option
/// Kind Numbers").
pub mod option_kind {
    /// End of option list.
    pub const EOL: u8 = 0;
    /// No-operation (padding between options).
    pub const NOP: u8 = 1;
    /// Maximum segment size.
    pub const MSS: u8 = 2;
    /// Window scale (RFC 7323).
    pub const WINDOW_SCALE: u8 = 3;
    /// SACK permitted (RFC 2018).
    pub const SACK_PERMITTED: u8 = 4;
    /// SACK blocks (RFC 2018).
    pub const SACK: u8 = 5;
    /// Timestamps (RFC 7323).
    pub const TIMESTAMPS: u8 = 8;
    /// TCP Fast Open (RFC 7413).
    pub const FAST_OPEN: u8 = 34;
    /// Experimental options (RFC 6994): `fo-exp` is TCP Fast Open in one, marked by the magic
    /// 0xF989.
    pub const EXPERIMENTAL: u8 = 254;
}

/// The option names of the language and their kinds, in the order a "did you mean" offers them:
/// `lacks <...>` reads a name through this table and `explain` writes a kind back with it.
pub const TCP_OPTION_NAMES: [(&str, u8); 9] = [
    ("mss", option_kind::MSS),
    ("sackOK", option_kind::SACK_PERMITTED),
    ("ts", option_kind::TIMESTAMPS),
    ("nop", option_kind::NOP),
    ("eol", option_kind::EOL),
    ("wscale", option_kind::WINDOW_SCALE),
    ("sack", option_kind::SACK),
    ("fo", option_kind::FAST_OPEN),
    ("fo-exp", option_kind::EXPERIMENTAL),
];

/// The kind of an option name, in any case (`SACKOK`); `foexp` is another spelling of `fo-exp`.
pub fn option_kind_named(name: &str) -> Option<u8> {
    let name = if name.eq_ignore_ascii_case("foexp") {
        "fo-exp"
    } else {
        name
    };
    TCP_OPTION_NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, k)| *k)
}

/// The language's name for an option kind, if it has one.
pub fn option_name(kind: u8) -> Option<&'static str> {
    TCP_OPTION_NAMES.iter().find(|(_, k)| *k == kind).map(|(n, _)| *n)
}

/// A TCP option entry in a send or a pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum TcpOptionSpec {
    /// `mss N` (kind 2).
    Mss(Value),
    /// `sackOK` (kind 4).
    SackPermitted,
    /// `ts val N ecr N` (kind 8).
    Timestamps {
        /// TSval: the sender's timestamp clock.
        val: Value,
        /// TSecr: the TSval echoed back.
        ecr: Value,
    },
    /// `nop` (kind 1).
    Nop,
    /// `eol` (kind 0).
    Eol,
    /// `wscale N` (kind 3).
    WindowScale(Value),
    /// `sack L:R ...` (kind 5), relative in flows.
    Sack(Vec<(Value, Value)>),
    /// `fo [HEX]` (kind 34).
    FastOpen(Cookie),
    /// `fo-exp [HEX]` (kind 254, magic 0xF989).
    FastOpenExp(Cookie),
    /// `kind N [HEX]`.
    Raw {
        /// The option's kind byte.
        kind: u8,
        /// Option data (after kind and length); `None` in a pattern: any.
        data: Option<Vec<u8>>,
    },
}

impl TcpOptionSpec {
    /// The option kind on the wire.
    pub fn kind(&self) -> u8 {
        match self {
            TcpOptionSpec::Eol => option_kind::EOL,
            TcpOptionSpec::Nop => option_kind::NOP,
            TcpOptionSpec::Mss(_) => option_kind::MSS,
            TcpOptionSpec::WindowScale(_) => option_kind::WINDOW_SCALE,
            TcpOptionSpec::SackPermitted => option_kind::SACK_PERMITTED,
            TcpOptionSpec::Sack(_) => option_kind::SACK,
            TcpOptionSpec::Timestamps { .. } => option_kind::TIMESTAMPS,
            TcpOptionSpec::FastOpen(_) => option_kind::FAST_OPEN,
            TcpOptionSpec::FastOpenExp(_) => option_kind::EXPERIMENTAL,
            TcpOptionSpec::Raw { kind, .. } => *kind,
        }
    }

    /// Bytes this option takes on the wire in a send (for the 40-byte check).
    pub fn wire_len(&self) -> usize {
        match self {
            TcpOptionSpec::Eol | TcpOptionSpec::Nop => 1,
            TcpOptionSpec::Mss(_) => 4,
            TcpOptionSpec::WindowScale(_) => 3,
            TcpOptionSpec::SackPermitted => 2,
            TcpOptionSpec::Sack(e) => 2 + 8 * e.len(),
            TcpOptionSpec::Timestamps { .. } => 10,
            TcpOptionSpec::FastOpen(c) => 2 + c.wire_len(),
            TcpOptionSpec::FastOpenExp(c) => 4 + c.wire_len(),
            TcpOptionSpec::Raw { data, .. } => 2 + data.as_ref().map_or(0, Vec::len),
        }
    }
}

/// A TFO cookie position.
#[derive(Clone, Debug, PartialEq)]
pub enum Cookie {
    /// No cookie: a cookie request.
    Request,
    /// A cookie of these bytes.
    Bytes(Vec<u8>),
    /// `*`: any TFO option (pattern) or 8 random bytes (send).
    Any,
    /// `$c`: binds (pattern) or uses (send) a variable holding hex bytes.
    Var(String),
}

impl Cookie {
    /// Bytes the cookie takes in a send (`*` and `$c` stand for 8).
    fn wire_len(&self) -> usize {
        match self {
            Cookie::Request => 0,
            Cookie::Bytes(b) => b.len(),
            Cookie::Any | Cookie::Var(_) => 8,
        }
    }
}
