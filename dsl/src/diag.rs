//! Diagnostics: an error or warning about a place in a source file, rendered with the source line
//! and a caret (annotate-snippets), in the manner of rustc.

use crate::source::{SourceFile, Span};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The file does not compile.
    Error,
    /// The file compiles, but something is probably not what the author meant.
    Warning,
}

/// One message about one place in a file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// Whether the file still compiles.
    pub severity: Severity,
    /// The headline: what is wrong.
    pub message: String,
    /// The exact token (or place) it is about.
    pub span: Span,
    /// A short text under the caret: usually what was expected there.
    pub label: String,
    /// Extra lines (`help: ...`, `note: ...`).
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: String::new(),
            notes: Vec::new(),
        }
    }

    /// A warning at `span`.
    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(span, message)
        }
    }

    /// Sets the text under the caret.
    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    /// Adds a `help:` line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", help.into()));
        self
    }

    /// Adds a `note:` line.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("note: {}", note.into()));
        self
    }

    /// Whether this is an error (the file does not compile).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders the diagnostic with the source line and a caret under the token.
    pub fn render(&self, file: &SourceFile, color: bool) -> String {
        let text = file.text();
        let mut range = self.span.range();
        range.start = range.start.min(text.len());
        range.end = range.end.clamp(range.start, text.len());
        while !text.is_char_boundary(range.start) {
            range.start -= 1;
        }
        while !text.is_char_boundary(range.end) {
            range.end += 1;
        }
        // annotate-snippets shows nothing useful for an empty span at a line end; widen to one char.
        if range.is_empty() {
            if let Some(c) = text[range.start..].chars().next().filter(|c| *c != '\n') {
                range.end = range.start + c.len_utf8();
            }
        }
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let path = file.path().display().to_string();
        // Only the lines the span touches go to the renderer, numbered as in the file: rendering
        // costs the size of those lines, not of the file (a generated file may be megabytes).
        let first = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let last = text[range.end..].find('\n').map_or(text.len(), |i| range.end + i);
        let line = text[..first].bytes().filter(|b| *b == b'\n').count() + 1;
        let mut annotation = AnnotationKind::Primary.span(range.start - first..range.end - first);
        if !self.label.is_empty() {
            annotation = annotation.label(&self.label);
        }
        let mut group: Group = level.primary_title(&self.message).element(
            Snippet::source(&text[first..last])
                .line_start(line)
                .path(&path)
                .fold(true)
                .annotation(annotation),
        );
        for note in &self.notes {
            let (lvl, body) = match note.split_once(": ") {
                Some(("help", b)) => (Level::HELP, b),
                Some(("note", b)) => (Level::NOTE, b),
                _ => (Level::NOTE, note.as_str()),
            };
            group = group.element(lvl.message(body));
        }
        let renderer = if color { Renderer::styled() } else { Renderer::plain() };
        renderer.render(&[group])
    }
}

/// Renders a list of diagnostics about one file, separated by blank lines.
pub fn render_all(diags: &[Diagnostic], file: &SourceFile, color: bool) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render(file, color));
        out.push_str("\n\n");
    }
    out
}
