//! A runnable case and where it is written.

use super::{Capability, Flow, Step};
use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// One runnable case (one matrix variant of a case file).
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// The id, with `[k=v,...]` for matrix variants: the JUnit test case name.
    pub id: String,
    /// The `case:` id as written.
    pub base_id: String,
    /// This variant's matrix values, in key order.
    pub matrix: Vec<(String, String)>,
    /// One-line title: what the case checks, as a report's headline.
    pub title: String,
    /// Longer free text for readers of the case and of its reports.
    pub description: Option<String>,
    /// Tags that select cases on the command line (`--tag`).
    pub tags: Vec<String>,
    /// The requirements the case checks (RFC sections), as written in `refs:`.
    pub refs: Vec<String>,
    /// Everything the case needs of a testbed: `requires:` plus what it uses.
    pub needs: BTreeSet<Capability>,
    /// Default `within` of expect steps.
    pub within: Duration,
    /// Bound on time spent outside `wait` steps.
    pub timeout: Duration,
    /// Whether unexpected frames fail the case.
    pub strict: bool,
    /// Variables bound before the first step (`vars:` and matrix values), as text.
    pub vars: Vec<(String, String)>,
    /// The flows, indexed by [`FlowId`](super::FlowId).
    pub flows: Vec<Flow>,
    /// The steps, numbered from 1.
    pub steps: Vec<Step>,
    /// Where the case's `case:` id is written (for reports and errors).
    pub location: Location,
}

/// A position in a case file, resolved for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file as the user named it.
    pub file: Arc<PathBuf>,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub col: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.col)
    }
}
