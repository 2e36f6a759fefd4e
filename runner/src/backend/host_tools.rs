//! Running `ip`, `nft`, `sysctl` and `ethtool`, with errors that say what was run and what it said.

use std::process::{Command, Stdio};

/// A command that failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CmdError {
    /// The program is not installed or cannot be started.
    #[error("`{program}` is needed but could not be started ({reason}); install {package}")]
    Missing {
        /// The program that could not be started.
        program: String,
        /// What the OS said.
        reason: String,
        /// The Debian package that provides it.
        package: &'static str,
    },
    /// The program ran and failed.
    #[error("`{command}` failed: {stderr}")]
    Failed {
        /// The command line.
        command: String,
        /// Its error output.
        stderr: String,
    },
}

fn package(program: &str) -> &'static str {
    match program {
        "nft" => "nftables",
        "ethtool" => "ethtool",
        _ => "iproute2",
    }
}

/// Runs `program args...`, optionally with `input` on stdin; returns stdout.
pub fn run(program: &str, args: &[&str], input: Option<&str>) -> Result<String, CmdError> {
    let mut c = Command::new(program);
    c.args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() });
    let mut child = c.spawn().map_err(|e| CmdError::Missing {
        program: program.into(),
        reason: e.to_string(),
        package: package(program),
    })?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        use std::io::Write;
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| CmdError::Failed {
        command: format!("{program} {}", args.join(" ")),
        stderr: e.to_string(),
    })?;
    if !out.status.success() {
        return Err(CmdError::Failed {
            command: format!("{program} {}", args.join(" ")),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command inside a network namespace (`ip netns exec NS program args...`).
pub fn in_ns(ns: &str, program: &str, args: &[&str], input: Option<&str>) -> Result<String, CmdError> {
    let mut all = vec!["netns", "exec", ns, program];
    all.extend_from_slice(args);
    run("ip", &all, input)
}

/// Whether this process runs as root (network namespaces need it).
pub fn is_root() -> bool {
    // SAFETY-free check: /proc/self/status holds the effective uid.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}
