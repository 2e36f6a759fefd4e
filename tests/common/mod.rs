//! Helpers shared by the end-to-end tests: run the `gatecheck` binary as a user would.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository root (where `cases/` and `tests/` are).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a run of the binary produced.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `gatecheck ARGS` from the repository root, without color.
pub fn gatecheck(args: &[&str]) -> Run {
    gatecheck_in(&root(), args)
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Runs `gatecheck ARGS` from folder `cwd`, without color.
pub fn gatecheck_in(cwd: &Path, args: &[&str]) -> Run {
    Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(args)
        .arg("--color=never")
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run gatecheck")
        .into()
}

/// `gatecheck ARGS --out OUT` and the JUnit file it wrote (`OUT/junit.xml`); panics with what
/// it printed when it wrote none.
pub fn run_with_junit(args: &[&str], out: &Path) -> (Run, String) {
    let mut all = args.to_vec();
    all.extend(["--out", out.to_str().unwrap()]);
    let r = gatecheck(&all);
    let xml = std::fs::read_to_string(out.join("junit.xml"))
        .unwrap_or_else(|e| panic!("{args:?}: no JUnit written ({e}):\n{}\n{}", r.stdout, r.stderr));
    (r, xml)
}

/// Verdict and failing step per case id, as [`junit_verdicts`] reads them.
pub type Verdicts = std::collections::BTreeMap<String, (String, Option<usize>)>;

/// `gatecheck ARGS` with a fresh output folder: what it printed, and each case's verdict and
/// failing step from its JUnit file.
pub fn run_verdicts(args: &[&str]) -> (Run, Verdicts) {
    let tmp = scratch("run");
    let (r, xml) = run_with_junit(args, tmp.path());
    (r, junit_verdicts(&xml))
}

/// A fresh, empty folder for one test, named after it (under the system's temporary folder),
/// removed with everything in it when the value is dropped, also when the test fails.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gatecheck-{name}-"))
        .tempdir()
        .expect("create a scratch folder")
}

/// Every `*.yaml` under a folder of the repository, sorted, as paths relative to the root.
pub fn yaml_files(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    out.sort();
    out.into_iter()
        .map(|p| p.strip_prefix(root()).unwrap().to_string_lossy().into_owned())
        .collect()
}

/// `path` (absolute, as `insta::glob!` gives it) relative to the repository root, as a user
/// would type it there: `tests/bad/anchor_alias.yaml`.
pub fn relative(path: &Path) -> String {
    let root = root().canonicalize().expect("the repository root");
    path.strip_prefix(&root).unwrap_or(path).to_string_lossy().into_owned()
}

/// insta settings for one snapshot per input file of an `insta::glob!`, stored as
/// `DIR/NAME.snap` (DIR relative to the test file): without the glob's `@file` suffix, its input
/// file or the asserted expression, so each snapshot keeps the plain name and header it had.
pub fn snapshot_per_file(dir: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(dir);
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.remove_snapshot_suffix();
    s.remove_input_file();
    s
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read dir") {
        let p = e.unwrap().path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
}

/// Whether the root-only lab test `test` cannot run here (see [`root_and_tools`]); when it
/// cannot, says so loudly, so that a skip never passes for a pass.
pub fn skipped_without_root(test: &str) -> bool {
    match root_and_tools() {
        Ok(()) => false,
        Err(why) => {
            eprintln!("\n!!! SKIPPED {test}: {why}. It needs root, iproute2, nftables and ethtool. !!!\n");
            true
        }
    }
}

