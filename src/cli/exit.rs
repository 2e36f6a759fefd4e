//! The exit codes of every command, defined here and nowhere else (README and
//! docs/language.md §8 list them).
//!
//! A command's steps return `Result<T, u8>`: the value the next step needs, or the exit code
//! the command ends with, once the step has said why. The command's `run` then chooses its code
//! in one place.

use runner::result::Verdict;

/// Exit code: everything is fine (every case passed or was skipped; the files are clean).
pub const EXIT_OK: u8 = 0;
/// Exit code: a case failed.
pub const EXIT_FAILED: u8 = 1;
/// Exit code: a case file, testbed file or argument is wrong (also an `--out` folder that is not
/// gatecheck's).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: a case could not be judged — the testbed or runner broke (a verdict *error*, a lab
/// that could not be built), a report could not be written, or `--max-duration` ended the run.
pub const EXIT_ERROR: u8 = 3;
/// Exit code: the paths and selection options left no case to run (as cargo-nextest's "no tests
/// to run").
pub const EXIT_NO_CASES: u8 = 4;

/// The exit code of a run that signal number `signal` stopped: 128 + the number, as a shell
/// reports a process the signal killed (130 for SIGINT, 143 for SIGTERM).
pub const fn exit_interrupted(signal: u8) -> u8 {
    128 + signal
}

/// The exit code of cases judged with these verdicts: an *error* outweighs a failure, a failure
/// a pass; skipped cases count as passed.
pub fn exit_for_verdicts(verdicts: impl IntoIterator<Item = Verdict>) -> u8 {
    verdicts.into_iter().fold(EXIT_OK, |code, v| match v {
        Verdict::Error => EXIT_ERROR,
        Verdict::Fail if code != EXIT_ERROR => EXIT_FAILED,
        _ => code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::signals::{SIGINT, SIGTERM};
    use std::collections::BTreeSet;

    /// The numbers a sentence starting `Exit codes:` gives, up to the end of its paragraph.
    fn documented(file: &str) -> BTreeSet<u8> {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + file)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let from = text
            .find("Exit codes:")
            .unwrap_or_else(|| panic!("{file} lists no exit codes"));
        let paragraph = text[from..].split("\n\n").next().unwrap_or_default();
        paragraph
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse().ok())
            .collect()
    }

    #[test]
    fn the_documented_exit_codes_are_the_defined_ones() {
        let defined = BTreeSet::from([
            EXIT_OK,
            EXIT_FAILED,
            EXIT_USAGE,
            EXIT_ERROR,
            EXIT_NO_CASES,
            exit_interrupted(SIGINT),
            exit_interrupted(SIGTERM),
        ]);
        for file in ["README.md", "docs/language.md"] {
            assert_eq!(documented(file), defined, "{file}");
        }
    }
}
