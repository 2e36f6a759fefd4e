//! Tests of the YAML layer: offset maps, every error kind, robustness.

mod errors;
mod offsets;
mod robust;

use super::{Node, NodeKind, Scalar, parse};
use crate::diag::{Diagnostic, render_all};
use crate::source::SourceFile;
use std::path::Path;

/// The example case from the language description.
const CASE: &str = r#"case: tfo.cookie_then_data
title: A TFO cookie obtained through the gateway can be used for a SYN that carries data
tags: [tfo, tcp]
refs: ["RFC 7413 §4.1", "RFC 7413 §7.1"]
flows:
  first:  tcp lan:40000 -> wan:80
  second: tcp lan:40001 -> wan:80
steps:
  # Connection 1 asks the server for a cookie.
  - lan: first S seq=0 win=64240 <mss 1460, sackOK, nop, wscale 7, fo>
  - wan: expect first S <mss *, sackOK, nop, wscale 7, fo> within 1s
  - lan: second S seq=0 <mss 1460, fo 8a3c21f0e1d2c3b4> data "GET\n"
  - wan: expect second S has <fo 8a3c21f0e1d2c3b4> data "GET\n" within 1s
    why: The gateway dropped or altered a SYN that carries data, so TCP Fast Open cannot work through it.
"#;

fn file(text: &str) -> SourceFile {
    SourceFile::new(Path::new("t.yaml"), text)
}

/// Parses text that must be valid.
fn ok(text: &str) -> (SourceFile, Node) {
    let f = file(text);
    match parse(&f) {
        Ok(n) => (f, n),
        Err(d) => panic!("unexpected errors:\n{}", render_all(&d, &f, false)),
    }
}

/// Parses text that must be invalid; returns the diagnostics with their line:col.
fn errs(text: &str) -> (SourceFile, Vec<Diagnostic>, Vec<(usize, usize)>) {
    let f = file(text);
    match parse(&f) {
        Ok(n) => panic!("expected errors, parsed {n:?}"),
        Err(d) => {
            let at = d.iter().map(|d| f.line_col(d.span.start as usize)).collect();
            (f, d, at)
        }
    }
}

/// The value node of `key` in a mapping node.
fn get<'n>(node: &'n Node, key: &str) -> &'n Node {
    let NodeKind::Map(pairs) = &node.kind else {
        panic!("not a mapping: {node:?}")
    };
    pairs
        .iter()
        .find(|(k, _)| k.as_scalar().is_some_and(|s| s.value == key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no key {key}"))
}

fn scalar(node: &Node) -> &Scalar {
    node.as_scalar().unwrap_or_else(|| panic!("not a scalar: {node:?}"))
}

#[test]
fn example_case_parses_with_exact_spans() {
    let (f, root) = ok(CASE);
    assert_eq!(root.kind_name(), "a mapping");
    let title = get(&root, "title");
    assert_eq!(f.slice(title.span), scalar(title).value);
    let tags = get(&root, "tags");
    assert_eq!(f.slice(tags.span), "[tfo, tcp]");
    assert_eq!(tags.kind_name(), "a list");
    let refs = get(&root, "refs");
    let NodeKind::Seq(items) = &refs.kind else { panic!() };
    assert_eq!(f.slice(items[0].span), "\"RFC 7413 §4.1\"");
    assert_eq!(scalar(&items[0]).value, "RFC 7413 §4.1");
    let flows = get(&root, "flows");
    assert_eq!(
        f.slice(flows.span),
        "first:  tcp lan:40000 -> wan:80\n  second: tcp lan:40001 -> wan:80"
    );
    let steps = get(&root, "steps");
    let NodeKind::Seq(steps) = &steps.kind else { panic!() };
    assert_eq!(steps.len(), 4);
    let why = scalar(get(&steps[3], "why"));
    assert!(why.value.starts_with("The gateway dropped"));
    assert!(!why.comment_after);
    assert_eq!(f.line_col(why.source_offset(0)), (14, 10));
    let lan = scalar(get(&steps[2], "lan"));
    let q = lan.value.find('"').unwrap();
    assert_eq!(f.line_col(lan.source_offset(q)), (12, 62));
}

#[test]
fn null_values_and_comment_after() {
    let (f, root) = ok("a:\nb: ~\nc: null\nd: 'null'\ne: text # cut here\nf: x#y\n");
    for k in ["a", "b", "c"] {
        assert!(scalar(get(&root, k)).is_null(), "{k}");
    }
    assert!(!scalar(get(&root, "d")).is_null());
    assert_eq!(scalar(get(&root, "a")).value, "");
    let e = scalar(get(&root, "e"));
    assert!(e.comment_after);
    assert_eq!(e.value, "text");
    assert_eq!(f.slice(get(&root, "e").span), "text");
    let fv = scalar(get(&root, "f"));
    assert!(!fv.comment_after);
    assert_eq!(fv.value, "x#y");
}

#[test]
fn crlf_and_bom_files_parse_like_lf() {
    let lf = ok(CASE);
    let crlf_text = format!("\u{feff}{}", CASE.replace('\n', "\r\n"));
    let crlf = ok(&crlf_text);
    assert_eq!(lf.1, crlf.1);
    let lan = scalar(get(&get_step(&crlf.1, 0), "lan")).clone();
    let z = lan.value.find("<mss").unwrap();
    assert_eq!(crlf.0.line_col(lan.source_offset(z)), (10, 34));
    assert!(crlf.0.text()[lan.source_offset(z)..].starts_with("<mss 1460"));
    // An error in a CRLF + BOM file is placed as in the LF file.
    let bad = "\u{feff}a: 1\r\nwhy: x: y\r\n";
    let (_, _, at) = errs(bad);
    assert_eq!(at, vec![(2, 7)]);
}

fn get_step(root: &Node, i: usize) -> Node {
    let NodeKind::Seq(steps) = &get(root, "steps").kind else {
        panic!()
    };
    steps[i].clone()
}
