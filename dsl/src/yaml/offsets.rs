//! The map from byte offsets in a scalar's value to byte offsets in the file text.
//!
//! YAML changes text on its way into a value: quotes are removed, `''` becomes `'`, escapes are
//! decoded, line breaks are folded and indentation is stripped. A later parser that finds an error
//! at byte `k` of a value must still point at the right place in the file, so every scalar keeps a
//! list of segments built by walking its source text alongside its value. Walking never fails:
//! where the source and the value disagree, the rest of the value maps to the last known place.

use super::ScalarStyle;

/// One stretch of the value and the source text that produced it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    /// First value byte of the stretch.
    value: u32,
    /// First source byte.
    start: u32,
    /// One past the last source byte.
    end: u32,
    /// Whether value and source agree byte for byte (copied text); otherwise every value byte
    /// of the stretch maps to `start` (an escape, a folded line break, `''`).
    linear: bool,
}

/// Byte offsets in a value mapped to byte offsets in the file, as a sorted list of segments.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct OffsetMap {
    segments: Vec<Segment>,
    /// Where an empty value (or one the walk could not follow at all) is in the file.
    anchor: u32,
}

impl OffsetMap {
    /// A map that sends every value offset to one place (aliases, empty values).
    pub(crate) fn at(offset: usize) -> OffsetMap {
        OffsetMap {
            segments: Vec::new(),
            anchor: to_u32(offset),
        }
    }

    /// The segment holding value byte `k` (the last one starting at or before it).
    fn segment(&self, k: usize) -> Option<&Segment> {
        let i = self.segments.partition_point(|s| s.value as usize <= k);
        self.segments.get(i.checked_sub(1)?)
    }

    /// The value byte where the segment after `seg` starts, or `value_len` for the last.
    fn segment_value_end(&self, seg: &Segment, value_len: usize) -> usize {
        let i = self.segments.partition_point(|s| s.value <= seg.value);
        self.segments.get(i).map_or(value_len, |s| s.value as usize)
    }

    /// The file offset of value byte `k`; `value_len` (or more) maps just after the last char.
    pub(crate) fn source_offset(&self, k: usize, value_len: usize) -> usize {
        let Some(seg) = self.segment(k) else {
            return self.anchor as usize;
        };
        if k >= value_len {
            return self.end_of_last();
        }
        if seg.linear {
            let off = seg.start as usize + (k - seg.value as usize);
            off.min(seg.end as usize)
        } else {
            seg.start as usize
        }
    }

    /// The file offset just after the source of value bytes ending at `k` (exclusive end).
    pub(crate) fn source_end(&self, k: usize, value_len: usize) -> usize {
        if k == 0 {
            return self.source_offset(0, value_len);
        }
        let last = k.min(value_len).saturating_sub(1);
        let Some(seg) = self.segment(last) else {
            return self.anchor as usize;
        };
        if k >= value_len {
            return self.end_of_last();
        }
        if seg.linear {
            (seg.start as usize + (k - seg.value as usize)).min(seg.end as usize)
        } else if self.segment_value_end(seg, value_len) <= k {
            seg.end as usize
        } else {
            seg.start as usize
        }
    }

    fn end_of_last(&self) -> usize {
        self.segments.last().map_or(self.anchor as usize, |s| s.end as usize)
    }

