//! Repro bundles: for every failing case, a folder a vendor can take to their own bench —
//! the case file, the testbed with every value written out, the capture, a README naming the
//! failure and the command that reruns it, and `repro.txt`, which `gatecheck run <bundle>` reads.

use crate::CaptureRunInfo;
use crate::capture_reporter::write_capture;
use crate::{ReportError, Reporter, RunInfo, RunSummary};
use runner::result::{CaseResult, Verdict};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The file in a bundle that marks it as one and says how to rerun it.
pub const MANIFEST: &str = "repro.txt";

/// What a bundle's manifest records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The case id (with matrix values) that failed.
    pub case_id: String,
    /// The case file, relative to the bundle.
    pub case_file: PathBuf,
    /// The gateway it ran on (`sim:syn-data-drop`); the bundle's testbed names it too.
    pub gateway: String,
    /// The seed of that case's random choices.
    pub seed: u64,
}

impl Manifest {
    /// The manifest as `key: value` lines.
    pub fn to_text(&self) -> String {
        format!(
            "# gatecheck repro bundle: `gatecheck run <this folder>` reruns the case\ncase: {}\nfile: {}\ngateway: {}\nseed: {}\n",
            self.case_id,
            self.case_file.display(),
            self.gateway,
            self.seed
        )
    }

    /// Reads a manifest written by [`Manifest::to_text`]; the error names what is missing.
    pub fn parse(text: &str) -> Result<Manifest, String> {
        let mut map = HashMap::new();
        for line in text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
        {
            let (k, v) = line
                .split_once(':')
                .ok_or_else(|| format!("`{line}` is not a `key: value` line"))?;
            map.insert(k.trim(), v.trim().to_string());
        }
        let get = |k: &str| map.get(k).cloned().ok_or_else(|| format!("no `{k}:` line"));
        Ok(Manifest {
            case_id: get("case")?,
            case_file: PathBuf::from(get("file")?),
            gateway: get("gateway")?,
            seed: get("seed")?
                .parse()
                .map_err(|_| "`seed:` is not a number".to_string())?,
        })
    }
}

/// Writes a bundle under `<dir>/<case-id>/` for every case that failed or errored.
pub struct ReproReporter {
    dir: PathBuf,
    testbed: dsl::Testbed,
    run: CaptureRunInfo,
    seeds: HashMap<String, u64>,
    errors: Vec<ReportError>,
    written: Vec<PathBuf>,
}

impl ReproReporter {
    /// Bundles go under `dir` (`<out>/repro`). `testbed` is the one the run used, `run` what its
    /// captures say about where they were recorded (its gateway is the spec as the user would
    /// write it), `seeds` each case id's seed.
    pub fn new(dir: PathBuf, testbed: &dsl::Testbed, run: CaptureRunInfo, seeds: HashMap<String, u64>) -> Self {
        ReproReporter {
            dir,
            testbed: testbed.clone(),
            run,
            seeds,
            errors: Vec::new(),
            written: Vec::new(),
        }
    }

    /// The bundles written so far.
    pub fn written(&self) -> &[PathBuf] {
        &self.written
    }

    fn write(&self, r: &CaseResult) -> Result<PathBuf, ReportError> {
        let bundle = self.dir.join(crate::file_stem(&r.id));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ReportError::Io { path, source }
        };
        let case_dir = bundle.join("case");
        std::fs::create_dir_all(&case_dir).map_err(io(&case_dir))?;
        let name = r
            .file
            .file_name()
            .map_or_else(|| "case.yaml".into(), |n| n.to_os_string());
        let case_copy = case_dir.join(&name);
        std::fs::copy(&r.file, &case_copy).map_err(io(&r.file))?;
        let mut testbed = self.testbed.clone();
        testbed.gateway = Some(self.run.gateway.clone());
        let tb_path = bundle.join("testbed.yaml");
        std::fs::write(&tb_path, testbed.to_yaml()).map_err(io(&tb_path))?;
        let capture = bundle.join("capture.pcapng");
        let meta = self.run.meta_for(r);
        write_capture(&capture, &meta, &r.frames)?;
        let seed = self.seeds.get(&r.id).copied().unwrap_or(0);
        let manifest = Manifest {
            case_id: r.id.clone(),
            case_file: Path::new("case").join(&name),
            gateway: self.run.gateway.clone(),
            seed,
        };
        let m_path = bundle.join(MANIFEST);
        std::fs::write(&m_path, manifest.to_text()).map_err(io(&m_path))?;
        let readme = bundle.join("README.txt");
        std::fs::write(&readme, self.readme(r, &bundle, &manifest)).map_err(io(&readme))?;
        Ok(bundle)
    }

    fn readme(&self, r: &CaseResult, bundle: &Path, m: &Manifest) -> String {
        let mut s = format!("gatecheck repro bundle — case {}\n{}\n\n", r.id, r.title);
        match (&r.failure, &r.reason) {
            (Some(f), _) => {
                let _ = writeln!(
                    s,
                    "Verdict: {} at {} ({}): {}",
                    r.verdict.name(),
                    f.step_label(),
                    f.location,
                    f.reason
                );
                let _ = writeln!(s, "  {}", f.text);
                if let Some(why) = &f.why {
                    let _ = writeln!(s, "  why: {why}");
                }
            }
            (None, Some(reason)) => {
                let _ = writeln!(s, "Verdict: {}: {reason}", r.verdict.name());
            }
            (None, None) => {
                let _ = writeln!(s, "Verdict: {}", r.verdict.name());
            }
        }
        let _ = writeln!(
            s,
            "Gateway: {}   gatecheck {}   seed {}\n",
            self.run.gateway, self.run.version, m.seed
        );
        let d = bundle.display();
        let _ = write!(
            s,
            "Files\n  {case}  the case file as it ran\n  testbed.yaml  the testbed, every value written out (`gateway:` names where it ran)\n  capture.pcapng  both sides of the gateway (interfaces lan and wan), step comments on the frames\n  {MANIFEST}  what `gatecheck run` reads to rerun this bundle\n\nRerun it\n  gatecheck run {d}\nwhich is the same as\n  gatecheck run {d}/{case} --testbed {d}/testbed.yaml --gateway {gw} --seed {seed} --filter '{id}'\nOn your own bench (two NICs cabled to the gateway):\n  gatecheck run {d} --gateway wire --testbed your-bench.yaml\nJudge a capture you recorded yourself (`dumpcap -i LAN -i WAN -w both.pcapng`, or two files\n  merged with `mergecap -I none -w both.pcapng lan.pcap wan.pcap`):\n  gatecheck verify your-capture.pcapng {d}/{case} --lan IF --wan IF\n",
            case = m.case_file.display(),
            gw = self.run.gateway,
            seed = m.seed,
            id = r.id,
        );
        if let Some(f) = &r.failure {
            let _ = write!(s, "\nFailure report\n{}", f.render());
        }
        if !r.warnings.is_empty() {
            let _ = writeln!(s, "\nWarnings");
            for w in &r.warnings {
                let _ = writeln!(s, "  {w}");
            }
        }
        s
    }
}

impl Reporter for ReproReporter {
    fn run_started(&mut self, _info: &RunInfo) {}

    fn case_finished(&mut self, result: &CaseResult) {
        if !matches!(result.verdict, Verdict::Fail | Verdict::Error) || result.frames.is_empty() {
            return;
        }
        match self.write(result) {
            Ok(p) => self.written.push(p),
            Err(e) => self.errors.push(e),
        }
    }

    fn run_finished(&mut self, _summary: &RunSummary) -> Result<(), ReportError> {
        match self.errors.drain(..).next() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}
