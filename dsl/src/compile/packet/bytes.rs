//! Bytes as sentences write them: quoted text with escapes, and hex.

use super::super::cx::CaseCx;
use crate::sentence::ast;
use crate::source::Span;

impl CaseCx<'_> {
    /// Decodes `\n \r \t \0 \\ \" \xHH`; any other escape is an error at its position.
    pub(super) fn unescape(&mut self, w: &ast::Word) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let s = &w.text;
        let mut it = s.char_indices().peekable();
        while let Some((i, c)) = it.next() {
            if c != '\\' {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                continue;
            }
            let at = |n: usize| Span::new(w.span.start as usize + i, w.span.start as usize + i + n);
            match it.next() {
                Some((_, 'n')) => out.push(b'\n'),
                Some((_, 'r')) => out.push(b'\r'),
                Some((_, 't')) => out.push(b'\t'),
                Some((_, '0')) => out.push(0),
                Some((_, '\\')) => out.push(b'\\'),
                Some((_, '"')) => out.push(b'"'),
                Some((_, 'x')) => {
                    let h: String = [it.next().map(|x| x.1), it.next().map(|x| x.1)]
                        .iter()
                        .flatten()
                        .collect();
                    match u8::from_str_radix(&h, 16) {
                        Ok(b) if h.len() == 2 => out.push(b),
                        _ => {
                            self.error(
                                at(2 + h.len()),
                                format!("bad escape `\\x{h}`: expected two hex digits"),
                                "expected \\xHH",
                            );
                            return None;
                        }
                    }
                }
                Some((_, other)) => {
                    self.error(
                        at(1 + other.len_utf8()),
                        format!("unknown escape `\\{other}` in a string"),
                        "escapes are \\n \\r \\t \\0 \\\\ \\\" \\xHH",
                    );
                    return None;
                }
                None => {
                    self.error(at(1), "a string cannot end with a lone `\\`", "unfinished escape");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Hex bytes: an even number of digits.
    pub(crate) fn hex(&mut self, digits: &str, span: Span, what: &str) -> Option<Vec<u8>> {
        let d = digits.strip_prefix("0x").unwrap_or(digits);
        if d.len() % 2 != 0 || !d.bytes().all(|b| b.is_ascii_hexdigit()) {
            let msg = if d.bytes().all(|b| b.is_ascii_hexdigit()) {
                format!("odd number of hex digits in the {what} `{digits}`: write whole bytes")
            } else {
                format!("`{digits}` is not hex bytes")
            };
            self.error(span, msg, "expected hex bytes such as 8a3c21f0");
            return None;
        }
        Some(
            (0..d.len() / 2)
                .map(|i| u8::from_str_radix(&d[2 * i..2 * i + 2], 16).unwrap_or(0))
                .collect(),
        )
    }
}
