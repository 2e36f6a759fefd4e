//! Syntax errors with a likelier meaning than "expected X, found Y": TCP flags spelt as other
//! tools spell them (`SYN-ACK`, `[SYN, ACK]`, `syn`), a hyphenated field name of another tool
//! (`hop-limit`), and a window written on a send or a flow (docs/language.md §2, §3.3, §3.4).

use super::parse::{Rule, SpanMap};
use crate::diag::Diagnostic;
use crate::spellings;
use std::ops::Range;

/// Which entry point of the grammar failed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// A step's side value: a send or an expect.
    Step,
    /// A flow definition.
    Flow,
    /// A value of `vars:`, `set:` or `matrix:`.
    Value,
}

/// A diagnostic that says what was meant, when the error at byte `pos` of `text` is one of the
/// known mistakes; `positives` are the rules the grammar expected there.
pub(super) fn hint(text: &str, pos: usize, positives: &[Rule], entry: Entry, map: &dyn SpanMap) -> Option<Diagnostic> {
    if entry == Entry::Value {
        return None;
    }
    // A value or a payload was expected: the word is in a value position, not a clause.
    if positives.iter().any(|r| {
        matches!(
            r,
            Rule::payload_body | Rule::string | Rule::hex_bytes | Rule::data_len | Rule::data_fill | Rule::field_value
        )
    }) {
        return None;
    }
    let wants_operator = positives
        .iter()
        .any(|r| matches!(r, Rule::op | Rule::op_sym | Rule::kw_in));
    let after_head = wants_operator
        || positives
            .iter()
            .any(|r| matches!(r, Rule::flags | Rule::clause | Rule::EOI));
    if !after_head {
        return None;
    }
    let words = words(text);
    // The word the error is in, and the one before it (a lone word read as a field name stops
    // the grammar at the next word).
    let at = words.iter().position(|w| w.start <= pos && pos < w.end);
    let before = words.iter().rposition(|w| w.end <= pos && w.start < pos);
    let inside_word = at.is_some_and(|i| words[i].start < pos);
    let anchors = if inside_word { [at, None] } else { [at, before] };
    if let Some(d) = flags(text, &words, anchors, map) {
        return Some(d);
    }
    if !wants_operator {
        return None;
    }
    // The field name is the word the error is in (`hop-limit=3` stops at `-`), or the word
    // before the error (`within 1s` stops at `1s`).
    let name_word = words[if inside_word { at } else { before }?].clone();
    let word = &text[name_word.clone()];
    let name = &word[..word.find(['=', '!', '<', '>']).unwrap_or(word.len())];
    if let Some(d) = spellings::unknown_field_error(map.span(name_word.start..name_word.start + name.len()), name) {
        return Some(d);
    }
    if matches!(name, "within" | "after") {
        let duration = at
            .map(|i| {
                let w = &text[words[i].clone()];
                &w[..w
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '.')
                    .unwrap_or(w.len())]
            })
            .filter(|d| d.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or("1s");
        let expect = text.trim_start().starts_with("expect");
        return Some(window(name, duration, entry, expect, map.span(name_word)));
    }
    None
}

/// Byte ranges of the whitespace-separated words of `text`.
fn words(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push(s..i);
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(s..text.len());
    }
    out
}

/// TCP flags spelt as words: the run of neighbouring words around the error that together spell
/// flags (`SYN-ACK`, `[SYN, ACK]`, `SYN ACK`).
fn flags(text: &str, words: &[Range<usize>], anchors: [Option<usize>; 2], map: &dyn SpanMap) -> Option<Diagnostic> {
    let is_flags = |i: usize| spellings::tcp_flags(&text[words[i].clone()]).is_some();
    let anchor = anchors.into_iter().flatten().find(|&i| is_flags(i))?;
    let mut first = anchor;
    while first > 0 && is_flags(first - 1) {
        first -= 1;
    }
    let mut last = anchor;
    while last + 1 < words.len() && is_flags(last + 1) {
        last += 1;
    }
    let run = words[first].start..words[last].end;
    if spellings::tcp_flags_letters(&text[run.clone()]).as_deref() == Some(&text[run.clone()]) {
        return None; // the language's own letters: the error is elsewhere
    }
    let mut d = spellings::tcp_flags_error(map.span(run.clone()), &text[run])?;
    for i in first..=last {
        let w = &text[words[i].clone()];
        if let Some(what) = match w {
            "ack" => Some("acknowledgment number"),
            "urg" => Some("urgent pointer"),
            _ => None,
        } {
            d = d.with_help(format!("for the {what}, write the field with a value: `{w}=N`"));
        }
    }
    Some(d)
}

/// `within`/`after` on a send, in a flow sentence, or inside a packet of an expect: a window
/// ends an `expect` sentence.
fn window(keyword: &str, duration: &str, entry: Entry, expect: bool, span: crate::source::Span) -> Diagnostic {
    let window = format!("{keyword} {duration}");
    let (headline, help) = match (entry, expect) {
        (Entry::Flow, _) => (
            "a flow sentence has no window".to_string(),
            format!(
                "a flow only names its endpoints; write `{window}` at the end of the `expect` steps that use the flow"
            ),
        ),
        (_, true) => (
            format!("`{keyword}` ends the `expect` sentence, after every clause"),
            format!("move `{window}` to the end of the sentence"),
        ),
        (_, false) => (
            format!("a send has no window: `{keyword}` belongs to an `expect`"),
            format!(
                "a send goes out at once; write `{window}` at the end of the `expect` step that follows (`SIDE: expect PATTERN {window}`)"
            ),
        ),
    };
    Diagnostic::error(span, headline)
        .with_label(format!("no `{keyword}` here"))
        .with_help(help)
}