    /// Appends value bytes `value..value + len` produced by source `start..end`.
    fn push(&mut self, value: usize, start: usize, end: usize, linear: bool) {
        let (value, start, end) = (to_u32(value), to_u32(start), to_u32(end));
        if let Some(last) = self
            .segments
            .last_mut()
            .filter(|last| linear && last.linear && last.end == start && last.value + (last.end - last.start) == value)
        {
            last.end = end;
            return;
        }
        self.segments.push(Segment {
            value,
            start,
            end,
            linear,
        });
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Builds the map of a flow scalar (plain, single- or double-quoted) whose source text, without
/// quotes, is `text[start..end]`.
pub(crate) fn flow(text: &str, start: usize, end: usize, value: &str, style: ScalarStyle) -> OffsetMap {
    let mut w = Walker::new(text, start, end, value);
    w.walk_flow(style);
    w.finish()
}

/// Builds the map of a block scalar (`|` or `>`) whose content lines start at `start` with
/// `indent` columns of indentation and end by `end`.
pub(crate) fn block(text: &str, start: usize, end: usize, indent: usize, value: &str) -> OffsetMap {
    let mut w = Walker::new(text, start, end, value);
    w.walk_block(indent);
    w.finish()
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_break(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// Walks source and value side by side.
struct Walker<'a> {
    text: &'a str,
    value: &'a str,
    /// Current source byte.
    p: usize,
    /// Source bound.
    end: usize,
    /// Current value byte.
    v: usize,
    map: OffsetMap,
}

impl<'a> Walker<'a> {
    fn new(text: &'a str, start: usize, end: usize, value: &'a str) -> Walker<'a> {
        let end = end.min(text.len());
        let start = start.min(end);
        Walker {
            text,
            value,
            p: start,
            end,
            v: 0,
            map: OffsetMap::at(start),
        }
    }

    fn src(&self, at: usize) -> Option<char> {
        if at >= self.end {
            return None;
        }
        self.text.get(at..self.end)?.chars().next()
    }

    fn val(&self) -> Option<char> {
        self.value.get(self.v..)?.chars().next()
    }

    /// Value char `c` comes from source `p..p + len` (point mapping).
    fn point(&mut self, c: char, len: usize) {
        let mut end = (self.p + len).min(self.end);
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        self.map.push(self.v, self.p, end, false);
        self.v += c.len_utf8();
        self.p = end;
    }

    /// Value char `c` is the same char in the source at `p`.
    fn copy(&mut self, c: char) {
        let n = c.len_utf8();
        self.map.push(self.v, self.p, self.p + n, true);
        self.v += n;
        self.p += n;
    }

    fn finish(mut self) -> OffsetMap {
        if self.v < self.value.len() {
            // The walk lost track: the rest of the value maps to where it stopped.
            let at = self.p.min(self.end);
            self.map.push(self.v, at, at, false);
        }
        self.map
    }

    fn walk_flow(&mut self, style: ScalarStyle) {
        let mut escaped_break = false;
        while let Some(c) = self.val() {
            let Some(s) = self.src(self.p) else { return };
            let after_escaped_break = std::mem::take(&mut escaped_break);
            if style == ScalarStyle::DoubleQuoted && s == '\\' {
                escaped_break = self.escape(c);
            } else if style == ScalarStyle::SingleQuoted && s == '\'' {
                if c != '\'' {
                    return;
                }
                let len = if self.src(self.p + 1) == Some('\'') { 2 } else { 1 };
                self.point(c, len);
            } else if (is_blank(s) && self.blanks_then_break()) || is_break(s) {
                if !self.fold(after_escaped_break) {
                    return;
                }
            } else if s == c {
                self.copy(c);
            } else {
                return;
            }
        }
    }

    /// Whether the blanks at `p` run into a line break (so YAML trims them).
    fn blanks_then_break(&self) -> bool {
        let mut q = self.p;
        while let Some(c) = self.src(q).filter(|c| is_blank(*c)) {
            q += c.len_utf8();
        }
        self.src(q).is_some_and(is_break)
    }

    /// A `\` escape at `p` that produced value char `c`; true if it was an escaped line break
    /// (which produces nothing).
    fn escape(&mut self, c: char) -> bool {
        let next = self.src(self.p + 1);
        if next.is_some_and(is_break) {
            // An escaped line break: the break and the next line's indentation vanish.
            self.p += 2;
            while let Some(b) = self.src(self.p).filter(|b| is_blank(*b)) {
                self.p += b.len_utf8();
            }
            return true;
        }
        let hex = match next {
            Some('x') => 2,
            Some('u') => 4,
            Some('U') => 8,
            _ => 0,
        };
        let mut len = 2 + hex;
        if hex == 4 && c as u32 > 0xFFFF {
            len += 6; // a surrogate pair: `\uD83D\uDE00`
        }
        let width = next.map_or(1, char::len_utf8);
        if hex == 0 {
            len = 1 + width;
        }
        self.point(c, len);
        false
    }

    /// Blanks and line breaks at `p`, folded into a space or into line feeds: `n` breaks give
    /// `n - 1` line feeds, or `n` right after an escaped line break.
    fn fold(&mut self, after_escaped_break: bool) -> bool {
        let mut breaks = Vec::new();
        let mut q = self.p;
        while let Some(c) = self.src(q).filter(|c| is_blank(*c) || is_break(*c)) {
            if is_break(c) {
                breaks.push(q);
            }
            q += c.len_utf8();
        }
        let Some(&first) = breaks.first() else {
            return false;
        };
        match self.val() {
            Some(' ') => {
                self.p = first;
                self.point(' ', 1);
            }
            Some('\n') => {
                let limit = breaks.len() - usize::from(!after_escaped_break);
                let skip = usize::from(!after_escaped_break);
                let mut j = 0;
                while self.val() == Some('\n') && j < limit {
                    let at = breaks.get(j + skip).copied().unwrap_or(first);
                    self.p = at;
                    self.point('\n', 1);
                    j += 1;
                }
            }
            _ => {}
        }
        self.p = q;
        true
    }

    fn walk_block(&mut self, indent: usize) {
        let mut line_start = true;
        while let Some(c) = self.val() {
            if line_start {
                let mut k = 0;
                while k < indent && self.src(self.p) == Some(' ') {
                    self.p += 1;
                    k += 1;
                }
                line_start = false;
            }
            let Some(s) = self.src(self.p) else { return };
            if is_break(s) {
                if c == '\n' && s == '\n' {
                    self.copy(c);
                } else if c == '\n' || c == ' ' {
                    self.point(c, 1);
                } else {
                    // A break that folding dropped (before an empty line).
                    self.p += 1;
                }
                line_start = true;
            } else if s == c {
                self.copy(c);
            } else {
                return;
            }
        }
    }
}
