//! Hostile input never panics and never hangs: random and mutated case files (a bounded number,
//! seeded by proptest) all compile to cases or to diagnostics whose spans lie inside the file.
//!
//! The per-file time bound below is a hang detector (a loop in the parser would trip it), not a
//! performance claim: throughput is measured by `cargo bench -p gatecheck-dsl`.

mod support;

use dsl::testbed::Testbed;
use proptest::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};

const HANG: Duration = Duration::from_secs(2);

const SEED_CASE: &str = r#"case: fuzz.seed
title: A seed case with most constructs
tags: [tcp, tfo]
refs: ["RFC 7413 §4.1"]
within: 500ms
vars:
  sport: "40000"
  ports: "{80, 443}"
matrix:
  hops: ["64", "1"]
flows:
  web: tcp lan:$sport -> wan:80
  dns: udp lan -> wan:53
  ping: icmp lan -> wan id=7
  v6: tcp6 lan:1 -> wan:80
steps:
  - lan: web S seq=0 win=64240 <mss 1460, sackOK, nop, wscale 7, fo>
  - wan: expect web S <mss *, sackOK, nop, wscale 7, fo $c> within 1s
  - wan: web S. seq=0 ack=1 <mss 1460, fo 8a3c21f0e1d2c3b4>
  - lan: expect web S. ack=1 has <fo $c> lacks <kind 99> within 1s after 10ms
  - lan: 'web P. data "GET / #1\n"'
  - wan: expect no tcp * -> wan:{80, 443} R within 2s
  - lan: udp lan:5000 -> wan:53 ttl=$hops data len 10
  - wan: udp wan:53 -> gw:6000 data len 3000 fragment 1480 order 3,1
  - lan: udp lan:5000 -> 198.51.100.7:53 eth.src=02:00:00:00:01:64
  - lan: udp6 lan:5000 -> [3fff:0:0:2::99]:53 flow=5
  - wan: expect udp gw:$p -> wan:53 data len 10..20
  - wan: icmp unreachable port wan -> gw inner (udp gw:$p -> wan:53)
  - lan: expect icmp unreachable port inner (udp lan:5000 -> wan:53) csum=*
  - lan: ping
  - wan: expect ping
  - wait: 1m30s
  - set: {other: "40002", gone: null}
  - note: "done: all"
  - lan: expect nothing within 2s
    severity: warn
    why: |
      Multi-line text
      here.
"#;

fn compile_bounded(text: &str) {
    let f = support::source("fuzz.yaml", text);
    let t0 = Instant::now();
    let out = support::compile_file(&f);
    let took = t0.elapsed();
    assert!(took < HANG, "compiling took {took:?}: a hang\n{text}");
    for d in &out.diagnostics {
        let (s, e) = (d.span.start as usize, d.span.end as usize);
        assert!(s <= e && e <= f.text().len(), "span {s}..{e} outside the file\n{text}");
        assert!(
            f.text().is_char_boundary(s) && f.text().is_char_boundary(e),
            "span {s}..{e} not on a char boundary: {}\n{text}",
            d.message
        );
        // Rendering must not panic either.
        let _ = d.render(&f, false);
    }
}

/// The built-in testbed with every value written out, plus the keys it leaves at their defaults.
fn seed_testbed() -> String {
    let mut t = Testbed::builtin().to_yaml();
    t.push_str("noise: [\"udp 5678\", \"tcp 7547\"]\n");
    t.replace("lan:\n", "lan:\n  interface: tlan\n")
}

/// Reads a testbed file: a testbed or diagnostics inside the file, never a panic or a hang.
fn testbed_bounded(text: &str) {
    let f = support::source("testbed.yaml", text);
    let t0 = Instant::now();
    let out = Testbed::from_source(&f);
    assert!(
        t0.elapsed() < HANG,
        "reading the testbed took {:?}: a hang\n{text}",
        t0.elapsed()
    );
    if let Err(diags) = out {
        for d in &diags {
            let (s, e) = (d.span.start as usize, d.span.end as usize);
            assert!(s <= e && e <= f.text().len(), "span {s}..{e} outside the file\n{text}");
            let _ = d.render(&f, false);
        }
    }
}

#[test]
fn the_seed_testbed_reads_back() {
    let f = support::source("testbed.yaml", seed_testbed());
    let t = Testbed::from_source(&f).map_err(|d| format!("{d:?}")).unwrap();
    assert_eq!(t.lan.interface.as_deref(), Some("tlan"));
}

/// Found by the `parse_sentence` fuzz target: a lone word after a no-break space (two bytes of
/// whitespace) used to cut a string inside a character.
#[test]
fn a_word_after_a_multibyte_space_is_a_positioned_error() {
    for sentence in [
        "udp lan:1 -> wan:2 S\u{a0}bogus",
        "dp.<n f ecct,r\u{a0}r\u{a0}]r\u{a0}]r\u{a0}]eeee,r\u{a0}r\u{a0}]r\u{a0}]r\u{a0}]e->eeeeleneeeYYYYYr\u{a0}r\u{a0}]r\u{a0}]r\u{a0}]eeee,r\u{a0}r\u{a0}]r\u{a0}]r\u{a0}]eee=",
    ] {
        compile_bounded(&format!(
            "case: a\ntitle: b\nsteps:\n  - lan: '{sentence}'\n  - wan: 'expect {sentence}'\n"
        ));
    }
}

