//! A case file's header (docs/language.md §1): the keys other than `steps`, `flows`, `vars` and
//! `matrix`.

use super::{DEFAULT_TIMEOUT, DEFAULT_WITHIN, window};
use crate::diag::Diagnostic;
use crate::fields::{self, Record};
use crate::plan::Capability;
use crate::source::Span;
use crate::yaml::Node;
use std::collections::BTreeSet;
use std::time::Duration;

/// The case-level keys other than steps, flows, vars and matrix.
/// Each field is its key's value, or a stand-in where the key is missing or bad.
pub(crate) struct Header {
    /// `case:` (empty if bad).
    pub id: String,
    /// Where the id is written: each case's location.
    pub id_span: Span,
    /// `title:`.
    pub title: String,
    /// `description:`.
    pub description: Option<String>,
    /// `tags:`.
    pub tags: Vec<String>,
    /// `refs:`.
    pub refs: Vec<String>,
    /// `requires:`.
    pub requires: BTreeSet<Capability>,
    /// `within:`, the default window of expects.
    pub within: Duration,
    /// `timeout:`.
    pub timeout: Duration,
    /// `strict:`.
    pub strict: bool,
}

/// Reads the header. A key that cannot be read is reported into `diags` and takes a stand-in
/// (an empty id or title, the default window), so that the steps still compile.
pub(super) fn read_header(rec: &Record, diags: &mut Vec<Diagnostic>) -> Header {
    let id_node = rec.require("case", "a case", diags);
    let title_node = rec.require("title", "a case", diags);
    let (id, id_span) =
        read_id(id_node, diags).unwrap_or_else(|| (String::new(), id_node.map_or(rec.node.span, |n| n.span)));
    let title = read_title(title_node, diags);
    let description = rec
        .get("description")
        .and_then(|n| fields::scalar(n, "a description", diags))
        .map(|s| s.value.clone());
    let tags = rec.get("tags").map(|n| read_tags(n, diags)).unwrap_or_default();
    let refs = rec
        .get("refs")
        .map(|n| fields::string_list(n, "ref", diags))
        .unwrap_or_default();
    let requires = rec
        .get("requires")
        .map(|n| fields::capabilities(n, diags))
        .unwrap_or_default();
    let within = rec.get("within").and_then(|n| {
        let d = fields::duration(n, "`within`", false, diags)?;
        diags.extend(window::short_window_warning(d, n.span, false));
        Some(d)
    });
    let timeout = rec
        .get("timeout")
        .and_then(|n| fields::duration(n, "`timeout`", false, diags))
        .unwrap_or(DEFAULT_TIMEOUT);
    let strict = rec
        .get("strict")
        .and_then(|n| fields::boolean(n, "`strict`", diags))
        .unwrap_or(false);
    Header {
        id,
        id_span,
        title,
        description,
        tags,
        refs: refs.into_iter().map(|t| t.0).collect(),
        requires,
        within: within.unwrap_or(DEFAULT_WITHIN),
        timeout,
        strict,
    }
}

/// `case:`: an id of a-z 0-9 `_` `.` `-`, and where it is written.
fn read_id(node: Option<&Node>, diags: &mut Vec<Diagnostic>) -> Option<(String, Span)> {
    let s = fields::scalar(node?, "a case id", diags)?;
    let span = s.span_of(0..s.value.len());
    let valid = !s.value.is_empty()
        && s.value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
    if !valid {
        diags.push(
            Diagnostic::error(span, format!("`{}` is not a case id", s.value))
                .with_label("case ids use a-z 0-9 _ . - only"),
        );
        return None;
    }
    Some((s.value.clone(), span))
}

/// `title:`: one line.
fn read_title(node: Option<&Node>, diags: &mut Vec<Diagnostic>) -> String {
    let title = node
        .and_then(|n| fields::scalar(n, "a title", diags))
        .map(|s| s.value.clone())
        .unwrap_or_default();
    if title.contains('\n') {
        diags.push(
            Diagnostic::error(node.map_or(Span::default(), |n| n.span), "a title is one line")
                .with_label("several lines"),
        );
    }
    title
}

/// `tags:`: single words.
fn read_tags(node: &Node, diags: &mut Vec<Diagnostic>) -> Vec<String> {
    let tags = fields::string_list(node, "tag", diags);
    for (t, span) in &tags {
        if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            diags.push(
                Diagnostic::error(*span, format!("`{t}` is not a tag: tags are single words"))
                    .with_label("a tag is one word"),
            );
        }
    }
    tags.into_iter().map(|t| t.0).collect()
}
