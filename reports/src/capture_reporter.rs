//! [`CaptureReporter`]: a pcapng capture per chosen case, under `<out>/captures/`.

use crate::{ReportError, Reporter, RunInfo, RunSummary};
use pcapng::{CaptureMeta, FrameToWrite, PacketDirection};
use runner::result::{CaseResult, Direction, RecordedFrame, Verdict};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::SystemTime;

/// Which cases get a capture (`--captures none|failed|all`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CaptureMode {
    /// No case.
    None,
    /// Cases whose verdict is fail or error.
    #[default]
    Failed,
    /// Every case that recorded frames.
    All,
}

impl CaptureMode {
    /// Whether a case with this verdict gets a capture in this mode (when it recorded frames).
    pub fn wants(self, verdict: Verdict) -> bool {
        match self {
            CaptureMode::None => false,
            CaptureMode::Failed => matches!(verdict, Verdict::Fail | Verdict::Error),
            CaptureMode::All => true,
        }
    }
}

/// A capture mode that is not `none`, `failed` or `all`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown capture mode `{0}` (expected none, failed or all)")]
pub struct UnknownCaptureMode(pub String);

impl FromStr for CaptureMode {
    type Err = UnknownCaptureMode;

    /// `none`, `failed` or `all`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "none" => Ok(CaptureMode::None),
            "failed" => Ok(CaptureMode::Failed),
            "all" => Ok(CaptureMode::All),
            other => Err(UnknownCaptureMode(other.to_string())),
        }
    }
}

/// Where captures go and which cases get one: shared by [`CaptureReporter`] and
/// [`JunitReporter::with_captures`](crate::JunitReporter::with_captures), so both name the same
/// files for the same cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureConfig {
    /// The folder (`<out>/captures`).
    pub dir: PathBuf,
    /// Which cases.
    pub mode: CaptureMode,
}

impl CaptureConfig {
    /// The capture file of `result`, when it gets one: its verdict is wanted by the mode and it
    /// recorded frames (a skipped case records none).
    pub fn path_for(&self, result: &CaseResult) -> Option<PathBuf> {
        (self.mode.wants(result.verdict) && !result.frames.is_empty()).then(|| capture_path(&self.dir, &result.id))
    }
}

/// The capture file of case `case_id` in `dir`: `dir/<file_stem(case_id)>.pcapng`.
pub fn capture_path(dir: &Path, case_id: &str) -> PathBuf {
    dir.join(format!("{}.pcapng", file_stem(case_id)))
}

/// Longest file stem, in bytes (all ASCII), leaving room for an extension under the 255-byte
/// limit of common file systems.
const MAX_STEM: usize = 200;

