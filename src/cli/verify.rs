//! `gatecheck verify CAPTURE CASE`: judges a case against a capture recorded elsewhere (both
//! sides of a gateway in one pcapng), with the verdict, report and exit code of a live run.

use super::output::Output;
use super::run::EXIT_TESTBED;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use reports::{CaseClock, ConsoleReporter, JunitReporter, Reporter, RunInfo, RunSummary};
use runner::result::Verdict;
use std::path::PathBuf;

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

/// Runs `verify`.
pub fn run(out: &Output, args: VerifyArgs) -> u8 {
    let Some(testbed) = out.testbed(args.testbed.as_deref()) else {
        return EXIT_USAGE;
    };
    let skew = match dsl::duration::parse(&args.skew) {
        Ok(d) => d,
        Err(e) => {
            out.error(&format!("--skew {}: {}", args.skew, e.message));
            return EXIT_USAGE;
        }
    };
    let capture = match pcapng::read_capture(&args.capture) {
        Ok(c) => c,
        Err(e) => {
            out.error(&format!("{}: {e}", args.capture.display()));
            return EXIT_USAGE;
        }
    };
    let Some(loaded) = out.load_cases(std::slice::from_ref(&args.case), &testbed, "nothing was verified") else {
        return EXIT_USAGE;
    };
    let cases: Vec<_> = loaded.files.iter().flat_map(|f| f.compiled.cases.iter()).collect();
    let wanted = args.case_id.clone().or_else(|| capture.case_id().map(str::to_string));
    let case = match (&wanted, cases.as_slice()) {
        (_, [only]) if args.case_id.is_none() => *only,
        (Some(id), _) => match cases.iter().find(|c| c.id == *id) {
            Some(c) => *c,
            None => {
                out.error(&format!(
                    "{} has no case `{id}`; its cases: {}",
                    args.case.display(),
                    ids(&cases)
                ));
                return EXIT_USAGE;
            }
        },
        (None, _) => {
            out.error(&format!(
                "{} holds {} cases; choose one with --case-id ({})",
                args.case.display(),
                cases.len(),
                ids(&cases)
            ));
            return EXIT_USAGE;
        }
    };
    let sides =
        match runner::backend::replay::assign_sides(&capture, &testbed, args.lan.as_deref(), args.wan.as_deref()) {
            Ok(s) => s,
            Err(e) => {
                out.error(&format!("{}: {e}", args.capture.display()));
                return EXIT_USAGE;
            }
        };
    let playback = match runner::backend::replay::replay_frames(&capture, sides, &testbed) {
        Ok(f) => f,
        Err(e) => {
            out.error(&format!("{}: {e}", args.capture.display()));
            return EXIT_USAGE;
        }
    };
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
    let info = RunInfo {
        gateway: "capture".into(),
        profile: args.capture.display().to_string(),
        testbed: args
            .testbed
            .as_ref()
            .map_or("built-in".to_string(), |p| p.display().to_string()),
        version: env!("CARGO_PKG_VERSION").to_string(),
        cases: vec![case.id.clone()],
        clock: CaseClock::Virtual,
        started: std::time::SystemTime::now(),
    };
    let started = std::time::Instant::now();
    let mut result = runner::verify::verify(case, &testbed, playback, skew);
    result.group = "verify".into();
    let mut console = ConsoleReporter::new(Box::new(std::io::stdout()), out.color(), false);
    let mut junit = args.junit.clone().map(JunitReporter::new);
    console.run_started(&info);
    console.case_finished(&result);
    let summary = RunSummary::from_results(std::slice::from_ref(&result), started.elapsed());
    if let Err(e) = console.run_finished(&summary) {
        out.error(&e.to_string());
    }
    if let Some(j) = &mut junit {
        j.run_started(&info);
        j.case_finished(&result);
        if let Err(e) = j.run_finished(&summary) {
            out.error(&e.to_string());
            return EXIT_TESTBED;
        }
    }
    match result.verdict {
        Verdict::Pass | Verdict::Skip => EXIT_OK,
        Verdict::Fail => EXIT_FAILED,
        Verdict::Error => EXIT_TESTBED,
    }
}

/// The case ids, comma-separated.
fn ids(cases: &[&dsl::plan::Case]) -> String {
    cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ")
}
