//! Spellings other tools use (tcpdump, Wireshark, Scapy, RFC prose) for TCP flags, TCP options
//! and header fields, with the language's spelling of each. Consulted only when a word is not the
//! language's, so that the error can say exactly what to write (docs/language.md §3.3–§3.5).

use crate::diag::Diagnostic;
use crate::plan::{TCP_FLAGS, flags_text, tcp_flag};
use crate::source::Span;

/// The language's TCP flag letters and what each stands for (docs/language.md §3.3).
pub const FLAG_LETTERS: &str = "F S R P . U E W (FIN SYN RST PSH ACK URG ECE CWR)";

/// What to write instead of a foreign spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instead {
    /// The language's spelling, as it is written in a sentence (`hlim`, `ts val N ecr N`).
    pub write: &'static str,
    /// An explanation when the mapping is not one to one.
    pub note: Option<&'static str>,
}

const fn write(w: &'static str) -> Instead {
    Instead { write: w, note: None }
}

const fn write_note(w: &'static str, n: &'static str) -> Instead {
    Instead {
        write: w,
        note: Some(n),
    }
}

/// Flag names as written in prose, tcpdump's long forms and Wireshark's Info column.
const FLAG_NAMES: [(&str, u8); 10] = [
    ("SYN", tcp_flag::SYN),
    ("ACK", tcp_flag::ACK),
    ("FIN", tcp_flag::FIN),
    ("RESET", tcp_flag::RST),
    ("RST", tcp_flag::RST),
    ("PUSH", tcp_flag::PSH),
    ("PSH", tcp_flag::PSH),
    ("URG", tcp_flag::URG),
    ("ECE", tcp_flag::ECE),
    ("CWR", tcp_flag::CWR),
];

/// Separators people put between flag names (`SYN-ACK`, `SYN/ACK`, `SYN,ACK`, `SYN+ACK`).
const FLAG_SEPARATORS: &[char] = &['-', '/', ',', '+', '|', '_', '[', ']', ' ', '\t', '\n'];

/// The flag bits a foreign spelling of TCP flags stands for: names in any case, alone,
/// concatenated or separated (`SYN`, `syn-ack`, `SYNACK`, `[SYN, ACK]`, `PSH/ACK`), Scapy's
/// letters in upper case (`SA`, `FA`, `PA`: `A` is ACK, `C` is CWR), and the language's own
/// letters in brackets as tcpdump prints them (`[S.]`). `None` when `word` is none of these.
pub fn tcp_flags(word: &str) -> Option<u8> {
    let mut bits = 0u8;
    let mut parts = 0;
    for part in word.split(FLAG_SEPARATORS).filter(|p| !p.is_empty()) {
        bits |= flag_names(part).or_else(|| flag_letters(part))?;
        parts += 1;
    }
    (parts > 0 && bits != 0).then_some(bits)
}

/// `SYN`, `synack`, `FINACK`: flag names, case-insensitive, concatenated.
fn flag_names(part: &str) -> Option<u8> {
    let upper = part.to_ascii_uppercase();
    let mut rest = upper.as_str();
    let mut bits = 0;
    while !rest.is_empty() {
        let (name, b) = FLAG_NAMES.iter().find(|(n, _)| rest.starts_with(n))?;
        bits |= b;
        rest = &rest[name.len()..];
    }
    Some(bits)
}

/// `SA`, `S.`: upper-case flag letters, Scapy's (`A`, `C`) or the language's.
fn flag_letters(part: &str) -> Option<u8> {
    let mut bits = 0;
    for c in part.chars() {
        bits |= match c {
            'A' => tcp_flag::ACK,
            'C' => tcp_flag::CWR,
            c => TCP_FLAGS.iter().find(|(l, _)| *l == c)?.1,
        };
    }
    Some(bits)
}

/// The language's flag letters for a foreign spelling (`SYN-ACK` → `S.`).
pub fn tcp_flags_letters(word: &str) -> Option<String> {
    tcp_flags(word).map(flags_text)
}

