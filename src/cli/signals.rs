//! SIGINT/SIGTERM: stop the run — no new case starts, running cases end at once (their labs are
//! removed) — and still write the reports of what finished.

use runner::run::StopSignal;
use std::sync::Arc;

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
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            stop.stop();
        });
    });
}
