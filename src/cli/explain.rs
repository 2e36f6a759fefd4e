//! `gatecheck explain FILE`: the compiled steps, one per line.

use super::exit::{EXIT_OK, EXIT_USAGE};
use super::output::Output;
use std::path::Path;

/// Prints every variant of the case in `file`, or its errors.
pub fn run(out: &Output, file: &Path, testbed: Option<&Path>) -> u8 {
    let Some(testbed) = out.testbed(testbed) else {
        return EXIT_USAGE;
    };
    let Some(loaded) = out.load_cases(&[file.to_path_buf()], &testbed, "") else {
        return EXIT_USAGE;
    };
    let text: Vec<String> = loaded.cases().map(dsl::display::explain).collect();
    out.stdout(&text.join("\n"));
    EXIT_OK
}
