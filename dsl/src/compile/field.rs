//! Field clauses: resolving a field name to the header that has it (docs/language.md §3.4) and
//! compiling its operator and value.

use super::cx::{CaseCx, Mode};
use super::packet::Place;
use super::value::Slot;
use crate::diag::Diagnostic;
use crate::names;
use crate::plan::*;
use crate::sentence::ast;

/// Every name a field clause may use (for "did you mean").
pub(crate) const FIELD_NAMES: &[&str] = &[
    "eth.src",
    "eth.dst",
    "eth.type",
    "vlan",
    "src",
    "dst",
    "ttl",
    "hlim",
    "tos",
    "dscp",
    "ecn",
    "id",
    "df",
    "mf",
    "frag",
    "len",
    "flow",
    "flowlabel",
    "proto",
    "csum",
    "sport",
    "dport",
    "seq",
    "ack",
    "win",
    "urg",
    "type",
    "code",
    "mtu",
    "ip.src",
    "ip.dst",
    "ip.ttl",
    "ip.hlim",
    "ip.tos",
    "ip.dscp",
    "ip.ecn",
    "ip.id",
    "ip.df",
    "ip.mf",
    "ip.frag",
    "ip.len",
    "ip.flow",
    "ip.flowlabel",
    "ip.proto",
    "ip.csum",
    "tcp.sport",
    "tcp.dport",
    "tcp.seq",
    "tcp.ack",
    "tcp.win",
    "tcp.urg",
    "tcp.flags",
    "tcp.res",
    "tcp.csum",
    "udp.sport",
    "udp.dport",
    "udp.len",
    "udp.csum",
    "icmp.type",
    "icmp.code",
    "icmp.id",
    "icmp.seq",
    "icmp.mtu",
    "icmp.csum",
    "icmp6.type",
    "icmp6.code",
    "icmp6.id",
    "icmp6.seq",
    "icmp6.mtu",
    "icmp6.csum",
    "arp.op",
    "vlan.id",
];

