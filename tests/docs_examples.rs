//! Every example of `docs/language.md` is checked with the real binary:
//!
//! - a ```` ```yaml ```` block is a complete case file: `gatecheck check FILE` exits 0;
//! - a ```` ```yaml bad ```` block is an example of an error: `gatecheck check FILE` exits 2 with a
//!   positioned message;
//! - a ```` ```yaml testbed ```` block is a testbed file:
//!   `gatecheck check --testbed FILE cases/tfo/cookie_then_data.yaml` exits 0.
//!
//! Other fences (`text`, `sh`) are not checked. The reference must keep at least 15 examples.

mod common;
use common::*;

/// How a fenced block is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Case,
    Bad,
    Testbed,
}

/// A fenced YAML block: its kind, the line of its opening fence (1-based) and its text.
struct Example {
    kind: Kind,
    line: usize,
    text: String,
}

/// Extracts every ```yaml block; an unknown word after `yaml` is an error (a typo would
/// otherwise silently exempt a block from checking).
fn examples(doc: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<(Option<Kind>, usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        let trimmed = line.trim_end();
        match current.as_mut() {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let mut words = info.split_whitespace();
                    let kind = match (words.next(), words.next(), words.next()) {
                        (Some("yaml"), None, None) => Some(Kind::Case),
                        (Some("yaml"), Some("bad"), None) => Some(Kind::Bad),
                        (Some("yaml"), Some("testbed"), None) => Some(Kind::Testbed),
                        (Some("yaml"), _, _) => panic!("docs/language.md:{}: unknown fence `{trimmed}`", i + 1),
                        _ => None,
                    };
                    current = Some((kind, i + 1, String::new()));
                }
            }
            Some((kind, start, text)) => {
                if trimmed == "```" {
                    if let Some(kind) = kind {
                        out.push(Example {
                            kind: *kind,
                            line: *start,
                            text: std::mem::take(text),
                        });
                    }
                    current = None;
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "docs/language.md: a fenced block is not closed");
    out
}

#[test]
fn every_example_in_the_language_reference_behaves_as_its_fence_says() {
    let doc = std::fs::read_to_string(root().join("docs/language.md")).expect("read docs/language.md");
    let examples = examples(&doc);
    assert!(
        examples.len() >= 15,
        "docs/language.md has only {} examples; it must keep at least 15",
        examples.len()
    );
    assert!(examples.iter().any(|e| e.kind == Kind::Bad), "no `yaml bad` example");
    assert!(
        examples.iter().any(|e| e.kind == Kind::Testbed),
        "no `yaml testbed` example"
    );

    let tmp = scratch("docs");
    let dir = tmp.path();
    let mut failures = Vec::new();
    for (n, e) in examples.iter().enumerate() {
        let path = dir.join(format!("example_{n:02}_line{}.yaml", e.line));
        std::fs::write(&path, &e.text).expect("write example");
        let file = path.to_str().expect("utf-8 temp path");
        let (run, want) = match e.kind {
            Kind::Case => (gatecheck(&["check", file]), 0),
            Kind::Bad => (gatecheck(&["check", file]), 2),
            Kind::Testbed => (
                gatecheck(&["check", "--testbed", file, "cases/tfo/cookie_then_data.yaml"]),
                0,
            ),
        };
        let positioned = e.kind != Kind::Bad || run.stderr.contains(&format!("{file}:"));
        if run.code != want || !positioned {
            failures.push(format!(
                "docs/language.md:{} ({:?} example): exit {} (expected {want}{})\n{}{}",
                e.line,
                e.kind,
                run.code,
                if positioned { "" } else { ", with a positioned message" },
                run.stdout,
                run.stderr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} examples misbehave:\n\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}

#[test]
fn the_extractor_reads_fences_and_their_kinds() {
    let doc = "text\n```yaml\na: 1\n```\n```text\nignored\n```\n```yaml bad\nb: 2\n```\n```yaml testbed\nc: 3\n```\n";
    let ex = examples(doc);
    let kinds: Vec<Kind> = ex.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [Kind::Case, Kind::Bad, Kind::Testbed]);
    assert_eq!(ex[0].text, "a: 1\n");
    assert_eq!(ex[0].line, 2);
    assert_eq!(ex[2].line, 11);
}
