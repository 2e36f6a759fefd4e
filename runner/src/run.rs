//! Running many cases: skips for missing capabilities, a fresh gateway per case (opened by
//! [`GatewaySpec::open`]), and a pool of `--jobs` workers (each case gets its own runtime, so
//! independent cases run in parallel).

use crate::backend::GatewaySpec;
use crate::result::{CaseResult, Verdict};
use crate::stop::StopSignal;
use dsl::plan::Case;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, mpsc};

/// A case to run and the folder it belongs to (the JUnit suite).
#[derive(Clone, Debug)]
pub struct Job {
    /// The compiled case.
    pub case: Case,
    /// Its folder, relative to the path given.
    pub group: String,
}

/// How to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Parallel workers.
    pub jobs: usize,
    /// Seed of every random choice (ISNs, ports); case i uses seed + i.
    pub seed: u64,
}

/// Why a case is skipped on this testbed, if it is.
pub fn skip_reason(case: &Case, testbed: &dsl::Testbed) -> Option<String> {
    let missing: Vec<&str> = case
        .needs
        .iter()
        .filter(|c| !testbed.capabilities.contains(c))
        .map(|c| c.name())
        .collect();
    (!missing.is_empty()).then(|| format!("the testbed lacks {}", missing.join(", ")))
}

/// A result for a case that did not run (skipped, with the reason).
pub fn not_run(job: &Job, reason: String) -> CaseResult {
    CaseResult::not_run(&job.case, &job.group, Verdict::Skip, reason)
}

/// Runs every job, calling `on_result` (on this thread) as each case finishes. Returns the ids
/// of cases that did not start because `stop` was set.
pub fn run_all(
    jobs: Vec<Job>,
    testbed: Arc<dsl::Testbed>,
    gateway: &GatewaySpec,
    opts: &RunOptions,
    stop: Arc<StopSignal>,
    mut on_result: impl FnMut(CaseResult),
) -> Vec<Job> {
    let queue: Arc<Mutex<VecDeque<(usize, Job)>>> = Arc::new(Mutex::new(jobs.into_iter().enumerate().collect()));
    let (tx, rx) = mpsc::channel::<CaseResult>();
    let workers = opts.jobs.max(1);
    let mut handles = Vec::new();
    for _ in 0..workers {
        let queue = queue.clone();
        let tx = tx.clone();
        let testbed = testbed.clone();
        let gateway = gateway.clone();
        let stop = stop.clone();
        let seed = opts.seed;
        handles.push(std::thread::spawn(move || {
            loop {
                if stop.is_stopped() {
                    return;
                }
                let Some((i, job)) = queue.lock().ok().and_then(|mut q| q.pop_front()) else {
                    return;
                };
                let result = run_one(&job, &testbed, &gateway, seed.wrapping_add(i as u64), &stop);
                if tx.send(result).is_err() {
                    return;
                }
            }
        }));
    }
    drop(tx);
    for r in rx {
        on_result(r);
    }
    for h in handles {
        let _ = h.join();
    }
    let left: Vec<Job> = queue
        .lock()
        .map(|mut q| q.drain(..).map(|(_, j)| j).collect())
        .unwrap_or_default();
    left
}

/// Runs one case on a fresh gateway: opens it, runs the case on the gateway's clock, removes
/// what was built for it (also when the case fails or errs).
pub fn run_one(job: &Job, testbed: &dsl::Testbed, gateway: &GatewaySpec, seed: u64, stop: &StopSignal) -> CaseResult {
    if let Some(reason) = skip_reason(&job.case, testbed) {
        return not_run(job, reason);
    }
    let error = |reason: String| CaseResult::not_run(&job.case, &job.group, Verdict::Error, reason);
    let rt = match gateway.clock().runtime() {
        Ok(rt) => rt,
        Err(e) => return error(e),
    };
    let opened = match gateway.open(testbed, seed, &rt) {
        Ok(o) => o,
        Err(e) => return error(e),
    };
    let mut result = rt.block_on(crate::engine::run_case_until(
        &job.case,
        testbed,
        opened.ports,
        seed,
        stop,
    ));
    result.group = job.group.clone();
    if let Some(teardown) = opened.teardown {
        if let Err(e) = teardown() {
            result.warnings.push(e);
        }
    }
    result
}
