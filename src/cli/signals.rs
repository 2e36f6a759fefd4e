//! SIGINT/SIGTERM: stop the run — no new case starts, the step under way in each running case
//! ends at once (its lab is removed) — and still write the reports of what finished. The exit
//! code says which signal it was: 130 for SIGINT, 143 for SIGTERM.

use super::exit::exit_interrupted;
use runner::stop::StopSignal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

/// The number of SIGINT (Ctrl-C).
pub const SIGINT: u8 = 2;
/// The number of SIGTERM (what `kill` and service managers send).
pub const SIGTERM: u8 = 15;

/// The number of the signal that stopped the run (0: none yet).
static RECEIVED: AtomicU8 = AtomicU8::new(0);

/// The exit code of a run the signal stopped (SIGINT's when none was recorded).
pub fn exit_code() -> u8 {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => exit_interrupted(SIGINT),
        n => exit_interrupted(n),
    }
}

/// Gives `stop` when the process receives SIGINT or SIGTERM.
pub fn on_interrupt(stop: Arc<StopSignal>) {
    std::thread::spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_io().build() else {
            return;
        };
        rt.block_on(async move {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
                else {
                    return;
                };
                let number = tokio::select! {
                    _ = int.recv() => SIGINT,
                    _ = term.recv() => SIGTERM,
                };
                RECEIVED.store(number, Ordering::SeqCst);
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
                RECEIVED.store(SIGINT, Ordering::SeqCst);
            }
            stop.stop();
        });
    });
}
