//! `gatecheck run PATHS...`: compile, run against the gateway, report to the console and JUnit.

use super::output::Output;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use reports::{ConsoleReporter, JunitReporter, Reporter, RunInfo, RunSummary};
use runner::result::{CaseResult, Verdict};
use runner::run::{GatewaySpec, Job, RunOptions};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Exit code: the testbed or runner broke.
pub const EXIT_TESTBED: u8 = 3;
/// Exit code: interrupted by SIGINT.
pub const EXIT_INTERRUPTED: u8 = 130;

/// The options of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Case files or folders (searched recursively for *.yaml).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The gateway: sim[:PROFILE] (default sim; `gatecheck gateways` lists them).
    #[arg(long)]
    pub gateway: Option<String>,
    /// Testbed file (default: the built-in testbed).
    #[arg(long)]
    pub testbed: Option<PathBuf>,
    /// Only cases with this tag (repeatable: any of them).
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Leave out cases with this tag (repeatable).
    #[arg(long = "skip-tag")]
    pub skip_tags: Vec<String>,
    /// Only cases whose id contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Cases run in parallel (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// JUnit XML file (default: OUT/junit.xml).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Folder for reports (default: gatecheck-out).
    #[arg(long, default_value = "gatecheck-out")]
    pub out: PathBuf,
    /// Seed for random choices (ISNs, ports), printed so a run can be repeated.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Let the `wire` backend use this interface although it carries an address or route of
    /// this host (repeatable).
    #[arg(long = "allow-host-interface")]
    pub allow_host_interface: Vec<String>,
}

/// Runs the cases.
pub fn run(out: &Output, args: RunArgs) -> u8 {
    let Some(testbed) = out.testbed(args.testbed.as_deref()) else {
        return EXIT_USAGE;
    };
    let gateway_text = args
        .gateway
        .clone()
        .or(testbed.gateway.clone())
        .unwrap_or_else(|| "sim".into());
    let gateway = match GatewaySpec::parse(&gateway_text) {
        Ok(g) => g,
        Err(e) => {
            out.error(&format!("--gateway {gateway_text}: {e}"));
            return EXIT_USAGE;
        }
    };
    let loaded = match dsl::load(&args.paths, &testbed) {
        Ok(l) => l,
        Err(e) => {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
    };
    out.diagnostics(&loaded);
    if loaded.has_errors() {
        out.error(&format!(
            "{} error(s) in the case files; nothing was run",
            loaded.error_count()
        ));
        return EXIT_USAGE;
    }
    let mut jobs = Vec::new();
    for f in &loaded.files {
        for c in &f.compiled.cases {
            if !args.tags.is_empty() && !c.tags.iter().any(|t| args.tags.contains(t)) {
                continue;
            }
            if c.tags.iter().any(|t| args.skip_tags.contains(t)) {
                continue;
            }
            if args.filter.as_ref().is_some_and(|s| !c.id.contains(s.as_str())) {
                continue;
            }
            jobs.push(Job {
                case: c.clone(),
                group: group_of(&args.paths, f.source.path()),
            });
        }
    }
    if let GatewaySpec::Wire = gateway {
        let (Some(lan), Some(wan)) = (testbed.lan.interface.clone(), testbed.wan.interface.clone()) else {
            out.error("--gateway wire needs a testbed file whose lan and wan sides name an `interface:`");
            return EXIT_USAGE;
        };
        for name in [&lan, &wan] {
            match runner::wire_safety::check_interface(name, &args.allow_host_interface) {
                Ok(warnings) => {
                    for w in warnings {
                        out.stderr(&format!("warning: {w}\n"));
                    }
                }
                Err(refusal) => {
                    out.error(&refusal.to_string());
                    return EXIT_TESTBED;
                }
            }
        }
    }
    if let GatewaySpec::Netns(_) = gateway {
        // Labs left by a run that was killed (its pid is gone) are removed before building new ones.
        if let Ok(labs) = runner::netns::lab::labs() {
            for l in labs.iter().filter(|l| !l.kept && !l.owner_alive) {
                match runner::netns::lab::remove(&l.id) {
                    Ok(()) => out.stderr(&format!(
                        "removed lab {} left by a run that ended without cleaning up\n",
                        l.id
                    )),
                    Err(e) => out.error(&e.to_string()),
                }
            }
        }
    }
    let seed = args.seed.unwrap_or_else(rand_seed);
    let mut workers = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if let GatewaySpec::Wire = gateway {
        // One gateway on one pair of interfaces: cases run one after another.
        workers = 1;
    }
    let junit_path = args.junit.clone().unwrap_or_else(|| args.out.join("junit.xml"));
    let info = RunInfo {
        gateway: gateway.backend().to_string(),
        profile: gateway.profile(),
        testbed: args
            .testbed
            .as_ref()
            .map_or("built-in".to_string(), |p| p.display().to_string()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        total_cases: jobs.len(),
        started: std::time::SystemTime::now(),
    };
    let show_progress = std::io::stderr().is_terminal() && jobs.len() > 4;
    let console = ConsoleReporter::new(Box::new(std::io::stdout()), out.color(), show_progress);
    let mut junit = JunitReporter::new(junit_path.clone());
    let mut console = console;
    console.run_started(&info);
    junit.run_started(&info);
    out.stderr(&format!(
        "running {} case(s) on {} ({}), {} job(s), seed {seed}\n",
        jobs.len(),
        info.gateway,
        info.profile,
        workers
    ));

    let stop = runner::run::StopSignal::new();
    super::signals::on_interrupt(stop.clone());
    let started = std::time::Instant::now();
    let mut results: Vec<CaseResult> = Vec::new();
    let left = runner::run::run_all(
        jobs,
        Arc::new(testbed),
        &gateway,
        &RunOptions { jobs: workers, seed },
        stop.clone(),
        |r| {
            console.case_finished(&r);
            junit.case_finished(&r);
            results.push(r);
        },
    );
    let interrupted = stop.is_stopped();
    for j in &left {
        junit.add_not_run(&j.case.id, &j.group, "interrupted");
    }
    let mut summary = RunSummary::from_results(&results, started.elapsed());
    summary.interrupted = interrupted;
    summary.skipped += left.len();
    if let Err(e) = console.run_finished(&summary) {
        out.error(&e.to_string());
    }
    if let Err(e) = junit.run_finished(&summary) {
        out.error(&e.to_string());
        return EXIT_TESTBED;
    }
    out.stderr(&format!("JUnit: {}\n", junit_path.display()));
    if interrupted {
        return EXIT_INTERRUPTED;
    }
    if results.iter().any(|r| r.verdict == Verdict::Error) {
        return EXIT_TESTBED;
    }
    if results.iter().any(|r| r.verdict == Verdict::Fail) {
        return EXIT_FAILED;
    }
    EXIT_OK
}

/// The folder of a case file relative to the path the user gave (the JUnit suite/classname).
fn group_of(roots: &[PathBuf], file: &Path) -> String {
    let dir = file.parent().unwrap_or(Path::new(""));
    for r in roots {
        if let Ok(rel) = dir.strip_prefix(r) {
            let s = rel.display().to_string();
            if !s.is_empty() {
                return s;
            }
            return r
                .file_name()
                .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned());
        }
    }
    dir.file_name()
        .map_or_else(|| ".".to_string(), |n| n.to_string_lossy().into_owned())
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}