impl CaseCx<'_> {
    /// Compiles `name OP value` for a packet whose head is already known.
    pub(crate) fn field(&mut self, f: &ast::FieldClause, spec: &PacketSpec, place: Place) -> Option<FieldTest> {
        let name = f.name.text.as_str();
        let (prefix, bare) = match name.split_once('.') {
            Some((p, b)) if matches!(p, "eth" | "vlan" | "ip" | "tcp" | "udp" | "icmp" | "icmp6" | "arp") => {
                (Some(p), b)
            }
            _ => (None, name),
        };
        let field = self.field_named(f, prefix, bare, spec)?;
        if !in_sentence(field, prefix, spec) {
            self.no_such_field(f, field, spec);
            return None;
        }
        let op = self.field_op(f, field, place.mode)?;
        let slot = Slot {
            kind: field.kind(),
            name,
            family: spec.family,
        };
        let value = self.value(&f.value, slot, place.mode)?;
        Some(FieldTest {
            field,
            op,
            value,
            default: false,
        })
    }

    /// The field a name means, `prefix` its layer if written (`ip` of `ip.id`). An unqualified
    /// `id` or `seq` is the echo's in an ICMP echo sentence, the IP id or TCP sequence otherwise.
    fn field_named(
        &mut self,
        f: &ast::FieldClause,
        prefix: Option<&str>,
        bare: &str,
        spec: &PacketSpec,
    ) -> Option<Field> {
        let proto = spec.proto.unwrap_or(Proto::Eth);
        let v6 = spec.family == Some(Family::V6);
        let is_echo =
            proto == Proto::Icmp && (spec.icmp_type.is_none_or(|t| crate::icmp::is_echo(v6, t)) || spec.flow.is_some());
        Some(match (prefix, bare) {
            (Some("eth"), "src") => Field::EthSrc,
            (Some("eth"), "dst") => Field::EthDst,
            (Some("eth"), "type") => Field::EthType,
            (None, "vlan") | (Some("vlan"), "id") => Field::Vlan,
            (Some("arp"), "op") => Field::ArpOp,
            (None | Some("ip"), "src") => Field::Src,
            (None | Some("ip"), "dst") => Field::Dst,
            (None | Some("ip"), "ttl") => Field::Ttl,
            (None | Some("ip"), "hlim") => Field::Hlim,
            (None | Some("ip"), "tos") => Field::Tos,
            (None | Some("ip"), "dscp") => Field::Dscp,
            (None | Some("ip"), "ecn") => Field::Ecn,
            (Some("ip"), "id") => Field::IpId,
            (None | Some("ip"), "df") => Field::Df,
            (None | Some("ip"), "mf") => Field::Mf,
            (None | Some("ip"), "frag") => Field::Frag,
            (None | Some("ip"), "len") => Field::IpLen,
            (None | Some("ip"), "flow" | "flowlabel") => Field::FlowLabel,
            (None | Some("ip"), "proto") => Field::IpProto,
            (Some("ip"), "csum") => Field::IpCsum,
            (None, "csum") => Field::Csum,
            (None | Some("tcp") | Some("udp"), "sport") => Field::Sport,
            (None | Some("tcp") | Some("udp"), "dport") => Field::Dport,
            (Some("tcp"), "seq") => Field::Seq,
            (Some("tcp"), "ack") => Field::Ack,
            (None | Some("tcp"), "win") => Field::Win,
            (None | Some("tcp"), "urg") => Field::Urg,
            (Some("tcp"), "res") => Field::TcpRes,
            (Some("tcp"), "csum") => Field::TcpCsum,
            (Some("udp"), "len") => Field::UdpLen,
            (Some("udp"), "csum") => Field::UdpCsum,
            (None | Some("icmp") | Some("icmp6"), "type") => Field::IcmpType,
            (None | Some("icmp") | Some("icmp6"), "code") => Field::IcmpCode,
            (None | Some("icmp") | Some("icmp6"), "mtu") => Field::Mtu,
            (Some("icmp") | Some("icmp6"), "id") => Field::IcmpId,
            (Some("icmp") | Some("icmp6"), "seq") => Field::IcmpSeq,
            (Some("icmp") | Some("icmp6"), "csum") => Field::IcmpCsum,
            (None, "id") if is_echo => Field::IcmpId,
            (None, "id") => Field::IpId,
            (None, "seq") if proto == Proto::Icmp => Field::IcmpSeq,
            (None, "seq") => Field::Seq,
            (None, "ack") => Field::Ack,
            (Some("tcp"), "flags") => {
                self.tcp_flags_as_field(f);
                return None;
            }
            _ => {
                self.unknown_field(f);
                return None;
            }
        })
    }

    /// `tcp.flags=...`: flags are letters after the endpoints, or `flags has X`.
    fn tcp_flags_as_field(&mut self, f: &ast::FieldClause) {
        let mut d = Diagnostic::error(
            f.name.span,
            "write TCP flags as letters after the endpoints (`S.`), or `flags has X`",
        )
        .with_label("not a field");
        if let Some((n, text)) = tcp_flag_value(&f.value) {
            if let Ok(bits @ 1..) = u8::try_from(n) {
                d = d.with_help(format!("the flags `{text}` are written `{}`", flags_text(bits)));
            }
        }
        self.push(d);
    }

    /// The error for a field name the language does not have: another tool's spelling, a
    /// Wireshark flag field, or a "did you mean".
    fn unknown_field(&mut self, f: &ast::FieldClause) {
        let name = f.name.text.as_str();
        if let Some(d) = crate::spellings::unknown_field_error(f.name.span, name) {
            self.push(d);
            return;
        }
        let cleared = tcp_flag_value(&f.value).is_some_and(|(n, _)| n == 0);
        if let Some(d) = crate::spellings::wireshark_flag_error(f.name.span, name, cleared) {
            self.push(d);
            return;
        }
        let hint = names::suggestion(name, FIELD_NAMES.iter().copied());
        self.error(
            f.name.span,
            format!("unknown field `{name}`{hint}"),
            "see the field table in docs/language.md",
        );
    }

    /// The error for a field of a header the sentence does not have.
    fn no_such_field(&mut self, f: &ast::FieldClause, field: Field, spec: &PacketSpec) {
        let name = f.name.text.as_str();
        let proto = spec.proto.unwrap_or(Proto::Eth);
        let v6 = spec.family == Some(Family::V6);
        let ip = matches!(proto, Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Ip);
        let head = super::packet::proto_word(proto, spec.family);
        let hint = match field {
            Field::Ttl if v6 => " (IPv6 has a hop limit: write `hlim`)".to_string(),
            Field::Hlim if !v6 && ip => " (IPv4 has a TTL: write `ttl`)".to_string(),
            Field::IpId | Field::Df | Field::Mf | Field::IpCsum if v6 => " (an IPv4 header field)".to_string(),
            Field::FlowLabel if !v6 => " (an IPv6 header field)".to_string(),
            _ => String::new(),
        };
        self.error(
            f.name.span,
            format!("a {head} sentence has no field `{name}`{hint}"),
            format!("no `{name}` in {head}"),
        );
    }

    /// The operator, and what it allows: sets and ranges with `=`/`in`/`!=` only, `in` with
    /// them only, `=` only in a send, and `csum` only as `csum=*`.
    fn field_op(&mut self, f: &ast::FieldClause, field: Field, mode: Mode) -> Option<Op> {
        let name = f.name.text.as_str();
        let op = match f.op.text.as_str() {
            "=" | "in" => Op::Eq,
            "!=" => Op::Ne,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            other => {
                self.error(
                    f.op.span,
                    format!("unknown operator `{other}`"),
                    "expected = != < <= > >= in",
                );
                return None;
            }
        };
        let collection = matches!(f.value, ast::Value::Set(..) | ast::Value::Range(..));
        if collection && !matches!(op, Op::Eq | Op::Ne) {
            self.error(
                f.op.span,
                format!(
                    "`{}` takes a single value; sets and ranges go with `=`, `in` or `!=`",
                    f.op.text
                ),
                "use = or != with a set or range",
            );
            return None;
        }
        if f.op.text == "in" && !collection {
            self.error(
                f.value.span(),
                "`in` takes a set `{a, b}` or a range `a..b`",
                "expected a set or range",
            );
            return None;
        }
        if mode == Mode::Send && op != Op::Eq {
            self.error(
                f.op.span,
                format!("a send sets `{name}`: write `{name}=VALUE`"),
                "sends use `=`",
            );
            return None;
        }
        if field == Field::Csum && !matches!(f.value, ast::Value::Any(_)) {
            self.error(
                f.value.span(),
                "`csum` only takes `*` (switch every checksum check off)",
                "write csum=*",
            );
            return None;
        }
        Some(op)
    }
}