/// The error for TCP flags written in a foreign spelling, at `span`: what the letters are. `None`
/// when `written` is not a spelling of flags.
pub fn tcp_flags_error(span: Span, written: &str) -> Option<Diagnostic> {
    let letters = tcp_flags_letters(written)?;
    Some(
        Diagnostic::error(
            span,
            format!("TCP flags are written as letters: `{written}` is `{letters}`"),
        )
        .with_label(format!("write `{letters}`"))
        .with_help(format!("the letters are {FLAG_LETTERS}, in one token; `.` is ACK")),
    )
}

/// TCP option names of other tools (lower case), with the language's entry.
const OPTIONS: &[(&[&str], Instead)] = &[
    (
        &[
            "sack-perm",
            "sackperm",
            "sack_perm",
            "sack-permitted",
            "sack_permitted",
            "sackpermitted",
            "sack-ok",
            "sack_ok",
            "sackp",
        ],
        write("sackOK"),
    ),
    (
        &[
            "timestamp",
            "timestamps",
            "tsval",
            "ts-val",
            "tsecr",
            "tsopt",
            "ts-opt",
            "tstamp",
        ],
        write("ts val N ecr N"),
    ),
    (&["maxseg", "max-seg", "mss-val", "maxsegsize"], write("mss N")),
    (
        &["ws", "wsopt", "winscale", "window-scale", "windowscale", "wscale-val"],
        write("wscale N"),
    ),
    (
        &["tfo", "fastopen", "fast-open", "tfo-cookie", "cookie"],
        write("fo [HEX]"),
    ),
    (
        &["tfo-exp", "tfoexp", "fastopen-exp", "fast-open-exp"],
        write("fo-exp [HEX]"),
    ),
    (&["noop", "no-op"], write("nop")),
    (&["end", "eool", "end-of-list"], write("eol")),
    (&["sack-blocks", "sackblocks", "sack-block"], write("sack L:R ...")),
    (
        &["md5", "md5sig", "tcp-md5"],
        write_note(
            "kind 19 HEX",
            "the language has no name for TCP-MD5; it is written by its kind",
        ),
    ),
    (
        &["ao", "tcp-ao"],
        write_note(
            "kind 29 HEX",
            "the language has no name for TCP-AO; it is written by its kind",
        ),
    ),
    (
        &["mptcp", "mp"],
        write_note(
            "kind 30 HEX",
            "the language has no name for MPTCP; it is written by its kind",
        ),
    ),
    (
        &["uto", "user-timeout"],
        write_note(
            "kind 28 HEX",
            "the language has no name for the user timeout; it is written by its kind",
        ),
    ),
];

/// What to write for a TCP option name of another tool (`sack-perm` → `sackOK`).
pub fn tcp_option(name: &str) -> Option<Instead> {
    lookup(OPTIONS, name)
}

/// The entry of `table` that lists `name` (compared in lower case).
fn lookup(table: &[(&[&str], Instead)], name: &str) -> Option<Instead> {
    let lower = name.to_ascii_lowercase();
    table
        .iter()
        .find(|(names, _)| names.contains(&lower.as_str()))
        .map(|(_, i)| *i)
}

const DS_NOTE: &str =
    "`tos` is the whole byte (IPv4 TOS / IPv6 traffic class); `dscp` is its upper 6 bits, `ecn` its lower 2";
const CSUM_NOTE: &str =
    "one checksum is `ip.csum`, `tcp.csum`, `udp.csum` or `icmp.csum`; `csum=*` switches every check off";

