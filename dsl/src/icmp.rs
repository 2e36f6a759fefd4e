//! ICMP and ICMPv6 type and code words (docs/language.md §3.7).

/// ICMP echo request (RFC 792).
pub const ECHO_REQUEST_V4: u8 = 8;
/// ICMP echo reply (RFC 792).
pub const ECHO_REPLY_V4: u8 = 0;
/// ICMPv6 echo request (RFC 4443 §4.1).
pub const ECHO_REQUEST_V6: u8 = 128;
/// ICMPv6 echo reply (RFC 4443 §4.2).
pub const ECHO_REPLY_V6: u8 = 129;

/// A table of type words: (word, type number, code words with their numbers).
pub type TypeTable = &'static [(&'static str, u8, &'static [(&'static str, u8)])];

/// ICMPv4 type words with their numbers and code words.
pub const V4_TYPES: TypeTable = &[
    ("echo-request", ECHO_REQUEST_V4, &[]),
    ("echo-reply", ECHO_REPLY_V4, &[]),
    (
        "unreachable",
        3,
        &[
            ("net", 0),
            ("host", 1),
            ("proto", 2),
            ("port", 3),
            ("frag-needed", 4),
            ("net-admin", 9),
            ("host-admin", 10),
            ("admin", 13),
        ],
    ),
    ("time-exceeded", 11, &[("ttl", 0), ("reassembly", 1)]),
    ("param-problem", 12, &[]),
    ("redirect", 5, &[]),
];

/// ICMPv6 type words with their numbers and code words.
pub const V6_TYPES: TypeTable = &[
    ("echo-request", ECHO_REQUEST_V6, &[]),
    ("echo-reply", ECHO_REPLY_V6, &[]),
    (
        "unreachable",
        1,
        &[
            ("no-route", 0),
            ("admin", 1),
            ("beyond-scope", 2),
            ("addr", 3),
            ("port", 4),
            ("policy", 5),
            ("reject-route", 6),
        ],
    ),
    ("packet-too-big", 2, &[]),
    ("time-exceeded", 3, &[("hop-limit", 0), ("reassembly", 1)]),
    ("param-problem", 4, &[]),
    ("router-solicitation", 133, &[]),
    ("router-advertisement", 134, &[]),
    ("neighbor-solicitation", 135, &[]),
    ("neighbor-advertisement", 136, &[]),
    ("redirect", 137, &[]),
    ("mld-query", 130, &[]),
    ("mld-report", 143, &[]),
];

/// The type table of a family (`v6 == true` for ICMPv6).
pub fn types(v6: bool) -> TypeTable {
    if v6 { V6_TYPES } else { V4_TYPES }
}

/// Whether a word is any ICMP type or code word (they are reserved as names).
pub fn is_icmp_word(w: &str) -> bool {
    V4_TYPES
        .iter()
        .chain(V6_TYPES)
        .any(|(t, _, codes)| *t == w || codes.iter().any(|(c, _)| *c == w))
}

/// Whether an ICMP type is an error that quotes a packet.
pub fn is_error_type(v6: bool, ty: u8) -> bool {
    if v6 {
        ty < 128
    } else {
        matches!(ty, 3 | 4 | 5 | 11 | 12)
    }
}

/// Whether an ICMP type is an echo request or reply.
pub fn is_echo(v6: bool, ty: u8) -> bool {
    ty == echo_request(v6) || ty == echo_reply(v6)
}

/// The echo request type of a family (`v6 == true` for ICMPv6).
pub fn echo_request(v6: bool) -> u8 {
    if v6 { ECHO_REQUEST_V6 } else { ECHO_REQUEST_V4 }
}

/// The echo reply type of a family (`v6 == true` for ICMPv6).
pub fn echo_reply(v6: bool) -> u8 {
    if v6 { ECHO_REPLY_V6 } else { ECHO_REPLY_V4 }
}

/// The type word for a number, for display.
pub fn type_word(v6: bool, ty: u8) -> Option<&'static str> {
    types(v6).iter().find(|(_, n, _)| *n == ty).map(|(w, _, _)| *w)
}

/// The code word for a type and code, for display.
pub fn code_word(v6: bool, ty: u8, code: u8) -> Option<&'static str> {
    let (_, _, codes) = types(v6).iter().find(|(_, n, _)| *n == ty)?;
    codes.iter().find(|(_, c)| *c == code).map(|(w, _)| *w)
}

/// Whether an ICMPv6 type is neighbour discovery / MLD noise (docs/language.md §2.1 rule 5).
pub fn is_v6_noise_type(ty: u8) -> bool {
    (130..=137).contains(&ty) || ty == 143
}
