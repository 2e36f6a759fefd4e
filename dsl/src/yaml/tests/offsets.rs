//! Value offsets map to file offsets, for every scalar style.

use super::{file, get, ok, scalar};
use crate::source::SourceFile;
use crate::yaml::{Node, Scalar, ScalarStyle};

/// Checks the offset map of a scalar node:
/// - every value char maps inside the node's span, in non-decreasing order;
/// - a char maps to the same char in the file, unless YAML produced it, in which case it maps to
///   the escape's backslash, a folded line break, or the `''` that stands for it;
/// - exactly `synthetic` chars are of the second kind.
///
/// Returns the value.
fn check_map(f: &SourceFile, node: &Node, synthetic: usize) -> String {
    let s = scalar(node);
    let text = f.text();
    let mut last = 0;
    let mut produced = Vec::new();
    for (i, c) in s.value.char_indices() {
        let at = s.source_offset(i);
        // (A block scalar's final line feed is the line break just after the node.)
        let end = node.span.end as usize + usize::from(c == '\n');
        assert!(
            at >= node.span.start as usize && at < end,
            "{c:?} at {i} maps outside the node"
        );
        assert!(at >= last, "{c:?} at {i} maps backwards");
        last = at;
        let src = &text[at..];
        if !src.starts_with(c) {
            let ok = src.starts_with('\\') || src.starts_with('\n') || src.starts_with('\'');
            assert!(ok, "{c:?} at value byte {i} maps to {:?}", &src[..src.len().min(10)]);
            produced.push(c);
        }
    }
    assert_eq!(produced.len(), synthetic, "chars produced by YAML: {produced:?}");
    let end = s.source_offset(s.value.len());
    assert!(end >= last && end <= node.span.end as usize + 1);
    s.value.clone()
}

/// The editor's line:col of the first `Z` in the value.
fn z_at(f: &SourceFile, s: &Scalar) -> (usize, usize) {
    f.line_col(s.source_offset(s.value.find('Z').expect("a Z in the value")))
}

#[test]
fn plain_one_line() {
    let (f, root) = ok("steps:\n  - lan: first S seq=0 Zmss <mss 1460>\n");
    let steps = get(&root, "steps");
    let super::NodeKind::Seq(items) = &steps.kind else {
        panic!()
    };
    let lan = get(&items[0], "lan");
    let v = check_map(&f, lan, 0);
    assert_eq!(v, "first S seq=0 Zmss <mss 1460>");
    assert_eq!(z_at(&f, scalar(lan)), (2, 24));
    let s = scalar(lan);
    let r = v.find("<mss").unwrap();
    assert_eq!(f.slice(s.span_of(r..r + 4)), "<mss");
    assert_eq!(f.slice(s.span_of(0..v.len())), v);
    assert_eq!(s.source_offset(v.len()), lan.span.end as usize);
    // Offsets past the end never panic and stay at the end.
    assert_eq!(s.source_offset(v.len() + 100), lan.span.end as usize);
    let reversed = std::ops::Range { start: 5, end: 2 };
    assert_eq!(s.span_of(reversed), crate::source::Span::point(s.source_offset(5)));
}

#[test]
fn plain_multi_line() {
    let text = "title: A TFO cookie obtained\n  through the gateway Z can\n\n  be used   \nnext: 1\n";
    let (f, root) = ok(text);
    let title = get(&root, "title");
    assert_eq!(scalar(title).style, ScalarStyle::Plain);
    let v = check_map(&f, title, 1);
    assert_eq!(v, "A TFO cookie obtained through the gateway Z can\nbe used");
    assert_eq!(z_at(&f, scalar(title)), (2, 23));
    let s = scalar(title);
    let b = v.find("be used").unwrap();
    assert_eq!(f.line_col(s.source_offset(b)), (4, 3));
    assert_eq!(f.slice(s.span_of(b..v.len())), "be used");
    // The folded space maps to the line break it replaces.
    let sp = v.find(" through").unwrap();
    assert_eq!(f.line_col(s.source_offset(sp)), (1, 29));
    assert_eq!(
        f.slice(title.span),
        "A TFO cookie obtained\n  through the gateway Z can\n\n  be used"
    );
}

#[test]
fn single_quoted_with_doubled_quote_and_folding() {
    let text = "why: 'it''s a\n    multi line Z  \n\n    text'\n";
    let (f, root) = ok(text);
    let why = get(&root, "why");
    assert_eq!(scalar(why).style, ScalarStyle::SingleQuoted);
    let v = check_map(&f, why, 1);
    assert_eq!(v, "it's a multi line Z\ntext");
    assert_eq!(z_at(&f, scalar(why)), (2, 16));
    let s = scalar(why);
    assert_eq!(f.slice(s.span_of(2..3)), "''");
    assert_eq!(f.slice(s.span_of(0..4)), "it''s");
    assert_eq!(f.line_col(s.source_offset(v.find("text").unwrap())), (4, 5));
    assert_eq!(s.source_offset(v.len()), text.rfind('\'').unwrap());
    assert_eq!(f.slice(why.span), &text[5..text.len() - 1]);
}

