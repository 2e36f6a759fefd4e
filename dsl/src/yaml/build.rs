//! Builds the node tree from the parser's events, without recursion, and reports the YAML
//! features case files do not use.

use super::{MAX_DEPTH, Node, NodeKind, scalar, scan_error};
use crate::diag::Diagnostic;
use crate::source::{SourceFile, Span};
use serde_saphyr::granit_parser::{ErrorKind, Event, Marker, Options, Parser, Span as GSpan, StructureStyle};
use std::collections::HashMap;

/// The parser's nesting limit: far above [`MAX_DEPTH`], so that the deep collection is reported
/// by the builder at its exact place (the parser scans ahead, so its own error would come first
/// and elsewhere), yet bounded so a hostile file cannot make it hold unbounded state.
const PARSER_DEPTH_LIMIT: usize = 4096;

/// Parses a file into a node tree; see [`super::parse`].
pub(super) fn parse(file: &SourceFile) -> Result<Node, Vec<Diagnostic>> {
    let mut options = Options::default();
    options.emit_anchor_events = true;
    options.emit_unresolved_aliases = true;
    options.set_emit_comments(false);
    // Depth is checked here, at MAX_DEPTH; the parser's own limit only bounds its memory.
    options.flow_nesting_limit = PARSER_DEPTH_LIMIT;
    options.block_nesting_limit = PARSER_DEPTH_LIMIT;
    let mut b = Builder::new(file);
    for item in Parser::new_from_str_with_options(file.text(), options) {
        match item {
            Ok((event, span)) => {
                if !b.event(event, span) {
                    break;
                }
            }
            Err(e) => {
                // Past the reported depth error, the parser's own limit says nothing new.
                if !(b.too_deep && matches!(e.kind(), ErrorKind::RecursionLimitExceeded)) {
                    b.diags.push(scan_error::diagnostic(file, &e));
                }
                break;
            }
        }
    }
    b.finish()
}

/// A list or mapping being read.
#[derive(Debug)]
struct Frame {
    start: usize,
    flow: bool,
    items: Items,
}

#[derive(Debug)]
enum Items {
    Seq(Vec<Node>),
    Map {
        pairs: Vec<(Node, Node)>,
        key: Option<Node>,
        seen: HashMap<String, Span>,
    },
}

/// The state of reading one file's events.
#[derive(Debug)]
struct Builder<'f> {
    file: &'f SourceFile,
    stack: Vec<Frame>,
    root: Option<Node>,
    documents: usize,
    /// Inside a collection nested too deep: how many collections are open in it.
    skip: usize,
    skip_start: usize,
    too_deep: bool,
    diags: Vec<Diagnostic>,
}

impl<'f> Builder<'f> {
    fn new(file: &'f SourceFile) -> Builder<'f> {
        Builder {
            file,
            stack: Vec::new(),
            root: None,
            documents: 0,
            skip: 0,
            skip_start: 0,
            too_deep: false,
            diags: Vec::new(),
        }
    }

    fn text(&self) -> &'f str {
        self.file.text()
    }

    /// The byte offset of a parser marker.
    fn offset(&self, m: Marker) -> usize {
        let at = m
            .byte_offset()
            .unwrap_or_else(|| self.file.offset_of(m.line(), m.col()));
        floor_char_boundary(self.text(), at)
    }

    fn span(&self, s: GSpan) -> Span {
        let start = self.offset(s.start);
        Span::new(start, self.offset(s.end).max(start))
    }