/// Whether the sentence has the header `field` lives in (and the layer `prefix` names).
fn in_sentence(field: Field, prefix: Option<&str>, spec: &PacketSpec) -> bool {
    let proto = spec.proto.unwrap_or(Proto::Eth);
    let v6 = spec.family == Some(Family::V6);
    let ip = matches!(proto, Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Ip);
    let prefix_ok = match prefix {
        Some("tcp") => proto == Proto::Tcp,
        Some("udp") => proto == Proto::Udp,
        Some("icmp") => proto == Proto::Icmp && !v6,
        Some("icmp6") => proto == Proto::Icmp && v6,
        Some("arp") => proto == Proto::Arp,
        _ => true,
    };
    prefix_ok
        && match field {
            Field::EthSrc | Field::EthDst | Field::EthType | Field::Vlan | Field::Csum => true,
            Field::ArpOp => proto == Proto::Arp,
            Field::Src | Field::Dst => ip || proto == Proto::Arp,
            Field::Ttl | Field::IpId | Field::Df | Field::Mf | Field::IpCsum => ip && !v6,
            Field::Hlim | Field::FlowLabel => ip && v6,
            Field::Tos | Field::Dscp | Field::Ecn | Field::Frag | Field::IpLen | Field::IpProto => ip,
            Field::Sport | Field::Dport => matches!(proto, Proto::Tcp | Proto::Udp),
            Field::Seq | Field::Ack | Field::Win | Field::Urg | Field::TcpRes | Field::TcpCsum => proto == Proto::Tcp,
            Field::UdpLen | Field::UdpCsum => proto == Proto::Udp,
            Field::IcmpType | Field::IcmpCode | Field::Mtu | Field::IcmpId | Field::IcmpSeq | Field::IcmpCsum => {
                proto == Proto::Icmp
            }
        }
}

/// The number written as a TCP flag field's value, and its text (`tcp.flags=0x12`,
/// `tcp.flags.syn=1`).
fn tcp_flag_value(v: &ast::Value) -> Option<(u64, &str)> {
    match v {
        ast::Value::Expr(e) if e.rest.is_empty() && e.first.kind == ast::AtomKind::Number => {
            super::value::parse_number(&e.first.text).map(|n| (n, e.first.text.as_str()))
        }
        _ => None,
    }
}