/// Field names of other tools (lower case), with the language's field.
const FIELDS: &[(&[&str], Instead)] = &[
    (
        &[
            "hoplimit",
            "hop-limit",
            "hop_limit",
            "hlimit",
            "ipv6.hlim",
            "ip6.hlim",
            "ipv6.hop_limit",
            "ipv6.hoplimit",
        ],
        write("hlim"),
    ),
    (
        &[
            "dsfield",
            "ds",
            "ds_field",
            "ds-field",
            "ip.dsfield",
            "diffserv",
            "traffic-class",
            "traffic_class",
            "trafficclass",
            "tclass",
            "tc",
            "ipv6.tclass",
            "ip6.tclass",
        ],
        write_note("tos", DS_NOTE),
    ),
    (
        &["ip.dsfield.dscp", "ipv6.tclass.dscp", "ds.dscp", "diffserv.dscp"],
        write("dscp"),
    ),
    (&["ip.dsfield.ecn", "ipv6.tclass.ecn", "ds.ecn"], write("ecn")),
    (
        &["ip.flags.df", "dont-fragment", "dont_fragment", "dontfrag", "dont_frag"],
        write("df"),
    ),
    (
        &["ip.flags.mf", "more-fragments", "more_fragments", "morefrag"],
        write("mf"),
    ),
    (
        &[
            "ip.frag_offset",
            "frag_offset",
            "frag-offset",
            "fragoff",
            "fragment_offset",
            "offset",
        ],
        write("frag"),
    ),
    (
        &[
            "ident",
            "identification",
            "ipid",
            "ip_id",
            "ip.ident",
            "ip.identification",
        ],
        write("ip.id"),
    ),
    (
        &[
            "length",
            "ip.length",
            "totlen",
            "tot_len",
            "total_length",
            "total-length",
            "ipv6.plen",
            "plen",
            "payload_length",
            "payload-length",
        ],
        write_note(
            "len",
            "`len` is the IP length field; `data len N` is the payload's length",
        ),
    ),
    (
        &["ipv6.flow", "ipv6.flowlabel", "flow_label", "flow-label", "fl"],
        write("flow"),
    ),
    (
        &[
            "ipv6.nxt",
            "nxt",
            "next_header",
            "next-header",
            "nexthdr",
            "nh",
            "ip.protocol",
            "protocol",
        ],
        write("proto"),
    ),
    (
        &["ipv6.src", "ip6.src", "saddr", "src_ip", "srcip", "src_addr", "source"],
        write("src"),
    ),
    (
        &[
            "ipv6.dst",
            "ip6.dst",
            "daddr",
            "dst_ip",
            "dstip",
            "dst_addr",
            "destination",
        ],
        write("dst"),
    ),
    (
        &[
            "tcp.srcport",
            "udp.srcport",
            "srcport",
            "src_port",
            "src-port",
            "source_port",
            "source-port",
            "sourceport",
        ],
        write("sport"),
    ),
    (
        &[
            "tcp.dstport",
            "udp.dstport",
            "dstport",
            "dst_port",
            "dst-port",
            "destination_port",
            "destination-port",
            "destport",
        ],
        write("dport"),
    ),
    (
        &["port", "tcp.port", "udp.port"],
        write_note("dport", "the ports are `sport` and `dport`"),
    ),
    (
        &[
            "tcp.window_size",
            "tcp.window_size_value",
            "window",
            "window_size",
            "window-size",
            "winsize",
            "wnd",
            "rwnd",
        ],
        write("win"),
    ),
    (
        &["tcp.urgent_pointer", "urgent", "urgptr", "urg_ptr", "urp"],
        write("urg"),
    ),
    (&["seqno", "seqnum", "sequence", "tcp.seq_raw"], write("seq")),
    (
        &["ackno", "acknum", "ack_seq", "acknowledgment", "tcp.ack_raw"],
        write("ack"),
    ),
    (&["ip.checksum", "ip.cksum", "ip.chksum"], write("ip.csum")),
    (&["tcp.checksum", "tcp.cksum", "tcp.chksum"], write("tcp.csum")),
    (&["udp.checksum", "udp.cksum", "udp.chksum"], write("udp.csum")),
    (
        &["icmp.checksum", "icmp.cksum", "icmpv6.checksum", "icmp6.cksum"],
        write("icmp.csum"),
    ),
    (&["cksum", "checksum", "chksum"], write_note("csum=*", CSUM_NOTE)),
    (&["udp.length"], write("udp.len")),
    (
        &["icmp.ident", "icmp.identifier", "icmpv6.echo.identifier"],
        write("icmp.id"),
    ),
    (&["icmpv6.echo.sequence_number", "icmp.seq_le"], write("icmp.seq")),
    (&["icmpv6.type"], write("icmp6.type")),
    (&["icmpv6.code"], write("icmp6.code")),
    (&["icmpv6.mtu", "icmp.nexthopmtu"], write("mtu")),
    (&["eth.ethertype", "ethertype", "eth_type", "etype"], write("eth.type")),
    (&["smac", "src_mac", "srcmac", "eth.saddr"], write("eth.src")),
    (&["dmac", "dst_mac", "dstmac", "eth.daddr"], write("eth.dst")),
    (&["vid", "vlan_id", "vlanid", "vlan.vid"], write("vlan")),
    (&["arp.opcode", "opcode"], write("arp.op")),
];

