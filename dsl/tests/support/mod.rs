//! What the dsl's integration tests share: compiling case text, and reading what came out.

// Each test binary uses its own part of these.
#![allow(dead_code)]

use dsl::Compiled;
use dsl::diag::Diagnostic;
use dsl::plan::{Action, Case, PacketSpec};
use dsl::source::SourceFile;
use dsl::testbed::Testbed;
use std::path::Path;

/// A file named `name` holding `text`.
pub fn source(name: &str, text: impl Into<String>) -> SourceFile {
    SourceFile::new(Path::new(name), text)
}

/// A case with three flows (`web`, `web6`, `ping`) and these steps.
pub fn case(steps: &str) -> String {
    format!(
        "case: t.x\ntitle: T\nflows:\n  web: tcp lan:40000 -> wan:80\n  web6: tcp6 lan:40000 -> wan:80\n  ping: icmp lan -> wan id=7\nsteps:\n{steps}"
    )
}

/// Compiles a file against the built-in testbed.
pub fn compile_file(f: &SourceFile) -> Compiled {
    dsl::compile(f, &Testbed::builtin())
}

/// Compiles case text against the built-in testbed.
pub fn compile(text: &str) -> Compiled {
    compile_on(text, &Testbed::builtin())
}

/// Compiles case text against a testbed.
pub fn compile_on(text: &str, tb: &Testbed) -> Compiled {
    dsl::compile(&source("t.yaml", text), tb)
}

/// The cases of case text that must compile without errors.
pub fn ok(text: &str) -> Vec<Case> {
    let c = compile(text);
    let errs: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errs.is_empty(), "unexpected errors: {errs:#?}");
    c.cases
}

/// The messages of the errors of case text.
pub fn errors(text: &str) -> Vec<String> {
    compile(text)
        .diagnostics
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| d.message)
        .collect()
}

/// The warnings of case text.
pub fn warning_diagnostics(text: &str) -> Vec<Diagnostic> {
    compile(text)
        .diagnostics
        .into_iter()
        .filter(|d| !d.is_error())
        .collect()
}

/// The messages of the warnings of case text.
pub fn warnings(text: &str) -> Vec<String> {
    warning_diagnostics(text).into_iter().map(|d| d.message).collect()
}

/// The first error of case text, which must have one.
pub fn first_error(text: &str) -> Diagnostic {
    compile(text)
        .diagnostics
        .into_iter()
        .find(|d| d.is_error())
        .unwrap_or_else(|| panic!("no error for {text}"))
}

/// The packet step `i` (from 0) sends; the step must be a send.
pub fn sent(c: &Case, i: usize) -> &PacketSpec {
    match &c.steps[i].action {
        Action::Send { packet, .. } => packet,
        other => panic!("step {i} is not a send: {other:?}"),
    }
}

/// The pattern step `i` (from 0) expects; the step must be `expect PATTERN`.
pub fn expected(c: &Case, i: usize) -> &PacketSpec {
    match &c.steps[i].action {
        Action::Expect { pattern, .. } => pattern,
        other => panic!("step {i} is not `expect PATTERN`: {other:?}"),
    }
}

/// The packet of a send or the pattern of an expect.
pub fn step_packet(c: &Case, i: usize) -> &PacketSpec {
    match &c.steps[i].action {
        Action::Expect { pattern, .. } | Action::ExpectNo { pattern, .. } => pattern,
        Action::Send { packet, .. } => packet,
        other => panic!("{other:?}"),
    }
}
