//! The output folder of `run` (`--out`): each run's folder holds that run's reports only.
//!
//! gatecheck marks a folder it writes reports to with [`MARKER`]. Before a run it removes, from a
//! folder it owns, the reports an earlier run left there — the JUnit file, the captures, the repro
//! bundles, and nothing else. It owns a folder that holds the marker, and a folder that holds
//! nothing but those reports (one written before the marker existed). Any other non-empty folder
//! is refused: gatecheck never deletes a file it did not write.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The output folder of a run of case files.
pub const DEFAULT: &str = "gatecheck-out";
/// The output folder of a rerun of a repro bundle (`run BUNDLE`): another folder than
/// [`DEFAULT`], which may hold the bundle itself.
pub const DEFAULT_RERUN: &str = "gatecheck-rerun";
/// The file that marks a folder as gatecheck's output folder.
pub const MARKER: &str = ".gatecheck-out";
/// The JUnit file's name in the output folder (unless `--junit` names another file).
pub const JUNIT: &str = "junit.xml";
/// The folder of the captures, in the output folder.
pub const CAPTURES: &str = "captures";
/// The folder of the repro bundles, in the output folder.
pub const REPRO: &str = "repro";

/// What the marker file says to whoever opens it.
const MARKER_TEXT: &str = "This folder holds the reports of one `gatecheck run`. The next run that writes here \
removes them first (the JUnit file, captures/ and repro/; nothing else).\n";

/// The entries of a repro bundle as `ReproReporter` writes them (docs/evidence.md), besides the
/// `case/` folder holding the copy of the case file. A folder with anything else is not
/// treated as a bundle, so what a person added to it is never removed.
const BUNDLE_FILES: [&str; 5] = [
    reports::MANIFEST,
    "README.txt",
    "testbed.yaml",
    "capture.pcapng",
    "capture.pcapng.tmp",
];
/// The folder of a bundle holding the case file.
const BUNDLE_CASE_DIR: &str = "case";

/// Why an output folder cannot be used.
#[derive(Debug)]
pub enum OutDirError {
    /// The path exists and is not a folder.
    NotAFolder(PathBuf),
    /// The folder holds files gatecheck did not write.
    NotOurs {
        /// The folder.
        dir: PathBuf,
        /// What in it is not gatecheck's.
        foreign: Vec<PathBuf>,
    },
    /// The folder holds a file the run reads.
    HoldsInput {
        /// The folder.
        dir: PathBuf,
        /// The file the run reads.
        input: PathBuf,
    },
    /// A file or folder could not be read, removed or written.
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
}

impl std::fmt::Display for OutDirError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutDirError::NotAFolder(dir) => write!(f, "--out {}: not a folder", dir.display()),
            OutDirError::NotOurs { dir, foreign } => write!(
                f,
                "--out {}: the folder is not empty and is not a gatecheck output folder (it holds {}); a \
                 run empties its output folder first and never deletes files it did not write: pick a new \
                 or empty folder",
                dir.display(),
                what_it_holds(foreign)
            ),
            OutDirError::HoldsInput { dir, input } => write!(
                f,
                "--out {}: the folder holds {}, which this run reads, and a run empties its output folder \
                 first: pick another folder with --out",
                dir.display(),
                input.display()
            ),
            OutDirError::Io { path, source } => write!(f, "--out: cannot prepare {}: {source}", path.display()),
        }
    }
}

/// `` `notes.txt` `` or `` `a`, `b`, `c` and 4 more ``, relative to nothing: the paths as found.
fn what_it_holds(foreign: &[PathBuf]) -> String {
    const SHOWN: usize = 3;
    let names: Vec<String> = foreign
        .iter()
        .take(SHOWN)
        .map(|p| format!("`{}`", p.display()))
        .collect();
    match foreign.len().saturating_sub(SHOWN) {
        0 => names.join(", "),
        more => format!("{} and {more} more", names.join(", ")),
    }
}

