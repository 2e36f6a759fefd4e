//! `gatecheck verify CAPTURE CASE`: judges a case against a capture recorded elsewhere (both
//! sides of a gateway in one pcapng), with the verdict, report and exit code of a live run.

use super::exit::{EXIT_ERROR, EXIT_USAGE, exit_for_verdicts};
use super::output::{Output, testbed_label};
use dsl::plan::Case;
use pcapng::Capture;
use reports::{CaseClock, ConsoleReporter, JunitReporter, Reporter, RunInfo, RunSummary};
use runner::backend::replay::{self, Playback};
use runner::result::CaseResult;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

/// The options of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The capture: one pcapng file holding the LAN and WAN sides of the gateway.
    pub capture: PathBuf,
    /// The case file.
    pub case: PathBuf,
    /// Testbed file with the addresses and MACs the capture shows (default: the built-in testbed).
    #[arg(long)]
    pub testbed: Option<PathBuf>,
    /// The capture's interface on the gateway's LAN side: its name or index (default: the
    /// interface named `lan`, or the one carrying the testbed's LAN addresses).
    #[arg(long)]
    pub lan: Option<String>,
    /// The capture's interface on the WAN side: its name or index.
    #[arg(long)]
    pub wan: Option<String>,
    /// How far apart the two interfaces' clocks may be (e.g. `2ms`): every window widens by it.
    #[arg(long, default_value = "0s")]
    pub skew: String,
    /// Which case of the file, when it holds several (default: the one the capture names, or
    /// the only one).
    #[arg(long = "case-id")]
    pub case_id: Option<String>,
    /// Also write the verdict as JUnit XML to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

/// Runs `verify`; returns the exit code.
pub fn run(out: &Output, args: VerifyArgs) -> u8 {
    verify_steps(out, &args).unwrap_or_else(|code| code)
}

/// The steps of [`run`], in order: the first that cannot go on ends the command with its exit
/// code (`Err`), after saying why; a verdict ends it with the code a live run would give.
fn verify_steps(out: &Output, args: &VerifyArgs) -> Result<u8, u8> {
    let testbed = out.testbed(args.testbed.as_deref()).ok_or(EXIT_USAGE)?;
    let skew = dsl::duration::parse(&args.skew).map_err(|e| {
        out.error(&format!("--skew {}: {}", args.skew, e.message));
        EXIT_USAGE
    })?;
    let capture = pcapng::read_capture(&args.capture).map_err(|e| capture_error(out, args, e))?;
    let loaded = out
        .load_cases(std::slice::from_ref(&args.case), &testbed, "nothing was verified")
        .ok_or(EXIT_USAGE)?;
    let cases: Vec<&Case> = loaded.files.iter().flat_map(|f| f.compiled.cases.iter()).collect();
    let case = choose_case(out, args, &cases, &capture)?;
    let sides = replay::assign_sides(&capture, &testbed, args.lan.as_deref(), args.wan.as_deref())
        .map_err(|e| capture_error(out, args, e))?;
    let playback = replay::replay_frames(&capture, sides, &testbed).map_err(|e| capture_error(out, args, e))?;
    announce(out, args, case, &capture, sides, &playback, skew);
    let info = RunInfo {
        gateway: "capture".into(),
        profile: args.capture.display().to_string(),
        testbed: testbed_label(args.testbed.as_deref()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        cases: vec![case.id.clone()],
        clock: CaseClock::Virtual,
        started: SystemTime::now(),
    };
    let started = Instant::now();
    let mut result = runner::verify::verify(case, &testbed, playback, skew);
    result.group = "verify".into();
    report(out, args, &info, &result, started.elapsed())?;
    Ok(exit_for_verdicts([result.verdict]))
}

/// Says what is wrong with the capture, naming it; a capture verify cannot use is a usage error.
fn capture_error(out: &Output, args: &VerifyArgs, e: impl std::fmt::Display) -> u8 {
    out.error(&format!("{}: {e}", args.capture.display()));
    EXIT_USAGE
}

/// The case to judge: `--case-id`, else the one the capture names, else the file's only case.
fn choose_case<'a>(out: &Output, args: &VerifyArgs, cases: &[&'a Case], capture: &Capture) -> Result<&'a Case, u8> {
    let wanted = args.case_id.as_deref().or_else(|| capture.case_id());
    match (wanted, cases) {
        (_, [only]) if args.case_id.is_none() => Ok(*only),
        (Some(id), _) => cases.iter().copied().find(|c| c.id == id).ok_or_else(|| {
            out.error(&format!(
                "{} has no case `{id}`; its cases: {}",
                args.case.display(),
                ids(cases)
            ));
            EXIT_USAGE
        }),
        (None, _) => {
            out.error(&format!(
                "{} holds {} cases; choose one with --case-id ({})",
                args.case.display(),
                cases.len(),
                ids(cases)
            ));
            Err(EXIT_USAGE)
        }
    }
}

/// Says on stderr what is judged against what: the case, the capture, which interface is which
/// side, how many frames and the skew.
fn announce(
    out: &Output,
    args: &VerifyArgs,
    case: &Case,
    capture: &Capture,
    sides: [usize; 2],
    playback: &Playback,
    skew: Duration,
) {
    let name = |i: usize| {
        capture.interfaces[i]
            .name
            .clone()
            .unwrap_or_else(|| format!("interface {i}"))
    };
    out.stderr(&format!(
        "verifying {} against {}: lan = {}, wan = {}, {} frame(s), skew {}\n",
        case.id,
        args.capture.display(),
        name(sides[0]),
        name(sides[1]),
        playback.frames.len(),
        dsl::duration::format(skew)
    ));
}

/// Reports the verdict as a run (`info`) of one case on the console, and in JUnit when
/// `--junit` asks; a JUnit file that could not be written ends the command.
fn report(out: &Output, args: &VerifyArgs, info: &RunInfo, result: &CaseResult, elapsed: Duration) -> Result<(), u8> {
    let mut console = ConsoleReporter::new(Box::new(std::io::stdout()), out.color(), false);
    console.run_started(info);
    console.case_finished(result);
    let summary = RunSummary::from_results(std::slice::from_ref(result), elapsed);
    if let Err(e) = console.run_finished(&summary) {
        out.error(&e.to_string());
    }
    let Some(path) = &args.junit else {
        return Ok(());
    };
    let mut junit = JunitReporter::new(path.clone());
    junit.run_started(info);
    junit.case_finished(result);
    junit.run_finished(&summary).map_err(|e| {
        out.error(&e.to_string());
        EXIT_ERROR
    })
}

/// The case ids, comma-separated.
fn ids(cases: &[&Case]) -> String {
    cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
}