/// Builds a `netns` lab with `gatecheck lab up UP_ARGS` (a profile, `--testbed FILE`), runs `f`
/// with the lab's id, and removes the lab whatever `f` does; a panic of `f` is passed on once the
/// lab is gone.
pub fn with_lab(up_args: &[&str], f: impl FnOnce(&str)) {
    let mut args = vec!["lab", "up"];
    args.extend(up_args);
    let up = gatecheck(&args);
    assert_eq!(up.code, 0, "{}{}", up.stdout, up.stderr);
    let id = up.stdout.split_whitespace().nth(1).expect("lab ID is up").to_string();
    // The panic is passed on once the lab is removed: nothing observes what `f` left half done.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&id)));
    let down = gatecheck(&["lab", "down", "--id", &id]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

/// Whether the root-only lab tests can run here: root, and `ip`, `nft` and `ethtool` installed.
pub fn root_and_tools() -> Result<(), String> {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if !status
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
    {
        return Err("not root".into());
    }
    for tool in ["ip", "nft", "ethtool"] {
        if Command::new(tool).arg("-V").output().is_err() && Command::new(tool).arg("--version").output().is_err() {
            return Err(format!("`{tool}` is not installed"));
        }
    }
    Ok(())
}

/// The stdout of a command.
pub fn sh(args: &[&str]) -> String {
    String::from_utf8_lossy(&Command::new(args[0]).args(&args[1..]).output().expect("run").stdout).into_owned()
}

/// Verdict and failing step per test case name, read from a JUnit file.
pub fn junit_verdicts(xml: &str) -> Verdicts {
    let doc = roxmltree::Document::parse(xml).expect("valid JUnit XML");
    let mut v = std::collections::BTreeMap::new();
    for tc in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let child = |t: &str| tc.children().find(|c| c.has_tag_name(t));
        let verdict = if let Some(f) = child("failure") {
            let step = f
                .attribute("message")
                .and_then(|m| m.strip_prefix("step "))
                .and_then(|m| m.split(':').next())
                .and_then(|n| n.parse().ok());
            ("fail".to_string(), step)
        } else if child("error").is_some() {
            ("error".into(), None)
        } else if child("skipped").is_some() {
            ("skip".into(), None)
        } else {
            ("pass".into(), None)
        };
        v.insert(tc.attribute("name").unwrap_or_default().to_string(), verdict);
    }
    v
}

/// A case's verdict line on the console, without its timing or warnings:
/// `FAIL id: step 8: reason`, `PASS id`.
pub fn verdict_line(stdout: &str, id: &str) -> Option<String> {
    stdout.lines().find_map(|l| {
        let (verdict, rest) = l.split_once('[')?;
        let rest = rest.split_once("] ")?.1;
        let rest = rest.split(" (").next().unwrap_or(rest);
        (rest == id || rest.starts_with(&format!("{id}:"))).then(|| format!("{} {rest}", verdict.trim()))
    })
}

/// Waits (bounded by `limit`) for `child` to exit; kills it and panics with `what` past the limit.
pub fn wait_bounded(
    child: &mut std::process::Child,
    limit: std::time::Duration,
    what: &str,
) -> std::process::ExitStatus {
    let until = std::time::Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().expect("wait for the child") {
            return s;
        }
        if std::time::Instant::now() > until {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what}: still running after {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
}

/// The id of the `netns` lab that process `pid` made, from `gatecheck lab status`, once it
/// exists (bounded wait: 10 s).
pub fn lab_of(pid: u32) -> String {
    let mine = format!("made by pid {pid} ");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status = gatecheck(&["lab", "status"]).stdout;
        if let Some(line) = status.lines().find(|l| l.contains(&mine)) {
            return line.split_whitespace().next().unwrap_or_default().to_string();
        }
        assert!(
            std::time::Instant::now() < until,
            "process {pid} never built its lab:\n{status}"
        );
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
}

/// The quirk profiles of the simulated gateway (`syn-data-drop`, ...), as `gatecheck gateways`
/// lists them.
pub fn sim_quirks() -> Vec<String> {
    let r = gatecheck(&["gateways"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
        .lines()
        .filter_map(|l| l.strip_prefix("sim:"))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// Whether tshark is here; CI installs it. Without it the tshark checks say so loudly and are
/// skipped.
pub fn tshark() -> bool {
    let ok = std::process::Command::new("tshark").arg("-v").output().is_ok();
    if !ok {
        eprintln!("\n!!! tshark is not installed: the tshark checks of this test are SKIPPED !!!\n");
    }
    ok
}

/// `gatecheck run PATHS --capture all --out OUT` (the compliant sim): every case leaves its
/// capture in `OUT/captures/`.
pub fn run_capturing_all(paths: &str, out: &Path) -> Run {
    gatecheck(&["run", paths, "--capture", "all", "--out", out.to_str().unwrap()])
}
