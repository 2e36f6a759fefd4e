//! YAML with exact positions: a case file becomes a tree of [`Node`]s, each keeping the span of
//! its source text, and every YAML-level problem becomes a positioned [`Diagnostic`].
//!
//! Scalars also keep a map from offsets in their value to offsets in the file
//! ([`Scalar::source_offset`]), so that an error found later inside a sentence (a YAML scalar)
//! points at the right character whatever quoting, escaping or line folding YAML applied.
//!
//! Case files use a small part of YAML: one document, mappings, lists and text. Anchors,
//! aliases, merge keys, tags, duplicate keys and non-text keys are reported as errors.

mod build;
mod offsets;
mod scalar;
mod scan_error;
#[cfg(test)]
mod tests;

use crate::diag::Diagnostic;
use crate::source::{SourceFile, Span};
use offsets::OffsetMap;

/// The deepest nesting of lists and mappings a file may use; the next level is an error.
pub const MAX_DEPTH: usize = 64;

/// Parses the single YAML document of `file` into its root node, or returns every YAML-level
/// problem found (syntax, anchors, tags, duplicate keys, a second document, an empty file, ...).
pub fn parse(file: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    build::parse(file)
}

/// A YAML value with the span of its source text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// The node's source text: for a scalar, including quotes or the `|`/`>` indicator; for a
    /// collection, from its first token to its last.
    pub span: Span,
    /// What the node is.
    pub kind: NodeKind,
}

/// The three kinds of YAML value a case file may contain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeKind {
    /// Text (every YAML scalar, whatever it looks like: numbers and booleans too).
    Scalar(Scalar),
    /// A list (`- a` lines or `[a, b]`).
    Seq(Vec<Node>),
    /// A mapping, in file order: each key node then its value node.
    Map(Vec<(Node, Node)>),
}

/// How a scalar was written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    /// Unquoted text.
    Plain,
    /// `'text'`.
    SingleQuoted,
    /// `"text"`, with backslash escapes.
    DoubleQuoted,
    /// A `|` block: lines kept as written.
    Literal,
    /// A `>` block: lines folded into one.
    Folded,
}

/// A YAML scalar: its text after YAML processing, and how to find each of its bytes in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scalar {
    /// The text after YAML processing (quotes removed, escapes decoded, lines folded).
    pub value: String,
    /// How it was written.
    pub style: ScalarStyle,
    /// Whether a plain scalar is followed on its line by ` #`: YAML cut the text there, treating
    /// the rest as a comment (an error about the text can suggest quotes).
    pub comment_after: bool,
    map: OffsetMap,
}

impl Scalar {
    pub(crate) fn new(value: String, style: ScalarStyle, comment_after: bool, map: OffsetMap) -> Scalar {
        Scalar {
            value,
            style,
            comment_after,
            map,
        }
    }

    /// Whether this is YAML's null: an empty plain value, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }

    /// The file byte offset of byte `value_byte` of [`Self::value`]. A char produced by an escape
    /// maps to its backslash, one produced by line folding to the folded line break;
    /// `value.len()` maps just after the last char. Never panics, whatever the offset.
    pub fn source_offset(&self, value_byte: usize) -> usize {
        let k = build::floor_char_boundary(&self.value, value_byte);
        self.map.source_offset(k, self.value.len())
    }

    /// The file span of a byte range of [`Self::value`] (for errors found inside the text).
    pub fn span_of(&self, value_range: std::ops::Range<usize>) -> Span {
        let start = self.source_offset(value_range.start);
        if value_range.end <= value_range.start {
            return Span::point(start);
        }
        let mut end = value_range.end.min(self.value.len());
        while !self.value.is_char_boundary(end) {
            end += 1;
        }
        let end = self.map.source_end(end, self.value.len());
        Span::new(start, end.max(start))
    }
}

impl Node {
    /// The scalar, if this node is one.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// What the node is, for messages such as "expected a list, found a mapping".
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Scalar(_) => "a text value",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}