#[test]
fn double_quoted_with_escapes_and_folding() {
    let text =
        "d: \"tab\\there \\\"q\\\" \\x41\\u00e9\\U0001F600 \\\\ end\n    next Z \\\n    joined\n\n    para\\n\"\n";
    let (f, root) = ok(text);
    let d = get(&root, "d");
    assert_eq!(scalar(d).style, ScalarStyle::DoubleQuoted);
    let v = check_map(&f, d, 8);
    assert_eq!(v, "tab\there \"q\" Aé😀 \\ end next Z joined\npara\n");
    assert_eq!(z_at(&f, scalar(d)), (2, 10));
    let s = scalar(d);
    // Each escape maps to its backslash; a span over it covers the whole escape.
    let e = v.find('é').unwrap();
    assert_eq!(f.slice(s.span_of(e..e + 'é'.len_utf8())), "\\u00e9");
    let q = v.find('"').unwrap();
    assert_eq!(f.slice(s.span_of(q..q + 3)), "\\\"q\\\"");
    let smile = v.find('😀').unwrap();
    assert_eq!(f.slice(s.span_of(smile..smile + 4)), "\\U0001F600");
    assert_eq!(f.line_col(s.source_offset(v.find("joined").unwrap())), (3, 5));
    assert_eq!(f.line_col(s.source_offset(v.find("para").unwrap())), (5, 5));
    assert_eq!(f.slice(s.span_of(v.len() - 1..v.len())), "\\n");
    assert_eq!(f.slice(d.span), &text[3..text.len() - 1]);
}

#[test]
fn double_quoted_surrogate_pair_and_unicode_text() {
    let (f, root) = ok("d: \"é \\uD83D\\uDE00 Zü\"\n");
    let d = get(&root, "d");
    let v = check_map(&f, d, 1);
    assert_eq!(v, "é 😀 Zü");
    let s = scalar(d);
    let p = v.find('😀').unwrap();
    assert_eq!(f.slice(s.span_of(p..p + 4)), "\\uD83D\\uDE00");
    assert_eq!(z_at(&f, s), (1, 20));
}

#[test]
fn literal_block() {
    let text = "steps:\n  - why: |\n      line one\n        indented Z\n\n      last\n    lan: x\n";
    let (f, root) = ok(text);
    let super::NodeKind::Seq(items) = &get(&root, "steps").kind else {
        panic!()
    };
    let why = get(&items[0], "why");
    assert_eq!(scalar(why).style, ScalarStyle::Literal);
    let v = check_map(&f, why, 0);
    assert_eq!(v, "line one\n  indented Z\n\nlast\n");
    assert_eq!(z_at(&f, scalar(why)), (4, 18));
    assert_eq!(f.slice(why.span), "|\n      line one\n        indented Z\n\n      last");
    let s = scalar(why);
    assert_eq!(f.line_col(s.source_offset(v.find("last").unwrap())), (6, 7));
}

#[test]
fn literal_block_with_indentation_indicator_and_leading_empty_lines() {
    let text = "why: |2 # comment | here\n\n     four Z\n   two\nnext: 1\n";
    let (f, root) = ok(text);
    let why = get(&root, "why");
    let v = check_map(&f, why, 0);
    assert_eq!(v, "\n   four Z\n two\n");
    assert_eq!(z_at(&f, scalar(why)), (3, 11));
    assert!(f.slice(why.span).starts_with("|2 # comment"));
}

#[test]
fn folded_block() {
    let text = "x: >-\n  folded Z\n  line\n\n  para\n    more\n  end\ny: 1\n";
    let (f, root) = ok(text);
    let x = get(&root, "x");
    assert_eq!(scalar(x).style, ScalarStyle::Folded);
    let v = check_map(&f, x, 1);
    assert_eq!(v, "folded Z line\npara\n  more\nend");
    assert_eq!(z_at(&f, scalar(x)), (2, 10));
    let s = scalar(x);
    assert_eq!(f.line_col(s.source_offset(v.find("line").unwrap())), (3, 3));
    assert_eq!(f.line_col(s.source_offset(v.find("para").unwrap())), (5, 3));
    assert_eq!(f.line_col(s.source_offset(v.find("more").unwrap())), (6, 5));
    assert_eq!(f.line_col(s.source_offset(v.find("end").unwrap())), (7, 3));
    assert_eq!(f.slice(x.span), &text[3..text.find("\ny:").unwrap()]);
}

#[test]
fn empty_block_scalars() {
    let (f, root) = ok("a: |\nb: >-\n\nc: 1\n");
    assert_eq!(f.slice(get(&root, "a").span), "|");
    assert_eq!(f.slice(get(&root, "b").span), ">-");
    assert_eq!(scalar(get(&root, "a")).value, "");
    let (f, root) = ok("a: >\n");
    assert_eq!(f.slice(get(&root, "a").span), ">");
}

#[test]
fn flow_collection_scalars() {
    let (f, root) = ok("tags: [tfo, 'a b', \"c\\td\", long\n   Z value]\n");
    let super::NodeKind::Seq(items) = &get(&root, "tags").kind else {
        panic!()
    };
    assert_eq!(check_map(&f, &items[1], 0), "a b");
    assert_eq!(check_map(&f, &items[2], 1), "c\td");
    assert_eq!(check_map(&f, &items[3], 1), "long Z value");
    assert_eq!(z_at(&f, scalar(&items[3])), (2, 4));
}

#[test]
fn span_of_never_panics_on_odd_ranges() {
    let f = file("a: \"é\\x41\"\n");
    let root = crate::yaml::parse(&f).unwrap();
    let s = scalar(get(&root, "a"));
    for a in 0..8 {
        for b in 0..8 {
            let sp = s.span_of(a..b);
            assert!(sp.start <= sp.end && sp.end as usize <= f.text().len());
            assert!(f.text().is_char_boundary(sp.start as usize) && f.text().is_char_boundary(sp.end as usize));
        }
    }
}
