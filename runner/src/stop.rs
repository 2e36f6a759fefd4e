//! The stop signal of a run (SIGINT, SIGTERM, `--max-duration`): the engine ends the step under
//! way when it comes, and the runner starts no new case.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::watch;

/// Asks a run to stop (SIGINT, SIGTERM): no new case starts, and the running ones end at once
/// with the verdict *skip* ("interrupted"); a `netns` case's lab is still removed.
#[derive(Debug)]
pub struct StopSignal {
    flag: AtomicBool,
    tx: watch::Sender<bool>,
}

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Arc<StopSignal> {
        Arc::new(StopSignal {
            flag: AtomicBool::new(false),
            tx: watch::channel(false).0,
        })
    }

    /// Gives the signal.
    pub fn stop(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.tx.send_replace(true);
    }

    /// Whether the signal was given.
    pub fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::SeqCst)
    }

    /// Resolves when the signal is given (at once if it already was).
    pub(crate) async fn stopped(&self) {
        let mut rx = self.tx.subscribe();
        loop {
            if *rx.borrow_and_update() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}
