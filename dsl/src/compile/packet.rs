//! Packet sentences to typed [`PacketSpec`]s: protocol or flow, ICMP words, endpoints, flags,
//! fields, options, payload and `inner`, with the checks of DSL.md §3 and the send defaults of §3.9.

use super::cx::{CaseCx, Mode};
use super::value::Slot;
use crate::icmp;
use crate::names;
use crate::plan::*;
use crate::sentence::ast::{self, Clause, OptionsMode, PayloadBody};
use crate::source::Span;

const PROTOS: [&str; 10] = [
    "tcp", "udp", "icmp", "ipv4", "tcp6", "udp6", "icmp6", "ipv6", "arp", "eth",
];

/// A protocol keyword's protocol and family.
pub(crate) fn proto_keyword(w: &str) -> Option<(Proto, Option<Family>)> {
    Some(match w {
        "tcp" => (Proto::Tcp, Some(Family::V4)),
        "udp" => (Proto::Udp, Some(Family::V4)),
        "icmp" => (Proto::Icmp, Some(Family::V4)),
        "ipv4" => (Proto::Ip, Some(Family::V4)),
        "tcp6" => (Proto::Tcp, Some(Family::V6)),
        "udp6" => (Proto::Udp, Some(Family::V6)),
        "icmp6" => (Proto::Icmp, Some(Family::V6)),
        "ipv6" => (Proto::Ip, Some(Family::V6)),
        "arp" => (Proto::Arp, None),
        "eth" => (Proto::Eth, None),
        _ => return None,
    })
}

/// Where a packet sentence sits: its side, its verb, and whether it is quoted by `inner`.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    pub side: Side,
    pub mode: Mode,
    pub inner: bool,
}

