//! `gatecheck run PATHS...`: compile, run against the gateway, report to the console, JUnit,
//! the captures and the repro bundles. `gatecheck run <bundle-dir>` reruns a bundle's case.
//!
//! [`run`] goes through its steps in order — the bundle, the testbed, the gateway, the cases,
//! the gateway's preparation, the output folder, the reporters, the run, its end — each of which
//! either gives the next what it needs or ends the command with its exit code.

mod bundle;
mod gateway;
mod out_dir;
mod reporters;
mod select;

use super::exit::{EXIT_ERROR, EXIT_NO_CASES, EXIT_USAGE, exit_for_verdicts};
use super::output::Output;
use bundle::Bundle;
use gateway::Gateway;
use out_dir::OutDirError;
use reporters::Reporters;
use reports::CaptureMode;
use runner::result::CaseResult;
use runner::run::{Job, RunOptions};
use runner::stop::StopSignal;
use select::{NoCase, Selection};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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

/// Runs the cases; returns the exit code.
pub fn run(out: &Output, args: RunArgs) -> u8 {
    run_steps(out, args).unwrap_or_else(|code| code)
}

/// The steps of [`run`], in order: the first that cannot go on ends the command with its exit
/// code (`Err`), after saying why; a run that went through ends with the code of its results.
fn run_steps(out: &Output, mut args: RunArgs) -> Result<u8, u8> {
    let rerun = resolve_bundle(out, &mut args)?;
    let testbed = out.testbed(args.testbed.as_deref()).ok_or(EXIT_USAGE)?;
    let max_duration = max_duration(out, args.max_duration.as_deref())?;
    let gateway = Gateway::resolve(out, args.gateway.as_deref(), &testbed)?;
    let loaded = out
        .load_cases(&args.paths, &testbed, "nothing was run")
        .ok_or(EXIT_USAGE)?;
    let jobs = select_jobs(out, &args, &loaded, rerun.case_id.as_deref())?;
    gateway.prepare(out, &testbed, &args.allow_host_interface)?;
    let report_dir = args.out.clone().unwrap_or(rerun.report_dir);
    let inputs = loaded
        .files
        .iter()
        .map(|f| f.source.path())
        .chain(args.testbed.as_deref());
    prepare_report_dir(out, &report_dir, inputs)?;
    let seed = args.seed.unwrap_or_else(rand_seed);
    let workers = gateway.workers(args.jobs);
    let mut reporters = Reporters::new(out, &args, &testbed, &gateway, &jobs, &report_dir, seed);
    reporters.run_started();
    out.stderr(&format!(
        "running {} case(s) on {} ({}), {} job(s), seed {seed}\n",
        jobs.len(),
        gateway.spec.backend(),
        gateway.spec.profile(),
        workers
    ));
    let options = RunOptions { jobs: workers, seed };
    let ended = execute(jobs, testbed, &gateway, &options, max_duration, &mut reporters);
    let report_failed = reporters.finish(out, &ended, args.max_duration.as_deref())?;
    Ok(exit_code(out, &ended, report_failed, args.max_duration.as_deref()))
}

/// What a repro bundle given as the path changes: its one case, where the reports go.
struct Rerun {
    /// The bundle's case, the only one to run (none when no bundle was given).
    case_id: Option<String>,
    /// The output folder unless `--out` names one.
    report_dir: PathBuf,
}

