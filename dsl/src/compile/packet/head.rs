//! The head of a packet sentence: a protocol keyword or a flow name, then ICMP type and code
//! words (docs/language.md §3, §3.7).

use super::super::cx::CaseCx;
use crate::diag::Diagnostic;
use crate::icmp;
use crate::names;
use crate::plan::*;
use crate::sentence::ast::{self, Clause};

/// The protocol keywords, for "did you mean".
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

/// The protocol keyword of a protocol and family, for display.
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

/// The ICMP type a `type=N` clause writes (the last one, if several), for sentences without a
/// type word.
pub(super) fn written_icmp_type(p: &ast::Packet) -> Option<u8> {
    p.clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Field(f)
                if matches!(f.name.text.as_str(), "type" | "icmp.type" | "icmp6.type") && f.op.text == "=" =>
            {
                match &f.value {
                    ast::Value::Expr(e) if e.rest.is_empty() && e.first.kind == ast::AtomKind::Number => {
                        Some(super::super::value::parse_number(&e.first.text).and_then(|n| u8::try_from(n).ok()))
                    }
                    _ => None,
                }
            }
            _ => None,
        })
        .next_back()
        .flatten()
}

impl CaseCx<'_> {
    /// Resolves the head into `spec` (protocol, family, flow) and notes the IP family the case
    /// needs. `None` (reported) when the head is neither a protocol nor a flow.
    pub(super) fn head(&mut self, p: &ast::Packet, spec: &mut PacketSpec) -> Option<Proto> {
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
                    Diagnostic::error(
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
        match spec.family {
            Some(Family::V4) => self.needs.insert(Capability::Ipv4),
            Some(Family::V6) => self.needs.insert(Capability::Ipv6),
            None => false,
        };
        spec.proto
    }

    /// The ICMP type and code words after the keyword (`unreachable port`) into `spec`. `None`
    /// (reported) when the sentence cannot have them: it is not an ICMP one, or names a flow.
    pub(super) fn icmp_words(&mut self, p: &ast::Packet, spec: &mut PacketSpec) -> Option<()> {
        let Some(tw) = p.icmp_words.first() else {
            return Some(());
        };
        let head = &p.head.text;
        if spec.proto != Some(Proto::Icmp) || spec.flow.is_some() {
            let what = if spec.flow.is_some() {
                format!("the flow `{head}`")
            } else {
                format!("`{head}`")
            };
            self.error(
                tw.span,
                format!("unexpected word `{}` after {what}", tw.text),
                "expected endpoints `src[:port] -> dst[:port]`, flags or a clause",
            );
            return None;
        }
        let table = icmp::types(spec.family == Some(Family::V6));
        let Some((_, ty, codes)) = table.iter().find(|(w, _, _)| *w == tw.text) else {
            let hint = names::suggestion(&tw.text, table.iter().map(|(w, _, _)| *w));
            let msg = if names::suggestion(&tw.text, ["lan", "wan", "gw"]).is_empty() {
                format!("unknown {head} type `{}`{hint}", tw.text)
            } else {
                format!("unknown {head} type `{}`{hint}; an endpoint needs `->`", tw.text)
            };
            self.error(
                tw.span,
                msg,
                "expected an ICMP type word such as echo-request, unreachable or time-exceeded",
            );
            return Some(());
        };
        spec.icmp_type = Some(*ty);
        let Some(cw) = p.icmp_words.get(1) else {
            return Some(());
        };
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
                    format!("unknown code `{}` for {head} `{}`{hint}", cw.text, tw.text),
                    format!("expected one of {}", list.join(", ")),
                );
            }
        }
        Some(())
    }
}
