//! `data` clauses: exact bytes, a length, a fill, or anything (docs/language.md §3.6).

use super::super::cx::{CaseCx, Mode};
use super::super::value::Slot;
use crate::plan::*;
use crate::sentence::ast::{self, PayloadBody};
use crate::source::Span;

impl CaseCx<'_> {
    /// The payload a `data` clause describes.
    pub(super) fn payload(&mut self, pl: &ast::PayloadClause, mode: Mode) -> Option<PayloadSpec> {
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
}
