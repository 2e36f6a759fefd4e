//! `gatecheck run PATHS...`: compile, run against the gateway, report to the console, JUnit,
//! the captures and the repro bundles. `gatecheck run <bundle-dir>` reruns a bundle's case.

use super::bundle::Bundle;
use super::out_dir::{self, OutDirError};
use super::output::Output;
use super::select::{NoCase, Selection};
use super::{EXIT_FAILED, EXIT_NO_CASES, EXIT_OK, EXIT_USAGE};
use reports::{
    CaptureConfig, CaptureMode, CaptureReporter, CaptureRunInfo, CaseClock, ConsoleReporter, JunitReporter, Reporter,
    ReproReporter, RunInfo, RunSummary,
};
use runner::backend::GatewaySpec;
use runner::result::{CaseResult, Verdict};
use runner::run::{Job, RunOptions};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Exit code: the testbed or runner broke.
pub const EXIT_TESTBED: u8 = 3;

/// The options of `run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Case files or folders (searched recursively for *.yaml), or one repro bundle folder
    /// (reruns its case with its testbed, gateway and seed unless overridden).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The gateway (default: the testbed's `gateway:`, else sim; `gatecheck gateways` lists them).
    #[arg(long, help = gateway_help())]
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
    /// Cases run in parallel, at least 1 (default: the number of cores).
    #[arg(long, value_parser = parse_jobs)]
    pub jobs: Option<usize>,
    /// JUnit XML file (default: OUT/junit.xml).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Folder for reports (default: gatecheck-out; gatecheck-rerun for a bundle): emptied of an
    /// earlier run's reports first; a non-empty folder that is not gatecheck's is refused.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Seed for random choices (ISNs, ports), printed so a run can be repeated.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Stop the whole run after this long (e.g. `20m`): the step under way ends, cases not yet
    /// started are reported as skipped, and the exit code is 3.
    #[arg(long = "max-duration")]
    pub max_duration: Option<String>,
    /// Which cases get a pcapng capture of both sides in OUT/captures/: none, failed, all.
    #[arg(long, default_value = "failed")]
    pub capture: CaptureMode,
    /// Let the `wire` backend use this interface although it carries an address or route of
    /// this host (repeatable).
    #[arg(long = "allow-host-interface")]
    pub allow_host_interface: Vec<String>,
}

