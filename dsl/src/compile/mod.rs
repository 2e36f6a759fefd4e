//! The compiler: a case file's YAML tree and sentences to typed [`Case`]s, one per matrix
//! variant, with every problem reported as a positioned diagnostic.

mod cx;
mod field;
mod options;
mod packet;
mod sides;
mod step;
mod value;
mod window;

pub(crate) use packet::{proto_keyword, proto_word};
pub use window::SHORTEST_REALISTIC_WINDOW;

use crate::diag::Diagnostic;
use crate::fields::{self, Record};
use crate::names;
use crate::plan::*;
use crate::source::{SourceFile, Span};
use crate::testbed::Testbed;
use crate::yaml::{self, Node, NodeKind, Scalar};
use cx::{CaseCx, Const};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// The keys a case file may have.
pub const CASE_KEYS: &[&str] = &[
    "case",
    "title",
    "description",
    "tags",
    "refs",
    "requires",
    "within",
    "timeout",
    "strict",
    "vars",
    "flows",
    "matrix",
    "steps",
];

/// The default window of expect steps (the case's `within:`, docs/language.md §1).
pub const DEFAULT_WITHIN: Duration = Duration::from_secs(1);

/// The default bound on the time a case spends outside `wait` steps (`timeout:`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The most matrix variants one case file may expand to.
pub const MAX_VARIANTS: usize = 10_000;

/// What compiling one file produced.
#[derive(Debug)]
pub struct Compiled {
    /// The cases (one per matrix variant); empty when there are errors.
    pub cases: Vec<Case>,
    /// Errors and warnings, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The `case:` id and its span, when it could be read (for duplicate-id checks across files).
    pub id: Option<(String, Span)>,
}

