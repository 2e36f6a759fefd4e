//! Turns one scalar event into a [`Node`]: its full source span (quotes, block indicator), its
//! offset map and whether a comment cut it.

use super::offsets::{self, OffsetMap};
use super::{Node, NodeKind, Scalar, ScalarStyle};
use crate::source::Span;
use serde_saphyr::granit_parser::ScalarStyle as GStyle;

/// Our style for the parser's.
fn style_of(style: GStyle) -> ScalarStyle {
    match style {
        GStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        GStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        GStyle::Literal => ScalarStyle::Literal,
        GStyle::Folded => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}

/// The scalar node for `value`, which the parser found at `start..end` of `text`.
pub(super) fn node(text: &str, value: &str, style: GStyle, start: usize, end: usize) -> Node {
    let style = style_of(style);
    let start = start.min(text.len());
    let end = end.clamp(start, text.len());
    let (span, map, comment_after) = match style {
        ScalarStyle::Plain if start == end => {
            // An empty value (`key:`): the parser reports it as `~`; the text is empty.
            let scalar = Scalar::new(String::new(), style, false, OffsetMap::at(start));
            return Node {
                span: Span::point(start),
                kind: NodeKind::Scalar(scalar),
            };
        }
        ScalarStyle::Plain => {
            let map = offsets::flow(text, start, end, value, style);
            (Span::new(start, end), map, comment_follows(text, end))
        }
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
            let quote = if style == ScalarStyle::SingleQuoted { "'" } else { "\"" };
            let src = text.get(start..end).unwrap_or("");
            let inner = if src.len() >= 2 && src.starts_with(quote) && src.ends_with(quote) {
                (start + 1, end - 1)
            } else {
                (start, end)
            };
            let map = offsets::flow(text, inner.0, inner.1, value, style);
            (Span::new(start, end), map, false)
        }
        ScalarStyle::Literal | ScalarStyle::Folded => {
            let (indicator, body) = block_header(text, start).unwrap_or((start, line_start(text, start)));
            let indent = start.saturating_sub(line_start(text, start));
            let map = offsets::block(text, body, text.len(), indent, value);
            let shown = match text.get(indicator..end).map_or(0, |s| s.trim_end().len()) {
                // An empty block scalar: just its indicator.
                0 => text
                    .get(indicator..)
                    .filter(|s| s.starts_with(['|', '>']))
                    .map_or(0, |_| 1),
                n => n,
            };
            (Span::new(indicator, indicator + shown), map, false)
        }
    };
    Node {
        span,
        kind: NodeKind::Scalar(Scalar::new(value.to_string(), style, comment_after, map)),
    }
}

/// Whether a plain scalar ending at `end` is followed on its line by blanks and `#`.
fn comment_follows(text: &str, end: usize) -> bool {
    let rest = text.get(end..).unwrap_or("");
    let after = rest.trim_start_matches([' ', '\t']);
    after.len() < rest.len() && after.starts_with('#')
}

/// The byte offset where the line holding `at` starts.
fn line_start(text: &str, at: usize) -> usize {
    text.get(..at).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1)
}

/// For a block scalar whose content the parser reports at `start`: the offset of its `|` or `>`
/// indicator and of the line after the header, where the content lines begin.
fn block_header(text: &str, start: usize) -> Option<(usize, usize)> {
    let line_end = |from: usize| {
        text.get(from..)
            .and_then(|s| s.find('\n'))
            .map_or(text.len(), |i| from + i)
    };
    // An empty block scalar at the end of the file is reported at its indicator.
    if header_indicator(text.get(start..line_end(start))?) == Some(0) {
        return Some((start, (line_end(start) + 1).min(text.len())));
    }
    let mut ls = line_start(text, start);
    while ls > 0 {
        let prev = line_start(text, ls - 1);
        let line = text.get(prev..ls - 1)?;
        if !line.trim().is_empty() {
            return header_indicator(line).map(|i| (prev + i, ls));
        }
        ls = prev;
    }
    None
}

/// The byte index in `line` of a block scalar header: `|` or `>`, then chomping and indentation
/// indicators, then blanks and perhaps a comment, up to the end of the line.
fn header_indicator(line: &str) -> Option<usize> {
    line.char_indices()
        .filter(|(_, c)| *c == '|' || *c == '>')
        .map(|(i, _)| i)
        .find(|&i| {
            let rest = line.get(i + 1..).unwrap_or("");
            let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
            let after = rest.trim_start_matches([' ', '\t']);
            after.is_empty() || (after.starts_with('#') && after.len() < rest.len())
        })
}
