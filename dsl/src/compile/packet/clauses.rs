//! The clauses of a packet sentence, in order, and the checks that span clauses: at most one
//! payload, option list, `fragment` or `inner`; `tos` with `dscp`/`ecn`; exact with `has`/`lacks`.

use super::super::cx::{CaseCx, Mode};
use super::Place;
use crate::diag::Diagnostic;
use crate::plan::*;
use crate::sentence::ast::{self, Clause, OptionsMode};
use crate::source::Span;

/// What the clauses of one sentence have written so far.
#[derive(Default)]
struct Written<'p> {
    payload: Option<Span>,
    exact_options: Option<Span>,
    has_options: Option<Span>,
    lacks_options: Option<Span>,
    inner: Option<Span>,
    fragment: Option<Span>,
    /// `tos`, `dscp` and `ecn` clauses, with the span of their names.
    tos_like: Vec<(Field, Span)>,
    /// `inner.FIELD` clauses: compiled against the inner packet once it is known.
    inner_fields: Vec<&'p ast::FieldClause>,
}

impl CaseCx<'_> {
    /// Compiles the clauses into `spec`.
    pub(super) fn clauses(&mut self, p: &ast::Packet, spec: &mut PacketSpec, place: Place) {
        let mut written = Written::default();
        for c in &p.clauses {
            match c {
                Clause::Field(f) if f.name.text.starts_with("inner.") => written.inner_fields.push(f),
                Clause::Field(f) => self.field_clause(f, spec, place, &mut written),
                Clause::FlagsTest { has, flags, span } => self.flags_test(*has, flags, *span, spec),
                Clause::Options(o) => self.options_clause(p, o, spec, place, &mut written),
                Clause::Payload(pl) => {
                    if self.once(&mut written.payload, pl.span, "payload", "second payload") {
                        if spec.proto == Some(Proto::Arp) {
                            self.error(pl.span, "an ARP packet cannot carry a payload", "remove `data`");
                        } else {
                            spec.payload = self.payload(pl, place.mode);
                        }
                    }
                }
                Clause::Fragment(f) => {
                    if self.once(&mut written.fragment, f.span, "`fragment`", "second fragment") {
                        spec.fragment = self.fragment(f, spec, place);
                    }
                }
                Clause::Inner { packet, keyword } => {
                    if self.once(&mut written.inner, *keyword, "`inner (...)`", "second inner") {
                        self.inner(packet, *keyword, spec, place);
                    }
                }
            }
        }
        self.mixed_option_clauses(&written);
        self.tos_with_dscp_or_ecn(&written.tos_like);
        if !written.inner_fields.is_empty() {
            self.inner_fields(&written.inner_fields, spec, place);
        }
    }

    /// Records a clause that a sentence has at most once; `false` (reported) for the second.
    fn once(&mut self, first: &mut Option<Span>, at: Span, what: &str, label: &str) -> bool {
        let Some(prev) = first.replace(at) else {
            return true;
        };
        self.push(
            Diagnostic::error(at, format!("a sentence has at most one {what}"))
                .with_label(label)
                .with_note(format!("the first is at {}", self.file.location(prev))),
        );
        false
    }

    /// `name OP value`.
    fn field_clause(&mut self, f: &ast::FieldClause, spec: &mut PacketSpec, place: Place, written: &mut Written) {
        let Some(ft) = self.field(f, spec, place) else {
            return;
        };
        if matches!(ft.field, Field::Tos | Field::Dscp | Field::Ecn) {
            written.tos_like.push((ft.field, f.name.span));
        }
        if ft.field == Field::IcmpType {
            if let Value::One(Expr::Int(t)) = &ft.value {
                spec.icmp_type.get_or_insert(*t as u8);
            }
        }
        spec.fields.push(ft);
    }

    /// `flags has X` / `flags lacks X`.
    fn flags_test(&mut self, has: bool, flags: &ast::Word, span: Span, spec: &mut PacketSpec) {
        if spec.proto != Some(Proto::Tcp) {
            self.error(
                span,
                "`flags has/lacks` on a sentence that is not TCP",
                "flags are only for tcp and tcp6",
            );
        } else if let Some(bits) = self.flags(flags) {
            if has {
                spec.flags_has |= bits
            } else {
                spec.flags_lacks |= bits
            }
        }
    }

    /// `<...>`, `has <...>` or `lacks <...>`: once each, TCP only, and only `<...>` in a send.
    fn options_clause(
        &mut self,
        p: &ast::Packet,
        o: &ast::OptionsClause,
        spec: &mut PacketSpec,
        place: Place,
        written: &mut Written,
    ) {
        let (first, what) = match o.mode {
            OptionsMode::Exact => (&mut written.exact_options, "an option list `<...>`"),
            OptionsMode::Has => (&mut written.has_options, "`has <...>`"),
            OptionsMode::Lacks => (&mut written.lacks_options, "`lacks <...>`"),
        };
        if !self.once(first, o.span, what, "second one") {
            return;
        }
        if spec.proto != Some(Proto::Tcp) {
            self.error(
                o.span,
                format!("TCP options on a {} sentence", p.head.text),
                "options are only for tcp and tcp6",
            );
            return;
        }
        if place.mode == Mode::Send && o.mode != OptionsMode::Exact {
            self.error(
                o.span,
                "`has`/`lacks` are for patterns: a send writes its whole option list `<...>`",
                "not in a send",
            );
            return;
        }
        self.options(o, spec, place.mode);
    }

    /// An exact option list already says everything `has`/`lacks` could.
    fn mixed_option_clauses(&mut self, written: &Written) {
        if written.exact_options.is_some() && (written.has_options.is_some() || written.lacks_options.is_some()) {
            let at = written.has_options.or(written.lacks_options).unwrap_or_default();
            self.error(
                at,
                "`has <...>`/`lacks <...>` cannot be combined with an exact option list `<...>`",
                "the exact list already says everything",
            );
        }
    }

    /// `tos` sets the bits `dscp` and `ecn` would.
    fn tos_with_dscp_or_ecn(&mut self, tos_like: &[(Field, Span)]) {
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
    }
}
