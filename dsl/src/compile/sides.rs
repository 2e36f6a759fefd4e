//! Which side of the gateway a frame can come out on (docs/language.md §2.2): a warning for an
//! expect of a frame that cannot come out on its side, and for a send spoofed from the gateway
//! or from a host of the other side that reads as a forgotten `expect`.
//!
//! The rule: a frame leaves the gateway on the side of its destination, and the gateway sends no
//! frame to its own addresses. Only host names are judged (a literal, `*` or `$var` may be
//! anything), only in IP sentences written without a flow (a flow fills both ends consistently).

use super::cx::CaseCx;
use crate::diag::Diagnostic;
use crate::plan::{Addr, Host, PacketSpec, Proto, Side};
use crate::sentence::ast;

/// Why a frame cannot come out of the gateway on a side.
enum Impossible<'a> {
    /// It is addressed to one of the gateway's own addresses.
    ToGateway(&'a Host),
    /// Its destination is a host of the other side.
    ToOtherSide(&'a Host),
}

/// Why a frame of `spec` cannot come out of the gateway on `side`, if it cannot.
fn impossible(spec: &PacketSpec, side: Side) -> Option<Impossible<'_>> {
    let Some(Addr::Host(dst)) = spec.dst.as_ref().map(|e| &e.addr) else {
        return None;
    };
    if dst.is_gateway {
        Some(Impossible::ToGateway(dst))
    } else if dst.side != side {
        Some(Impossible::ToOtherSide(dst))
    } else {
        None
    }
}

/// Whether the side warnings apply to this sentence: an IP sentence with written endpoints.
fn judged(spec: &PacketSpec) -> bool {
    spec.flow.is_none()
        && spec.family.is_some()
        && matches!(spec.proto, Some(Proto::Tcp | Proto::Udp | Proto::Icmp | Proto::Ip))
}

/// `LAN` or `WAN`, for messages.
fn side_word(side: Side) -> &'static str {
    match side {
        Side::Lan => "LAN",
        Side::Wan => "WAN",
    }
}

/// A sentence's text on one line (a folded or multi-line sentence, for a `did you mean`).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl CaseCx<'_> {
    /// Warns when a positive expect on `side` names a frame that cannot come out there.
    pub(crate) fn expect_side_warning(&mut self, side: Side, spec: &PacketSpec, p: &ast::Packet, text: &str) {
        if !judged(spec) {
            return;
        }
        let Some(why) = impossible(spec, side) else { return };
        let at = p.endpoints.as_ref().map_or(p.span, |e| e.dst.addr.span());
        let d = match why {
            Impossible::ToGateway(h) => Diagnostic::warning(
                at,
                format!(
                    "a frame to `{}` cannot come out of the gateway: it is the gateway's own address",
                    h.name
                ),
            )
            .with_label("the gateway's own address")
            .with_help(
                "an expect sees the frames the gateway sends; the frames sent to it are the runner's own (docs/language.md §2.1 rule 1)",
            ),
            Impossible::ToOtherSide(h) => Diagnostic::warning(
                at,
                format!(
                    "a frame to `{}` cannot come out on the {} side: `{}` is a {} host",
                    h.name,
                    side_word(side),
                    h.name,
                    side_word(h.side)
                ),
            )
            .with_label(format!("a {} host", side_word(h.side)))
            .with_help(format!(
                "a frame leaves the gateway on the side of its destination: did you mean `{}: {}`?",
                h.side.name(),
                one_line(text)
            )),
        };
        self.push(d);
    }

    /// Warns when a send on `side` is spoofed from the gateway or from a host of the other side
    /// and would make sense as an expect on that side: a forgotten `expect`.
    pub(crate) fn send_side_warning(&mut self, side: Side, spec: &PacketSpec, p: &ast::Packet, text: &str) {
        if !judged(spec) || impossible(spec, side).is_some() {
            return;
        }
        let Some(Addr::Host(src)) = spec.src.as_ref().map(|e| &e.addr) else {
            return;
        };
        let (message, label) = if src.is_gateway {
            (
                format!(
                    "this send on the {} side is spoofed from the gateway's own address `{}`",
                    side_word(side),
                    src.name
                ),
                "the gateway's address".to_string(),
            )
        } else if src.side != side {
            (
                format!(
                    "this send on the {} side is spoofed from `{}`, a {} host",
                    side_word(side),
                    src.name,
                    side_word(src.side)
                ),
                format!("a {} host's address", side_word(src.side)),
            )
        } else {
            return;
        };
        let at = p.endpoints.as_ref().map_or(p.span, |e| e.src.addr.span());
        self.push(Diagnostic::warning(at, message).with_label(label).with_help(format!(
            "did you mean `{}: expect {}`?",
            side.name(),
            one_line(text)
        )));
    }
}