/// Refuses `dir` as the output folder when it holds one of `inputs` (case files, the testbed
/// file): emptying it would delete what the run reads.
pub fn check_inputs<'a>(dir: &Path, inputs: impl IntoIterator<Item = &'a Path>) -> Result<(), OutDirError> {
    let Ok(dir_abs) = dir.canonicalize() else {
        return Ok(());
    };
    for input in inputs {
        if input.canonicalize().is_ok_and(|p| p.starts_with(&dir_abs)) {
            return Err(OutDirError::HoldsInput {
                dir: dir.to_path_buf(),
                input: input.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Makes `dir` ready for a run: creates it, or removes the reports of an earlier run from it, and
/// marks it. Returns what a marked folder holds that is not gatecheck's (left in place).
pub fn prepare(dir: &Path) -> Result<Vec<PathBuf>, OutDirError> {
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutDirError::Io { path, source }
    };
    match fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(io_err(dir))?;
            return mark(dir).map(|()| Vec::new());
        }
        Err(e) => return Err(io_err(dir)(e)),
        Ok(m) if !m.is_dir() => return Err(OutDirError::NotAFolder(dir.to_path_buf())),
        Ok(_) => {}
    }
    let sweep = Sweep::of(dir).map_err(io_err(dir))?;
    if !sweep.marked && !sweep.foreign.is_empty() {
        return Err(OutDirError::NotOurs {
            dir: dir.to_path_buf(),
            foreign: sweep.foreign,
        });
    }
    for path in &sweep.files {
        fs::remove_file(path).map_err(io_err(path))?;
    }
    for path in &sweep.bundles {
        fs::remove_dir_all(path).map_err(io_err(path))?;
    }
    for sub in [CAPTURES, REPRO] {
        let path = dir.join(sub);
        if !sweep.foreign.iter().any(|f| f.starts_with(&path)) && path.is_dir() {
            fs::remove_dir(&path).map_err(io_err(&path))?;
        }
    }
    mark(dir)?;
    Ok(sweep.foreign)
}

/// Writes the marker into `dir`.
fn mark(dir: &Path) -> Result<(), OutDirError> {
    let path = dir.join(MARKER);
    fs::write(&path, MARKER_TEXT).map_err(|source| OutDirError::Io { path, source })
}

/// What an existing output folder holds, sorted into gatecheck's reports and the rest.
#[derive(Default)]
struct Sweep {
    /// Whether the folder holds the marker.
    marked: bool,
    /// Report files: the JUnit file, captures.
    files: Vec<PathBuf>,
    /// Repro bundle folders.
    bundles: Vec<PathBuf>,
    /// Everything else (not gatecheck's).
    foreign: Vec<PathBuf>,
}

impl Sweep {
    /// Sorts the entries of `dir` (symbolic links are never gatecheck's).
    fn of(dir: &Path) -> io::Result<Sweep> {
        let mut s = Sweep::default();
        for (path, name, kind) in entries(dir)? {
            match (name.as_str(), kind) {
                (MARKER, Kind::File) => s.marked = true,
                (JUNIT, Kind::File) => s.files.push(path),
                (n, Kind::File) if n == format!("{JUNIT}.tmp") => s.files.push(path),
                (CAPTURES, Kind::Dir) => {
                    for (path, name, kind) in entries(&path)? {
                        let capture = name.ends_with(".pcapng") || name.ends_with(".pcapng.tmp");
                        if capture && kind == Kind::File {
                            s.files.push(path);
                        } else {
                            s.foreign.push(path);
                        }
                    }
                }
                (REPRO, Kind::Dir) => {
                    for (path, _, kind) in entries(&path)? {
                        if kind == Kind::Dir && is_bundle(&path)? {
                            s.bundles.push(path);
                        } else {
                            s.foreign.push(path);
                        }
                    }
                }
                _ => s.foreign.push(path),
            }
        }
        s.foreign.sort();
        Ok(s)
    }
}

/// Whether `dir` is a repro bundle as gatecheck writes it and holds nothing else.
fn is_bundle(dir: &Path) -> io::Result<bool> {
    let mut has_manifest = false;
    for (path, name, kind) in entries(dir)? {
        match kind {
            Kind::File if BUNDLE_FILES.contains(&name.as_str()) => has_manifest |= name == reports::MANIFEST,
            Kind::Dir if name == BUNDLE_CASE_DIR => {
                if entries(&path)?.iter().any(|(_, _, k)| *k != Kind::File) {
                    return Ok(false);
                }
            }
            _ => return Ok(false),
        }
    }
    Ok(has_manifest)
}

/// What a folder entry is, without following symbolic links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Other,
}

/// The entries of `dir`: path, name, kind.
fn entries(dir: &Path) -> io::Result<Vec<(PathBuf, String, Kind)>> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir)? {
        let e = e?;
        let t = e.file_type()?;
        let kind = if t.is_file() {
            Kind::File
        } else if t.is_dir() {
            Kind::Dir
        } else {
            Kind::Other
        };
        out.push((e.path(), e.file_name().to_string_lossy().into_owned(), kind));
    }
    Ok(out)
}
