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
    let text = format!("case: t.case\ntitle: a test case\ntimeout: 10s\n{body}");
    let compiled = dsl::compile(&SourceFile::new(Path::new("case.yaml"), text), &dsl::Testbed::builtin());
    assert!(!compiled.has_errors(), "{:?}", compiled.diagnostics);
    compiled.cases.into_iter().next().unwrap()
}

/// Compiles a case made of `steps` (YAML list items, indented two spaces).
pub fn compile_steps(steps: &str) -> dsl::plan::Case {
    compile_body(&format!("steps:\n{steps}"))
}

/// Runs `case` on a paused-clock runtime (as `gatecheck run` does on `sim`).
pub fn block_on_paused<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(f)
}

/// Runs a case made of `steps` against a fresh simulated gateway with `profile` (`""`: compliant).
pub fn run_on_sim(steps: &str, profile: &str) -> CaseResult {
    run_case_on_sim(&compile_steps(steps), profile)
}

/// Runs `case` against a fresh simulated gateway with `profile` (`""`: compliant).
pub fn run_case_on_sim(case: &dsl::plan::Case, profile: &str) -> CaseResult {
    block_on_paused(async {
        let testbed = dsl::Testbed::builtin();
        let gateway = SimPorts::new(&testbed, &Profile::parse(profile).unwrap(), 1);
        runner::engine::run_case(case, &testbed, Box::new(gateway), 1).await
    })
}

/// Runs `case` against `ports` (a test gateway built for it) on a paused-clock runtime.
pub fn run_case_on(case: &dsl::plan::Case, ports: Box<dyn GatewayPorts>) -> CaseResult {
    block_on_paused(runner::engine::run_case(case, &dsl::Testbed::builtin(), ports, 1))
}
