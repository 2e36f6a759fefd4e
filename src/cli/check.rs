//! `gatecheck check PATHS...`: compile and report.

use super::exit::{EXIT_OK, EXIT_USAGE};
use super::output::Output;
use std::path::{Path, PathBuf};

/// Compiles every case under `paths`; prints `ok: N cases` or the errors.
pub fn run(out: &Output, paths: &[PathBuf], testbed: Option<&Path>) -> u8 {
    let Some(testbed) = out.testbed(testbed) else {
        return EXIT_USAGE;
    };
    let loaded = match dsl::load(paths, &testbed) {
        Ok(l) => l,
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    out.diagnostics(&loaded);
    let files = loaded.files.len() + loaded.unreadable.len();
    if loaded.has_errors() {
        let n = loaded.error_count();
        let bad = loaded.unreadable.len() + loaded.files.iter().filter(|f| f.compiled.has_errors()).count();
        out.stderr(&format!(
            "error: {n} error{} in {bad} of {files} file{}\n",
            plural(n),
            plural(files)
        ));
        return EXIT_USAGE;
    }
    let cases = loaded.cases().count();
    out.stdout(&format!(
        "ok: {cases} case{} in {files} file{}\n",
        plural(cases),
        plural(files)
    ));
    EXIT_OK
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
