//! YAML syntax errors from the parser, placed on the offending character and said in plain words.

use super::build::floor_char_boundary;
use crate::diag::Diagnostic;
use crate::source::{SourceFile, Span};
use serde_saphyr::granit_parser::{ErrorKind, ScanError};

const QUOTE_HELP: &str = "a plain YAML value cannot contain `: `; put the whole sentence in single quotes: '...'";
const TAB_MESSAGE: &str = "tab used for indentation; YAML indents with spaces";

/// The diagnostic for a parser error (which ends parsing).
pub(super) fn diagnostic(file: &SourceFile, e: &ScanError) -> Diagnostic {
    let text = file.text();
    let m = e.marker();
    let at = floor_char_boundary(
        text,
        m.byte_offset().unwrap_or_else(|| file.offset_of(m.line(), m.col())),
    );
    let kind = e.kind();
    let own_line_tab = indentation_tab(text, at).filter(|t| line_start(text, *t) == line_start(text, at));
    if let Some(tab) = own_line_tab.filter(|_| misindented(kind)) {
        // A tab in the indentation makes YAML see a different indentation than the editor.
        return tab_error(tab);
    }
    kind_diagnostic(text, at, kind)
}

/// The diagnostic for each kind of parser error at `at`. A flat dispatch, one arm per kind (or
/// group of kinds said the same way), kept whole so that the words for every kind stand side by
/// side.
fn kind_diagnostic(text: &str, at: usize, kind: &ErrorKind) -> Diagnostic {
    let one = char_span(text, at);
    match kind {
        ErrorKind::TabInIndentation
        | ErrorKind::TabInBlockIndentation
        | ErrorKind::TabNotAllowed
        | ErrorKind::TabAtBlockScalarStart
        | ErrorKind::TabInPlainScalar => match indentation_tab(text, at) {
            Some(tab) => tab_error(tab),
            None => Diagnostic::error(one, "a tab is not allowed here")
                .with_label("tab")
                .with_help("use spaces; inside a value, put the text in quotes"),
        },
        ErrorKind::MappingValueNotAllowed => colon_error(text, at),
        ErrorKind::UnknownQuotedScalarEscape
        | ErrorKind::InvalidQuotedScalarHexEscape
        | ErrorKind::InvalidLowSurrogateHexEscape
        | ErrorKind::InvalidLowSurrogate
        | ErrorKind::MissingLowSurrogate
        | ErrorKind::UnpairedLowSurrogate
        | ErrorKind::InvalidUnicodeEscape => escape_error(text, at),
        ErrorKind::UnclosedQuotedScalar => Diagnostic::error(one, "this quoted text is never closed")
            .with_label("opening quote without a closing one")
            .with_help("end the text with the same quote; inside '...', write '' for a single quote"),
        ErrorKind::UnclosedFlowCollection { open } => Diagnostic::error(one, format!("this `{open}` is never closed"))
            .with_label(format!("expected a matching `{}`", closing(*open))),
        ErrorKind::MismatchedFlowCollectionEnd { open, close } => {
            Diagnostic::error(one, format!("`{open}` is closed by `{close}`"))
                .with_label(format!("expected `{}` to close this", closing(*open)))
        }
        ErrorKind::MisplacedFlowCollectionEnd => Diagnostic::error(one, "unexpected closing bracket")
            .with_label("nothing is open here")
            .with_help("if the bracket is text, put the whole value in single quotes"),
        ErrorKind::ExpectedFlowSequenceSeparator => {
            Diagnostic::error(one, "expected `,` or `]` in this list").with_label("expected `,` or `]`")
        }
        ErrorKind::ExpectedFlowMappingSeparator => {
            Diagnostic::error(one, "expected `,` or `}` in this mapping").with_label("expected `,` or `}`")
        }
        ErrorKind::ExpectedBlockMappingKey => Diagnostic::error(one, "expected a `key: value` line")
            .with_label("this is not indented like the keys of its mapping")
            .with_help("the keys of one mapping must start in the same column"),
        ErrorKind::ExpectedBlockSequenceEntry => Diagnostic::error(one, "expected a `- ` list item")
            .with_label("this is not indented like the items of its list")
            .with_help("the `-` of every item of one list must be in the same column"),
        ErrorKind::SimpleKeyExpected | ErrorKind::InvalidSimpleKey => {
            Diagnostic::error(one, "expected `key: value`").with_label("a key followed by `: ` was expected here")
        }
        ErrorKind::ExpectedNodeContent => Diagnostic::error(one, "expected a value").with_label("no value here"),
        ErrorKind::UnexpectedCharacter { character } => Diagnostic::error(
            one,
            format!("a plain YAML value cannot start with {}", code(*character)),
        )
        .with_label("reserved character")
        .with_help("put the whole value in single quotes: '...'"),
        ErrorKind::MissingAnchorOrAliasName => Diagnostic::error(
            one,
            "a plain YAML value cannot start with `&` or `*` (they mark anchors and aliases)",
        )
        .with_label("anchor or alias mark")
        .with_help("put the whole value in single quotes: '...'"),
        ErrorKind::PlainScalarStartsWithDashFlowIndicator => Diagnostic::error(
            one,
            "a plain YAML value cannot start with `-` followed by a bracket or comma",
        )
        .with_help("put the whole value in single quotes: '...'"),
        ErrorKind::CommentNotSeparated => Diagnostic::error(one, "a `#` comment must follow a space")
            .with_help("add a space before `#`, or put the value in quotes if `#` is part of it"),
        ErrorKind::CommentInterceptedScalar => {
            Diagnostic::error(one, "a comment line cannot interrupt a multi-line value")
                .with_label("the value goes on after this comment")
                .with_help("move the comment above the key")
        }
        ErrorKind::BlockSequenceEntryNotAllowed => Diagnostic::error(one, "a `- ` list cannot start here")
            .with_label("unexpected `-`")
            .with_help("start the list on the next line, indented under its key"),
        ErrorKind::BlockEntryInFlowCollection => {
            Diagnostic::error(one, "`- ` list items cannot appear inside `[...]` or `{...}`")
        }
        ErrorKind::InvalidMappingValueWhitespace | ErrorKind::InvalidBlockEntryWhitespace => {
            Diagnostic::error(one, "expected a space after this indicator").with_label("add a space")
        }
        ErrorKind::MappingKeyNotAllowed
        | ErrorKind::FlowMappingValueAdjacentCollection
        | ErrorKind::InvalidColonPlacement => {
            Diagnostic::error(one, format!("unexpected `{}` here", char_at(text, at)))
                .with_help("if this is text, put the whole value in single quotes: '...'")
        }
        ErrorKind::InvalidIndentation
        | ErrorKind::InvalidBlockScalarIndent
        | ErrorKind::InvalidQuotedScalarIndent
        | ErrorKind::InvalidFlowScalarIndent => Diagnostic::error(one, "wrong indentation")
            .with_label("this line is indented less than the value it belongs to"),
        ErrorKind::ZeroBlockScalarIndent | ErrorKind::InvalidBlockScalarHeader => {
            Diagnostic::error(one, "expected a line break after `|` or `>`")
                .with_label("unexpected text after the block indicator")
                .with_help(
                    "`|` or `>` (optionally `-`, `+` or a digit) ends its line; the text starts on the next line",
                )
        }
        ErrorKind::InvalidTrailingSingleQuotedScalar | ErrorKind::InvalidTrailingDoubleQuotedScalar => {
            Diagnostic::error(one, "unexpected text after the closing quote")
                .with_label("the quoted value ended before this")
                .with_help("quote the whole value; inside '...', write '' for a single quote")
        }
        ErrorKind::DocumentIndicatorInQuotedScalar => {
            Diagnostic::error(one, "`---` or `...` at the start of a line inside quoted text")
                .with_help("indent the continuation lines of the quoted text")
        }
        ErrorKind::BomInsideDocument => Diagnostic::error(one, "a byte-order mark (U+FEFF) inside the file")
            .with_help("remove the invisible U+FEFF character"),
        ErrorKind::RecursionLimitExceeded => Diagnostic::error(
            one,
            format!(
                "lists and mappings are nested more than {} levels deep",
                super::MAX_DEPTH
            ),
        ),
        ErrorKind::UnexpectedEofFlowSequence
        | ErrorKind::UnexpectedEofFlowMapping
        | ErrorKind::UnexpectedEofImplicitFlowMapping => {
            Diagnostic::error(one, "the file ends inside `[...]` or `{...}`").with_label("expected a closing bracket")
        }
        ErrorKind::UnexpectedEofBlockSequence | ErrorKind::UnexpectedEofBlockMapping | ErrorKind::UnexpectedEof => {
            Diagnostic::error(one, "the file ends in the middle of a value")
        }
        ErrorKind::DirectiveDisallowed
        | ErrorKind::MissingDocumentEndBeforeDirective
        | ErrorKind::DuplicateVersionDirective
        | ErrorKind::UnsupportedYamlMajorVersion
        | ErrorKind::DuplicateTagDirective
        | ErrorKind::InvalidDirectiveTerminator
        | ErrorKind::MissingYamlVersionSeparator
        | ErrorKind::MissingDirectiveName
        | ErrorKind::InvalidDirectiveName
        | ErrorKind::YamlVersionTooLong
        | ErrorKind::MissingYamlVersion
        | ErrorKind::InvalidTagDirectiveTerminator => {
            Diagnostic::error(one, "YAML directives (`%...` lines) are not used in case files")
                .with_help("remove the line, or indent it / quote it if it is part of a value")
        }
        ErrorKind::ExpectedTagBang
        | ErrorKind::ExpectedTagDirectiveBang
        | ErrorKind::InvalidGlobalTagCharacter
        | ErrorKind::UndeclaredTagHandle
        | ErrorKind::InvalidTagTerminator
        | ErrorKind::MissingTagUri
        | ErrorKind::UnclosedVerbatimTag
        | ErrorKind::InvalidTagEscape
        | ErrorKind::InvalidTagUtf8LeadingByte
        | ErrorKind::InvalidTagUtf8TrailingByte
        | ErrorKind::InvalidTagUtf8 => Diagnostic::error(one, "YAML tags are not used in case files")
            .with_label("tag")
            .with_help("if `!` is part of the text, put the whole value in single quotes: '...'"),
        other => Diagnostic::error(one, format!("invalid YAML: {other}")).with_label("here"),
    }
}

