//! Which cases a run selects (`--tag`, `--skip-tag`, `--filter`, a bundle's case) and, when none
//! is left, which selection left none and what there was to select.

use dsl::plan::Case;
use std::collections::BTreeSet;

/// The selection options of `run`.
pub struct Selection<'a> {
    /// Keep cases with any of these tags (none: every case).
    pub tags: &'a [String],
    /// Leave out cases with any of these tags.
    pub skip_tags: &'a [String],
    /// Keep cases whose id contains this text.
    pub filter: Option<&'a str>,
    /// Keep only the case with this id (a repro bundle's case).
    pub bundle_case: Option<&'a str>,
}

/// Why a selection holds no case.
#[derive(Debug, PartialEq, Eq)]
pub enum NoCase {
    /// The paths hold no case at all.
    NoCases,
    /// The bundle's case file no longer holds the bundle's case.
    BundleCaseGone(String),
    /// An option left nothing: what it matched nothing among, in words.
    NothingMatched(String),
}

impl Selection<'_> {
    /// The items of `all` (each with its case, read through `case`) the selection keeps, in their
    /// order; applied option by option, so that an empty result names the option that emptied it.
    pub fn select<T>(&self, mut left: Vec<T>, case: impl Fn(&T) -> &Case) -> Result<Vec<T>, NoCase> {
        if left.is_empty() {
            return Err(NoCase::NoCases);
        }
        if let Some(id) = self.bundle_case {
            left.retain(|t| case(t).id == id);
            if left.is_empty() {
                return Err(NoCase::BundleCaseGone(id.to_string()));
            }
        }
        if !self.tags.is_empty() {
            let known: BTreeSet<String> = left.iter().flat_map(|t| case(t).tags.iter().cloned()).collect();
            let n = left.len();
            left.retain(|t| case(t).tags.iter().any(|x| self.tags.contains(x)));
            if left.is_empty() {
                let hints: String = self
                    .tags
                    .iter()
                    .map(|t| dsl::names::suggestion(t, known.iter().map(String::as_str)))
                    .collect();
                let tags = known.into_iter().collect::<Vec<_>>().join(", ");
                return Err(NoCase::NothingMatched(format!(
                    "--tag {} {} none of the {}{hints}; their tags: {}",
                    quoted(self.tags),
                    if self.tags.len() == 1 { "matches" } else { "match" },
                    cases(n),
                    if tags.is_empty() { "none" } else { &tags }
                )));
            }
        }
        if !self.skip_tags.is_empty() {
            let n = left.len();
            left.retain(|t| !case(t).tags.iter().any(|x| self.skip_tags.contains(x)));
            if left.is_empty() {
                return Err(NoCase::NothingMatched(format!(
                    "--skip-tag {} {} out every one of the {}{}",
                    quoted(self.skip_tags),
                    if self.skip_tags.len() == 1 { "leaves" } else { "leave" },
                    cases(n),
                    self.narrowed_by(false)
                )));
            }
        }
        if let Some(text) = self.filter {
            let n = left.len();
            let examples: Vec<String> = left.iter().take(3).map(|t| format!("`{}`", case(t).id)).collect();
            left.retain(|t| case(t).id.contains(text));
            if left.is_empty() {
                return Err(NoCase::NothingMatched(format!(
                    "--filter `{text}` is in no case id among the {}{} (ids such as {}; `gatecheck list` lists them)",
                    cases(n),
                    self.narrowed_by(true),
                    examples.join(", ")
                )));
            }
        }
        Ok(left)
    }
}

impl Selection<'_> {
    /// ` selected by --tag`, ` left by --tag and --skip-tag`, or nothing: the options applied
    /// before `--skip-tag` (or, with `after_skip_tags`, before `--filter`).
    fn narrowed_by(&self, after_skip_tags: bool) -> String {
        let mut before = Vec::new();
        if !self.tags.is_empty() {
            before.push("--tag");
        }
        if after_skip_tags && !self.skip_tags.is_empty() {
            before.push("--skip-tag");
        }
        if before.is_empty() {
            String::new()
        } else {
            format!(" left by {}", before.join(" and "))
        }
    }
}

/// `` `a` `` or `` `a`, `b` ``.
fn quoted(words: &[String]) -> String {
    words.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ")
}

/// `1 case`, `2 cases`.
fn cases(n: usize) -> String {
    if n == 1 { "1 case".into() } else { format!("{n} cases") }
}
