//! Running many cases: the gateway backend chosen by `--gateway`, skips for missing
//! capabilities, and a pool of `--jobs` workers (each sim case gets its own gateway and its own
//! paused-clock runtime, so independent cases run in parallel).

use crate::result::{CaseResult, Verdict};
use crate::sim::Profile;
use crate::sim_testbed::SimTestbed;
use dsl::plan::Case;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;
use tokio::sync::watch;

/// The gateway backends, as `--gateway` names them.
pub const BACKENDS: [&str; 3] = ["sim", "netns", "wire"];

/// The forms `--gateway` takes, for help and error texts.
pub const FORMS: &str = "sim[:PROFILE], netns[:PROFILE] or wire";

/// Which gateway the cases run against.
#[derive(Clone, Debug)]
pub enum GatewaySpec {
    /// The built-in simulated gateway with a profile of quirks.
    Sim(Profile),
    /// A Linux kernel gateway in network namespaces, one fresh lab per case.
    Netns(crate::netns::profile::NetnsProfile),
    /// Two real interfaces cabled to a gateway (named by the testbed file).
    Wire,
}

impl GatewaySpec {
    /// Parses `sim`, `sim:PROFILE` (`sim:syn-data-drop+ecn-bleach`), `netns`, `netns:PROFILE`
    /// or `wire`; an unknown backend's error names the forms and the closest backend.
    pub fn parse(s: &str) -> Result<GatewaySpec, String> {
        let (backend, profile) = s.split_once(':').unwrap_or((s, ""));
        match backend {
            "sim" => Profile::parse(profile).map(GatewaySpec::Sim).map_err(|e| e.to_string()),
            "netns" => crate::netns::profile::NetnsProfile::parse(profile).map(GatewaySpec::Netns),
            "wire" if profile.is_empty() => Ok(GatewaySpec::Wire),
            "wire" => Err("the wire backend takes no profile: the gateway is whatever is cabled".into()),
            other => Err(format!(
                "unknown gateway backend `{other}`: expected {FORMS}{}",
                dsl::names::suggestion(other, BACKENDS)
            )),
        }
    }

    /// Whether a case's [`CaseResult::duration`] on this gateway is virtual: `sim` runs each case
    /// on tokio's paused clock, the others on real time.
    pub fn has_virtual_clock(&self) -> bool {
        matches!(self, GatewaySpec::Sim(_))
    }

    /// The backend name (`sim`).
    pub fn backend(&self) -> &'static str {
        match self {
            GatewaySpec::Sim(_) => "sim",
            GatewaySpec::Netns(_) => "netns",
            GatewaySpec::Wire => "wire",
        }
    }

    /// The profile as written (`compliant` when empty).
    pub fn profile(&self) -> String {
        match self {
            GatewaySpec::Sim(p) => {
                let s = p.to_string();
                if s.is_empty() { "compliant".into() } else { s }
            }
            GatewaySpec::Netns(p) => p.name().strip_prefix("netns:").unwrap_or("compliant").to_string(),
            GatewaySpec::Wire => "as cabled".into(),
        }
    }
}

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

/// A result for a case that did not run.
pub fn not_run(job: &Job, reason: String) -> CaseResult {
    CaseResult {
        id: job.case.id.clone(),
        file: job.case.location.file.as_ref().clone(),
        group: job.group.clone(),
        title: job.case.title.clone(),
        verdict: Verdict::Skip,
        duration: Duration::ZERO,
        wall_time: Duration::ZERO,
        reason: Some(reason),
        failure: None,
        warnings: vec![],
        log: vec![],
        unexpected: vec![],
        frames: vec![],
    }
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

/// A current-thread runtime on tokio's paused clock (waits cost nothing), or the verdict *error*
/// for `job` when it cannot start.
pub fn paused_runtime(job: &Job) -> Result<tokio::runtime::Runtime, Box<CaseResult>> {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| {
            let mut r = not_run(job, format!("could not start the engine: {e}"));
            r.verdict = Verdict::Error;
            Box::new(r)
        })
}

