//! Reading YAML mappings as records: known keys, unknown keys with "did you mean", required keys,
//! and typed scalars — each problem a positioned diagnostic.

use crate::diag::Diagnostic;
use crate::names;
use crate::plan::Capability;
use crate::source::Span;
use crate::yaml::{Node, NodeKind, Scalar};
use std::collections::BTreeSet;

/// The entries of a mapping whose keys were checked against a list of known keys.
pub struct Record<'n> {
    entries: Vec<(&'n Scalar, Span, &'n Node)>,
    /// Known keys that an unknown key was suggested as (a typo already reported).
    suggested: Vec<&'static str>,
    /// The mapping node itself.
    pub node: &'n Node,
}

impl<'n> Record<'n> {
    /// Reads `node` as a mapping with keys from `known`; unknown keys are reported into `diags`
    /// (and skipped). `what` names the mapping in messages (`a case`, `a step`).
    pub fn read(node: &'n Node, known: &[&'static str], what: &str, diags: &mut Vec<Diagnostic>) -> Option<Record<'n>> {
        let NodeKind::Map(pairs) = &node.kind else {
            diags.push(
                Diagnostic::error(
                    node.span,
                    format!(
                        "expected {what} (a mapping of `key: value`), found {}",
                        node.kind_name()
                    ),
                )
                .with_label(format!("expected {what}")),
            );
            return None;
        };
        let mut entries = Vec::new();
        let mut suggested = Vec::new();
        for (k, v) in pairs {
            let Some(key) = k.as_scalar() else { continue };
            if !known.contains(&key.value.as_str()) {
                let hint = names::suggestion(&key.value, known.iter().copied());
                if let Some(s) = names::did_you_mean(&key.value, known.iter().copied()) {
                    suggested.push(s);
                }
                diags.push(
                    Diagnostic::error(k.span, format!("unknown key `{}` in {what}{hint}", key.value))
                        .with_label("unknown key")
                        .with_help(format!("known keys: {}", known.join(", "))),
                );
                continue;
            }
            entries.push((key, k.span, v));
        }
        Some(Record {
            entries,
            suggested,
            node,
        })
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _, _)| k.value == key).map(|(_, _, v)| *v)
    }

    /// The span of `key` itself, if present.
    pub fn key_span(&self, key: &str) -> Option<Span> {
        self.entries.iter().find(|(k, _, _)| k.value == key).map(|(_, s, _)| *s)
    }

    /// The keys present, in file order, with their spans.
    pub fn keys(&self) -> impl Iterator<Item = (&'n str, Span)> + '_ {
        self.entries.iter().map(|(k, s, _)| (k.value.as_str(), *s))
    }

    /// The value of a required key, or an error at the mapping.
    pub fn require(&self, key: &str, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'n Node> {
        let v = self.get(key);
        if v.is_none() && !self.suggested.contains(&key) {
            let at = Span::point(self.node.span.start as usize);
            diags.push(
                Diagnostic::error(at, format!("missing required key `{key}` in {what}"))
                    .with_label(format!("this mapping needs `{key}:`")),
            );
        }
        v
    }
}

/// The scalar of a node that must be text.
pub fn scalar<'n>(node: &'n Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<&'n Scalar> {
    match node.as_scalar() {
        Some(s) if !s.is_null() => Some(s),
        Some(_) => {
            diags.push(Diagnostic::error(node.span, format!("{what} is empty")).with_label(format!("expected {what}")));
            None
        }
        None => {
            diags.push(
                Diagnostic::error(node.span, format!("expected {what}, found {}", node.kind_name()))
                    .with_label(format!("expected {what}")),
            );
            None
        }
    }
}

/// A list of text values (`tags: [a, b]`).
pub fn string_list(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Vec<(String, Span)> {
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| scalar(i, what, diags).map(|s| (s.value.clone(), i.span)))
            .collect(),
        _ => {
            diags.push(
                Diagnostic::error(
                    node.span,
                    format!("expected a list of {what}s, found {}", node.kind_name()),
                )
                .with_label("expected a list such as `[a, b]`"),
            );
            Vec::new()
        }
    }
}

/// A list of capability words (`requires:` of a case, `capabilities:` of a testbed); an unknown
/// word is reported and left out.
pub fn capabilities(node: &Node, diags: &mut Vec<Diagnostic>) -> BTreeSet<Capability> {
    let mut out = BTreeSet::new();
    for (w, span) in string_list(node, "capability", diags) {
        match Capability::named(&w) {
            Some(c) => {
                out.insert(c);
            }
            None => diags.push(
                Diagnostic::error(
                    span,
                    format!(
                        "unknown capability `{w}`{}",
                        names::suggestion(&w, Capability::ALL.iter().map(|c| c.name()))
                    ),
                )
                .with_label(format!("expected one of {}", Capability::list())),
            ),
        }
    }
    out
}

/// A boolean (`true`/`false`).
pub fn boolean(node: &Node, what: &str, diags: &mut Vec<Diagnostic>) -> Option<bool> {
    let s = scalar(node, what, diags)?;
    match s.value.as_str() {
        "true" => Some(true),
        "false" => Some(false),
        other => {
            diags.push(
                Diagnostic::error(
                    node.span,
                    format!("expected `true` or `false` for {what}, found `{other}`"),
                )
                .with_label("expected true or false"),
            );
            None
        }
    }
}

/// A duration value (`within: 1s`).
pub fn duration(node: &Node, what: &str, allow_zero: bool, diags: &mut Vec<Diagnostic>) -> Option<std::time::Duration> {
    let s = scalar(node, what, diags)?;
    duration_text(&s.value, s, what, allow_zero, diags)
}

/// Parses a duration written in `text`, where byte 0 of the text is at `map`'s offset 0.
pub fn duration_text(
    text: &str,
    map: &dyn crate::sentence::SpanMap,
    what: &str,
    allow_zero: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<std::time::Duration> {
    match crate::duration::parse(text) {
        Ok(d) if d.is_zero() && !allow_zero => {
            diags.push(
                Diagnostic::error(
                    map.span(0..text.len()),
                    format!("{what} must be longer than zero (zero is only allowed in `wait`)"),
                )
                .with_label("zero duration"),
            );
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            let end = (e.at + e.len).min(text.len());
            diags.push(
                Diagnostic::error(
                    map.span(e.at.min(text.len())..end),
                    format!("bad duration `{text}`: {}", e.message),
                )
                .with_label("expected a duration such as `1s`, `250ms` or `1m30s`"),
            );
            None
        }
    }
}