/// A tab at `tab` in the indentation of a line.
fn tab_error(tab: usize) -> Diagnostic {
    Diagnostic::error(Span::new(tab, tab + 1), TAB_MESSAGE)
        .with_label("tab")
        .with_help("replace the tab with spaces")
}

/// `: ` inside a plain value: on one line, or on a line YAML reads as the continuation of the
/// value above.
fn colon_error(text: &str, at: usize) -> Diagnostic {
    let line = text.get(line_start(text, at)..at).unwrap_or("").trim_start();
    let inline = line.contains(": ") || line.starts_with("- ");
    let d = Diagnostic::error(char_span(text, at), "unexpected `:` in a value");
    if inline {
        d.with_label("YAML reads `: ` here as the start of another key")
            .with_help(QUOTE_HELP)
    } else {
        d.with_label("this line is read as the continuation of the value above")
            .with_help("a key must start in the same column as the other keys of its mapping")
            .with_help(QUOTE_HELP)
    }
}

/// A bad escape in double-quoted text opening at `at`, on the escape itself when it can be found.
fn escape_error(text: &str, at: usize) -> Diagnostic {
    let (span, what) = match bad_escape(text, at) {
        Some((s, len)) => (Span::new(s, s + len), text.get(s..s + len).unwrap_or("\\")),
        None => (char_span(text, at), "\\"),
    };
    Diagnostic::error(span, format!("`{what}` is not a valid escape in double-quoted text"))
        .with_label("bad escape")
        .with_help("write `\\\\` for a backslash, or use single quotes, where `\\` is an ordinary character")
}

