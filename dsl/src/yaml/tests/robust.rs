//! Hostile input: random mutations, deep nesting, big files. Nothing may panic, and every span
//! must be a valid place in the text.

use super::{CASE, errs, file};
use crate::diag::render_all;
use crate::source::{SourceFile, Span};
use crate::yaml::{Node, NodeKind, parse};

/// A deterministic xorshift64 generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A valid case file of about 30 lines using every scalar style.
fn thirty_lines() -> String {
    let mut s = String::from(CASE);
    s.push_str(concat!(
        "  - lan: 'quoted ''text'' here'\n",
        "    why: \"escapes \\t \\x41 \\u00e9\n",
        "      folded\"\n",
        "  - wan: |\n",
        "      literal line\n",
        "        more\n",
        "    why: >-\n",
        "      folded block\n",
        "      text\n",
        "  - lan: plain\n",
        "      continued é\n",
        "vars: {a: 1, b: [x, y]}\n",
        "matrix:\n",
        "  - {mss: 1460}\n",
        "  - {mss: 536}  # small\n",
    ));
    s
}

fn assert_span(text: &str, span: Span, what: &str) {
    let (a, b) = (span.start as usize, span.end as usize);
    assert!(
        a <= b && b <= text.len(),
        "{what}: span {a}..{b} outside text of {}",
        text.len()
    );
    assert!(
        text.is_char_boundary(a) && text.is_char_boundary(b),
        "{what}: span {a}..{b} splits a char"
    );
}

/// Checks every node's span and every scalar's offset map, without recursion.
fn check_tree(f: &SourceFile, root: &Node) {
    let text = f.text();
    let mut todo = vec![root];
    while let Some(n) = todo.pop() {
        assert_span(text, n.span, "node");
        match &n.kind {
            NodeKind::Scalar(s) => {
                for (i, c) in s.value.char_indices() {
                    let src = &text[s.source_offset(i)..];
                    let fine = src.starts_with(c) || src.starts_with(['\\', '\n', '\'', '\r']);
                    assert!(
                        fine,
                        "{c:?} at {i} of {:?} maps to {:?}",
                        s.value,
                        &src[..src.len().min(20)]
                    );
                }
                for k in 0..=s.value.len() + 1 {
                    let at = s.source_offset(k);
                    assert!(at <= text.len() && text.is_char_boundary(at), "offset {k} -> {at}");
                    assert_span(text, s.span_of(k..s.value.len()), "span_of");
                    assert_span(text, s.span_of(0..k), "span_of");
                }
            }
            NodeKind::Seq(items) => todo.extend(items),
            NodeKind::Map(pairs) => todo.extend(pairs.iter().flat_map(|(k, v)| [k, v])),
        }
    }
}

#[test]
fn the_base_file_is_valid() {
    let f = file(&thirty_lines());
    let root = parse(&f).unwrap_or_else(|d| panic!("{}", render_all(&d, &f, false)));
    check_tree(&f, &root);
}

#[test]
fn random_mutations_never_panic_and_give_valid_spans() {
    const CHARS: &[&str] = &[
        ":", "-", "#", "'", "\"", "&", "*", "!", "|", ">", "{", "}", "[", "]", ",", "\t", "\n", " ", "é", "\\", "%",
        "?", "\r\n",
    ];
    let base = thirty_lines();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..2000 {
        let mut text = base.clone();
        for _ in 0..1 + rng.below(4) {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let piece = CHARS[rng.below(CHARS.len())];
            match rng.below(3) {
                0 => text.insert_str(at, piece),
                1 => {
                    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                    text.replace_range(at..end, "");
                }
                _ => {
                    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                    text.replace_range(at..end, piece);
                }
            }
        }
        let f = file(&text);
        match parse(&f) {
            Ok(root) => {
                ok += 1;
                check_tree(&f, &root);
            }
            Err(diags) => {
                failed += 1;
                assert!(!diags.is_empty());
                for d in &diags {
                    assert_span(f.text(), d.span, &d.message);
                }
                let _ = render_all(&diags, &f, false);
            }
        }
    }
    assert!(ok > 100 && failed > 100, "ok {ok}, failed {failed}");
}

#[test]
fn ten_thousand_nested_lists_give_an_error() {
    let text = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (_, d, at) = errs(&text);
    assert_eq!(at[0], (1, 67));
    assert_eq!(d.len(), 1);
    let unclosed = "[".repeat(10_000);
    let (_, d, _) = errs(&unclosed);
    assert!(d[0].message.contains("nested more than 64"));
    let blocks = "- ".repeat(10_000);
    let (_, d, _) = errs(&blocks);
    assert!(d[0].message.contains("nested more than 64"));
    let maps = "{a: ".repeat(10_000);
    let (_, d, _) = errs(&maps);
    assert!(d[0].message.contains("nested more than 64"));
}

#[test]
fn a_two_megabyte_file_parses_quickly() {
    let mut text = String::from("case: big\ntitle: A big file\nsteps:\n");
    let mut i = 0;
    while text.len() < 2 << 20 {
        text.push_str(&format!(
            "  - lan: first S seq={i} win=64240 <mss 1460, sackOK, nop, wscale 7, fo>\n    why: \"step {i}\\t\
             escaped\"\n    more: |\n      literal {i}\n      text\n"
        ));
        i += 1;
    }
    let f = file(&text);
    let t = std::time::Instant::now();
    let root = parse(&f).expect("valid");
    eprintln!("parsed {} bytes ({i} steps) in {:?}", text.len(), t.elapsed());
    let NodeKind::Seq(steps) = &super::get(&root, "steps").kind else {
        panic!()
    };
    assert_eq!(steps.len(), i);
}