impl Compiled {
    /// Whether the file has errors.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Compiles a case file against a testbed.
pub fn compile(file: &SourceFile, testbed: &Testbed) -> Compiled {
    let root = match yaml::parse(file) {
        Ok(r) => r,
        Err(diagnostics) => {
            return Compiled {
                cases: vec![],
                diagnostics,
                id: None,
            };
        }
    };
    let mut diags = Vec::new();
    let mut out = Compiled {
        cases: vec![],
        diagnostics: vec![],
        id: None,
    };
    let Some(rec) = Record::read(&root, CASE_KEYS, "a case", &mut diags) else {
        out.diagnostics = diags;
        return out;
    };
    // A header with errors still lets the steps compile, so that every error of the file is
    // reported at once (the errors keep the file from giving cases).
    let header = read_header(&rec, &mut diags);
    out.id = (!header.id.is_empty()).then(|| (header.id.clone(), header.id_span));
    let matrix = read_matrix(&rec, &mut diags);
    let vars = read_vars(&rec, &mut diags);
    let steps_node = rec.require("steps", "a case", &mut diags);
    let Some(steps_node) = steps_node else {
        diags.sort_by_key(|d| (d.span.start, !d.is_error()));
        out.diagnostics = diags;
        return out;
    };
    let combos: usize = matrix
        .iter()
        .map(|(_, _, v)| v.len().max(1))
        .fold(1usize, |a, b| a.saturating_mul(b));
    if combos > MAX_VARIANTS {
        let span = rec.key_span("matrix").unwrap_or_default();
        diags.push(
            Diagnostic::error(
                span,
                format!("the matrix has {combos} combinations; at most {MAX_VARIANTS} are allowed"),
            )
            .with_label("too many variants"),
        );
        diags.sort_by_key(|d| (d.span.start, !d.is_error()));
        out.diagnostics = diags;
        return out;
    }
    let variants = matrix_variants(&matrix);
    // Matrix variants repeat the same mistakes: each diagnostic is kept once, in order (a set
    // beside the list, so a file with 100,000 errors is not quadratic).
    let mut seen_diags: Vec<Diagnostic> = Vec::new();
    let mut seen_set: std::collections::HashSet<Diagnostic> = std::collections::HashSet::new();
    let file_arc = Arc::new(file.path().to_path_buf());
    for variant in &variants {
        let mut cx = CaseCx::new(file, testbed);
        let set_names = set_targets(steps_node);
        let mut initial = Vec::new();
        for (name, key_span, scalar) in vars
            .iter()
            .map(|(n, s, v)| (n, *s, *v))
            .chain(variant.iter().map(|(n, s, v)| (n, *s, *v)))
        {
            let _ = key_span;
            initial.push((name.clone(), scalar.value.clone()));
            if set_names.contains(name.as_str()) {
                cx.bound.insert(name.clone());
            } else {
                cx.consts.insert(name.clone(), Const { scalar });
            }
        }
        for (k, span, _) in &matrix {
            if vars.iter().any(|(n, _, _)| n == k) {
                cx.error(
                    *span,
                    format!("`{k}` is both a matrix variable and in `vars`"),
                    "a matrix variable may not also be in vars",
                );
            }
            if set_names.contains(k.as_str()) {
                cx.error(
                    *span,
                    format!("the matrix variable `{k}` is changed by a `set` step"),
                    "matrix variables are fixed for each variant",
                );
            }
        }
        if let Some(flows) = rec.get("flows") {
            cx.read_flows(flows);
        }
        let steps = cx.steps(steps_node, &header, &file_arc);
        for (name, b) in &cx.bindings {
            if !b.used {
                cx.diags.push(
                    Diagnostic::warning(b.span, format!("`${name}` is bound here and never used — a typo?"))
                        .with_label("bound, never used"),
                );
            }
        }
        let mut needs = cx.needs.clone();
        needs.extend(header.requires.iter().copied());
        for d in cx.diags.drain(..) {
            if seen_set.insert(d.clone()) {
                seen_diags.push(d);
            }
        }
        let id = if variant.is_empty() {
            header.id.clone()
        } else {
            let parts: Vec<String> = variant.iter().map(|(k, _, v)| format!("{k}={}", v.value)).collect();
            format!("{}[{}]", header.id, parts.join(","))
        };
        let (line, col) = file.line_col(header.id_span.start as usize);
        if let Some(steps) = steps {
            out.cases.push(Case {
                id,
                base_id: header.id.clone(),
                matrix: variant.iter().map(|(k, _, v)| (k.clone(), v.value.clone())).collect(),
                title: header.title.clone(),
                description: header.description.clone(),
                tags: header.tags.clone(),
                refs: header.refs.clone(),
                needs,
                within: header.within,
                timeout: header.timeout,
                strict: header.strict,
                vars: initial,
                flows: cx.flows.clone(),
                steps,
                location: Location {
                    file: file_arc.clone(),
                    line,
                    col,
                },
            });
        }
    }
    diags.extend(seen_diags);
    diags.sort_by_key(|d| (d.span.start, !d.is_error()));
    if diags.iter().any(Diagnostic::is_error) {
        out.cases.clear();
    }
    out.diagnostics = diags;
    out
}

/// The case-level keys other than steps, flows, vars and matrix.
pub(crate) struct Header {
    pub id: String,
    pub id_span: Span,
    pub title: String,
    pub description: Option<String>,
    pub tags: Vec<String>,
    pub refs: Vec<String>,
    pub requires: BTreeSet<Capability>,
    pub within: Duration,
    pub timeout: Duration,
    pub strict: bool,
}

/// Reads the header. A key that cannot be read is reported into `diags` and takes a stand-in
/// (an empty id or title, the default window), so that the steps still compile.
fn read_header(rec: &Record, diags: &mut Vec<Diagnostic>) -> Header {
    let id_node = rec.require("case", "a case", diags);
    let title_node = rec.require("title", "a case", diags);
    let (id, id_span) = id_node
        .and_then(|n| fields::scalar(n, "a case id", diags))
        .and_then(|s| {
            let valid = !s.value.is_empty()
                && s.value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
            if valid {
                Some((s.value.clone(), s.span_of(0..s.value.len())))
            } else {
                diags.push(
                    Diagnostic::error(s.span_of(0..s.value.len()), format!("`{}` is not a case id", s.value))
                        .with_label("case ids use a-z 0-9 _ . - only"),
                );
                None
            }
        })
        .unwrap_or_else(|| (String::new(), id_node.map_or(rec.node.span, |n| n.span)));
    let title = title_node
        .and_then(|n| fields::scalar(n, "a title", diags))
        .map(|s| s.value.clone())
        .unwrap_or_default();
    if title.contains('\n') {
        diags.push(
            Diagnostic::error(title_node.map_or(Span::default(), |n| n.span), "a title is one line")
                .with_label("several lines"),
        );
    }
    let description = rec
        .get("description")
        .and_then(|n| fields::scalar(n, "a description", diags))
        .map(|s| s.value.clone());
    let tags = rec
        .get("tags")
        .map(|n| fields::string_list(n, "tag", diags))
        .unwrap_or_default();
    for (t, span) in &tags {
        if !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)) {
            diags.push(
                Diagnostic::error(*span, format!("`{t}` is not a tag: tags are single words"))
                    .with_label("a tag is one word"),
            );
        }
    }
    let refs = rec
        .get("refs")
        .map(|n| fields::string_list(n, "ref", diags))
        .unwrap_or_default();
    let requires = rec
        .get("requires")
        .map(|n| fields::capabilities(n, diags))
        .unwrap_or_default();
    let within = rec.get("within").and_then(|n| {
        let d = fields::duration(n, "`within`", false, diags)?;
        diags.extend(window::short_window_warning(d, n.span, false));
        Some(d)
    });
    let within = within.unwrap_or(DEFAULT_WITHIN);
    let timeout = rec
        .get("timeout")
        .and_then(|n| fields::duration(n, "`timeout`", false, diags))
        .unwrap_or(DEFAULT_TIMEOUT);
    let strict = rec
        .get("strict")
        .and_then(|n| fields::boolean(n, "`strict`", diags))
        .unwrap_or(false);
    Header {
        id,
        id_span,
        title,
        description,
        tags: tags.into_iter().map(|t| t.0).collect(),
        refs: refs.into_iter().map(|t| t.0).collect(),
        requires,
        within,
        timeout,
        strict,
    }
}