/// Runs the cases.
pub fn run(out: &Output, mut args: RunArgs) -> u8 {
    // A repro bundle: its one case, its testbed (which names its gateway), its seed.
    let mut exact_id = None;
    let mut report_dir = PathBuf::from(out_dir::DEFAULT);
    match Bundle::find(&args.paths) {
        Ok(None) => {}
        Ok(Some(bundle)) => {
            out.stderr(&format!(
                "rerunning repro bundle {}: case {} (failed on {})\n",
                bundle.dir.display(),
                bundle.manifest.case_id,
                bundle.manifest.gateway
            ));
            args.paths = vec![bundle.case_file()];
            args.testbed = args.testbed.or_else(|| Some(bundle.testbed_file()));
            args.seed = args.seed.or(Some(bundle.manifest.seed));
            exact_id = Some(bundle.manifest.case_id.clone());
            report_dir = PathBuf::from(out_dir::DEFAULT_RERUN);
        }
        Err(e) => {
            out.error(&e);
            return EXIT_USAGE;
        }
    }
    let Some(testbed) = out.testbed(args.testbed.as_deref()) else {
        return EXIT_USAGE;
    };
    let max_duration = match args.max_duration.as_deref().map(dsl::duration::parse).transpose() {
        Ok(Some(d)) if d.is_zero() => {
            out.error("--max-duration must be more than zero");
            return EXIT_USAGE;
        }
        Ok(d) => d,
        Err(e) => {
            out.error(&format!("--max-duration: {}", e.message));
            return EXIT_USAGE;
        }
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
    let Some(loaded) = out.load_cases(&args.paths, &testbed, "nothing was run") else {
        return EXIT_USAGE;
    };
    let jobs = match select_jobs(out, &args, &loaded, exact_id.as_deref()) {
        Ok(jobs) => jobs,
        Err(code) => return code,
    };
    if let GatewaySpec::Wire = gateway {
        let (Some(lan), Some(wan)) = (testbed.lan.interface.clone(), testbed.wan.interface.clone()) else {
            out.error("--gateway wire needs a testbed file whose lan and wan sides name an `interface:`");
            return EXIT_USAGE;
        };
        for name in [&lan, &wan] {
            match runner::backend::raw::safety::check_interface(name, &args.allow_host_interface) {
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
        // The lab has the built-in addresses; a testbed file may only change its MTUs.
        if let Err(e) = runner::backend::netns::links::LabLinks::for_testbed(&testbed) {
            out.error(&e.to_string());
            return EXIT_USAGE;
        }
        // Labs left by a run that was killed (its pid is gone) are removed before building new ones.
        if let Ok(labs) = runner::backend::netns::lab::labs() {
            for l in labs.iter().filter(|l| !l.kept && !l.owner_alive) {
                match runner::backend::netns::lab::remove(&l.id) {
                    Ok(()) => out.stderr(&format!(
                        "removed lab {} left by a run that ended without cleaning up\n",
                        l.id
                    )),
                    Err(e) => out.error(&e.to_string()),
                }
            }
        }
    }
    let report_dir = args.out.clone().unwrap_or(report_dir);
    let inputs = loaded
        .files
        .iter()
        .map(|f| f.source.path())
        .chain(args.testbed.as_deref());
    if let Err(code) = prepare_report_dir(out, &report_dir, inputs) {
        return code;
    }
    let seed = args.seed.unwrap_or_else(rand_seed);
    let mut workers = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if let GatewaySpec::Wire = gateway {
        // One gateway on one pair of interfaces: cases run one after another.
        workers = 1;
    }
    let junit_path = args.junit.clone().unwrap_or_else(|| report_dir.join(out_dir::JUNIT));
    // Case i of the queue runs with seed + i: a bundle records that seed, and reruns its case
    // alone (index 0) with it.
    let seeds: HashMap<String, u64> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.case.id.clone(), seed.wrapping_add(i as u64)))
        .collect();
    let info = RunInfo {
        gateway: gateway.backend().to_string(),
        profile: gateway.profile(),
        testbed: args
            .testbed
            .as_ref()
            .map_or("built-in".to_string(), |p| p.display().to_string()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        cases: jobs.iter().map(|j| j.case.id.clone()).collect(),
        clock: if gateway.has_virtual_clock() {
            CaseClock::Virtual
        } else {
            CaseClock::Real
        },
        started: std::time::SystemTime::now(),
    };
    let show_progress = std::io::stderr().is_terminal() && jobs.len() > 4;
    let console = ConsoleReporter::new(Box::new(std::io::stdout()), out.color(), show_progress);
    let captures = CaptureConfig {
        dir: report_dir.join(out_dir::CAPTURES),
        mode: args.capture,
    };
    let mut junit = JunitReporter::new(junit_path.clone()).with_captures(captures.clone());
    let run_info = CaptureRunInfo {
        gateway: gateway_text.clone(),
        version: info.version.clone(),
        interfaces: interface_descriptions(&testbed, &gateway, &gateway_text),
    };
    let mut capture = CaptureReporter::new(captures, run_info.clone());
    let repro_dir = report_dir.join(out_dir::REPRO);
    let mut repro = ReproReporter::new(repro_dir.clone(), &testbed, run_info, seeds);
    let mut console = console;
    console.run_started(&info);
    junit.run_started(&info);
    capture.run_started(&info);
    repro.run_started(&info);
    out.stderr(&format!(
        "running {} case(s) on {} ({}), {} job(s), seed {seed}\n",
        jobs.len(),
        info.gateway,
        info.profile,
        workers
    ));

    let stop = runner::stop::StopSignal::new();
    super::signals::on_interrupt(stop.clone());
    let out_of_time = Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(limit) = max_duration {
        let (stop, out_of_time) = (stop.clone(), out_of_time.clone());
        // A timer thread, not the engine: it only gives the stop signal when the limit passes.
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            out_of_time.store(true, std::sync::atomic::Ordering::SeqCst);
            stop.stop();
        });
    }
    let started = std::time::Instant::now();
    let mut results: Vec<CaseResult> = Vec::new();
    let left = runner::run::run_all(
        jobs,
        Arc::new(testbed),
        &gateway,
        &RunOptions { jobs: workers, seed },
        stop.clone(),
        |r| {
            capture.case_finished(&r);
            repro.case_finished(&r);
            console.case_finished(&r);
            junit.case_finished(&r);
            results.push(r);
        },
    );
    let interrupted = stop.is_stopped();
    let timed_out = out_of_time.load(std::sync::atomic::Ordering::SeqCst);
    let not_run_reason = if timed_out {
        format!(
            "not run: --max-duration {} reached",
            args.max_duration.as_deref().unwrap_or_default()
        )
    } else {
        "interrupted".to_string()
    };
    for j in &left {
        junit.add_not_run(&j.case.id, &j.group, &not_run_reason);
    }
    let mut summary = RunSummary::from_results(&results, started.elapsed());
    summary.interrupted = interrupted;
    summary.skipped += left.len();
    if let Err(e) = console.run_finished(&summary) {
        out.error(&e.to_string());
    }
    let mut report_failed = false;
    for r in [capture.run_finished(&summary), repro.run_finished(&summary)] {
        if let Err(e) = r {
            out.error(&e.to_string());
            report_failed = true;
        }
    }
    if !capture.written().is_empty() {
        out.stderr(&format!(
            "captures: {} file(s) in {}\n",
            capture.written().len(),
            report_dir.join(out_dir::CAPTURES).display()
        ));
    }
    // In the order the cases were selected, as the console's details (the bundles were written
    // as cases finished).
    let mut bundles = repro.written().to_vec();
    bundles.sort_by_key(|b| {
        info.cases
            .iter()
            .position(|id| *b == repro_dir.join(reports::file_stem(id)))
    });
    for b in &bundles {
        out.stderr(&format!(
            "repro bundle: {} (rerun: gatecheck run {})\n",
            b.display(),
            b.display()
        ));
    }
    if let Err(e) = junit.run_finished(&summary) {
        out.error(&e.to_string());
        return EXIT_TESTBED;
    }
    out.stderr(&format!("JUnit: {}\n", junit_path.display()));
    if timed_out {
        out.error(&format!(
            "--max-duration {} reached: {} case(s) not run, the case(s) under way were interrupted",
            args.max_duration.as_deref().unwrap_or_default(),
            left.len()
        ));
        return EXIT_TESTBED;
    }
    if interrupted {
        return super::signals::exit_code();
    }
    if report_failed {
        return EXIT_TESTBED;
    }
    if results.iter().any(|r| r.verdict == Verdict::Error) {
        return EXIT_TESTBED;
    }
    if results.iter().any(|r| r.verdict == Verdict::Fail) {
        return EXIT_FAILED;
    }
    EXIT_OK
}