/// Errors that a tab in the indentation of the line can cause.
fn misindented(kind: &ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::ExpectedBlockMappingKey
            | ErrorKind::ExpectedBlockSequenceEntry
            | ErrorKind::InvalidIndentation
            | ErrorKind::InvalidBlockScalarIndent
            | ErrorKind::InvalidQuotedScalarIndent
            | ErrorKind::InvalidFlowScalarIndent
            | ErrorKind::SimpleKeyExpected
            | ErrorKind::InvalidSimpleKey
            | ErrorKind::ExpectedNodeContent
            | ErrorKind::MappingValueNotAllowed
    )
}

/// A span on the char at `at` (empty at the end of the text or of a line).
fn char_span(text: &str, at: usize) -> Span {
    match text.get(at..).and_then(|s| s.chars().next()) {
        Some(c) if c != '\n' => Span::new(at, at + c.len_utf8()),
        _ => Span::point(at),
    }
}

/// A char as inline code (a backtick needs double backticks).
fn code(c: char) -> String {
    if c == '`' {
        "`` ` ``".to_string()
    } else {
        format!("`{}`", c.escape_default())
    }
}

/// The char at `at` (a space at the end of the text).
fn char_at(text: &str, at: usize) -> char {
    text.get(at..).and_then(|s| s.chars().next()).unwrap_or(' ')
}