/// What to write for a field name of another tool (`hoplimit` → `hlim`). Wireshark's TCP flag
/// fields (`tcp.flags.syn`) are [`wireshark_flag`]'s.
pub fn field(name: &str) -> Option<Instead> {
    lookup(FIELDS, name)
}

/// The error for a field name of another tool, at `span`: the language's field. `None` when
/// `name` is not one.
pub fn unknown_field_error(span: Span, name: &str) -> Option<Diagnostic> {
    let instead = field(name)?;
    Some(instead.error(span, format!("unknown field `{name}`")))
}

/// The error for a TCP option name of another tool, at `span`: the language's entry. `None`
/// when `name` is not one.
pub fn unknown_option_error(span: Span, name: &str) -> Option<Diagnostic> {
    let instead = tcp_option(name)?;
    Some(instead.error(span, format!("unknown TCP option `{name}`")))
}

impl Instead {
    /// `HEADLINE: write `X``, with the note as help.
    fn error(self, span: Span, headline: String) -> Diagnostic {
        let d = Diagnostic::error(span, format!("{headline}: write `{}`", self.write))
            .with_label(format!("write `{}`", self.write));
        match self.note {
            Some(n) => d.with_help(n),
            None => d,
        }
    }
}

/// The error for a Wireshark TCP flag field (`tcp.flags.syn`), at `span`: the flag test to write
/// (`flags has S`, or `flags lacks S` when the field is compared with 0, `cleared`). `None` when
/// `name` is not one.
pub fn wireshark_flag_error(span: Span, name: &str, cleared: bool) -> Option<Diagnostic> {
    let letter = wireshark_flag(name)?;
    let test = if cleared { "lacks" } else { "has" };
    let instead = format!("flags {test} {letter}");
    Some(
        Diagnostic::error(span, format!("unknown field `{name}`: write `{instead}`"))
            .with_label(format!("write `{instead}`"))
            .with_help(format!(
                "TCP flags are tested with `flags has X` and `flags lacks X`; the letters are {FLAG_LETTERS}"
            )),
    )
}

/// The flag letter of a Wireshark TCP flag field (`tcp.flags.syn` → `S`).
pub fn wireshark_flag(name: &str) -> Option<char> {
    let bit = name.strip_prefix("tcp.flags.")?;
    let bits = match bit {
        "reset" => tcp_flag::RST,
        "push" => tcp_flag::PSH,
        "urg" => tcp_flag::URG,
        other => tcp_flags(other)?,
    };
    flags_text(bits).chars().next().filter(|_| bits.count_ones() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_spellings_translate_to_the_letters() {
        for (word, letters) in [
            ("SYN", "S"),
            ("SYN-ACK", "S."),
            ("syn/ack", "S."),
            ("SYNACK", "S."),
            ("[SYN, ACK]", "S."),
            ("SA", "S."),
            ("FA", "F."),
            ("PA", "P."),
            ("RA", "R."),
            ("PSH,ACK", "P."),
            ("[S.]", "S."),
            ("ACK", "."),
            ("FIN", "F"),
            ("RST", "R"),
            ("reset", "R"),
        ] {
            assert_eq!(tcp_flags_letters(word).as_deref(), Some(letters), "{word}");
        }
        for word in ["bogus", "SZ", "", "-", "sa", "ttl"] {
            assert_eq!(tcp_flags(word), None, "{word}");
        }
    }

    #[test]
    fn foreign_names_name_the_language_spelling() {
        assert_eq!(tcp_option("sack-perm").map(|i| i.write), Some("sackOK"));
        assert_eq!(tcp_option("Timestamp").map(|i| i.write), Some("ts val N ecr N"));
        assert_eq!(field("hop_limit").map(|i| i.write), Some("hlim"));
        assert_eq!(field("dsfield").map(|i| i.write), Some("tos"));
        assert_eq!(wireshark_flag("tcp.flags.syn"), Some('S'));
        assert_eq!(wireshark_flag("tcp.flags.ack"), Some('.'));
        assert_eq!(wireshark_flag("tcp.flags.bogus"), None);
    }
}