/// The cases of `loaded` that the selection options (and a bundle's case) keep, in file order;
/// when none is left, the error is said and its exit code returned.
fn select_jobs(out: &Output, args: &RunArgs, loaded: &dsl::Loaded, bundle_case: Option<&str>) -> Result<Vec<Job>, u8> {
    let all: Vec<Job> = loaded
        .files
        .iter()
        .flat_map(|f| {
            let group = group_of(&args.paths, f.source.path());
            f.compiled.cases.iter().map(move |c| Job {
                case: c.clone(),
                group: group.clone(),
            })
        })
        .collect();
    let selection = Selection {
        tags: &args.tags,
        skip_tags: &args.skip_tags,
        filter: args.filter.as_deref(),
        bundle_case,
    };
    let paths = args
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    selection.select(all, |j| &j.case).map_err(|no_case| match no_case {
        NoCase::BundleCaseGone(id) => {
            out.error(&format!("the bundle's case file no longer holds case {id}"));
            EXIT_USAGE
        }
        NoCase::NoCases => {
            out.error(&format!("no case to run: no case file in {paths}"));
            EXIT_NO_CASES
        }
        NoCase::NothingMatched(why) => {
            out.error(&format!("no case to run in {paths}: {why}"));
            EXIT_NO_CASES
        }
    })
}

/// Makes `dir` the run's output folder (see [`out_dir`]); refuses it when it holds one of
/// `inputs`. An error is said and its exit code returned.
fn prepare_report_dir<'a>(out: &Output, dir: &Path, inputs: impl IntoIterator<Item = &'a Path>) -> Result<(), u8> {
    match out_dir::check_inputs(dir, inputs).and_then(|()| out_dir::prepare(dir)) {
        Ok(left) => {
            for path in left {
                out.stderr(&format!(
                    "warning: {} is not gatecheck's: left in place in the output folder\n",
                    path.display()
                ));
            }
            Ok(())
        }
        Err(e @ OutDirError::Io { .. }) => {
            out.error(&e.to_string());
            Err(EXIT_TESTBED)
        }
        Err(e) => {
            out.error(&e.to_string());
            Err(EXIT_USAGE)
        }
    }
}

/// The `if_description` of the `lan` and `wan` interfaces in captures: which interface of the
/// testbed (the tester ends `tlan`/`twan` on `netns`) and which gateway.
fn interface_descriptions(testbed: &dsl::Testbed, gateway: &GatewaySpec, gateway_text: &str) -> [String; 2] {
    let describe = |side: &dsl::testbed::SideConf, netns_end: &str| {
        let iface = match gateway {
            GatewaySpec::Netns(_) => Some(netns_end.to_string()),
            GatewaySpec::Wire => side.interface.clone(),
            GatewaySpec::Sim(_) => None,
        };
        match iface {
            Some(i) => format!("testbed interface {i}, gateway {gateway_text}"),
            None => format!("simulated link, gateway {gateway_text}"),
        }
    };
    [describe(&testbed.lan, "tlan"), describe(&testbed.wan, "twan")]
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

/// The help of `--gateway`: the forms it takes.
fn gateway_help() -> String {
    format!(
        "The gateway: {} (default: the testbed's `gateway:`, else sim; `gatecheck gateways` lists them)",
        runner::backend::FORMS
    )
}

/// `--jobs N`: a number of parallel workers, at least 1.
fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("at least 1 job is needed to run cases".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a number of jobs: {e}")),
    }
}

fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}
