//! `fragment SIZE [order I,J,...]`: cutting a send into IPv4 fragments (docs/language.md §3.11).

use super::super::cx::{CaseCx, Mode};
use super::Place;
use crate::plan::*;
use crate::sentence::ast;

impl CaseCx<'_> {
    /// `fragment SIZE [order I,J,...]`: only on IPv4 sends; SIZE a multiple of 8; the order's
    /// numbers distinct, from 1.
    pub(super) fn fragment(
        &mut self,
        f: &ast::FragmentClause,
        spec: &PacketSpec,
        place: Place,
    ) -> Option<FragmentSpec> {
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
}
