//! Helpers shared by the runner's integration tests.

#![allow(dead_code)]

use dsl::source::SourceFile;
use runner::backend::GatewayPorts;
use runner::backend::sim::Profile;
use runner::backend::sim::SimPorts;
use runner::result::CaseResult;
use std::path::Path;

/// Compiles a case whose keys after `case`, `title` and `timeout` are `body` (`flows:`, `steps:`,
/// ...) against the built-in testbed; panics on compile errors.
pub fn compile_body(body: &str) -> dsl::plan::Case {
    compile_text(&format!("case: t.case\ntitle: a test case\ntimeout: 10s\n{body}"))
}

/// Compiles a case made of `steps` (YAML list items, indented two spaces).
pub fn compile_steps(steps: &str) -> dsl::plan::Case {
    compile_body(&format!("steps:\n{steps}"))
}

/// Runs `case` on a paused-clock runtime (as `gatecheck run` does on `sim`).
pub fn block_on_paused<F: std::future::Future>(f: F) -> F::Output {
    runner::backend::Clock::Paused.runtime().unwrap().block_on(f)
}

/// Runs a case made of `steps` against a fresh simulated gateway with `profile` (`""`: compliant).
pub fn run_on_sim(steps: &str, profile: &str) -> CaseResult {
    run_case_on_sim(&compile_steps(steps), profile)
}

/// Runs `case` against a fresh simulated gateway with `profile` (`""`: compliant).
pub fn run_case_on_sim(case: &dsl::plan::Case, profile: &str) -> CaseResult {
    // The simulated gateway reads the clock of the runtime it is made in: make it in the one
    // that runs the case.
    block_on_paused(async {
        let testbed = dsl::Testbed::builtin();
        let gateway = SimPorts::new(&testbed, &Profile::parse(profile).unwrap(), 1);
        runner::engine::run_case(case, &testbed, Box::new(gateway), 1).await
    })
}

/// Compiles a whole case file's `text` against the built-in testbed; panics on compile errors.
pub fn compile_text(text: &str) -> dsl::plan::Case {
    let compiled = dsl::compile(&SourceFile::new(Path::new("case.yaml"), text), &dsl::Testbed::builtin());
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.cases.into_iter().next().unwrap()
}

/// Compiles a case made of `steps` (YAML list items, indented two spaces) whose time limit is
/// `timeout` (`3s`).
pub fn compile_steps_within(timeout: &str, steps: &str) -> dsl::plan::Case {
    compile_text(&format!(
        "case: t.case\ntitle: a test case\ntimeout: {timeout}\nsteps:\n{steps}"
    ))
}

/// The first case of a file of the case library (`cases/tfo/cookie_then_data.yaml`).
pub fn library_case(rel: &str) -> dsl::plan::Case {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    let loaded = dsl::load(&[path], &dsl::Testbed::builtin()).unwrap();
    assert!(!loaded.has_errors(), "{rel} does not compile");
    loaded.files[0].compiled.cases[0].clone()
}

/// Runs `case` against `gateway` on a fresh runtime of `clock` (paused: waits cost nothing;
/// real: a gateway that runs in real time), as `gatecheck run` runs each case.
pub fn run_case_with(
    case: &dsl::plan::Case,
    gateway: impl runner::backend::GatewayPorts + 'static,
    clock: runner::backend::Clock,
) -> CaseResult {
    run_boxed(case, Box::new(gateway), clock)
}

/// Runs `case` against `ports` (a test gateway built for it) on a paused-clock runtime.
pub fn run_case_on(case: &dsl::plan::Case, ports: Box<dyn GatewayPorts>) -> CaseResult {
    run_boxed(case, ports, runner::backend::Clock::Paused)
}

fn run_boxed(case: &dsl::plan::Case, ports: Box<dyn GatewayPorts>, clock: runner::backend::Clock) -> CaseResult {
    clock
        .runtime()
        .unwrap()
        .block_on(runner::engine::run_case(case, &dsl::Testbed::builtin(), ports, 1))
}

/// Whether a test that needs root and `tools` (network namespaces, `nft`) can run here; when it
/// cannot, says so loudly on stderr, naming the test, and the test returns at once.
pub fn root_and_tools_for(test: &str, tools: &[&str]) -> bool {
    let missing = if !runner::backend::host_tools::is_root() {
        Some("needs root".to_string())
    } else {
        tools
            .iter()
            .find(|t| std::process::Command::new(t).arg("--version").output().is_err())
            .map(|t| format!("needs `{t}`"))
    };
    match missing {
        Some(why) => {
            eprintln!("\n!!! SKIPPED {test}: {why}. !!!\n");
            false
        }
        None => true,
    }
}

/// Frames a hand-built test gateway emits at set times on tokio's clock, in order: the engine
/// sees each when its time comes, woken by a timer, never by polling in a loop.
#[derive(Default)]
pub struct TimedFrames {
    queue: std::collections::VecDeque<runner::backend::Received>,
    timer: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl TimedFrames {
    /// Queues `bytes` to come out on `side` at `at` (after every frame queued before it).
    pub fn push(&mut self, side: dsl::plan::Side, at: tokio::time::Instant, bytes: Vec<u8>) {
        self.queue.push_back(runner::backend::Received {
            side,
            at,
            bytes,
            toward_gateway: false,
        });
    }

    /// The next frame once its time has come: `Pending` until then (the context is woken when
    /// it comes), `Ready(None)` when nothing is queued.
    pub fn poll_next(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Option<runner::backend::Received>> {
        use std::future::Future;
        use std::task::Poll;
        let Some(due) = self.queue.front().map(|r| r.at) else {
            return Poll::Ready(None);
        };
        if tokio::time::Instant::now() >= due {
            self.timer = None;
            return Poll::Ready(self.queue.pop_front());
        }
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(due)));
        timer.as_mut().reset(due);
        if timer.as_mut().poll(cx).is_ready() {
            self.timer = None;
            return Poll::Ready(self.queue.pop_front());
        }
        Poll::Pending
    }
}