    /// Handles one event; false to stop reading.
    fn event(&mut self, event: Event<'_>, gspan: GSpan) -> bool {
        let span = self.span(gspan);
        if self.skip > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skip += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skip -= 1;
                    if self.skip == 0 {
                        let at = Span::new(self.skip_start, span.end as usize);
                        self.complete(placeholder(at));
                    }
                }
                _ => {}
            }
            return true;
        }
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.diags.push(
                        Diagnostic::error(span, "one case per file: a second YAML document starts here")
                            .with_label("second document")
                            .with_help("put each case in its own file"),
                    );
                    return false;
                }
            }
            Event::Anchor(_, name) => self.diags.push(
                Diagnostic::error(span, "YAML anchors and aliases are not allowed in case files")
                    .with_label(format!("anchor `&{name}`"))
                    .with_help("write the value out in full where it is needed"),
            ),
            Event::Alias(_) | Event::UnresolvedAlias(_) => {
                self.diags.push(
                    Diagnostic::error(span, "YAML anchors and aliases are not allowed in case files")
                        .with_label("alias")
                        .with_help(
                            "write the value out in full; if `*` is meant as text, put the value in single quotes",
                        ),
                );
                self.complete(placeholder(span));
            }
            Event::Scalar(value, style, _, tag) => {
                if tag.is_some() {
                    self.tag(gspan, span);
                }
                let text = self.text();
                let node = scalar::node(text, &value, style, span.start as usize, span.end as usize);
                self.complete(node);
            }
            Event::SequenceStart(style, _, tag) => {
                if tag.is_some() {
                    self.tag(gspan, span);
                }
                self.open(span, style == StructureStyle::Flow, true);
            }
            Event::MappingStart(style, _, tag) => {
                if tag.is_some() {
                    self.tag(gspan, span);
                }
                self.open(span, style == StructureStyle::Flow, false);
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(span),
            _ => {}
        }
        true
    }

    fn tag(&mut self, gspan: GSpan, node: Span) {
        let at = match (gspan.tag_span(), gspan.tag_start()) {
            (Some(t), _) => self.span(t),
            (None, Some(m)) => Span::point(self.offset(m)),
            (None, None) => node,
        };
        self.diags.push(
            Diagnostic::error(at, "YAML tags are not used in case files")
                .with_label("tag")
                .with_help("remove the tag; every value is read as text and checked by the case language"),
        );
    }

    fn open(&mut self, span: Span, flow: bool, is_seq: bool) {
        if self.stack.len() >= MAX_DEPTH {
            self.diags.push(
                Diagnostic::error(
                    span,
                    format!("lists and mappings are nested more than {MAX_DEPTH} levels deep"),
                )
                .with_label(format!("level {}", MAX_DEPTH + 1)),
            );
            self.too_deep = true;
            self.skip = 1;
            self.skip_start = span.start as usize;
            return;
        }
        let items = if is_seq {
            Items::Seq(Vec::new())
        } else {
            Items::Map {
                pairs: Vec::new(),
                key: None,
                seen: HashMap::new(),
            }
        };
        self.stack.push(Frame {
            start: span.start as usize,
            flow,
            items,
        });
    }

    fn close(&mut self, span: Span) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (kind, last) = match frame.items {
            Items::Seq(items) => {
                let last = items.last().map(|n| n.span.end);
                (NodeKind::Seq(items), last)
            }
            Items::Map { pairs, key, .. } => {
                let last = pairs
                    .last()
                    .map(|(_, v)| v.span.end)
                    .max(key.as_ref().map(|k| k.span.end));
                (NodeKind::Map(pairs), last)
            }
        };
        let end = if frame.flow {
            span.end as usize
        } else {
            last.map_or(frame.start, |e| e as usize)
        };
        self.complete(Node {
            span: Span::new(frame.start, end.max(frame.start)),
            kind,
        });
    }

    /// A finished node goes into the collection being read (or becomes the root).
    fn complete(&mut self, node: Node) {
        let file = self.file;
        let Some(frame) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return;
        };
        match &mut frame.items {
            Items::Seq(items) => items.push(node),
            Items::Map { pairs, key, seen } => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => {
                    if let Some(d) = check_key(&node, seen, file) {
                        self.diags.push(d);
                    }
                    *key = Some(node);
                }
            },
        }
    }

    fn finish(mut self) -> Result<Node, Vec<Diagnostic>> {
        let empty = match &self.root {
            None => true,
            Some(n) => n.as_scalar().is_some_and(|s| s.is_null() && n.span.start == n.span.end),
        };
        if empty && self.diags.is_empty() {
            self.diags.push(
                Diagnostic::error(
                    Span::point(0),
                    "the file is empty: expected a mapping with `case:`, `title:` and `steps:`",
                )
                .with_label("nothing here"),
            );
        }
        match self.root {
            Some(root) if self.diags.is_empty() => Ok(root),
            _ => {
                self.diags.sort_by_key(|d| d.span.start);
                Err(self.diags)
            }
        }
    }
}

/// Key checks: a key is text, not `<<`, and not seen before in the same mapping.
fn check_key(key: &Node, seen: &mut HashMap<String, Span>, file: &SourceFile) -> Option<Diagnostic> {
    let Some(s) = key.as_scalar() else {
        return Some(
            Diagnostic::error(key.span, "a key must be a plain word")
                .with_label(format!("this key is {}", key.kind_name()))
                .with_help("write keys as plain words followed by `:`, such as `title:`"),
        );
    };
    if s.style == super::ScalarStyle::Plain && s.value == "<<" {
        return Some(
            Diagnostic::error(key.span, "merge keys (`<<`) are not allowed")
                .with_label("merge key")
                .with_help("write the keys out in full"),
        );
    }
    if s.value.is_empty() {
        return None;
    }
    if let Some(first) = seen.get(&s.value) {
        let (line, col) = file.line_col(first.start as usize);
        return Some(
            Diagnostic::error(key.span, format!("duplicate key `{}`", s.value))
                .with_label("second time")
                .with_note(format!("`{}` is first given at {line}:{col}", s.value)),
        );
    }
    seen.insert(s.value.clone(), key.span);
    None
}

/// Stands for a node that was reported and not built (an alias, a too-deep collection).
fn placeholder(span: Span) -> Node {
    let map = super::offsets::OffsetMap::at(span.start as usize);
    let scalar = super::Scalar::new(String::new(), super::ScalarStyle::Plain, false, map);
    Node {
        span,
        kind: NodeKind::Scalar(scalar),
    }
}

/// The largest char boundary of `text` at or before `at`.
pub(super) fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}
