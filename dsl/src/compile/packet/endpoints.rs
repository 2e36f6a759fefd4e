//! Endpoints (`src[:port] -> dst[:port]`) and TCP flag letters (docs/language.md §3.2, §3.3).

use super::super::cx::{CaseCx, Mode};
use super::super::value::Slot;
use crate::plan::*;
use crate::sentence::ast;
use crate::source::Span;

impl CaseCx<'_> {
    /// One endpoint; a host without an address of the sentence's family is no error here (the
    /// case needs the capability and is skipped where it is missing).
    pub(super) fn endpoint(
        &mut self,
        e: &ast::Endpoint,
        proto: Proto,
        family: Option<Family>,
        mode: Mode,
    ) -> Option<Endpoint> {
        let addr = self.addr(&e.addr, family, mode)?;
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

    /// The flag letters written after the endpoints, on a TCP sentence only.
    pub(super) fn sentence_flags(&mut self, p: &ast::Packet, f: &ast::Word, proto: Proto) -> Option<u8> {
        if proto != Proto::Tcp {
            self.error(
                f.span,
                format!("TCP flags on a {} sentence", p.head.text),
                "flags are only for tcp and tcp6",
            );
            return None;
        }
        self.flags(f)
    }

    /// TCP flag letters (`S.`, `none`) to their bits; each letter at most once.
    pub(super) fn flags(&mut self, w: &ast::Word) -> Option<u8> {
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
}