/// Runs one case on a fresh gateway.
pub fn run_one(job: &Job, testbed: &dsl::Testbed, gateway: &GatewaySpec, seed: u64, stop: &StopSignal) -> CaseResult {
    if let Some(reason) = skip_reason(&job.case, testbed) {
        return not_run(job, reason);
    }
    if let GatewaySpec::Netns(profile) = gateway {
        return run_netns(job, testbed, profile, seed, stop);
    }
    if let GatewaySpec::Wire = gateway {
        return run_wire(job, testbed, seed, stop);
    }
    let rt = match paused_runtime(job) {
        Ok(rt) => rt,
        Err(r) => return *r,
    };
    let mut result = rt.block_on(async {
        let tb: Box<dyn crate::testbed::Testbed> = match gateway {
            GatewaySpec::Sim(profile) => Box::new(SimTestbed::new(testbed, profile, seed)),
            GatewaySpec::Netns(_) | GatewaySpec::Wire => return not_run(job, "unreachable".into()),
        };
        crate::engine::run_case_until(&job.case, testbed, tb, seed, stop).await
    });
    result.group = job.group.clone();
    result
}

/// Runs one case against a fresh `netns` lab: build it, open its tester ends, run on real time,
/// remove it (also when the case fails or errs).
fn run_netns(
    job: &Job,
    testbed: &dsl::Testbed,
    profile: &crate::netns::profile::NetnsProfile,
    seed: u64,
    stop: &StopSignal,
) -> CaseResult {
    let error = |reason: String| {
        let mut r = not_run(job, reason);
        r.verdict = Verdict::Error;
        r
    };
    if !crate::netns::cmd::is_root() {
        return error("the netns gateway needs root (network namespaces): run as root".into());
    }
    let links = match crate::netns::links::LabLinks::for_testbed(testbed) {
        Ok(l) => l,
        Err(e) => return error(e.to_string()),
    };
    let lab = match crate::netns::lab::Lab::up_with(profile.clone(), links) {
        Ok(l) => l,
        Err(e) => return error(format!("could not build the netns lab: {e}")),
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return error(format!("could not start the engine: {e}")),
    };
    let opened = {
        let _in_runtime = rt.enter();
        crate::rawport::RawTestbed::open(Some(&lab.tester_ns), "tlan", "twan")
    };
    let tb = match opened {
        Ok(t) => t,
        Err(e) => {
            let mut r = error(format!("could not open the lab's interfaces: {e}"));
            if let Err(e) = lab.down() {
                r.warnings.push(format!("the lab could not be removed: {e}"));
            }
            return r;
        }
    };
    let mut result = rt.block_on(crate::engine::run_case_until(
        &job.case,
        testbed,
        Box::new(tb),
        seed,
        stop,
    ));
    result.group = job.group.clone();
    if let Err(e) = lab.down() {
        result.warnings.push(format!("the lab could not be removed: {e}"));
    }
    result
}

/// Runs one case on the `wire` backend: the testbed's two interfaces, real time. The interfaces
/// were checked by the caller (`wire_safety`) before the run.
fn run_wire(job: &Job, testbed: &dsl::Testbed, seed: u64, stop: &StopSignal) -> CaseResult {
    let error = |reason: String| {
        let mut r = not_run(job, reason);
        r.verdict = Verdict::Error;
        r
    };
    let (Some(lan), Some(wan)) = (testbed.lan.interface.as_deref(), testbed.wan.interface.as_deref()) else {
        return error("the wire backend needs `interface:` on both sides of the testbed file".into());
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return error(format!("could not start the engine: {e}")),
    };
    let opened = {
        let _in_runtime = rt.enter();
        crate::rawport::RawTestbed::open(None, lan, wan)
    };
    let mut tb = match opened {
        Ok(t) => t,
        Err(e) => return error(e.to_string()),
    };
    tb.set_caveat("on `wire` the gateway keeps its state between cases (rule 9): a fresh gateway cannot be guaranteed");
    let mut result = rt.block_on(crate::engine::run_case_until(
        &job.case,
        testbed,
        Box::new(tb),
        seed,
        stop,
    ));
    result.group = job.group.clone();
    result
}
