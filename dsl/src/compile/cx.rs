//! The state of compiling one case variant: diagnostics, constants, flows, and what the steps
//! so far have bound and observed.

use crate::diag::Diagnostic;
use crate::plan::{Capability, Flow};
use crate::source::{SourceFile, Span};
use crate::testbed::Testbed;
use crate::yaml::Scalar;
use std::collections::{BTreeSet, HashMap};

/// A compile-time constant: a `vars:` or matrix value, with the scalar it was written in.
pub(crate) struct Const<'f> {
    /// The scalar holding the text (for positions).
    pub scalar: &'f Scalar,
}

/// Whether a sentence is sent or matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// An emulated host sends it: concrete values only.
    Send,
    /// A positive expect: may bind variables.
    Pattern,
    /// `expect no`: may not bind.
    Negative,
}

/// Where a runtime variable was bound, for the "bound and never used" warning.
pub(crate) struct Binding {
    /// Where the variable is bound.
    pub span: Span,
    /// Whether a later step reads it.
    pub used: bool,
}

/// Compiler state for one case variant.
pub(crate) struct CaseCx<'f> {
    /// The file being compiled (for positions).
    pub file: &'f SourceFile,
    /// What hosts exist and where.
    pub testbed: &'f Testbed,
    /// The variant's diagnostics, in the order found.
    pub diags: Vec<Diagnostic>,
    /// `vars:` and matrix values that no `set` changes: substituted at compile time.
    pub consts: HashMap<String, Const<'f>>,
    /// Variables bound at this point of the step walk (runtime or initial).
    pub bound: BTreeSet<String>,
    /// Variables bound by this step's pattern (take effect when the step succeeds).
    pub binding_now: Vec<(String, Span)>,
    /// Runtime bindings and whether they were used afterwards.
    pub bindings: HashMap<String, Binding>,
    /// The flows.
    pub flows: Vec<Flow>,
    /// Flow name -> index.
    pub flow_index: HashMap<String, usize>,
    /// Per flow: the WAN mapping has been observed by an expect.
    pub flow_mapped: Vec<bool>,
    /// Per flow and side (lan=0, wan=1): a SYN of the peer has been matched on that side.
    pub syn_seen: Vec<[bool; 2]>,
    /// Capabilities the case uses.
    pub needs: BTreeSet<Capability>,
    /// Recursion depth while substituting constants (guards `vars` that name each other).
    pub depth: usize,
    /// [`CaseCx::error_count`]'s running count: (diagnostics counted, errors among them). The
    /// list only grows while a variant compiles, so each call counts only what is new.
    counted: std::cell::Cell<(usize, usize)>,
}

impl<'f> CaseCx<'f> {
    /// The state at the start of a variant: nothing bound, no flows.
    pub fn new(file: &'f SourceFile, testbed: &'f Testbed) -> Self {
        CaseCx {
            file,
            testbed,
            diags: Vec::new(),
            consts: HashMap::new(),
            bound: BTreeSet::new(),
            binding_now: Vec::new(),
            bindings: HashMap::new(),
            flows: Vec::new(),
            flow_index: HashMap::new(),
            flow_mapped: Vec::new(),
            syn_seen: Vec::new(),
            needs: BTreeSet::new(),
            depth: 0,
            counted: std::cell::Cell::new((0, 0)),
        }
    }

    /// Reports an error at `span` with a label under it.
    pub fn error(&mut self, span: Span, msg: impl Into<String>, label: impl Into<String>) {
        self.diags.push(Diagnostic::error(span, msg).with_label(label));
    }

    /// Reports a diagnostic built by the caller.
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Reports a warning at `span`.
    pub fn warn(&mut self, span: Span, msg: impl Into<String>) {
        self.diags.push(Diagnostic::warning(span, msg));
    }

    /// Errors so far (warnings not counted), in time proportional to what was added since the
    /// last call.
    pub fn error_count(&self) -> usize {
        let (mut seen, mut errors) = self.counted.get();
        if seen > self.diags.len() {
            (seen, errors) = (0, 0);
        }
        errors += self.diags[seen..].iter().filter(|d| d.is_error()).count();
        self.counted.set((self.diags.len(), errors));
        errors
    }

    /// Marks a variable as read (for the unused-binding warning).
    pub fn use_var(&mut self, name: &str) {
        if let Some(b) = self.bindings.get_mut(name) {
            b.used = true;
        }
    }
}
