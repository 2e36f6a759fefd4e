//! `gatecheck verify`: a case judged against a recorded capture (docs/language.md §8), on the
//! [`replay`](crate::backend::replay) backend.

use crate::backend::Clock;
use crate::backend::replay::{Playback, ReplayPorts};
use crate::result::{CaseResult, Verdict};
use dsl::plan::Case;
use std::time::Duration;

/// Judges `case` against the frames of `playback`, each window widened by `skew`, on a paused
/// clock, and returns the result a live run would have given.
pub fn verify(case: &Case, testbed: &dsl::Testbed, playback: Playback, skew: Duration) -> CaseResult {
    let rt = match Clock::Paused.runtime() {
        Ok(rt) => rt,
        Err(e) => return CaseResult::not_run(case, "", Verdict::Error, e),
    };
    rt.block_on(async {
        let ports = ReplayPorts::new(playback.frames);
        crate::engine::verify_case(case, testbed, Box::new(ports), skew, playback.recorded_until).await
    })
}
