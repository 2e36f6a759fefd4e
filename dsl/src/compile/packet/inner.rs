//! `inner (...)`: the packet an ICMP error quotes, and `inner.FIELD` clauses on it
//! (docs/language.md §3.7).

use super::super::cx::{CaseCx, Mode};
use super::Place;
use crate::icmp;
use crate::plan::*;
use crate::sentence::ast;
use crate::source::Span;

impl CaseCx<'_> {
    /// Compiles the quoted packet into `spec.inner`; only ICMP errors carry one.
    pub(super) fn inner(&mut self, packet: &ast::Packet, keyword: Span, spec: &mut PacketSpec, place: Place) {
        let v6 = spec.family == Some(Family::V6);
        let is_error = spec.proto == Some(Proto::Icmp) && spec.icmp_type.is_none_or(|t| icmp::is_error_type(v6, t));
        if !is_error {
            self.error(
                keyword,
                "`inner (...)` quotes a packet, and only ICMP errors carry one",
                "not an ICMP error",
            );
            return;
        }
        let Some(mut quoted) = self.packet(packet, Place { inner: true, ..place }) else {
            return;
        };
        if quoted.family.is_some() && quoted.family != spec.family {
            self.error(
                packet.span,
                "the quoted packet is of the other IP family",
                "ICMP quotes IPv4, ICMPv6 quotes IPv6",
            );
        }
        quoted.payload.get_or_insert(if place.mode == Mode::Send {
            PayloadSpec::Bytes(vec![])
        } else {
            PayloadSpec::Any
        });
        spec.inner = Some(Box::new(quoted));
    }

    /// `inner.FIELD OP value` clauses, compiled as clauses of the quoted packet.
    pub(super) fn inner_fields(&mut self, fields: &[&ast::FieldClause], spec: &mut PacketSpec, place: Place) {
        let Some(inner) = spec.inner.as_mut() else {
            let f = fields[0];
            self.error(
                f.name.span,
                format!("`{}` needs an `inner (...)` packet", f.name.text),
                "no inner packet",
            );
            return;
        };
        for f in fields {
            let renamed = ast::FieldClause {
                name: ast::Word {
                    text: f.name.text["inner.".len()..].to_string(),
                    span: f.name.span,
                },
                ..(*f).clone()
            };
            if let Some(ft) = self.field(&renamed, inner, Place { inner: true, ..place }) {
                inner.fields.push(ft);
            }
        }
    }
}
