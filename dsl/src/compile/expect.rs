//! Expect steps (docs/language.md §2): their window (`within`, `after`) and their pattern.

use super::cx::{CaseCx, Mode};
use super::header::Header;
use super::packet::Place;
use crate::fields;
use crate::plan::*;
use crate::sentence::{self, ast};
use crate::source::Span;
use std::time::Duration;

/// A written window bound and where it is written.
type Bound = Option<(Duration, Span)>;

impl CaseCx<'_> {
    /// `expect PATTERN`, `expect no PATTERN` or `expect nothing`, with its window.
    pub(super) fn expect(&mut self, side: Side, e: ast::Expect, header: &Header, text: &str) -> Option<Action> {
        let negative = !matches!(e.kind, ast::ExpectKind::Match(_));
        let (within, after) = self.windows(&e.windows, negative)?;
        let window = match (within, after) {
            (Some((w, _)), _) => w,
            (None, Some((a, _))) => a + header.within,
            (None, None) => header.within,
        };
        let place = |mode| Place {
            side,
            mode,
            inner: false,
        };
        Some(match e.kind {
            ast::ExpectKind::Nothing => Action::ExpectNothing { side, within: window },
            ast::ExpectKind::No(p) => Action::ExpectNo {
                side,
                pattern: self.packet(&p, place(Mode::Negative))?,
                within: window,
            },
            ast::ExpectKind::Match(p) => {
                let spec = self.packet(&p, place(Mode::Pattern))?;
                if let (Some(id), Some(flags)) = (spec.flow, spec.flags) {
                    if flags & tcp_flag::SYN != 0 {
                        self.syn_seen[id][side.index()] = true;
                    }
                }
                self.expect_side_warning(side, &spec, &p, text);
                Action::Expect {
                    side,
                    pattern: spec,
                    within: window,
                    after: after.map(|a| a.0),
                }
            }
        })
    }

    /// The `within` and `after` of an expect: each at most once, `after` only on a positive
    /// expect and before `within`. A short `within` draws a warning.
    fn windows(&mut self, windows: &[ast::Window], negative: bool) -> Option<(Bound, Bound)> {
        let mut within: Bound = None;
        let mut after: Bound = None;
        for w in windows {
            let is_within = w.keyword.text == "within";
            let slot = if is_within { &within } else { &after };
            if slot.is_some() {
                self.error(
                    w.keyword.span,
                    format!("`{}` appears twice", w.keyword.text),
                    "at most one each of `within` and `after`",
                );
                return None;
            }
            let d = fields::duration_text(
                &w.duration.text,
                &sentence::Offset(w.duration.span.start as usize),
                &format!("`{}`", w.keyword.text),
                !is_within,
                &mut self.diags,
            )?;
            if is_within {
                self.diags
                    .extend(super::window::short_window_warning(d, w.duration.span, negative));
                within = Some((d, w.duration.span));
            } else {
                after = Some((d, w.keyword.span));
            }
        }
        if let (true, Some((_, span))) = (negative, after) {
            self.error(
                span,
                "`after` is only for positive expects: negative steps judge the whole window",
                "remove `after`",
            );
            return None;
        }
        if let (Some((a, aspan)), Some((w, _))) = (after, within) {
            if a >= w {
                self.error(
                    aspan,
                    format!(
                        "`after {}` is not before `within {}`: the window would be empty",
                        crate::duration::format(a),
                        crate::duration::format(w)
                    ),
                    "after must be less than within",
                );
                return None;
            }
        }
        Some((within, after))
    }
}