impl CaseCx<'_> {
    /// Compiles a packet sentence.
    pub(crate) fn packet(&mut self, p: &ast::Packet, place: Place) -> Option<PacketSpec> {
        let errors_before = self.error_count();
        let mut spec = PacketSpec::default();
        // Head: protocol keyword or flow name.
        let head = &p.head;
        if let Some((proto, family)) = proto_keyword(&head.text) {
            spec.proto = Some(proto);
            spec.family = family;
        } else if let Some(&id) = self.flow_index.get(&head.text) {
            let f = &self.flows[id];
            spec.flow = Some(id);
            spec.proto = Some(f.proto);
            spec.family = Some(f.family);
            if let Some(ep) = &p.endpoints {
                self.push(
                    crate::diag::Diagnostic::error(
                        ep.span,
                        format!("endpoints written after the flow name `{}`", head.text),
                    )
                    .with_label("remove these endpoints")
                    .with_help(format!("the flow `{}` already fixes its endpoints", head.text)),
                );
            }
        } else {
            let cands: Vec<&str> = PROTOS
                .iter()
                .copied()
                .chain(self.flow_index.keys().map(String::as_str))
                .collect();
            let hint = names::suggestion(&head.text, cands);
            self.error(
                head.span,
                format!("unknown protocol or flow `{}`{hint}", head.text),
                "expected a protocol (tcp, udp, icmp, tcp6, udp6, icmp6, ipv4, ipv6, arp, eth) or a flow name",
            );
            return None;
        }
        let proto = spec.proto?;
        let v6 = spec.family == Some(Family::V6);
        match spec.family {
            Some(Family::V4) => self.needs.insert(Capability::Ipv4),
            Some(Family::V6) => self.needs.insert(Capability::Ipv6),
            None => false,
        };

        // ICMP type and code words.
        if !p.icmp_words.is_empty() {
            if proto != Proto::Icmp || spec.flow.is_some() {
                let w = &p.icmp_words[0];
                let what = if spec.flow.is_some() {
                    format!("the flow `{}`", head.text)
                } else {
                    format!("`{}`", head.text)
                };
                self.error(
                    w.span,
                    format!("unexpected word `{}` after {what}", w.text),
                    "expected endpoints `src[:port] -> dst[:port]`, flags or a clause",
                );
                return None;
            }
            let table = icmp::types(v6);
            let tw = &p.icmp_words[0];
            match table.iter().find(|(w, _, _)| *w == tw.text) {
                Some((_, ty, codes)) => {
                    spec.icmp_type = Some(*ty);
                    if let Some(cw) = p.icmp_words.get(1) {
                        match codes.iter().find(|(w, _)| *w == cw.text) {
                            Some((_, c)) => spec.icmp_code = Some(*c),
                            None if codes.is_empty() => self.error(
                                cw.span,
                                format!("`{}` takes no code word; write `code=N`", tw.text),
                                "unexpected code word",
                            ),
                            None => {
                                let hint = names::suggestion(&cw.text, codes.iter().map(|(w, _)| *w));
                                let list: Vec<&str> = codes.iter().map(|(w, _)| *w).collect();
                                self.error(
                                    cw.span,
                                    format!("unknown code `{}` for {} `{}`{hint}", cw.text, head.text, tw.text),
                                    format!("expected one of {}", list.join(", ")),
                                );
                            }
                        }
                    }
                }
                None => {
                    let hint = names::suggestion(&tw.text, table.iter().map(|(w, _, _)| *w));
                    let msg = if names::suggestion(&tw.text, ["lan", "wan", "gw"]).is_empty() {
                        format!("unknown {} type `{}`{hint}", head.text, tw.text)
                    } else {
                        format!("unknown {} type `{}`{hint}; an endpoint needs `->`", head.text, tw.text)
                    };
                    self.error(
                        tw.span,
                        msg,
                        "expected an ICMP type word such as echo-request, unreachable or time-exceeded",
                    );
                }
            }
        }

        // Endpoints.
        if let Some(ep) = &p.endpoints {
            if spec.flow.is_none() {
                spec.src = self.endpoint(&ep.src, proto, spec.family, place.mode);
                spec.dst = self.endpoint(&ep.dst, proto, spec.family, place.mode);
            }
        }

        // Flags.
        if let Some(f) = &p.flags {
            if proto != Proto::Tcp {
                self.error(
                    f.span,
                    format!("TCP flags on a {} sentence", head.text),
                    "flags are only for tcp and tcp6",
                );
            } else {
                spec.flags = self.flags(f);
            }
        }

        // A `type=N` anywhere in the sentence decides how unqualified names resolve (`id`, `seq`).
        if spec.icmp_type.is_none() && proto == Proto::Icmp {
            for c in &p.clauses {
                if let Clause::Field(f) = c {
                    if matches!(f.name.text.as_str(), "type" | "icmp.type" | "icmp6.type") && f.op.text == "=" {
                        if let ast::Value::Expr(e) = &f.value {
                            if e.rest.is_empty() && e.first.kind == ast::AtomKind::Number {
                                spec.icmp_type =
                                    super::value::parse_number(&e.first.text).and_then(|n| u8::try_from(n).ok());
                            }
                        }
                    }
                }
            }
        }
        // Clauses.
        let mut seen_payload: Option<Span> = None;
        let mut seen_exact: Option<Span> = None;
        let mut seen_has: Option<Span> = None;
        let mut seen_lacks: Option<Span> = None;
        let mut seen_inner: Option<Span> = None;
        let mut seen_fragment: Option<Span> = None;
        let mut tos_like: Vec<(Field, Span)> = Vec::new();
        let mut inner_fields: Vec<&ast::FieldClause> = Vec::new();
        for c in &p.clauses {
            match c {
                Clause::Field(f) => {
                    if let Some(rest) = f.name.text.strip_prefix("inner.") {
                        let _ = rest;
                        inner_fields.push(f);
                        continue;
                    }
                    if let Some(ft) = self.field(f, &spec, place) {
                        if matches!(ft.field, Field::Tos | Field::Dscp | Field::Ecn) {
                            tos_like.push((ft.field, f.name.span));
                        }
                        if ft.field == Field::IcmpType {
                            if let Value::One(Expr::Int(t)) = &ft.value {
                                spec.icmp_type.get_or_insert(*t as u8);
                            }
                        }
                        spec.fields.push(ft);
                    }
                }
                Clause::FlagsTest { has, flags, span } => {
                    if proto != Proto::Tcp {
                        self.error(
                            *span,
                            "`flags has/lacks` on a sentence that is not TCP",
                            "flags are only for tcp and tcp6",
                        );
                    } else if let Some(bits) = self.flags(flags) {
                        if *has {
                            spec.flags_has |= bits
                        } else {
                            spec.flags_lacks |= bits
                        }
                    }
                }
                Clause::Options(o) => {
                    let slot = match o.mode {
                        OptionsMode::Exact => &mut seen_exact,
                        OptionsMode::Has => &mut seen_has,
                        OptionsMode::Lacks => &mut seen_lacks,
                    };
                    if let Some(prev) = slot.replace(o.span) {
                        let what = match o.mode {
                            OptionsMode::Exact => "an option list `<...>`",
                            OptionsMode::Has => "`has <...>`",
                            OptionsMode::Lacks => "`lacks <...>`",
                        };
                        self.push(
                            crate::diag::Diagnostic::error(o.span, format!("a sentence has at most one {what}"))
                                .with_label("second one")
                                .with_note(format!("the first is at {}", self.file.location(prev))),
                        );
                        continue;
                    }
                    if proto != Proto::Tcp {
                        self.error(
                            o.span,
                            format!("TCP options on a {} sentence", head.text),
                            "options are only for tcp and tcp6",
                        );
                        continue;
                    }
                    if place.mode == Mode::Send && o.mode != OptionsMode::Exact {
                        self.error(
                            o.span,
                            "`has`/`lacks` are for patterns: a send writes its whole option list `<...>`",
                            "not in a send",
                        );
                        continue;
                    }
                    self.options(o, &mut spec, place.mode);
                }
                Clause::Payload(pl) => {
                    if let Some(prev) = seen_payload.replace(pl.span) {
                        self.push(
                            crate::diag::Diagnostic::error(pl.span, "a sentence has at most one payload")
                                .with_label("second payload")
                                .with_note(format!("the first is at {}", self.file.location(prev))),
                        );
                        continue;
                    }
                    if proto == Proto::Arp {
                        self.error(pl.span, "an ARP packet cannot carry a payload", "remove `data`");
                        continue;
                    }
                    spec.payload = self.payload(pl, place.mode);
                }
                Clause::Fragment(f) => {
                    if let Some(prev) = seen_fragment.replace(f.span) {
                        self.push(
                            crate::diag::Diagnostic::error(f.span, "a sentence has at most one `fragment`")
                                .with_label("second fragment")
                                .with_note(format!("the first is at {}", self.file.location(prev))),
                        );
                        continue;
                    }
                    spec.fragment = self.fragment(f, &spec, place);
                }
                Clause::Inner { packet, keyword } => {
                    if let Some(prev) = seen_inner.replace(*keyword) {
                        self.push(
                            crate::diag::Diagnostic::error(*keyword, "a sentence has at most one `inner (...)`")
                                .with_label("second inner")
                                .with_note(format!("the first is at {}", self.file.location(prev))),
                        );
                        continue;
                    }
                    let is_error = proto == Proto::Icmp && spec.icmp_type.is_none_or(|t| icmp::is_error_type(v6, t));
                    if !is_error {
                        self.error(
                            *keyword,
                            "`inner (...)` quotes a packet, and only ICMP errors carry one",
                            "not an ICMP error",
                        );
                        continue;
                    }
                    let inner_mode = if place.mode == Mode::Negative {
                        Mode::Negative
                    } else {
                        place.mode
                    };
                    let iplace = Place {
                        side: place.side,
                        mode: inner_mode,
                        inner: true,
                    };
                    if let Some(mut ip) = self.packet(packet, iplace) {
                        if ip.family.is_some() && ip.family != spec.family {
                            self.error(
                                packet.span,
                                "the quoted packet is of the other IP family",
                                "ICMP quotes IPv4, ICMPv6 quotes IPv6",
                            );
                        }
                        ip.payload.get_or_insert(if place.mode == Mode::Send {
                            PayloadSpec::Bytes(vec![])
                        } else {
                            PayloadSpec::Any
                        });
                        spec.inner = Some(Box::new(ip));
                    }
                }
            }
        }
        if seen_exact.is_some() && (seen_has.is_some() || seen_lacks.is_some()) {
            let at = seen_has.or(seen_lacks).unwrap_or_default();
            self.error(
                at,
                "`has <...>`/`lacks <...>` cannot be combined with an exact option list `<...>`",
                "the exact list already says everything",
            );
        }
        if tos_like.iter().any(|(f, _)| *f == Field::Tos) && tos_like.iter().any(|(f, _)| *f != Field::Tos) {
            let at = tos_like
                .iter()
                .find(|(f, _)| *f != Field::Tos)
                .map(|(_, s)| *s)
                .unwrap_or_default();
            self.error(
                at,
                "`tos` cannot be combined with `dscp` or `ecn` in one sentence",
                "tos already sets these bits",
            );
        }
        if !inner_fields.is_empty() {
            match spec.inner.as_mut() {
                None => {
                    let f = inner_fields[0];
                    self.error(
                        f.name.span,
                        format!("`{}` needs an `inner (...)` packet", f.name.text),
                        "no inner packet",
                    );
                }
                Some(inner) => {
                    let mut inner_spec = std::mem::take(inner.as_mut());
                    for f in inner_fields {
                        let renamed = ast::FieldClause {
                            name: ast::Word {
                                text: f.name.text["inner.".len()..].to_string(),
                                span: f.name.span,
                            },
                            ..f.clone()
                        };
                        if let Some(ft) = self.field(&renamed, &inner_spec, Place { inner: true, ..place }) {
                            inner_spec.fields.push(ft);
                        }
                    }
                    **inner = inner_spec;
                }
            }
        }

        if let Some(id) = spec.flow {
            self.fill_flow(&mut spec, id, place);
        }

        if place.mode == Mode::Send {
            self.send_checks(p, &mut spec, place);
            self.send_field_conflicts(p, &spec);
        }
        if self.error_count() > errors_before {
            None
        } else {
            Some(spec)
        }
    }

    fn endpoint(&mut self, e: &ast::Endpoint, proto: Proto, family: Option<Family>, mode: Mode) -> Option<Endpoint> {
        let addr = self.addr(&e.addr, family, mode)?;
        if mode == Mode::Send {
            if let Addr::Host(h) = &addr {
                let missing = match family {
                    Some(Family::V4) => h.ipv4.is_none(),
                    Some(Family::V6) => h.ipv6.is_none(),
                    None => false,
                };
                let _ = missing; // a host without that family makes the case skip (capability), not fail
            }
        }
        let port = match &e.port {
            None => None,
            Some(v) => {
                if !matches!(proto, Proto::Tcp | Proto::Udp) {
                    self.error(
                        v.span(),
                        "a port on a sentence that is not TCP or UDP",
                        "ports are for tcp, udp, tcp6 and udp6",
                    );
                    return None;
                }
                Some(self.value(
                    v,
                    Slot {
                        kind: FieldKind::Int(16),
                        name: "port",
                        family,
                    },
                    mode,
                )?)
            }
        };
        Some(Endpoint { addr, port })
    }

    fn flags(&mut self, w: &ast::Word) -> Option<u8> {
        if w.text == "none" {
            return Some(0);
        }
        let mut bits = 0u8;
        for (i, ch) in w.text.char_indices() {
            let at = Span::new(w.span.start as usize + i, w.span.start as usize + i + ch.len_utf8());
            match TCP_FLAGS.iter().find(|(c, _)| *c == ch) {
                Some((_, b)) if bits & b != 0 => {
                    self.error(
                        at,
                        format!("the TCP flag `{ch}` appears twice"),
                        "each flag at most once",
                    );
                    return None;
                }
                Some((_, b)) => bits |= b,
                None => {
                    match crate::spellings::tcp_flags_error(w.span, &w.text) {
                        Some(d) => self.push(d),
                        None => self.error(
                            at,
                            format!("unknown TCP flag `{ch}`: expected a TCP flag set such as S, S. or P."),
                            format!("flags are {}", crate::spellings::FLAG_LETTERS),
                        ),
                    }
                    return None;
                }
            }
        }
        Some(bits)
    }

    /// `fragment SIZE [order I,J,...]`: only on IPv4 sends; SIZE a multiple of 8; the order's
    /// numbers distinct, from 1.
    fn fragment(&mut self, f: &ast::FragmentClause, spec: &PacketSpec, place: Place) -> Option<FragmentSpec> {
        if place.mode != Mode::Send || place.inner {
            self.error(
                f.span,
                "`fragment` is for sends: a pattern tests fragments with `mf` and `frag`",
                "not in a pattern",
            );
            return None;
        }
        if spec.family != Some(Family::V4) {
            self.error(f.span, "`fragment` cuts IPv4 datagrams", "not an IPv4 sentence");
            return None;
        }
        let size = match f.size.text.parse::<u32>() {
            Ok(n) if n >= 8 && n % 8 == 0 && n <= 65_528 => n as u16,
            _ => {
                self.error(
                    f.size.span,
                    format!(
                        "fragment size {}: data bytes per fragment, a multiple of 8 from 8 to 65528",
                        f.size.text
                    ),
                    "not a multiple of 8 in range",
                );
                return None;
            }
        };
        let mut order: Vec<u16> = Vec::new();
        for n in &f.order {
            match n.text.parse::<u16>() {
                Ok(i) if (1..=8192).contains(&i) => {
                    if order.contains(&i) {
                        self.error(n.span, format!("fragment {i} is named twice"), "already in the order");
                        return None;
                    }
                    order.push(i);
                }
                _ => {
                    self.error(
                        n.span,
                        format!("`{}` is not a fragment number: they count from 1", n.text),
                        "expected 1, 2, 3, ...",
                    );
                    return None;
                }
            }
        }
        Some(FragmentSpec { size, order })
    }

    fn payload(&mut self, pl: &ast::PayloadClause, mode: Mode) -> Option<PayloadSpec> {
        let len_slot = Slot {
            kind: FieldKind::Int(16),
            name: "data len",
            family: None,
        };
        Some(match &pl.body {
            PayloadBody::Any(_) => PayloadSpec::Any,
            PayloadBody::Text(w) => PayloadSpec::Bytes(self.unescape(w)?),
            PayloadBody::Hex(w) => PayloadSpec::Bytes(self.hex(
                &w.text[2..],
                Span::new(w.span.start as usize + 2, w.span.end as usize),
                "payload",
            )?),
            PayloadBody::Len(v) => PayloadSpec::Len(self.value(v, len_slot, mode)?),
            PayloadBody::Fill(v) => {
                if mode == Mode::Send {
                    self.error(
                        pl.span,
                        "`data fill N` is for patterns; a send writes `data len N` (byte i = i mod 256)",
                        "use `data len N`",
                    );
                    return None;
                }
                PayloadSpec::Fill(self.value(v, len_slot, mode)?)
            }
        })
    }

    /// Decodes `\n \r \t \0 \\ \" \xHH`; any other escape is an error at its position.
    fn unescape(&mut self, w: &ast::Word) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let s = &w.text;
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c != '\\' {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            let at = |n: usize| Span::new(w.span.start as usize + i, w.span.start as usize + i + n);
            match it.next() {
                Some((_, 'n')) => out.push(b'\n'),
                Some((_, 'r')) => out.push(b'\r'),
                Some((_, 't')) => out.push(b'\t'),
                Some((_, '0')) => out.push(0),
                Some((_, '\\')) => out.push(b'\\'),
                Some((_, '"')) => out.push(b'"'),
                Some((_, 'x')) => {
                    let h: String = [it.next().map(|x| x.1), it.next().map(|x| x.1)]
                        .iter()
                        .flatten()
                        .collect();
                    match u8::from_str_radix(&h, 16) {
                        Ok(b) if h.len() == 2 => out.push(b),
                        _ => {
                            self.error(
                                at(2 + h.len()),
                                format!("bad escape `\\x{h}`: expected two hex digits"),
                                "expected \\xHH",
                            );
                            return None;
                        }
                    }
                }
                Some((_, other)) => {
                    self.error(
                        at(1 + other.len_utf8()),
                        format!("unknown escape `\\{other}` in a string"),
                        "escapes are \\n \\r \\t \\0 \\\\ \\\" \\xHH",
                    );
                    return None;
                }
                None => {
                    self.error(at(1), "a string cannot end with a lone `\\`", "unfinished escape");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Hex bytes: an even number of digits.
    pub(crate) fn hex(&mut self, digits: &str, span: Span, what: &str) -> Option<Vec<u8>> {
        let d = digits.strip_prefix("0x").unwrap_or(digits);
        if d.len() % 2 != 0 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
            let msg = if d.bytes().all(|b| b.is_ascii_hexdigit()) {
                format!("odd number of hex digits in the {what} `{digits}`: write whole bytes")
            } else {
                format!("`{digits}` is not hex bytes")
            };
            self.error(span, msg, "expected hex bytes such as 8a3c21f0");
            return None;
        }
        Some(
            (0..d.len() / 2)
                .map(|i| u8::from_str_radix(&d[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect(),
        )
    }

    /// Fills a flow sentence's endpoints by side and verb (DSL.md §4).
    fn fill_flow(&mut self, spec: &mut PacketSpec, id: FlowId, place: Place) {
        let f = self.flows[id].clone();
        let client = Addr::Host(f.client.clone());
        let client_port = Some(Value::One(match f.client_port {
            Some(p) => Expr::Int(p as u64),
            None => Expr::FlowAttr(id, FlowAttr::Lport),
        }));
        let server_port = f.server_port.map(|p| Value::One(Expr::Int(p as u64)));
        let translated = f.family == Family::V4;
        let wan_client = if translated {
            Addr::Expr(Expr::FlowAttr(id, FlowAttr::Addr))
        } else {
            client.clone()
        };
        let wan_port = if translated {
            Some(Value::One(Expr::FlowAttr(id, FlowAttr::Port)))
        } else {
            client_port.clone()
        };
        let (wan_client, wan_port) = if translated && place.side == Side::Wan {
            let gw = self.testbed.host("gw").map(Addr::Host).unwrap_or(wan_client);
            (gw, wan_port)
        } else {
            (wan_client, wan_port)
        };
        // Outbound (client -> server) or inbound (server -> client) as seen on this side.
        let outbound = place.inner
            || match (place.side, place.mode) {
                (Side::Lan, Mode::Send) => true,
                (Side::Lan, _) => false,
                (Side::Wan, Mode::Send) => false,
                (Side::Wan, _) => true,
            };
        let (cl, cp) = if place.side == Side::Lan {
            (client, client_port)
        } else {
            (wan_client, wan_port)
        };
        let srv = Endpoint {
            addr: f.server.clone(),
            port: server_port,
        };
        let cli = Endpoint {
            addr: cl,
            port: if f.proto == Proto::Icmp { None } else { cp },
        };
        if outbound {
            spec.src = Some(cli);
            spec.dst = Some(srv);
        } else {
            spec.src = Some(srv);
            spec.dst = Some(cli);
        }
        if f.proto == Proto::Icmp {
            spec.icmp_type.get_or_insert(if outbound {
                if f.family == Family::V6 { 128 } else { 8 }
            } else if f.family == Family::V6 {
                129
            } else {
                0
            });
            spec.icmp_code.get_or_insert(0);
            if !spec.fields.iter().any(|t| t.field == Field::IcmpId) {
                let id_value = if place.side == Side::Wan && translated {
                    Expr::FlowAttr(id, FlowAttr::Port)
                } else {
                    Expr::Int(f.icmp_id.unwrap_or(0) as u64)
                };
                spec.fields.push(FieldTest {
                    field: Field::IcmpId,
                    op: Op::Eq,
                    value: Value::One(id_value),
                    default: true,
                });
            }
        }
        if place.mode == Mode::Pattern && place.side == Side::Wan && !place.inner {
            self.flow_mapped[id] = true;
        }
    }

    /// A send sets each field once: no field twice, no port both in the endpoints and as a field,
    /// and no `csum=*` (that switches checks off, which only patterns do).
    fn send_field_conflicts(&mut self, p: &ast::Packet, spec: &PacketSpec) {
        let written: Vec<&FieldTest> = spec.fields.iter().filter(|t| !t.default).collect();
        let name_span = |f: Field| {
            p.clauses.iter().rev().find_map(|c| match c {
                Clause::Field(fc) if fc.name.text == f.name() || fc.name.text.ends_with(&format!(".{}", f.name())) => {
                    Some(fc.name.span)
                }
                _ => None,
            })
        };
        for (i, t) in written.iter().enumerate() {
            if written[..i].iter().any(|u| u.field == t.field) {
                let at = name_span(t.field).unwrap_or(p.span);
                self.error(
                    at,
                    format!("`{}` is set twice in this send", t.field.name()),
                    "a send sets each field once",
                );
            }
            if t.field == Field::Csum {
                let at = p.clauses.iter().find_map(|c| match c {
                    Clause::Field(fc) if fc.name.text == "csum" => Some(fc.name.span),
                    _ => None,
                });
                self.error(
                    at.unwrap_or(p.span),
                    "`csum=*` switches checksum checks off, which only patterns do",
                    "not in a send",
                );
            }
            let port_written = match t.field {
                Field::Sport => spec.src.as_ref().is_some_and(|e| e.port.is_some()),
                Field::Dport => spec.dst.as_ref().is_some_and(|e| e.port.is_some()),
                _ => false,
            };
            if port_written {
                let at = name_span(t.field).unwrap_or(p.span);
                self.error(
                    at,
                    format!("`{}` is already given by the endpoints", t.field.name()),
                    "write the port once",
                );
            }
        }
    }

    fn send_checks(&mut self, p: &ast::Packet, spec: &mut PacketSpec, place: Place) {
        let proto = spec.proto.unwrap_or(Proto::Eth);
        let at = p.head.span;
        if spec.flow.is_none() && matches!(proto, Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Ip | Proto::Arp) {
            match (&spec.src, &spec.dst) {
                (Some(s), Some(d)) => {
                    for (ep, which) in [(s, "source"), (d, "destination")] {
                        if matches!(proto, Proto::Tcp | Proto::Udp) && ep.port.is_none() {
                            let e = p
                                .endpoints
                                .as_ref()
                                .map_or(at, |e| if which == "source" { e.src.span } else { e.dst.span });
                            self.error(
                                e,
                                format!(
                                    "a {} send needs a {which} port (`*` lets the runner choose)",
                                    p.head.text
                                ),
                                "write ADDR:PORT or ADDR:*",
                            );
                        }
                    }
                }
                _ if p.endpoints.is_none() => self.error(
                    at,
                    format!("a `{}` send needs endpoints `src -> dst`", p.head.text),
                    "no endpoints",
                ),
                _ => {}
            }
        }
        if proto == Proto::Tcp && p.flags.is_none() {
            self.error(
                p.span,
                "a TCP send needs its flags: write S, S., P., R., F. or none after the endpoints",
                "expected a TCP flag set such as S, S. or P.",
            );
        }
        if proto == Proto::Icmp {
            let v6 = spec.family == Some(Family::V6);
            match spec.icmp_type {
                None if p.icmp_words.is_empty() => self.error(
                    at,
                    "an ICMP send needs a type: a type word (echo-request, unreachable, ...) or `type=N`",
                    "no ICMP type",
                ),
                None => {}
                Some(t) if icmp::is_error_type(v6, t) && spec.flow.is_none() => {
                    let has_code = spec.icmp_code.is_some() || spec.fields.iter().any(|f| f.field == Field::IcmpCode);
                    let has_code_words = icmp::types(v6).iter().any(|(_, n, codes)| *n == t && !codes.is_empty());
                    if !has_code && !has_code_words {
                        spec.icmp_code = Some(0);
                    } else if !has_code {
                        self.error(
                            p.icmp_words.first().map_or(at, |w| w.span),
                            "an ICMP error send needs a code (a code word such as `port`, or `code=N`)",
                            "no code",
                        );
                    }
                    if spec.inner.is_none() {
                        self.error(
                            p.span,
                            "an ICMP error send needs the packet it quotes: `inner (...)`",
                            "no inner packet",
                        );
                    }
                }
                _ => {}
            }
        }
        let mut opt_len = spec
            .options
            .as_ref()
            .map_or(0, |o| o.iter().map(TcpOptionSpec::wire_len).sum::<usize>());
        if opt_len > 40 {
            let span = p
                .clauses
                .iter()
                .find_map(|c| if let Clause::Options(o) = c { Some(o.span) } else { None })
                .unwrap_or(at);
            self.error(
                span,
                format!("these TCP options take {opt_len} bytes; at most 40 fit in a TCP header"),
                "more than 40 bytes",
            );
            opt_len = 0;
        }
        let _ = opt_len;
        for f in &spec.fields {
            if f.field == Field::IpLen && !f.default {
                let span = p
                    .clauses
                    .iter()
                    .find_map(|c| {
                        if let Clause::Field(fc) = c {
                            (fc.name.text == "len" || fc.name.text == "ip.len").then_some(fc.name.span)
                        } else {
                            None
                        }
                    })
                    .unwrap_or(at);
                self.warn(
                    span,
                    "`len` sets the IP length field; for N bytes of payload write `data len N`",
                );
            }
        }
        self.fill_defaults(spec, place);
    }

    /// Send defaults (DSL.md §3.9): written explicitly into the spec so `explain` shows them.
    fn fill_defaults(&mut self, spec: &mut PacketSpec, place: Place) {
        let has = |s: &PacketSpec, f: Field| s.fields.iter().any(|t| t.field == f);
        let add = |s: &mut PacketSpec, f: Field, v: Value| {
            if !has(s, f) {
                s.fields.push(FieldTest {
                    field: f,
                    op: Op::Eq,
                    value: v,
                    default: true,
                });
            }
        };
        let int = |n: u64| Value::One(Expr::Int(n));
        let proto = spec.proto.unwrap_or(Proto::Eth);
        match spec.family {
            Some(Family::V4) => {
                add(spec, Field::Ttl, int(64));
                if !has(spec, Field::Dscp) && !has(spec, Field::Ecn) {
                    add(spec, Field::Tos, int(0));
                }
                add(spec, Field::Df, int(u64::from(proto == Proto::Tcp)));
                add(spec, Field::IpId, Value::Any);
            }
            Some(Family::V6) => {
                add(spec, Field::Hlim, int(64));
                if !has(spec, Field::Dscp) && !has(spec, Field::Ecn) {
                    add(spec, Field::Tos, int(0));
                }
                add(spec, Field::FlowLabel, int(0));
            }
            None => {}
        }
        if proto == Proto::Tcp {
            add(spec, Field::Win, int(65535));
            add(spec, Field::Urg, int(0));
            if spec.flow.is_none() {
                add(spec, Field::Seq, int(0));
                add(spec, Field::Ack, int(0));
            }
            spec.options.get_or_insert_with(Vec::new);
        }
        if proto == Proto::Icmp && spec.flow.is_some() {
            add(spec, Field::IcmpSeq, int(0));
        }
        if proto == Proto::Icmp && spec.flow.is_none() {
            let v6 = spec.family == Some(Family::V6);
            if spec.icmp_type.is_some_and(|t| icmp::is_echo(v6, t)) {
                add(spec, Field::IcmpId, int(0));
                add(spec, Field::IcmpSeq, int(0));
            }
            if spec.icmp_code.is_none() && !has(spec, Field::IcmpCode) {
                spec.icmp_code = Some(0);
            }
        }
        if !matches!(proto, Proto::Arp) {
            spec.payload.get_or_insert(PayloadSpec::Bytes(Vec::new()));
        }
        let _ = place;
    }
}

/// The protocol keyword for display.
pub(crate) fn proto_word(proto: Proto, family: Option<Family>) -> &'static str {
    match (proto, family) {
        (Proto::Tcp, Some(Family::V6)) => "tcp6",
        (Proto::Tcp, _) => "tcp",
        (Proto::Udp, Some(Family::V6)) => "udp6",
        (Proto::Udp, _) => "udp",
        (Proto::Icmp, Some(Family::V6)) => "icmp6",
        (Proto::Icmp, _) => "icmp",
        (Proto::Ip, Some(Family::V6)) => "ipv6",
        (Proto::Ip, _) => "ipv4",
        (Proto::Arp, _) => "arp",
        (Proto::Eth, _) => "eth",
    }
}
