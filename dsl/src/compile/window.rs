//! Windows shorter than a real gateway can be relied on to meet (docs/language.md §2).

use crate::diag::Diagnostic;
use crate::source::Span;
use std::time::Duration;

/// The shortest window a real gateway can be relied on to meet: the first packet of a flow takes
/// the gateway's slow path (a new connection-tracking entry), and a busy CPU and the tester's own
/// capture add milliseconds. A `within` below it draws a warning (docs/language.md §2).
pub const SHORTEST_REALISTIC_WINDOW: Duration = Duration::from_millis(10);

/// The warning for a window `within` (written at `span`) shorter than
/// [`SHORTEST_REALISTIC_WINDOW`]; `negative`: the window of `expect no`/`expect nothing`.
pub(crate) fn short_window_warning(within: Duration, span: Span, negative: bool) -> Option<Diagnostic> {
    if within >= SHORTEST_REALISTIC_WINDOW {
        return None;
    }
    let shortest = crate::duration::format(SHORTEST_REALISTIC_WINDOW);
    let consequence = if negative {
        "a negative step this short ends before a slow frame could come out, so it proves little"
    } else {
        "a correct real gateway could miss it"
    };
    Some(
        Diagnostic::warning(
            span,
            format!(
                "a window of {} is shorter than a real gateway can be relied on to meet (at least {shortest} is realistic)",
                crate::duration::format(within)
            ),
        )
        .with_label(format!("less than {shortest}"))
        .with_note(format!(
            "the first packet of a flow takes the gateway's slow path (a new connection-tracking entry), and a busy CPU and the capture add milliseconds: {consequence}"
        )),
    )
}