/// When the only path is a repro bundle: its case file, its testbed (which names its gateway)
/// and its seed, unless the command line gives them.
fn resolve_bundle(out: &Output, args: &mut RunArgs) -> Result<Rerun, u8> {
    let bundle = Bundle::find(&args.paths).map_err(|e| {
        out.error(&e);
        EXIT_USAGE
    })?;
    let Some(bundle) = bundle else {
        return Ok(Rerun {
            case_id: None,
            report_dir: PathBuf::from(out_dir::DEFAULT),
        });
    };
    out.stderr(&format!(
        "rerunning repro bundle {}: case {} (failed on {})\n",
        bundle.dir.display(),
        bundle.manifest.case_id,
        bundle.manifest.gateway
    ));
    args.paths = vec![bundle.case_file()];
    args.testbed = args.testbed.take().or_else(|| Some(bundle.testbed_file()));
    args.seed = args.seed.or(Some(bundle.manifest.seed));
    Ok(Rerun {
        case_id: Some(bundle.manifest.case_id.clone()),
        report_dir: PathBuf::from(out_dir::DEFAULT_RERUN),
    })
}

/// `--max-duration`, more than zero.
fn max_duration(out: &Output, text: Option<&str>) -> Result<Option<Duration>, u8> {
    match text.map(dsl::duration::parse).transpose() {
        Ok(Some(d)) if d.is_zero() => {
            out.error("--max-duration must be more than zero");
            Err(EXIT_USAGE)
        }
        Ok(d) => Ok(d),
        Err(e) => {
            out.error(&format!("--max-duration: {}", e.message));
            Err(EXIT_USAGE)
        }
    }
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
            Err(EXIT_ERROR)
        }
        Err(e) => {
            out.error(&e.to_string());
            Err(EXIT_USAGE)
        }
    }
}

/// How the run ended: the results of the cases that ran, the cases that did not, and why.
struct Ended {
    /// The results, in the order the cases finished.
    results: Vec<CaseResult>,
    /// The cases never started (the run was stopped).
    left: Vec<Job>,
    /// SIGINT, SIGTERM or `--max-duration` stopped the run.
    interrupted: bool,
    /// `--max-duration` stopped it.
    timed_out: bool,
    /// How long it took.
    elapsed: Duration,
}

/// Runs `jobs`, feeding each result to the reporters as its case finishes, until they are done
/// or a signal or `max_duration` stops the run.
fn execute(
    jobs: Vec<Job>,
    testbed: dsl::Testbed,
    gateway: &Gateway,
    options: &RunOptions,
    max_duration: Option<Duration>,
    reporters: &mut Reporters,
) -> Ended {
    let stop = StopSignal::new();
    super::signals::on_interrupt(stop.clone());
    let out_of_time = Arc::new(AtomicBool::new(false));
    if let Some(limit) = max_duration {
        let (stop, out_of_time) = (stop.clone(), out_of_time.clone());
        // A timer thread, not the engine: it only gives the stop signal when the limit passes.
        std::thread::spawn(move || {
            std::thread::sleep(limit);
            out_of_time.store(true, Ordering::SeqCst);
            stop.stop();
        });
    }
    let started = Instant::now();
    let mut results = Vec::new();
    let left = runner::run::run_all(jobs, Arc::new(testbed), &gateway.spec, options, stop.clone(), |r| {
        reporters.case_finished(&r);
        results.push(r);
    });
    Ended {
        results,
        left,
        interrupted: stop.is_stopped(),
        timed_out: out_of_time.load(Ordering::SeqCst),
        elapsed: started.elapsed(),
    }
}

/// The exit code of a run that went through: out of time, interrupted, a report unwritten, a
/// verdict *error*, a failure, or all fine, in that order of precedence.
fn exit_code(out: &Output, ended: &Ended, report_failed: bool, max_duration: Option<&str>) -> u8 {
    if ended.timed_out {
        out.error(&format!(
            "--max-duration {} reached: {} case(s) not run, the case(s) under way were interrupted",
            max_duration.unwrap_or_default(),
            ended.left.len()
        ));
        return EXIT_ERROR;
    }
    if ended.interrupted {
        super::signals::exit_code()
    } else if report_failed {
        EXIT_ERROR
    } else {
        exit_for_verdicts(ended.results.iter().map(|r| r.verdict))
    }
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

/// A seed from the clock, for a run given none.
fn rand_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}
