//! Loading case files from paths (files or folders, recursively) and compiling all of them,
//! including the checks that span files (duplicate case ids).

use crate::compile::{self, Compiled};
use crate::diag::Diagnostic;
use crate::source::{ReadError, SourceFile};
use crate::testbed::Testbed;
use std::path::{Path, PathBuf};

/// One compiled file.
#[derive(Debug)]
pub struct LoadedFile {
    /// The file's text (for rendering diagnostics).
    pub source: SourceFile,
    /// What compiling it produced.
    pub compiled: Compiled,
}

/// Everything loaded from a set of paths.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Files that could be read, in path order.
    pub files: Vec<LoadedFile>,
    /// Files that could not be read as text.
    pub unreadable: Vec<ReadError>,
}

impl Loaded {
    /// Whether anything is wrong (unreadable files or errors in a file).
    pub fn has_errors(&self) -> bool {
        !self.unreadable.is_empty() || self.files.iter().any(|f| f.compiled.has_errors())
    }

    /// Number of errors across all files.
    pub fn error_count(&self) -> usize {
        self.unreadable.len()
            + self
                .files
                .iter()
                .map(|f| f.compiled.diagnostics.iter().filter(|d| d.is_error()).count())
                .sum::<usize>()
    }

    /// All compiled cases, in file order.
    pub fn cases(&self) -> impl Iterator<Item = &crate::plan::Case> {
        self.files.iter().flat_map(|f| f.compiled.cases.iter())
    }
}

/// Why paths could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// A named path does not exist or cannot be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

/// The `*.yaml` / `*.yml` files under `paths`, sorted, each folder recursively. Files named
/// directly are taken whatever their extension.
pub fn case_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ListError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| ListError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(p, &mut out, 0).map_err(|source| ListError::Io {
                path: p.clone(),
                source,
            })?;
        } else {
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> std::io::Result<()> {
    if depth > 32 {
        return Ok(());
    }
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        let ft = std::fs::symlink_metadata(&p)?.file_type();
        if ft.is_dir() {
            walk(&p, out, depth + 1)?;
        } else if ft.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads and compiles every case file under `paths`, then checks ids across files.
pub fn load(paths: &[PathBuf], testbed: &Testbed) -> Result<Loaded, ListError> {
    let mut loaded = Loaded::default();
    for p in case_files(paths)? {
        match SourceFile::read(&p) {
            Ok(source) => {
                let compiled = compile::compile(&source, testbed);
                loaded.files.push(LoadedFile { source, compiled });
            }
            Err(e) => loaded.unreadable.push(e),
        }
    }
    check_duplicate_ids(&mut loaded);
    Ok(loaded)
}

/// Case ids are unique in a run: the second file with an id gets an error naming the first.
fn check_duplicate_ids(loaded: &mut Loaded) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for f in &mut loaded.files {
        let Some((id, span)) = f.compiled.id.clone() else {
            continue;
        };
        if let Some((_, first)) = seen.iter().find(|(i, _)| *i == id) {
            f.compiled.diagnostics.push(
                Diagnostic::error(span, format!("duplicate case id `{id}`: {first} has the same id"))
                    .with_label("case ids must be unique in a run")
                    .with_note(format!("first defined at {first}")),
            );
            f.compiled.cases.clear();
        } else {
            seen.push((id, f.source.location(span)));
        }
    }
}
