//! Source files and byte spans: every position the language reports is a [`Span`] into a
//! [`SourceFile`], turned into `line:col` only when shown to a person.

use std::path::{Path, PathBuf};

/// A byte range `start..end` in the normalized text of one [`SourceFile`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    /// First byte of the range.
    pub start: u32,
    /// One past the last byte of the range.
    pub end: u32,
}

impl Span {
    /// The span `start..end`.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty span at `at` (a place, not a token).
    pub fn point(at: usize) -> Span {
        Span::new(at, at)
    }

    /// The byte range, for slicing the source text.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn join(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A case or testbed file as read from disk, normalized for parsing: a leading byte-order mark is
/// removed and CRLF line endings become LF, so that byte spans, lines and columns agree with what
/// an editor shows.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    line_starts: Vec<usize>,
}

/// Why a file could not be read as text.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file system refused.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// The bytes are not UTF-8 text.
    #[error("{path}:{line}:{col}: not UTF-8 text (invalid byte 0x{byte:02x}); case files must be UTF-8")]
    NotUtf8 {
        /// The file that is not text.
        path: PathBuf,
        /// 1-based line of the first invalid byte.
        line: usize,
        /// 1-based column of the first invalid byte.
        col: usize,
        /// The first byte that is not UTF-8.
        byte: u8,
    },
}

impl SourceFile {
    /// Reads a file from disk and normalizes it.
    pub fn read(path: &Path) -> Result<SourceFile, ReadError> {
        let bytes = std::fs::read(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SourceFile::from_bytes(path, bytes)
    }

    /// Builds a source from bytes that claim to be the file at `path`.
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<SourceFile, ReadError> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(e) => {
                let bytes = e.as_bytes();
                let at = e.utf8_error().valid_up_to();
                let before = String::from_utf8_lossy(&bytes[..at]);
                let line = before.matches('\n').count() + 1;
                let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                Err(ReadError::NotUtf8 {
                    path: path.to_path_buf(),
                    line,
                    col,
                    byte: bytes[at],
                })
            }
        }
    }

    /// Builds a source from text (BOM removed, CRLF folded to LF).
    pub fn new(path: &Path, text: impl Into<String>) -> SourceFile {
        let mut text: String = text.into();
        if let Some(rest) = text.strip_prefix('\u{feff}') {
            text = rest.to_string();
        }
        if text.contains('\r') {
            text = text.replace("\r\n", "\n");
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.to_path_buf(),
            text,
            line_starts,
        }
    }

    /// The path as given by the user (shown in every error).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The text with the BOM removed and CRLF line ends as LF: what every span points into.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// 1-based line and 1-based column (in characters) of a byte offset.
    pub fn line_col(&self, byte: usize) -> (usize, usize) {
        let byte = byte.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= byte).max(1);
        let start = self.line_starts[line - 1];
        let col = self.text.get(start..byte).map_or(byte - start, |s| s.chars().count()) + 1;
        (line, col)
    }

    /// `path:line:col` of a span's start, as printed in errors and reports.
    pub fn location(&self, span: Span) -> String {
        let (line, col) = self.line_col(span.start as usize);
        format!("{}:{line}:{col}", self.path.display())
    }

    /// The byte offset of a 1-based line and 0-based character column (for mapping parser markers).
    pub fn offset_of(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(col)
            .map_or(self.text.len().min(start + rest.len()), |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_after_bom_and_crlf() {
        let f = SourceFile::new(Path::new("x.yaml"), "\u{feff}a: 1\r\nbé: c\r\n");
        assert_eq!(f.text(), "a: 1\nbé: c\n");
        let c = f.text().find('c').unwrap();
        assert_eq!(f.line_col(c), (2, 5));
        assert_eq!(f.location(Span::point(0)), "x.yaml:1:1");
        assert_eq!(f.offset_of(2, 4), c);
    }

    #[test]
    fn non_utf8_names_the_place() {
        let err = SourceFile::from_bytes(Path::new("b.yaml"), b"case: a\nx: \xff\n".to_vec());
        let msg = err.unwrap_err().to_string();
        assert!(msg.starts_with("b.yaml:2:4: not UTF-8"), "{msg}");
    }
}
