//! The compiler: a case file's YAML tree and sentences to typed [`Case`]s, one per matrix
//! variant, with every problem reported as a positioned diagnostic.

mod cx;
mod expect;
mod field;
mod flows;
mod header;
mod options;
mod packet;
mod sides;
mod step;
mod value;
mod vars;
mod window;

pub(crate) use packet::{proto_keyword, proto_word};
pub use window::SHORTEST_REALISTIC_WINDOW;

use crate::diag::Diagnostic;
use crate::fields::Record;
use crate::plan::{Case, Location};
use crate::source::{SourceFile, Span};
use crate::testbed::Testbed;
use crate::yaml::{self, Node};
use cx::{CaseCx, Const};
use header::{Header, read_header};
use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
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
    let Some(rec) = Record::read(&root, CASE_KEYS, "a case", &mut diags) else {
        return finish(diags, vec![], None);
    };
    // A header with errors still lets the steps compile, so that every error of the file is
    // reported at once (the errors keep the file from giving cases).
    let header = read_header(&rec, &mut diags);
    let id = (!header.id.is_empty()).then(|| (header.id.clone(), header.id_span));
    let matrix = vars::read_matrix(&rec, &mut diags);
    let vars = vars::read_vars(&rec, &mut diags);
    let Some(steps) = rec.require("steps", "a case", &mut diags) else {
        return finish(diags, vec![], id);
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
        return finish(diags, vec![], id);
    }
    let case_file = CaseFile {
        file,
        testbed,
        path: Arc::new(file.path().to_path_buf()),
        set_names: vars::set_targets(steps),
        header,
        vars,
        matrix,
        flows: rec.get("flows"),
        steps,
    };
    // Matrix variants repeat the same mistakes: each diagnostic is kept once, in order (a set
    // beside the list, so a file with 100,000 errors is not quadratic).
    let mut seen = HashSet::new();
    let mut cases = Vec::new();
    for variant in &vars::matrix_variants(&case_file.matrix) {
        let (variant_diags, case) = case_file.variant(variant);
        diags.extend(variant_diags.into_iter().filter(|d| seen.insert(d.clone())));
        cases.extend(case);
    }
    finish(diags, cases, id)
}

/// The result of a file: diagnostics in file order (errors before warnings at one place), and
/// no cases if any diagnostic is an error.
fn finish(mut diagnostics: Vec<Diagnostic>, mut cases: Vec<Case>, id: Option<(String, Span)>) -> Compiled {
    diagnostics.sort_by_key(|d| (d.span.start, !d.is_error()));
    if diagnostics.iter().any(Diagnostic::is_error) {
        cases.clear();
    }
    Compiled { cases, diagnostics, id }
}

/// What every matrix variant of a case file shares.
struct CaseFile<'f, 'n> {
    file: &'f SourceFile,
    testbed: &'f Testbed,
    /// The file's path, shared by the locations of every case and step.
    path: Arc<PathBuf>,
    header: Header,
    vars: vars::Entries<'n>,
    matrix: vars::Matrix<'n>,
    /// Variables some `set` step assigns: runtime variables, not constants.
    set_names: BTreeSet<&'n str>,
    flows: Option<&'n Node>,
    steps: &'n Node,
}

impl CaseFile<'_, '_> {
    /// Compiles one matrix variant: its diagnostics, and its case if the steps compiled.
    fn variant(&self, variant: &vars::Entries) -> (Vec<Diagnostic>, Option<Case>) {
        let mut cx = CaseCx::new(self.file, self.testbed);
        let mut initial = Vec::new();
        for (name, _, scalar) in self.vars.iter().chain(variant) {
            initial.push((name.clone(), scalar.value.clone()));
            if self.set_names.contains(name.as_str()) {
                cx.bound.insert(name.clone());
            } else {
                cx.consts.insert(name.clone(), Const { scalar });
            }
        }
        self.check_matrix_names(&mut cx);
        if let Some(flows) = self.flows {
            cx.read_flows(flows);
        }
        let steps = cx.steps(self.steps, &self.header, &self.path);
        for (name, b) in &cx.bindings {
            if !b.used {
                cx.diags.push(
                    Diagnostic::warning(b.span, format!("`${name}` is bound here and never used — a typo?"))
                        .with_label("bound, never used"),
                );
            }
        }
        let Some(steps) = steps else {
            return (cx.diags, None);
        };
        let mut needs = std::mem::take(&mut cx.needs);
        needs.extend(self.header.requires.iter().copied());
        let (line, col) = self.file.line_col(self.header.id_span.start as usize);
        let h = &self.header;
        let case = Case {
            id: variant_id(&h.id, variant),
            base_id: h.id.clone(),
            matrix: variant.iter().map(|(k, _, v)| (k.clone(), v.value.clone())).collect(),
            title: h.title.clone(),
            description: h.description.clone(),
            tags: h.tags.clone(),
            refs: h.refs.clone(),
            needs,
            within: h.within,
            timeout: h.timeout,
            strict: h.strict,
            vars: initial,
            flows: std::mem::take(&mut cx.flows),
            steps,
            location: Location {
                file: self.path.clone(),
                line,
                col,
            },
        };
        (cx.diags, Some(case))
    }

    /// A matrix variable may not also be in `vars` nor be changed by `set`.
    fn check_matrix_names(&self, cx: &mut CaseCx) {
        for (k, span, _) in &self.matrix {
            if self.vars.iter().any(|(n, _, _)| n == k) {
                cx.error(
                    *span,
                    format!("`{k}` is both a matrix variable and in `vars`"),
                    "a matrix variable may not also be in vars",
                );
            }
            if self.set_names.contains(k.as_str()) {
                cx.error(
                    *span,
                    format!("the matrix variable `{k}` is changed by a `set` step"),
                    "matrix variables are fixed for each variant",
                );
            }
        }
    }
}

/// A variant's case id: the file's, with `[k=v,...]` when there is a matrix.
fn variant_id(id: &str, variant: &vars::Entries) -> String {
    if variant.is_empty() {
        return id.to_string();
    }
    let parts: Vec<String> = variant.iter().map(|(k, _, v)| format!("{k}={}", v.value)).collect();
    format!("{id}[{}]", parts.join(","))
}