type Entries<'n> = Vec<(String, Span, &'n Scalar)>;

fn check_var_name(name: &str, span: Span, what: &str, diags: &mut Vec<Diagnostic>) -> bool {
    if matches!(name, "lan" | "lan2" | "wan" | "wan2") {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is a host name and cannot be a {what} name"))
                .with_label("flows, variables and hosts share one namespace"),
        );
        return false;
    }
    if !names::is_valid_name(name) {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is not a valid {what} name"))
                .with_label("names match [a-z][a-z0-9_]*"),
        );
        return false;
    }
    if names::is_reserved(name) {
        diags.push(
            Diagnostic::error(span, format!("`{name}` is a reserved word and cannot be a {what} name"))
                .with_label("reserved word")
                .with_help(names::reserved_help(name, what != "flow")),
        );
        return false;
    }
    true
}

fn read_vars<'n>(rec: &Record<'n>, diags: &mut Vec<Diagnostic>) -> Entries<'n> {
    let mut out = Vec::new();
    let Some(n) = rec.get("vars") else { return out };
    let NodeKind::Map(pairs) = &n.kind else {
        diags.push(
            Diagnostic::error(
                n.span,
                format!("`vars` must be a mapping of name to value, found {}", n.kind_name()),
            )
            .with_label("expected a mapping"),
        );
        return out;
    };
    for (k, v) in pairs {
        let Some(key) = k.as_scalar() else { continue };
        // A rejected name is still read, so that its uses raise no further errors.
        check_var_name(&key.value, k.span, "variable", diags);
        match v.as_scalar() {
            Some(s) if !s.is_null() => out.push((key.value.clone(), k.span, s)),
            _ => diags.push(
                Diagnostic::error(v.span, format!("the variable `{}` needs a value (text)", key.value))
                    .with_label("expected a value; quote values that start with { [ *"),
            ),
        }
    }
    out
}

fn read_matrix<'n>(rec: &Record<'n>, diags: &mut Vec<Diagnostic>) -> Vec<(String, Span, Vec<&'n Scalar>)> {
    let mut out = Vec::new();
    let Some(n) = rec.get("matrix") else { return out };
    let NodeKind::Map(pairs) = &n.kind else {
        diags.push(
            Diagnostic::error(
                n.span,
                format!(
                    "`matrix` must be a mapping of variable to a list of values, found {}",
                    n.kind_name()
                ),
            )
            .with_label("expected a mapping"),
        );
        return out;
    };
    for (k, v) in pairs {
        let Some(key) = k.as_scalar() else { continue };
        // A rejected name is still read, so that its uses raise no further errors.
        check_var_name(&key.value, k.span, "matrix variable", diags);
        let NodeKind::Seq(items) = &v.kind else {
            diags.push(
                Diagnostic::error(
                    v.span,
                    format!(
                        "the matrix values of `{}` must be a list, found {}",
                        key.value,
                        v.kind_name()
                    ),
                )
                .with_label("expected a list such as [a, b]"),
            );
            continue;
        };
        if items.is_empty() {
            diags.push(
                Diagnostic::error(v.span, format!("the matrix variable `{}` has no values", key.value))
                    .with_label("empty list"),
            );
            continue;
        }
        let mut vals = Vec::new();
        for i in items {
            match i.as_scalar() {
                Some(s) if !s.is_null() => vals.push(s),
                _ => diags.push(
                    Diagnostic::error(i.span, "a matrix value must be a single value").with_label("expected a value"),
                ),
            }
        }
        out.push((key.value.clone(), k.span, vals));
    }
    out
}

/// Combinations in key order, the first key varying slowest.
fn matrix_variants<'n>(matrix: &[(String, Span, Vec<&'n Scalar>)]) -> Vec<Entries<'n>> {
    let mut out: Vec<Entries<'n>> = vec![vec![]];
    for (k, span, vals) in matrix {
        let mut next = Vec::new();
        for prefix in &out {
            for v in vals {
                let mut p = prefix.clone();
                p.push((k.clone(), *span, *v));
                next.push(p);
            }
        }
        out = next;
        if out.len() > 10_000 {
            break;
        }
    }
    out
}

/// Names that some `set` step assigns (they are not compile-time constants).
fn set_targets(steps: &Node) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    if let NodeKind::Seq(items) = &steps.kind {
        for s in items {
            if let NodeKind::Map(pairs) = &s.kind {
                for (k, v) in pairs {
                    if k.as_scalar().is_some_and(|k| k.value == "set") {
                        if let NodeKind::Map(sets) = &v.kind {
                            out.extend(sets.iter().filter_map(|(n, _)| n.as_scalar().map(|s| s.value.as_str())));
                        }
                    }
                }
            }
        }
    }
    out
}