#[test]
fn the_seed_case_compiles() {
    let f = support::source("seed.yaml", SEED_CASE);
    let out = support::compile_file(&f);
    let errs: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.render(&f, false))
        .collect();
    assert!(errs.is_empty(), "{}", errs.join("\n"));
    assert_eq!(out.cases.len(), 2);
}

const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "-",
    "#",
    " #",
    "'",
    "\"",
    "\\",
    "&a",
    "*a",
    "!",
    "!!str",
    "|",
    ">",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\t",
    "\n",
    "\n  ",
    "\n    ",
    " ",
    "<",
    ">",
    "<>",
    "->",
    "$",
    "$x",
    "$web.port",
    "*",
    "..",
    "=",
    "!=",
    "<=",
    "0x",
    "0xzz",
    "99999999999999999999999",
    "65536",
    "256",
    "-1",
    "1.5.5",
    "[3fff::1]",
    "[zz]",
    "S.",
    "Z",
    "none",
    "expect",
    "expect no",
    "nothing",
    "within",
    "after",
    "1s",
    "0s",
    "1s2m",
    "has",
    "lacks",
    "inner (",
    ")",
    "fragment 1480",
    "order 2,1",
    "data",
    "\"x\\q\"",
    "len",
    "fill",
    "fo",
    "fo-exp",
    "kind 300",
    "mss",
    "ts val",
    "sack 1:",
    "tcp",
    "udp6",
    "icmp",
    "unreachable",
    "port",
    "lan",
    "wan2",
    "gw.lan",
    "é",
    "\u{feff}",
    "\r\n",
    "steps:",
    "case:",
    "---",
    "...",
];

fn mutate(base: &str, ops: &[(usize, u8, usize)]) -> String {
    let mut s: Vec<char> = base.chars().collect();
    for &(pos, op, tok) in ops {
        let at = if s.is_empty() { 0 } else { pos % (s.len() + 1) };
        let t: Vec<char> = TOKENS[tok % TOKENS.len()].chars().collect();
        match op % 3 {
            0 => {
                s.splice(at..at, t);
            }
            1 => {
                let end = (at + 1 + tok % 7).min(s.len());
                s.drain(at.min(s.len())..end);
            }
            _ => {
                let end = (at + t.len()).min(s.len());
                s.splice(at.min(s.len())..end, t);
            }
        }
    }
    s.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_cases_never_panic(ops in prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..8)) {
        compile_bounded(&mutate(SEED_CASE, &ops));
    }

    #[test]
    fn token_soup_never_panics(toks in prop::collection::vec(0usize..TOKENS.len(), 0..60)) {
        let s: String = toks.iter().map(|i| TOKENS[*i]).collect();
        compile_bounded(&s);
        compile_bounded(&format!("case: a\ntitle: b\nsteps:\n  - lan: {}\n", s.replace('\n', " ")));
        compile_bounded(&format!("case: a\ntitle: b\nsteps:\n  - wan: expect {}\n", s.replace('\n', " ")));
    }

    #[test]
    fn mutated_testbeds_never_panic(ops in prop::collection::vec((any::<usize>(), any::<u8>(), any::<usize>()), 1..8)) {
        testbed_bounded(&mutate(&seed_testbed(), &ops));
    }

    #[test]
    fn random_bytes_as_text_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let s = String::from_utf8_lossy(&bytes);
        compile_bounded(&s);
    }
}

#[test]
fn huge_and_deep_inputs_are_errors_not_crashes() {
    compile_bounded(&"[".repeat(20_000));
    compile_bounded(&"- ".repeat(5_000));
    compile_bounded(&format!(
        "case: a\ntitle: b\nsteps:\n  - lan: udp lan:1 -> wan:2 data \"{}\"\n",
        "x".repeat(200_000)
    ));
    compile_bounded(&format!(
        "case: a\ntitle: b\nsteps:\n  - lan: udp lan:1 -> wan:2 ttl={}\n",
        "9".repeat(5_000)
    ));
    compile_bounded(&format!(
        "case: a\ntitle: b\nsteps:\n  - lan: tcp lan:1 -> wan:2 S <{}>\n",
        vec!["nop"; 5_000].join(", ")
    ));
    compile_bounded(&format!(
        "case: a\ntitle: b\nsteps:\n  - lan: {}udp lan:1 -> wan:2{}\n",
        "icmp unreachable port wan -> gw inner (".repeat(200),
        ")".repeat(200)
    ));
    let many: String = (0..20_000).map(|i| format!("  - note: n{i}\n")).collect();
    compile_bounded(&format!("case: a\ntitle: b\nsteps:\n{many}"));
}

/// Every file of the error corpus and the case library, and mutations of each, never panic.
#[test]
fn corpus_files_and_their_mutations_never_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for dir in ["tests/bad", "tests/good", "cases"] {
        collect(&root.join(dir), &mut files);
    }
    assert!(files.len() > 40);
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as usize
    };
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        compile_bounded(&text);
        for _ in 0..40 {
            let ops: Vec<(usize, u8, usize)> = (0..1 + next() % 4).map(|_| (next(), next() as u8, next())).collect();
            compile_bounded(&mutate(&text, &ops));
        }
    }
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}
