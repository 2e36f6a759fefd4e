//! Packet sentences to typed [`PacketSpec`]s (docs/language.md §3): the head (protocol or flow)
//! and ICMP words, endpoints and flags, the clauses, a flow's endpoints, and for sends the checks
//! and the defaults of §3.9.

mod bytes;
mod clauses;
mod defaults;
mod endpoints;
mod flow_ends;
mod fragment;
mod head;
mod inner;
mod payload;
mod send;

pub(crate) use head::{proto_keyword, proto_word};

use super::cx::{CaseCx, Mode};
use crate::plan::*;
use crate::sentence::ast;

/// Where a packet sentence sits: its side, its verb, and whether it is quoted by `inner`.
#[derive(Clone, Copy)]
pub(crate) struct Place {
    /// The side the step acts on.
    pub side: Side,
    /// Sent, matched, or matched by `expect no`.
    pub mode: Mode,
    /// Whether this is the packet an ICMP error quotes.
    pub inner: bool,
}

impl CaseCx<'_> {
    /// Compiles a packet sentence; `None` when it has errors (they are reported).
    pub(crate) fn packet(&mut self, p: &ast::Packet, place: Place) -> Option<PacketSpec> {
        let errors_before = self.error_count();
        let mut spec = PacketSpec::default();
        let proto = self.head(p, &mut spec)?;
        self.icmp_words(p, &mut spec)?;
        if let (Some(ep), None) = (&p.endpoints, spec.flow) {
            spec.src = self.endpoint(&ep.src, proto, spec.family, place.mode);
            spec.dst = self.endpoint(&ep.dst, proto, spec.family, place.mode);
        }
        if let Some(f) = &p.flags {
            spec.flags = self.sentence_flags(p, f, proto);
        }
        // A `type=N` anywhere in the sentence decides how unqualified names resolve (`id`, `seq`).
        if spec.icmp_type.is_none() && proto == Proto::Icmp {
            spec.icmp_type = head::written_icmp_type(p);
        }
        self.clauses(p, &mut spec, place);
        if let Some(id) = spec.flow {
            self.fill_flow(&mut spec, id, place);
        }
        if place.mode == Mode::Send {
            self.send_checks(p, &mut spec);
            defaults::fill_defaults(&mut spec);
            self.send_field_conflicts(p, &spec);
        }
        (self.error_count() == errors_before).then_some(spec)
    }
}
