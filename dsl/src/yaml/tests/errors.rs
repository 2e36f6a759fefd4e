//! Every YAML-level error, with its position, and several in one file.

use super::{errs, file, ok};
use crate::diag::render_all;

#[test]
fn colon_in_plain_value_suggests_quotes() {
    let (f, d, at) = errs("case: a\nsteps:\n  - wan: expect x\n    why: The gateway: dropped it\n");
    assert_eq!(at, vec![(4, 21)]);
    assert_eq!(f.slice(d[0].span), ":");
    assert!(
        d[0].notes
            .iter()
            .any(|n| n.contains("put the whole sentence in single quotes")),
        "{:?}",
        d[0]
    );
    insta::assert_snapshot!(render_all(&d, &f, false), @r"
    error: unexpected `:` in a value
     --> t.yaml:4:21
      |
    4 |     why: The gateway: dropped it
      |                     ^ YAML reads `: ` here as the start of another key
      |
      = help: a plain YAML value cannot contain `: `; put the whole sentence in single quotes: '...'
    ");
}

#[test]
fn colon_on_a_misindented_line() {
    let (_, d, at) = errs("a: b\n c: d\n");
    assert_eq!(at, vec![(2, 3)]);
    assert!(d[0].notes.iter().any(|n| n.contains("same column")));
}

#[test]
fn tab_indentation() {
    for (text, pos) in [
        ("a:\n\tb: c\n", (2, 1)),
        ("a: b\n\tc: d\n", (2, 1)),
        ("a:\n  b: c\n \tx: d\n", (3, 2)),
        ("a:\n  - b\n\t- c\n", (3, 1)),
        ("a: |\n  x\n\ty\n", (3, 1)),
        ("a:\n  b: 1\n\tc: 2\n", (3, 1)),
    ] {
        let (f, d, at) = errs(text);
        assert_eq!(at, vec![pos], "{text:?}");
        assert_eq!(d[0].message, "tab used for indentation; YAML indents with spaces");
        assert_eq!(f.slice(d[0].span), "\t");
    }
}

#[test]
fn other_syntax_errors_are_placed_and_said_plainly() {
    for (text, pos, msg) in [
        ("a: [b, c\n", (1, 4), "this `[` is never closed"),
        ("a: [b, c}\n", (1, 4), "`[` is closed by `}`"),
        ("a: \"abc\n", (1, 4), "this quoted text is never closed"),
        ("a: 'abc\n", (1, 4), "this quoted text is never closed"),
        (
            "a: \"x \\q\"\n",
            (1, 7),
            "`\\q` is not a valid escape in double-quoted text",
        ),
        (
            "a: \"\\xZZ\"\n",
            (1, 5),
            "`\\x` is not a valid escape in double-quoted text",
        ),
        ("a: b\nc\n", (2, 1), "expected `key: value`"),
        ("a: `b`\n", (1, 4), "a plain YAML value cannot start with `` ` ``"),
        ("a: @b\n", (1, 4), "a plain YAML value cannot start with `@`"),
        ("a: - b\n", (1, 4), "a `- ` list cannot start here"),
        ("a:\n  b: 1\n c: 2\n", (3, 2), "expected a `key: value` line"),
        ("a: |\n  x\n y\n", (3, 2), "expected a `key: value` line"),
        ("a: 'x' y\n", (1, 8), "unexpected text after the closing quote"),
    ] {
        let (f, d, at) = errs(text);
        assert_eq!(d.len(), 1, "{text:?}: {}", render_all(&d, &f, false));
        assert_eq!((at[0], d[0].message.as_str()), (pos, msg), "{text:?}");
    }
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let (f, d, at) = errs("base: &b {x: 1}\nc:\n  <<: *b\nd: *nowhere\n");
    let msgs: Vec<_> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(at, vec![(1, 7), (3, 3), (3, 7), (4, 4)]);
    assert_eq!(
        msgs,
        vec![
            "YAML anchors and aliases are not allowed in case files",
            "merge keys (`<<`) are not allowed",
            "YAML anchors and aliases are not allowed in case files",
            "YAML anchors and aliases are not allowed in case files",
        ]
    );
    assert_eq!(f.slice(d[0].span), "&b");
    assert_eq!(f.slice(d[2].span), "*b");
    assert_eq!(f.slice(d[3].span), "*nowhere");
}

#[test]
fn anchor_and_alias_marks_without_names() {
    let (_, d, at) = errs("a: *\n");
    assert_eq!(at, vec![(1, 4)]);
    assert!(d[0].notes.iter().any(|n| n.contains("single quotes")));
}

#[test]
fn tags() {
    let (f, d, at) = errs("a: !foo x\nb: !!str y\nc: !!map\n  d: 1\n");
    assert_eq!(at, vec![(1, 4), (2, 4), (3, 4)]);
    assert!(d.iter().all(|d| d.message == "YAML tags are not used in case files"));
    assert_eq!(f.slice(d[0].span), "!foo");
    assert_eq!(f.slice(d[1].span), "!!str");
    assert_eq!(f.slice(d[2].span), "!!map");
}

#[test]
fn duplicate_keys() {
    let (f, d, at) = errs("case: a\ntitle: t\nsteps:\n  - lan: x\n    lan: y\ncase: b\n'title': u\n");
    assert_eq!(at, vec![(5, 5), (6, 1), (7, 1)]);
    assert_eq!(d[0].message, "duplicate key `lan`");
    assert_eq!(d[0].notes, vec!["note: `lan` is first given at 4:5".to_string()]);
    assert_eq!(d[1].message, "duplicate key `case`");
    assert_eq!(d[1].notes, vec!["note: `case` is first given at 1:1".to_string()]);
    assert_eq!(f.slice(d[2].span), "'title'");
    // The same key in different mappings is fine.
    ok("a: {x: 1}\nb: {x: 2}\n");
}

#[test]
fn second_document() {
    let (f, d, at) = errs("case: a\n---\ncase: b\n");
    assert_eq!(at, vec![(2, 1)]);
    assert_eq!(d[0].message, "one case per file: a second YAML document starts here");
    assert_eq!(f.slice(d[0].span), "---");
    let (_, _, at) = errs("a: 1\n...\nb: 2\n");
    assert_eq!(at, vec![(3, 1)]);
    // One explicit document is fine.
    ok("---\ncase: a\n...\n");
}

#[test]
fn empty_files() {
    for text in [
        "",
        "\n\n",
        "# only a comment\n\n   \n# another\n",
        "---\n",
        "\u{feff}",
        "\r\n",
    ] {
        let (_, d, _) = errs(text);
        assert_eq!(d.len(), 1, "{text:?}");
        assert_eq!(d[0].span, crate::source::Span::point(0));
        assert_eq!(
            d[0].message,
            "the file is empty: expected a mapping with `case:`, `title:` and `steps:`"
        );
    }
}

#[test]
fn non_scalar_keys() {
    let (f, d, at) = errs("? [a]\n: b\n{c: d}: e\n? - x\n: y\n");
    assert_eq!(at, vec![(1, 3), (3, 1), (4, 3)]);
    assert!(d.iter().all(|d| d.message == "a key must be a plain word"));
    assert_eq!(f.slice(d[0].span), "[a]");
    assert_eq!(f.slice(d[1].span), "{c: d}");
}

#[test]
fn nesting_deeper_than_64() {
    let ok_text = format!("{}{}", "[".repeat(64), "]".repeat(64));
    ok(&ok_text);
    let text = format!("{}{}\n", "[".repeat(65), "]".repeat(65));
    let (_, d, at) = errs(&text);
    assert_eq!(at[0], (1, 65));
    assert!(d[0].message.contains("nested more than 64 levels"), "{}", d[0].message);
    // Block nesting counts too.
    let mut block = String::new();
    for i in 0..70 {
        block.push_str(&format!("{}k{i}:\n", "  ".repeat(i)));
    }
    block.push_str(&format!("{}end: 1\n", "  ".repeat(70)));
    let (_, d, at) = errs(&block);
    assert_eq!(d.len(), 1);
    assert_eq!(at[0], (65, 129));
}

#[test]
fn all_errors_of_a_file_are_reported_in_order() {
    let text = "case: &c a\ntitle: !t x\ntags: [a, *c]\ncase: again\nsteps:\n  - {lan: x, lan: y}\n  - [k]: v\n";
    let (f, d, at) = errs(text);
    assert_eq!(
        at,
        vec![(1, 7), (2, 8), (3, 11), (4, 1), (6, 14), (7, 5)],
        "{}",
        render_all(&d, &f, false)
    );
}

#[test]
fn errors_before_a_syntax_error_are_kept() {
    let (_, d, at) = errs("a: !t x\na: 2\nb: [1\n");
    assert_eq!(at, vec![(1, 4), (2, 1), (3, 4)]);
    assert_eq!(d[2].message, "this `[` is never closed");
}

#[test]
fn rendering_a_diagnostic_does_not_panic_at_the_end_of_the_file() {
    let f = file("a: \"abc");
    let d = crate::yaml::parse(&f).unwrap_err();
    assert!(render_all(&d, &f, false).contains("t.yaml:1:4"));
}