/// A file name stem for `case_id` that every OS accepts: ASCII letters, digits, `.`, `-`, `_` and
/// `=` are kept, everything else (`[`, `]`, `,`, `/`, spaces, non-ASCII) becomes `_`; a leading or
/// trailing `.` and a Windows device name (`con`, `nul`, `com1`, ...) get a `_`; at most 200 bytes.
/// `nat_udp.hairpin[proto=tcp,v=6]` → `nat_udp.hairpin_proto=tcp_v=6_`.
pub fn file_stem(case_id: &str) -> String {
    let mut s: String = case_id
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '=' => c,
            _ => '_',
        })
        .take(MAX_STEM)
        .collect();
    if s.starts_with('.') || s.is_empty() {
        s.insert(0, '_');
    }
    if s.ends_with('.') {
        s.push('_');
    }
    let device = s.split('.').next().unwrap_or_default().to_ascii_lowercase();
    let reserved = matches!(device.as_str(), "con" | "prn" | "aux" | "nul")
        || ((device.starts_with("com") || device.starts_with("lpt"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    if reserved {
        s.insert(0, '_');
    }
    s
}

/// What every capture of a run says about where it was recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureRunInfo {
    /// The gateway (`sim:syn-data-drop`, `netns`).
    pub gateway: String,
    /// The gatecheck version.
    pub version: String,
    /// The `if_description` of the `lan` and `wan` interfaces
    /// (`testbed interface tlan, gateway netns`).
    pub interfaces: [String; 2],
}

impl CaptureRunInfo {
    /// The metadata of `result`'s capture. A [`CaseResult`] has no start time: its wall-clock
    /// start is taken as now minus the case's duration.
    pub fn meta_for(&self, result: &CaseResult) -> CaptureMeta {
        CaptureMeta {
            case_id: result.id.clone(),
            title: result.title.clone(),
            verdict: result.verdict.name().to_string(),
            gateway: self.gateway.clone(),
            version: self.version.clone(),
            interfaces: self.interfaces.clone(),
            failure: result
                .failure
                .as_ref()
                .map(|f| f.render())
                .or_else(|| result.reason.clone()),
            start: SystemTime::now()
                .checked_sub(result.duration)
                .unwrap_or(SystemTime::UNIX_EPOCH),
            recorded_for: Some(result.duration),
        }
    }
}

/// Writes `<dir>/<case-id>.pcapng` (see [`capture_path`]) for every case the mode chooses, when
/// the case finishes.
///
/// A [`CaseResult`] has no start time: a case's wall-clock start is taken as the time
/// [`Reporter::case_finished`] is called minus the case's duration. On `sim` the duration is
/// virtual (a `wait: 2h` takes no time), so the timestamps are virtual too, ending about when the
/// case was reported. A write that fails is kept and returned by [`Reporter::run_finished`]; the
/// other captures are still written.
pub struct CaptureReporter {
    config: CaptureConfig,
    run: CaptureRunInfo,
    written: Vec<PathBuf>,
    errors: Vec<ReportError>,
}

impl CaptureReporter {
    /// A reporter writing the captures `config` chooses, with `run`'s metadata in each.
    pub fn new(config: CaptureConfig, run: CaptureRunInfo) -> Self {
        CaptureReporter {
            config,
            run,
            written: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// The captures written so far, in the order cases finished.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }
}

impl Reporter for CaptureReporter {
    fn run_started(&mut self, _info: &RunInfo) {}

    fn case_finished(&mut self, result: &CaseResult) {
        let Some(path) = self.config.path_for(result) else {
            return;
        };
        let meta = self.run.meta_for(result);
        match write_capture(&path, &meta, &result.frames) {
            Ok(()) => self.written.push(path),
            Err(e) => self.errors.push(e),
        }
    }

    /// Returns the errors of the captures that could not be written (one, or
    /// [`ReportError::Captures`] for several), once.
    fn run_finished(&mut self, _summary: &RunSummary) -> Result<(), ReportError> {
        let mut errors = std::mem::take(&mut self.errors);
        match errors.len() {
            0 => Ok(()),
            1 => Err(errors.remove(0)),
            _ => Err(ReportError::Captures(errors)),
        }
    }
}

/// Writes the capture of one case (`frames` with `meta`) to `path`, its folder created when
/// missing, through `path.tmp` and a rename, so a reader never sees half a file.
pub(crate) fn write_capture(path: &Path, meta: &CaptureMeta, frames: &[RecordedFrame]) -> Result<(), ReportError> {
    let bytes = pcapng::encode_capture(meta, frames.iter().map(to_write)).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    crate::junit::write_atomically(path, &bytes)
}

/// A recorded frame as a capture holds it: on interface `lan` or `wan`, and, seen from the
/// tester, outbound when the runner sent it into the gateway, inbound when it came out.
fn to_write(f: &RecordedFrame) -> FrameToWrite<'_> {
    FrameToWrite {
        interface: f.side.index(),
        at: f.at,
        direction: match f.direction {
            Direction::Sent => PacketDirection::Outbound,
            Direction::Received => PacketDirection::Inbound,
        },
        bytes: &f.bytes,
        comments: &f.comments,
    }
}