/// The bracket that closes `open`.
fn closing(open: char) -> char {
    if open == '{' { '}' } else { ']' }
}

/// The offset of the start of the line holding `at`.
fn line_start(text: &str, at: usize) -> usize {
    text.get(..at).and_then(|s| s.rfind('\n')).map_or(0, |i| i + 1)
}

/// The first tab in the indentation of the line holding `at` or of the two lines after it.
fn indentation_tab(text: &str, at: usize) -> Option<usize> {
    let mut ls = line_start(text, at);
    for _ in 0..3 {
        let rest = text.get(ls..)?;
        let indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if let Some(i) = rest.get(..indent).and_then(|s| s.find('\t')) {
            return Some(ls + i);
        }
        ls += rest.find('\n')? + 1;
    }
    None
}

/// The first invalid escape (offset and length) in the double-quoted text opening at `quote`.
fn bad_escape(text: &str, quote: usize) -> Option<(usize, usize)> {
    let body = text.get(quote + 1..)?;
    let mut it = body.char_indices();
    while let Some((i, c)) = it.next() {
        match c {
            '"' => return None,
            '\\' => {
                let at = quote + 1 + i;
                let Some((_, n)) = it.next() else {
                    return Some((at, 1));
                };
                let digits = match n {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    '0' | 'a' | 'b' | 't' | '\t' | 'n' | 'v' | 'f' | 'r' | 'e' | ' ' | '"' | '/' | '\\' | 'N' | '_'
                    | 'L' | 'P' | '\n' | '\r' => 0,
                    _ => return Some((at, 1 + n.len_utf8())),
                };
                for k in 0..digits {
                    match it.next() {
                        Some((_, h)) if h.is_ascii_hexdigit() => {}
                        _ => return Some((at, 2 + k)),
                    }
                }
                if digits > 0 {
                    let code = text
                        .get(at + 2..at + 2 + digits)
                        .and_then(|h| u32::from_str_radix(h, 16).ok());
                    if code.is_none_or(|c| char::from_u32(c).is_none() && !(0xD800..=0xDBFF).contains(&c)) {
                        return Some((at, 2 + digits));
                    }
                }
            }
            _ => {}
        }
    }
    None
}
