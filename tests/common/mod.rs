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
    let out = Command::new(env!("CARGO_BIN_EXE_gatecheck"))
        .args(args)
        .arg("--color=never")
        .current_dir(root())
        .env_remove("NO_COLOR")
        .output()
        .expect("run gatecheck");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
