//! What a send must say, since an emulated host builds a whole frame from it: endpoints with
//! ports, TCP flags, an ICMP type (and for errors a code and the quoted packet), options that
//! fit, and each field once.

use super::super::cx::CaseCx;
use crate::icmp;
use crate::plan::*;
use crate::sentence::ast::{self, Clause};
use crate::source::Span;

/// The most bytes of options a TCP header holds (RFC 9293 §3.1: data offset at most 15 words).
const MAX_TCP_OPTION_BYTES: usize = 40;

impl CaseCx<'_> {
    /// The checks of a send sentence, before its defaults are filled in.
    pub(super) fn send_checks(&mut self, p: &ast::Packet, spec: &mut PacketSpec) {
        let proto = spec.proto.unwrap_or(Proto::Eth);
        if spec.flow.is_none() && matches!(proto, Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Ip | Proto::Arp) {
            self.send_endpoints(p, spec, proto);
        }
        if proto == Proto::Tcp && p.flags.is_none() {
            self.error(
                p.span,
                "a TCP send needs its flags: write S, S., P., R., F. or none after the endpoints",
                "expected a TCP flag set such as S, S. or P.",
            );
        }
        if proto == Proto::Icmp {
            self.send_icmp(p, spec);
        }
        self.send_options_fit(p, spec);
        if spec.fields.iter().any(|f| f.field == Field::IpLen && !f.default) {
            let at = clause_name_span(p, |n| n == "len" || n == "ip.len").unwrap_or(p.head.span);
            self.warn(
                at,
                "`len` sets the IP length field; for N bytes of payload write `data len N`",
            );
        }
    }

    /// A send without a flow writes both endpoints, and a TCP or UDP one both ports.
    fn send_endpoints(&mut self, p: &ast::Packet, spec: &PacketSpec, proto: Proto) {
        let (Some(src), Some(dst)) = (&spec.src, &spec.dst) else {
            if p.endpoints.is_none() {
                self.error(
                    p.head.span,
                    format!("a `{}` send needs endpoints `src -> dst`", p.head.text),
                    "no endpoints",
                );
            }
            return;
        };
        if !matches!(proto, Proto::Tcp | Proto::Udp) {
            return;
        }
        for (ep, which) in [(src, "source"), (dst, "destination")] {
            if ep.port.is_some() {
                continue;
            }
            let at = p
                .endpoints
                .as_ref()
                .map_or(p.head.span, |e| if which == "source" { e.src.span } else { e.dst.span });
            self.error(
                at,
                format!(
                    "a {} send needs a {which} port (`*` lets the runner choose)",
                    p.head.text
                ),
                "write ADDR:PORT or ADDR:*",
            );
        }
    }

    /// An ICMP send needs a type; an error (without a flow) a code and the packet it quotes. An
    /// error type without code words takes code 0.
    fn send_icmp(&mut self, p: &ast::Packet, spec: &mut PacketSpec) {
        let v6 = spec.family == Some(Family::V6);
        let at = p.head.span;
        match spec.icmp_type {
            None if p.icmp_words.is_empty() => self.error(
                at,
                "an ICMP send needs a type: a type word (echo-request, unreachable, ...) or `type=N`",
                "no ICMP type",
            ),
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

    /// The options of a send fit in a TCP header.
    fn send_options_fit(&mut self, p: &ast::Packet, spec: &PacketSpec) {
        let len = spec
            .options
            .as_ref()
            .map_or(0, |o| o.iter().map(TcpOptionSpec::wire_len).sum::<usize>());
        if len <= MAX_TCP_OPTION_BYTES {
            return;
        }
        let at = p
            .clauses
            .iter()
            .find_map(|c| if let Clause::Options(o) = c { Some(o.span) } else { None })
            .unwrap_or(p.head.span);
        self.error(
            at,
            format!("these TCP options take {len} bytes; at most {MAX_TCP_OPTION_BYTES} fit in a TCP header"),
            format!("more than {MAX_TCP_OPTION_BYTES} bytes"),
        );
    }

    /// A send sets each field once: no field twice, no port both in the endpoints and as a field,
    /// and no `csum=*` (that switches checks off, which only patterns do).
    pub(super) fn send_field_conflicts(&mut self, p: &ast::Packet, spec: &PacketSpec) {
        let written: Vec<&FieldTest> = spec.fields.iter().filter(|t| !t.default).collect();
        // The last clause that names the field (as `name` or `layer.name`).
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
                let at = clause_name_span(p, |n| n == "csum").unwrap_or(p.span);
                self.error(
                    at,
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
}

/// The span of the name of the first field clause whose name `is`.
fn clause_name_span(p: &ast::Packet, is: impl Fn(&str) -> bool) -> Option<Span> {
    p.clauses.iter().find_map(|c| match c {
        Clause::Field(fc) if is(&fc.name.text) => Some(fc.name.span),
        _ => None,
    })
}
