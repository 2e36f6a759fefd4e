//! Where the CLI writes, and the one place that renders diagnostics and errors for a person.

use dsl::load::Loaded;
use dsl::source::SourceFile;
use dsl::testbed::Testbed;
use std::io::{IsTerminal, Write};
use std::path::Path;

/// The most diagnostics shown for one file: a generated file with a hundred thousand mistakes
/// gets the first ones and a count, not megabytes of output.
const MAX_SHOWN: usize = 50;

/// Console output with the color choice made once.
pub struct Output {
    color: bool,
}

impl Output {
    /// `choice`: auto (color on a terminal), always or never.
    pub fn new(choice: &str) -> Output {
        let color = match choice {
            "always" => true,
            "never" => false,
            _ => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Output { color }
    }

    /// Whether to use color.
    pub fn color(&self) -> bool {
        self.color
    }

    /// Writes to stdout (ignoring a closed pipe).
    pub fn stdout(&self, s: &str) {
        let _ = std::io::stdout().lock().write_all(s.as_bytes());
    }

    /// Writes to stderr.
    pub fn stderr(&self, s: &str) {
        let _ = std::io::stderr().lock().write_all(s.as_bytes());
    }

    /// An error line: `error: ...`.
    pub fn error(&self, msg: &str) {
        self.stderr(&format!("error: {msg}\n"));
    }

    /// Compiles the case files under `paths` and renders their diagnostics; `None` (after saying
    /// why, with `what_not_done` such as "nothing was run") when a path cannot be read or a file
    /// has errors.
    pub fn load_cases(&self, paths: &[std::path::PathBuf], testbed: &Testbed, what_not_done: &str) -> Option<Loaded> {
        let loaded = match dsl::load(paths, testbed) {
            Ok(l) => l,
            Err(e) => {
                self.error(&e.to_string());
                return None;
            }
        };
        self.diagnostics(&loaded);
        if loaded.has_errors() {
            if !what_not_done.is_empty() {
                self.error(&format!(
                    "{} error(s) in the case files; {what_not_done}",
                    loaded.error_count()
                ));
            }
            return None;
        }
        Some(loaded)
    }

    /// Renders every diagnostic of every file (errors and warnings) to stderr.
    pub fn diagnostics(&self, loaded: &Loaded) {
        for e in &loaded.unreadable {
            self.error(&e.to_string());
        }
        for f in &loaded.files {
            let all = &f.compiled.diagnostics;
            if all.is_empty() {
                continue;
            }
            let shown = &all[..all.len().min(MAX_SHOWN)];
            self.stderr(&dsl::diag::render_all(shown, &f.source, self.color));
            if all.len() > shown.len() {
                self.stderr(&format!(
                    "... and {} more diagnostics in {} (the first {MAX_SHOWN} are shown)\n",
                    all.len() - shown.len(),
                    f.source.path().display()
                ));
            }
        }
    }

    /// Loads the testbed named by `--testbed`, or the built-in one; renders errors.
    pub fn testbed(&self, path: Option<&Path>) -> Option<Testbed> {
        let Some(path) = path else {
            return Some(Testbed::builtin());
        };
        let source = match SourceFile::read(path) {
            Ok(s) => s,
            Err(e) => {
                self.error(&e.to_string());
                return None;
            }
        };
        match Testbed::from_source(&source) {
            Ok(t) => Some(t),
            Err(diags) => {
                self.stderr(&dsl::diag::render_all(&diags, &source, self.color));
                self.error(&format!("the testbed file {} has errors", path.display()));
                None
            }
        }
    }
}

/// How reports name the testbed: the file `--testbed` gave, or `built-in`.
pub fn testbed_label(path: Option<&Path>) -> String {
    path.map_or("built-in".to_string(), |p| p.display().to_string())
}
