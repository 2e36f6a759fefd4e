//! TEMPORARY minimal YAML tree (replaced by the full module).

use crate::diag::Diagnostic;
use crate::source::{SourceFile, Span};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

/// A node.
#[derive(Debug, Clone)]
pub struct Node {
    /// span
    pub span: Span,
    /// kind
    pub kind: NodeKind,
}

/// kinds
#[derive(Debug, Clone)]
pub enum NodeKind {
    /// scalar
    Scalar(Scalar),
    /// seq
    Seq(Vec<Node>),
    /// map
    Map(Vec<(Node, Node)>),
}

/// scalar
#[derive(Debug, Clone)]
pub struct Scalar {
    /// value
    pub value: String,
    /// style
    pub style: ScalarStyle,
    /// comment after
    pub comment_after: bool,
    start: usize,
}

impl Scalar {
    /// null
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && matches!(self.value.as_str(), "" | "~" | "null" | "Null" | "NULL")
    }
    /// map
    pub fn source_offset(&self, b: usize) -> usize {
        let q = usize::from(matches!(self.style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted));
        self.start + q + b
    }
    /// span
    pub fn span_of(&self, r: std::ops::Range<usize>) -> Span {
        Span::new(self.source_offset(r.start), self.source_offset(r.end))
    }
}

impl Node {
    /// scalar
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }
    /// name
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Scalar(_) => "a text value",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// parse
pub fn parse(file: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    let mut p = Parser::new_from_str(file.text());
    let mut stack: Vec<(Node, Option<Node>)> = Vec::new();
    let mut root = None;
    let off = |m: &serde_saphyr::granit_parser::Marker| m.byte_offset().unwrap_or_else(|| file.offset_of(m.line(), m.col()));
    while let Some(ev) = p.next_event() {
        let (ev, span) = ev.map_err(|e| vec![Diagnostic::error(Span::point(off(e.marker())), e.info())])?;
        let sp = Span::new(off(&span.start), off(&span.end));
        let node = match ev {
            Event::Scalar(v, style, _, _) => Some(Node { span: sp, kind: NodeKind::Scalar(Scalar { value: v.to_string(), style, comment_after: false, start: sp.start as usize }) }),
            Event::SequenceStart(..) => {
                stack.push((Node { span: sp, kind: NodeKind::Seq(vec![]) }, None));
                None
            }
            Event::MappingStart(..) => {
                stack.push((Node { span: sp, kind: NodeKind::Map(vec![]) }, None));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => stack.pop().map(|(n, _)| n),
            _ => None,
        };
        if let Some(n) = node {
            match stack.last_mut() {
                None => root = Some(n),
                Some((parent, pending)) => match &mut parent.kind {
                    NodeKind::Seq(v) => v.push(n),
                    NodeKind::Map(v) => match pending.take() {
                        None => *pending = Some(n),
                        Some(k) => v.push((k, n)),
                    },
                    _ => {}
                },
            }
        }
    }
    root.ok_or_else(|| vec![Diagnostic::error(Span::point(0), "the file is empty")])
}
