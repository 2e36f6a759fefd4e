//! `gatecheck explain FILE`: the compiled steps, one per line.

use super::output::Output;
use super::{EXIT_OK, EXIT_USAGE};
use std::path::Path;

/// Prints every variant of the case in `file`, or its errors.
pub fn run(out: &Output, file: &Path, testbed: Option<&Path>) -> u8 {
    let Some(testbed) = out.testbed(testbed) else {
        return EXIT_USAGE;
    };
    let loaded = match dsl::load(&[file.to_path_buf()], &testbed) {
        Ok(l) => l,
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    out.diagnostics(&loaded);
    if loaded.has_errors() {
        return EXIT_USAGE;
    }
    let text: Vec<String> = loaded.cases().map(dsl::display::explain).collect();
    out.stdout(&text.join("\n"));
    EXIT_OK
}
